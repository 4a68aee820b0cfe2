/* thumb: area-averaging downscale of an RGBx framebuffer into block-glyph
 * cells, with per-cell dirty tracking. See thumb.h for the cell contract. */
#include "core/thumb.h"
#include "core/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define THUMB_MAX_CELLS 4096
#define THUMB_MAX_FRAME 32768

/* One target pixel along one axis: source pixels a..b (inclusive) cover it;
 * a and b are weighted wa and wb (partial coverage), the ones between by the
 * target count. Weights are in units of 1/N source pixel, so they sum to S
 * (the source length) and everything stays integer. */
struct span {
	int a, b;
	uint32_t wa, wb;
};

struct thumb {
	int cols, rows;
	struct thumb_opts o;
	struct thumb_cell *cells;
	uint8_t *dirty, *row_dirty;
	size_t ndirty;
	bool need_full;

	int fw, fh;            /* size of the frame the spans were made for; 0 = none */
	int gx, gy;            /* pixels per cell */
	int pc, pr, pcols, prows; /* the picture's place in the grid, in cells */
	int pw, ph;            /* the picture in target pixels */
	struct span *xs, *ys;
	uint64_t *acc;         /* pw * 3 accumulators for one target pixel row */
	uint8_t *pix;          /* gy rows of pw RGB target pixels: one cell row */
};

static const char *const color_names[] = {
	[THUMB_COLOR_24BIT] = "24bit", [THUMB_COLOR_256] = "256",
	[THUMB_COLOR_8] = "8", [THUMB_COLOR_MONO] = "mono",
};
static const char *const glyph_names[] = {
	[THUMB_GLYPH_HALF] = "half", [THUMB_GLYPH_QUAD] = "quad", [THUMB_GLYPH_ASCII] = "ascii",
};

const char *thumb_color_name(enum thumb_color c)
{
	return (unsigned)c < ARRAY_LEN(color_names) ? color_names[c] : "?";
}

int thumb_color_parse(const char *s, enum thumb_color *out)
{
	for (size_t i = 0; i < ARRAY_LEN(color_names); i++)
		if (!strcmp(s, color_names[i])) {
			*out = (enum thumb_color)i;
			return 0;
		}
	/* Friendly aliases a user might type. */
	if (!strcmp(s, "truecolor") || !strcmp(s, "24"))
		return *out = THUMB_COLOR_24BIT, 0;
	if (!strcmp(s, "none") || !strcmp(s, "ascii"))
		return *out = THUMB_COLOR_MONO, 0;
	return -1;
}

const char *thumb_glyph_name(enum thumb_glyph g)
{
	return (unsigned)g < ARRAY_LEN(glyph_names) ? glyph_names[g] : "?";
}

int thumb_glyph_parse(const char *s, enum thumb_glyph *out)
{
	for (size_t i = 0; i < ARRAY_LEN(glyph_names); i++)
		if (!strcmp(s, glyph_names[i])) {
			*out = (enum thumb_glyph)i;
			return 0;
		}
	return -1;
}

/* --- palettes ----------------------------------------------------------- */

static const uint8_t cube_levels[6] = { 0, 95, 135, 175, 215, 255 };

/* xterm's default colours 0..7: the 8-colour mode's targets. */
static const uint8_t pal8[8][3] = {
	{ 0, 0, 0 }, { 205, 0, 0 }, { 0, 205, 0 }, { 205, 205, 0 },
	{ 0, 0, 238 }, { 205, 0, 205 }, { 0, 205, 205 }, { 229, 229, 229 },
};

/* Squared distance weighted roughly like the eye (2,4,3 for R,G,B): cheap
 * and better than plain RGB at telling greys from tints. */
static uint32_t dist(const uint8_t a[3], const uint8_t b[3])
{
	int dr = a[0] - b[0], dg = a[1] - b[1], db = a[2] - b[2];
	return (uint32_t)(2 * dr * dr + 4 * dg * dg + 3 * db * db);
}

static int cube_index(int v)
{
	return v < 48 ? 0 : v < 115 ? 1 : (v - 35) / 40;
}

