/* src_lv: libvirt hosts as rows of the VM list (see the header). */
#include "tui/src_lv.h"
#include "tui/cmd_lv.h"
#include "tui/model.h"
#include "tui/src_vm.h"
#include "tui/ui.h"
#include "core/util.h"
#include "core/vnc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct src_lv {
	struct ui *ui;
	struct src_vm *vms;
	struct lvset set;
	char local[72]; /* this host's header */
};

/* The host's domains may have been replaced (a reconnect) or gone: point
 * the rows at the scrollbacks it holds now, at once, so that nothing read
 * before the rebuild (a key in this same pass) is dangling. */
static void on_change(struct lvhost *h, void *arg)
{
	struct src_lv *s = arg;
	struct model *m = &s->ui->m;
	for (size_t i = 0; i < m->n_vms; i++) {
		struct mvm *v = &m->vms[i];
		if (v->header || !v->host || strcmp(v->host, lvhost_name(h)) != 0)
			continue;
		const struct lvdom *d = lvhost_find(h, strchr(v->name, '/') + 1);
		v->mon = d ? d->mon : NULL;
	}
	src_vm_mark_stale(s->vms);
}

static void on_log(struct lvhost *h, const char *line, void *arg)
{
	(void)h;
	struct src_lv *s = arg;
	ui_note(s->ui, "%s", line);
}

static enum mvm_state map_state(int st)
{
	switch (st) {
	case LVDOM_RUNNING: case LVDOM_BLOCKED: return MVM_RUNNING;
	case LVDOM_PAUSED: case LVDOM_PMSUSPENDED: return MVM_PAUSED;
	case LVDOM_SHUTDOWN: return MVM_STOPPING;
	case LVDOM_SHUTOFF: return MVM_STOPPED;
	case LVDOM_CRASHED: return MVM_EXITED;
	default: return MVM_UNKNOWN;
	}
}

static void header(struct mvm *v, const char *name, const char *host, char *text, enum mvm_state st, bool bad)
{
	memset(v, 0, sizeof(*v));
	lines_init(&v->log, MVM_LOG_MAX);
	v->name = xstrdup(name);
	v->host = host ? xstrdup(host) : NULL;
	v->header = true;
	v->cause = text; /* the header's text */
	v->state = st;
	v->failed = bad;
}

static void dom_row(struct mvm *v, struct lvhost *h, const struct lvdom *d)
{
	memset(v, 0, sizeof(*v));
	lines_init(&v->log, MVM_LOG_MAX);
	v->name = xasprintf("%s/%s", lvhost_name(h), d->name);
	v->host = xstrdup(lvhost_name(h));
	v->state = map_state(d->state);
	v->failed = d->state == LVDOM_CRASHED;
	v->stale = lvhost_stale(h);
	v->started_wall_s = d->started_wall_s;
	v->mon = d->mon; /* borrowed from the host, like a local VM's from vmm */
	v->mon_busy = d->mon_busy > 0;
	if (d->state != LVDOM_RUNNING && d->state != LVDOM_SHUTOFF && d->state != LVDOM_PAUSED)
		v->cause = xstrdup(lvdom_state_name(d->state));
	v->note = v->stale ? xasprintf("last known state: %s is unreachable (%s)", lvhost_name(h), lvhost_error(h))
			   : xasprintf("libvirt domain '%s' on %s", d->name, lvhost_uri(h));
}

/* This host's header first, its VMs, then each libvirt host's header and
 * domains. */
static void extra(struct model *m, void *arg)
{
	struct src_lv *s = arg;
	size_t n = m->n_vms + 1;
	for (size_t i = 0; i < s->set.n; i++)
		n += 1 + lvhost_count(s->set.h[i]);
	m->vms = xrealloc(m->vms, n * sizeof(*m->vms));
	memmove(m->vms + 1, m->vms, m->n_vms * sizeof(*m->vms));
	header(&m->vms[0], "/", NULL, xstrdup(s->local), MVM_RUNNING, false);
	size_t k = m->n_vms + 1;
	for (size_t i = 0; i < s->set.n; i++) {
		struct lvhost *h = s->set.h[i];
		char *name = xasprintf("%s/", lvhost_name(h));
		enum lvhost_conn c = lvhost_conn(h);
		char *text = c == LVHOST_UP ? xasprintf("%s  %s", lvhost_name(h), lvhost_uri(h))
			     : c == LVHOST_CONNECTING ? xasprintf("%s: connecting to %s", lvhost_name(h), lvhost_uri(h))
						      : xasprintf("%s: unreachable: %s (retrying)", lvhost_name(h), lvhost_error(h));
		header(&m->vms[k++], name, lvhost_name(h), text, c == LVHOST_UP ? MVM_RUNNING : MVM_STARTING,
		       c == LVHOST_UNREACHABLE);
		free(name);
		for (size_t j = 0; j < lvhost_count(h); j++)
			dom_row(&m->vms[k++], h, lvhost_at(h, j));
	}
	m->n_vms = k;
}

