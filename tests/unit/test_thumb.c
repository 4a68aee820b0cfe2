/* test_thumb: the pure pixel module — area averaging, palettes, incremental
 * updates equal to full recomputes, dirty tracking, and golden renderings of
 * synthetic frames (tests/golden/thumb; VMDECK_UPDATE_GOLDEN=1 rewrites). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/thumb.h"
#include "core/util.h"
#include "test_thumb_frames.h"

static const uint8_t black[3] = { 0, 0, 0 }, white[3] = { 255, 255, 255 };
static const uint8_t grey[3] = { 170, 170, 170 }, blue[3] = { 0, 0, 170 };

static struct thumb_frame tf(const struct tframe *f)
{
	return (struct thumb_frame){ f->px, f->w, f->h, f->stride };
}

static void test_names(void **state)
{
	(void)state;
	enum thumb_color c;
	enum thumb_glyph g;
	assert_int_equal(thumb_color_parse("256", &c), 0);
	assert_int_equal(c, THUMB_COLOR_256);
	assert_int_equal(thumb_color_parse("24bit", &c), 0);
	assert_int_equal(c, THUMB_COLOR_24BIT);
	assert_int_equal(thumb_color_parse("mono", &c), 0);
	assert_int_equal(thumb_color_parse("16", &c), -1);
	assert_string_equal(thumb_color_name(THUMB_COLOR_8), "8");
	assert_int_equal(thumb_glyph_parse("quad", &g), 0);
	assert_int_equal(g, THUMB_GLYPH_QUAD);
	assert_string_equal(thumb_glyph_name(THUMB_GLYPH_ASCII), "ascii");
}

/* 1-pixel black/white stripes halved: area averaging gives the grey of half
 * the light everywhere (sRGB 188: averaging is done in linear light);
 * nearest pixel would give solid black or white. */
static void test_area_average_stripes(void **state)
{
	(void)state;
	struct tframe f = tframe_new(200, 100);
	tframe_vstripes(&f, 1, black, white);
	struct thumb_opts o = { .color = THUMB_COLOR_24BIT };
	struct thumb *t = thumb_new(100, 50, &o);
	struct thumb_frame fr = tf(&f);
	thumb_update_full(t, &fr);
	for (int r = 0; r < 50; r++)
		for (int c = 0; c < 100; c++) {
			const struct thumb_cell *cell = thumb_cell(t, c, r);
			assert_in_range(cell->bg[0], 187, 188); /* 50% light: sRGB 188 */
			assert_in_range(cell->bg[1], 187, 188);
			assert_int_equal(cell->ch, ' '); /* fg == bg: drawn as a space */
		}
	tframe_hstripes(&f, 1, black, white); /* rows 0,2,4 black: 200x100 -> 100 pixel rows, 1:1 */
	thumb_update_full(t, &fr);
	const struct thumb_cell *cell = thumb_cell(t, 3, 7);
	assert_int_equal(cell->ch, 0x2580);
	assert_int_equal(cell->fg[0], 0);
	assert_int_equal(cell->bg[0], 255);
	thumb_free(t);
	free(f.px);
}

/* 3 source pixels into 2 targets: target 0 = (2*p0 + p1) / 3 in linear
 * light: a third of white is sRGB 156. */
static void test_fractional_weights(void **state)
{
	(void)state;
	struct tframe f = tframe_new(3, 2);
	tframe_fill(&f, 1, 0, 1, 2, 255, 255, 255);
	struct thumb_opts o = { .color = THUMB_COLOR_24BIT };
	struct thumb *t = thumb_new(2, 1, &o);
	struct thumb_frame fr = tf(&f);
	thumb_update_full(t, &fr);
	assert_int_equal(thumb_cell(t, 0, 0)->bg[0], 156);
	assert_int_equal(thumb_cell(t, 1, 0)->bg[0], 156);
	/* Upscaling (source smaller than the grid) repeats pixels. */
	thumb_resize(t, 6, 2);
	thumb_update_full(t, &fr);
	assert_int_equal(thumb_cell(t, 0, 0)->fg[0], 0);
	assert_int_equal(thumb_cell(t, 2, 0)->fg[0], 255);
	assert_int_equal(thumb_cell(t, 3, 1)->bg[0], 255);
	assert_int_equal(thumb_cell(t, 5, 1)->bg[0], 0);
	thumb_free(t);
	free(f.px);
}

