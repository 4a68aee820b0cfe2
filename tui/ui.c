/* ui: layout, dirty-driven rendering, selection and context for the key table. */
#include "tui/ui.h"
#include "tui/theme.h"
#include "core/util.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

static const struct view_ops *const views[V__N] = {
	[V_HEADER] = &view_header_ops, [V_VMS] = &view_vms_ops, [V_DETAILS] = &view_details_ops,
	[V_NET] = &view_net_ops, [V_MONITOR] = &view_monitor_ops, [V_THUMB] = &view_thumb_ops,
	[V_CONSOLE] = &view_console_ops, [V_STATUS] = &view_status_ops, [V_HELP] = &view_help_ops, [V_SMALL] = &view_small_ops,
};

void ui_init(struct ui *ui)
{
	memset(ui, 0, sizeof(*ui));
	model_init(&ui->m);
	ui->hist_pos = -1;
	ui->dirty = D_ALL;
}

void ui_free(struct ui *ui)
{
	model_clear(&ui->m);
	lines_clear(&ui->m.diags);
	free(ui->message);
	free(ui->confirm.question);
	free(ui->confirm.vm);
	ui_storage_clear_rows(&ui->storage);
	free(ui->storage.vm);
	free(ui->storage.busy);
	free(ui->storage.error);
	prompt_close(&ui->prompt);
	grid_free(ui->thumb.cells);
	free(ui->thumb.message);
	free(ui->thumb.vm);
	free(ui->thumb.mode);
	free(ui->con.vm);
	free(ui->con.note);
}

void ui_layout(struct ui *ui, int w, int h)
{
	ui->w = w;
	ui->h = h;
	memset(ui->visible, 0, sizeof(ui->visible));
	memset(ui->rects, 0, sizeof(ui->rects));
	ui->dirty = D_ALL;
	ui->too_small = w < UI_MIN_W || h < UI_MIN_H;
	if (ui->too_small) {
		ui->rects[V_SMALL] = (struct rect){ 0, 0, w, h };
		ui->visible[V_SMALL] = true;
		return;
	}
	int bh = h - 2;
	struct rect body = { 0, 1, w, bh };
	ui->rects[V_HEADER] = (struct rect){ 0, 0, w, 1 };
	ui->rects[V_STATUS] = (struct rect){ 0, h - 1, w, 1 };
	ui->visible[V_HEADER] = ui->visible[V_STATUS] = true;
	if (ui->help) {
		ui->rects[V_HELP] = body;
		ui->visible[V_HELP] = true;
		return;
	}
	if (ui->zoom) {
		/* z zooms the screen; with the console focused, the console. */
		enum view_id z = ui->focus == PANE_CONSOLE ? V_CONSOLE : V_THUMB;
		ui->rects[z] = body;
		ui->visible[z] = true;
		return;
	}
	int lw = w / 2;
	int rw = w - lw;
	int vms_h = bh * 2 / 5;
	if (vms_h < 5)
		vms_h = 5;
	/* Below the list: the details, then the serial console; on a short
	 * screen one of them, the console while it has the keyboard. */
	int rest = bh - vms_h;
	int con_h = rest >= UI_CONSOLE_SPLIT_MIN ? rest * 2 / 5 : ui->focus == PANE_CONSOLE ? rest : 0;
	int det_h = rest - con_h;
	ui->rects[V_VMS] = (struct rect){ 0, 1, lw, vms_h };
	ui->rects[V_DETAILS] = (struct rect){ 0, 1 + vms_h, lw, det_h };
	ui->rects[V_CONSOLE] = (struct rect){ 0, 1 + vms_h + det_h, lw, con_h };
	int net_h = bh * 9 / 20, mon_h = bh * 6 / 20;
	if (net_h < 5)
		net_h = 5;
	if (mon_h < 4)
		mon_h = 4;
	int thumb_h = bh - net_h - mon_h;
	ui->rects[V_NET] = (struct rect){ lw, 1, rw, net_h };
	ui->rects[V_MONITOR] = (struct rect){ lw, 1 + net_h, rw, mon_h };
	ui->rects[V_THUMB] = (struct rect){ lw, 1 + net_h + mon_h, rw, thumb_h };
	ui->visible[V_VMS] = ui->visible[V_NET] = ui->visible[V_MONITOR] = ui->visible[V_THUMB] = true;
	ui->visible[V_DETAILS] = det_h > 0;
	ui->visible[V_CONSOLE] = con_h > 0;
	for (int i = 0; i < V__N; i++)
		if (ui->visible[i] && views[i]->resize)
			views[i]->resize(ui, ui->rects[i]);
}