void thumb_256_to_rgb(uint8_t idx, uint8_t rgb[3])
{
	if (idx < 8) {
		memcpy(rgb, pal8[idx], 3);
	} else if (idx < 16) {
		/* Bright system colours: themable; a plausible default only. */
		static const uint8_t bright[8][3] = {
			{ 127, 127, 127 }, { 255, 0, 0 }, { 0, 255, 0 }, { 255, 255, 0 },
			{ 92, 92, 255 }, { 255, 0, 255 }, { 0, 255, 255 }, { 255, 255, 255 },
		};
		memcpy(rgb, bright[idx - 8], 3);
	} else if (idx < 232) {
		int i = idx - 16;
		rgb[0] = cube_levels[i / 36];
		rgb[1] = cube_levels[(i / 6) % 6];
		rgb[2] = cube_levels[i % 6];
	} else {
		rgb[0] = rgb[1] = rgb[2] = (uint8_t)(8 + 10 * (idx - 232));
	}
}

uint8_t thumb_rgb_to_256(const uint8_t rgb[3])
{
	int ri = cube_index(rgb[0]), gi = cube_index(rgb[1]), bi = cube_index(rgb[2]);
	uint8_t cube[3] = { cube_levels[ri], cube_levels[gi], cube_levels[bi] };
	int avg = (rgb[0] + rgb[1] + rgb[2]) / 3;
	int gidx = avg < 8 ? 0 : avg > 238 ? 23 : (avg - 3) / 10;
	uint8_t grey[3];
	grey[0] = grey[1] = grey[2] = (uint8_t)(8 + 10 * gidx);
	if (dist(rgb, grey) < dist(rgb, cube))
		return (uint8_t)(232 + gidx);
	return (uint8_t)(16 + 36 * ri + 6 * gi + bi);
}

uint8_t thumb_rgb_to_8(const uint8_t rgb[3])
{
	/* Greys: black or white by brightness. Plain nearest-colour would turn
	 * a dim grey (text strokes averaged with a black background) into cyan
	 * or lose it in black; a thumbnail should show it as text-coloured. */
	int hi = rgb[0] > rgb[1] ? rgb[0] : rgb[1], lo = rgb[0] < rgb[1] ? rgb[0] : rgb[1];
	hi = rgb[2] > hi ? rgb[2] : hi;
	lo = rgb[2] < lo ? rgb[2] : lo;
	if (hi - lo < 40)
		return (2 * rgb[0] + 5 * rgb[1] + rgb[2]) / 8 >= 80 ? 7 : 0;
	uint8_t best = 0;
	uint32_t bd = UINT32_MAX;
	for (uint8_t i = 0; i < 8; i++) {
		uint32_t d = dist(rgb, pal8[i]);
		if (d < bd) {
			bd = d;
			best = i;
		}
	}
	return best;
}

/* --- geometry ----------------------------------------------------------- */

static void free_geometry(struct thumb *t)
{
	free(t->xs);
	free(t->ys);
	free(t->acc);
	free(t->pix);
	t->xs = t->ys = NULL;
	t->acc = NULL;
	t->pix = NULL;
	t->fw = t->fh = 0;
}

static void make_spans(struct span *s, int n, int src)
{
	for (int j = 0; j < n; j++) {
		uint64_t lo = (uint64_t)j * (uint64_t)src, hi = (uint64_t)(j + 1) * (uint64_t)src;
		struct span *p = &s[j];
		p->a = (int)(lo / (uint64_t)n);
		p->b = (int)((hi - 1) / (uint64_t)n);
		if (p->a == p->b) {
			p->wa = (uint32_t)src;
			p->wb = 0;
		} else {
			p->wa = (uint32_t)((uint64_t)(p->a + 1) * (uint64_t)n - lo);
			p->wb = (uint32_t)(hi - (uint64_t)p->b * (uint64_t)n);
		}
	}
}

static void glyph_cell_size(enum thumb_glyph g, int *gx, int *gy)
{
	*gx = g == THUMB_GLYPH_QUAD ? 2 : 1;
	*gy = 2;
}

