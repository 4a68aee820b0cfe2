/* app: wiring. The loop is the only place that blocks; callbacks change what
 * their sources hold and mark the model stale; the after hook rebuilds the
 * stale halves of the model once, draws dirty views into the grid, and
 * term_flush writes only the cells that changed. */
#include "tui/app.h"
#include "tui/cmd.h"
#include "tui/cmd_import.h"
#include "tui/grid.h"
#include "tui/mouse.h"
#include "tui/src_console.h"
#include "tui/src_net.h"
#include "tui/src_storage.h"
#include "tui/src_thumb.h"
#include "tui/src_lv.h"
#include "tui/cmd_lv.h"
#include "tui/src_vm.h"
#include "tui/term.h"
#include "tui/theme.h"
#include "tui/ui.h"
#include "core/loop.h"
#include "core/util.h"
#include "core/vnc.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct app {
	struct loop *loop;
	struct term *term;
	struct grid *grid;
	struct ui ui;
	struct src_vm *vms;
	struct src_lv *lv;  /* libvirt hosts; NULL: no connection */
	struct src_net *net;
	struct src_thumb *thumb;
	struct src_storage *storage;
	struct src_console *con;
	struct loop_timer *tick;
	bool full;          /* repaint everything (^L, resize) */
	const char *why;    /* why we left */
	uint64_t t0_us, first_frame_us;
	unsigned long frames, cells;
	unsigned long passes, vm_rebuilds, net_rebuilds;
	size_t last_sel_idx; /* the selection the sources last saw */
	enum pane last_focus;
	/* N: the answers so far, then the job while qemu-img makes the disk. */
	struct {
		int step;       /* the question asked: 0 name, 1 ISO, 2 size, 3 OS */
		char *name, *iso, *size;
		struct new_job job;
		pid_t pid;      /* qemu-img, 0: none running */
		int out_fd;
	} nw;
	char fwd_vm[33];    /* f: the VM the forward prompt is about */
	bool raw;           /* the terminal is raw: typing into a guest's screen */
};

static void set_now(struct app *a)
{
	a->ui.now_us = now_mono_us();
	a->ui.now_wall_s = (int64_t)(now_wall_us() / 1000000);
}

static void relayout(struct app *a)
{
	int w, h;
	term_size(a->term, &w, &h);
	grid_resize(a->grid, w, h);
	ui_layout(&a->ui, w, h);
	src_thumb_resize(a->thumb);
	src_console_resize(a->con);
	a->full = true;
}

/* ---- actions beyond the screen (a table, not a switch) ----
 * The key table, its checks and its y/n questions are the UI's (ui_key);
 * what reaches here has passed them. */

typedef void (*action_fn)(struct app *a, enum action act);

/* The monitor pane's Enter: this host's VM over its QMP, a libvirt
 * domain through libvirt. */
static void monitor_send(struct ui *ui, struct mvm *v, const char *cmd, void *arg)
{
	struct app *a = arg;
	if (v->host)
		src_lv_monitor_send(a->lv, v, cmd);
	else
		src_vm_monitor_send(ui, v, cmd, a->vms);
}

static void act_vm(struct app *a, enum action act)
{
	struct mvm *v = ui_selected_vm(&a->ui);
	char *err = NULL;
	if (!v)
		return;
	if ((v->host ? src_lv_act(a->lv, act, v, &err) : src_vm_act(a->vms, act, v, &err)) < 0) {
		ui_message(&a->ui, true, "%s", err ? err : "failed");
		free(err);
	}
}

static void act_pin(struct app *a, enum action act)
{
	(void)act;
	struct mbridge *b = ui_selected_bridge(&a->ui);
	char *err = NULL;
	if (!b)
		return;
	char name[16];
	snprintf(name, sizeof(name), "%s", b->name);
	if (src_net_pin(a->net, name, &err) < 0)
		ui_message(&a->ui, true, "pin %s: %s", name, err ? err : "failed");
	else
		ui_message(&a->ui, false, "%s: MAC pinned; it no longer follows its ports", name);
	free(err);
	src_net_refresh(a->net);
}

