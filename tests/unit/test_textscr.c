/* test_textscr: text-mode screens read back as characters. Synthetic frames
 * rendered from a small PSF2 font the test writes itself (deterministic,
 * no system font needed): colours, VGA 9-pixel cells with the 0xC0-0xDF
 * column rule, a cursor, inverted cells, fbcon 8x16 at 1024x768, noise and
 * gradients that must be rejected; then the same with the real console font
 * when it is installed (CI=true: it must be). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>
#include <cmocka.h>

#include "core/textscr.h"
#include "core/util.h"

#define GH 16
static uint8_t glyphs[256][GH]; /* the test font, CP437 layout */
static char dir[] = "/tmp/test_textscr.XXXXXX";
static char psf2[256], psf2gz[256], psf1[256];

static uint32_t lcg(uint32_t *s)
{
	*s = *s * 1103515245u + 12345u;
	return *s >> 16;
}

/* Glyphs: printable ASCII as pseudo-random shapes (rows 2-12, about a third
 * of the pixels set: far apart from each other, like letters), 0xC4 '─'
 * (a line through column 8, so 9-pixel cells repeat it in column 9), 0xB2
 * '▓' (mostly set: seen inverted), 0xDB '█' (one colour). */
static void make_glyphs(void)
{
	uint32_t s = 42;
	memset(glyphs, 0, sizeof(glyphs));
	for (int c = 0x21; c < 0x7F; c++)
		for (int y = 2; y <= 12; y++) {
			uint8_t row = 0;
			for (int x = 0; x < 8; x++)
				if (lcg(&s) % 3 == 0)
					row |= (uint8_t)(0x80 >> x);
			glyphs[c][y] = row;
		}
	glyphs[0xC4][8] = 0xFF;
	for (int y = 0; y < GH; y++) {
		glyphs[0xB2][y] = y % 2 ? 0xEE : 0xBB;
		glyphs[0xDB][y] = 0xFF;
	}
}

static bool used(int c)
{
	return (c >= 0x20 && c < 0x7F) || c == 0xC4 || c == 0xB2 || c == 0xDB;
}

static size_t put_utf8(uint8_t *o, uint32_t cp)
{
	if (cp < 0x80) {
		o[0] = (uint8_t)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (uint8_t)(0xC0 | cp >> 6);
		o[1] = (uint8_t)(0x80 | (cp & 0x3F));
		return 2;
	}
	o[0] = (uint8_t)(0xE0 | cp >> 12);
	o[1] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
	o[2] = (uint8_t)(0x80 | (cp & 0x3F));
	return 3;
}

static void put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void write_fonts(void)
{
	assert_non_null(mkdtemp(dir));
	snprintf(psf2, sizeof(psf2), "%s/test.psfu", dir);
	snprintf(psf2gz, sizeof(psf2gz), "%s/test.psfu.gz", dir);
	snprintf(psf1, sizeof(psf1), "%s/test1.psf", dir);
	/* PSF2 with a UTF-8 Unicode table. */
	static uint8_t buf[32 + 256 * GH + 256 * 8];
	size_t n = 32;
	put32(buf, 0x864AB572u);
	put32(buf + 4, 0);
	put32(buf + 8, 32);
	put32(buf + 12, 1);
	put32(buf + 16, 256);
	put32(buf + 20, GH);
	put32(buf + 24, GH);
	put32(buf + 28, 8);
	memcpy(buf + n, glyphs, sizeof(glyphs));
	n += sizeof(glyphs);
	for (int c = 0; c < 256; c++) {
		if (used(c))
			n += put_utf8(buf + n, textscr_cp437((uint8_t)c));
		buf[n++] = 0xFF;
	}
	FILE *fp = fopen(psf2, "wb");
	assert_non_null(fp);
	assert_int_equal(fwrite(buf, 1, n, fp), n);
	fclose(fp);
	gzFile z = gzopen(psf2gz, "wb");
	assert_non_null(z);
	assert_int_equal(gzwrite(z, buf, (unsigned)n), (int)n);
	gzclose(z);
	/* PSF1 without a table: CP437 by index. */
	fp = fopen(psf1, "wb");
	assert_non_null(fp);
	uint8_t h1[4] = { 0x36, 0x04, 0, GH };
	fwrite(h1, 1, 4, fp);
	fwrite(glyphs, 1, sizeof(glyphs), fp);
	fclose(fp);
}

