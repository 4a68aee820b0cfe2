/* app: wiring. The loop is the only place that blocks; callbacks change what
 * their sources hold and mark the model stale; the after hook rebuilds the
 * stale halves of the model once, draws dirty views into the grid, and
 * term_flush writes only the cells that changed. */
#include "tui/app.h"
#include "tui/cmd.h"
#include "tui/cmd_import.h"
#include "tui/grid.h"
#include "tui/mouse.h"
#include "tui/src_net.h"
#include "tui/src_thumb.h"
#include "tui/src_vm.h"
#include "tui/term.h"
#include "tui/theme.h"
#include "tui/ui.h"
#include "core/loop.h"
#include "core/util.h"
#include "core/vnc.h"

#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct app {
	struct loop *loop;
	struct term *term;
	struct grid *grid;
	struct ui ui;
	struct src_vm *vms;
	struct src_net *net;
	struct src_thumb *thumb;
	struct loop_timer *tick;
	bool full;          /* repaint everything (^L, resize) */
	const char *why;    /* why we left */
	uint64_t t0_us, first_frame_us;
	unsigned long frames, cells;
	unsigned long passes, vm_rebuilds, net_rebuilds;
	size_t last_sel_idx; /* the selection the sources last saw */
	enum pane last_focus;
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
	a->full = true;
}

/* ---- actions beyond the screen (a table, not a switch) ----
 * The key table, its checks and its y/n questions are the UI's (ui_key);
 * what reaches here has passed them. */

typedef void (*action_fn)(struct app *a, enum action act);

static void act_vm(struct app *a, enum action act)
{
	struct mvm *v = ui_selected_vm(&a->ui);
	char *err = NULL;
	if (!v)
		return;
	if (src_vm_act(a->vms, act, v, &err) < 0) {
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

static void act_reload(struct app *a, enum action act)
{
	(void)act;
	size_t n = src_vm_reload(a->vms);
	ui_message(&a->ui, false, "profiles reloaded: %zu VMs", n);
}

static void act_import(struct app *a, enum action act)
{
	prompt_open(&a->ui.prompt, act, "import script: ");
	a->ui.dirty |= D_STATUS;
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
		src_vm_reload(a->vms);
		src_vm_after(a->vms); /* the model now, to select the new VM in it */
		src_net_refresh(a->net); /* after()'s rebuild has been done here */
		for (size_t i = 0; i < a->ui.m.n_vms; i++)
			if (!strcmp(a->ui.m.vms[i].name, j.name_out)) {
				a->ui.focus = PANE_VMS;
				a->ui.vm_sel = i;
			}
		ui_clamp(&a->ui);
		a->ui.dirty |= D_ALL;
		ui_message(&a->ui, j.check_errors > 0, "imported %s (%s)%s", j.name_out, j.summary,
			   j.check_errors ? ": 'vmdeck check' lists what is missing" : "");
	}
	import_job_clear(&j);
}

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
	if (r == PROMPT_CANCEL || !*text)
		ui_message(&a->ui, false, "cancelled");
	else if (act == ACT_IMPORT) {
		char *path = prompt_path(text);
		import_submit(a, path);
		free(path);
	}
	free(text);
}

static const action_fn actions[ACT__N] = {
	[ACT_START] = act_vm, [ACT_STOP] = act_vm, [ACT_FORCE] = act_vm, [ACT_PAUSE] = act_vm,
	[ACT_RESET] = act_vm, [ACT_MODE] = act_vm, [ACT_PIN] = act_pin, [ACT_RELOAD] = act_reload,
	[ACT_IMPORT] = act_import,
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
		break;
	}
}

static void on_tick(struct loop_timer *t, void *arg)
{
	struct app *a = arg;
	(void)t;
	set_now(a);
	src_vm_refresh(a->vms);
	src_thumb_select(a->thumb); /* the selected VM may have started or stopped */
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
	if (src_vm_after(a->vms)) {
		a->vm_rebuilds++;
		src_net_refresh(a->net);
	}
	/* The selection or focus moved: the sources refresh what depends on it. */
	if (a->ui.vm_sel != a->last_sel_idx || a->ui.focus != a->last_focus) {
		a->last_sel_idx = a->ui.vm_sel;
		a->last_focus = a->ui.focus;
		src_vm_refresh(a->vms);
		src_net_refresh(a->net);
		src_thumb_select(a->thumb);
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
	term_mouse(a.term, mouse && !o->no_mouse);
	theme_init(term_utf8(a.term), term_colors(a.term));
	ui_init(&a.ui);
	a.ui.read_only = o->read_only;
	a.loop = loop_new();
	set_now(&a);
	static const int sigs[] = { SIGWINCH, SIGHUP, SIGTERM, SIGINT, SIGCHLD };
	for (size_t i = 0; i < ARRAY_LEN(sigs); i++)
		loop_signal_add(a.loop, sigs[i], on_signal, &a);
	signal(SIGPIPE, SIG_IGN);
	a.vms = src_vm_new(a.loop, &a.ui);
	a.net = src_net_new(a.loop, &a.ui, o->interval_ms);
	a.thumb = src_thumb_new(a.loop, &a.ui, fps);
	a.ui.monitor_send = src_vm_monitor_send;
	a.ui.monitor_arg = a.vms;
	a.ui.act = on_act;
	a.ui.act_arg = &a;
	src_net_refresh(a.net);
	a.grid = grid_new(1, 1);
	relayout(&a);
	a.last_sel_idx = (size_t)-1;
	loop_fd_add(a.loop, term_fd(a.term), POLLIN, on_stdin, &a);
	a.tick = loop_timer_add(a.loop, 1000, true, on_tick, &a);
	loop_set_after(a.loop, after, &a);
	after(&a); /* the first frame, before anything happens */
	loop_run(a.loop);

	src_thumb_free(a.thumb);
	src_net_free(a.net);
	size_t n_alive = 0;
	char *alive = src_vm_alive_names(a.vms, &n_alive);
	term_free(a.term); /* the terminal is back before anything is printed */
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