static void act_heal(struct app *a, enum action act)
{
	(void)act;
	struct mbridge *b = ui_selected_bridge(&a->ui);
	if (!b)
		return;
	char name[16], *err = NULL;
	snprintf(name, sizeof(name), "%s", b->name);
	bool on = false;
	if (src_net_heal(a->net, name, &on, &err) < 0)
		ui_message(&a->ui, true, "heal %s: %s", name, err ? err : "failed");
	else if (on)
		ui_message(&a->ui, false, "%s: heal on; its new MAC is announced to the guests after each change", name);
	else
		ui_message(&a->ui, false, "%s: heal off", name);
	free(err);
}

static void act_reload(struct app *a, enum action act)
{
	(void)act;
	size_t n = src_vm_reload(a->vms);
	ui_message(&a->ui, false, "profiles reloaded: %zu VMs", n);
}

static const char *const forward_words[] = { "add ", "remove ", NULL };

/* f: ask what to change; the VM is remembered, the selection may move. */
static void act_forward(struct app *a, enum action act)
{
	struct mvm *v = ui_selected_vm(&a->ui);
	if (!v)
		return;
	snprintf(a->fwd_vm, sizeof(a->fwd_vm), "%s", v->name);
	prompt_open(&a->ui.prompt, act, "forward (add|remove RULE, e.g. add tcp:8080:80): ");
	a->ui.prompt.completion = PROMPT_WORDS;
	a->ui.prompt.words = forward_words;
	a->ui.dirty |= D_STATUS;
}

static void act_import(struct app *a, enum action act)
{
	prompt_open(&a->ui.prompt, act, "import script: ");
	a->ui.dirty |= D_STATUS;
}

/* A VM just written (I, N): the profiles reloaded now and it selected. */
static void select_new(struct app *a, const char *name)
{
	src_vm_reload(a->vms);
	src_vm_after(a->vms); /* the model now, to select the new VM in it */
	src_net_refresh(a->net); /* after()'s rebuild has been done here */
	for (size_t i = 0; i < a->ui.m.n_vms; i++)
		if (!strcmp(a->ui.m.vms[i].name, name)) {
			a->ui.focus = PANE_VMS;
			a->ui.vm_sel = i;
		}
	ui_clamp(&a->ui);
	a->ui.dirty |= D_ALL;
}

/* Enter on the import prompt: the same job as `vmdeck import SCRIPT`, into
 * the profile directory; the new VM is selected once the profiles reload. */
static void import_submit(struct app *a, const char *path)
{
	/* Only a regular file: "-" (the terminal), a FIFO or a device would
	 * block the TUI. */
	struct import_job j = { .script = path, .regular_only = true };
	int rc = import_job_run(&j);
	if (rc != EXIT_OK) {
		/* Why it failed (a broken script names LINE:COL), on one line: the
		 * file by its name, where it broke. */
		const char *why = j.err ? j.err : "failed";
		const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
		if (!strncmp(why, path, strlen(path)))
			ui_message(&a->ui, true, "import: %s%s", base, why + strlen(path));
		else
			ui_message(&a->ui, true, "import %s: %s", base, why);
	} else {
		select_new(a, j.name_out);
		ui_message(&a->ui, j.check_errors > 0, "imported %s (%s)%s", j.name_out, j.summary,
			   j.check_errors ? ": 'vmdeck check' lists what is missing" : "");
	}
	import_job_clear(&j);
}

/* ---- N: a new VM, asked in four prompts, made by `vmdeck new`'s job ---- */

static const char *const new_os_words[] = { "linux", "macos", "windows", "other", NULL };

static void new_clear(struct app *a)
{
	free(a->nw.name);
	free(a->nw.iso);
	free(a->nw.size);
	new_job_clear(&a->nw.job);
	a->nw.name = a->nw.iso = a->nw.size = NULL;
	a->nw.job = (struct new_job){ 0 };
	a->nw.step = 0;
}