static int setup(void **state)
{
	(void)state;
	make_glyphs();
	write_fonts();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	unlink(psf2);
	unlink(psf2gz);
	unlink(psf1);
	rmdir(dir);
	return 0;
}

/* ---- a text screen renderer, as a VGA card draws one ---- */

struct screen {
	int cols, rows, cw, ch;
	uint8_t *idx;        /* glyph index per cell */
	uint8_t (*fg)[3], (*bg)[3];
	int cur_col, cur_row; /* -1: no cursor */
	struct thumb_frame f;
	uint8_t *px;
};

static struct screen *screen_new(int cols, int rows, int cw, int ch)
{
	struct screen *s = xcalloc(1, sizeof(*s));
	s->cols = cols;
	s->rows = rows;
	s->cw = cw;
	s->ch = ch;
	s->idx = xcalloc((size_t)cols * rows, 1);
	s->fg = xcalloc((size_t)cols * rows, 3);
	s->bg = xcalloc((size_t)cols * rows, 3);
	for (int i = 0; i < cols * rows; i++) {
		s->idx[i] = ' ';
		memcpy(s->fg[i], (uint8_t[3]){ 170, 170, 170 }, 3);
	}
	s->cur_col = s->cur_row = -1;
	s->f.w = cols * cw;
	s->f.h = rows * ch;
	s->f.stride = (size_t)s->f.w * 4 + 8; /* a stride wider than the picture */
	s->px = xcalloc(s->f.stride, (size_t)s->f.h);
	s->f.px = s->px;
	return s;
}

static void screen_free(struct screen *s)
{
	free(s->idx);
	free(s->fg);
	free(s->bg);
	free(s->px);
	free(s);
}

static void screen_puts(struct screen *s, int col, int row, const char *text, const uint8_t fg[3], const uint8_t bg[3])
{
	for (; *text && col < s->cols; text++, col++) {
		int i = row * s->cols + col;
		s->idx[i] = (uint8_t)*text;
		memcpy(s->fg[i], fg, 3);
		memcpy(s->bg[i], bg, 3);
	}
}

static void screen_render(struct screen *s, uint8_t font[][GH])
{
	for (int r = 0; r < s->rows; r++)
		for (int c = 0; c < s->cols; c++) {
			int i = r * s->cols + c;
			const uint8_t *g = font[s->idx[i]];
			for (int y = 0; y < s->ch; y++) {
				uint8_t row = y < GH ? g[y] : 0;
				bool cursor = r == s->cur_row && c == s->cur_col && y >= s->ch - 3;
				for (int x = 0; x < s->cw; x++) {
					/* The 9th column: blank, except that line
					 * graphics 0xC0-0xDF repeat the 8th. */
					bool on = x < 8 ? row & (0x80 >> x)
						  : (s->idx[i] >= 0xC0 && s->idx[i] <= 0xDF && (row & 1));
					uint8_t *p = s->px + (size_t)(r * s->ch + y) * s->f.stride + (size_t)(c * s->cw + x) * 4;
					memcpy(p, on || cursor ? s->fg[i] : s->bg[i], 3);
					p[3] = 0x5A; /* the x byte is never looked at */
				}
			}
		}
}

static const uint8_t white[3] = { 255, 255, 255 }, blue[3] = { 0, 0, 170 }, black[3] = { 0, 0, 0 },
		     grey[3] = { 170, 170, 170 }, yellow[3] = { 255, 255, 85 }, red[3] = { 170, 0, 0 };

