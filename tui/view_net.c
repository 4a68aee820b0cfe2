/* view_net: bridges with their MAC (pinned or AT RISK), how often it changed
 * and the last change with its cause, their ports underneath with MAC, state
 * and live rates; or, toggled, the history of every bridge MAC change. */
#include "tui/theme.h"
#include "tui/ui.h"
#include "core/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Rows a bridge takes: its line, the last-change line, the prediction, its ports. */
static int port_namew(const struct mbridge *b)
{
	int namew = 4;
	for (size_t j = 0; j < b->n_ports; j++)
		if ((int)strlen(b->ports[j].name) > namew)
			namew = (int)strlen(b->ports[j].name);
	return namew;
}

/* Does a port fit on one line (branch, name, MAC, state, "rx 999K tx 999K")?
 * Else its rates go on a second line. */
static bool ports_wide(const struct mbridge *b, int w)
{
	return 3 + port_namew(b) + 1 + 18 + 9 + 16 <= w;
}

/* The last-change line and the prediction wrap (they end in the MACs that
 * matter) onto at most this many rows each. */
#define TEXT_ROWS 3

static char *change_line(const struct mbridge *b)
{
	return xasprintf("%u MAC change%s%s%s", b->n_changes, b->n_changes == 1 ? "" : "s", b->last_change ? ", " : "",
			 b->last_change ? b->last_change : "");
}

static int bridge_rows(const struct mbridge *b, int w)
{
	char *ch = change_line(b);
	int rows = 1 + grid_print_wrap(NULL, 0, 0, w - 3, TEXT_ROWS, (struct grid_pen){ 0 }, ch) +
		   grid_print_wrap(NULL, 0, 0, w - 3, TEXT_ROWS, (struct grid_pen){ 0 }, b->prediction) +
		   (int)b->n_ports * (ports_wide(b, w) ? 1 : 2);
	free(ch);
	return rows;
}

/* The rx and tx sparklines right of the rates, each as wide as half the room
 * left (at most SPARK_MAX). Where they start depends only on the pane's
 * width and the VM's name, never on the rates: a changing rate never moves
 * them, and an unchanged line draws no new cell. */
static void port_sparks(struct grid *g, int x, int y, int right, const struct mport *p)
{
	/* "rx 99.9M tx 99.9M" (model_rate: 5 columns at most), "  VM name", 2 apart. */
	int start = x + 17 + (p->vm[0] ? 5 + grid_strwidth(p->vm) : 0) + 2;
	int sw = (right - start - 1) / 2;
	if (sw < 4)
		return;
	if (sw > SPARK_MAX)
		sw = SPARK_MAX;
	spark_draw(g, start, y, sw, 0, theme_pen(ROLE_OK), &p->rx_hist);
	spark_draw(g, start + sw + 1, y, sw, 0, theme_pen(ROLE_WARN), &p->tx_hist);
}

static void net_draw_bridges(struct ui *ui, struct grid *g, struct rect in)
{
	if (ui->m.net_degraded) {
		grid_print(g, in.x + 1, in.y, in.w - 1, theme_pen(ROLE_BAD), ui->m.net_degraded);
		in.y++;
		in.h--;
	}
	if (!ui->m.n_bridges) {
		if (in.h > 0)
			grid_print(g, in.x + 1, in.y, in.w - 1, theme_pen(ROLE_DIM), "no bridges in this network namespace");
		return;
	}
	/* Scroll so the selected bridge's block starts on screen. */
	if (ui->net_top > ui->net_sel)
		ui->net_top = ui->net_sel;
	for (;;) {
		int rows = 0;
		for (size_t i = ui->net_top; i <= ui->net_sel && i < ui->m.n_bridges; i++)
			rows += bridge_rows(&ui->m.bridges[i], in.w);
		int sel_rows = bridge_rows(&ui->m.bridges[ui->net_sel], in.w);
		if (rows - sel_rows + 1 <= in.h || ui->net_top == ui->net_sel)
			break;
		ui->net_top++;
	}
	int y = in.y, end = in.y + in.h;
	for (size_t i = ui->net_top; i < ui->m.n_bridges && y < end; i++) {
		const struct mbridge *b = &ui->m.bridges[i];
		bool sel = i == ui->net_sel;
		bool flash = b->changed_mono_us && ui->now_us - b->changed_mono_us < UI_FLASH_US;
		enum role base = sel && ui->focus == PANE_NET ? ROLE_SELECTED
				 : flash			     ? ROLE_FLASH
				 : sel				     ? ROLE_SELECTED_DIM
								     : ROLE_NORMAL;
		struct grid_pen pb = theme_pen(base);
		char mac[18];
		mac_format(b->mac, mac);
		grid_fill(g, (struct rect){ in.x, y, in.w, 1 }, ' ', pb);
		int x = in.x + 1;
		x += grid_print(g, x, y, in.w - 1, pb, b->name) + 1;
		x += grid_print(g, x, y, in.x + in.w - x, pb, b->present ? mac : "(missing)") + 1;
		const char *pin = !b->present ? "GONE" : b->pinned ? "pinned" : b->at_risk ? "AT RISK" : "unpinned";
		enum role pr = !b->present || b->at_risk ? ROLE_BAD : b->pinned ? ROLE_OK : ROLE_WARN;
		grid_print(g, x, y, in.x + in.w - x, base != ROLE_NORMAL ? pb : theme_pen(pr), pin);
		y++;
		if (y < end) {
			char *ch = change_line(b);
			y += grid_print_wrap(g, in.x + 3, y, in.w - 3, end - y < TEXT_ROWS ? end - y : TEXT_ROWS,
					     theme_pen(flash ? ROLE_FLASH : ROLE_DIM), ch);
			free(ch);
		}
		if (b->prediction && y < end)
			y += grid_print_wrap(g, in.x + 3, y, in.w - 3, end - y < TEXT_ROWS ? end - y : TEXT_ROWS,
					     theme_pen(ROLE_WARN), b->prediction);
		int namew = port_namew(b);
		bool wide = ports_wide(b, in.w);
		for (size_t j = 0; j < b->n_ports && y < end; j++) {
			const struct mport *p = &b->ports[j];
			struct grid_pen pn = theme_pen(ROLE_NORMAL);
			x = in.x + 1;
			grid_set(g, x, y, theme_glyph(j + 1 == b->n_ports ? GL_LAST : GL_BRANCH), theme_pen(ROLE_BORDER));
			x += 2;
			grid_print(g, x, y, namew < in.x + in.w - x ? namew : in.x + in.w - x, pn, p->name);
			x += namew + 1;
			mac_format(p->mac, mac);
			if (x < in.x + in.w)
				x += grid_print(g, x, y, in.x + in.w - x, pn, mac) + 1;
			int room = in.x + in.w - x;
			grid_print(g, x, y, room < 8 ? room : 8, theme_pen(strcmp(p->state, "up") == 0 ? ROLE_OK : ROLE_WARN),
				   p->state);
			x += 9;
			char rx[16], tx[16], rates[80];
			snprintf(rates, sizeof(rates), "rx %s tx %s%s%s", model_rate(p->rx_bps, rx, sizeof(rx)),
				 model_rate(p->tx_bps, tx, sizeof(tx)), p->vm[0] ? "  VM " : "", p->vm);
			if (!wide) {
				if (++y >= end)
					break;
				grid_set(g, in.x + 1, y, j + 1 == b->n_ports ? ' ' : theme_glyph(GL_VLINE), theme_pen(ROLE_BORDER));
				x = in.x + 5;
			}
			grid_print(g, x, y, in.x + in.w - x, theme_pen(ROLE_DIM), rates);
			port_sparks(g, x, y, in.x + in.w, p);
			y++;
		}
	}
}

