/* src_console: the console pane's connection and terminal (see src_console.h). */
#include "tui/src_console.h"
#include "tui/conkeys.h"
#include "tui/vtscreen.h"
#include "core/console.h"
#include "core/loop.h"
#include "core/paths.h"
#include "core/util.h"

#include <poll.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

struct src_console {
	struct loop *loop;
	struct ui *ui;
	struct console *c;
	char *vm;             /* whose console c is (or is to be) */
	bool asked;           /* an attach is out */
	char *busy;           /* the holder that refused us, until the next attempt */
	struct conkeys keys;
	struct loop_timer *esc_timer;
};

static void set_note(struct src_console *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void set_note(struct src_console *s, const char *fmt, ...)
{
	char *n = NULL;
	if (fmt) {
		va_list ap;
		va_start(ap, fmt);
		n = xvasprintf(fmt, ap);
		va_end(ap);
	}
	char *old = s->ui->con.note;
	if (!n == !old && (!n || strcmp(n, old) == 0)) {
		free(n); /* the same: nothing to redraw (select runs every second) */
		return;
	}
	free(old);
	s->ui->con.note = n;
	s->ui->dirty |= D_CONSOLE;
}

/* What the terminal answers and what is typed: only a holder sends. */
static void on_vt_out(const char *bytes, size_t n, void *arg)
{
	struct src_console *s = arg;
	if (!s->c || !s->ui->con.held || s->ui->read_only)
		return;
	if (console_send(s->c, bytes, n) < 0)
		ui_message(s->ui, true, "console: the guest is not taking input; a key was lost");
	if (console_wants_write(s->c))
		loop_fd_events(s->loop, console_fd(s->c), POLLIN | POLLOUT);
}

static void disconnect(struct src_console *s)
{
	if (s->c) {
		loop_fd_del(s->loop, console_fd(s->c));
		console_free(s->c);
		s->c = NULL;
	}
	s->asked = false;
	s->ui->con.connected = s->ui->con.held = false;
	s->ui->dirty |= D_CONSOLE;
}

static void on_event(struct console *c, enum console_event ev, const char *data, size_t n, void *arg)
{
	(void)c;
	struct src_console *s = arg;
	struct ui_console *uc = &s->ui->con;
	char *h = NULL;
	switch (ev) {
	case CONSOLE_OUTPUT:
		vtscreen_feed(uc->vt, data, n);
		if (vtscreen_take_dirty(uc->vt))
			s->ui->dirty |= D_CONSOLE;
		break;
	case CONSOLE_HELD:
		s->asked = false;
		if (s->ui->focus != PANE_CONSOLE || s->ui->read_only) {
			console_release(s->c); /* the pane was left before the answer came */
			break;
		}
		uc->held = true;
		set_note(s, NULL);
		s->ui->dirty |= D_CONSOLE; /* the title says so */
		break;
	case CONSOLE_BUSY:
		s->asked = false;
		if (s->ui->focus != PANE_CONSOLE)
			break; /* left before the answer came: the next c asks again */
		h = console_holder_text(data, n);
		set_note(s, "held by %s: keys are not sent", h);
		free(s->busy);
		s->busy = h;
		break;
	case CONSOLE_TAKEN:
		h = console_holder_text(data, n);
		uc->held = false;
		s->ui->dirty |= D_CONSOLE;
		set_note(s, "taken over by %s", h);
		ui_note(s->ui, "console of %s taken over by %s", s->vm, h);
		free(s->busy);
		s->busy = h;
		break;
	case CONSOLE_CLOSED:
		/* QEMU exited: the next select (the VM's state, the tick)
		 * reconnects when it runs again. */
		set_note(s, "the VM stopped");
		s->ui->con.connected = s->ui->con.held = false;
		s->ui->dirty |= D_CONSOLE;
		break;
	}
}

static void on_fd(int fd, short rev, void *arg)
{
	(void)fd;
	struct src_console *s = arg;
	if (rev & POLLOUT) {
		console_flush(s->c);
		if (!console_wants_write(s->c))
			loop_fd_events(s->loop, console_fd(s->c), POLLIN);
	}
	if ((rev & (POLLIN | POLLHUP | POLLERR)) && console_read(s->c, on_event, s) < 0)
		disconnect(s);
}

static bool live(const struct mvm *v)
{
	return v && (v->state == MVM_STARTING || v->state == MVM_RUNNING || v->state == MVM_PAUSED ||
		     v->state == MVM_STOPPING);
}

static void connect_vm(struct src_console *s)
{
	char *dir = paths_vm_dir(s->vm), *err = NULL;
	if (console_open(dir, "vmdeck (TUI)", true, &s->c, &err) < 0) {
		/* Starting (the relay is not up yet), or started by a vmdeck
		 * without one: the tick tries again. */
		set_note(s, "no console yet");
		free(err);
	} else {
		/* The relay replays its newest output: start from a blank screen. */
		vtscreen_reset(s->ui->con.vt);
		s->ui->con.scroll = 0;
		loop_fd_add(s->loop, console_fd(s->c), POLLIN, on_fd, s);
		s->ui->con.connected = true;
		set_note(s, NULL);
	}
	free(dir);
}

void src_console_select(struct src_console *s)
{
	struct ui_console *uc = &s->ui->con;
	struct mvm *v = ui_selected_vm(s->ui);
	const char *name = v && !v->host ? v->name : NULL; /* a libvirt domain: no console yet */
	if (!name || !s->vm || strcmp(name, s->vm) != 0) {
		disconnect(s);
		free(s->vm);
		s->vm = name ? xstrdup(name) : NULL;
		free(uc->vm);
		uc->vm = name ? xstrdup(name) : NULL;
		vtscreen_reset(uc->vt);
		uc->scroll = 0;
		free(s->busy);
		s->busy = NULL;
		set_note(s, NULL);
	}
	if (!s->c && live(v))
		connect_vm(s);
	else if (!s->c && v)
		set_note(s, "%s is not running", v->name);
	bool want = s->ui->focus == PANE_CONSOLE && !s->ui->read_only;
	if (!s->c)
		return;
	if (want && !uc->held && !s->asked && !s->busy) {
		s->asked = console_attach(s->c, false) == 0;
	} else if (!want && (uc->held || s->busy || s->asked)) {
		if (uc->held)
			console_release(s->c);
		uc->held = s->asked = false;
		s->ui->dirty |= D_CONSOLE;
		free(s->busy); /* a new c asks again */
		s->busy = NULL;
		set_note(s, NULL);
	}
}

void src_console_resize(struct src_console *s)
{
	struct rect r = ui_inner(s->ui->rects[V_CONSOLE]);
	if (r.w > 0 && r.h > 0)
		vtscreen_resize(s->ui->con.vt, r.h, r.w);
	s->ui->dirty |= D_CONSOLE;
}

static void send_esc(struct src_console *s)
{
	vtscreen_key(s->ui->con.vt, K_ESC);
}

static void on_esc_timer(struct loop_timer *t, void *arg)
{
	(void)t;
	struct src_console *s = arg;
	s->esc_timer = NULL; /* a one-shot timer: the loop frees it */
	if (conkeys_expire(&s->keys, now_mono_us()))
		send_esc(s);
}

/* Esc Esc: the list gets the keyboard back; a zoomed console un-zooms. */
static int leave(struct src_console *s)
{
	struct ui *ui = s->ui;
	bool shared = ui->visible[V_DETAILS]; /* else it had the details' place */
	ui->focus = PANE_VMS;
	ui->dirty |= D_CONSOLE | D_VMS | D_NET | D_STATUS;
	src_console_select(s);
	if (ui->zoom || !shared) {
		ui->zoom = false;
		return KEY_HANDLED | KEY_RELAYOUT;
	}
	return KEY_HANDLED;
}

int src_console_key(struct ui *ui, int key, void *arg)
{
	struct src_console *s = arg;
	struct ui_console *uc = &ui->con;
	int rows, cols;
	vtscreen_size(uc->vt, &rows, &cols);
	struct conkeys_verdict v = conkeys_feed(&s->keys, key, now_mono_us(), rows, vtscreen_altscreen(uc->vt));
	if (v.leave)
		return leave(s);
	if (v.hold_esc) {
		loop_timer_del(s->loop, s->esc_timer);
		s->esc_timer = loop_timer_add(s->loop, CONKEYS_ESC_US / 1000 + 1, false, on_esc_timer, s);
	}
	if (v.send_esc)
		send_esc(s);
	if (v.scroll) {
		int sb = (int)vtscreen_scrollback(uc->vt);
		uc->scroll += v.scroll;
		uc->scroll = uc->scroll < 0 ? 0 : uc->scroll > sb ? sb : uc->scroll;
		ui->dirty |= D_CONSOLE;
	}
	if (!v.send_key)
		return KEY_HANDLED;
	if (ui->read_only)
		ui_message(ui, true, "read-only: the console only shows (Esc Esc leaves)");
	else if (!uc->connected)
		ui_message(ui, true, "console: %s", uc->note ? uc->note : "not connected");
	else if (!uc->held)
		ui_message(ui, true, "console: %s", s->busy ? s->busy : "not held yet");
	else {
		if (uc->scroll) {
			uc->scroll = 0;
			ui->dirty |= D_CONSOLE;
		}
		vtscreen_key(uc->vt, key);
	}
	return KEY_HANDLED;
}

struct src_console *src_console_new(struct loop *l, struct ui *ui)
{
	struct src_console *s = xcalloc(1, sizeof(*s));
	s->loop = l;
	s->ui = ui;
	struct rect r = ui_inner(ui->rects[V_CONSOLE]);
	ui->con.vt = vtscreen_new(r.h > 0 ? r.h : 24, r.w > 0 ? r.w : 80, on_vt_out, s);
	ui->console_key = src_console_key;
	ui->console_arg = s;
	return s;
}

void src_console_free(struct src_console *s)
{
	if (!s)
		return;
	disconnect(s);
	loop_timer_del(s->loop, s->esc_timer);
	vtscreen_free(s->ui->con.vt);
	s->ui->con.vt = NULL;
	s->ui->console_key = NULL;
	free(s->vm);
	free(s->busy);
	free(s);
}
