/* grid: cells in memory. Nothing here knows about terminals. */
#include "tui/grid.h"
#include "core/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

static const struct grid_cell blank = { ' ', { -1, -1, 0, 0 } };

struct grid *grid_new(int w, int h)
{
	struct grid *g = xcalloc(1, sizeof(*g));
	grid_resize(g, w, h);
	return g;
}

void grid_free(struct grid *g)
{
	if (!g)
		return;
	free(g->cells);
	free(g);
}

void grid_resize(struct grid *g, int w, int h)
{
	if (w < 0)
		w = 0;
	if (h < 0)
		h = 0;
	free(g->cells);
	g->w = w;
	g->h = h;
	g->cells = xmalloc(((size_t)w * (size_t)h + 1) * sizeof(*g->cells));
	for (size_t i = 0; i < (size_t)w * (size_t)h; i++)
		g->cells[i] = blank;
}

struct grid_cell *grid_at(struct grid *g, int x, int y)
{
	if (x < 0 || y < 0 || x >= g->w || y >= g->h)
		return NULL;
	return &g->cells[(size_t)y * (size_t)g->w + (size_t)x];
}

const struct grid_cell *grid_cget(const struct grid *g, int x, int y)
{
	if (x < 0 || y < 0 || x >= g->w || y >= g->h)
		return NULL;
	return &g->cells[(size_t)y * (size_t)g->w + (size_t)x];
}

bool grid_cell_eq(const struct grid_cell *a, const struct grid_cell *b)
{
	return a->ch == b->ch && a->pen.fg == b->pen.fg && a->pen.bg == b->pen.bg && a->pen.attr == b->pen.attr;
}

void grid_set(struct grid *g, int x, int y, uint32_t ch, struct grid_pen pen)
{
	struct grid_cell *c = grid_at(g, x, y);
	if (c) {
		c->ch = ch;
		c->pen = pen;
	}
}

void grid_fill(struct grid *g, struct rect r, uint32_t ch, struct grid_pen pen)
{
	for (int y = r.y; y < r.y + r.h; y++)
		for (int x = r.x; x < r.x + r.w; x++)
			grid_set(g, x, y, ch, pen);
}

size_t grid_utf8_decode(const char *s, uint32_t *cp)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t n;
	uint32_t c;
	if (u[0] < 0x80) {
		*cp = u[0];
		return 1;
	} else if ((u[0] & 0xE0) == 0xC0) {
		n = 2;
		c = u[0] & 0x1F;
	} else if ((u[0] & 0xF0) == 0xE0) {
		n = 3;
		c = u[0] & 0x0F;
	} else if ((u[0] & 0xF8) == 0xF0) {
		n = 4;
		c = u[0] & 0x07;
	} else {
		*cp = 0xFFFD;
		return 1;
	}
	for (size_t i = 1; i < n; i++) {
		if ((u[i] & 0xC0) != 0x80) {
			*cp = 0xFFFD;
			return i;
		}
		c = (c << 6) | (u[i] & 0x3F);
	}
	/* Overlong forms and surrogates are junk too. */
	if ((n == 2 && c < 0x80) || (n == 3 && c < 0x800) || (n == 4 && (c < 0x10000 || c > 0x10FFFF)) ||
	    (c >= 0xD800 && c <= 0xDFFF))
		c = 0xFFFD;
	*cp = c;
	return n;
}

/* One column or '?': the grid never holds a control character or a wide glyph,
 * so a cell is always exactly one terminal column. */
static uint32_t sanitize(uint32_t cp)
{
	if (cp < 0x20 || (cp >= 0x7F && cp < 0xA0) || cp == 0xFFFD)
		return '?';
	if (cp < 0x7F)
		return cp;
	return wcwidth((wchar_t)cp) == 1 ? cp : '?';
}

