/* termcolor: which colours the TUI draws with, decided from the environment
 * and terminfo, and how a pen colour becomes a terminal colour number. Pure:
 * term.c (the only curses file) asks terminfo through a probe callback.
 *
 * The rule, first match wins:
 *   VMDECK_COLORS=24bit|256|8|mono   forced (still capped by what the terminal
 *                                    can do; a notice says when it is);
 *   NO_COLOR set (non-empty)         mono;
 *   TERM's entry is direct-colour    24bit (terminfo RGB flag or colors >= 2^24);
 *   COLORTERM=truecolor|24bit and    24bit, curses opened with that sibling
 *     a direct sibling of TERM          (xterm-256color -> xterm-direct, tmux-*
 *     exists (ncurses-term)             -> tmux-direct, ...);
 *   colors >= 256 / >= 8 / else      256 / 8 / mono. */
#ifndef VMDECK_TUI_TERMCOLOR_H
#define VMDECK_TUI_TERMCOLOR_H

#include "tui/theme.h"
#include "core/util.h"

#include <stdbool.h>
#include <stdint.h>

/* What terminfo says about one entry. */
struct termcolor_caps {
	bool direct; /* colour numbers >= 8 are 0xRRGGBB (xterm-direct's setaf) */
	int colors;
};
/* Look NAME up in terminfo: 0 and *caps filled, -1 when it has no entry. */
typedef int (*termcolor_probe_fn)(const char *name, struct termcolor_caps *caps, void *arg);

struct termcolor_env {
	const char *term, *vmdeck_colors, *no_color, *colorterm; /* NULL = unset */
};

struct termcolor_choice {
	enum theme_colors colors;
	char *terminfo;  /* the entry to open curses with: TERM or a sibling */
	bool direct;     /* that entry is direct-colour (see termcolor_number) */
	char *notice;    /* why VMDECK_COLORS could not be honoured, or NULL */
};

/* "24bit", "256", "8", "mono": 0, else -1. */
int termcolor_parse(const char *s, enum theme_colors *out);
const char *termcolor_name(enum theme_colors c);
/* Direct-colour entries worth trying for TERM, best first (strv, caller
 * clears): "<TERM without -256color>-direct", then the family's entry. */
void termcolor_direct_candidates(const char *term, struct strv *out);
/* Decide. Fails (err names VMDECK_COLORS or TERM) on an invalid
 * VMDECK_COLORS or a TERM terminfo does not know. Free with termcolor_clear. */
int termcolor_choose(const struct termcolor_env *env, termcolor_probe_fn probe, void *arg,
		     struct termcolor_choice *out, char **err);
void termcolor_clear(struct termcolor_choice *c);
/* A pen colour (grid.h: -1, palette number, or GRID_RGB value) as the colour
 * number for init_extended_pair/alloc_pair: on a direct entry, RGB as
 * 0xRRGGBB (never below 8: those are the ANSI colours, so #000000..#000007
 * become #000008) and palette numbers >= 8 as their xterm RGB; on a palette
 * entry, RGB as the nearest palette colour of the mode (256 or 8). */
int termcolor_number(int32_t pen, enum theme_colors mode, bool direct);

#endif
