/* bench_textscr: how long reading a text screen back as characters takes
 * (core/textscr.h), one core, median of N runs: a full VGA 80x25 screen
 * (720x400, 9x16 cells, every cell a character: the worst case for a text
 * screen), a half-empty one (a typical console), Linux fbcon 128x48 at
 * 1024x768, and the rejection of a picture (1024x768 colour noise, and
 * two-colour noise that reaches the glyph search). Frames are drawn with the
 * installed console font's own glyphs. */
#include "core/textscr.h"
#include "core/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

static uint8_t font[256][16];

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

struct frame {
	struct thumb_frame f;
	uint8_t *px;
};

static struct frame frame_new(int w, int h)
{
	struct frame fr = { { NULL, w, h, (size_t)w * 4 }, xcalloc((size_t)w * 4, (size_t)h) };
	fr.f.px = fr.px;
	return fr;
}

/* Text of `fill` percent of the cells, in a few colours. */
static void draw_text(struct frame *fr, int cw, int fill)
{
	static const uint8_t pal[4][3] = { { 170, 170, 170 }, { 255, 255, 85 }, { 85, 255, 85 }, { 255, 85, 85 } };
	const char *msg = "[    1.234567] Linux version 6.1.0-26-cloud-amd64 (debian-kernel@lists.debian.org) #1 SMP ";
	int cols = fr->f.w / cw, rows = fr->f.h / 16;
	for (int r = 0; r < rows; r++)
		for (int c = 0; c < cols; c++) {
			uint8_t ch = c * 100 < cols * fill ? (uint8_t)msg[(r * 7 + c) % strlen(msg)] : ' ';
			const uint8_t *fg = pal[(r + c / 20) % 4];
			for (int y = 0; y < 16; y++)
				for (int x = 0; x < cw; x++) {
					uint8_t *p = fr->px + (size_t)(r * 16 + y) * fr->f.stride + (size_t)(c * cw + x) * 4;
					bool on = x < 8 && (font[ch][y] & (0x80 >> x));
					if (on)
						memcpy(p, fg, 3);
				}
		}
}

static double run(const struct textscr_font *f, const struct frame *fr, int runs, bool *text)
{
	struct textscr *t = textscr_new();
	uint64_t *v = xcalloc((size_t)runs, sizeof(*v));
	for (int i = 0; i < runs; i++) {
		uint64_t t0 = now_mono_us();
		*text = textscr_recognise(t, f, &fr->f);
		v[i] = now_mono_us() - t0;
	}
	qsort(v, (size_t)runs, sizeof(*v), cmp_u64);
	double med = (double)v[runs / 2];
	free(v);
	textscr_free(t);
	return med;
}

int main(int argc, char **argv)
{
	int runs = argc > 2 && strcmp(argv[1], "--runs") == 0 ? atoi(argv[2]) : 200;
	if (runs < 1)
		runs = 1;
	char *err = NULL;
	struct textscr_font *f = textscr_font_find(&err);
	if (!f) {
		printf("bench_textscr: skipped: %s\n", err);
		free(err);
		return 0;
	}
	/* The first font's glyphs draw the frames (PSF1 8x16, as console-data's). */
	gzFile z = gzopen(textscr_font_file(f, 0), "rb");
	uint8_t hdr[4];
	if (!z || gzread(z, hdr, 4) != 4 || hdr[0] != 0x36 || hdr[1] != 0x04 || hdr[3] != 16 ||
	    gzread(z, font, sizeof(font)) != (int)sizeof(font)) {
		printf("bench_textscr: skipped: %s is not an 8x16 PSF1 font\n", textscr_font_file(f, 0));
		if (z)
			gzclose(z);
		textscr_font_free(f);
		return 0;
	}
	gzclose(z);
	printf("== text screen recognition (one core, median of %d; font %s + %zu more, %zu glyphs) ==\n", runs,
	       textscr_font_file(f, 0), textscr_font_files(f) - 1, textscr_font_glyphs(f, 16));
	struct {
		const char *name, *bench;
		int w, h, cw, fill;
		int noise; /* 0 text, 1 colour noise, 2 two-colour noise */
	} cases[] = {
		{ "VGA 80x25 (720x400), every cell a character", "text screen 720x400 (80x25, full) -> characters", 720,
		  400, 9, 100, 0 },
		{ "VGA 80x25 (720x400), half the cells", "text screen 720x400 (80x25, half full) -> characters", 720, 400,
		  9, 50, 0 },
		{ "fbcon 128x48 (1024x768), every cell", "text screen 1024x768 (fbcon 128x48, full) -> characters", 1024,
		  768, 8, 100, 0 },
		{ "1024x768 colour noise (rejected)", "not text: 1024x768 picture rejected", 1024, 768, 8, 0, 1 },
		{ "720x400 two-colour noise (rejected)", "not text: 720x400 two-colour noise rejected", 720, 400, 9, 0, 2 },
	};
	uint32_t seed = 1;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct frame fr = frame_new(cases[i].w, cases[i].h);
		if (cases[i].noise)
			for (size_t k = 0; k < (size_t)cases[i].w * (size_t)cases[i].h * 4; k++) {
				seed = seed * 1103515245u + 12345u;
				fr.px[k] = cases[i].noise == 1 ? (uint8_t)(seed >> 16) : (seed >> 16) & 1 ? 255 : 0;
			}
		if (cases[i].noise == 2) /* grey levels: only black and white */
			for (size_t k = 0; k < (size_t)cases[i].w * (size_t)cases[i].h; k++)
				memset(fr.px + k * 4, fr.px[k * 4], 3);
		if (!cases[i].noise)
			draw_text(&fr, cases[i].cw, cases[i].fill);
		bool text;
		double us = run(f, &fr, runs, &text);
		printf("%-48s median %7.0f us  (%s)\n", cases[i].name, us, text ? "text" : "not text");
		printf("BENCH %s|%.2f|-|ms\n", cases[i].bench, us / 1000.0);
		free(fr.px);
	}
	textscr_font_free(f);
	return 0;
}
