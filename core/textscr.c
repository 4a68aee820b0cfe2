/* textscr: a text-mode screen read back as characters (see textscr.h). */
#include "core/textscr.h"
#include "core/util.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

/* Debian's console-data (default8x16 is the VGA ROM font, iso01a-8x16 has
 * its dotted zero), kbd's own fonts elsewhere (Fedora, Arch: the kernel's
 * default font), then console-setup's VGA-like fonts (close: a few glyphs
 * differ, the Hamming match covers them). */
const char *const textscr_font_search[] = {
	"/usr/share/consolefonts/default8x16.psf.gz",
	"/usr/share/consolefonts/iso01a-8x16.psf.gz",
	"/usr/share/consolefonts/default8x16.psfu.gz",
	"/usr/share/kbd/consolefonts/default8x16.psfu.gz",
	"/usr/lib/kbd/consolefonts/default8x16.psfu.gz",
	"/usr/share/consolefonts/Uni2-VGA16.psf.gz",
	"/usr/share/consolefonts/Lat15-VGA16.psf.gz",
	/* 80x50 (9x8 cells) and EGA (x14) modes: console-data's iso01a
	 * shapes match the ROM's 8x8 font in 2058 of 2076 cells of a real
	 * Linux vga=ext console, the rest within the Hamming rule. */
	"/usr/share/consolefonts/iso01a-8x8.psf.gz",
	"/usr/share/consolefonts/iso01a-8x14.psf.gz",
	"/usr/share/consolefonts/Uni2-VGA8.psf.gz",
	"/usr/share/consolefonts/Uni2-VGA14.psf.gz",
	NULL,
};

#define MAX_H 32          /* glyph rows: 4 x 64 bits */
#define MAX_FILE (4 << 20) /* a console font is a few KiB */

struct glyph {
	uint64_t w[4];
	uint32_t cp;
};

/* All glyphs of one height, from every font; exact lookups by hash. */
struct gset {
	int h;
	struct glyph *g;
	size_t n, cap;
	uint32_t *hash; /* glyph index + 1, 0 = empty; hcap is a power of two */
	size_t hcap;
};

struct textscr_font {
	char **files;
	size_t nfiles;
	struct gset *sets;
	size_t nsets;
};

static const uint16_t cp437_hi[128] = {
	0xC7, 0xFC, 0xE9, 0xE2, 0xE4, 0xE0, 0xE5, 0xE7, 0xEA, 0xEB, 0xE8, 0xEF, 0xEE, 0xEC, 0xC4, 0xC5,
	0xC9, 0xE6, 0xC6, 0xF4, 0xF6, 0xF2, 0xFB, 0xF9, 0xFF, 0xD6, 0xDC, 0xA2, 0xA3, 0xA5, 0x20A7, 0x192,
	0xE1, 0xED, 0xF3, 0xFA, 0xF1, 0xD1, 0xAA, 0xBA, 0xBF, 0x2310, 0xAC, 0xBD, 0xBC, 0xA1, 0xAB, 0xBB,
	0x2591, 0x2592, 0x2593, 0x2502, 0x2524, 0x2561, 0x2562, 0x2556, 0x2555, 0x2563, 0x2551, 0x2557, 0x255D,
	0x255C, 0x255B, 0x2510, 0x2514, 0x2534, 0x252C, 0x251C, 0x2500, 0x253C, 0x255E, 0x255F, 0x255A, 0x2554,
	0x2569, 0x2566, 0x2560, 0x2550, 0x256C, 0x2567, 0x2568, 0x2564, 0x2565, 0x2559, 0x2558, 0x2552, 0x2553,
	0x256B, 0x256A, 0x2518, 0x250C, 0x2588, 0x2584, 0x258C, 0x2590, 0x2580, 0x3B1, 0xDF, 0x393, 0x3C0,
	0x3A3, 0x3C3, 0xB5, 0x3C4, 0x3A6, 0x398, 0x3A9, 0x3B4, 0x221E, 0x3C6, 0x3B5, 0x2229, 0x2261, 0xB1,
	0x2265, 0x2264, 0x2320, 0x2321, 0xF7, 0x2248, 0xB0, 0x2219, 0xB7, 0x221A, 0x207F, 0xB2, 0x25A0, 0xA0,
};
static const uint16_t cp437_lo[32] = {
	0x20, 0x263A, 0x263B, 0x2665, 0x2666, 0x2663, 0x2660, 0x2022, 0x25D8, 0x25CB, 0x25D9,
	0x2642, 0x2640, 0x266A, 0x266B, 0x263C, 0x25BA, 0x25C4, 0x2195, 0x203C, 0xB6, 0xA7,
	0x25AC, 0x21A8, 0x2191, 0x2193, 0x2192, 0x2190, 0x221F, 0x2194, 0x25B2, 0x25BC,
};

