/* monitor: scrollback + history rings for the monitor pane (see monitor.h). */
#include "core/monitor.h"
#include "core/util.h"

#include <stdlib.h>
#include <string.h>

/* A ring of owned strings: head is the oldest. */
struct ring {
	char **v;
	size_t cap, head, n;
};

struct monitor {
	struct ring lines, hist;
};

static void ring_init(struct ring *r, size_t cap)
{
	r->v = xcalloc(cap, sizeof(*r->v));
	r->cap = cap;
	r->head = r->n = 0;
}

static void ring_push(struct ring *r, char *s)
{
	if (r->n == r->cap) {
		free(r->v[r->head]);
		r->v[r->head] = s;
		r->head = (r->head + 1) % r->cap;
		return;
	}
	r->v[(r->head + r->n) % r->cap] = s;
	r->n++;
}

static const char *ring_at(const struct ring *r, size_t i)
{
	return i < r->n ? r->v[(r->head + i) % r->cap] : NULL;
}

static void ring_clear(struct ring *r)
{
	for (size_t i = 0; i < r->n; i++)
		free(r->v[(r->head + i) % r->cap]);
	r->head = r->n = 0;
}

struct monitor *monitor_new(size_t max_lines, size_t max_history)
{
	struct monitor *mon = xcalloc(1, sizeof(*mon));
	ring_init(&mon->lines, max_lines ? max_lines : MONITOR_LINES_MAX);
	ring_init(&mon->hist, max_history ? max_history : MONITOR_HISTORY_MAX);
	return mon;
}

void monitor_free(struct monitor *mon)
{
	if (!mon)
		return;
	ring_clear(&mon->lines);
	ring_clear(&mon->hist);
	free(mon->lines.v);
	free(mon->hist.v);
	free(mon);
}

void monitor_append(struct monitor *mon, const char *text)
{
	const char *p = text;
	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		/* One line without a newline must not keep megabytes: cut it,
		 * not inside a UTF-8 sequence. */
		size_t keep = len;
		if (keep > MONITOR_LINE_MAX) {
			keep = MONITOR_LINE_MAX;
			while (keep > 0 && ((unsigned char)p[keep] & 0xc0) == 0x80)
				keep--;
		}
		char *line = xstrndup(p, keep);
		/* HMP output uses \r\n; a stray \r would move the cursor on screen. */
		char *w = line;
		for (char *r = line; *r; r++)
			if (*r != '\r')
				*w++ = *r;
		*w = '\0';
		ring_push(&mon->lines, line);
		if (!nl)
			break;
		p = nl + 1;
	}
}

void monitor_history_add(struct monitor *mon, const char *line)
{
	if (!line || !*line)
		return;
	const char *last = ring_at(&mon->hist, mon->hist.n ? mon->hist.n - 1 : 0);
	if (mon->hist.n && strcmp(last, line) == 0)
		return;
	ring_push(&mon->hist, xstrdup(line));
}

size_t monitor_line_count(const struct monitor *mon) { return mon->lines.n; }
const char *monitor_line(const struct monitor *mon, size_t i) { return ring_at(&mon->lines, i); }
size_t monitor_history_count(const struct monitor *mon) { return mon->hist.n; }
const char *monitor_history_at(const struct monitor *mon, size_t i) { return ring_at(&mon->hist, i); }

bool monitor_reply_failed(const char *output)
{
	if (!output)
		return false;
	if (strncmp(output, "unknown command: ", 17) == 0 || strncmp(output, "Error: ", 7) == 0)
		return true;
	/* monitor_parse_arguments: "CMD: why" then this line, at the end. */
	for (const char *p = output; (p = strstr(p, "Try \"help ")); p++)
		if ((p == output || p[-1] == '\n') && strstr(p, "\" for more information"))
			return true;
	return false;
}
