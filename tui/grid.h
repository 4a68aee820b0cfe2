/* grid: the screen as an in-memory array of cells (tmux's grid.c). Views draw
 * into it; tests inspect it; only term.c copies it to the terminal. */
#ifndef VMDECK_TUI_GRID_H
#define VMDECK_TUI_GRID_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum { GRID_BOLD = 1, GRID_REVERSE = 2, GRID_UNDERLINE = 4, GRID_DIM = 8 };

/* Colours are palette numbers (0-255), -1 = the terminal's default, or
 * (THEME_24BIT only) GRID_RGB | 0xRRGGBB: the flag keeps an RGB colour
 * apart from a palette number (#000001 is not colour 1). */
#define GRID_RGB 0x1000000
#define GRID_RGB_OF(r, g, b) ((int32_t)(GRID_RGB | ((uint32_t)(r) << 16) | ((uint32_t)(g) << 8) | (uint32_t)(b)))
struct grid_pen {
	int32_t fg, bg;
	/* 16 bits each only so that a pen has no padding bytes (grids compare
	 * with memcmp, and a pen literal's padding would be garbage). */
	uint16_t attr;
	uint16_t role; /* the theme role it came from, for tests and the monochrome map */
};

struct grid_cell {
	uint32_t ch; /* one Unicode code point, always printable and one column wide */
	struct grid_pen pen;
};

struct rect {
	int x, y, w, h;
};

struct grid {
	int w, h;
	struct grid_cell *cells;
};

struct grid *grid_new(int w, int h);
void grid_free(struct grid *g);
/* New size; contents are cleared. */
void grid_resize(struct grid *g, int w, int h);
/* Borrowed; NULL outside the grid. */
struct grid_cell *grid_at(struct grid *g, int x, int y);
const struct grid_cell *grid_cget(const struct grid *g, int x, int y);
bool grid_cell_eq(const struct grid_cell *a, const struct grid_cell *b);

void grid_set(struct grid *g, int x, int y, uint32_t ch, struct grid_pen pen);
void grid_fill(struct grid *g, struct rect r, uint32_t ch, struct grid_pen pen);
/* Print UTF-8 text at x,y, clipped to maxw columns; control characters and
 * code points wider than one column become '?'. Returns columns used. */
int grid_print(struct grid *g, int x, int y, int maxw, struct grid_pen pen, const char *s);
int grid_printf(struct grid *g, int x, int y, int maxw, struct grid_pen pen, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));
/* Print UTF-8 text word-wrapped into rows of maxw columns from x,y, at
 * most maxrows rows (the last one is cut when the text is longer). Returns
 * the rows used; with g NULL only counts them. */
int grid_print_wrap(struct grid *g, int x, int y, int maxw, int maxrows, struct grid_pen pen, const char *s);

/* Row y as UTF-8 text, trailing blanks removed (tests, screen dumps). Caller frees. */
char *grid_row_text(const struct grid *g, int y);
/* Whole grid as text, one line per row. Caller frees. */
char *grid_text(const struct grid *g);
/* Does any row contain needle? Returns the row or -1. */
int grid_find(const struct grid *g, const char *needle);

/* Decode one UTF-8 sequence; returns bytes consumed (>= 1), *cp = 0xFFFD on junk. */
size_t grid_utf8_decode(const char *s, uint32_t *cp);
/* Encode one code point as UTF-8 into out (4 bytes room); returns the bytes written. */
size_t grid_utf8_encode(uint32_t cp, char *out);
/* Columns a UTF-8 string takes with grid_print's rules. */
int grid_strwidth(const char *s);

#endif