/* Place the picture in the grid and build the spans for frame w x h. */
static void make_geometry(struct thumb *t, int w, int h)
{
	free_geometry(t);
	glyph_cell_size(t->o.glyph, &t->gx, &t->gy);
	t->pc = t->pr = 0;
	t->pcols = t->cols;
	t->prows = t->rows;
	/* Within 15 % of the pane's shape, fill it: the bars would cost more than
	 * the distortion, and VGA text (720x400 shown at 4:3 on real screens) at
	 * 160x50 gets exactly two cell rows and columns per character, which is
	 * what makes it readable. */
	double img = (double)w / h, pane = (double)t->cols / (2.0 * t->rows);
	bool near = img / pane <= 1.15 && pane / img <= 1.15;
	if (t->o.keep_aspect && !near) {
		/* A cell is about twice as tall as wide: the picture is pcols wide
		 * and 2 * prows tall in cell-width units. */
		if ((int64_t)w * 2 * t->rows >= (int64_t)h * t->cols) {
			int64_t r = ((int64_t)t->cols * h + w) / (2 * (int64_t)w);
			t->prows = (int)(r < 1 ? 1 : r > t->rows ? t->rows : r);
		} else {
			int64_t c = (2 * (int64_t)t->rows * w + h / 2) / h;
			t->pcols = (int)(c < 1 ? 1 : c > t->cols ? t->cols : c);
		}
		t->pc = (t->cols - t->pcols) / 2;
		t->pr = (t->rows - t->prows) / 2;
	}
	t->pw = t->pcols * t->gx;
	t->ph = t->prows * t->gy;
	t->xs = xcalloc((size_t)t->pw, sizeof(*t->xs));
	t->ys = xcalloc((size_t)t->ph, sizeof(*t->ys));
	make_spans(t->xs, t->pw, w);
	make_spans(t->ys, t->ph, h);
	t->acc = xcalloc((size_t)t->pw * 3, sizeof(*t->acc));
	t->pix = xcalloc((size_t)t->pw * (size_t)t->gy * 3, 1);
	t->fw = w;
	t->fh = h;
}

/* --- cells and dirt ----------------------------------------------------- */

static void mark(struct thumb *t, int c, int r)
{
	size_t i = (size_t)r * (size_t)t->cols + (size_t)c;
	if (!t->dirty[i]) {
		t->dirty[i] = 1;
		t->ndirty++;
	}
	t->row_dirty[r] = 1;
}

static bool same_drawn(const struct thumb *t, const struct thumb_cell *a, const struct thumb_cell *b)
{
	if (a->flags != b->flags || a->ch != b->ch)
		return false;
	if (a->flags & THUMB_CELL_BLANK)
		return true;
	switch (t->o.color) {
	case THUMB_COLOR_MONO:
		return true;
	case THUMB_COLOR_24BIT:
		return !memcmp(a->bg, b->bg, 3) && (a->ch == ' ' || !memcmp(a->fg, b->fg, 3));
	default:
		return a->bg_idx == b->bg_idx && (a->ch == ' ' || a->fg_idx == b->fg_idx);
	}
}

static void put(struct thumb *t, int c, int r, const struct thumb_cell *n)
{
	struct thumb_cell *o = &t->cells[(size_t)r * (size_t)t->cols + (size_t)c];
	if (!same_drawn(t, o, n))
		mark(t, c, r);
	*o = *n;
}

static const struct thumb_cell blank_cell = { .ch = ' ', .flags = THUMB_CELL_BLANK };

static void blank_all(struct thumb *t)
{
	for (int r = 0; r < t->rows; r++)
		for (int c = 0; c < t->cols; c++)
			put(t, c, r, &blank_cell);
}

static void mark_all(struct thumb *t)
{
	for (int r = 0; r < t->rows; r++)
		for (int c = 0; c < t->cols; c++)
			mark(t, c, r);
}

static const uint32_t quad_glyphs[16] = {
	/* bit 0 top-left, 1 top-right, 2 bottom-left, 3 bottom-right */
	' ', 0x2598, 0x259D, 0x2580, 0x2596, 0x258C, 0x259E, 0x259B,
	0x2597, 0x259A, 0x2590, 0x259C, 0x2584, 0x2599, 0x259F, 0x2588,
};

static const char ramp[] = " .:-=+*#%@";
#define MONO_THRESHOLD 96 /* luma: above is "ink" in monochrome block mode */

static int luma(const uint8_t p[3])
{
	return (2 * p[0] + 5 * p[1] + p[2]) >> 3; /* 0..255, Rec.601-ish */
}

static void avg_into(uint8_t out[3], const uint8_t *const *p, int n)
{
	for (int k = 0; k < 3; k++) {
		int s = 0;
		for (int i = 0; i < n; i++)
			s += p[i][k];
		out[k] = (uint8_t)((s + n / 2) / n);
	}
}

