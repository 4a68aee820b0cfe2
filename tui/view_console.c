/* view_console: the selected VM's serial console as a terminal (libvterm,
 * tui/vtscreen.h). c (or a click) gives it the keyboard: keys go to the
 * guest, Esc Esc leaves, PgUp/PgDn scroll back (tui/conkeys.h). The title
 * says whose console it is and whether this vmdeck's keys reach it. */
#include "tui/theme.h"
#include "tui/ui.h"
#include "tui/vtscreen.h"

#include <stdio.h>
#include <string.h>

static const char *mode_text(const struct ui *ui)
{
	const struct ui_console *c = &ui->con;
	if (ui->focus != PANE_CONSOLE)
		return "";
	if (ui->read_only)
		return " (read-only: watching; Esc Esc leaves)";
	if (c->connected && c->held)
		return " (typing; Esc Esc leaves)";
	return " (keys not sent; Esc Esc leaves)";
}

static void console_draw(struct ui *ui, struct grid *g, struct rect r)
{
	struct mvm *v = ui_selected_vm(ui);
	struct ui_console *c = &ui->con;
	bool focus = ui->focus == PANE_CONSOLE;
	char title[160];
	snprintf(title, sizeof(title), "console%s%s%s", v ? " " : "", v ? v->name : "", mode_text(ui));
	ui_box(g, r, title, focus);
	struct rect in = ui_inner(r);
	if (in.w < 2 || in.h < 1)
		return;
	if (!v) {
		grid_print(g, in.x + 1, in.y, in.w - 1, theme_pen(ROLE_DIM), "no VM selected");
		return;
	}
	if (c->vt)
		vtscreen_draw(c->vt, g, in, c->scroll, focus && c->connected);
	/* Why keys do not reach the guest, or why there is no console, on the
	 * pane's bottom border where it hides no guest output. */
	if (c->note) {
		char n[160];
		snprintf(n, sizeof(n), " %s ", c->note);
		grid_print(g, r.x + 2, r.y + r.h - 1, r.w - 4, theme_pen(ROLE_WARN), n);
	}
	if (c->scroll) {
		char s[32];
		snprintf(s, sizeof(s), " %s%d ", theme_glyph_str(GL_UP), c->scroll);
		int w = (int)strlen(s);
		grid_print(g, r.x + r.w - w - 2, r.y, w, theme_pen(ROLE_WARN), s);
	}
}

static int console_key(struct ui *ui, int key)
{
	if (ui->console_key)
		return ui->console_key(ui, key, ui->console_arg);
	if (key == K_ESC) {
		ui->focus = PANE_VMS;
		ui->dirty |= D_CONSOLE | D_VMS | D_STATUS;
	}
	return KEY_HANDLED;
}

const struct view_ops view_console_ops = { "console", D_CONSOLE, console_draw, console_key, NULL };
