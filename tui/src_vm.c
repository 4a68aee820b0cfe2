/* src_vm: core/vm.h -> struct model, profile reloads via inotify, actions. */
#include "tui/src_vm.h"
#include "tui/vmuse.h"
#include "core/loop.h"
#include "core/monitor.h"
#include "core/paths.h"
#include "core/profile.h"
#include "core/util.h"
#include "core/forward.h"
#include "core/vm.h"
#include "net/labnet.h"
#include "net/vmnet.h"

#include <errno.h>
#include <poll.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define CONSOLE_LINES 40

struct src_vm {
	struct loop *loop;
	struct ui *ui;
	struct vmm *vmm;
	int ino_fd;
	struct loop_timer *reload_timer;
	/* The serial console tail of the selected VM, re-read when the file changes. */
	char *console_vm;
	off_t console_size;
	struct timespec console_mtime;
	struct lines console;
	/* The latest progress line per VM (stop escalation steps). */
	struct lines notes; /* "name\tline" */
	bool closing;       /* vmm_free is cancelling pending actions: touch nothing */
	bool stale;         /* the model's VM half is out of date: src_vm_after rebuilds it */
	struct labnet_set *nets; /* the lab networks, loaded with the profiles */
	struct vmuse *use;  /* CPU and memory of live VMs, sampled once a second */
	src_vm_extra_fn extra; /* adds the libvirt hosts' rows (tui/src_lv.c) */
	void *extra_arg;
};

static const char *note_for(struct src_vm *s, const char *name)
{
	size_t l = strlen(name);
	for (size_t i = s->notes.n; i-- > 0;)
		if (strncmp(s->notes.v[i], name, l) == 0 && s->notes.v[i][l] == '\t')
			return s->notes.v[i] + l + 1;
	return NULL;
}

static enum mvm_state map_state(enum vm_state st)
{
	static const enum mvm_state map[VM_STATE_COUNT] = {
		[VM_STOPPED] = MVM_STOPPED, [VM_STARTING] = MVM_STARTING, [VM_RUNNING] = MVM_RUNNING,
		[VM_PAUSED] = MVM_PAUSED, [VM_STOPPING] = MVM_STOPPING, [VM_EXITED] = MVM_EXITED,
		[VM_UNKNOWN] = MVM_UNKNOWN,
	};
	return (unsigned)st < VM_STATE_COUNT ? map[st] : MVM_EXITED;
}

static bool cause_is_failure(const struct vm *vm)
{
	switch (vm_cause(vm)) {
	case VM_CAUSE_SIGNAL: case VM_CAUSE_GUEST_PANIC: case VM_CAUSE_START_FAILED: case VM_CAUSE_UNKNOWN:
		return true;
	case VM_CAUSE_EXIT_CODE:
		return vm_exit_code(vm) != 0;
	default:
		return false;
	}
}

/* Strip terminal escape sequences a guest console may print (colour, cursor). */
static void strip_escapes(char *s)
{
	char *w = s;
	for (char *r = s; *r;) {
		if (*r == 0x1b) {
			r++;
			if (*r == '[') {
				r++;
				while (*r && !(*r >= 0x40 && *r <= 0x7e))
					r++;
				if (*r)
					r++;
			} else if (*r) {
				r++;
			}
			continue;
		}
		*w++ = *r++;
	}
	*w = '\0';
}

/* Read the last few KiB of the selected VM's serial log when it changed. */
static bool console_refresh(struct src_vm *s, struct vm *vm)
{
	const char *dir = vm_dir(vm);
	if (!dir)
		return false;
	char *path = path_join(dir, "serial.log");
	struct stat st;
	bool changed = false;
	if (stat(path, &st) == 0) {
		if (st.st_size != s->console_size || st.st_mtim.tv_sec != s->console_mtime.tv_sec ||
		    st.st_mtim.tv_nsec != s->console_mtime.tv_nsec || !s->console_vm ||
		    strcmp(s->console_vm, vm_name(vm)) != 0) {
			int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
			if (fd >= 0) {
				enum { TAIL = 8192 };
				char *buf = xmalloc(TAIL + 1);
				off_t from = st.st_size > TAIL ? st.st_size - TAIL : 0;
				ssize_t n = pread(fd, buf, TAIL, from);
				close(fd);
				if (n < 0)
					n = 0;
				buf[n] = '\0';
				for (ssize_t i = 0; i < n; i++)
					if (buf[i] == '\0')
						buf[i] = ' ';
				strip_escapes(buf);
				char *start = buf;
				if (from > 0) { /* drop the partial first line */
					char *nl = strchr(buf, '\n');
					start = nl ? nl + 1 : buf;
				}
				lines_clear(&s->console);
				lines_push_text(&s->console, start);
				free(buf);
				changed = true;
			}
			s->console_size = st.st_size;
			s->console_mtime = st.st_mtim;
		}
	} else if (s->console.n) {
		lines_clear(&s->console);
		s->console_size = 0;
		changed = true;
	}
	free(path);
	if (!s->console_vm || strcmp(s->console_vm, vm_name(vm)) != 0) {
		free(s->console_vm);
		s->console_vm = xstrdup(vm_name(vm));
		changed = true;
	}
	return changed;
}