/* Build one cell from its gx x gy target pixels (px[i] row-major). */
static void make_cell(const struct thumb *t, const uint8_t *const *px, struct thumb_cell *c)
{
	memset(c, 0, sizeof(*c));
	int n = t->gx * t->gy;
	if (t->o.color == THUMB_COLOR_MONO && t->o.glyph != THUMB_GLYPH_ASCII) {
		/* No colours but Unicode: block glyphs drawn in the terminal's
		 * foreground where the picture is bright (1 bit a pixel). */
		unsigned mask = 0;
		for (int i = 0; i < n; i++)
			if (luma(px[i]) >= MONO_THRESHOLD)
				mask |= 1u << (t->gx == 1 ? 2 * i : i); /* half: top = TL+TR bits */
		if (t->gx == 1 && (mask & 4))
			mask |= 8;
		if (t->gx == 1 && (mask & 1))
			mask |= 2;
		c->ch = quad_glyphs[mask];
		avg_into(c->fg, px, n);
		memcpy(c->bg, c->fg, 3);
		return;
	}
	if (t->o.color == THUMB_COLOR_MONO) {
		uint8_t a[3];
		avg_into(a, px, n);
		int l = luma(a);
		c->ch = (uint32_t)ramp[(l * (int)(sizeof(ramp) - 1)) / 256];
		memcpy(c->fg, a, 3);
		memcpy(c->bg, a, 3);
		return;
	}
	switch (t->o.glyph) {
	case THUMB_GLYPH_HALF:
		c->ch = 0x2580;
		memcpy(c->fg, px[0], 3);
		memcpy(c->bg, px[1], 3);
		break;
	case THUMB_GLYPH_ASCII:
		c->ch = ' ';
		avg_into(c->bg, px, n);
		memcpy(c->fg, c->bg, 3);
		break;
	case THUMB_GLYPH_QUAD: {
		int l[4], lo = 256, hi = -1;
		for (int i = 0; i < 4; i++) {
			l[i] = luma(px[i]);
			lo = l[i] < lo ? l[i] : lo;
			hi = l[i] > hi ? l[i] : hi;
		}
		unsigned mask = 0;
		if (hi > lo) {
			int th = (lo + hi + 1) / 2;
			for (int i = 0; i < 4; i++)
				if (l[i] >= th)
					mask |= 1u << i;
		}
		const uint8_t *f[4], *b[4];
		int nf = 0, nb = 0;
		for (int i = 0; i < 4; i++) {
			if (mask & (1u << i))
				f[nf++] = px[i];
			else
				b[nb++] = px[i];
		}
		c->ch = quad_glyphs[mask];
		avg_into(c->bg, b, nb);
		if (nf)
			avg_into(c->fg, f, nf);
		else
			memcpy(c->fg, c->bg, 3);
		break;
	}
	}
	if (t->o.color == THUMB_COLOR_256) {
		c->fg_idx = thumb_rgb_to_256(c->fg);
		c->bg_idx = thumb_rgb_to_256(c->bg);
	} else if (t->o.color == THUMB_COLOR_8) {
		c->fg_idx = thumb_rgb_to_8(c->fg);
		c->bg_idx = thumb_rgb_to_8(c->bg);
	}
	/* Two colours that draw the same: a space is fewer bytes and no glyph. */
	bool same = t->o.color == THUMB_COLOR_24BIT ? !memcmp(c->fg, c->bg, 3) : c->fg_idx == c->bg_idx;
	if (same && c->ch != ' ') {
		c->ch = ' ';
		memcpy(c->fg, c->bg, 3);
		c->fg_idx = c->bg_idx;
	}
}

/* --- the downscale ------------------------------------------------------ */

/* Averaging happens in linear light, not on sRGB values: a thin bright
 * stroke on black (text) then keeps its perceived brightness instead of
 * fading to near-black. 12-bit linear values; the sums stay within 32 bits
 * because a target pixel's weights add up to the source width. */
