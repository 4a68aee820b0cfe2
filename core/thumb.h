/* thumb: a framebuffer turned into terminal cells. Pure: no curses, no I/O.
 *
 * The picture is downscaled by area averaging (every source pixel counts,
 * weighted by how much of it falls into a target pixel; never nearest pixel)
 * and drawn with block glyphs that show two colours per cell:
 *
 *   THUMB_GLYPH_HALF   U+2580 "▀": fg = top pixel, bg = bottom pixel;
 *                      a cell shows 1x2 pixels.
 *   THUMB_GLYPH_QUAD   quadrant blocks U+2596..U+259F, ▀ ▄ ▌ ▐: a cell shows
 *                      2x2 pixels split into two colours (best for text
 *                      consoles, which are two-coloured anyway).
 *   THUMB_GLYPH_ASCII  no Unicode (LANG=C): in a colour mode a space whose
 *                      bg is the cell's average; in THUMB_COLOR_MONO a
 *                      brightness ramp " .:-=+*#%@".
 * THUMB_COLOR_MONO with HALF or QUAD (no colours, but UTF-8): the block
 * glyph covers the bright pixels (1 bit a pixel, drawn in the terminal's
 * own foreground) — sharper than the ramp for text consoles.
 *
 * How engineer D draws a cell with ncurses, by colour mode:
 *   THUMB_COLOR_24BIT  fg/bg rgb (direct-colour terminals: colour number
 *                      (r << 16) | (g << 8) | b with init_extended_pair).
 *   THUMB_COLOR_256    fg_idx/bg_idx: xterm palette 16..255 (the 6x6x6 cube
 *                      and the grey ramp; 0..15 are user-themable, so never).
 *   THUMB_COLOR_8      fg_idx/bg_idx: 0..7 = COLOR_BLACK..COLOR_WHITE.
 *   THUMB_COLOR_MONO   no colour at all: just ch (fg/bg hold the average,
 *                      for information).
 * A colour pair per (fg_idx, bg_idx) is at most 256*256; ncurses'
 * alloc_pair() caches them. Cells with THUMB_CELL_BLANK lie outside the
 * picture (aspect-ratio letterbox): draw a space in the default colours.
 * When fg_idx == bg_idx (or fg == bg in 24-bit) the glyph is a space, so
 * only bg matters.
 *
 * Incremental use: thumb_update() with the rectangles libvncclient reported
 * recomputes only the cells those rectangles touch and marks a cell dirty
 * only when what would be drawn changed (in the current colour mode). Draw
 * the dirty cells, then thumb_clear_dirty(). */
#ifndef VMDECK_THUMB_H
#define VMDECK_THUMB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum thumb_color { THUMB_COLOR_24BIT, THUMB_COLOR_256, THUMB_COLOR_8, THUMB_COLOR_MONO };
enum thumb_glyph { THUMB_GLYPH_HALF, THUMB_GLYPH_QUAD, THUMB_GLYPH_ASCII };

const char *thumb_color_name(enum thumb_color c);   /* "24bit", "256", "8", "mono" */
int thumb_color_parse(const char *s, enum thumb_color *out);
const char *thumb_glyph_name(enum thumb_glyph g);   /* "half", "quad", "ascii" */
int thumb_glyph_parse(const char *s, enum thumb_glyph *out);

#define THUMB_CELL_BLANK 0x01u

struct thumb_cell {
	uint32_t ch;            /* Unicode code point (ASCII in THUMB_GLYPH_ASCII) */
	uint8_t fg[3], bg[3];   /* 24-bit colours, R,G,B */
	uint8_t fg_idx, bg_idx; /* palette index for THUMB_COLOR_256 / _8, else 0 */
	uint8_t flags;          /* THUMB_CELL_BLANK */
};

/* A framebuffer as libvncclient keeps it with rfbGetClient(8, 3, 4): 4 bytes
 * a pixel, R,G,B,x in memory order; stride in bytes (>= 4 * w). Borrowed. */
struct thumb_frame {
	const uint8_t *px;
	int w, h;
	size_t stride;
};

struct thumb_opts {
	enum thumb_color color;
	enum thumb_glyph glyph;
	/* Keep the picture's proportions (assuming a cell twice as tall as wide)
	 * and centre it; the margin is THUMB_CELL_BLANK. A picture within 15 %
	 * of the grid's shape fills it anyway (720x400 text in 160x50: two
	 * cells per character each way). false: always stretch. */
	bool keep_aspect;
};

struct thumb;

/* A cols x rows cell grid (both >= 1; clamped to 4096). All cells blank
 * and dirty until a frame is shown. */
struct thumb *thumb_new(int cols, int rows, const struct thumb_opts *opts);
void thumb_free(struct thumb *t);

/* Change the grid size or the options: everything is dirty and the next
 * thumb_update() recomputes the whole picture. */
void thumb_resize(struct thumb *t, int cols, int rows);
void thumb_set_opts(struct thumb *t, const struct thumb_opts *opts);

/* Recompute the cells the rectangle (framebuffer pixels) touches. A frame
 * whose size differs from the last one (a resize), or a pending full
 * recompute, recomputes everything. Rectangles are clipped to the frame. */
void thumb_update(struct thumb *t, const struct thumb_frame *f, int x, int y, int w, int h);
void thumb_update_full(struct thumb *t, const struct thumb_frame *f);
/* No frame any more (VM gone): every cell blank. */
void thumb_clear(struct thumb *t);

int thumb_cols(const struct thumb *t);
int thumb_rows(const struct thumb *t);
const struct thumb_opts *thumb_get_opts(const struct thumb *t);
/* Borrowed; valid until the next call that changes t. */
const struct thumb_cell *thumb_cell(const struct thumb *t, int col, int row);
bool thumb_dirty(const struct thumb *t, int col, int row);
bool thumb_row_dirty(const struct thumb *t, int row);
size_t thumb_dirty_count(const struct thumb *t);
void thumb_clear_dirty(struct thumb *t);
/* The picture's place in the grid (the rest is blank). */
void thumb_picture(const struct thumb *t, int *col, int *row, int *cols, int *rows);
/* The framebuffer pixel under cell col,row of the last frame shown: the
 * centre of the source area the cell averages (a half-block cell shows two
 * pixel rows, a quadrant cell 2x2; either way a cell covers frame width /
 * picture columns by frame height / picture rows). False outside the
 * picture (the letterbox) or before any frame. For clicks. */
bool thumb_cell_point(const struct thumb *t, int col, int row, int *x, int *y);

/* The cells as terminal output (SGR colours, UTF-8 glyphs), for the
 * headless renderer, golden files and the byte-rate estimate. all: every
 * row, each ended by "\x1b[0m\n". Else only dirty cells, each run placed
 * with CUP relative to (row0, col0) (1-based) like a curses refresh would.
 * Returns a malloc'd NUL-terminated string; *len gets its length. */
char *thumb_ansi(const struct thumb *t, bool all, int row0, int col0, size_t *len);

/* Palette helpers (exported for tests). */
uint8_t thumb_rgb_to_256(const uint8_t rgb[3]);
uint8_t thumb_rgb_to_8(const uint8_t rgb[3]);
void thumb_256_to_rgb(uint8_t idx, uint8_t rgb[3]);

#endif
