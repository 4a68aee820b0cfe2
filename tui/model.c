/* model: the TUI's plain data and its small helpers. */
#include "tui/model.h"
#include "core/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const state_names[MVM__N] = {
	[MVM_STOPPED] = "stopped", [MVM_STARTING] = "starting", [MVM_RUNNING] = "running",
	[MVM_PAUSED] = "paused", [MVM_STOPPING] = "stopping", [MVM_EXITED] = "exited",
	[MVM_UNKNOWN] = "unknown",
};

const char *mvm_state_name(enum mvm_state s)
{
	return s < MVM__N ? state_names[s] : "?";
}

void lines_init(struct lines *l, size_t max)
{
	memset(l, 0, sizeof(*l));
	l->max = max;
}

void lines_clear(struct lines *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	size_t max = l->max;
	lines_init(l, max);
}

void lines_push(struct lines *l, const char *s)
{
	if (l->max && l->n == l->max) {
		free(l->v[0]);
		memmove(l->v, l->v + 1, (l->n - 1) * sizeof(*l->v));
		l->n--;
	}
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 16;
		l->v = xrealloc(l->v, l->cap * sizeof(*l->v));
	}
	l->v[l->n++] = xstrdup(s);
}

void lines_push_text(struct lines *l, const char *text)
{
	const char *p = text;
	while (p && *p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		if (len && p[len - 1] == '\r')
			len--;
		char *line = xstrndup(p, len);
		lines_push(l, line);
		free(line);
		if (!nl)
			break;
		p = nl + 1;
	}
}

void model_init(struct model *m)
{
	memset(m, 0, sizeof(*m));
	lines_init(&m->diags, MODEL_DIAGS_MAX);
}

void mvm_clear(struct mvm *v)
{
	free(v->name);
	free(v->host);
	free(v->cause);
	free(v->runtime_dir);
	free(v->note);
	free(v->fwd);
	lines_clear(&v->log);
	memset(v, 0, sizeof(*v));
}

static void mbridge_clear(struct mbridge *b)
{
	free(b->last_change);
	free(b->cost);
	free(b->ports);
	free(b->prediction);
	memset(b, 0, sizeof(*b));
}

void model_bridges_clear(struct model *m)
{
	for (size_t i = 0; i < m->n_bridges; i++)
		mbridge_clear(&m->bridges[i]);
	free(m->bridges);
	m->bridges = NULL;
	m->n_bridges = 0;
}

void model_clear(struct model *m)
{
	for (size_t i = 0; i < m->n_vms; i++)
		mvm_clear(&m->vms[i]);
	free(m->vms);
	model_bridges_clear(m);
	model_history_clear(m);
	free(m->history);
	lines_clear(&m->diags);
	free(m->vm_degraded);
	free(m->net_degraded);
	free(m->profiles_dir);
	model_init(m);
}

struct mvm *model_vm_find(struct model *m, const char *name)
{
	for (size_t i = 0; i < m->n_vms; i++)
		if (strcmp(m->vms[i].name, name) == 0)
			return &m->vms[i];
	return NULL;
}

void model_history_push(struct model *m, const struct mmac_event *e)
{
	/* Refilled on every refresh: the array grows by doubling and is kept
	 * between fills, not reallocated entry by entry. */
	if (m->n_history == m->cap_history) {
		m->cap_history = m->cap_history ? m->cap_history * 2 : 64;
		m->history = xrealloc(m->history, m->cap_history * sizeof(*m->history));
	}
	m->history[m->n_history] = *e;
	m->history[m->n_history].cause = e->cause ? xstrdup(e->cause) : NULL;
	m->history[m->n_history].cost = e->cost ? xstrdup(e->cost) : NULL;
	m->n_history++;
}

void model_history_clear(struct model *m)
{
	for (size_t i = 0; i < m->n_history; i++) {
		free(m->history[i].cause);
		free(m->history[i].cost);
	}
	m->n_history = 0;
}

/* Sort key of one history entry: its time, then where it was pushed (so
 * entries of the same time keep their order: qsort is not stable). */
struct hist_key {
	int64_t wall_us;
	size_t at;
};

static int hist_key_cmp(const void *a, const void *b)
{
	const struct hist_key *x = a, *y = b;
	if (x->wall_us != y->wall_us)
		return x->wall_us < y->wall_us ? -1 : 1;
	return x->at < y->at ? -1 : x->at > y->at;
}

void model_history_finish(struct model *m)
{
	size_t n = m->n_history;
	if (n > 1) {
		struct hist_key *k = xmalloc(n * sizeof(*k));
		for (size_t i = 0; i < n; i++)
			k[i] = (struct hist_key){ m->history[i].wall_us, i };
		qsort(k, n, sizeof(*k), hist_key_cmp);
		struct mmac_event *sorted = xmalloc(n * sizeof(*sorted));
		for (size_t i = 0; i < n; i++)
			sorted[i] = m->history[k[i].at];
		memcpy(m->history, sorted, n * sizeof(*sorted));
		free(sorted);
		free(k);
	}
	if (m->n_history > MODEL_HISTORY_MAX) {
		size_t drop = m->n_history - MODEL_HISTORY_MAX;
		for (size_t i = 0; i < drop; i++) {
			free(m->history[i].cause);
			free(m->history[i].cost);
		}
		memmove(m->history, m->history + drop, MODEL_HISTORY_MAX * sizeof(*m->history));
		m->n_history = MODEL_HISTORY_MAX;
	}
}

const char *model_uptime(int64_t secs, char *buf, size_t n)
{
	if (secs < 0)
		secs = 0;
	long d = (long)(secs / 86400), h = (long)(secs / 3600 % 24), mi = (long)(secs / 60 % 60), s = (long)(secs % 60);
	if (d)
		snprintf(buf, n, "%ldd %02ld:%02ld", d, h, mi);
	else
		snprintf(buf, n, "%02ld:%02ld:%02ld", h, mi, s);
	return buf;
}

const char *model_rate(double bps, char *buf, size_t n)
{
	static const char units[] = " KMGT";
	int u = 0;
	while (bps >= 999.5 && u < 4) {
		bps /= 1000.0;
		u++;
	}
	if (u == 0)
		snprintf(buf, n, "%.0f", bps);
	else if (bps < 9.95)
		snprintf(buf, n, "%.1f%c", bps, units[u]);
	else
		snprintf(buf, n, "%.0f%c", bps, units[u]);
	return buf;
}

const char *model_bytes(uint64_t bytes, char *buf, size_t n)
{
	static const char units[] = "BKMGT";
	double v = (double)bytes;
	int u = 0;
	while (v >= 999.5 && u < 4) {
		v /= 1024.0;
		u++;
	}
	if (u > 0 && v < 9.95)
		snprintf(buf, n, "%.1f%c", v, units[u]);
	else
		snprintf(buf, n, "%.0f%c", v, units[u]);
	return buf;
}