#define LIN_MAX 4095
/* sRGB -> 12-bit linear (the sRGB transfer function, rounded). */
static const uint16_t to_lin[256] = {
	0, 1, 2, 4, 5, 6, 7, 9, 10, 11, 12, 14, 15, 16, 18, 20,
	21, 23, 25, 27, 29, 31, 33, 35, 37, 40, 42, 45, 48, 50, 53, 56,
	59, 62, 66, 69, 72, 76, 79, 83, 87, 91, 95, 99, 103, 107, 112, 116,
	121, 126, 131, 136, 141, 146, 151, 156, 162, 168, 173, 179, 185, 191, 197, 204,
	210, 216, 223, 230, 237, 244, 251, 258, 265, 273, 280, 288, 296, 304, 312, 320,
	329, 337, 346, 354, 363, 372, 381, 390, 400, 409, 419, 428, 438, 448, 458, 469,
	479, 490, 500, 511, 522, 533, 544, 555, 567, 578, 590, 602, 614, 626, 639, 651,
	664, 676, 689, 702, 715, 728, 742, 755, 769, 783, 797, 811, 825, 840, 854, 869,
	884, 899, 914, 929, 945, 960, 976, 992, 1008, 1024, 1041, 1057, 1074, 1091, 1108, 1125,
	1142, 1159, 1177, 1195, 1213, 1231, 1249, 1267, 1286, 1304, 1323, 1342, 1361, 1381, 1400, 1420,
	1440, 1459, 1480, 1500, 1520, 1541, 1562, 1582, 1603, 1625, 1646, 1668, 1689, 1711, 1733, 1755,
	1778, 1800, 1823, 1846, 1869, 1892, 1916, 1939, 1963, 1987, 2011, 2035, 2059, 2084, 2109, 2133,
	2159, 2184, 2209, 2235, 2260, 2286, 2312, 2339, 2365, 2392, 2419, 2446, 2473, 2500, 2527, 2555,
	2583, 2611, 2639, 2668, 2696, 2725, 2754, 2783, 2812, 2841, 2871, 2901, 2931, 2961, 2991, 3022,
	3052, 3083, 3114, 3146, 3177, 3209, 3240, 3272, 3304, 3337, 3369, 3402, 3435, 3468, 3501, 3535,
	3568, 3602, 3636, 3670, 3705, 3739, 3774, 3809, 3844, 3879, 3915, 3950, 3986, 4022, 4059, 4095,
};
/* 12-bit linear -> the nearest sRGB value: the inverse of to_lin, so exact
 * colours come back unchanged. Filled once. */
static uint8_t to_srgb[LIN_MAX + 1];

static void init_luts(void)
{
	if (to_srgb[LIN_MAX])
		return;
	int v = 0;
	for (int i = 0; i <= LIN_MAX; i++) {
		while (v < 255 && to_lin[v + 1] - i < i - to_lin[v])
			v++;
		to_srgb[i] = (uint8_t)v;
	}
}

/* Horizontal box sums of one source row for target columns j0..j1, added to
 * acc with vertical weight wy. */
static void add_row(struct thumb *t, const uint8_t *row, int j0, int j1, uint32_t wy)
{
	uint32_t nx = (uint32_t)t->pw;
	for (int j = j0; j <= j1; j++) {
		const struct span *s = &t->xs[j];
		const uint8_t *p = row + (size_t)s->a * 4;
		uint32_t r, g, b;
		if (s->a == s->b) {
			r = to_lin[p[0]] * s->wa;
			g = to_lin[p[1]] * s->wa;
			b = to_lin[p[2]] * s->wa;
		} else {
			uint32_t ir = 0, ig = 0, ib = 0;
			const uint8_t *q = p + 4, *end = row + (size_t)s->b * 4;
			for (; q < end; q += 4) {
				ir += to_lin[q[0]];
				ig += to_lin[q[1]];
				ib += to_lin[q[2]];
			}
			r = to_lin[p[0]] * s->wa + ir * nx + to_lin[end[0]] * s->wb;
			g = to_lin[p[1]] * s->wa + ig * nx + to_lin[end[1]] * s->wb;
			b = to_lin[p[2]] * s->wa + ib * nx + to_lin[end[2]] * s->wb;
		}
		uint64_t *a = &t->acc[(size_t)j * 3];
		a[0] += (uint64_t)r * wy;
		a[1] += (uint64_t)g * wy;
		a[2] += (uint64_t)b * wy;
	}
}