static void fill_vm(struct src_vm *s, struct mvm *v, struct vm *vm, bool selected)
{
	v->name = xstrdup(vm_name(vm));
	v->prof = vm_profile(vm);
	v->state = map_state(vm_state(vm));
	const char *cause = vm_cause_text(vm);
	if (cause && *cause && (v->state == MVM_EXITED || v->state == MVM_STOPPING))
		v->cause = xstrdup(cause);
	else if (v->state == MVM_STARTING && vm_phase(vm)) /* "starting (creating disk 'data')" */
		v->cause = xstrdup(vm_phase(vm));
	/* Not watched is a failure to show (its note says why), not a stop. */
	v->failed = (v->state == MVM_EXITED && cause_is_failure(vm)) || v->state == MVM_UNKNOWN;
	v->install = vm_mode(vm) == VM_MODE_INSTALL;
	uint64_t up = vm_uptime_s(vm);
	v->started_wall_s = up || vm_pid(vm) > 0 ? (int64_t)(now_wall_us() / 1000000) - (int64_t)up : 0;
	v->pid = (int)vm_pid(vm);
	v->runtime_dir = vm_dir(vm) ? xstrdup(vm_dir(vm)) : NULL;
	const char *note = note_for(s, v->name);
	const char *e = vm_error(vm);
	time_t ended = vm_exit_time(vm);
	char when[32] = "";
	struct tm tm;
	if (ended && localtime_r(&ended, &tm))
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm);
	if (e && *e && *when)
		v->note = xasprintf("%s (at %s)", e, when);
	else if (e && *e)
		v->note = xstrdup(e);
	else if (*when && v->state == MVM_EXITED)
		v->note = xasprintf("ended at %s", when); /* the last exit, until the next start */
	else if (note && v->state != MVM_STOPPED && v->state != MVM_RUNNING)
		v->note = xstrdup(note); /* a step in progress (stop escalation) */
	v->mon = vm_monitor(vm);
	v->mon_busy = vm_monitor_busy(vm);
	vmuse_apply(s->use, v);
	if (selected)
		v->n_fwd = vm_forwards(vm, &v->fwd, &v->fwd_live);
	lines_init(&v->log, MVM_LOG_MAX);
	if (v->failed && v->state != MVM_UNKNOWN) {
		struct strv out;
		strv_init(&out);
		vm_log_tail(vm, 12, &out); /* kept in memory at the exit: no file read per rebuild */
		for (size_t i = 0; i < out.n; i++)
			lines_push(&v->log, out.v[i]);
		strv_clear(&out);
	} else if (selected && v->state != MVM_STOPPED && s->console_vm && strcmp(s->console_vm, v->name) == 0) {
		for (size_t i = 0; i < s->console.n; i++)
			lines_push(&v->log, s->console.v[i]);
	}
}

/* Rebuild the VM half of the model; keeps the selection on the same name. */
static void sync_model(struct src_vm *s)
{
	struct ui *ui = s->ui;
	struct model *m = &ui->m;
	struct mvm *old_sel = ui->vm_sel < m->n_vms ? &m->vms[ui->vm_sel] : NULL; /* a header too */
	char *sel_name = old_sel ? xstrdup(old_sel->name) : NULL;
	/* Everything a row shows comes from vmm, a monitor command in flight
	 * too (vm_monitor_busy): nothing is lost by a rebuild. */
	for (size_t i = 0; i < m->n_vms; i++)
		mvm_clear(&m->vms[i]);
	free(m->vms);
	m->n_vms = vmm_count(s->vmm);
	m->vms = xcalloc(m->n_vms ? m->n_vms : 1, sizeof(*m->vms));
	size_t sel = ui->vm_sel;
	for (size_t i = 0; i < m->n_vms; i++)
		if (sel_name && strcmp(vm_name(vmm_at(s->vmm, i)), sel_name) == 0)
			sel = i;
	size_t unknown = 0;
	for (size_t i = 0; i < m->n_vms; i++) {
		struct vm *vm = vmm_at(s->vmm, i);
		fill_vm(s, &m->vms[i], vm, sel_name ? !strcmp(vm_name(vm), sel_name) : i == sel);
		unknown += m->vms[i].state == MVM_UNKNOWN;
	}
	/* The libvirt hosts' rows (and the headers) follow; the selection stays
	 * on the same name wherever its row went. */
	if (s->extra) {
		s->extra(m, s->extra_arg);
		for (size_t i = 0; i < m->n_vms; i++)
			if (sel_name && strcmp(m->vms[i].name, sel_name) == 0)
				sel = i;
	}
	ui->vm_sel = sel;
	ui_clamp(ui);
	free(m->vm_degraded);
	m->vm_degraded = unknown ? xasprintf("%zu VM%s not watched (out of file descriptors): state unknown; raise ulimit -n",
					     unknown, unknown == 1 ? "" : "s")
				 : NULL;
	free(sel_name);
	ui->dirty |= D_VMS | D_DETAILS | D_HEADER | D_STATUS | D_MONITOR | D_THUMB;
}

