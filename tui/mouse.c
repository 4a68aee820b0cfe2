/* mouse: hit test and the effect of a click or a wheel notch on the UI. */
#include "tui/mouse.h"
#include "tui/vtscreen.h"
#include "core/util.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

static bool inside(struct rect r, int x, int y)
{
	return x >= r.x && x < r.x + r.w && y >= r.y && y < r.y + r.h;
}

struct mouse_hit mouse_hit(const struct ui *ui, int x, int y)
{
	struct mouse_hit h = { V__N, -1 };
	for (int i = 0; i < V__N; i++)
		if (ui->visible[i] && inside(ui->rects[i], x, y)) {
			h.view = (enum view_id)i;
			break;
		}
	if (h.view == V_VMS) {
		struct rect in = ui_inner(ui->rects[V_VMS]);
		if (inside(in, x, y)) {
			size_t i = ui->vm_top + (size_t)(y - in.y);
			h.item = i < ui->m.n_vms ? (long)i : -1;
		}
	} else if (h.view == V_NET) {
		struct rect in = ui_inner(ui->rects[V_NET]);
		if (inside(in, x, y))
			h.item = view_net_bridge_at(ui, y);
	}
	return h;
}

static void focus(struct ui *ui, enum pane p)
{
	if (ui->focus == p)
		return;
	ui->focus = p;
	ui->dirty |= D_VMS | D_NET | D_STATUS | D_MONITOR | D_CONSOLE;
}

/* The same dirty bits as moving the selection with a key (navigate in tui/ui.c). */
static void select_vm(struct ui *ui, size_t i)
{
	if (i >= ui->m.n_vms || i == ui->vm_sel)
		return;
	ui->vm_sel = i;
	ui->mon_scroll = 0;
	ui->dirty |= D_SELECTED_VM;
}