/* Target pixel row ty, columns j0..j1, into out (RGB at j * 3). */
static void target_row(struct thumb *t, const struct thumb_frame *f, int ty, int j0, int j1, uint8_t *out)
{
	memset(&t->acc[(size_t)j0 * 3], 0, (size_t)(j1 - j0 + 1) * 3 * sizeof(*t->acc));
	const struct span *s = &t->ys[ty];
	uint32_t ny = (uint32_t)t->ph;
	for (int y = s->a; y <= s->b; y++) {
		uint32_t wy = s->a == s->b ? s->wa : y == s->a ? s->wa : y == s->b ? s->wb : ny;
		add_row(t, f->px + (size_t)y * f->stride, j0, j1, wy);
	}
	uint64_t total = (uint64_t)f->w * (uint64_t)f->h, half = total / 2;
	for (int j = j0; j <= j1; j++)
		for (int k = 0; k < 3; k++)
			out[(size_t)j * 3 + (size_t)k] = to_srgb[(t->acc[(size_t)j * 3 + (size_t)k] + half) / total];
}

/* Recompute picture cells cx0..cx1 x cy0..cy1 (picture-relative). */
static void compute(struct thumb *t, const struct thumb_frame *f, int cx0, int cy0, int cx1, int cy1)
{
	int j0 = cx0 * t->gx, j1 = (cx1 + 1) * t->gx - 1;
	size_t rowbytes = (size_t)t->pw * 3;
	for (int cy = cy0; cy <= cy1; cy++) {
		for (int k = 0; k < t->gy; k++)
			target_row(t, f, cy * t->gy + k, j0, j1, t->pix + rowbytes * (size_t)k);
		for (int cx = cx0; cx <= cx1; cx++) {
			const uint8_t *px[4];
			int n = 0;
			for (int k = 0; k < t->gy; k++)
				for (int i = 0; i < t->gx; i++)
					px[n++] = t->pix + rowbytes * (size_t)k + (size_t)(cx * t->gx + i) * 3;
			struct thumb_cell c;
			make_cell(t, px, &c);
			put(t, t->pc + cx, t->pr + cy, &c);
		}
	}
}

static bool frame_ok(const struct thumb_frame *f)
{
	return f && f->px && f->w > 0 && f->h > 0 && f->w <= THUMB_MAX_FRAME && f->h <= THUMB_MAX_FRAME &&
	       f->stride >= (size_t)f->w * 4;
}

void thumb_update_full(struct thumb *t, const struct thumb_frame *f)
{
	if (!frame_ok(f)) {
		thumb_clear(t);
		return;
	}
	make_geometry(t, f->w, f->h);
	t->need_full = false;
	/* Margins first (a resize may have moved the picture), then the picture. */
	for (int r = 0; r < t->rows; r++)
		for (int c = 0; c < t->cols; c++)
			if (r < t->pr || r >= t->pr + t->prows || c < t->pc || c >= t->pc + t->pcols)
				put(t, c, r, &blank_cell);
	compute(t, f, 0, 0, t->pcols - 1, t->prows - 1);
}

void thumb_update(struct thumb *t, const struct thumb_frame *f, int x, int y, int w, int h)
{
	if (!frame_ok(f)) {
		thumb_clear(t);
		return;
	}
	if (t->need_full || f->w != t->fw || f->h != t->fh) {
		thumb_update_full(t, f);
		return;
	}
	/* Clip in 64 bits: rectangles come from the network. */
	int64_t x0 = x < 0 ? 0 : x, y0 = y < 0 ? 0 : y;
	int64_t x1 = (int64_t)x + w, y1 = (int64_t)y + h;
	if (x1 > f->w)
		x1 = f->w;
	if (y1 > f->h)
		y1 = f->h;
	if (w <= 0 || h <= 0 || x0 >= x1 || y0 >= y1)
		return;
	/* Target pixels whose source interval meets [x0, x1): j*W < x1*N and
	 * (j+1)*W > x0*N. */
	int64_t jx0 = x0 * t->pw / f->w, jx1 = (x1 * t->pw + f->w - 1) / f->w - 1;
	int64_t jy0 = y0 * t->ph / f->h, jy1 = (y1 * t->ph + f->h - 1) / f->h - 1;
	if (jx1 >= t->pw)
		jx1 = t->pw - 1;
	if (jy1 >= t->ph)
		jy1 = t->ph - 1;
	compute(t, f, (int)(jx0 / t->gx), (int)(jy0 / t->gy), (int)(jx1 / t->gx), (int)(jy1 / t->gy));
}