static void test_palettes(void **state)
{
	(void)state;
	for (int i = 16; i < 256; i++) {
		uint8_t rgb[3];
		thumb_256_to_rgb((uint8_t)i, rgb);
		uint8_t back = thumb_rgb_to_256(rgb);
		uint8_t rgb2[3];
		thumb_256_to_rgb(back, rgb2);
		/* Exact colours map to themselves (grey 16/231 and the grey ramp
		 * both hold pure black/white; either is exact). */
		assert_memory_equal(rgb, rgb2, 3);
	}
	const uint8_t red[3] = { 250, 10, 10 }, mid[3] = { 128, 128, 128 };
	assert_int_equal(thumb_rgb_to_256(red), 196);
	assert_int_equal(thumb_rgb_to_256(mid), 244);
	assert_int_equal(thumb_rgb_to_8(red), 1);
	assert_int_equal(thumb_rgb_to_8(white), 7);
	assert_int_equal(thumb_rgb_to_8(black), 0);
	assert_int_equal(thumb_rgb_to_8(blue), 4);
	/* Greys go to black or white, never a tint. */
	const uint8_t dim[3] = { 100, 100, 100 }, dark[3] = { 50, 50, 50 };
	assert_int_equal(thumb_rgb_to_8(dim), 7);
	assert_int_equal(thumb_rgb_to_8(dark), 0);
}

static bool cells_equal(const struct thumb *a, const struct thumb *b)
{
	for (int r = 0; r < thumb_rows(a); r++)
		for (int c = 0; c < thumb_cols(a); c++)
			if (memcmp(thumb_cell(a, c, r), thumb_cell(b, c, r), sizeof(struct thumb_cell)))
				return false;
	return true;
}

/* Incremental updates after random changes must equal a full recompute, in
 * every mode, and mark at least every cell that changed. */
static void test_incremental_equals_full(void **state)
{
	(void)state;
	uint32_t seed = 12345;
	for (int color = 0; color <= THUMB_COLOR_MONO; color++)
		for (int glyph = 0; glyph <= THUMB_GLYPH_ASCII; glyph++)
			for (int aspect = 0; aspect < 2; aspect++) {
				struct thumb_opts o = { (enum thumb_color)color, (enum thumb_glyph)glyph, aspect };
				struct tframe f = tframe_new(333, 177);
				tframe_gradient(&f);
				struct thumb_frame fr = tf(&f);
				struct thumb *inc = thumb_new(41, 13, &o);
				thumb_update_full(inc, &fr);
				for (int k = 0; k < 30; k++) {
					int x = (int)(tframe_rand(&seed) % 340) - 3, y = (int)(tframe_rand(&seed) % 180) - 3;
					int w = (int)(tframe_rand(&seed) % 70) + 1, h = (int)(tframe_rand(&seed) % 40) + 1;
					uint8_t c = (uint8_t)tframe_rand(&seed);
					/* Negative origins: the fill is clipped, the update
					 * rectangle is clipped by thumb_update itself. */
					tframe_fill(&f, x < 0 ? 0 : x, y < 0 ? 0 : y, x < 0 ? w + x : w, y < 0 ? h + y : h, c,
						    (uint8_t)(c * 3), (uint8_t)~c);
					thumb_clear_dirty(inc);
					thumb_update(inc, &fr, x, y, w, h);
					struct thumb *full = thumb_new(41, 13, &o);
					thumb_update_full(full, &fr);
					assert_true(cells_equal(inc, full));
					thumb_free(full);
				}
				thumb_free(inc);
				free(f.px);
			}
}

