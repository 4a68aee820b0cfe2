/* mouse: clicks and the wheel, as plain data (term.c turns ncurses' MEVENT
 * into a mouse_event; nothing here knows curses), the hit test (which view
 * and which row a cell belongs to) and what a click or a notch does to the
 * UI. A mouse never starts, stops or resets anything: those stay on keys,
 * and anything that asks y/n still asks. */
#ifndef VMDECK_TUI_MOUSE_H
#define VMDECK_TUI_MOUSE_H

#include "tui/ui.h"

#include <stdbool.h>

enum mouse_kind { MOUSE_PRESS, MOUSE_RELEASE, MOUSE_WHEEL_UP, MOUSE_WHEEL_DOWN };
enum { MOUSE_SHIFT = 1, MOUSE_CTRL = 2, MOUSE_ALT = 4 };

struct mouse_event {
	int x, y;            /* cell, 0-based from the top left */
	enum mouse_kind kind;
	int button;          /* 1 left, 2 middle, 3 right; 0 for the wheel */
	unsigned mods;       /* MOUSE_SHIFT | MOUSE_CTRL | MOUSE_ALT */
};

/* Lines one wheel notch scrolls (what most terminals scroll). */
#define MOUSE_WHEEL_LINES 3

struct mouse_hit {
	enum view_id view;   /* V__N: no view there */
	long item;           /* the VM or bridge on that row; -1: none */
};

/* Which view, and which VM/bridge row, holds cell x,y in the last layout. */
struct mouse_hit mouse_hit(const struct ui *ui, int x, int y);

/* Apply one event to the UI (selection, focus, scrolling). Returns a key to
 * run through the key table as if typed (z on the thumbnail, m on the
 * monitor pane, a status bar hint), or K_NONE. */
int mouse_apply(struct ui *ui, const struct mouse_event *ev);

/* VMDECK_MOUSE's value: NULL/"" (default on), 1/on/yes, 0/off/no. Returns
 * 0 and sets *on, or -1 with a message naming the variable. */
int mouse_env(const char *value, bool *on, char **err);

#endif