struct src_lv *src_lv_new(struct loop *l, struct ui *ui, struct src_vm *vms)
{
	if (!cmd_lv_count())
		return NULL;
	struct src_lv *s = xcalloc(1, sizeof(*s));
	s->ui = ui;
	s->vms = vms;
	char host[64] = "";
	if (gethostname(host, sizeof host - 1) < 0 || !*host)
		snprintf(host, sizeof host, "localhost");
	snprintf(s->local, sizeof s->local, "this host (%s)", host);
	lvset_open(&s->set, l);
	for (size_t i = 0; i < s->set.n; i++) {
		lvhost_set_on_change(s->set.h[i], on_change, s);
		lvhost_set_on_log(s->set.h[i], on_log, s);
	}
	src_vm_set_extra(vms, extra, s);
	return s;
}

void src_lv_free(struct src_lv *s)
{
	if (!s)
		return;
	src_vm_set_extra(s->vms, NULL, NULL);
	lvset_close(&s->set);
	free(s);
}

static void on_monitor(struct lvhost *h, const char *dom, const char *out, const char *err, void *arg)
{
	(void)h;
	(void)dom;
	(void)out; /* lvhost put it in the scrollback */
	struct src_lv *s = arg;
	if (err)
		ui_message(s->ui, true, "monitor: %s", err);
	src_vm_mark_stale(s->vms);
	s->ui->dirty |= D_MONITOR;
}

void src_lv_monitor_send(struct src_lv *s, struct mvm *v, const char *cmd)
{
	struct lvhost *h = s && v->host ? lvset_find(&s->set, v->host) : NULL;
	const char *slash = strchr(v->name, '/');
	char *err = NULL;
	if (!h || !slash || lvhost_monitor(h, slash + 1, cmd, on_monitor, s, &err) < 0) {
		ui_message(s->ui, true, "monitor: %s", err ? err : "no such libvirt domain");
		free(err);
		return;
	}
	/* The row borrows the scrollback the first command made. */
	src_vm_mark_stale(s->vms);
	s->ui->dirty |= D_MONITOR;
}

int src_lv_screen(void *arg, const struct mvm *v, struct vnc_config *cfg, char **err)
{
	struct src_lv *s = arg;
	struct lvhost *h = v->host ? lvset_find(&s->set, v->host) : NULL;
	const char *slash = strchr(v->name, '/');
	if (!h || !slash)
		return error_set(err, "no such libvirt domain");
	struct lvgfx *g = lvhost_gfx_new(h, slash + 1, err);
	if (!g)
		return -1;
	cfg->open_fd = lvhost_gfx_fd;
	cfg->fd_ref = lvhost_gfx_ref;
	cfg->fd_unref = lvhost_gfx_unref;
	cfg->fd_arg = g;
	return 0;
}

struct done_ctx {
	struct src_lv *s;
	const char *what;
};

static void on_done(struct lvhost *h, const char *dom, int rc, const char *err, void *arg)
{
	struct done_ctx *c = arg;
	if (rc == 0)
		ui_note(c->s->ui, "%s/%s: %s done", lvhost_name(h), dom, c->what);
	else
		ui_message(c->s->ui, true, "%s", err ? err : "failed");
	src_vm_mark_stale(c->s->vms);
	free(c);
}

int src_lv_act(struct src_lv *s, enum action a, struct mvm *v, char **err)
{
	struct lvhost *h = s && v && v->host ? lvset_find(&s->set, v->host) : NULL;
	const char *slash = v ? strchr(v->name, '/') : NULL;
	if (!h || !slash || !slash[1])
		return error_set(err, "no such libvirt domain");
	static const struct {
		enum action a;
		enum lvhost_action lv;
		const char *what;
	} map[] = {
		{ ACT_START, LVHOST_START, "start" }, { ACT_STOP, LVHOST_STOP, "stop" },
		{ ACT_FORCE, LVHOST_FORCE_STOP, "force stop" }, { ACT_PAUSE, LVHOST_PAUSE, "pause" },
		{ ACT_RESET, LVHOST_RESET, "reset" },
	};
	size_t i = 0;
	while (i < ARRAY_LEN(map) && map[i].a != a)
		i++;
	if (i == ARRAY_LEN(map))
		return error_set(err, "%s: not for a libvirt domain yet", v->name);
	struct done_ctx *c = xcalloc(1, sizeof(*c));
	c->s = s;
	c->what = map[i].what;
	enum lvhost_action lv = map[i].lv;
	if (a == ACT_PAUSE && v->state == MVM_PAUSED) {
		lv = LVHOST_RESUME;
		c->what = "resume";
	}
	if (lvhost_act(h, slash + 1, lv, on_done, c, err) < 0) {
		free(c);
		return -1;
	}
	ui_note(s->ui, "%s: %s sent through libvirt", v->name, c->what);
	return 0;
}