static void act_new(struct app *a, enum action act)
{
	if (a->nw.pid) {
		ui_message(&a->ui, true, "new: still making the disk of %s", a->nw.name);
		return;
	}
	new_clear(a);
	prompt_open(&a->ui.prompt, act, "new VM name: ");
	a->ui.prompt.completion = PROMPT_NO_COMPLETION;
	a->ui.dirty |= D_STATUS;
}

/* The job is done (the disk made or kept): the report, the VM selected. */
static void new_done(struct app *a, int rc)
{
	struct new_job *j = &a->nw.job;
	if (rc != EXIT_OK)
		ui_message(&a->ui, true, "new %s: %s", a->nw.name, j->err ? j->err : "failed");
	else {
		select_new(a, a->nw.name);
		ui_message(&a->ui, j->check_errors > 0, "new VM %s: %s%s", a->nw.name,
			   j->qemu_img.n ? "disk made" : "existing disk kept",
			   j->check_errors ? "; 'vmdeck check' lists what is missing"
			   : a->nw.iso ? "; install mode: s boots the installer" : "");
	}
	new_clear(a);
}

/* SIGCHLD: has qemu-img ended? (Reaped by its pid only.) */
static void new_child(struct app *a)
{
	int st;
	if (!a->nw.pid || waitpid(a->nw.pid, &st, WNOHANG) != a->nw.pid)
		return;
	struct strbuf out = { 0 };
	char buf[4096];
	ssize_t r;
	while ((r = read(a->nw.out_fd, buf, sizeof buf)) > 0 || (r < 0 && errno == EINTR))
		if (r > 0)
			strbuf_add(&out, buf, (size_t)r);
	close(a->nw.out_fd);
	a->nw.pid = 0;
	int rc = new_job_finish(&a->nw.job, WIFEXITED(st) ? WEXITSTATUS(st) : -1, out.s);
	free(out.s);
	new_done(a, rc);
}

/* After the last answer: the profile now, the disk by qemu-img in the
 * background (the loop goes on; SIGCHLD says when it is done). */
static void new_submit(struct app *a, const char *os)
{
	struct new_job *j = &a->nw.job;
	*j = (struct new_job){ .name = a->nw.name, .iso = a->nw.iso, .disk_size = a->nw.size, .os = os };
	int rc = new_job_begin(j);
	if (rc == EXIT_OK && j->qemu_img.n) {
		a->nw.pid = prog_spawn(j->qemu_img.v, &a->nw.out_fd);
		if (a->nw.pid < 0) {
			a->nw.pid = 0;
			rc = new_job_finish(j, -1, strerror(errno));
		} else {
			ui_message(&a->ui, false, "new VM %s: making its disk …", a->nw.name);
			new_child(a); /* it may be done already */
			return;
		}
	} else if (rc == EXIT_OK)
		rc = new_job_finish(j, 0, NULL);
	new_done(a, rc);
}

/* Enter on one of N's prompts: the next question, or the job. Empty
 * answers: no name cancels; no ISO is none; size and OS their defaults. */
static void new_answer(struct app *a, const char *text)
{
	struct prompt *p = &a->ui.prompt;
	switch (a->nw.step++) {
	case 0:
		if (!*text) {
			ui_message(&a->ui, false, "cancelled");
			return;
		}
		a->nw.name = xstrdup(text);
		prompt_open(p, ACT_NEW, "installer ISO (Tab completes; empty: none): ");
		break;
	case 1:
		a->nw.iso = *text ? prompt_path(text) : NULL;
		prompt_open(p, ACT_NEW, "disk size [20G]: ");
		p->completion = PROMPT_NO_COMPLETION;
		break;
	case 2:
		a->nw.size = xstrdup(*text ? text : "20G");
		prompt_open(p, ACT_NEW, "OS (linux|macos|windows|other; Tab completes) [linux]: ");
		p->completion = PROMPT_WORDS;
		p->words = new_os_words;
		break;
	default:
		new_submit(a, *text ? text : "linux");
	}
}

static void storage_answer(struct app *a, int act, const char *text);

