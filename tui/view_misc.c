/* view_misc: the header, the status bar (keys that apply now, or a message,
 * or a y/n question, which it answers), the help screen from the key table
 * (modal: it takes every key), the "too small" screen (only quit and redraw
 * get through) and the thumbnail pane. */
#include "tui/theme.h"
#include "tui/ui.h"
#include "core/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void header_draw(struct ui *ui, struct grid *g, struct rect r)
{
	struct grid_pen p = theme_pen(ROLE_HEADER);
	grid_fill(g, r, ' ', p);
	size_t running = 0, risk = 0, n_vms = 0;
	for (size_t i = 0; i < ui->m.n_vms; i++) {
		if (ui->m.vms[i].header)
			continue; /* a host's header row */
		n_vms++;
		running += ui->m.vms[i].state == MVM_RUNNING || ui->m.vms[i].state == MVM_PAUSED;
	}
	for (size_t i = 0; i < ui->m.n_bridges; i++)
		risk += ui->m.bridges[i].at_risk;
	char rs[32] = "";
	if (risk)
		snprintf(rs, sizeof(rs), ", %zu AT RISK", risk);
	char *s = xasprintf(" vmdeck  %zu VM%s, %zu running  %s %zu bridge%s%s%s", n_vms,
			    n_vms == 1 ? "" : "s", running, theme_glyph_str(GL_VLINE), ui->m.n_bridges,
			    ui->m.n_bridges == 1 ? "" : "s", rs, ui->read_only ? "   [read-only]" : "");
	int n = grid_print(g, r.x, r.y, r.w, p, s);
	free(s);
	if (ui->m.diags.n) {
		s = xasprintf("  %s %zu profile problem%s", theme_glyph_str(GL_VLINE), ui->m.diags.n,
			      ui->m.diags.n == 1 ? "" : "s");
		n += grid_print(g, r.x + n, r.y, r.w - n, p, s);
		free(s);
	}
	if (ui->m.vm_degraded || ui->m.net_degraded) {
		const char *d = "  DEGRADED";
		grid_print(g, r.x + n, r.y, r.w - n, theme_pen(ROLE_ERROR), d);
	}
}

/* Remember where a hint went: a click on it is that key (tui/mouse.c). */
static void hint_add(struct ui *ui, int x, int w, int key)
{
	if (ui->n_hints < (int)ARRAY_LEN(ui->hints))
		ui->hints[ui->n_hints++] = (struct ui_hint){ x, x + w, key };
}