/* The rows borrow each VM's profile and monitor from vmm, and a change with
 * vm == NULL may have freed some (a reload, a profile-less VM gone): point
 * the rows at what vmm holds now, at once (lookups only), so that nothing
 * read before the rebuild in src_vm_after is dangling. */
static void repoint(struct src_vm *s)
{
	struct model *m = &s->ui->m;
	for (size_t i = 0; i < m->n_vms; i++) {
		struct vm *vm = vmm_find(s->vmm, m->vms[i].name);
		m->vms[i].prof = vm ? vm_profile(vm) : NULL;
		m->vms[i].mon = vm ? vm_monitor(vm) : NULL;
	}
}

/* Changes only mark the model stale: a burst of them is one rebuild. */
static void on_change(struct vm *vm, void *arg)
{
	struct src_vm *s = arg;
	if (s->closing)
		return;
	if (!vm)
		repoint(s);
	s->stale = true;
}

static void on_log(struct vm *vm, const char *line, void *arg)
{
	struct src_vm *s = arg;
	if (s->closing)
		return;
	char *n = xasprintf("%s\t%s", vm ? vm_name(vm) : "", line);
	lines_push(&s->notes, n);
	free(n);
	ui_note(s->ui, "%s", line);
	if (vm)
		s->stale = true;
}

size_t src_vm_reload(struct src_vm *s)
{
	const char *dir = paths_profiles_dir();
	const char *paths[] = { dir };
	struct profile_set *set = profile_set_load(paths, 1);
	struct model *m = &s->ui->m;
	lines_clear(&m->diags);
	for (size_t i = 0; i < set->n_diags; i++) {
		char *d = profile_diag_format(&set->diags[i]);
		lines_push(&m->diags, d);
		free(d);
	}
	free(m->profiles_dir);
	m->profiles_dir = xstrdup(dir);
	vmm_sync_profiles(s->vmm, set);
	/* The lab networks load with the profiles, on the same inotify. */
	labnet_set_free(s->nets);
	s->nets = labnet_set_load(NULL);
	s->stale = true;
	return vmm_count(s->vmm);
}

bool src_vm_after(struct src_vm *s)
{
	if (!s->stale)
		return false;
	s->stale = false;
	sync_model(s);
	return true;
}

const struct labnet_set *src_vm_networks(const struct src_vm *s) { return s->nets; }

void src_vm_set_extra(struct src_vm *s, src_vm_extra_fn fn, void *arg)
{
	s->extra = fn;
	s->extra_arg = arg;
	s->stale = true;
}

void src_vm_mark_stale(struct src_vm *s) { s->stale = true; }

/* The profile problems as one text, to tell whether a reload changed them. */
static char *diags_text(const struct lines *l)
{
	char *t = xstrdup("");
	for (size_t i = 0; i < l->n; i++) {
		char *u = xasprintf("%s%s\n", t, l->v[i]);
		free(t);
		t = u;
	}
	return t;
}

/* The watcher's reload says so only when the set changed: after the TUI's
 * own import (loaded already) it would hide the import's report. */
static void reload_fire(struct loop_timer *t, void *arg)
{
	struct src_vm *s = arg;
	(void)t;
	s->reload_timer = NULL;
	size_t before = vmm_count(s->vmm);
	char *diags_before = diags_text(&s->ui->m.diags);
	size_t n = src_vm_reload(s);
	char *diags_after = diags_text(&s->ui->m.diags);
	if (n != before || strcmp(diags_before, diags_after))
		ui_note(s->ui, "profiles reloaded: %zu VMs%s", n,
			s->ui->m.diags.n ? ", with problems (see details)" : "");
	free(diags_before);
	free(diags_after);
}

