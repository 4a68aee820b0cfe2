/* view_storage: the storage view (D) in the details pane — the selected
 * VM's disks (format, sizes, backing) and snapshots (date, VM-state size
 * or disk only) as rows, the selected one highlighted, and what a running
 * storage job last said. The rows come from tui/src_storage.c. */
#include "tui/theme.h"
#include "tui/ui.h"
#include "core/util.h"

#include <stdio.h>
#include <stdlib.h>

void view_storage_draw(struct ui *ui, struct grid *g, struct rect r)
{
	struct ui_storage *st = &ui->storage;
	char *title = xasprintf("storage: %s", st->vm ? st->vm : "?");
	ui_box(g, r, title, ui->focus == PANE_VMS);
	free(title);
	struct rect in = ui_inner(r);
	if (in.w < 4 || in.h < 1)
		return;
	int y = in.y, bottom = in.y + in.h - (st->busy ? 1 : 0);
	if (st->error)
		y += grid_print_wrap(g, in.x, y, in.w, bottom - y, theme_pen(ROLE_ERROR), st->error);
	else if (!st->n)
		y += grid_print(g, in.x, y, in.w, theme_pen(ROLE_DIM), st->busy ? "" : "reading …") > 0;
	int rows = bottom - y;
	if (rows > 0) {
		if (st->sel < st->top)
			st->top = st->sel;
		if (st->sel >= st->top + (size_t)rows)
			st->top = st->sel - (size_t)rows + 1;
	}
	for (size_t i = st->top; i < st->n && y < bottom; i++, y++) {
		const struct ui_storage_row *row = &st->rows[i];
		enum role role = i == st->sel ? ROLE_SELECTED : row->head ? ROLE_NORMAL : ROLE_DIM;
		if (row->tag && i != st->sel)
			role = ROLE_NORMAL;
		struct rect line = { in.x, y, in.w, 1 };
		grid_fill(g, line, ' ', theme_pen(role));
		grid_print(g, in.x, y, in.w, theme_pen(role), row->text);
	}
	if (st->busy)
		grid_print(g, in.x, in.y + in.h - 1, in.w, theme_pen(ROLE_WARN), st->busy);
}