static void status_draw(struct ui *ui, struct grid *g, struct rect r)
{
	struct grid_pen p = theme_pen(ROLE_STATUS), k = theme_pen(ROLE_KEY);
	grid_fill(g, r, ' ', p);
	ui->n_hints = 0;
	if (ui->confirm.action != ACT_NONE) {
		char *s = xasprintf(" %s  [y/n]", ui->confirm.question ? ui->confirm.question : "sure?");
		grid_print(g, r.x, r.y, r.w, theme_pen(ROLE_ERROR), s);
		free(s);
		return;
	}
	if (ui->prompt.active) {
		int x = r.x + 1;
		x += grid_print(g, x, r.y, r.x + r.w - x, k, ui->prompt.label);
		x += grid_print(g, x, r.y, r.x + r.w - x, p, ui->prompt.text);
		x += grid_print(g, x, r.y, r.x + r.w - x, k, "_");
		if (ui->prompt.hint)
			grid_print(g, x + 1, r.y, r.x + r.w - x - 1, p, ui->prompt.hint);
		return;
	}
	int x = r.x + 1;
	bool message = ui->message && ui->now_us < ui->message_until_us;
	if (ui->typing) {
		/* Every key is the guest's: only the way out is shown, or what
		 * went wrong (not connected). */
		if (message) {
			grid_print(g, x, r.y, r.w - 2, theme_pen(ui->message_error ? ROLE_ERROR : ROLE_STATUS), ui->message);
			return;
		}
		x += grid_print(g, x, r.y, r.x + r.w - x, k, "Ctrl-]");
		x += grid_print(g, x, r.y, r.x + r.w - x, p, " leave  - keys");
		grid_print(g, x, r.y, r.x + r.w - x, p, ui->mouse ? " and clicks go to the guest" : " go to the guest");
		return;
	}
	if (ui->focus == PANE_MONITOR) {
		/* The monitor's own refusals (read-only, too long) show here. */
		if (message) {
			grid_print(g, x, r.y, r.w - 2, theme_pen(ui->message_error ? ROLE_ERROR : ROLE_STATUS), ui->message);
			return;
		}
		static const char *const mon[][2] = {
			{ "Enter", "send" }, { "Up/Down", "history" }, { "PgUp/PgDn", "scroll" }, { "Esc", "leave" },
		};
		for (size_t i = 0; i < ARRAY_LEN(mon) && x < r.x + r.w; i++) {
			x += grid_print(g, x, r.y, r.x + r.w - x, k, mon[i][0]);
			x += grid_print(g, x, r.y, r.x + r.w - x, p, " ");
			x += grid_print(g, x, r.y, r.x + r.w - x, p, mon[i][1]);
			x += 2;
		}
		return;
	}
	/* Help and quit always show, at the right end; the rest fill the left. */
	static const enum action tail[] = { ACT_HELP, ACT_QUIT };
	int limit = r.x + r.w;
	for (size_t t = ARRAY_LEN(tail); t-- > 0;) {
		const struct key_binding *b = keys_for_action(tail[t]);
		int need = grid_strwidth(b->keyname) + 1 + grid_strwidth(b->label);
		if (limit - need - 1 < x)
			break;
		limit -= need + 1;
		int tx = limit;
		hint_add(ui, tx, need, b->key);
		tx += grid_print(g, tx, r.y, need, k, b->keyname);
		tx += grid_print(g, tx, r.y, 1, p, " ");
		grid_print(g, tx, r.y, need, p, b->label);
		limit -= 1;
	}
	if (message) {
		/* A message takes the place of the keys, not of help and quit. */
		struct grid_pen pm = theme_pen(ui->message_error ? ROLE_ERROR : ROLE_STATUS);
		int n = grid_print(g, x, r.y, limit - x - 1, pm, ui->message);
		if (n < limit - x - 1 && ui->message_error)
			grid_set(g, x + n, r.y, ' ', pm);
		return;
	}
	for (size_t i = 0; i < keys_count; i++) {
		const struct key_binding *b = &keys_table[i];
		if (!b->status || b->action == ACT_HELP || b->action == ACT_QUIT || !ui_binding_applies(ui, b))
			continue;
		const char *label = b->label;
		if (b->action == ACT_PAUSE) { /* one key, two meanings: say which */
			struct mvm *v = ui_selected_vm(ui);
			label = v && v->state == MVM_PAUSED ? "resume" : "pause";
		}
		int need = grid_strwidth(b->keyname) + 1 + grid_strwidth(label);
		if (x + need > limit)
			break;
		hint_add(ui, x, need, b->key);
		x += grid_print(g, x, r.y, limit - x, k, b->keyname);
		x += grid_print(g, x, r.y, limit - x, p, " ");
		x += grid_print(g, x, r.y, limit - x, p, label);
		x += 2;
	}
}

/* The pending question has the keyboard: y acts, anything else cancels
 * (a stray key must never force-stop a VM). */
static int status_key(struct ui *ui, int key)
{
	enum action a = ui->confirm.action;
	if (a == ACT_NONE)
		return KEY_UNHANDLED;
	ui->confirm.action = ACT_NONE;
	free(ui->confirm.question);
	ui->confirm.question = NULL;
	char *was = ui->confirm.vm;
	ui->confirm.vm = NULL;
	ui->dirty |= D_STATUS;
	int r = KEY_HANDLED;
	if (key == 'y' || key == 'Y') {
		/* Only the run it asked about: a VM that ended (or ended and
		 * started again) meanwhile is not acted on. */
		struct mvm *v = ui_selected_vm(ui);
		/* A storage key asks about the VM's files, stopped or not: the
		 * same VM in the same run (pid, 0 for none) is what counts. */
		const struct key_binding *b = keys_for_action(a);
		bool any_run = b && (b->when & W_STORAGE);
		/* A libvirt domain has no pid here: its name is what counts. */
		if (was && (!v || strcmp(v->name, was) != 0 || v->pid != ui->confirm.pid ||
			    (!any_run && v->pid <= 0 && !v->host)))
			ui_message(ui, true, "cancelled: %s changed meanwhile (its QEMU is not the one asked about)", was);
		else
			r |= ui_act(ui, a);
	} else {
		ui_message(ui, false, "cancelled");
	}
	free(was);
	return r;
}

