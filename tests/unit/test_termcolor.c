/* test_termcolor: the colour-mode rule (VMDECK_COLORS, NO_COLOR, terminfo,
 * COLORTERM + direct siblings), pen -> colour numbers, and the 24-bit theme. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "core/thumb.h"
#include "tui/termcolor.h"
#include "tui/theme.h"

/* A fake terminfo: the entries Debian has with ncurses-term installed. */
static const struct {
	const char *name;
	bool direct;
	int colors;
} db[] = {
	{ "xterm-256color", false, 256 }, { "xterm", false, 8 },          { "xterm-direct", true, 0x1000000 },
	{ "tmux-256color", false, 256 },  { "tmux-direct", true, 0x1000000 }, { "screen", false, 8 },
	{ "screen-256color", false, 256 }, { "vt100", false, 0 },          { "linux", false, 8 },
	{ "xterm-kitty", false, 256 }, /* as ncurses 6.4 has it: no RGB flag */
	{ "alacritty-direct", true, 0x1000000 }, { "alacritty", false, 256 },
};

static int probe(const char *name, struct termcolor_caps *caps, void *arg)
{
	const char *missing = arg; /* an entry to pretend is not installed */
	if (missing && strcmp(name, missing) == 0)
		return -1;
	for (size_t i = 0; i < sizeof(db) / sizeof(db[0]); i++)
		if (strcmp(db[i].name, name) == 0) {
			caps->direct = db[i].direct;
			caps->colors = db[i].colors;
			return 0;
		}
	return -1;
}

struct want {
	const char *term, *vmdeck_colors, *no_color, *colorterm, *missing;
	int rc;
	enum theme_colors colors;
	const char *terminfo;
	bool direct, notice;
};

static void check(const struct want *w)
{
	struct termcolor_env env = { w->term, w->vmdeck_colors, w->no_color, w->colorterm };
	struct termcolor_choice c;
	char *err = NULL;
	int rc = termcolor_choose(&env, probe, (void *)w->missing, &c, &err);
	if (rc != w->rc)
		fail_msg("TERM=%s VMDECK_COLORS=%s: rc %d, want %d (%s)", w->term, w->vmdeck_colors, rc, w->rc,
			 err ? err : "");
	if (rc < 0) {
		assert_non_null(err);
		free(err);
		return;
	}
	if (c.colors != w->colors || strcmp(c.terminfo, w->terminfo) != 0 || c.direct != w->direct ||
	    (c.notice != NULL) != w->notice)
		fail_msg("TERM=%s VMDECK_COLORS=%s NO_COLOR=%s COLORTERM=%s: got %s via %s direct=%d notice=%s",
			 w->term, w->vmdeck_colors, w->no_color, w->colorterm, termcolor_name(c.colors), c.terminfo,
			 c.direct, c.notice ? c.notice : "-");
	termcolor_clear(&c);
}