static void prompt_answer(struct app *a, int key)
{
	struct prompt *p = &a->ui.prompt;
	enum prompt_result r = prompt_key(p, key);
	a->ui.dirty |= D_STATUS;
	if (r == PROMPT_EDITING)
		return;
	char *text = xstrdup(p->text);
	int act = p->action;
	prompt_close(p);
	if (r == PROMPT_CANCEL) {
		if (act == ACT_NEW)
			new_clear(a);
		ui_message(&a->ui, false, "cancelled");
	} else if (act == ACT_NEW)
		new_answer(a, text);
	else if (act == ACT_SNAP_CREATE || act == ACT_DISK_RESIZE || act == ACT_CLONE)
		storage_answer(a, act, text);
	else if (!*text)
		ui_message(&a->ui, false, "cancelled");
	else if (act == ACT_FORWARD) {
		char *err = NULL;
		if (src_vm_forward(a->vms, a->fwd_vm, text, &err) < 0)
			ui_message(&a->ui, true, "%s", err ? err : "failed");
		free(err);
	} else if (act == ACT_IMPORT) {
		char *path = prompt_path(text);
		import_submit(a, path);
		free(path);
	}
	free(text);
}

/* ---- storage (D, C): child verbs through src_storage ---- */

static void act_storage(struct app *a, enum action act)
{
	(void)act;
	struct mvm *v = ui_selected_vm(&a->ui);
	if (a->ui.storage.on || !v)
		src_storage_close(a->storage);
	else
		src_storage_open(a->storage, v->name);
}

static void storage_job(struct app *a, const char *what, const char *const *args, size_t n)
{
	char *err = NULL;
	if (src_storage_run(a->storage, what, args, n, &err) < 0)
		ui_message(&a->ui, true, "%s: %s", what, err);
	free(err);
}

/* The selected row of the storage view (its VM is the view's). */
static const struct ui_storage_row *storage_row(struct app *a)
{
	struct ui_storage *st = &a->ui.storage;
	return st->sel < st->n ? &st->rows[st->sel] : NULL;
}

static void act_snap(struct app *a, enum action act)
{
	const struct ui_storage_row *r = storage_row(a);
	const char *vm = a->ui.storage.vm;
	if (act == ACT_SNAP_CREATE) {
		prompt_open(&a->ui.prompt, act, "snapshot tag (empty: the time now): ");
		a->ui.prompt.completion = PROMPT_NO_COMPLETION;
	} else if (act == ACT_DISK_RESIZE && r) {
		prompt_open(&a->ui.prompt, act, "grow the disk to (64G, or +10G): ");
		a->ui.prompt.completion = PROMPT_NO_COMPLETION;
	} else if (r && r->tag && vm) {
		/* Asked y/n already (the key table); a running VM's revert
		 * needs the verb's --yes then. */
		bool rev = act == ACT_SNAP_REVERT;
		const char *args[] = { "snapshot", vm, rev ? "revert" : "delete", r->tag, "--yes" };
		char *what = xasprintf("snapshot %s %s", rev ? "revert" : "delete", r->tag);
		storage_job(a, what, args, rev ? 5 : 4);
		free(what);
	}
	a->ui.dirty |= D_STATUS;
}

static void act_clone(struct app *a, enum action act)
{
	prompt_open(&a->ui.prompt, act, "clone as (a new VM name): ");
	a->ui.prompt.completion = PROMPT_NO_COMPLETION;
	a->ui.dirty |= D_STATUS;
}

/* Enter on a storage prompt. */
static void storage_answer(struct app *a, int act, const char *text)
{
	const struct ui_storage_row *r = storage_row(a);
	struct mvm *v = ui_selected_vm(&a->ui);
	char tag[32];
	if (act == ACT_SNAP_CREATE && a->ui.storage.vm) {
		time_t t = time(NULL);
		struct tm tm;
		localtime_r(&t, &tm);
		strftime(tag, sizeof tag, "%Y%m%d-%H%M%S", &tm);
		const char *args[] = { "snapshot", a->ui.storage.vm, "create", *text ? text : tag };
		char *what = xasprintf("snapshot create %s", args[3]);
		storage_job(a, what, args, 4);
		free(what);
	} else if (act == ACT_DISK_RESIZE && r && *text && a->ui.storage.vm) {
		const char *args[] = { "disk", "resize", a->ui.storage.vm, r->disk, text };
		storage_job(a, "disk resize", args, 5);
	} else if (act == ACT_CLONE && v && *text) {
		const char *args[] = { "clone", v->name, text };
		char *what = xasprintf("clone %s", text);
		storage_job(a, what, args, 3);
		free(what);
	} else
		ui_message(&a->ui, false, "cancelled");
}

