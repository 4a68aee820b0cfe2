/* term: the only file that talks to the terminal (ncursesw). It copies the
 * cells of a grid that changed since the last flush, then wnoutrefresh +
 * doupdate: an unchanged grid writes nothing. It also restores the terminal
 * on every way out: normal exit, SIGHUP/SIGTERM (the app), crash, fatal(). */
#ifndef VMDECK_TUI_TERM_H
#define VMDECK_TUI_TERM_H

#include "tui/grid.h"
#include "tui/mouse.h"
#include "tui/theme.h"

#include <stdbool.h>

struct term;

/* Open the terminal on stdin/stdout, in the colour mode tui/termcolor.h
 * picks (maybe with TERM's -direct sibling). Fails (with a message) when
 * stdout is not a terminal, TERM is unknown or VMDECK_COLORS is invalid.
 * Installs crash handlers and the fatal hook. */
struct term *term_new(char **err);
/* Restore the terminal (endwin) and free. NULL is a no-op. */
void term_free(struct term *t);
bool term_utf8(const struct term *t);
/* The colour mode tui/termcolor.h chose (VMDECK_COLORS, NO_COLOR, terminfo, COLORTERM). */
enum theme_colors term_colors(const struct term *t);
int term_fd(const struct term *t);
void term_size(const struct term *t, int *w, int *h);
/* Re-read the window size (SIGWINCH arrives through the loop's signalfd). */
void term_resize(struct term *t);
/* Copy changed cells and update the screen; full repaints everything (^L).
 * Returns the number of cells written. */
int term_flush(struct term *t, const struct grid *g, bool full);
/* Raw input (on): Ctrl-C, Ctrl-Z, Ctrl-\\, Ctrl-S and Ctrl-Q arrive as keys
 * instead of signals and flow control — for typing into a guest's screen.
 * Off: back to cbreak. */
void term_raw(struct term *t, bool on);
/* Next key (keys.h code), K_NONE when no more input is waiting. */
int term_read_key(struct term *t);
/* Ask the terminal for clicks and the wheel (on), or leave the mouse to it
 * (off: its own selection, copy and paste). ncurses picks the protocol from
 * terminfo (xterm*: SGR 1006 + 1000; tmux*, screen*: 1000) and switches it
 * off again in endwin (exit, signals, crash). Returns whether it is on. */
bool term_mouse(struct term *t, bool on);
/* The event behind the last K_MOUSE (tui/mouse.h). */
const struct mouse_event *term_last_mouse(const struct term *t);

#endif