static void test_dirty_tracking(void **state)
{
	(void)state;
	struct thumb_opts o = { .color = THUMB_COLOR_256 };
	struct tframe f = tframe_new(640, 400);
	tframe_fill(&f, 0, 0, 640, 400, 0, 0, 170);
	struct thumb_frame fr = tf(&f);
	struct thumb *t = thumb_new(80, 25, &o);
	assert_int_equal(thumb_dirty_count(t), 80 * 25); /* new: all dirty */
	thumb_update_full(t, &fr);
	thumb_clear_dirty(t);
	/* Same pixels again: nothing to draw. */
	thumb_update(t, &fr, 0, 0, 640, 400);
	assert_int_equal(thumb_dirty_count(t), 0);
	/* Target pixels are 8x8 source pixels: (80, 80) is cell (10, 5), top. */
	tframe_fill(&f, 80, 80, 8, 8, 255, 255, 255);
	thumb_update(t, &fr, 80, 80, 8, 8);
	assert_int_equal(thumb_dirty_count(t), 1);
	assert_true(thumb_dirty(t, 10, 5));
	assert_true(thumb_row_dirty(t, 5));
	assert_false(thumb_row_dirty(t, 4));
	assert_int_equal(thumb_cell(t, 10, 5)->ch, 0x2580);
	assert_int_equal(thumb_cell(t, 10, 5)->fg_idx, 231);
	assert_int_equal(thumb_cell(t, 10, 5)->bg_idx, 19);
	size_t len;
	char *s = thumb_ansi(t, false, 1, 1, &len);
	assert_string_equal(s, "\x1b[6;11H\x1b[38;5;231;48;5;19m\xe2\x96\x80\x1b[0m");
	free(s);
	/* A tiny change that stays within one palette entry is not dirty. */
	thumb_clear_dirty(t);
	tframe_fill(&f, 0, 0, 1, 1, 0, 0, 160);
	thumb_update(t, &fr, 0, 0, 1, 1);
	assert_int_equal(thumb_dirty_count(t), 0);
	/* A frame of another size: full recompute, everything dirty that moved. */
	struct tframe g = tframe_new(320, 200);
	struct thumb_frame gr = tf(&g);
	thumb_update(t, &gr, 0, 0, 1, 1);
	assert_true(thumb_dirty_count(t) >= 80 * 25 - 1);
	assert_int_equal(thumb_cell(t, 10, 5)->bg_idx, 16);
	thumb_clear(t);
	assert_true(thumb_cell(t, 0, 0)->flags & THUMB_CELL_BLANK);
	thumb_free(t);
	thumb_free(NULL);
	free(f.px);
	free(g.px);
}

static void test_keep_aspect(void **state)
{
	(void)state;
	struct thumb_opts o = { .color = THUMB_COLOR_8, .keep_aspect = true };
	struct tframe f = tframe_new(720, 400);
	struct thumb_frame fr = tf(&f);
	struct thumb *t = thumb_new(160, 50, &o);
	thumb_update_full(t, &fr);
	int c, r, w, h;
	thumb_picture(t, &c, &r, &w, &h);
	/* 1.8 vs the pane's 1.6: within 15 %, fill it (two cells a character). */
	assert_int_equal(w, 160);
	assert_int_equal(h, 50);
	assert_int_equal(r, 0);
	/* 4:3 in 160x50 is not near: bars left and right. */
	struct tframe q = tframe_new(640, 480);
	struct thumb_frame qr = tf(&q);
	thumb_update_full(t, &qr);
	thumb_picture(t, &c, &r, &w, &h);
	assert_int_equal(h, 50);
	assert_int_equal(w, 133); /* 2 * 50 * 640 / 480 */
	assert_int_equal(c, 13);
	assert_true(thumb_cell(t, 0, 0)->flags & THUMB_CELL_BLANK);
	assert_false(thumb_cell(t, 13, 0)->flags & THUMB_CELL_BLANK);
	free(q.px);
	/* A wide frame in a tall pane: bars above and below. */
	struct tframe wide = tframe_new(1600, 200);
	struct thumb_frame wr = tf(&wide);
	thumb_update_full(t, &wr);
	thumb_picture(t, &c, &r, &w, &h);
	assert_int_equal(w, 160);
	assert_int_equal(h, 10); /* 160 * 200 / 1600 / 2 */
	assert_int_equal(r, 20);
	free(wide.px);
	/* A portrait frame in a wide pane: centred columns. */
	struct tframe g = tframe_new(100, 400);
	struct thumb_frame gr = tf(&g);
	thumb_update_full(t, &gr);
	thumb_picture(t, &c, &r, &w, &h);
	assert_int_equal(h, 50);
	assert_int_equal(w, 25);
	assert_int_equal(c, (160 - 25) / 2);
	thumb_free(t);
	free(f.px);
	free(g.px);
}