/* A storage job ended: its last line says what happened. */
static void storage_done(void *arg, const char *what, int status, const char *out)
{
	struct app *a = arg;
	const char *end = out + strlen(out);
	while (end > out && end[-1] == '\n')
		end--;
	const char *b = end;
	while (b > out && b[-1] != '\n')
		b--;
	char *line = xstrndup(b, (size_t)(end - b));
	if (status == 0) {
		ui_note(&a->ui, "%s: %s", what, line);
		if (strncmp(what, "clone ", 6) == 0)
			select_new(a, what + 6);
	} else
		ui_message(&a->ui, true, "%s", *line ? line : what);
	free(line);
}

static const action_fn actions[ACT__N] = {
	[ACT_START] = act_vm, [ACT_STOP] = act_vm, [ACT_FORCE] = act_vm, [ACT_PAUSE] = act_vm,
	[ACT_RESET] = act_vm, [ACT_MODE] = act_vm, [ACT_PIN] = act_pin, [ACT_HEAL] = act_heal, [ACT_RELOAD] = act_reload,
	[ACT_IMPORT] = act_import, [ACT_NEW] = act_new, [ACT_FORWARD] = act_forward,
	[ACT_STORAGE] = act_storage,
	[ACT_SNAP_CREATE] = act_snap, [ACT_SNAP_REVERT] = act_snap, [ACT_SNAP_DELETE] = act_snap,
	[ACT_DISK_RESIZE] = act_snap, [ACT_CLONE] = act_clone,
};

static void on_act(struct ui *ui, enum action act, void *arg)
{
	struct app *a = arg;
	(void)ui;
	if (actions[act])
		actions[act](a, act);
}

static void on_key(struct app *a, int key)
{
	if (key == K_RESIZE || key == K_BASE)
		return; /* resizes come through SIGWINCH */
	if (key == K_MOUSE) {
		/* Selection, focus and scrolling happen in mouse_apply; what a
		 * key would do (z, m) goes through the table like a key. */
		int k = mouse_apply(&a->ui, term_last_mouse(a->term));
		if (k != K_NONE)
			on_key(a, k);
		return;
	}
	/* The status bar's prompt (I: a script's path) takes every key while
	 * it is open; what Enter submits is this file's to do. */
	if (a->ui.prompt.active) {
		prompt_answer(a, key);
		return;
	}
	int r = ui_key(&a->ui, key);
	if (r & KEY_RELAYOUT)
		relayout(a);
	if (r & KEY_REDRAW)
		a->full = true;
	if (r & KEY_QUIT) {
		a->why = "quit";
		loop_quit(a->loop);
	}
}

static void guest_key(struct ui *ui, int key, void *arg)
{
	(void)ui;
	src_thumb_key(((struct app *)arg)->thumb, key);
}

static void guest_click(struct ui *ui, int x, int y, unsigned buttons, void *arg)
{
	(void)ui;
	src_thumb_click(((struct app *)arg)->thumb, x, y, buttons);
}

/* While typing into a guest's screen, Ctrl-C and friends are the guest's
 * keys, not signals to vmdeck. */
static void sync_raw(struct app *a)
{
	if (a->ui.typing != a->raw) {
		a->raw = a->ui.typing;
		term_raw(a->term, a->raw);
	}
}