int grid_print(struct grid *g, int x, int y, int maxw, struct grid_pen pen, const char *s)
{
	int col = 0;
	if (!s)
		return 0;
	while (*s && col < maxw) {
		uint32_t cp;
		if (*s == '\t') { /* tabs from QEMU output: expand to the next multiple of 8 */
			int to = ((col / 8) + 1) * 8;
			while (col < to && col < maxw)
				grid_set(g, x + col++, y, ' ', pen);
			s++;
			continue;
		}
		s += grid_utf8_decode(s, &cp);
		grid_set(g, x + col++, y, sanitize(cp), pen);
	}
	return col;
}

int grid_print_wrap(struct grid *g, int x, int y, int maxw, int maxrows, struct grid_pen pen, const char *s)
{
	int rows = 0;
	if (!s || maxw <= 0)
		return 0;
	while (*s && rows < maxrows) {
		if (rows)
			while (*s == ' ')
				s++;
		/* What fits: up to maxw columns, broken after the last space. */
		const char *p = s, *brk = NULL;
		for (int col = 0; *p && col < maxw; col++) {
			uint32_t cp;
			if (*p == ' ')
				brk = p;
			p += grid_utf8_decode(p, &cp);
		}
		const char *stop = !*p || *p == ' ' || rows == maxrows - 1 || !brk || brk == s ? p : brk;
		if (g) {
			char *part = xstrndup(s, (size_t)(stop - s));
			grid_print(g, x, y + rows, maxw, pen, part);
			free(part);
		}
		rows++;
		s = stop;
		if (!s[strspn(s, " ")])
			break; /* nothing but blanks left */
	}
	return rows;
}

int grid_printf(struct grid *g, int x, int y, int maxw, struct grid_pen pen, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *s = xvasprintf(fmt, ap);
	va_end(ap);
	int n = grid_print(g, x, y, maxw, pen, s);
	free(s);
	return n;
}

int grid_strwidth(const char *s)
{
	int n = 0;
	while (s && *s) {
		uint32_t cp;
		if (*s == '\t') {
			n = ((n / 8) + 1) * 8;
			s++;
			continue;
		}
		s += grid_utf8_decode(s, &cp);
		n++;
	}
	return n;
}

size_t grid_utf8_encode(uint32_t cp, char *out)
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	} else if (cp < 0x800) {
		out[0] = (char)(0xC0 | (cp >> 6));
		out[1] = (char)(0x80 | (cp & 0x3F));
		return 2;
	} else if (cp < 0x10000) {
		out[0] = (char)(0xE0 | (cp >> 12));
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		out[2] = (char)(0x80 | (cp & 0x3F));
		return 3;
	}
	out[0] = (char)(0xF0 | (cp >> 18));
	out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
	out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
	out[3] = (char)(0x80 | (cp & 0x3F));
	return 4;
}

char *grid_row_text(const struct grid *g, int y)
{
	char *out = xmalloc((size_t)g->w * 4 + 1);
	size_t n = 0, keep = 0;
	for (int x = 0; x < g->w; x++) {
		const struct grid_cell *c = grid_cget(g, x, y);
		n += grid_utf8_encode(c->ch, out + n);
		if (c->ch != ' ')
			keep = n;
	}
	out[keep] = '\0';
	return out;
}

char *grid_text(const struct grid *g)
{
	size_t cap = (size_t)g->h * ((size_t)g->w * 4 + 1) + 1, n = 0;
	char *out = xmalloc(cap);
	for (int y = 0; y < g->h; y++) {
		char *row = grid_row_text(g, y);
		size_t l = strlen(row);
		memcpy(out + n, row, l);
		n += l;
		out[n++] = '\n';
		free(row);
	}
	out[n] = '\0';
	return out;
}

int grid_find(const struct grid *g, const char *needle)
{
	for (int y = 0; y < g->h; y++) {
		char *row = grid_row_text(g, y);
		bool hit = strstr(row, needle) != NULL;
		free(row);
		if (hit)
			return y;
	}
	return -1;
}