static bool cell_lit(const struct thumb *t, int c, int r)
{
	const struct thumb_cell *x = thumb_cell(t, c, r);
	return !(x->flags & THUMB_CELL_BLANK) && (x->fg[0] || x->fg[1] || x->fg[2] || x->bg[0] || x->bg[1] || x->bg[2]);
}

/* A click maps a cell to the framebuffer pixel under it: one white pixel
 * painted there into a black frame lights that cell and no neighbour, in
 * half-block (1x2 pixels a cell) and quadrant (2x2) cells alike, filled or
 * letterboxed; the letterbox has no pixel. */
static void check_points(enum thumb_glyph g, int fw, int fh, int cols, int rows)
{
	struct thumb_opts o = { .color = THUMB_COLOR_24BIT, .glyph = g, .keep_aspect = true };
	struct tframe f = tframe_new(fw, fh);
	struct thumb_frame fr = tf(&f);
	struct thumb *t = thumb_new(cols, rows, &o);
	int x, y, pc, pr, pw, ph;
	assert_false(thumb_cell_point(t, 0, 0, &x, &y)); /* no frame yet */
	thumb_update_full(t, &fr);
	thumb_picture(t, &pc, &pr, &pw, &ph);
	static const int picks[][2] = { { 0, 0 }, { 1, 1 }, { 7, 3 }, { 50, 20 }, { 999, 999 }, { 998, 0 } };
	for (size_t i = 0; i < ARRAY_LEN(picks); i++) {
		/* 998, 999: the last and the one before it; else clamped. */
		int c = pc + (picks[i][0] >= 998 ? pw - 1 - (999 - picks[i][0]) : picks[i][0] < pw ? picks[i][0] : pw - 1);
		int r = pr + (picks[i][1] >= 998 ? ph - 1 - (999 - picks[i][1]) : picks[i][1] < ph ? picks[i][1] : ph - 1);
		assert_true(thumb_cell_point(t, c, r, &x, &y));
		assert_in_range(x, 0, fw - 1);
		assert_in_range(y, 0, fh - 1);
		memset(f.px, 0, (size_t)fh * f.stride);
		tframe_set(&f, x, y, 255, 255, 255);
		thumb_update_full(t, &fr);
		for (int dr = -1; dr <= 1; dr++)
			for (int dc = -1; dc <= 1; dc++) {
				int cc = c + dc, rr = r + dr;
				if (cc < 0 || rr < 0 || cc >= cols || rr >= rows)
					continue;
				if (cell_lit(t, cc, rr) != (dc == 0 && dr == 0))
					fail_msg("%s %dx%d in %dx%d: cell %d,%d -> pixel %d,%d lights cell %d,%d",
						 thumb_glyph_name(g), fw, fh, cols, rows, c, r, x, y, cc, rr);
			}
	}
	if (pc > 0)
		assert_false(thumb_cell_point(t, pc - 1, pr, &x, &y));
	if (pr > 0)
		assert_false(thumb_cell_point(t, pc, pr - 1, &x, &y));
	assert_false(thumb_cell_point(t, pc + pw, pr, &x, &y));
	assert_false(thumb_cell_point(t, pc, pr + ph, &x, &y));
	thumb_free(t);
	free(f.px);
}