static long clampl(long v, long lo, long hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

/* Scroll the VM list itself (not the selection), like a terminal's
 * scrollback; the selection only moves when it would leave the window,
 * because the list always shows it. */
static void wheel_vms(struct ui *ui, int lines)
{
	long rows = ui->rects[V_VMS].h - 2, n = (long)ui->m.n_vms;
	if (rows < 1 || !n)
		return;
	long top = clampl((long)ui->vm_top + lines, 0, n > rows ? n - rows : 0);
	long sel = clampl((long)ui->vm_sel, top, top + rows - 1);
	ui->vm_top = (size_t)top;
	ui->dirty |= D_VMS;
	select_vm(ui, (size_t)clampl(sel, 0, n - 1));
}

static void wheel(struct ui *ui, enum view_id v, int lines)
{
	switch (v) {
	case V_VMS:
		/* While typing into a VM's monitor, a stray notch must not
		 * move the selection to another VM (a click leaves the monitor). */
		if (ui->focus != PANE_MONITOR && ui->focus != PANE_CONSOLE)
			wheel_vms(ui, lines);
		break;
	case V_NET:
		if (ui->history) {
			long n = (long)ui->m.n_history;
			ui->hist_top = (size_t)clampl((long)ui->hist_top + lines, 0, n ? n - 1 : 0);
		} else if (ui->m.n_bridges) {
			/* A bridge is a block of rows: a notch moves one bridge. */
			ui->net_sel = (size_t)clampl((long)ui->net_sel + (lines > 0 ? 1 : -1), 0, (long)ui->m.n_bridges - 1);
		}
		ui->dirty |= D_NET | D_STATUS;
		break;
	case V_CONSOLE:
		if (ui->con.vt) {
			long sb = (long)vtscreen_scrollback(ui->con.vt);
			ui->con.scroll = (int)clampl(ui->con.scroll - lines, 0, sb);
			ui->dirty |= D_CONSOLE;
		}
		break;
	case V_MONITOR:
		/* Up goes back in time; the view clamps the far end. */
		ui->mon_scroll = (int)clampl(ui->mon_scroll - lines, 0, 1L << 30);
		ui->dirty |= D_MONITOR;
		break;
	case V_HELP:
		ui->help_top = (int)clampl(ui->help_top + lines, 0, 1L << 30);
		ui->dirty |= D_ALL;
		break;
	default:
		break;
	}
}

static int key_of(enum action a)
{
	const struct key_binding *b = keys_for_action(a);
	return b ? b->key : K_NONE;
}

/* Status bar hints a click may run: they only change what is shown (or
 * quit, which leaves every VM running). Starting, stopping, pausing,
 * resetting, the install/boot mode and pinning a MAC stay on the keys. */
static const enum action click_safe[] = {
	ACT_FOCUS_NEXT, ACT_FOCUS_PREV, ACT_MONITOR, ACT_CONSOLE, ACT_ZOOM, ACT_HISTORY, ACT_HELP, ACT_REDRAW, ACT_QUIT,
};

static int click_hint(struct ui *ui, int x)
{
	for (int i = 0; i < ui->n_hints; i++) {
		const struct ui_hint *h = &ui->hints[i];
		if (x < h->x0 || x >= h->x1)
			continue;
		const struct key_binding *b = keys_lookup(h->key);
		if (!b)
			return K_NONE;
		for (size_t j = 0; j < ARRAY_LEN(click_safe); j++)
			if (b->action == click_safe[j])
				return h->key;
		ui_message(ui, false, "%s: press %s (the mouse never starts, stops or changes a VM)", b->label, b->keyname);
		return K_NONE;
	}
	return K_NONE;
}

static int click(struct ui *ui, struct mouse_hit h, int x)
{
	switch (h.view) {
	case V_VMS:
		focus(ui, PANE_VMS);
		if (h.item >= 0)
			select_vm(ui, (size_t)h.item);
		return K_NONE;
	case V_DETAILS:
		focus(ui, PANE_VMS);
		return K_NONE;
	case V_NET:
		focus(ui, PANE_NET);
		if (h.item >= 0 && (size_t)h.item != ui->net_sel) {
			ui->net_sel = (size_t)h.item;
			ui->dirty |= D_NET | D_STATUS;
		}
		return K_NONE;
	case V_MONITOR:
		if (ui->focus == PANE_MONITOR)
			return K_NONE;
		/* As m would: the key table decides whether it applies. */
		focus(ui, PANE_VMS);
		return key_of(ACT_MONITOR);
	case V_CONSOLE:
		if (ui->focus == PANE_CONSOLE)
			return K_NONE;
		/* As c would: the selected VM's console gets the keyboard. */
		focus(ui, PANE_VMS);
		return key_of(ACT_CONSOLE);
	case V_THUMB: {
		/* The thumbnail is the selected VM's: z zooms in; zoomed, a
		 * click gives it the keyboard (Enter) where that applies (a
		 * live screen, not --read-only), else z again zooms out. */
		focus(ui, PANE_VMS);
		const struct key_binding *b = keys_for_action(ACT_TYPE);
		return ui->zoom && b && ui_binding_applies(ui, b) ? b->key : key_of(ACT_ZOOM);
	}
	case V_STATUS:
		return click_hint(ui, x);
	default:
		return K_NONE;
	}
}

int mouse_apply(struct ui *ui, const struct mouse_event *ev)
{
	/* A pending y/n names a VM: nothing may change the selection under it.
	 * The I prompt takes the keyboard: a click is not typed into its path
	 * (z, m, the hints) nor moves what Enter acts on. */
	if (ui->confirm.action != ACT_NONE || ui->too_small || ui->prompt.active)
		return K_NONE;
	struct mouse_hit h = mouse_hit(ui, ev->x, ev->y);
	if (h.view == V__N)
		return K_NONE;
	if (ui->typing) {
		/* The guest's: presses and notches on its screen; the rest of
		 * the window does nothing until Ctrl-]. */
		static const unsigned wheel_mask[] = { [MOUSE_WHEEL_UP] = 8, [MOUSE_WHEEL_DOWN] = 16 };
		unsigned b = ev->kind == MOUSE_PRESS ? 1u << (ev->button - 1)
			     : ev->kind == MOUSE_RELEASE ? 0 : wheel_mask[ev->kind];
		if (h.view == V_THUMB && b && ev->button <= 3 && ui->guest.click && !ui->read_only)
			ui->guest.click(ui, ev->x, ev->y, b, ui->guest.arg);
		return K_NONE;
	}
	if (ev->kind == MOUSE_WHEEL_UP || ev->kind == MOUSE_WHEEL_DOWN) {
		wheel(ui, h.view, ev->kind == MOUSE_WHEEL_UP ? -MOUSE_WHEEL_LINES : MOUSE_WHEEL_LINES);
		return K_NONE;
	}
	/* Left press only: a release, the middle and right buttons do nothing.
	 * Help is modal: only its status bar hint (?: close) takes a click. */
	if (ev->kind != MOUSE_PRESS || ev->button != 1 || (ui->help && h.view != V_STATUS))
		return K_NONE;
	return click(ui, h, ev->x);
}

int mouse_env(const char *value, bool *on, char **err)
{
	static const struct {
		const char *word;
		bool on;
	} words[] = { { "1", true }, { "on", true }, { "yes", true }, { "0", false }, { "off", false }, { "no", false } };
	*on = true;
	if (!value || !*value)
		return 0;
	for (size_t i = 0; i < ARRAY_LEN(words); i++)
		if (strcasecmp(value, words[i].word) == 0) {
			*on = words[i].on;
			return 0;
		}
	error_set(err, "VMDECK_MOUSE='%s': use 1 (on, the default) or 0 (off: the terminal keeps its own mouse)", value);
	return -1;
}
