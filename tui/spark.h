/* spark: sparklines — the last SPARK_MAX samples of a value (a port's rx or
 * tx rate, a VM's CPU) and their glyphs, block elements (U+2581..U+2588)
 * with UTF-8, an ASCII ramp without. Samples are pushed once per interval by
 * the sources; views only read them. Pure apart from spark_draw. */
#ifndef VMDECK_TUI_SPARK_H
#define VMDECK_TUI_SPARK_H

#include "tui/grid.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SPARK_MAX 60 /* samples kept: one per interval */

struct spark {
	float v[SPARK_MAX];
	uint8_t n, head; /* how many are kept; where the next one goes */
};

void spark_push(struct spark *s, float v);
/* Sample i, 0 the oldest kept. */
float spark_at(const struct spark *s, size_t i);
/* The newest w samples as w glyphs, right-aligned (cells with no sample yet
 * are blank), each scaled to the largest shown or to scale_min when that is
 * larger (CPU: 100 %; rates: 0, their own peak): 0 is blank, anything above
 * 0 at least the lowest step, the top of the scale the full block. The same
 * samples give the same glyphs: a line that did not change draws no new
 * cell. */
void spark_cells(const struct spark *s, int w, float scale_min, bool utf8, uint32_t *out);
/* spark_cells into the grid at x,y with the theme's UTF-8 choice; w is
 * clipped to SPARK_MAX. Returns the columns drawn. */
int spark_draw(struct grid *g, int x, int y, int w, float scale_min, struct grid_pen pen, const struct spark *s);

#endif