void ui_render(struct ui *ui, struct grid *g, bool force)
{
	if (force)
		ui->dirty = D_ALL;
	for (int i = 0; i < V__N; i++) {
		if (!ui->visible[i] || !views[i]->draw)
			continue;
		if (ui->dirty & views[i]->dirty_bits)
			views[i]->draw(ui, g, ui->rects[i]);
	}
	ui->dirty = 0;
}

struct mvm *ui_selected_vm(struct ui *ui)
{
	/* A host's header row is no VM. */
	return ui->vm_sel < ui->m.n_vms && !ui->m.vms[ui->vm_sel].header ? &ui->m.vms[ui->vm_sel] : NULL;
}

struct mbridge *ui_selected_bridge(struct ui *ui)
{
	return ui->net_sel < ui->m.n_bridges ? &ui->m.bridges[ui->net_sel] : NULL;
}

void ui_storage_clear_rows(struct ui_storage *s)
{
	for (size_t i = 0; i < s->n; i++) {
		free(s->rows[i].text);
		free(s->rows[i].disk);
		free(s->rows[i].tag);
	}
	free(s->rows);
	s->rows = NULL;
	s->n = s->sel = s->top = 0;
}

static unsigned context(struct ui *ui)
{
	unsigned c = 0;
	if (!ui->read_only)
		c |= W_WRITE;
	struct mvm *v = ui_selected_vm(ui);
	if (v && ui->focus != PANE_NET) {
		c |= W_VM;
		if (v->state == MVM_STOPPED || v->state == MVM_EXITED)
			c |= W_VM_OFF;
		else
			c |= W_VM_ON;
		if (v->state == MVM_RUNNING || v->state == MVM_PAUSED)
			c |= W_VM_LIVE;
		if (!v->host)
			c |= W_LOCAL;
		if (v->state != MVM_STOPPED && v->state != MVM_EXITED)
			c |= W_THUMB;
		if (ui->zoom)
			c |= W_ZOOM;
		const struct ui_storage *st = &ui->storage;
		if (st->on && !st->busy && st->vm && !strcmp(st->vm, v->name)) {
			c |= W_STORAGE;
			if (st->sel < st->n && st->rows[st->sel].tag)
				c |= W_SNAP;
			if (st->sel < st->n && st->rows[st->sel].head)
				c |= W_DISK;
		}
	}
	struct mbridge *b = ui_selected_bridge(ui);
	if (b && ui->focus == PANE_NET) {
		c |= W_BRIDGE;
		if (!b->pinned)
			c |= W_UNPINNED;
	}
	return c;
}

bool ui_binding_applies(struct ui *ui, const struct key_binding *b)
{
	return (context(ui) & b->when) == b->when;
}

void ui_message(struct ui *ui, bool error, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	free(ui->message);
	ui->message = xvasprintf(fmt, ap);
	va_end(ap);
	ui->message_error = error;
	ui->message_until_us = ui->now_us + (error ? 8 : 4) * 1000000ull;
	ui->answer_until_us = ui->in_key ? ui->now_us + UI_ANSWER_US : 0;
	ui->dirty |= D_STATUS;
}

void ui_note(struct ui *ui, const char *fmt, ...)
{
	if (ui->message && ui->message_error && ui->now_us < ui->message_until_us)
		return;
	if (ui->message && ui->now_us < ui->answer_until_us)
		return;
	va_list ap;
	va_start(ap, fmt);
	char *m = xvasprintf(fmt, ap);
	va_end(ap);
	ui_message(ui, false, "%s", m);
	free(m);
}

void ui_clamp(struct ui *ui)
{
	if (ui->vm_sel >= ui->m.n_vms)
		ui->vm_sel = ui->m.n_vms ? ui->m.n_vms - 1 : 0;
	if (ui->net_sel >= ui->m.n_bridges)
		ui->net_sel = ui->m.n_bridges ? ui->m.n_bridges - 1 : 0;
}

static void move_sel(size_t *sel, size_t n, long delta)
{
	if (!n)
		return;
	long s = (long)*sel + delta;
	if (s < 0)
		s = 0;
	if (s >= (long)n)
		s = (long)n - 1;
	*sel = (size_t)s;
}

