/* spark: sparkline samples and glyphs (tui/spark.h). */
#include "tui/spark.h"
#include "tui/theme.h"

#include <string.h>

/* Eight steps each; the ASCII ramp stays printable 7-bit for LANG=C. */
static const uint32_t ramp_utf8[8] = { 0x2581, 0x2582, 0x2583, 0x2584, 0x2585, 0x2586, 0x2587, 0x2588 };
static const char ramp_ascii[8] = { '_', '.', '-', ':', '=', '+', '*', '#' };

void spark_push(struct spark *s, float v)
{
	if (!(v >= 0)) /* NaN and negatives are no traffic */
		v = 0;
	s->v[s->head] = v;
	s->head = (uint8_t)((s->head + 1) % SPARK_MAX);
	if (s->n < SPARK_MAX)
		s->n++;
}

float spark_at(const struct spark *s, size_t i)
{
	if (i >= s->n)
		return 0;
	size_t oldest = (s->head + SPARK_MAX - s->n) % SPARK_MAX;
	return s->v[(oldest + i) % SPARK_MAX];
}

void spark_cells(const struct spark *s, int w, float scale_min, bool utf8, uint32_t *out)
{
	if (w <= 0)
		return;
	int shown = w < s->n ? w : s->n, blank = w - shown;
	float max = scale_min > 0 ? scale_min : 0;
	for (int i = 0; i < shown; i++) {
		float v = spark_at(s, (size_t)(s->n - shown + i));
		if (v > max)
			max = v;
	}
	for (int i = 0; i < blank; i++)
		out[i] = ' ';
	for (int i = 0; i < shown; i++) {
		float v = spark_at(s, (size_t)(s->n - shown + i));
		int step = 0;
		if (v > 0 && max > 0) {
			step = (int)(v / max * 8.0f + 0.999f); /* 1..8: any traffic shows */
			step = step < 1 ? 1 : step > 8 ? 8 : step;
		}
		out[blank + i] = !step ? ' ' : utf8 ? ramp_utf8[step - 1] : (uint32_t)ramp_ascii[step - 1];
	}
}

int spark_draw(struct grid *g, int x, int y, int w, float scale_min, struct grid_pen pen, const struct spark *s)
{
	uint32_t cells[SPARK_MAX];
	if (w > SPARK_MAX)
		w = SPARK_MAX;
	if (w <= 0)
		return 0;
	spark_cells(s, w, scale_min, theme_utf8(), cells);
	for (int i = 0; i < w; i++)
		grid_set(g, x + i, y, cells[i], pen);
	return w;
}