static void on_stdin(int fd, short revents, void *arg)
{
	struct app *a = arg;
	(void)fd;
	set_now(a);
	if (revents & (POLLHUP | POLLERR | POLLNVAL)) {
		/* The terminal went away (ssh dropped): leave, VMs keep running. */
		a->why = "terminal hung up";
		loop_quit(a->loop);
		return;
	}
	for (int i = 0; i < 256; i++) {
		int k = term_read_key(a->term);
		if (k == K_NONE)
			break;
		/* A key ends the last answer's hold (the user moved on); what
		 * this key says is its answer. */
		a->ui.in_key = true;
		a->ui.answer_until_us = 0;
		on_key(a, k);
		a->ui.in_key = false;
		if (loop_quitting(a->loop))
			break;
	}
	/* All the terminal sent at once is read: an ESC still held back was
	 * a lone Esc, not the start of Alt-key. */
	if (a->ui.typing)
		src_thumb_key_end(a->thumb);
	sync_raw(a);
}

static void on_signal(int signo, void *arg)
{
	struct app *a = arg;
	switch (signo) {
	case SIGWINCH:
		term_resize(a->term);
		relayout(a);
		break;
	case SIGHUP: a->why = "hangup (SIGHUP)"; loop_quit(a->loop); break;
	case SIGTERM: a->why = "terminated (SIGTERM)"; loop_quit(a->loop); break;
	case SIGINT: a->why = "interrupted"; loop_quit(a->loop); break;
	case SIGCHLD:
		/* The lifecycle reaps its own children by pid and sees QEMU exit
		 * through a pidfd; this only refreshes what the screen shows. */
		src_vm_refresh(a->vms);
		new_child(a);
		src_storage_child(a->storage);
		break;
	}
}

static void on_tick(struct loop_timer *t, void *arg)
{
	struct app *a = arg;
	(void)t;
	set_now(a);
	src_vm_sample(a->vms);
	src_vm_refresh(a->vms);
	src_thumb_select(a->thumb); /* the selected VM may have started or stopped */
	src_console_select(a->con);
	/* Expire the status message and the "MAC just changed" highlight. */
	if (a->ui.message && a->ui.now_us >= a->ui.message_until_us) {
		free(a->ui.message);
		a->ui.message = NULL;
		a->ui.dirty |= D_STATUS;
	}
	for (size_t i = 0; i < a->ui.m.n_bridges; i++) {
		uint64_t c = a->ui.m.bridges[i].changed_mono_us;
		if (c && a->ui.now_us - c < UI_FLASH_US + 2000000ull)
			a->ui.dirty |= D_NET;
	}
}

static void after(void *arg)
{
	struct app *a = arg;
	set_now(a);
	/* The one place the model is rebuilt, each half at most once per pass
	 * however many events marked it stale. VMs first: the network half
	 * reads them (TAP owners, the bridges profiles name, the selected VM's
	 * prediction, with the lab networks loaded alongside the profiles),
	 * and a rebuild may move the selection (a VM gone). */
	a->passes++;
	sync_raw(a); /* typing may have ended without a key (the VM went away) */
	if (src_vm_after(a->vms)) {
		a->vm_rebuilds++;
		src_net_refresh(a->net);
		src_console_select(a->con); /* the selected VM may have started or stopped */
	}
	/* The selection or focus moved: the sources refresh what depends on it. */
	if (a->ui.vm_sel != a->last_sel_idx || a->ui.focus != a->last_focus) {
		/* On a short screen the console takes the details' place while
		 * it has the keyboard (ui_layout): a click elsewhere gives it back. */
		bool console_moved = (a->ui.focus == PANE_CONSOLE) != (a->last_focus == PANE_CONSOLE);
		if (console_moved && a->ui.visible[V_DETAILS] != a->ui.visible[V_CONSOLE])
			relayout(a);
		a->last_sel_idx = a->ui.vm_sel;
		a->last_focus = a->ui.focus;
		src_vm_refresh(a->vms);
		src_net_refresh(a->net);
		src_thumb_select(a->thumb);
		src_console_select(a->con);
	}
	if (src_net_after(a->net, src_vm_networks(a->vms)))
		a->net_rebuilds++;
	if (!a->ui.dirty && !a->full)
		return;
	ui_render(&a->ui, a->grid, a->full);
	a->cells += (unsigned long)term_flush(a->term, a->grid, a->full);
	a->full = false;
	if (!a->frames++)
		a->first_frame_us = now_mono_us() - a->t0_us;
}

