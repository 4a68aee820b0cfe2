/* fuzz_thumb: libFuzzer target for the thumbnail module — arbitrary frame
 * sizes, grid sizes, options and update rectangles (negative, huge, past
 * the edges), frame resizes between updates; after each step the
 * incremental result must equal a full recompute. Also vnc_target_parse on
 * the same bytes. Run by tests/fuzz/run.sh. */
#include "core/thumb.h"
#include "core/util.h"
#include "core/vnc.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct in {
	const uint8_t *p;
	size_t n;
};

static unsigned take(struct in *in, unsigned bytes)
{
	unsigned v = 0;
	for (unsigned i = 0; i < bytes; i++) {
		v <<= 8;
		if (in->n) {
			v |= *in->p++;
			in->n--;
		}
	}
	return v;
}

static void new_frame(struct in *in, uint8_t **px, int *w, int *h)
{
	*w = (int)(take(in, 1) % 200) + 1;
	*h = (int)(take(in, 1) % 150) + 1;
	free(*px);
	*px = malloc((size_t)*w * (size_t)*h * 4);
	uint8_t seed = (uint8_t)take(in, 1);
	for (size_t i = 0; i < (size_t)*w * (size_t)*h * 4; i++)
		(*px)[i] = (uint8_t)(seed + i * 7 + (i >> 9));
}

static void check_equal(struct thumb *t, const struct thumb_frame *f)
{
	struct thumb *full = thumb_new(thumb_cols(t), thumb_rows(t), thumb_get_opts(t));
	thumb_update_full(full, f);
	for (int r = 0; r < thumb_rows(t); r++)
		for (int c = 0; c < thumb_cols(t); c++)
			if (memcmp(thumb_cell(t, c, r), thumb_cell(full, c, r), sizeof(struct thumb_cell)))
				abort(); /* incremental != full */
	thumb_free(full);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* The bytes as a VNC target too. */
	char *s = xstrndup((const char *)data, size < 256 ? size : 256);
	char *up = NULL, *host = NULL, *err = NULL;
	int port;
	vnc_target_parse(s, &up, &host, &port, &err);
	free(up), free(host), free(err), free(s);

	struct in in = { data, size };
	struct thumb_opts o = { (enum thumb_color)(take(&in, 1) % 4), (enum thumb_glyph)(take(&in, 1) % 3),
				take(&in, 1) & 1 };
	struct thumb *t = thumb_new((int)(take(&in, 1) % 90) + 1, (int)(take(&in, 1) % 40) + 1, &o);
	uint8_t *px = NULL;
	int w, h;
	new_frame(&in, &px, &w, &h);
	struct thumb_frame f = { px, w, h, (size_t)w * 4 };
	thumb_update_full(t, &f);
	for (int step = 0; step < 24 && in.n; step++) {
		switch (take(&in, 1) % 6) {
		case 0: /* a frame of another size: the next update recomputes all */
			new_frame(&in, &px, &w, &h);
			f = (struct thumb_frame){ px, w, h, (size_t)w * 4 };
			break;
		case 1:
			thumb_resize(t, (int)(take(&in, 1) % 90) + 1, (int)(take(&in, 1) % 40) + 1);
			break;
		case 2:
			o = (struct thumb_opts){ (enum thumb_color)(take(&in, 1) % 4), (enum thumb_glyph)(take(&in, 1) % 3),
						 take(&in, 1) & 1 };
			thumb_set_opts(t, &o);
			break;
		case 3:
			thumb_clear(t);
			break;
		default: { /* paint a rectangle, report a (possibly wild) one */
			int x = (int16_t)take(&in, 2), y = (int16_t)take(&in, 2);
			int rw = (int16_t)take(&in, 2), rh = (int16_t)take(&in, 2);
			uint8_t v = (uint8_t)take(&in, 1);
			for (int yy = y < 0 ? 0 : y; yy < h && yy < y + rh; yy++)
				for (int xx = x < 0 ? 0 : x; xx < w && xx < x + rw; xx++)
					memset(px + ((size_t)yy * (size_t)w + (size_t)xx) * 4, v, 3);
			thumb_update(t, &f, x, y, rw, rh);
			break;
		}
		}
		thumb_update(t, &f, 0, 0, w, h); /* make sure everything is current */
		check_equal(t, &f);
		size_t len;
		free(thumb_ansi(t, step & 1, 1, 1, &len));
		thumb_clear_dirty(t);
	}
	/* A stride wider than the row, and a bogus frame. */
	struct thumb_frame bad = { px, w, h, 2 };
	thumb_update(t, &bad, 0, 0, 1, 1);
	thumb_free(t);
	free(px);
	return 0;
}
