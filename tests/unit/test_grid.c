/* test_grid: the cell grid, the glyph/colour tables and the key table. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "tui/grid.h"
#include "tui/keys.h"
#include "tui/theme.h"

static struct grid_pen P(void) { return (struct grid_pen){ -1, -1, 0, 0 }; }

static void test_print_clips_and_sanitizes(void **state)
{
	(void)state;
	struct grid *g = grid_new(10, 2);
	int n = grid_print(g, 2, 0, 5, P(), "hello world");
	assert_int_equal(n, 5);
	char *row = grid_row_text(g, 0);
	assert_string_equal(row, "  hello");
	free(row);
	/* Control characters (an escape sequence from a guest) never reach a cell. */
	grid_print(g, 0, 1, 10, P(), "a\x1b[31mb\x07");
	row = grid_row_text(g, 1);
	assert_string_equal(row, "a?[31mb?");
	assert_null(strchr(row, 0x1b));
	free(row);
	/* Outside the grid: ignored, not a crash. */
	grid_print(g, 8, 5, 10, P(), "xyz");
	grid_set(g, -1, -1, 'x', P());
	grid_free(g);
}

static void test_print_wrap(void **state)
{
	(void)state;
	struct grid *g = grid_new(12, 4);
	/* Words break at spaces; continuation rows lose their leading blanks. */
	const char *s = "will change br0 from aa:bb to cc:dd";
	assert_int_equal(grid_print_wrap(NULL, 0, 0, 12, 9, P(), s), 4);
	assert_int_equal(grid_print_wrap(g, 0, 0, 12, 9, P(), s), 4);
	const char *want[] = { "will change", "br0 from", "aa:bb to", "cc:dd" };
	for (int y = 0; y < 4; y++) {
		char *row = grid_row_text(g, y);
		assert_string_equal(row, want[y]);
		free(row);
	}
	/* A word longer than a row is cut hard; maxrows caps the rows, the
	 * last one filled as far as it goes. */
	assert_int_equal(grid_print_wrap(NULL, 0, 0, 4, 9, P(), "abcdefghij"), 3);
	assert_int_equal(grid_print_wrap(NULL, 0, 0, 12, 2, P(), s), 2);
	grid_fill(g, (struct rect){ 0, 0, 12, 4 }, ' ', P());
	grid_print_wrap(g, 0, 0, 12, 2, P(), s);
	char *row = grid_row_text(g, 1);
	assert_string_equal(row, "br0 from aa:");
	free(row);
	/* Nothing, blanks, a zero width: no rows. */
	assert_int_equal(grid_print_wrap(NULL, 0, 0, 12, 3, P(), NULL), 0);
	assert_int_equal(grid_print_wrap(NULL, 0, 0, 12, 3, P(), ""), 0);
	assert_int_equal(grid_print_wrap(NULL, 0, 0, 0, 3, P(), "x"), 0);
	assert_int_equal(grid_print_wrap(NULL, 0, 0, 5, 3, P(), "abcde     "), 1);
	grid_free(g);
}

static void test_utf8_decode(void **state)
{
	(void)state;
	uint32_t cp;
	assert_int_equal(grid_utf8_decode("\xe2\x94\x80", &cp), 3);
	assert_int_equal(cp, 0x2500);
	assert_int_equal(grid_utf8_decode("\xc0\xaf", &cp), 2); /* overlong */
	assert_int_equal(cp, 0xFFFD);
	assert_int_equal(grid_utf8_decode("\xff", &cp), 1);
	assert_int_equal(cp, 0xFFFD);
	assert_int_equal(grid_strwidth("a\tb"), 9);
}

static void test_fill_find(void **state)
{
	(void)state;
	struct grid *g = grid_new(20, 3);
	grid_fill(g, (struct rect){ 0, 0, 20, 3 }, '.', P());
	grid_print(g, 3, 1, 20, P(), "needle");
	assert_int_equal(grid_find(g, "needle"), 1);
	assert_int_equal(grid_find(g, "hay"), -1);
	char *all = grid_text(g);
	assert_non_null(strstr(all, "...needle..........."));
	free(all);
	grid_resize(g, 5, 5);
	assert_int_equal(grid_cget(g, 4, 4)->ch, ' ');
	grid_free(g);
	grid_free(NULL);
}

static void test_glyph_tables(void **state)
{
	(void)state;
	theme_init(false, THEME_MONO);
	for (int i = 0; i < GL__N; i++) {
		assert_true(theme_glyph((enum glyph)i) >= 0x20);
		assert_true(theme_glyph((enum glyph)i) < 0x7f); /* LANG=C: 7-bit only */
	}
	theme_init(true, THEME_256);
	assert_int_equal(theme_glyph(GL_HLINE), 0x2500);
	/* Monochrome must still tell selection and trouble apart. */
	theme_init(true, THEME_MONO);
	assert_int_equal(theme_pen(ROLE_SELECTED).fg, -1);
	assert_true(theme_pen(ROLE_SELECTED).attr != 0);
	assert_true(theme_pen(ROLE_BAD).attr != 0);
	assert_true(theme_pen(ROLE_FLASH).attr != theme_pen(ROLE_NORMAL).attr);
	theme_init(true, THEME_8);
	for (int r = 0; r < ROLE__N; r++) {
		assert_true(theme_pen((enum role)r).fg < 8);
		assert_true(theme_pen((enum role)r).bg < 8);
	}
}

static void test_key_table(void **state)
{
	(void)state;
	/* One key, one action: no key appears twice. */
	for (size_t i = 0; i < keys_count; i++)
		for (size_t j = i + 1; j < keys_count; j++) {
			const struct key_binding *a = &keys_table[i], *b = &keys_table[j];
			assert_int_not_equal(a->key, b->key);
			if (a->alt)
				assert_true(a->alt != b->key && a->alt != b->alt);
		}
	/* Every action a user needs has a key. */
	static const enum action must[] = { ACT_START, ACT_STOP, ACT_FORCE, ACT_PAUSE, ACT_RESET, ACT_MODE,
					    ACT_PIN, ACT_MONITOR, ACT_ZOOM, ACT_HISTORY, ACT_RELOAD, ACT_HELP, ACT_QUIT };
	for (size_t i = 0; i < sizeof(must) / sizeof(must[0]); i++)
		assert_non_null(keys_for_action(must[i]));
	assert_int_equal(keys_lookup('i')->action, ACT_MODE);
	assert_int_equal(keys_lookup('j')->action, ACT_DOWN);
	assert_int_equal(keys_lookup(K_F1)->action, ACT_HELP);
	/* Confirmation only where something can be lost. */
	assert_true(keys_for_action(ACT_FORCE)->confirm);
	assert_true(keys_for_action(ACT_RESET)->confirm);
	assert_false(keys_for_action(ACT_START)->confirm);
	assert_false(keys_for_action(ACT_PIN)->confirm);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_print_clips_and_sanitizes), cmocka_unit_test(test_print_wrap),
		cmocka_unit_test(test_utf8_decode),
		cmocka_unit_test(test_fill_find), cmocka_unit_test(test_glyph_tables),
		cmocka_unit_test(test_key_table),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