static void test_choose(void **state)
{
	(void)state;
	static const struct want table[] = {
		/* automatic */
		{ "xterm-256color", NULL, NULL, NULL, NULL, 0, THEME_256, "xterm-256color", false, false },
		{ "xterm", NULL, NULL, NULL, NULL, 0, THEME_8, "xterm", false, false },
		{ "vt100", NULL, NULL, NULL, NULL, 0, THEME_MONO, "vt100", false, false },
		{ "xterm-direct", NULL, NULL, NULL, NULL, 0, THEME_24BIT, "xterm-direct", true, false },
		{ "xterm-kitty", NULL, NULL, NULL, NULL, 0, THEME_256, "xterm-kitty", false, false },
		{ "xterm-kitty", NULL, NULL, "truecolor", NULL, 0, THEME_24BIT, "xterm-direct", true, false },
		{ "alacritty", NULL, NULL, "truecolor", NULL, 0, THEME_24BIT, "alacritty-direct", true, false },
		{ "tmux-direct", NULL, "1", NULL, NULL, 0, THEME_MONO, "tmux-direct", true, false },
		{ "xterm-256color", NULL, "", NULL, NULL, 0, THEME_256, "xterm-256color", false, false },
		/* COLORTERM: the direct sibling */
		{ "xterm-256color", NULL, NULL, "truecolor", NULL, 0, THEME_24BIT, "xterm-direct", true, false },
		{ "tmux-256color", NULL, NULL, "24bit", NULL, 0, THEME_24BIT, "tmux-direct", true, false },
		{ "xterm", NULL, NULL, "truecolor", NULL, 0, THEME_24BIT, "xterm-direct", true, false },
		{ "xterm-256color", NULL, NULL, "yes", NULL, 0, THEME_256, "xterm-256color", false, false },
		{ "screen-256color", NULL, NULL, "truecolor", NULL, 0, THEME_256, "screen-256color", false, false },
		/* ncurses-term not installed: stay at 256, quietly */
		{ "xterm-256color", NULL, NULL, "truecolor", "xterm-direct", 0, THEME_256, "xterm-256color", false,
		  false },
		{ "xterm-256color", NULL, "1", "truecolor", NULL, 0, THEME_MONO, "xterm-256color", false, false },
		/* forced */
		{ "xterm-256color", "24bit", NULL, NULL, NULL, 0, THEME_24BIT, "xterm-direct", true, false },
		{ "xterm-256color", "24bit", "1", NULL, NULL, 0, THEME_24BIT, "xterm-direct", true, false },
		{ "xterm-256color", "truecolor", NULL, NULL, NULL, -1, THEME_MONO, NULL, false, false },
		{ "screen-256color", "24bit", NULL, NULL, NULL, 0, THEME_256, "screen-256color", false, true },
		{ "xterm-256color", "24bit", NULL, NULL, "xterm-direct", 0, THEME_256, "xterm-256color", false, true },
		{ "tmux-direct", "256", NULL, NULL, NULL, 0, THEME_256, "tmux-256color", false, false },
		{ "tmux-direct", "256", NULL, NULL, "tmux-256color", 0, THEME_256, "tmux-direct", true, false },
		{ "xterm-256color", "256", NULL, "truecolor", NULL, 0, THEME_256, "xterm-256color", false, false },
		{ "xterm-256color", "8", NULL, NULL, NULL, 0, THEME_8, "xterm-256color", false, false },
		{ "xterm-direct", "8", NULL, NULL, NULL, 0, THEME_8, "xterm-256color", false, false },
		{ "linux", "256", NULL, NULL, NULL, 0, THEME_8, "linux", false, true },
		{ "vt100", "8", NULL, NULL, NULL, 0, THEME_MONO, "vt100", false, true },
		{ "xterm-direct", "mono", NULL, NULL, NULL, 0, THEME_MONO, "xterm-direct", true, false },
		{ "xterm-256color", "", NULL, NULL, NULL, 0, THEME_256, "xterm-256color", false, false },
		/* errors */
		{ "xterm-256color", "16m", NULL, NULL, NULL, -1, THEME_MONO, NULL, false, false },
		{ "nosuchterm", NULL, NULL, NULL, NULL, -1, THEME_MONO, NULL, false, false },
		{ NULL, NULL, NULL, NULL, NULL, -1, THEME_MONO, NULL, false, false },
	};
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		check(&table[i]);
}

static void test_error_names_the_variable(void **state)
{
	(void)state;
	struct termcolor_env env = { "xterm-256color", "true-color", NULL, NULL };
	struct termcolor_choice c;
	char *err = NULL;
	assert_int_equal(termcolor_choose(&env, probe, NULL, &c, &err), -1);
	assert_non_null(strstr(err, "VMDECK_COLORS"));
	assert_non_null(strstr(err, "true-color"));
	assert_non_null(strstr(err, "24bit, 256, 8, mono"));
	free(err);
	/* The notice says what was tried and what to install. */
	env = (struct termcolor_env){ "screen-256color", "24bit", NULL, NULL };
	assert_int_equal(termcolor_choose(&env, probe, NULL, &c, &err), 0);
	assert_non_null(strstr(c.notice, "screen-direct"));
	assert_non_null(strstr(c.notice, "ncurses-term"));
	termcolor_clear(&c);
	termcolor_clear(NULL);
}

static void test_candidates(void **state)
{
	(void)state;
	struct strv v;
	strv_init(&v);
	termcolor_direct_candidates("xterm-256color", &v);
	assert_int_equal(v.n, 1);
	assert_string_equal(v.v[0], "xterm-direct");
	strv_clear(&v);
	termcolor_direct_candidates("xterm-kitty", &v);
	assert_int_equal(v.n, 2);
	assert_string_equal(v.v[0], "xterm-kitty-direct");
	assert_string_equal(v.v[1], "xterm-direct");
	strv_clear(&v);
	termcolor_direct_candidates("gnome-256color", &v);
	assert_string_equal(v.v[0], "gnome-direct");
	assert_string_equal(v.v[1], "vte-direct");
	strv_clear(&v);
	termcolor_direct_candidates("", &v);
	assert_int_equal(v.n, 0);
	strv_clear(&v);
}

