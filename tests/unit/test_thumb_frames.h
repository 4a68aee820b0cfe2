/* Synthetic framebuffers (RGBx, 4 bytes a pixel) shared by the thumbnail's
 * unit tests, fuzz target and bench: stripes, gradients, text-like glyphs. */
#ifndef VMDECK_TEST_THUMB_FRAMES_H
#define VMDECK_TEST_THUMB_FRAMES_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct tframe {
	uint8_t *px;
	int w, h;
	size_t stride;
};

static inline struct tframe tframe_new(int w, int h)
{
	struct tframe f = { calloc((size_t)w * (size_t)h, 4), w, h, (size_t)w * 4 };
	return f;
}

static inline void tframe_set(struct tframe *f, int x, int y, uint8_t r, uint8_t g, uint8_t b)
{
	uint8_t *p = f->px + (size_t)y * f->stride + (size_t)x * 4;
	p[0] = r, p[1] = g, p[2] = b, p[3] = 0xAA; /* x byte: garbage that must be ignored */
}

static inline void tframe_fill(struct tframe *f, int x0, int y0, int w, int h, uint8_t r, uint8_t g, uint8_t b)
{
	for (int y = y0; y < y0 + h && y < f->h; y++)
		for (int x = x0; x < x0 + w && x < f->w; x++)
			tframe_set(f, x, y, r, g, b);
}

/* Vertical stripes `width` pixels wide, alternating a and b. */
static inline void tframe_vstripes(struct tframe *f, int width, const uint8_t a[3], const uint8_t b[3])
{
	for (int y = 0; y < f->h; y++)
		for (int x = 0; x < f->w; x++) {
			const uint8_t *c = (x / width) % 2 ? b : a;
			tframe_set(f, x, y, c[0], c[1], c[2]);
		}
}

static inline void tframe_hstripes(struct tframe *f, int height, const uint8_t a[3], const uint8_t b[3])
{
	for (int y = 0; y < f->h; y++)
		for (int x = 0; x < f->w; x++) {
			const uint8_t *c = (y / height) % 2 ? b : a;
			tframe_set(f, x, y, c[0], c[1], c[2]);
		}
}

/* Red rises left to right, green top to bottom, blue is their inverse. */
static inline void tframe_gradient(struct tframe *f)
{
	for (int y = 0; y < f->h; y++)
		for (int x = 0; x < f->w; x++) {
			uint8_t r = (uint8_t)(x * 255 / (f->w > 1 ? f->w - 1 : 1));
			uint8_t g = (uint8_t)(y * 255 / (f->h > 1 ? f->h - 1 : 1));
			tframe_set(f, x, y, r, g, (uint8_t)(255 - (r + g) / 2));
		}
}

/* A 5x7 font for the few letters the text frames use. */
static inline const uint8_t *tframe_glyph(char ch)
{
	static const struct { char c; uint8_t rows[7]; } font[] = {
		{ 'V', { 0x11, 0x11, 0x11, 0x11, 0x11, 0x0A, 0x04 } },
		{ 'M', { 0x11, 0x1B, 0x15, 0x15, 0x11, 0x11, 0x11 } },
		{ 'D', { 0x1E, 0x11, 0x11, 0x11, 0x11, 0x11, 0x1E } },
		{ 'E', { 0x1F, 0x10, 0x10, 0x1E, 0x10, 0x10, 0x1F } },
		{ 'C', { 0x0E, 0x11, 0x10, 0x10, 0x10, 0x11, 0x0E } },
		{ 'K', { 0x11, 0x12, 0x14, 0x18, 0x14, 0x12, 0x11 } },
		{ 'O', { 0x0E, 0x11, 0x11, 0x11, 0x11, 0x11, 0x0E } },
		{ 'B', { 0x1E, 0x11, 0x11, 0x1E, 0x11, 0x11, 0x1E } },
		{ 'I', { 0x0E, 0x04, 0x04, 0x04, 0x04, 0x04, 0x0E } },
		{ 'S', { 0x0F, 0x10, 0x10, 0x0E, 0x01, 0x01, 0x1E } },
		{ ' ', { 0, 0, 0, 0, 0, 0, 0 } },
	};
	for (size_t i = 0; i < sizeof(font) / sizeof(font[0]); i++)
		if (font[i].c == ch)
			return font[i].rows;
	return font[sizeof(font) / sizeof(font[0]) - 1].rows;
}

/* Text in 9x16 character cells like the VGA console (glyph scaled 1x2 in
 * the top-left 5x14), fg on bg, starting at character (col, row). */
static inline void tframe_text(struct tframe *f, int col, int row, const char *s, const uint8_t fg[3],
			       const uint8_t bg[3])
{
	for (int i = 0; s[i]; i++) {
		int x0 = (col + i) * 9, y0 = row * 16;
		const uint8_t *g = tframe_glyph(s[i]);
		for (int y = 0; y < 16; y++)
			for (int x = 0; x < 9; x++) {
				int on = y >= 1 && y < 15 && x >= 2 && x < 7 && (g[(y - 1) / 2] >> (4 - (x - 2))) & 1;
				const uint8_t *c = on ? fg : bg;
				if (x0 + x < f->w && y0 + y < f->h)
					tframe_set(f, x0 + x, y0 + y, c[0], c[1], c[2]);
			}
	}
}

/* Deterministic pseudo-random bytes (xorshift), so tests never flake. */
static inline uint32_t tframe_rand(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

static inline void tframe_noise(struct tframe *f, uint32_t seed)
{
	for (int y = 0; y < f->h; y++)
		for (int x = 0; x < f->w; x++) {
			uint32_t v = tframe_rand(&seed);
			tframe_set(f, x, y, (uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16));
		}
}

#endif