int app_run(const struct app_options *o)
{
	struct app a;
	memset(&a, 0, sizeof(a));
	a.t0_us = now_mono_us();
	/* config.yaml's problems go to stderr before the screen takes it. */
	cmd_lv_count();
	char *err = NULL;
	bool mouse = false;
	unsigned fps;
	if (mouse_env(getenv("VMDECK_MOUSE"), &mouse, &err) < 0 ||
	    vnc_fps_env(getenv("VMDECK_THUMB_FPS"), &fps, &err) < 0) {
		cmd_error("%s", err);
		free(err);
		return EXIT_USAGE;
	}
	a.term = term_new(&err);
	if (!a.term) {
		cmd_error("%s", err);
		free(err);
		return EXIT_FAIL;
	}
	bool mouse_on = term_mouse(a.term, mouse && !o->no_mouse);
	theme_init(term_utf8(a.term), term_colors(a.term));
	ui_init(&a.ui);
	a.ui.read_only = o->read_only;
	a.ui.mouse = mouse_on;
	a.loop = loop_new();
	set_now(&a);
	static const int sigs[] = { SIGWINCH, SIGHUP, SIGTERM, SIGINT, SIGCHLD };
	for (size_t i = 0; i < ARRAY_LEN(sigs); i++)
		loop_signal_add(a.loop, sigs[i], on_signal, &a);
	signal(SIGPIPE, SIG_IGN);
	a.vms = src_vm_new(a.loop, &a.ui);
	a.lv = src_lv_new(a.loop, &a.ui, a.vms);
	a.net = src_net_new(a.loop, &a.ui, o->interval_ms);
	a.thumb = src_thumb_new(a.loop, &a.ui, fps);
	if (a.lv)
		src_thumb_set_remote(a.thumb, src_lv_screen, a.lv);
	a.storage = src_storage_new(a.loop, &a.ui, storage_done, &a);
	a.con = src_console_new(a.loop, &a.ui);
	a.ui.monitor_send = monitor_send;
	a.ui.monitor_arg = &a;
	a.ui.act = on_act;
	a.ui.act_arg = &a;
	a.ui.guest = (struct ui_guest){ guest_key, guest_click, &a };
	src_net_refresh(a.net);
	a.grid = grid_new(1, 1);
	relayout(&a);
	a.last_sel_idx = (size_t)-1;
	loop_fd_add(a.loop, term_fd(a.term), POLLIN, on_stdin, &a);
	a.tick = loop_timer_add(a.loop, 1000, true, on_tick, &a);
	loop_set_after(a.loop, after, &a);
	after(&a); /* the first frame, before anything happens */
	loop_run(a.loop);

	src_console_free(a.con);
	src_thumb_free(a.thumb);
	src_storage_free(a.storage);
	src_net_free(a.net);
	size_t n_alive = 0;
	char *alive = src_vm_alive_names(a.vms, &n_alive);
	term_free(a.term); /* the terminal is back before anything is printed */
	if (a.nw.pid)
		close(a.nw.out_fd); /* a disk still being made is left to qemu-img */
	new_clear(&a);
	src_lv_free(a.lv);
	src_vm_free(a.vms);
	loop_free(a.loop);
	grid_free(a.grid);
	ui_free(&a.ui);
	if (n_alive)
		fprintf(stderr, "vmdeck: %s; %zu VM%s still running (%s) - they keep running; run vmdeck again to re-attach\n",
			a.why ? a.why : "quit", n_alive, n_alive == 1 ? "" : "s", alive);
	else
		fprintf(stderr, "vmdeck: %s; no VMs running\n", a.why ? a.why : "quit");
	const char *bench = getenv("VMDECK_TUI_STATS");
	if (bench && *bench)
		fprintf(stderr, "vmdeck-tui-stats first_frame_us=%llu frames=%lu cells=%lu passes=%lu vm_rebuilds=%lu net_rebuilds=%lu\n",
			(unsigned long long)a.first_frame_us, a.frames, a.cells, a.passes, a.vm_rebuilds, a.net_rebuilds);
	free(alive);
	return EXIT_OK;
}
