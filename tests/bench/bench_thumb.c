/* bench_thumb: what the thumbnail costs. Prints medians, asserts nothing.
 *   - a full 1920x1080 frame into 100x50 cells (goal <= 2 ms on one core)
 *   - a small incremental update (64x16 rectangle)
 *   - terminal bytes per second at the frame cap for a still screen, a
 *     scrolling text console and a screen that changes everywhere, by
 *     colour mode (the dirty-cell output, as a curses refresh would write it)
 * --write-ppm FILE also writes the 1920x1080 test frame for the chafa
 * comparison (tests/bench/bench_thumb_chafa.sh); --ppm-only stops there. */
#include "core/thumb.h"
#include "core/util.h"
#include "../unit/test_thumb_frames.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static double median_us(uint64_t *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_u64);
	return (double)v[n / 2];
}

/* A desktop-like 1920x1080 frame: gradient background, windows, text. */
static struct tframe desktop_frame(void)
{
	struct tframe f = tframe_new(1920, 1080);
	tframe_gradient(&f);
	const uint8_t fg[3] = { 220, 220, 220 }, bg[3] = { 30, 30, 60 };
	tframe_fill(&f, 200, 150, 900, 600, 30, 30, 60);
	for (int r = 0; r < 30; r++)
		tframe_text(&f, 23, 10 + r, "VMDECK BOOTS OK  MIDDECK VM OK", fg, bg);
	tframe_fill(&f, 1200, 300, 500, 400, 240, 240, 240);
	return f;
}

static int write_ppm(const char *path, const struct tframe *f)
{
	FILE *fp = fopen(path, "wb");
	if (!fp)
		return -1;
	fprintf(fp, "P6\n%d %d\n255\n", f->w, f->h);
	for (int y = 0; y < f->h; y++)
		for (int x = 0; x < f->w; x++)
			fwrite(f->px + (size_t)y * f->stride + (size_t)x * 4, 1, 3, fp);
	return fclose(fp);
}

static void bench_full(const struct tframe *f, enum thumb_color c, enum thumb_glyph g, int runs)
{
	struct thumb_opts o = { c, g, false };
	struct thumb *t = thumb_new(100, 50, &o);
	struct thumb_frame fr = { f->px, f->w, f->h, f->stride };
	uint64_t *v = xcalloc((size_t)runs, sizeof(*v));
	thumb_update_full(t, &fr);
	for (int i = 0; i < runs; i++) {
		uint64_t t0 = now_mono_us();
		thumb_update(t, &fr, 0, 0, f->w, f->h);
		v[i] = now_mono_us() - t0;
	}
	double full = median_us(v, runs);
	for (int i = 0; i < runs; i++) {
		uint64_t t0 = now_mono_us();
		thumb_update_full(t, &fr); /* with geometry rebuild, as after a resize */
		v[i] = now_mono_us() - t0;
	}
	size_t bytes;
	free(thumb_ansi(t, true, 1, 1, &bytes));
	printf("full 1920x1080 -> 100x50 %-5s %-5s  median %7.0f us   (after a resize: %.0f us)  %6zu bytes of output\n",
	       thumb_color_name(c), thumb_glyph_name(g), full, median_us(v, runs), bytes);
	/* tests/bench/run's table; bench_thumb_chafa.sh adds chafa's side of these rows */
	if (g == THUMB_GLYPH_HALF && (c == THUMB_COLOR_24BIT || c == THUMB_COLOR_256))
		printf("BENCH thumbnail 1920x1080 -> 100x50, %s colours, half blocks|%.2f|-|ms\n", thumb_color_name(c),
		       full / 1000.0);
	free(v);
	thumb_free(t);
}

static void bench_incremental(struct tframe *f, int runs)
{
	struct thumb_opts o = { THUMB_COLOR_256, THUMB_GLYPH_HALF, false };
	struct thumb *t = thumb_new(100, 50, &o);
	struct thumb_frame fr = { f->px, f->w, f->h, f->stride };
	thumb_update_full(t, &fr);
	uint64_t *v = xcalloc((size_t)runs, sizeof(*v));
	uint32_t seed = 7;
	for (int i = 0; i < runs; i++) {
		int x = (int)(tframe_rand(&seed) % (1920 - 64)), y = (int)(tframe_rand(&seed) % (1080 - 16));
		tframe_fill(f, x, y, 64, 16, (uint8_t)i, 0, 0);
		uint64_t t0 = now_mono_us();
		thumb_update(t, &fr, x, y, 64, 16);
		v[i] = now_mono_us() - t0;
	}
	double med = median_us(v, runs);
	printf("incremental 64x16 rect (256 colours)            median %7.1f us\n", med);
	printf("BENCH thumbnail incremental update, 64x16 px rect of 1920x1080 -> 100x50, 256 colours|%.1f|-|us\n", med);
	free(v);
	thumb_free(t);
}

/* Bytes written per second at fps frames a second: each frame the guest
 * screen changes by `step`, the thumbnail recomputes what changed and the
 * dirty cells are written out. */
