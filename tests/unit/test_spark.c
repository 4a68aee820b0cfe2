/* Sparklines: the sample ring, the glyphs (UTF-8 blocks and the ASCII ramp,
 * scaling, right alignment), the same samples giving the same cells, what
 * the network pane and the VM list draw from a model filled by hand, and
 * the CPU % arithmetic. */
#include "tui/spark.h"
#include "tui/theme.h"
#include "tui/ui.h"
#include "tui/vmuse.h"
#include "core/util.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

static char *cells_text(const uint32_t *c, int w)
{
	struct strbuf b = { 0 };
	for (int i = 0; i < w; i++) {
		char u[5] = { 0 };
		grid_utf8_encode(c[i], u);
		strbuf_adds(&b, u);
	}
	return b.s;
}

static void test_ring(void **state)
{
	(void)state;
	struct spark s = { 0 };
	for (int i = 0; i < 100; i++)
		spark_push(&s, (float)i);
	assert_int_equal(s.n, SPARK_MAX);
	assert_true(spark_at(&s, 0) == 40.0f); /* the oldest of the last 60 */
	assert_true(spark_at(&s, SPARK_MAX - 1) == 99.0f);
	spark_push(&s, -5); /* no negative traffic */
	assert_true(spark_at(&s, SPARK_MAX - 1) == 0.0f);
}

static void test_cells(void **state)
{
	(void)state;
	struct spark s = { 0 };
	uint32_t c[12];
	spark_cells(&s, 4, 0, true, c);
	char *t = cells_text(c, 4);
	assert_string_equal(t, "    "); /* nothing yet: blank */
	free(t);
	const float v[] = { 0, 1, 2, 4, 8 };
	for (size_t i = 0; i < ARRAY_LEN(v); i++)
		spark_push(&s, v[i]);
	spark_cells(&s, 8, 0, true, c);
	t = cells_text(c, 8);
	assert_string_equal(t, "    ▁▂▄█"); /* right-aligned; 0 blank; scaled to 8 */
	free(t);
	spark_cells(&s, 8, 0, false, c);
	t = cells_text(c, 8);
	assert_string_equal(t, "    _.:#");
	free(t);
	/* narrower than the samples: the newest, scaled to those shown */
	spark_cells(&s, 2, 0, true, c);
	t = cells_text(c, 2);
	assert_string_equal(t, "▄█");
	free(t);
	/* a fixed scale (CPU: 100 %): 8 of 100 is the lowest step */
	spark_cells(&s, 1, 100, true, c);
	t = cells_text(c, 1);
	assert_string_equal(t, "▁");
	free(t);
	/* a constant rate: full blocks, and the same cells after a push */
	struct spark k = { 0 };
	for (int i = 0; i < 70; i++)
		spark_push(&k, 5);
	uint32_t a[10], b2[10];
	spark_cells(&k, 10, 0, true, a);
	spark_push(&k, 5);
	spark_cells(&k, 10, 0, true, b2);
	assert_memory_equal(a, b2, sizeof(a));
	t = cells_text(a, 3);
	assert_string_equal(t, "███");
	free(t);
}

static struct ui *ui_with_port(int w, int h)
{
	struct ui *ui = xcalloc(1, sizeof(*ui));
	ui_init(ui);
	struct mbridge *b = xcalloc(1, sizeof(*b));
	snprintf(b->name, sizeof(b->name), "br0");
	b->present = true;
	b->ports = xcalloc(1, sizeof(*b->ports));
	b->n_ports = 1;
	struct mport *p = &b->ports[0];
	snprintf(p->name, sizeof(p->name), "p0");
	snprintf(p->state, sizeof(p->state), "up");
	for (int i = 1; i <= 8; i++) {
		spark_push(&p->rx_hist, (float)i);
		spark_push(&p->tx_hist, (float)(9 - i));
	}
	ui->m.bridges = b;
	ui->m.n_bridges = 1;
	ui->focus = PANE_NET;
	ui_layout(ui, w, h);
	return ui;
}

static void test_net_pane(void **state)
{
	(void)state;
	theme_init(true, THEME_256);
	struct ui *ui = ui_with_port(160, 40);
	struct grid *g = grid_new(160, 40);
	ui_render(ui, g, true);
	int y = grid_find(g, "p0 ");
	assert_true(y >= 0);
	char *row = grid_row_text(g, y);
	/* rx rising, then a space, then tx (blank where no sample yet) falling:
	 * the newest on the right of each */
	const char *rx = strstr(row, "▁▂▃▄▅▆▇█ "), *tx = strstr(row, "█▇▆▅▄▃▂▁");
	if (!rx || !tx || tx <= rx)
		fail_msg("no rx/tx sparklines in: %s", row);
	free(row);
	/* A redraw with the same samples changes no cell. */
	struct grid *g2 = grid_new(160, 40);
	ui->dirty = D_ALL;
	ui_render(ui, g2, true);
	for (int yy = 0; yy < 40; yy++)
		for (int x = 0; x < 160; x++)
			assert_true(grid_cell_eq(grid_cget(g, x, yy), grid_cget(g2, x, yy)));
	grid_free(g2);
	grid_free(g);
	ui_free(ui);
	free(ui);
	theme_init(false, THEME_256);
	ui = ui_with_port(160, 40);
	g = grid_new(160, 40);
	ui_render(ui, g, true);
	row = grid_row_text(g, grid_find(g, "p0 "));
	const char *arx = strstr(row, "_.-:=+*# "), *atx = strstr(row, "#*+=:-._");
	if (!arx || !atx || atx <= arx)
		fail_msg("no ASCII sparklines in: %s", row);
	free(row);
	grid_free(g);
	ui_free(ui);
	free(ui);
}

static void test_cpu_pct(void **state)
{
	(void)state;
	assert_true(vmuse_cpu_pct(100, 150, 1000000, 100) == 50.0);
	assert_true(vmuse_cpu_pct(100, 300, 1000000, 100) == 200.0); /* two busy threads */
	assert_true(vmuse_cpu_pct(100, 90, 1000000, 100) == 0.0);    /* never backwards */
	assert_true(vmuse_cpu_pct(100, 150, 0, 100) == 0.0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ring), cmocka_unit_test(test_cells), cmocka_unit_test(test_net_pane),
		cmocka_unit_test(test_cpu_pct),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
