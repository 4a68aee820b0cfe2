/* theme: colour roles for 256, 8 and no colours, and glyphs for UTF-8 and ASCII. */
#include "tui/theme.h"
#include "core/thumb.h"
#include "core/util.h"

struct role_def {
	int16_t fg256, bg256, fg8, bg8;
	uint8_t attr;      /* with colours */
	uint8_t mono_attr; /* without: must still tell the roles apart */
};

/* Colour numbers: 0 black 1 red 2 green 3 yellow 4 blue 5 magenta 6 cyan 7 white. */
static const struct role_def roles[ROLE__N] = {
	[ROLE_NORMAL] = { -1, -1, -1, -1, 0, 0 },
	[ROLE_DIM] = { 245, -1, -1, -1, 0, GRID_DIM },
	[ROLE_BORDER] = { 240, -1, 4, -1, 0, 0 },
	[ROLE_TITLE] = { 252, -1, 7, -1, GRID_BOLD, GRID_BOLD },
	[ROLE_TITLE_FOCUS] = { 0, 39, 0, 6, GRID_BOLD, GRID_REVERSE | GRID_BOLD },
	[ROLE_SELECTED] = { 231, 25, 7, 4, GRID_BOLD, GRID_REVERSE },
	[ROLE_SELECTED_DIM] = { -1, 237, 0, 7, 0, GRID_UNDERLINE },
	[ROLE_HEADER] = { 231, 24, 7, 4, GRID_BOLD, GRID_REVERSE },
	[ROLE_STATUS] = { 252, 236, 0, 7, 0, GRID_REVERSE },
	[ROLE_KEY] = { 226, 236, 1, 7, GRID_BOLD, GRID_REVERSE | GRID_BOLD },
	[ROLE_OK] = { 77, -1, 2, -1, 0, 0 },
	[ROLE_WARN] = { 214, -1, 3, -1, 0, GRID_BOLD },
	[ROLE_BAD] = { 196, -1, 1, -1, GRID_BOLD, GRID_BOLD | GRID_UNDERLINE },
	[ROLE_FLASH] = { 0, 214, 0, 3, GRID_BOLD, GRID_REVERSE | GRID_BOLD },
	[ROLE_MODE_INSTALL] = { 207, -1, 5, -1, GRID_BOLD, GRID_BOLD },
	[ROLE_INPUT] = { 231, 236, 7, 0, 0, GRID_UNDERLINE },
	[ROLE_ERROR] = { 231, 124, 7, 1, GRID_BOLD, GRID_REVERSE | GRID_BOLD },
	[ROLE_THUMB] = { -1, -1, -1, -1, 0, 0 },
};

/* Index: [glyph][0 = UTF-8, 1 = ASCII]. ASCII stays printable 7-bit so
 * LANG=C and TERM=vt100 never see a byte they cannot show. */
static const char *const glyphs[GL__N][2] = {
	[GL_HLINE] = { "\u2500", "-" },
	[GL_VLINE] = { "\u2502", "|" },
	[GL_TL] = { "\u250c", "+" },
	[GL_TR] = { "\u2510", "+" },
	[GL_BL] = { "\u2514", "+" },
	[GL_BR] = { "\u2518", "+" },
	[GL_TEE_DOWN] = { "\u252c", "+" },
	[GL_TEE_UP] = { "\u2534", "+" },
	[GL_TEE_RIGHT] = { "\u251c", "+" },
	[GL_TEE_LEFT] = { "\u2524", "+" },
	[GL_BRANCH] = { "\u251c", "|" },
	[GL_LAST] = { "\u2514", "`" },
	[GL_ARROW] = { "\u2192", ">" },
	[GL_RUNNING] = { "\u25b6", ">" },
	[GL_STOPPED] = { "\u25a0", "." },
	[GL_PAUSED] = { "\u2016", "=" },
	[GL_BUSY] = { "\u2026", "~" },
	[GL_FAILED] = { "\u2717", "x" },
	[GL_UP] = { "\u2191", "^" },
	[GL_DOWN] = { "\u2193", "v" },
	[GL_ELLIPSIS] = { "\u2026", "~" },
	[GL_UPPER_HALF] = { "\u2580", "\"" },
	[GL_SHADE] = { "\u2591", "." },
};

static bool utf8 = false;
static enum theme_colors ncolors = THEME_MONO;
static uint32_t glyph_cp[GL__N];

void theme_init(bool is_utf8, enum theme_colors colors)
{
	utf8 = is_utf8;
	ncolors = colors;
	for (size_t i = 0; i < GL__N; i++) {
		uint32_t cp;
		grid_utf8_decode(glyphs[i][utf8 ? 0 : 1], &cp);
		glyph_cp[i] = cp;
	}
}

bool theme_utf8(void) { return utf8; }
enum theme_colors theme_colors(void) { return ncolors; }

int32_t theme_rgb_of(int idx)
{
	/* -1 and 0..7 stay palette numbers: the terminal's own default and ANSI
	 * colours (a user's theme may redefine them, and should keep doing so). */
	if (idx < 8 || idx > 255)
		return idx;
	uint8_t rgb[3];
	thumb_256_to_rgb((uint8_t)idx, rgb);
	return GRID_RGB_OF(rgb[0], rgb[1], rgb[2]);
}

struct grid_pen theme_pen(enum role r)
{
	const struct role_def *d = &roles[r < ROLE__N ? r : ROLE_NORMAL];
	struct grid_pen p = { -1, -1, 0, (uint8_t)r };
	switch (ncolors) {
	case THEME_256: p.fg = d->fg256; p.bg = d->bg256; p.attr = d->attr; break;
	case THEME_8: p.fg = d->fg8; p.bg = d->bg8; p.attr = d->attr; break;
	case THEME_24BIT: p.fg = theme_rgb_of(d->fg256); p.bg = theme_rgb_of(d->bg256); p.attr = d->attr; break;
	case THEME_MONO: p.attr = d->mono_attr; break;
	}
	return p;
}

uint32_t theme_glyph(enum glyph g)
{
	if (!glyph_cp[GL_HLINE]) /* theme_init not called yet (unit tests): ASCII */
		theme_init(false, ncolors);
	return glyph_cp[g < GL__N ? g : GL_ELLIPSIS];
}

const char *theme_glyph_str(enum glyph g)
{
	return glyphs[g < GL__N ? g : GL_ELLIPSIS][utf8 ? 0 : 1];
}
