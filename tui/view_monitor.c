/* view_monitor: the selected VM's QEMU monitor. Type an HMP command, Enter
 * sends it (the app relays it without blocking), output scrolls back with
 * PgUp/PgDn, Up/Down recall history, Esc leaves. */
#include "tui/theme.h"
#include "tui/ui.h"
#include "core/monitor.h"
#include "core/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void monitor_draw(struct ui *ui, struct grid *g, struct rect r)
{
	struct mvm *v = ui_selected_vm(ui);
	bool focus = ui->focus == PANE_MONITOR;
	char title[80];
	snprintf(title, sizeof(title), "monitor%s%s%s", v ? " " : "", v ? v->name : "", focus ? " (Esc leaves)" : "");
	ui_box(g, r, title, focus);
	struct rect in = ui_inner(r);
	if (in.w < 4 || in.h < 1)
		return;
	int out_rows = in.h - 1;
	if (!v) {
		grid_print(g, in.x + 1, in.y, in.w - 1, theme_pen(ROLE_DIM), "no VM selected");
		return;
	}
	size_t nlines = v->mon ? monitor_line_count(v->mon) : 0;
	if (!nlines && out_rows > 0) {
		const struct key_binding *b = keys_for_action(ACT_MONITOR);
		grid_printf(g, in.x + 1, in.y, in.w - 1, theme_pen(ROLE_DIM),
			    v->state == MVM_RUNNING || v->state == MVM_PAUSED ? "press %s, type an HMP command (info status)"
									       : "the VM is not running (%s when it is)",
			    b ? b->keyname : "m");
	}
	/* Long lines (block device paths) wrap; scrolling counts whole lines. */
	int cw = in.w - 1;
	int maxscroll = nlines > 0 ? (int)nlines - 1 : 0;
	if (ui->mon_scroll > maxscroll)
		ui->mon_scroll = maxscroll;
	if (ui->mon_scroll < 0)
		ui->mon_scroll = 0;
	size_t end = nlines - (size_t)ui->mon_scroll, first = end;
	int rows = 0;
	while (first > 0) {
		int w = grid_strwidth(monitor_line(v->mon, first - 1));
		int need = w > cw ? (w + cw - 1) / cw : 1;
		if (rows + need > out_rows)
			break;
		rows += need;
		first--;
	}
	int y = in.y;
	for (size_t i = first; i < end; i++) {
		const char *l = monitor_line(v->mon, i);
		struct grid_pen pen = theme_pen(strncmp(l, "(qemu)", 6) == 0 ? ROLE_TITLE : ROLE_NORMAL);
		do {
			int n = grid_print(g, in.x + 1, y++, cw, pen, l);
			for (int k = 0; k < n && *l; k++) { /* skip what was shown */
				uint32_t cp;
				if (*l == '\t') { l++; continue; }
				l += grid_utf8_decode(l, &cp);
			}
		} while (*l && y < in.y + out_rows);
	}
	/* The input line. */
	int iy = in.y + in.h - 1;
	struct grid_pen pi = theme_pen(focus ? ROLE_INPUT : ROLE_DIM);
	grid_fill(g, (struct rect){ in.x, iy, in.w, 1 }, ' ', pi);
	int x = in.x + grid_print(g, in.x, iy, in.w, pi, v->mon_busy ? "(qemu) ... " : "(qemu) ");
	if (focus) {
		/* Show the tail of a long line, and a block cursor after it. */
		int room = in.x + in.w - x - 1;
		const char *s = ui->input;
		int wlen = grid_strwidth(s);
		while (wlen > room && *s) {
			uint32_t cp;
			s += grid_utf8_decode(s, &cp);
			wlen--;
		}
		x += grid_print(g, x, iy, room, pi, s);
		struct grid_pen cur = pi;
		cur.attr ^= GRID_REVERSE;
		grid_set(g, x, iy, ' ', cur);
	}
	if (ui->mon_scroll) {
		char s[32];
		snprintf(s, sizeof(s), "%s%d", theme_glyph_str(GL_UP), ui->mon_scroll);
		grid_print(g, in.x + in.w - (int)strlen(s) - 1, in.y, 8, theme_pen(ROLE_WARN), s);
	}
}