static char *line(const char *text, int n)
{
	/* The n-th line of text (0-based), malloc'd. */
	const char *p = text;
	for (int i = 0; i < n && p; i++) {
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	assert_non_null(p);
	const char *e = strchr(p, '\n');
	return xstrndup(p, e ? (size_t)(e - p) : strlen(p));
}

static void assert_line(const char *text, int n, const char *want)
{
	char *l = line(text, n);
	if (strcmp(l, want) != 0)
		fail_msg("line %d: got \"%s\", want \"%s\"", n, l, want);
	free(l);
}

static struct textscr_font *load(const char *path)
{
	struct textscr_font *f = textscr_font_new();
	char *err = NULL;
	if (textscr_font_add(f, path, &err) < 0)
		fail_msg("%s", err);
	return f;
}

static void test_font_load(void **state)
{
	(void)state;
	const char *paths[] = { psf2, psf2gz, psf1 };
	for (int i = 0; i < 3; i++) {
		struct textscr_font *f = load(paths[i]);
		/* 94 printable ASCII glyphs + 3 (the blank ones are not kept). */
		assert_int_equal(textscr_font_glyphs(f, GH), 97);
		assert_int_equal(textscr_font_glyphs(f, 8), 0);
		assert_int_equal(textscr_font_files(f), 1);
		assert_string_equal(textscr_font_file(f, 0), paths[i]);
		textscr_font_free(f);
	}
	struct textscr_font *f = textscr_font_new();
	char *err = NULL;
	assert_int_equal(textscr_font_add(f, "/nonexistent/font.psf", &err), -1);
	assert_non_null(strstr(err, "/nonexistent/font.psf"));
	free(err);
	err = NULL;
	char junk[300];
	snprintf(junk, sizeof(junk), "%s/junk", dir);
	FILE *fp = fopen(junk, "w");
	fputs("not a font at all", fp);
	fclose(fp);
	assert_int_equal(textscr_font_add(f, junk, &err), -1);
	assert_non_null(strstr(err, "not a PSF"));
	free(err);
	err = NULL;
	unlink(junk);
	textscr_font_free(f);
	textscr_font_free(NULL);
	textscr_free(NULL);
	/* VMDECK_CONSOLE_FONT: a list, every entry must load. */
	char env[600];
	snprintf(env, sizeof(env), "%s:%s", psf2gz, psf1);
	setenv("VMDECK_CONSOLE_FONT", env, 1);
	f = textscr_font_find(&err);
	assert_non_null(f);
	assert_int_equal(textscr_font_files(f), 2);
	textscr_font_free(f);
	setenv("VMDECK_CONSOLE_FONT", "/nonexistent/x.psf", 1);
	assert_null(textscr_font_find(&err));
	assert_non_null(strstr(err, "VMDECK_CONSOLE_FONT"));
	assert_non_null(strstr(err, "/nonexistent/x.psf"));
	free(err);
	unsetenv("VMDECK_CONSOLE_FONT");
}

/* 80x25 VGA text (720x400): colours, line graphics in 9-pixel cells, a
 * reverse-video word, mostly-set glyphs, a cursor on a letter and on a
 * blank. */
static void test_vga_text(void **state)
{
	(void)state;
	struct textscr_font *f = load(psf2gz);
	struct screen *s = screen_new(80, 25, 9, 16);
	screen_puts(s, 0, 0, "SeaBIOS (version 1.16.2)", grey, black);
	screen_puts(s, 0, 1, "Hello, World! 0123456789 @#$%", white, blue);
	screen_puts(s, 10, 2, "WARNING", yellow, red);
	screen_puts(s, 18, 2, "reverse", black, grey);
	for (int c = 0; c < 80; c++)
		s->idx[3 * 80 + c] = 0xC4; /* a full-width line: column 9 repeats */
	s->idx[4 * 80 + 0] = 0xB2;
	s->idx[4 * 80 + 1] = 0xB2;
	screen_puts(s, 3, 4, "~end", grey, black);
	screen_puts(s, 0, 24, "login: root", grey, black);
	s->cur_col = 7; /* on 'r' of root */
	s->cur_row = 24;
	screen_render(s, glyphs);
	struct textscr *t = textscr_new();
	assert_true(textscr_recognise(t, f, &s->f));
	assert_int_equal(textscr_cols(t), 80);
	assert_int_equal(textscr_rows(t), 25);
	int cw, chh;
	textscr_cell_size(t, &cw, &chh);
	assert_int_equal(cw, 9);
	assert_int_equal(chh, 16);
	char *text = textscr_text(t);
	assert_line(text, 0, "SeaBIOS (version 1.16.2)");
	assert_line(text, 1, "Hello, World! 0123456789 @#$%");
	assert_line(text, 2, "          WARNING reverse");
	char want[81 * 3 + 1], *w = want;
	for (int c = 0; c < 80; c++)
		w += sprintf(w, "\u2500");
	assert_line(text, 3, want);
	assert_line(text, 4, "\u2593\u2593 ~end");
	assert_line(text, 24, "login: root");
	assert_line(text, 10, "");
	/* Colours as drawn, including the inverted cells. */
	const struct thumb_cell *c = textscr_cell(t, 1, 1);
	assert_int_equal(c->ch, 'e');
	assert_memory_equal(c->fg, white, 3);
	assert_memory_equal(c->bg, blue, 3);
	c = textscr_cell(t, 10, 2);
	assert_memory_equal(c->fg, yellow, 3);
	assert_memory_equal(c->bg, red, 3);
	c = textscr_cell(t, 18, 2);
	assert_int_equal(c->ch, 'r');
	assert_memory_equal(c->fg, black, 3);
	assert_memory_equal(c->bg, grey, 3);
	c = textscr_cell(t, 0, 4);
	assert_int_equal(c->ch, 0x2593);
	assert_memory_equal(c->fg, grey, 3);
	assert_memory_equal(c->bg, black, 3);
	c = textscr_cell(t, 13, 1); /* a blank on blue */
	assert_int_equal(c->ch, ' ');
	assert_memory_equal(c->bg, blue, 3);
	assert_null(textscr_cell(t, 80, 0));
	int nonblank, matched;
	textscr_stats(t, &nonblank, &matched);
	assert_int_equal(nonblank, matched);
	free(text);
	/* The cursor on a blank cell: still a blank. */
	s->cur_col = 40;
	screen_render(s, glyphs);
	assert_true(textscr_recognise(t, f, &s->f));
	assert_int_equal(textscr_cell(t, 40, 24)->ch, ' ');
	assert_int_equal(textscr_cell(t, 7, 24)->ch, 'r');
	textscr_free(t);
	screen_free(s);
	textscr_font_free(f);
}

/* Linux fbcon: 8x16 cells filling 1024x768 (128x48). */
static void test_fbcon(void **state)
{
	(void)state;
	struct textscr_font *f = load(psf1);
	struct screen *s = screen_new(128, 48, 8, 16);
	screen_puts(s, 0, 0, "[    0.000000] Linux version 6.1.0 (debian-kernel@lists.debian.org)", grey, black);
	screen_puts(s, 100, 47, "right edge text|", white, black);
	screen_render(s, glyphs);
	struct textscr *t = textscr_new();
	assert_true(textscr_recognise(t, f, &s->f));
	assert_int_equal(textscr_cols(t), 128);
	assert_int_equal(textscr_rows(t), 48);
	char *text = textscr_text(t);
	assert_line(text, 0, "[    0.000000] Linux version 6.1.0 (debian-kernel@lists.debian.org)");
	char want[200];
	snprintf(want, sizeof(want), "%100sright edge text|", "");
	assert_line(text, 47, want);
	free(text);
	textscr_free(t);
	screen_free(s);
	textscr_font_free(f);
}

/* VGA 80x50 (Linux vga=ext): 9x8 cells in the same 720x400, with an 8-high
 * font; a 9x16 font alone does not read it. */
static void test_vga_80x50(void **state)
{
	(void)state;
	static uint8_t eight[256][GH];
	for (int c = 0; c < 256; c++)
		memcpy(eight[c], glyphs[c] + 2, 8); /* rows 2-9: still distinct */
	char path[300];
	snprintf(path, sizeof(path), "%s/eight.psf", dir);
	FILE *fp = fopen(path, "wb");
	assert_non_null(fp);
	uint8_t h1[4] = { 0x36, 0x04, 0, 8 };
	fwrite(h1, 1, 4, fp);
	for (int c = 0; c < 256; c++)
		fwrite(eight[c], 1, 8, fp);
	fclose(fp);
	struct screen *s = screen_new(80, 50, 9, 8);
	screen_puts(s, 0, 0, "[    1.280974] Run /init as init process", grey, black);
	screen_puts(s, 0, 49, "[6.90] 14:39:52 testguest: no network interface; idling", grey, black);
	screen_render(s, eight);
	struct textscr *t = textscr_new();
	struct textscr_font *f16 = load(psf2);
	assert_false(textscr_recognise(t, f16, &s->f));
	struct textscr_font *f = load(psf2);
	char *err = NULL;
	assert_int_equal(textscr_font_add(f, path, &err), 0);
	assert_true(textscr_recognise(t, f, &s->f));
	assert_int_equal(textscr_cols(t), 80);
	assert_int_equal(textscr_rows(t), 50);
	int cw, ch;
	textscr_cell_size(t, &cw, &ch);
	assert_int_equal(cw, 9);
	assert_int_equal(ch, 8);
	char *text = textscr_text(t);
	assert_line(text, 0, "[    1.280974] Run /init as init process");
	assert_line(text, 49, "[6.90] 14:39:52 testguest: no network interface; idling");
	free(text);
	textscr_free(t);
	textscr_font_free(f);
	textscr_font_free(f16);
	screen_free(s);
	unlink(path);
}

/* Pictures are not text: a gradient, colour noise, two-colour noise, and a
 * text screen whose glyphs are not in the font. */
static void test_not_text(void **state)
{
	(void)state;
	struct textscr_font *f = load(psf2);
	struct screen *s = screen_new(80, 25, 9, 16);
	struct textscr *t = textscr_new();
	uint32_t seed = 7;
	for (int y = 0; y < s->f.h; y++)
		for (int x = 0; x < s->f.w; x++) {
			uint8_t *p = s->px + (size_t)y * s->f.stride + (size_t)x * 4;
			p[0] = (uint8_t)x;
			p[1] = (uint8_t)y;
			p[2] = 128;
		}
	assert_false(textscr_recognise(t, f, &s->f));
	for (int y = 0; y < s->f.h; y++)
		for (int x = 0; x < s->f.w; x++) {
			uint8_t *p = s->px + (size_t)y * s->f.stride + (size_t)x * 4;
			uint32_t v = lcg(&seed);
			memcpy(p, (uint8_t[3]){ (uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 4) }, 3);
		}
	assert_false(textscr_recognise(t, f, &s->f));
	for (int y = 0; y < s->f.h; y++)
		for (int x = 0; x < s->f.w; x++) {
			uint8_t *p = s->px + (size_t)y * s->f.stride + (size_t)x * 4;
			memcpy(p, lcg(&seed) & 1 ? white : black, 3);
		}
	assert_false(textscr_recognise(t, f, &s->f));
	assert_int_equal(textscr_cols(t), 0);
	assert_null(textscr_text(t));
	/* Text in another font (the glyphs scrambled): not this font's text. */
	static uint8_t other[256][GH];
	uint32_t s2 = 99;
	for (int c = 0; c < 256; c++)
		for (int y = 2; y <= 12; y++)
			other[c][y] = (uint8_t)lcg(&s2);
	memset(s->px, 0, s->f.stride * (size_t)s->f.h);
	for (int r = 0; r < 25; r++)
		screen_puts(s, 0, r, "The quick brown fox jumps over the lazy dog", grey, black);
	screen_render(s, other);
	assert_false(textscr_recognise(t, f, &s->f));
	/* The same screen in the right font is text; a size no cell tiles is not. */
	screen_render(s, glyphs);
	assert_true(textscr_recognise(t, f, &s->f));
	struct thumb_frame odd = s->f;
	odd.w = 719;
	assert_false(textscr_recognise(t, f, &odd));
	/* An all-blank screen is a (blank) text screen. */
	memset(s->px, 0, s->f.stride * (size_t)s->f.h);
	assert_true(textscr_recognise(t, f, &s->f));
	char *text = textscr_text(t);
	assert_int_equal(strlen(text), 25);
	free(text);
	textscr_free(t);
	screen_free(s);
	textscr_font_free(f);
}

/* The real console font (console-data's default8x16), as the default search
 * finds it: text rendered with its own glyphs reads back. */
static void test_real_font(void **state)
{
	(void)state;
	char *err = NULL;
	unsetenv("VMDECK_CONSOLE_FONT");
	struct textscr_font *f = textscr_font_find(&err);
	if (!f) {
		if (getenv("CI") && strcmp(getenv("CI"), "true") == 0)
			fail_msg("CI: %s", err);
		print_message("skipped: %s\n", err);
		free(err);
		skip();
	}
	const char *path = textscr_font_file(f, 0);
	print_message("font: %s (+%zu more), %zu glyphs of height 16\n", path, textscr_font_files(f) - 1,
		      textscr_font_glyphs(f, 16));
	/* Read the first font's glyphs the way the kernel would load them. */
	static uint8_t real[256][GH];
	gzFile z = gzopen(path, "rb");
	assert_non_null(z);
	uint8_t hdr[32];
	assert_int_equal(gzread(z, hdr, 4), 4);
	if (hdr[0] == 0x36 && hdr[1] == 0x04 && hdr[3] == GH)
		assert_int_equal(gzread(z, real, sizeof(real)), (int)sizeof(real));
	else {
		gzclose(z);
		if (getenv("CI") && strcmp(getenv("CI"), "true") == 0)
			fail_msg("CI: %s is not an 8x16 PSF1 font", path);
		textscr_font_free(f);
		print_message("skipped: %s is not an 8x16 PSF1 font\n", path);
		skip();
	}
	gzclose(z);
	struct screen *s = screen_new(80, 25, 9, 16);
	screen_puts(s, 0, 0, "The quick brown fox jumps over the lazy dog. 0123456789", grey, black);
	screen_puts(s, 0, 1, "THE QUICK BROWN FOX JUMPS OVER THE LAZY DOG! @#$%^&*()[]{}<>", white, blue);
	s->idx[2 * 80] = 0xC9; /* ╔ */
	s->idx[2 * 80 + 1] = 0xCD; /* ═ */
	s->idx[2 * 80 + 2] = 0xBB; /* ╗ */
	screen_render(s, real);
	struct textscr *t = textscr_new();
	assert_true(textscr_recognise(t, f, &s->f));
	char *text = textscr_text(t);
	assert_line(text, 0, "The quick brown fox jumps over the lazy dog. 0123456789");
	assert_line(text, 1, "THE QUICK BROWN FOX JUMPS OVER THE LAZY DOG! @#$%^&*()[]{}<>");
	assert_line(text, 2, "\u2554\u2550\u2557");
	free(text);
	textscr_free(t);
	screen_free(s);
	textscr_font_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_font_load), cmocka_unit_test(test_vga_text), cmocka_unit_test(test_fbcon),
		cmocka_unit_test(test_vga_80x50), cmocka_unit_test(test_not_text), cmocka_unit_test(test_real_font),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
