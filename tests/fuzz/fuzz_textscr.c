/* fuzz_textscr: libFuzzer target for the text-screen reader — the PSF1/PSF2
 * font parser on arbitrary bytes (plain or after gzip, through the same
 * gzopen path a font file takes), then recognition of small frames made
 * from the same bytes with whatever font loaded, and the text rendering.
 * Run by tests/fuzz/run.sh. */
#include "core/textscr.h"
#include "core/util.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char path[64];
	if (!path[0])
		snprintf(path, sizeof(path), "/tmp/fuzz_textscr.%d.psf", (int)getpid());
	FILE *fp = fopen(path, "wb");
	if (!fp)
		return 0;
	fwrite(data, 1, size, fp);
	fclose(fp);
	struct textscr_font *f = textscr_font_new();
	char *err = NULL;
	if (textscr_font_add(f, path, &err) < 0)
		free(err);
	(void)textscr_font_glyphs(f, 16);
	/* Frames: 9x16 and 8x8 tilings, pixels from the input (two colours
	 * picked by its bits, so cells reach the glyph lookup). */
	static const int dims[][2] = { { 72, 32 }, { 64, 48 }, { 16, 16 } };
	for (size_t d = 0; d < sizeof(dims) / sizeof(dims[0]); d++) {
		int w = dims[d][0], h = dims[d][1];
		uint8_t *px = xcalloc((size_t)w * 4, (size_t)h);
		for (int i = 0; i < w * h && size; i++) {
			uint8_t b = data[(size_t)(i / 8) % size];
			uint8_t v = (b >> (i % 8)) & 1 ? 0xAA : 0;
			memset(px + (size_t)i * 4, v, 3);
		}
		struct thumb_frame fr = { px, w, h, (size_t)w * 4 };
		struct textscr *t = textscr_new();
		if (textscr_recognise(t, f, &fr)) {
			char *s = textscr_text(t);
			free(s);
			(void)textscr_cell(t, 0, 0);
		}
		textscr_free(t);
		free(px);
	}
	textscr_font_free(f);
	unlink(path);
	return 0;
}