uint32_t textscr_cp437(uint8_t c)
{
	if (c < 0x20)
		return cp437_lo[c];
	if (c == 0x7F)
		return 0x2302;
	if (c < 0x80)
		return c;
	return cp437_hi[c - 0x80];
}

/* A code point the terminal can show in one column: no controls. */
static bool printable(uint32_t cp)
{
	return cp >= 0x20 && !(cp >= 0x7F && cp < 0xA0) && cp < 0x110000 && !(cp >= 0xD800 && cp < 0xE000) &&
	       !(cp >= 0x300 && cp < 0x370); /* combining marks */
}

static uint64_t mix(uint64_t h, uint64_t v)
{
	h ^= v;
	h *= 0x9E3779B97F4A7C15ull;
	return h ^ (h >> 29);
}

static size_t hash_of(const uint64_t w[4], size_t mask)
{
	uint64_t h = 0;
	for (int i = 0; i < 4; i++)
		h = mix(h, w[i]);
	return (size_t)h & mask;
}

static const struct glyph *set_exact(const struct gset *s, const uint64_t w[4])
{
	if (!s->hcap)
		return NULL;
	size_t mask = s->hcap - 1;
	for (size_t i = hash_of(w, mask);; i = (i + 1) & mask) {
		uint32_t k = s->hash[i];
		if (!k)
			return NULL;
		const struct glyph *g = &s->g[k - 1];
		if (memcmp(g->w, w, sizeof(g->w)) == 0)
			return g;
	}
}

static void set_rehash(struct gset *s)
{
	size_t cap = 64;
	while (cap < s->n * 2)
		cap *= 2;
	free(s->hash);
	s->hash = xcalloc(cap, sizeof(*s->hash));
	s->hcap = cap;
	for (size_t k = 0; k < s->n; k++) {
		size_t i = hash_of(s->g[k].w, cap - 1);
		while (s->hash[i])
			i = (i + 1) & (cap - 1);
		s->hash[i] = (uint32_t)(k + 1);
	}
}

static struct gset *font_set(struct textscr_font *f, int h)
{
	for (size_t i = 0; i < f->nsets; i++)
		if (f->sets[i].h == h)
			return &f->sets[i];
	f->sets = xrealloc(f->sets, (f->nsets + 1) * sizeof(*f->sets));
	struct gset *s = &f->sets[f->nsets++];
	memset(s, 0, sizeof(*s));
	s->h = h;
	return s;
}

static const struct gset *font_cset(const struct textscr_font *f, int h)
{
	for (size_t i = 0; f && i < f->nsets; i++)
		if (f->sets[i].h == h)
			return &f->sets[i];
	return NULL;
}

/* Bitmaps: row y is byte y of w[] (little-endian within a word), its most
 * significant bit the leftmost pixel, as PSF stores rows. */
static void bm_set_row(uint64_t w[4], int y, uint8_t row)
{
	w[y / 8] |= (uint64_t)row << ((y % 8) * 8);
}

static int bm_pop(const uint64_t w[4])
{
	return __builtin_popcountll(w[0]) + __builtin_popcountll(w[1]) + __builtin_popcountll(w[2]) +
	       __builtin_popcountll(w[3]);
}

/* First glyph with a bitmap wins (fonts added earlier take precedence);
 * blank glyphs are not stored (a one-colour cell is a space anyway). */
static void set_add(struct gset *s, const uint64_t w[4], uint32_t cp)
{
	if (!(w[0] | w[1] | w[2] | w[3]) || set_exact(s, w))
		return;
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 256;
		s->g = xrealloc(s->g, s->cap * sizeof(*s->g));
	}
	struct glyph *g = &s->g[s->n++];
	memcpy(g->w, w, sizeof(g->w));
	g->cp = cp;
	if (s->n * 2 > s->hcap)
		set_rehash(s);
	else {
		size_t i = hash_of(w, s->hcap - 1);
		while (s->hash[i])
			i = (i + 1) & (s->hcap - 1);
		s->hash[i] = (uint32_t)s->n;
	}
}