/* Navigation actions that only change UI state; false: not a navigation action. */
static bool navigate(struct ui *ui, enum action a)
{
	size_t *sel;
	size_t n;
	unsigned bit;
	int page;
	if (ui->storage.on && ui->focus == PANE_VMS) {
		sel = &ui->storage.sel; /* the VM stays: D closes the view first */
		n = ui->storage.n;
		bit = D_DETAILS | D_STATUS;
		page = ui->rects[V_DETAILS].h - 3;
	} else if (ui->history && ui->focus == PANE_NET) {
		sel = &ui->hist_top;
		n = ui->m.n_history;
		bit = D_NET;
		page = ui->rects[V_NET].h - 3;
	} else if (ui->focus == PANE_NET) {
		sel = &ui->net_sel;
		n = ui->m.n_bridges;
		bit = D_NET | D_STATUS;
		page = 3;
	} else {
		sel = &ui->vm_sel;
		n = ui->m.n_vms;
		bit = D_SELECTED_VM;
		page = ui->rects[V_VMS].h - 2;
	}
	if (page < 1)
		page = 1;
	size_t before = *sel;
	switch (a) {
	case ACT_UP: move_sel(sel, n, -1); break;
	case ACT_DOWN: move_sel(sel, n, 1); break;
	case ACT_PGUP: move_sel(sel, n, -page); break;
	case ACT_PGDN: move_sel(sel, n, page); break;
	case ACT_TOP: move_sel(sel, n, -(long)n); break;
	case ACT_BOTTOM: move_sel(sel, n, (long)n); break;
	case ACT_FOCUS_NEXT:
	case ACT_FOCUS_PREV:
		ui->focus = ui->focus == PANE_VMS ? PANE_NET : PANE_VMS;
		ui->dirty |= D_VMS | D_NET | D_STATUS | D_MONITOR;
		return true;
	default: return false;
	}
	if (*sel != before) {
		ui->dirty |= bit;
		if (bit & D_VMS_SEL)
			ui->mon_scroll = 0;
	}
	return true;
}

/* ---- actions and keys ---- */

static int act_monitor(struct ui *ui)
{
	ui->focus = PANE_MONITOR;
	ui->input[0] = '\0';
	ui->input_len = 0;
	ui->input_cut = false;
	ui->hist_pos = -1;
	ui->dirty |= D_MONITOR | D_VMS | D_NET | D_STATUS;
	return KEY_HANDLED;
}

/* The console pane takes the keyboard (src_console holds the console for
 * it); zoomed, it fills the window. */
static int act_console(struct ui *ui)
{
	ui->focus = PANE_CONSOLE;
	ui->con.scroll = 0;
	ui->dirty |= D_CONSOLE | D_VMS | D_NET | D_STATUS;
	return KEY_HANDLED | (ui->zoom || !ui->visible[V_CONSOLE] ? KEY_RELAYOUT : 0);
}

static int act_zoom(struct ui *ui)
{
	ui->zoom = !ui->zoom;
	ui_typing_end(ui, NULL);
	return KEY_HANDLED | KEY_RELAYOUT;
}

void ui_typing_end(struct ui *ui, const char *why)
{
	if (!ui->typing)
		return;
	ui->typing = false;
	ui->dirty |= D_THUMB | D_STATUS;
	if (why)
		ui_message(ui, false, "%s", why);
}

/* Keys (and clicks) go to the guest until Ctrl-] (view_thumb_ops.key). */
static int act_type(struct ui *ui)
{
	if (ui->read_only) /* the table checks W_WRITE; a click comes here too */
		return KEY_HANDLED;
	ui->typing = true;
	ui->dirty |= D_THUMB | D_STATUS;
	return KEY_HANDLED;
}

static int act_history(struct ui *ui)
{
	ui->history = !ui->history;
	ui->hist_top = 0;
	ui->dirty |= D_NET;
	return KEY_HANDLED;
}

/* Help toggles like zoom; its own keys close it (view_help_ops.key). */
static int act_help(struct ui *ui)
{
	ui->help = !ui->help;
	ui->help_top = 0;
	return KEY_HANDLED | KEY_RELAYOUT;
}

static int act_redraw(struct ui *ui)
{
	return KEY_HANDLED | KEY_REDRAW;
}

static int act_quit(struct ui *ui)
{
	return KEY_HANDLED | KEY_QUIT;
}

/* What changes only the screen is done here; NULL: the app's (ui->act). */
static int (*const actions[ACT__N])(struct ui *ui) = {
	[ACT_MONITOR] = act_monitor, [ACT_CONSOLE] = act_console, [ACT_ZOOM] = act_zoom, [ACT_HISTORY] = act_history,
	[ACT_HELP] = act_help, [ACT_REDRAW] = act_redraw, [ACT_QUIT] = act_quit, [ACT_TYPE] = act_type,
};

int ui_act(struct ui *ui, enum action a)
{
	if (navigate(ui, a))
		return KEY_HANDLED;
	if (actions[a])
		return actions[a](ui);
	if (a != ACT_NONE && ui->act)
		ui->act(ui, a, ui->act_arg);
	return KEY_HANDLED;
}

/* The view that has the keyboard now: a modal one first, else the focused pane. */
static enum view_id key_view(const struct ui *ui)
{
	if (ui->too_small)
		return V_SMALL;
	if (ui->confirm.action != ACT_NONE)
		return V_STATUS;
	if (ui->help)
		return V_HELP;
	if (ui->typing)
		return V_THUMB;
	switch (ui->focus) {
	case PANE_MONITOR: return V_MONITOR;
	case PANE_CONSOLE: return V_CONSOLE;
	case PANE_NET: return V_NET;
	default: return V_VMS;
	}
}