static void help_draw(struct ui *ui, struct grid *g, struct rect r)
{
	static const char *const extra[] = {
		"",
		"Monitor pane: Enter sends, Up/Down history, PgUp/PgDn scroll back, Esc leaves.",
		"Mouse: a click selects a VM, a bridge or a pane; the wheel scrolls;",
		"  a click on the screen zooms. It never starts or stops a VM.",
		"  Shift+drag selects text; --no-mouse or VMDECK_MOUSE=0 turn it off.",
		"Zoomed screen: Enter (or a click) types into the guest - keys and clicks",
		"  go to the VM over VNC; Ctrl-] leaves. Never with --read-only.",
		"Quitting leaves every VM running; start vmdeck again to re-attach.",
	};
	int total = (int)keys_count + (int)ARRAY_LEN(extra);
	struct rect in = ui_inner(r);
	int maxtop = total > in.h ? total - in.h : 0;
	if (ui->help_top > maxtop)
		ui->help_top = maxtop;
	ui_box(g, r, maxtop ? "help: keys (Up/Down scroll; ? F1 Esc close)" : "help: keys (? F1 Esc to close)", true);
	int y = in.y;
	for (int i = ui->help_top; i < total && y < in.y + in.h; i++, y++) {
		if (i >= (int)keys_count) {
			grid_print(g, in.x + 1, y, in.w - 1, theme_pen(ROLE_DIM), extra[i - (int)keys_count]);
			continue;
		}
		const struct key_binding *b = &keys_table[i];
		bool ok = !(b->when & W_WRITE) || !ui->read_only;
		grid_print(g, in.x + 1, y, 10, theme_pen(ROLE_KEY), b->keyname);
		char *s = xasprintf("%s%s%s", b->help, b->confirm ? " [asks y/n]" : "", ok ? "" : " (read-only: off)");
		grid_print(g, in.x + 12, y, in.w - 12, theme_pen(ok ? ROLE_NORMAL : ROLE_DIM), s);
		free(s);
	}
	if (maxtop && ui->help_top < maxtop)
		grid_print(g, in.x + in.w - 8, in.y + in.h, 7, theme_pen(ROLE_WARN), "more");
}

/* Help is modal: its keys scroll or close it, nothing else happens under it. */
static int help_key(struct ui *ui, int key)
{
	if (key == '?' || key == K_F1 || key == K_ESC || key == 'q')
		return ui_act(ui, ACT_HELP);
	if (key == K_DOWN || key == 'j' || key == K_PGDN || key == ' ') {
		ui->help_top += key == K_PGDN || key == ' ' ? 10 : 1;
		ui->dirty |= D_ALL;
	} else if (key == K_UP || key == 'k' || key == K_PGUP) {
		ui->help_top -= key == K_PGUP ? 10 : 1;
		if (ui->help_top < 0)
			ui->help_top = 0;
		ui->dirty |= D_ALL;
	}
	return KEY_HANDLED;
}

static void small_draw(struct ui *ui, struct grid *g, struct rect r)
{
	grid_fill(g, r, ' ', theme_pen(ROLE_NORMAL));
	char s[96];
	snprintf(s, sizeof(s), "terminal too small: %dx%d", ui->w, ui->h);
	grid_print(g, 0, r.h / 2 - 1 > 0 ? r.h / 2 - 1 : 0, r.w, theme_pen(ROLE_BAD), s);
	snprintf(s, sizeof(s), "need %dx%d; q quits", UI_MIN_W, UI_MIN_H);
	grid_print(g, 0, r.h / 2 > 0 ? r.h / 2 : 0, r.w, theme_pen(ROLE_NORMAL), s);
}

