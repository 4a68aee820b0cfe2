/* textscr: a text-mode screen read back as characters. Pure: no curses, no
 * I/O besides loading console fonts.
 *
 * A VGA text screen (BIOS, Linux vgacon: 80x25 cells of 9x16 pixels in a
 * 720x400 frame) or a Linux framebuffer console (8x16 cells, e.g. 128x48 in
 * 1024x768) is a grid of two-coloured cells, each showing one glyph of a
 * console font. textscr_recognise() tries the cell sizes that tile the
 * frame; per cell it takes the two colours (bg = the more frequent one; a
 * third colour means "not text"), makes a bitmap of the first 8 pixel
 * columns (a 9th column is the VGA gap or the 0xC0-0xDF line-graphics
 * repeat, so it carries no information) and looks it up among the loaded
 * fonts' glyphs: exact first, then the nearest by Hamming distance under a
 * threshold (fonts differ in a few glyphs; a cursor's underline rows are
 * left out of the comparison), then the inverted bitmap (reverse video,
 * mostly-filled glyphs). The screen is text when at least 95 % of its
 * non-blank cells matched.
 *
 * Fonts are PSF1/PSF2 files, plain or gzip-compressed, loaded at run time
 * (no font is compiled in). A glyph's character comes from the font's
 * Unicode table, else from its index read as code page 437.
 *
 * Measured (tests/bench): the font whose glyphs QEMU's SeaVGABIOS draws —
 * and Linux vgacon keeps — is console-data's default8x16 for 252 of 256
 * glyphs; its '0' differs (slashed vs dotted) and is matched exactly by
 * console-data's iso01a-8x16, so the default search loads every font it
 * finds and uses them together. */
#ifndef VMDECK_TEXTSCR_H
#define VMDECK_TEXTSCR_H

#include "core/thumb.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One or more console fonts (8 pixels wide or less; heights may differ). */
struct textscr_font;

/* Where textscr_font_find() looks when VMDECK_CONSOLE_FONT is not set,
 * NULL-terminated; every file found is loaded (earlier files win when two
 * fonts have the same glyph). */
extern const char *const textscr_font_search[];

struct textscr_font *textscr_font_new(void);
void textscr_font_free(struct textscr_font *f);
/* Add a PSF1/PSF2 font (gzip or plain). -1 with *err naming the file. */
int textscr_font_add(struct textscr_font *f, const char *path, char **err);
/* $VMDECK_CONSOLE_FONT (one path, or several separated by ':', all of which
 * must load) or else every font of textscr_font_search[] that exists. NULL
 * with *err saying what was searched and how to get a font. */
struct textscr_font *textscr_font_find(char **err);
size_t textscr_font_files(const struct textscr_font *f);
const char *textscr_font_file(const struct textscr_font *f, size_t i);
/* Glyphs (distinct bitmaps) loaded for cells of this height. */
size_t textscr_font_glyphs(const struct textscr_font *f, int height);

/* The recogniser and its last result. */
struct textscr;

struct textscr *textscr_new(void);
void textscr_free(struct textscr *t);
/* Read the frame. true: a text screen, whose cells textscr_cell() gives;
 * false: not text (the previous result is gone). */
bool textscr_recognise(struct textscr *t, const struct textscr_font *f, const struct thumb_frame *fr);
int textscr_cols(const struct textscr *t);
int textscr_rows(const struct textscr *t);
/* The cell size in pixels that matched (9x16 for VGA text). */
void textscr_cell_size(const struct textscr *t, int *w, int *h);
/* ch = the character (' ' for blank), fg/bg = its colours; fg_idx/bg_idx
 * and flags are 0 (the caller picks the palette, see thumb_rgb_to_256). */
const struct thumb_cell *textscr_cell(const struct textscr *t, int col, int row);
/* Of the last attempt at the chosen (or last tried) cell size: cells that
 * were not blank, and of those the ones that matched a glyph. */
void textscr_stats(const struct textscr *t, int *nonblank, int *matched);
/* The screen as UTF-8, one line per row, trailing blanks removed, each
 * ended by '\n'. Caller frees. NULL when not text. */
char *textscr_text(const struct textscr *t);

/* Code page 437 (the VGA ROM's character set) to Unicode; 0 -> ' '. */
uint32_t textscr_cp437(uint8_t c);

#endif