static void ino_watch(struct src_vm *s)
{
	const char *dir = paths_profiles_dir();
	uint32_t mask = IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE | IN_CREATE | IN_ATTRIB;
	inotify_add_watch(s->ino_fd, dir, mask);
	char *net = path_join(dir, "networks");
	inotify_add_watch(s->ino_fd, net, mask);
	free(net);
}

static void on_inotify(int fd, short revents, void *arg)
{
	struct src_vm *s = arg;
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	(void)revents;
	bool any = false;
	while (read(fd, buf, sizeof(buf)) > 0)
		any = true;
	/* Editors write in bursts (temp file, rename): settle, then reload once. */
	if (any) {
		if (s->reload_timer)
			loop_timer_reset(s->loop, s->reload_timer, 250);
		else
			s->reload_timer = loop_timer_add(s->loop, 250, false, reload_fire, s);
		ino_watch(s); /* the networks dir may have appeared */
	}
}

struct src_vm *src_vm_new(struct loop *l, struct ui *ui)
{
	struct src_vm *s = xcalloc(1, sizeof(*s));
	s->loop = l;
	s->ui = ui;
	lines_init(&s->console, CONSOLE_LINES);
	lines_init(&s->notes, MVM_LOG_MAX);
	s->use = vmuse_new();
	s->vmm = vmm_new(l, &vmnet_hooks);
	vmm_set_read_only(s->vmm, ui->read_only);
	vmm_set_on_change(s->vmm, on_change, s);
	vmm_set_on_log(s->vmm, on_log, s);
	s->ino_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (s->ino_fd >= 0) {
		ino_watch(s);
		loop_fd_add(l, s->ino_fd, POLLIN, on_inotify, s);
	}
	src_vm_reload(s);
	return s;
}

void src_vm_free(struct src_vm *s)
{
	if (!s)
		return;
	loop_timer_del(s->loop, s->reload_timer);
	if (s->ino_fd >= 0) {
		loop_fd_del(s->loop, s->ino_fd);
		close(s->ino_fd);
	}
	/* The model borrows profiles and monitors from vmm: drop them first. */
	struct model *m = &s->ui->m;
	for (size_t i = 0; i < m->n_vms; i++)
		mvm_clear(&m->vms[i]);
	free(m->vms);
	m->vms = NULL;
	m->n_vms = 0;
	s->closing = true;
	vmm_free(s->vmm);
	lines_clear(&s->console);
	lines_clear(&s->notes);
	free(s->console_vm);
	labnet_set_free(s->nets);
	vmuse_free(s->use);
	free(s);
}

void src_vm_sample(struct src_vm *s)
{
	if (!vmuse_sample(s->use, s->vmm, now_mono_us()))
		return;
	/* In place: the rows stay, only what they show of CPU and memory moves. */
	for (size_t i = 0; i < s->ui->m.n_vms; i++)
		vmuse_apply(s->use, &s->ui->m.vms[i]);
	s->ui->dirty |= D_VMS;
}

/* One row again from vmm (the rows' order is vmm's). */
static void refill_row(struct src_vm *s, const char *name)
{
	struct model *m = &s->ui->m;
	struct mvm *v = name ? model_vm_find(m, name) : NULL;
	struct vm *vm = name ? vmm_find(s->vmm, name) : NULL;
	if (!v || !vm)
		return;
	size_t i = (size_t)(v - m->vms);
	mvm_clear(v);
	fill_vm(s, v, vm, i == s->ui->vm_sel);
}

void src_vm_refresh(struct src_vm *s)
{
	struct mvm *v = ui_selected_vm(s->ui);
	struct vm *vm = v ? vmm_find(s->vmm, v->name) : NULL;
	/* The selection moved (or the console grew): only the rows that show
	 * a console change — the one left and the one selected — not every VM
	 * (a rebuild refills every row: O(N) per key). */
	char *was = s->console_vm ? xstrdup(s->console_vm) : NULL;
	if (vm && console_refresh(s, vm)) {
		char *now = xstrdup(vm_name(vm));
		if (was && strcmp(was, now) != 0)
			refill_row(s, was);
		refill_row(s, now);
		free(now);
		s->ui->dirty |= D_VMS | D_DETAILS;
	}
	free(was);
	/* Uptime moves once a second: only the list shows it. */
	for (size_t i = 0; i < s->ui->m.n_vms; i++)
		if (s->ui->m.vms[i].started_wall_s)
			s->ui->dirty |= D_VMS;
}

struct done_ctx {
	struct src_vm *s;
	const char *what;
};