/* The input line is a fixed buffer: what does not fit is refused with a
 * message, never dropped silently (a cut command would go to QEMU). */
static void input_set(struct ui *ui, const char *s)
{
	ui->input_cut = false;
	if (strlen(s) >= sizeof(ui->input)) {
		ui_message(ui, true, "monitor: that command is too long to recall: at most %zu bytes",
			   sizeof(ui->input) - 1);
		s = "";
	}
	snprintf(ui->input, sizeof(ui->input), "%s", s);
	ui->input_len = strlen(ui->input);
}

static int monitor_key(struct ui *ui, int key)
{
	struct mvm *v = ui_selected_vm(ui);
	ui->dirty |= D_MONITOR;
	switch (key) {
	case K_ESC:
		ui->focus = PANE_VMS;
		ui->dirty |= D_VMS | D_STATUS;
		return KEY_HANDLED;
	case K_ENTER:
		if (!v || !ui->input_len)
			return KEY_HANDLED;
		if (ui->input_cut) {
			ui_message(ui, true, "monitor: not sent: the command is too long (at most %zu bytes); "
					     "shorten it (Backspace) or Esc", sizeof(ui->input) - 1);
			return KEY_HANDLED;
		}
		if (ui->read_only && strncmp(ui->input, "info", 4) != 0) {
			/* Watching only: allow the read-only "info" family. */
			ui_message(ui, true, "read-only: only 'info ...' monitor commands");
		} else if (ui->monitor_send) {
			/* The relay echoes "(qemu) CMD" and records the history. */
			ui->monitor_send(ui, v, ui->input, ui->monitor_arg);
		}
		ui->input[0] = '\0';
		ui->input_len = 0;
		ui->input_cut = false;
		ui->hist_pos = -1;
		ui->mon_scroll = 0;
		return KEY_HANDLED;
	case K_BACKSPACE:
		ui->input_cut = false; /* edited: the line is what it shows */
		/* Drop one whole UTF-8 sequence. */
		while (ui->input_len > 0) {
			unsigned char c = (unsigned char)ui->input[--ui->input_len];
			if ((c & 0xC0) != 0x80)
				break;
		}
		ui->input[ui->input_len] = '\0';
		return KEY_HANDLED;
	case K_UP:
	case K_DOWN:
		if (!v || !v->mon || !monitor_history_count(v->mon))
			return KEY_HANDLED;
		int nh = (int)monitor_history_count(v->mon);
		if (key == K_UP)
			ui->hist_pos = ui->hist_pos < 0 ? nh - 1 : (ui->hist_pos > 0 ? ui->hist_pos - 1 : 0);
		else if (ui->hist_pos >= 0)
			ui->hist_pos = ui->hist_pos + 1 < nh ? ui->hist_pos + 1 : -1;
		input_set(ui, ui->hist_pos >= 0 ? monitor_history_at(v->mon, (size_t)ui->hist_pos) : "");
		return KEY_HANDLED;
	case K_PGUP:
		ui->mon_scroll += ui->rects[V_MONITOR].h > 4 ? ui->rects[V_MONITOR].h - 4 : 1;
		return KEY_HANDLED;
	case K_PGDN:
		ui->mon_scroll -= ui->rects[V_MONITOR].h > 4 ? ui->rects[V_MONITOR].h - 4 : 1;
		if (ui->mon_scroll < 0)
			ui->mon_scroll = 0;
		return KEY_HANDLED;
	case K_CTRL_L:
		return KEY_UNHANDLED;
	default:
		if (key >= 32 && key < 0x110000 && key != 127) {
			char enc[4];
			size_t n = grid_utf8_encode((uint32_t)key, enc);
			if (ui->input_len + n < sizeof(ui->input)) {
				memcpy(ui->input + ui->input_len, enc, n);
				ui->input_len += n;
				ui->input[ui->input_len] = '\0';
			} else {
				ui->input_cut = true;
				ui_message(ui, true, "monitor: command too long: at most %zu bytes (Enter will not send it cut)",
					   sizeof(ui->input) - 1);
			}
			return KEY_HANDLED;
		}
		return KEY_HANDLED; /* swallow other keys while typing */
	}
}

const struct view_ops view_monitor_ops = { "monitor", D_MONITOR, monitor_draw, monitor_key, NULL };