static double bytes_per_s(enum thumb_color c, int fps, void (*step)(struct tframe *, int, int *, int *, int *, int *))
{
	struct tframe f = tframe_new(720, 400);
	const uint8_t fg[3] = { 170, 170, 170 }, bg[3] = { 0, 0, 0 };
	tframe_fill(&f, 0, 0, 720, 400, 0, 0, 0);
	for (int r = 0; r < 25; r++)
		tframe_text(&f, 0, r, (r % 3) ? "DECK VM BOOTS OK MEDIC" : "SCSI DISK OK", fg, bg);
	struct thumb_opts o = { c, c == THUMB_COLOR_MONO ? THUMB_GLYPH_ASCII : THUMB_GLYPH_HALF, true };
	struct thumb *t = thumb_new(100, 50, &o);
	struct thumb_frame fr = { f.px, f.w, f.h, f.stride };
	thumb_update_full(t, &fr);
	thumb_clear_dirty(t);
	size_t total = 0;
	int frames = fps * 10;
	for (int i = 0; i < frames; i++) {
		int x, y, w, h;
		step(&f, i, &x, &y, &w, &h);
		if (w > 0)
			thumb_update(t, &fr, x, y, w, h);
		size_t len;
		free(thumb_ansi(t, false, 1, 1, &len));
		total += thumb_dirty_count(t) ? len : 0;
		thumb_clear_dirty(t);
	}
	thumb_free(t);
	free(f.px);
	return (double)total / 10.0;
}

static void still(struct tframe *f, int i, int *x, int *y, int *w, int *h)
{
	(void)f, (void)i;
	/* QEMU still sends (empty) updates; nothing changed. */
	*x = 0, *y = 0, *w = 720, *h = 400;
}

/* A boot log: everything scrolls up one text line a frame. */
static void scroll(struct tframe *f, int i, int *x, int *y, int *w, int *h)
{
	memmove(f->px, f->px + 16 * f->stride, (size_t)(f->h - 16) * f->stride);
	const uint8_t fg[3] = { 170, 170, 170 }, bg[3] = { 0, 0, 0 };
	tframe_fill(f, 0, 384, 720, 16, 0, 0, 0);
	tframe_text(f, 0, 24, (i % 2) ? "VM OK DECK" : "MEDIC DISK BOOTS", fg, bg);
	*x = 0, *y = 0, *w = 720, *h = 400;
}

/* A cursor blinking: one character cell. */
static void blink(struct tframe *f, int i, int *x, int *y, int *w, int *h)
{
	tframe_fill(f, 9 * 10, 16 * 24 + 13, 9, 2, (i & 1) ? 170 : 0, (i & 1) ? 170 : 0, (i & 1) ? 170 : 0);
	*x = 90, *y = 16 * 24 + 13, *w = 9, *h = 2;
}

/* Video: every pixel changes every frame. */
static void noise(struct tframe *f, int i, int *x, int *y, int *w, int *h)
{
	tframe_noise(f, (uint32_t)i * 2654435761u + 1);
	*x = 0, *y = 0, *w = 720, *h = 400;
}

int main(int argc, char **argv)
{
	int runs = 51, fps = 4;
	const char *ppm = NULL;
	bool ppm_only = false;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--write-ppm") && i + 1 < argc)
			ppm = argv[++i];
		else if (!strcmp(argv[i], "--ppm-only"))
			ppm_only = true;
		else if (!strcmp(argv[i], "--runs") && i + 1 < argc)
			runs = atoi(argv[++i]) | 1;
		else if (!strcmp(argv[i], "--fps") && i + 1 < argc)
			fps = atoi(argv[++i]);
		else {
			fprintf(stderr, "usage: bench_thumb [--runs N] [--fps N] [--write-ppm FILE [--ppm-only]]\n");
			return 2;
		}
	}
	struct tframe f = desktop_frame();
	if (ppm && write_ppm(ppm, &f) < 0) {
		perror(ppm);
		return 1;
	}
	if (ppm_only) {
		free(f.px);
		return 0;
	}
	printf("== thumbnail cost (one core, median of %d) ==\n", runs);
	bench_full(&f, THUMB_COLOR_24BIT, THUMB_GLYPH_HALF, runs);
	bench_full(&f, THUMB_COLOR_256, THUMB_GLYPH_HALF, runs);
	bench_full(&f, THUMB_COLOR_8, THUMB_GLYPH_HALF, runs);
	bench_full(&f, THUMB_COLOR_256, THUMB_GLYPH_QUAD, runs);
	bench_full(&f, THUMB_COLOR_MONO, THUMB_GLYPH_ASCII, runs);
	bench_incremental(&f, runs * 20);

	printf("== terminal bytes/s at %d fps, 720x400 text console in 100x50 cells ==\n", fps);
	printf("%-6s %10s %10s %10s %10s\n", "colour", "still", "blink", "scroll", "video");
	for (int c = 0; c <= THUMB_COLOR_MONO; c++)
		printf("%-6s %10.0f %10.0f %10.0f %10.0f\n", thumb_color_name((enum thumb_color)c),
		       bytes_per_s((enum thumb_color)c, fps, still), bytes_per_s((enum thumb_color)c, fps, blink),
		       bytes_per_s((enum thumb_color)c, fps, scroll), bytes_per_s((enum thumb_color)c, fps, noise));
	free(f.px);
	return 0;
}
