/* vtscreen: a terminal in memory for the console pane, on libvterm: the
 * guest's bytes in, cells drawn into a grid (colours, attributes, cursor,
 * the alternate screen of full-screen programs), lines scrolled off the top
 * kept as scrollback; and keys out as the bytes a VT100/xterm sends, by
 * libvterm's keyboard, which follows the modes the guest set (application
 * cursor keys for vi, top). No I/O: what it answers goes to the out hook. */
#ifndef VMDECK_TUI_VTSCREEN_H
#define VMDECK_TUI_VTSCREEN_H

#include "tui/grid.h"

#include <stdbool.h>
#include <stddef.h>

struct vtscreen;

/* Bytes for the guest: typed keys, and the terminal's answers to queries
 * (the cursor position a shell asks for with ESC [ 6 n). */
typedef void (*vtscreen_out_fn)(const char *bytes, size_t n, void *arg);

/* Lines of scrollback a console keeps (docs/tui.md, "Memory"). */
#define VTSCREEN_SCROLLBACK 1000

struct vtscreen *vtscreen_new(int rows, int cols, vtscreen_out_fn out, void *arg);
void vtscreen_free(struct vtscreen *s);
/* A blank screen, no scrollback, default modes (another VM's console). */
void vtscreen_reset(struct vtscreen *s);
void vtscreen_feed(struct vtscreen *s, const char *bytes, size_t n);
/* The pane's new inner size; the guest is not told (a serial line has none). */
void vtscreen_resize(struct vtscreen *s, int rows, int cols);
void vtscreen_size(const struct vtscreen *s, int *rows, int *cols);
/* A full-screen program has the alternate screen: PgUp/PgDn are its keys. */
bool vtscreen_altscreen(const struct vtscreen *s);
size_t vtscreen_scrollback(const struct vtscreen *s);
/* Anything changed since the last call. */
bool vtscreen_take_dirty(struct vtscreen *s);
/* Draw into r (its size should be the screen's), scrolled back by scroll
 * lines (clamped to the scrollback), the cursor as a reverse cell. */
void vtscreen_draw(const struct vtscreen *s, struct grid *g, struct rect r, int scroll, bool cursor);
/* One key (tui/keys.h code) as the guest's terminal sends it, through the
 * out hook. false: no bytes for that key. */
bool vtscreen_key(struct vtscreen *s, int key);
/* Row y of the screen as UTF-8 text (tests). Caller frees. */
char *vtscreen_row_text(const struct vtscreen *s, int y);

#endif
