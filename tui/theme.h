/* theme: named colour roles and the UTF-8 / ASCII glyph tables (htop's CRT.c),
 * in one place. Views ask for a role or a glyph, never for a colour. */
#ifndef VMDECK_TUI_THEME_H
#define VMDECK_TUI_THEME_H

#include "tui/grid.h"

#include <stdbool.h>

enum role {
	ROLE_NORMAL,
	ROLE_DIM,
	ROLE_BORDER,
	ROLE_TITLE,       /* pane title */
	ROLE_TITLE_FOCUS, /* title of the focused pane */
	ROLE_SELECTED,    /* selected row in the focused pane */
	ROLE_SELECTED_DIM,/* selected row in a pane without focus */
	ROLE_HEADER,      /* top bar */
	ROLE_STATUS,      /* bottom bar */
	ROLE_KEY,         /* a key name in the bottom bar */
	ROLE_OK,          /* running, pinned */
	ROLE_WARN,        /* starting, stopping, paused */
	ROLE_BAD,         /* exited with a failure, AT RISK, degraded */
	ROLE_FLASH,       /* a bridge whose MAC just changed */
	ROLE_MODE_INSTALL,/* the install mark */
	ROLE_INPUT,       /* the monitor's input line */
	ROLE_ERROR,       /* a message in the bottom bar */
	ROLE_THUMB,       /* thumbnail cells carry their own colours */
	ROLE__N
};

enum glyph {
	GL_HLINE, GL_VLINE, GL_TL, GL_TR, GL_BL, GL_BR, GL_TEE_DOWN, GL_TEE_UP, GL_TEE_RIGHT, GL_TEE_LEFT,
	GL_BRANCH,    /* a port under its bridge */
	GL_LAST,      /* the last port */
	GL_ARROW,     /* old -> new */
	GL_RUNNING, GL_STOPPED, GL_PAUSED, GL_BUSY, GL_FAILED,
	GL_UP, GL_DOWN, GL_ELLIPSIS, GL_UPPER_HALF, GL_SHADE,
	GL__N
};

/* THEME_24BIT: the roles keep the 256-colour look (as RGB, see grid.h
 * GRID_RGB) and thumbnails carry their own 24-bit colours. */
enum theme_colors { THEME_MONO, THEME_8, THEME_256, THEME_24BIT };

/* Pick the tables: utf8 = the locale's codeset is UTF-8. */
void theme_init(bool utf8, enum theme_colors colors);
bool theme_utf8(void);
enum theme_colors theme_colors(void);
struct grid_pen theme_pen(enum role r);
/* A 256-colour palette number as the THEME_24BIT pen colour: 8..255 become
 * GRID_RGB values with the xterm palette's RGB; -1 and 0..7 stay. */
int32_t theme_rgb_of(int idx);
uint32_t theme_glyph(enum glyph g);
/* The glyph as a UTF-8 string (for text built with printf). */
const char *theme_glyph_str(enum glyph g);

#endif