void thumb_clear(struct thumb *t)
{
	free_geometry(t);
	t->need_full = true;
	blank_all(t);
}

/* --- lifetime ----------------------------------------------------------- */

static int clamp_dim(int v)
{
	return v < 1 ? 1 : v > THUMB_MAX_CELLS ? THUMB_MAX_CELLS : v;
}

static void alloc_grid(struct thumb *t, int cols, int rows)
{
	free(t->cells);
	free(t->dirty);
	free(t->row_dirty);
	t->cols = clamp_dim(cols);
	t->rows = clamp_dim(rows);
	size_t n = (size_t)t->cols * (size_t)t->rows;
	t->cells = xcalloc(n, sizeof(*t->cells));
	for (size_t i = 0; i < n; i++)
		t->cells[i] = blank_cell;
	t->dirty = xcalloc(n, 1);
	t->row_dirty = xcalloc((size_t)t->rows, 1);
	t->ndirty = 0;
	free_geometry(t);
	t->need_full = true;
	mark_all(t);
}

struct thumb *thumb_new(int cols, int rows, const struct thumb_opts *opts)
{
	init_luts();
	struct thumb *t = xcalloc(1, sizeof(*t));
	if (opts)
		t->o = *opts;
	alloc_grid(t, cols, rows);
	return t;
}

void thumb_free(struct thumb *t)
{
	if (!t)
		return;
	free_geometry(t);
	free(t->cells);
	free(t->dirty);
	free(t->row_dirty);
	free(t);
}

void thumb_resize(struct thumb *t, int cols, int rows)
{
	if (clamp_dim(cols) == t->cols && clamp_dim(rows) == t->rows)
		return;
	alloc_grid(t, cols, rows);
}

void thumb_set_opts(struct thumb *t, const struct thumb_opts *opts)
{
	if (!memcmp(&t->o, opts, sizeof(*opts)))
		return;
	t->o = *opts;
	free_geometry(t);
	t->need_full = true;
	mark_all(t);
}

int thumb_cols(const struct thumb *t) { return t->cols; }
int thumb_rows(const struct thumb *t) { return t->rows; }
const struct thumb_opts *thumb_get_opts(const struct thumb *t) { return &t->o; }

const struct thumb_cell *thumb_cell(const struct thumb *t, int col, int row)
{
	if (col < 0 || row < 0 || col >= t->cols || row >= t->rows)
		return &blank_cell;
	return &t->cells[(size_t)row * (size_t)t->cols + (size_t)col];
}

bool thumb_dirty(const struct thumb *t, int col, int row)
{
	if (col < 0 || row < 0 || col >= t->cols || row >= t->rows)
		return false;
	return t->dirty[(size_t)row * (size_t)t->cols + (size_t)col];
}

bool thumb_row_dirty(const struct thumb *t, int row)
{
	return row >= 0 && row < t->rows && t->row_dirty[row];
}

size_t thumb_dirty_count(const struct thumb *t) { return t->ndirty; }

void thumb_clear_dirty(struct thumb *t)
{
	memset(t->dirty, 0, (size_t)t->cols * (size_t)t->rows);
	memset(t->row_dirty, 0, (size_t)t->rows);
	t->ndirty = 0;
}

void thumb_picture(const struct thumb *t, int *col, int *row, int *cols, int *rows)
{
	bool have = t->fw > 0;
	if (col)
		*col = have ? t->pc : 0;
	if (row)
		*row = have ? t->pr : 0;
	if (cols)
		*cols = have ? t->pcols : 0;
	if (rows)
		*rows = have ? t->prows : 0;
}

bool thumb_cell_point(const struct thumb *t, int col, int row, int *x, int *y)
{
	int c = col - t->pc, r = row - t->pr;
	if (t->fw <= 0 || c < 0 || r < 0 || c >= t->pcols || r >= t->prows)
		return false;
	/* Target pixel j covers source [j*src/n, (j+1)*src/n) (make_spans):
	 * the cell's gx (gy) target pixels cover [c*fw/pcols, (c+1)*fw/pcols). */
	*x = (int)(((2 * (int64_t)c + 1) * t->fw) / (2 * (int64_t)t->pcols));
	*y = (int)(((2 * (int64_t)r + 1) * t->fh) / (2 * (int64_t)t->prows));
	return true;
}

/* --- terminal output ---------------------------------------------------- */