static void test_cell_point(void **state)
{
	(void)state;
	check_points(THUMB_GLYPH_HALF, 720, 400, 160, 50); /* VGA text, filled */
	check_points(THUMB_GLYPH_QUAD, 720, 400, 158, 46); /* zoomed at 160x50 */
	check_points(THUMB_GLYPH_QUAD, 640, 480, 160, 50); /* letterboxed left and right */
	check_points(THUMB_GLYPH_HALF, 1024, 768, 78, 14); /* the thumbnail pane */
	check_points(THUMB_GLYPH_HALF, 1600, 200, 160, 50); /* bars above and below */
	/* The numbers: a cell covers W/cols x H/rows pixels; the click goes to
	 * the centre. 720x400 in 160x50: 4.5 x 8 pixels a cell. */
	struct thumb_opts o = { .color = THUMB_COLOR_24BIT, .glyph = THUMB_GLYPH_HALF, .keep_aspect = true };
	struct tframe f = tframe_new(720, 400);
	struct thumb_frame fr = tf(&f);
	struct thumb *t = thumb_new(160, 50, &o);
	thumb_update_full(t, &fr);
	int x, y;
	assert_true(thumb_cell_point(t, 0, 0, &x, &y));
	assert_int_equal(x, 2);
	assert_int_equal(y, 4);
	assert_true(thumb_cell_point(t, 21, 11, &x, &y));
	assert_int_equal(x, 96); /* (2*21+1) * 720 / 320 = 96.75 */
	assert_int_equal(y, 92);
	assert_true(thumb_cell_point(t, 159, 49, &x, &y));
	assert_int_equal(x, 717);
	assert_int_equal(y, 396);
	/* 640x480 quadrant in 160x50: 133 columns from column 13. */
	o.glyph = THUMB_GLYPH_QUAD;
	thumb_set_opts(t, &o);
	struct tframe q = tframe_new(640, 480);
	struct thumb_frame qr = tf(&q);
	thumb_update_full(t, &qr);
	assert_false(thumb_cell_point(t, 12, 0, &x, &y));
	assert_true(thumb_cell_point(t, 13, 0, &x, &y));
	assert_int_equal(x, 2); /* 640 / 266 */
	assert_int_equal(y, 4); /* 480 / 100 */
	assert_true(thumb_cell_point(t, 145, 49, &x, &y));
	assert_int_equal(x, 637);
	assert_int_equal(y, 475);
	assert_false(thumb_cell_point(t, 146, 49, &x, &y));
	thumb_free(t);
	free(f.px);
	free(q.px);
}

static void test_quad_glyphs(void **state)
{
	(void)state;
	/* 4x4 pixels into 2x2 quad cells: each cell 2x2 pixels exactly. */
	struct tframe f = tframe_new(4, 4);
	tframe_set(&f, 0, 0, 255, 255, 255);       /* cell (0,0): top-left only */
	tframe_fill(&f, 2, 0, 1, 2, 255, 255, 255); /* cell (1,0): left column */
	tframe_fill(&f, 0, 3, 2, 1, 200, 0, 0);     /* cell (0,1): bottom row red */
	struct thumb_opts o = { .color = THUMB_COLOR_24BIT, .glyph = THUMB_GLYPH_QUAD };
	struct thumb *t = thumb_new(2, 2, &o);
	struct thumb_frame fr = tf(&f);
	thumb_update_full(t, &fr);
	assert_int_equal(thumb_cell(t, 0, 0)->ch, 0x2598);
	assert_int_equal(thumb_cell(t, 1, 0)->ch, 0x258C);
	assert_int_equal(thumb_cell(t, 0, 1)->ch, 0x2584);
	assert_int_equal(thumb_cell(t, 0, 1)->fg[0], 200);
	assert_int_equal(thumb_cell(t, 1, 1)->ch, ' ');
	thumb_free(t);
	free(f.px);
}

/* --- golden renderings -------------------------------------------------- */

static void golden(const char *name, const char *got, size_t len)
{
	const char *dir = getenv("VMDECK_TESTS");
	char *path = xasprintf("%s/golden/thumb/%s", dir ? dir : "tests", name);
	if (getenv("VMDECK_UPDATE_GOLDEN")) {
		char *err = NULL;
		assert_int_equal(file_write_atomic(path, got, len, 0644, &err), 0);
		free(path);
		return;
	}
	size_t want_len;
	char *want = file_read_all(path, &want_len);
	if (!want)
		fail_msg("%s: missing golden file (run with VMDECK_UPDATE_GOLDEN=1 and review it)", path);
	if (want_len != len || memcmp(want, got, len)) {
		char *out = xasprintf("%s.got", name);
		FILE *fp = fopen(out, "w");
		if (fp) {
			fwrite(got, 1, len, fp);
			fclose(fp);
		}
		fail_msg("%s differs from the golden file (output written to %s)", path, out);
	}
	free(want);
	free(path);
}