struct textscr_font *textscr_font_new(void)
{
	return xcalloc(1, sizeof(struct textscr_font));
}

void textscr_font_free(struct textscr_font *f)
{
	if (!f)
		return;
	for (size_t i = 0; i < f->nfiles; i++)
		free(f->files[i]);
	free(f->files);
	for (size_t i = 0; i < f->nsets; i++) {
		free(f->sets[i].g);
		free(f->sets[i].hash);
	}
	free(f->sets);
	free(f);
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* One UTF-8 sequence at *p (< end); advances; 0xFFFFFFFF on a bad byte. */
static uint32_t utf8_next(const uint8_t **p, const uint8_t *end)
{
	uint8_t c = *(*p)++;
	int n = c < 0x80 ? 0 : (c & 0xE0) == 0xC0 ? 1 : (c & 0xF0) == 0xE0 ? 2 : (c & 0xF8) == 0xF0 ? 3 : -1;
	if (n < 0)
		return 0xFFFFFFFFu;
	uint32_t cp = n ? c & (0x3F >> n) : c;
	for (int i = 0; i < n; i++) {
		if (*p >= end || (**p & 0xC0) != 0x80)
			return 0xFFFFFFFFu;
		cp = cp << 6 | (*(*p)++ & 0x3F);
	}
	return cp;
}

/* The parsed font before it joins a set. */
struct psf {
	int width, height;
	size_t n, bpg;
	const uint8_t *glyphs;
	uint32_t *cp; /* first printable code point of each glyph, 0 = none */
};

static int psf_parse(const uint8_t *d, size_t len, struct psf *p, char **err, const char *path)
{
	const uint8_t *tab = NULL;
	bool utf8 = false;
	memset(p, 0, sizeof(*p));
	if (len >= 4 && d[0] == 0x36 && d[1] == 0x04) {
		p->width = 8;
		p->height = d[3];
		p->n = d[2] & 1 ? 512 : 256;
		p->bpg = (size_t)p->height;
		p->glyphs = d + 4;
		if (d[2] & 6)
			tab = p->glyphs + p->n * p->bpg;
	} else if (len >= 32 && le32(d) == 0x864AB572u) {
		uint32_t hdr = le32(d + 8), flags = le32(d + 12);
		p->n = le32(d + 16);
		p->bpg = le32(d + 20);
		p->height = (int)le32(d + 24);
		p->width = (int)le32(d + 28);
		if (hdr < 32 || hdr > len || p->n > 65536 || p->width < 1 || p->width > 64 || p->height < 1 ||
		    p->height > 256 || p->bpg != (size_t)((p->width + 7) / 8) * (size_t)p->height) {
			error_set(err, "%s: not a valid PSF2 font (bad header)", path);
			return -1;
		}
		p->glyphs = d + hdr;
		if (flags & 1) {
			tab = p->glyphs + p->n * p->bpg;
			utf8 = true;
		}
	} else {
		error_set(err, "%s: not a PSF console font (no PSF1/PSF2 magic)", path);
		return -1;
	}
	if (p->height < 1) {
		error_set(err, "%s: a font with glyphs 0 pixels high", path);
		return -1;
	}
	if (p->width > 8 || p->height > MAX_H) {
		error_set(err, "%s: %dx%d glyphs: only fonts up to 8 pixels wide and %d high are used", path,
			  p->width, p->height, MAX_H);
		return -1;
	}
	if ((size_t)(p->glyphs - d) + p->n * p->bpg > len) {
		error_set(err, "%s: truncated (%zu glyphs of %zu bytes do not fit in %zu bytes)", path, p->n, p->bpg,
			  len);
		return -1;
	}
	p->cp = xcalloc(p->n, sizeof(*p->cp));
	const uint8_t *end = d + len;
	/* The Unicode table: per glyph, code points then sequences (after
	 * 0xFFFE / 0xFE: combined characters, which we skip) up to a
	 * terminator (0xFFFF / 0xFF). The first printable single one names it. */
	for (size_t i = 0; tab && i < p->n && tab < end; i++) {
		bool seq = false;
		while (tab < end) {
			uint32_t cp;
			if (utf8) {
				if (*tab == 0xFF) {
					tab++;
					break;
				}
				if (*tab == 0xFE) {
					tab++;
					seq = true;
					continue;
				}
				cp = utf8_next(&tab, end);
			} else {
				if (tab + 2 > end)
					break;
				cp = (uint32_t)tab[0] | (uint32_t)tab[1] << 8;
				tab += 2;
				if (cp == 0xFFFF)
					break;
				if (cp == 0xFFFE) {
					seq = true;
					continue;
				}
			}
			if (!seq && !p->cp[i] && printable(cp))
				p->cp[i] = cp;
		}
	}
	for (size_t i = 0; i < p->n && i < 256; i++)
		if (!p->cp[i] && !tab)
			p->cp[i] = textscr_cp437((uint8_t)i);
	return 0;
}

int textscr_font_add(struct textscr_font *f, const char *path, char **err)
{
	gzFile z = gzopen(path, "rb");
	if (!z) {
		error_set(err, "%s: %s", path, strerror(errno ? errno : ENOMEM));
		return -1;
	}
	size_t cap = 65536, len = 0;
	uint8_t *d = xmalloc(cap);
	for (;;) {
		if (len == cap) {
			if (cap >= MAX_FILE)
				break;
			cap *= 2;
			d = xrealloc(d, cap);
		}
		int n = gzread(z, d + len, (unsigned)(cap - len));
		if (n < 0) {
			int zerr;
			error_set(err, "%s: %s", path, gzerror(z, &zerr));
			gzclose(z);
			free(d);
			return -1;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	gzclose(z);
	struct psf p;
	if (psf_parse(d, len, &p, err, path) < 0) {
		free(d);
		return -1;
	}
	struct gset *s = font_set(f, p.height);
	for (size_t i = 0; i < p.n; i++) {
		if (!p.cp[i])
			continue; /* no character to show for it */
		uint64_t w[4] = { 0 };
		for (int y = 0; y < p.height; y++)
			bm_set_row(w, y, p.glyphs[i * p.bpg + (size_t)y]);
		set_add(s, w, p.cp[i]);
	}
	free(p.cp);
	free(d);
	f->files = xrealloc(f->files, (f->nfiles + 1) * sizeof(*f->files));
	f->files[f->nfiles++] = xstrdup(path);
	return 0;
}

struct textscr_font *textscr_font_find(char **err)
{
	struct textscr_font *f = textscr_font_new();
	const char *env = getenv("VMDECK_CONSOLE_FONT");
	if (env && *env) {
		char *list = xstrdup(env), *save = NULL;
		for (char *p = strtok_r(list, ":", &save); p; p = strtok_r(NULL, ":", &save)) {
			if (textscr_font_add(f, p, err) < 0) {
				error_prefix(err, "VMDECK_CONSOLE_FONT");
				free(list);
				textscr_font_free(f);
				return NULL;
			}
		}
		free(list);
		if (f->nfiles)
			return f;
	}
	for (const char *const *p = textscr_font_search; *p; p++)
		if (path_exists(*p))
			textscr_font_add(f, *p, NULL); /* a broken one: the others may do */
	if (f->nfiles)
		return f;
	textscr_font_free(f);
	error_set(err, "no console font (looked for %s, %s and others): install console-data or kbd, or set "
		       "VMDECK_CONSOLE_FONT to a .psf/.psfu(.gz) file",
		  textscr_font_search[0], textscr_font_search[3]);
	return NULL;
}

size_t textscr_font_files(const struct textscr_font *f)
{
	return f ? f->nfiles : 0;
}

const char *textscr_font_file(const struct textscr_font *f, size_t i)
{
	return f && i < f->nfiles ? f->files[i] : NULL;
}

size_t textscr_font_glyphs(const struct textscr_font *f, int height)
{
	const struct gset *s = font_cset(f, height);
	return s ? s->n : 0;
}

/* ---- recognition ---- */

struct textscr {
	bool text;
	int cols, rows, cw, ch;
	struct thumb_cell *cells;
	size_t cap;
	int nonblank, matched;
};

struct textscr *textscr_new(void)
{
	return xcalloc(1, sizeof(struct textscr));
}

void textscr_free(struct textscr *t)
{
	if (!t)
		return;
	free(t->cells);
	free(t);
}

/* The nearest glyph to bm on the rows in care; NULL when none is near
 * enough. Near enough: at most one differing pixel in five set ones
 * (console fonts differ from the VGA ROM by a serif or a dot; noise differs
 * in about half its pixels) and at most a glyph height's worth. */
static const struct glyph *set_nearest(const struct gset *s, const uint64_t bm[4], const uint64_t care[4], int *dist)
{
	const struct glyph *best = NULL;
	int bd = 1 << 30;
	uint64_t b[4];
	for (int i = 0; i < 4; i++)
		b[i] = bm[i] & care[i];
	for (size_t k = 0; k < s->n; k++) {
		const struct glyph *g = &s->g[k];
		int d = 0;
		for (int i = 0; i < 4 && d < bd; i++)
			d += __builtin_popcountll((g->w[i] & care[i]) ^ b[i]);
		if (d < bd) {
			bd = d;
			best = g;
		}
	}
	if (!best)
		return NULL;
	uint64_t gc[4];
	for (int i = 0; i < 4; i++)
		gc[i] = best->w[i] & care[i];
	int set = bm_pop(b) + bm_pop(gc);
	if (bd * 5 > set || bd > s->h)
		return NULL;
	*dist = bd;
	return best;
}

/* Which glyph a cell's bitmap shows. *inv: it matched inverted (swap the
 * colours). 0 = no match. */
static uint32_t match(const struct gset *s, const uint64_t bm[4], const uint64_t full[4], bool *inv)
{
	uint64_t ibm[4];
	for (int i = 0; i < 4; i++)
		ibm[i] = ~bm[i] & full[i];
	const struct glyph *g;
	*inv = false;
	if ((g = set_exact(s, bm)))
		return g->cp;
	if ((g = set_exact(s, ibm))) {
		*inv = true;
		return g->cp;
	}
	/* A text cursor: full rows in the bottom quarter (VGA: scan lines
	 * 13-15 of 16) are left out of the comparison. */
	uint64_t care[4];
	memcpy(care, full, sizeof(care));
	for (int y = s->h - (s->h + 3) / 4; y < s->h; y++)
		if (((bm[y / 8] >> ((y % 8) * 8)) & 0xFF) == 0xFF)
			care[y / 8] &= ~((uint64_t)0xFF << ((y % 8) * 8));
	uint64_t masked[4];
	for (int i = 0; i < 4; i++)
		masked[i] = bm[i] & care[i];
	if (!(masked[0] | masked[1] | masked[2] | masked[3]))
		return ' '; /* only the cursor */
	int d1 = 0, d2 = 0;
	const struct glyph *g1 = set_nearest(s, bm, care, &d1);
	const struct glyph *g2 = set_nearest(s, ibm, full, &d2);
	if (g1 && (!g2 || d1 <= d2))
		return g1->cp;
	if (g2) {
		*inv = true;
		return g2->cp;
	}
	return 0;
}

static inline uint32_t px_at(const struct thumb_frame *f, int x, int y)
{
	const uint8_t *p = f->px + (size_t)y * f->stride + (size_t)x * 4;
	return (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2];
}

static void rgb_of(uint32_t c, uint8_t out[3])
{
	out[0] = (uint8_t)(c >> 16);
	out[1] = (uint8_t)(c >> 8);
	out[2] = (uint8_t)c;
}

/* Read the frame as cw x ch cells. false as soon as 5 % of all cells failed. */
static bool try_size(struct textscr *t, const struct gset *s, const struct thumb_frame *f, int cw, int ch)
{
	int cols = f->w / cw, rows = f->h / ch;
	size_t n = (size_t)cols * (size_t)rows;
	if (n > t->cap) {
		free(t->cells);
		t->cells = xcalloc(n, sizeof(*t->cells));
		t->cap = n;
	}
	t->cols = cols;
	t->rows = rows;
	t->cw = cw;
	t->ch = ch;
	t->nonblank = t->matched = 0;
	int fails = 0, maxfail = (int)(n / 20) + 1;
	int bw = cw < 8 ? cw : 8;
	uint64_t full[4] = { 0 };
	uint8_t rowmask = (uint8_t)(0xFF00 >> bw);
	for (int y = 0; y < ch; y++)
		bm_set_row(full, y, rowmask);
	for (int r = 0; r < rows; r++)
		for (int c = 0; c < cols; c++) {
			struct thumb_cell *cell = &t->cells[(size_t)r * (size_t)cols + (size_t)c];
			int x0 = c * cw, y0 = r * ch;
			uint32_t c0 = px_at(f, x0, y0), c1 = 0;
			int n0 = 0, n1 = 0;
			bool third = false;
			uint64_t is0[4] = { 0 };
			for (int y = 0; y < ch && !third; y++) {
				uint8_t row = 0;
				for (int x = 0; x < cw; x++) {
					uint32_t v = px_at(f, x0 + x, y0 + y);
					if (v == c0) {
						n0++;
						if (x < 8)
							row |= (uint8_t)(0x80 >> x);
					} else if (!n1 || v == c1) {
						c1 = v;
						n1++;
					} else {
						third = true;
						break;
					}
				}
				bm_set_row(is0, y, row);
			}
			memset(cell, 0, sizeof(*cell));
			if (third) {
				t->nonblank++;
				if (++fails > maxfail)
					return false;
				continue;
			}
			uint32_t bg = n0 >= n1 ? c0 : c1, fg = n0 >= n1 ? c1 : c0;
			uint64_t bm[4];
			for (int i = 0; i < 4; i++)
				bm[i] = (n0 >= n1 ? ~is0[i] : is0[i]) & full[i];
			if (!n1 || !(bm[0] | bm[1] | bm[2] | bm[3])) {
				/* One colour (or the other only in a 9th column). */
				cell->ch = ' ';
				rgb_of(bg, cell->bg);
				rgb_of(n1 ? fg : bg, cell->fg);
				continue;
			}
			t->nonblank++;
			bool inv;
			uint32_t cp = match(s, bm, full, &inv);
			if (!cp) {
				if (++fails > maxfail)
					return false;
				continue;
			}
			t->matched++;
			cell->ch = cp;
			rgb_of(inv ? bg : fg, cell->fg);
			rgb_of(inv ? fg : bg, cell->bg);
		}
	return (int64_t)t->matched * 100 >= (int64_t)t->nonblank * 95;
}

/* Cell sizes in the order tried: VGA text (9 wide), then 8 wide (VGA with
 * 8-dot clocks, fbcon), EGA/CGA heights. */
static const struct {
	int w, h;
} sizes[] = { { 9, 16 }, { 8, 16 }, { 9, 14 }, { 8, 14 }, { 9, 8 }, { 8, 8 } };

bool textscr_recognise(struct textscr *t, const struct textscr_font *f, const struct thumb_frame *fr)
{
	t->text = false;
	if (!fr || !fr->px || fr->w < 8 || fr->h < 8)
		return false;
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		const struct gset *s = font_cset(f, sizes[i].h);
		if (!s || !s->n || fr->w % sizes[i].w || fr->h % sizes[i].h)
			continue;
		if (try_size(t, s, fr, sizes[i].w, sizes[i].h)) {
			t->text = true;
			return true;
		}
	}
	return false;
}

int textscr_cols(const struct textscr *t)
{
	return t && t->text ? t->cols : 0;
}

int textscr_rows(const struct textscr *t)
{
	return t && t->text ? t->rows : 0;
}

void textscr_cell_size(const struct textscr *t, int *w, int *h)
{
	*w = t && t->text ? t->cw : 0;
	*h = t && t->text ? t->ch : 0;
}

const struct thumb_cell *textscr_cell(const struct textscr *t, int col, int row)
{
	if (!t || !t->text || col < 0 || row < 0 || col >= t->cols || row >= t->rows)
		return NULL;
	return &t->cells[(size_t)row * (size_t)t->cols + (size_t)col];
}

void textscr_stats(const struct textscr *t, int *nonblank, int *matched)
{
	*nonblank = t ? t->nonblank : 0;
	*matched = t ? t->matched : 0;
}

static size_t utf8_put(char *o, uint32_t cp)
{
	if (cp < 0x80) {
		o[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (char)(0xC0 | cp >> 6);
		o[1] = (char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (char)(0xE0 | cp >> 12);
		o[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		o[2] = (char)(0x80 | (cp & 0x3F));
		return 3;
	}
	o[0] = (char)(0xF0 | cp >> 18);
	o[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
	o[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
	o[3] = (char)(0x80 | (cp & 0x3F));
	return 4;
}

char *textscr_text(const struct textscr *t)
{
	if (!t || !t->text)
		return NULL;
	char *out = xmalloc((size_t)t->rows * ((size_t)t->cols * 4 + 1) + 1), *o = out;
	for (int r = 0; r < t->rows; r++) {
		char *end = o;
		for (int c = 0; c < t->cols; c++) {
			uint32_t cp = t->cells[(size_t)r * (size_t)t->cols + (size_t)c].ch;
			o += utf8_put(o, cp ? cp : ' ');
			if (cp && cp != ' ' && cp != 0xA0)
				end = o;
		}
		o = end;
		*o++ = '\n';
	}
	*o = '\0';
	return out;
}