/* The global key table: check, ask, act. */
static int key_table(struct ui *ui, int key)
{
	const struct key_binding *b = keys_lookup(key);
	if (!b)
		return KEY_UNHANDLED;
	if (!ui_binding_applies(ui, b)) {
		struct mvm *sv = ui_selected_vm(ui);
		if ((b->when & W_LOCAL) && sv && sv->host && ui->focus != PANE_NET)
			ui_message(ui, true, "%s: not for a libvirt domain yet (%s)", b->label, sv->name);
		else if ((b->when & W_WRITE) && ui->read_only)
			ui_message(ui, true, "read-only: %s is off (started with --read-only)", b->label);
		else if ((b->when & W_STORAGE) && ui->storage.on && ui->storage.busy)
			ui_message(ui, true, "%s: wait, the storage view is busy (%s)", b->label, ui->storage.busy);
		else if ((b->when & W_STORAGE) && !ui->storage.on)
			ui_message(ui, true, "%s: open the storage view first (D)", b->label);
		else if ((b->when & W_ZOOM) && !ui->zoom)
			ui_message(ui, true, "%s: zoom the screen first (z), then %s", b->label, b->keyname);
		else if (b->when & W_BRIDGE)
			ui_message(ui, true, "%s: select %s bridge in the network pane first (Tab)", b->label,
				   b->when & W_UNPINNED ? "an unpinned" : "a");
		else
			ui_message(ui, true, "%s: does not apply to the selected VM now", b->label);
		return KEY_HANDLED;
	}
	if (b->confirm) {
		struct mvm *v = ui_selected_vm(ui);
		ui->confirm.action = b->action;
		free(ui->confirm.question);
		ui->confirm.question = xasprintf(b->confirm, v ? v->name : "?");
		free(ui->confirm.vm);
		ui->confirm.vm = v ? xstrdup(v->name) : NULL;
		ui->confirm.pid = v ? v->pid : 0;
		ui->dirty |= D_STATUS;
		return KEY_HANDLED;
	}
	return ui_act(ui, b->action);
}

int ui_key(struct ui *ui, int key)
{
	const struct view_ops *v = views[key_view(ui)];
	if (v->key) {
		int r = v->key(ui, key);
		if (r != KEY_UNHANDLED)
			return r;
	}
	return key_table(ui, key);
}

struct rect ui_inner(struct rect r)
{
	return (struct rect){ r.x + 1, r.y + 1, r.w - 2, r.h - 2 };
}

void ui_box(struct grid *g, struct rect r, const char *title, bool focus)
{
	struct grid_pen b = theme_pen(ROLE_BORDER), n = theme_pen(ROLE_NORMAL);
	if (r.w < 2 || r.h < 2)
		return;
	grid_fill(g, ui_inner(r), ' ', n);
	for (int x = r.x + 1; x < r.x + r.w - 1; x++) {
		grid_set(g, x, r.y, theme_glyph(GL_HLINE), b);
		grid_set(g, x, r.y + r.h - 1, theme_glyph(GL_HLINE), b);
	}
	for (int y = r.y + 1; y < r.y + r.h - 1; y++) {
		grid_set(g, r.x, y, theme_glyph(GL_VLINE), b);
		grid_set(g, r.x + r.w - 1, y, theme_glyph(GL_VLINE), b);
	}
	grid_set(g, r.x, r.y, theme_glyph(GL_TL), b);
	grid_set(g, r.x + r.w - 1, r.y, theme_glyph(GL_TR), b);
	grid_set(g, r.x, r.y + r.h - 1, theme_glyph(GL_BL), b);
	grid_set(g, r.x + r.w - 1, r.y + r.h - 1, theme_glyph(GL_BR), b);
	if (title)
		ui_box_title(g, r, title, focus);
}

void ui_box_title(struct grid *g, struct rect r, const char *title, bool focus)
{
	if (r.w < 4 || r.h < 2)
		return;
	struct grid_pen b = theme_pen(ROLE_BORDER), t = theme_pen(focus ? ROLE_TITLE_FOCUS : ROLE_TITLE);
	for (int x = r.x + 1; x < r.x + r.w - 1; x++) /* a shorter title than before leaves none of it */
		grid_set(g, x, r.y, theme_glyph(GL_HLINE), b);
	grid_set(g, r.x + 1, r.y, ' ', t);
	int n2 = grid_print(g, r.x + 2, r.y, r.w - 4, t, title);
	grid_set(g, r.x + 2 + n2, r.y, ' ', t);
}