static void render_golden(const char *name, const struct tframe *f, int cols, int rows, enum thumb_color c,
			  enum thumb_glyph g)
{
	struct thumb_opts o = { c, g, true };
	struct thumb *t = thumb_new(cols, rows, &o);
	struct thumb_frame fr = tf(f);
	thumb_update_full(t, &fr);
	size_t len;
	char *s = thumb_ansi(t, true, 1, 1, &len);
	golden(name, s, len);
	free(s);
	thumb_free(t);
}

static void test_golden(void **state)
{
	(void)state;
	static const struct {
		enum thumb_color c;
		enum thumb_glyph g;
		const char *suffix;
	} modes[] = {
		{ THUMB_COLOR_24BIT, THUMB_GLYPH_HALF, "24bit" },
		{ THUMB_COLOR_256, THUMB_GLYPH_HALF, "256" },
		{ THUMB_COLOR_8, THUMB_GLYPH_HALF, "8" },
		{ THUMB_COLOR_MONO, THUMB_GLYPH_ASCII, "mono" },
		{ THUMB_COLOR_256, THUMB_GLYPH_QUAD, "256-quad" },
		{ THUMB_COLOR_8, THUMB_GLYPH_ASCII, "8-ascii" },
	};
	struct tframe stripes = tframe_new(320, 200), gradient = tframe_new(320, 200), text = tframe_new(360, 64);
	const uint8_t red[3] = { 220, 30, 30 }, green[3] = { 30, 200, 60 };
	tframe_vstripes(&stripes, 20, red, green);
	tframe_fill(&stripes, 0, 150, 320, 50, 255, 255, 255);
	tframe_hstripes(&gradient, 1, black, black);
	tframe_gradient(&gradient);
	tframe_fill(&text, 0, 0, 360, 64, 0, 0, 0);
	tframe_text(&text, 0, 0, "VMDECK OK", grey, black);
	tframe_text(&text, 0, 2, "BIOS", white, blue);
	/* A VGA text console at the zoom scale (720 pixels into 160 columns,
	 * 16-pixel lines into 2 rows): the goldens show whether it reads. */
	struct tframe console = tframe_new(720, 96);
	tframe_text(&console, 0, 0, "VMDECK BOOTS OK", grey, black);
	tframe_text(&console, 0, 2, "MEDIC DISK OK", grey, black);
	tframe_text(&console, 4, 4, " VM BIOS ", white, blue);
	render_golden("console-mono-quad.ans", &console, 160, 12, THUMB_COLOR_MONO, THUMB_GLYPH_QUAD);
	render_golden("console-mono-half.ans", &console, 160, 12, THUMB_COLOR_MONO, THUMB_GLYPH_HALF);
	render_golden("console-256-quad.ans", &console, 160, 12, THUMB_COLOR_256, THUMB_GLYPH_QUAD);
	render_golden("console-256-half.ans", &console, 160, 12, THUMB_COLOR_256, THUMB_GLYPH_HALF);
	free(console.px);
	for (size_t i = 0; i < ARRAY_LEN(modes); i++) {
		char name[64];
		snprintf(name, sizeof(name), "stripes-%s.ans", modes[i].suffix);
		render_golden(name, &stripes, 32, 10, modes[i].c, modes[i].g);
		snprintf(name, sizeof(name), "gradient-%s.ans", modes[i].suffix);
		render_golden(name, &gradient, 32, 10, modes[i].c, modes[i].g);
		snprintf(name, sizeof(name), "text-%s.ans", modes[i].suffix);
		render_golden(name, &text, 80, 8, modes[i].c, modes[i].g);
	}
	free(stripes.px);
	free(gradient.px);
	free(text.px);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_area_average_stripes),
		cmocka_unit_test(test_fractional_weights),
		cmocka_unit_test(test_palettes),
		cmocka_unit_test(test_incremental_equals_full),
		cmocka_unit_test(test_dirty_tracking),
		cmocka_unit_test(test_keep_aspect),
		cmocka_unit_test(test_quad_glyphs),
		cmocka_unit_test(test_cell_point),
		cmocka_unit_test(test_golden),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