static void on_done(struct vm *vm, int status, const char *err, void *arg)
{
	struct done_ctx *c = arg;
	if (c->s->closing) {
		free(c);
		return;
	}
	if (status == 0)
		ui_note(c->s->ui, "%s: %s done", vm_name(vm), c->what);
	else
		ui_message(c->s->ui, true, "%s", err ? err : "failed");
	c->s->stale = true;
	free(c);
}

typedef int (*vm_act_fn)(struct vm *vm, vm_done_cb done, void *arg, char **err);

static const struct {
	enum action a;
	vm_act_fn fn;
	const char *what;
} acts[] = {
	{ ACT_START, vm_start, "start" },   { ACT_STOP, vm_stop, "stop" },
	{ ACT_FORCE, vm_force_stop, "force stop" }, { ACT_RESET, vm_reset, "reset" },
};

int src_vm_act(struct src_vm *s, enum action a, struct mvm *v, char **err)
{
	struct vm *vm = v ? vmm_find(s->vmm, v->name) : NULL;
	if (!vm)
		return error_set(err, "no such VM");
	struct done_ctx *c = xcalloc(1, sizeof(*c));
	c->s = s;
	int r = -1;
	if (a == ACT_PAUSE) {
		bool paused = vm_state(vm) == VM_PAUSED;
		c->what = paused ? "resume" : "pause";
		r = (paused ? vm_resume : vm_pause)(vm, on_done, c, err);
	} else if (a == ACT_MODE) {
		enum vm_mode to = vm_mode(vm) == VM_MODE_INSTALL ? VM_MODE_BOOT : VM_MODE_INSTALL;
		c->what = to == VM_MODE_INSTALL ? "install mode" : "boot mode";
		r = vm_set_mode(vm, to, on_done, c, err);
	} else {
		for (size_t i = 0; i < ARRAY_LEN(acts); i++)
			if (acts[i].a == a) {
				c->what = acts[i].what;
				if (a == ACT_START && vm_state(vm) == VM_EXITED)
					vm_clear_exited(vm);
				r = acts[i].fn(vm, on_done, c, err);
			}
	}
	if (r < 0)
		free(c);
	s->stale = true;
	return r;
}

int src_vm_forward(struct src_vm *s, const char *name, const char *text, char **err)
{
	struct vm *vm = vmm_find(s->vmm, name);
	if (!vm)
		return error_set(err, "no VM named %s", name);
	bool add = strncmp(text, "add ", 4) == 0, rm = strncmp(text, "remove ", 7) == 0;
	if (!add && !rm)
		return error_set(err, "forward: say 'add RULE' or 'remove RULE' (RULE like tcp:8080:80), not '%s'", text);
	const char *rule = text + (add ? 4 : 7);
	while (*rule == ' ')
		rule++;
	struct done_ctx *c = xcalloc(1, sizeof(*c));
	c->s = s;
	c->what = add ? "forward add" : "forward remove";
	int r = vm_forward_change(vm, add, NULL, rule, on_done, c, err);
	if (r < 0)
		free(c);
	s->stale = true;
	return r;
}

static void on_monitor(struct vm *vm, const char *output, const char *err, void *arg)
{
	struct src_vm *s = arg;
	if (s->closing)
		return;
	struct mvm *v = model_vm_find(&s->ui->m, vm_name(vm));
	if (v)
		v->mon_busy = vm_monitor_busy(vm);
	if (err)
		ui_message(s->ui, true, "monitor: %s", err);
	(void)output; /* vm_monitor_exec put it in the scrollback */
	s->ui->dirty |= D_MONITOR;
}

void src_vm_monitor_send(struct ui *ui, struct mvm *v, const char *cmd, void *arg)
{
	struct src_vm *s = arg;
	struct vm *vm = vmm_find(s->vmm, v->name);
	char *err = NULL;
	if (!vm || vm_monitor_exec(vm, cmd, on_monitor, s, &err) < 0) {
		ui_message(ui, true, "monitor: %s", err ? err : "no such VM");
		free(err);
		return;
	}
	v->mon_busy = vm_monitor_busy(vm);
	ui->dirty |= D_MONITOR;
}

char *src_vm_alive_names(struct src_vm *s, size_t *n)
{
	char *out = NULL;
	*n = 0;
	for (size_t i = 0; i < vmm_count(s->vmm); i++) {
		struct vm *vm = vmm_at(s->vmm, i);
		if (vm_pid(vm) <= 0)
			continue;
		char *o = out ? xasprintf("%s, %s", out, vm_name(vm)) : xstrdup(vm_name(vm));
		free(out);
		out = o;
		(*n)++;
	}
	return out;
}