/* Too small to show anything: the table gets only what needs no screen
 * (quit, as the screen says, and redraw); every other key is dropped. */
static int small_key(struct ui *ui, int key)
{
	const struct key_binding *b = keys_lookup(key);
	return b && (b->action == ACT_QUIT || b->action == ACT_REDRAW) ? KEY_UNHANDLED : KEY_HANDLED;
}

static void thumb_draw(struct ui *ui, struct grid *g, struct rect r)
{
	struct mvm *v = ui_selected_vm(ui);
	char title[256];
	/* Zoomed, the title says how the screen is drawn (text or pixels). */
	const char *mode = ui->zoom && v && ui->thumb.vm && strcmp(ui->thumb.vm, v->name) == 0 ? ui->thumb.mode : NULL;
	/* Typing: the input mode and the way out; else how to get in (a
	 * screen there is only while QEMU runs). */
	bool live = v && v->state != MVM_STOPPED && v->state != MVM_EXITED;
	const char *input = !ui->zoom || !live ? ""
			    : ui->typing ? (ui->mouse ? " [input: keyboard and mouse - Ctrl-] leaves]"
						      : " [input: keyboard - Ctrl-] leaves]")
			    : ui->read_only ? " [read-only: no input]"
					    : " [Enter: type]";
	snprintf(title, sizeof(title), "screen%s%s%s%s%s%s", v ? " " : "", v ? v->name : "",
		 ui->zoom && !ui->typing ? " (z: back)" : "", mode ? " - " : "", mode ? mode : "", input);
	ui_box(g, r, title, ui->zoom);
	struct rect in = ui_inner(r);
	if (in.w < 1 || in.h < 1)
		return;
	const struct ui_thumb *t = &ui->thumb;
	bool mine = v && t->vm && strcmp(t->vm, v->name) == 0;
	if (mine && t->cells && !t->message) {
		/* Centre the picture; cells carry their own colours. */
		int ox = in.x + (in.w > t->cells->w ? (in.w - t->cells->w) / 2 : 0);
		int oy = in.y + (in.h > t->cells->h ? (in.h - t->cells->h) / 2 : 0);
		for (int y = 0; y < t->cells->h && y < in.h; y++)
			for (int x = 0; x < t->cells->w && x < in.w; x++) {
				const struct grid_cell *c = grid_cget(t->cells, x, y);
				grid_set(g, ox + x, oy + y, c->ch, c->pen);
			}
		return;
	}
	const char *msg = mine && t->message ? t->message
			  : !v ? "no VM selected"
			  : (v->state == MVM_STOPPED || v->state == MVM_EXITED) ? "not running: no screen"
			  : t->message && !t->vm ? t->message : "no picture yet";
	grid_print(g, in.x + 1, in.y + in.h / 2, in.w - 1, theme_pen(ROLE_DIM), msg);
}

const struct view_ops view_header_ops = { "header", D_HEADER, header_draw, NULL, NULL };
const struct view_ops view_status_ops = { "status", D_STATUS, status_draw, status_key, NULL };
const struct view_ops view_help_ops = { "help", D_ALL, help_draw, help_key, NULL };
const struct view_ops view_small_ops = { "small", D_ALL, small_draw, small_key, NULL };
/* Typing into the guest's screen: every key is the guest's but Ctrl-]. */
static int thumb_key(struct ui *ui, int key)
{
	if (!ui->typing)
		return KEY_UNHANDLED;
	if (key == K_CTRL_RBRACKET) {
		ui_typing_end(ui, "left the guest's screen (Enter types again; z: back)");
		return KEY_HANDLED;
	}
	if (key == K_RESIZE || key == K_BASE)
		return KEY_HANDLED;
	if (ui->guest.key && !ui->read_only)
		ui->guest.key(ui, key, ui->guest.arg);
	return KEY_HANDLED;
}

const struct view_ops view_thumb_ops = { "thumb", D_THUMB, thumb_draw, thumb_key, NULL };