static void fmt_time(int64_t wall_us, char *buf, size_t n)
{
	time_t t = (time_t)(wall_us / 1000000);
	struct tm tm;
	localtime_r(&t, &tm);
	strftime(buf, n, "%H:%M:%S", &tm);
}

static void net_draw_history(struct ui *ui, struct grid *g, struct rect in)
{
	if (!ui->m.n_history) {
		grid_print(g, in.x + 1, in.y, in.w - 1, theme_pen(ROLE_DIM), "no bridge MAC changes seen yet");
		return;
	}
	/* Newest first; hist_top scrolls. */
	if (ui->hist_top >= ui->m.n_history)
		ui->hist_top = ui->m.n_history - 1;
	int y = in.y;
	for (size_t k = ui->hist_top; k < ui->m.n_history && y < in.y + in.h; k++) {
		const struct mmac_event *e = &ui->m.history[ui->m.n_history - 1 - k];
		char t[16], o[18], n[18];
		fmt_time(e->wall_us, t, sizeof(t));
		mac_format(e->old_mac, o);
		mac_format(e->new_mac, n);
		struct grid_pen pen = theme_pen(k == 0 ? ROLE_WARN : ROLE_NORMAL);
		if (in.w >= 70) {
			char *s = xasprintf("%s %s %s %s %s  %s", t, e->bridge, o, theme_glyph_str(GL_ARROW), n,
					    e->cause ? e->cause : "");
			grid_print(g, in.x + 1, y++, in.w - 1, pen, s);
			free(s);
		} else { /* narrow: the MACs on a line of their own */
			char *s = xasprintf("%s %s %s", t, e->bridge, e->cause ? e->cause : "");
			grid_print(g, in.x + 1, y++, in.w - 1, pen, s);
			free(s);
			if (y >= in.y + in.h)
				break;
			s = xasprintf("%s %s %s", o, theme_glyph_str(GL_ARROW), n);
			grid_print(g, in.x + 1, y++, in.w - 1, pen, s);
			free(s);
		}
	}
}

static void net_draw(struct ui *ui, struct grid *g, struct rect r)
{
	char title[64];
	if (ui->history)
		snprintf(title, sizeof(title), "bridge MAC history (%zu)", ui->m.n_history);
	else
		snprintf(title, sizeof(title), "network");
	ui_box(g, r, title, ui->focus == PANE_NET);
	struct rect in = ui_inner(r);
	if (in.w < 4 || in.h < 1)
		return;
	if (ui->history)
		net_draw_history(ui, g, in);
	else
		net_draw_bridges(ui, g, in);
}

/* The same walk as net_draw_bridges, from the top it last scrolled to, so a
 * click lands on the bridge whose block the user sees there. */
long view_net_bridge_at(const struct ui *ui, int y)
{
	struct rect in = ui_inner(ui->rects[V_NET]);
	if (ui->history || !ui->visible[V_NET] || in.w < 4 || y < in.y || y >= in.y + in.h)
		return -1;
	int top = in.y + (ui->m.net_degraded ? 1 : 0);
	for (size_t i = ui->net_top; i < ui->m.n_bridges && top <= y; i++) {
		int rows = bridge_rows(&ui->m.bridges[i], in.w);
		if (y < top + rows)
			return (long)i;
		top += rows;
	}
	return -1;
}

const struct view_ops view_net_ops = { "net", D_NET, net_draw, NULL, NULL };