static void test_parse(void **state)
{
	(void)state;
	enum theme_colors c;
	assert_int_equal(termcolor_parse("24bit", &c), 0);
	assert_int_equal(c, THEME_24BIT);
	assert_int_equal(termcolor_parse("256", &c), 0);
	assert_int_equal(c, THEME_256);
	assert_int_equal(termcolor_parse("8", &c), 0);
	assert_int_equal(c, THEME_8);
	assert_int_equal(termcolor_parse("mono", &c), 0);
	assert_int_equal(c, THEME_MONO);
	assert_int_equal(termcolor_parse("256color", &c), -1);
	assert_int_equal(termcolor_parse("", &c), -1);
	assert_int_equal(termcolor_parse(NULL, &c), -1);
	for (int m = THEME_MONO; m <= THEME_24BIT; m++) {
		assert_int_equal(termcolor_parse(termcolor_name((enum theme_colors)m), &c), 0);
		assert_int_equal(c, m);
	}
}

static void test_numbers(void **state)
{
	(void)state;
	/* Direct entries: RGB as 0xRRGGBB, never below 8 (those are ANSI). */
	assert_int_equal(termcolor_number(-1, THEME_24BIT, true), -1);
	assert_int_equal(termcolor_number(GRID_RGB_OF(0x12, 0x34, 0x56), THEME_24BIT, true), 0x123456);
	assert_int_equal(termcolor_number(GRID_RGB_OF(0, 0, 0), THEME_24BIT, true), 8);
	assert_int_equal(termcolor_number(GRID_RGB_OF(0, 0, 7), THEME_24BIT, true), 8);
	assert_int_equal(termcolor_number(GRID_RGB_OF(0, 0, 8), THEME_24BIT, true), 8);
	assert_int_equal(termcolor_number(GRID_RGB_OF(255, 255, 255), THEME_24BIT, true), 0xffffff);
	assert_int_equal(termcolor_number(3, THEME_24BIT, true), 3);
	/* A palette number on a direct entry: its xterm RGB (196 = #ff0000). */
	assert_int_equal(termcolor_number(196, THEME_256, true), 0xff0000);
	assert_int_equal(termcolor_number(16, THEME_256, true), 8); /* #000000 */
	/* Palette entries: numbers pass, RGB becomes the nearest palette colour. */
	assert_int_equal(termcolor_number(196, THEME_256, false), 196);
	assert_int_equal(termcolor_number(GRID_RGB_OF(255, 0, 0), THEME_256, false), 196);
	assert_int_equal(termcolor_number(GRID_RGB_OF(255, 0, 0), THEME_8, false), 1);
	assert_int_equal(termcolor_number(196, THEME_8, false), 1);
	assert_int_equal(termcolor_number(4, THEME_8, false), 4);
}

static void test_theme_24bit(void **state)
{
	(void)state;
	/* 24-bit keeps the 256-colour look: same RGB as the 256 palette
	 * entries; the default and ANSI colours stay palette numbers. */
	for (int r = 0; r < ROLE__N; r++) {
		theme_init(true, THEME_256);
		struct grid_pen p256 = theme_pen((enum role)r);
		theme_init(true, THEME_24BIT);
		struct grid_pen p24 = theme_pen((enum role)r);
		assert_int_equal(p24.attr, p256.attr);
		assert_int_equal(p24.role, p256.role);
		int32_t c256[2] = { p256.fg, p256.bg }, c24[2] = { p24.fg, p24.bg };
		for (int i = 0; i < 2; i++) {
			if (c256[i] < 8) {
				assert_int_equal(c24[i], c256[i]);
				continue;
			}
			uint8_t rgb[3];
			thumb_256_to_rgb((uint8_t)c256[i], rgb);
			assert_int_equal(c24[i], GRID_RGB_OF(rgb[0], rgb[1], rgb[2]));
			assert_true(c24[i] & GRID_RGB);
			/* ...and a 256-colour terminal would draw the same number. */
			assert_int_equal(termcolor_number(c24[i], THEME_256, false), c256[i] == 16 ? 16 : c256[i]);
		}
	}
	theme_init(true, THEME_24BIT);
	assert_int_equal(theme_pen(ROLE_NORMAL).fg, -1);
	assert_true(theme_pen(ROLE_SELECTED).bg & GRID_RGB); /* 25 = #005faf */
	assert_int_equal(theme_pen(ROLE_SELECTED).bg, GRID_RGB_OF(0x00, 0x5f, 0xaf));
	assert_int_equal(theme_pen(ROLE_TITLE_FOCUS).fg, 0); /* ANSI black stays */
	assert_int_equal(theme_rgb_of(-1), -1);
	assert_int_equal(theme_rgb_of(7), 7);
	theme_init(false, THEME_MONO);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_choose),       cmocka_unit_test(test_error_names_the_variable),
		cmocka_unit_test(test_candidates),   cmocka_unit_test(test_parse),
		cmocka_unit_test(test_numbers),      cmocka_unit_test(test_theme_24bit),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