static void buf_utf8(struct strbuf *b, uint32_t c)
{
	char u[4];
	size_t n;
	if (c < 0x80) {
		u[0] = (char)c;
		n = 1;
	} else if (c < 0x800) {
		u[0] = (char)(0xC0 | (c >> 6));
		u[1] = (char)(0x80 | (c & 0x3F));
		n = 2;
	} else {
		u[0] = (char)(0xE0 | (c >> 12));
		u[1] = (char)(0x80 | ((c >> 6) & 0x3F));
		u[2] = (char)(0x80 | (c & 0x3F));
		n = 3;
	}
	strbuf_add(b, u, n);
}

/* What the terminal currently has set; -1 = default colours. */
struct sgr_state {
	int fg, bg; /* packed rgb or index, -1 = default */
};

static int pack(const struct thumb *t, const uint8_t rgb[3], uint8_t idx)
{
	if (t->o.color == THUMB_COLOR_24BIT)
		return (rgb[0] << 16) | (rgb[1] << 8) | rgb[2];
	return idx;
}

static void sgr_colour(const struct thumb *t, char *out, size_t n, bool fg, const uint8_t rgb[3], uint8_t idx)
{
	switch (t->o.color) {
	case THUMB_COLOR_24BIT:
		snprintf(out, n, "%d;2;%u;%u;%u", fg ? 38 : 48, rgb[0], rgb[1], rgb[2]);
		break;
	case THUMB_COLOR_256:
		snprintf(out, n, "%d;5;%u", fg ? 38 : 48, idx);
		break;
	default:
		snprintf(out, n, "%d", (fg ? 30 : 40) + idx);
		break;
	}
}

static void emit_cell(const struct thumb *t, struct strbuf *b, struct sgr_state *st, const struct thumb_cell *c)
{
	if (t->o.color != THUMB_COLOR_MONO) {
		if (c->flags & THUMB_CELL_BLANK) {
			if (st->fg != -1 || st->bg != -1) {
				strbuf_adds(b, "\x1b[0m");
				st->fg = st->bg = -1;
			}
		} else {
			int fg = pack(t, c->fg, c->fg_idx), bg = pack(t, c->bg, c->bg_idx);
			char sgr[64] = "\x1b[", part[24];
			bool any = false;
			if (c->ch != ' ' && fg != st->fg) {
				sgr_colour(t, part, sizeof(part), true, c->fg, c->fg_idx);
				strcat(sgr, part);
				st->fg = fg;
				any = true;
			}
			if (bg != st->bg) {
				sgr_colour(t, part, sizeof(part), false, c->bg, c->bg_idx);
				if (any)
					strcat(sgr, ";");
				strcat(sgr, part);
				st->bg = bg;
				any = true;
			}
			if (any) {
				strcat(sgr, "m");
				strbuf_adds(b, sgr);
			}
		}
	}
	buf_utf8(b, c->ch);
}

char *thumb_ansi(const struct thumb *t, bool all, int row0, int col0, size_t *len)
{
	struct strbuf b = { 0 };
	strbuf_add(&b, "", 0);
	struct sgr_state st = { -1, -1 };
	for (int r = 0; r < t->rows; r++) {
		if (!all && !t->row_dirty[r])
			continue;
		bool placed = false;
		for (int c = 0; c < t->cols; c++) {
			const struct thumb_cell *cell = &t->cells[(size_t)r * (size_t)t->cols + (size_t)c];
			if (!all) {
				if (!t->dirty[(size_t)r * (size_t)t->cols + (size_t)c]) {
					placed = false;
					continue;
				}
				if (!placed) {
					char cup[32];
					snprintf(cup, sizeof(cup), "\x1b[%d;%dH", row0 + r, col0 + c);
					strbuf_adds(&b, cup);
					placed = true;
				}
			}
			emit_cell(t, &b, &st, cell);
		}
		if (all) {
			if (st.fg != -1 || st.bg != -1 || t->o.color != THUMB_COLOR_MONO)
				strbuf_adds(&b, "\x1b[0m");
			strbuf_adds(&b, "\n");
			st.fg = st.bg = -1;
		}
	}
	if (!all && (st.fg != -1 || st.bg != -1))
		strbuf_adds(&b, "\x1b[0m");
	if (len)
		*len = b.len;
	return b.s;
}
