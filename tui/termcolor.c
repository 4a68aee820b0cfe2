/* termcolor: the colour-mode rule (see termcolor.h) and pen -> colour number. */
#include "tui/termcolor.h"
#include "core/thumb.h"

#include <stdlib.h>
#include <string.h>

static const struct {
	const char *name;
	enum theme_colors colors;
} names[] = {
	{ "24bit", THEME_24BIT }, { "256", THEME_256 }, { "8", THEME_8 }, { "mono", THEME_MONO },
};

int termcolor_parse(const char *s, enum theme_colors *out)
{
	for (size_t i = 0; s && i < ARRAY_LEN(names); i++)
		if (strcmp(s, names[i].name) == 0) {
			*out = names[i].colors;
			return 0;
		}
	return -1;
}

const char *termcolor_name(enum theme_colors c)
{
	for (size_t i = 0; i < ARRAY_LEN(names); i++)
		if (names[i].colors == c)
			return names[i].name;
	return "?";
}

/* Suffixes that name a palette size; what is left is the terminal's family. */
static const char *const palette_suffixes[] = { "-256color", "-88color", "-16color", "-color", "-direct" };

/* Families whose direct-colour entry does not follow "<base>-direct"
 * (ncurses-term's names). screen is left out on purpose: GNU screen does
 * not pass 24-bit colours on reliably. */
static const struct {
	const char *prefix, *direct;
} families[] = {
	{ "xterm", "xterm-direct" },     { "tmux", "tmux-direct" },         { "vte", "vte-direct" },
	{ "gnome", "vte-direct" },       { "konsole", "konsole-direct" },   { "alacritty", "alacritty-direct" },
	{ "kitty", "kitty-direct" },     { "st-", "st-direct" },            { "mintty", "mintty-direct" },
	{ "iterm2", "iterm2-direct" },   { "mlterm", "mlterm-direct" },
};

static char *base_of(const char *term)
{
	size_t n = strlen(term);
	for (size_t i = 0; i < ARRAY_LEN(palette_suffixes); i++) {
		size_t k = strlen(palette_suffixes[i]);
		if (n > k && strcmp(term + n - k, palette_suffixes[i]) == 0)
			return xasprintf("%.*s", (int)(n - k), term);
	}
	return xstrdup(term);
}

static void push_unique(struct strv *out, char *s)
{
	for (size_t i = 0; i < out->n; i++)
		if (strcmp(out->v[i], s) == 0) {
			free(s);
			return;
		}
	strv_push_owned(out, s);
}

void termcolor_direct_candidates(const char *term, struct strv *out)
{
	if (!term || !*term)
		return;
	char *base = base_of(term);
	push_unique(out, xasprintf("%s-direct", base));
	for (size_t i = 0; i < ARRAY_LEN(families); i++)
		if (strncmp(term, families[i].prefix, strlen(families[i].prefix)) == 0)
			push_unique(out, xstrdup(families[i].direct));
	free(base);
}

static enum theme_colors best_palette(const struct termcolor_caps *c)
{
	return c->colors >= 256 ? THEME_256 : c->colors >= 8 ? THEME_8 : THEME_MONO;
}

static void set(struct termcolor_choice *out, enum theme_colors colors, const char *terminfo, bool direct)
{
	out->colors = colors;
	free(out->terminfo);
	out->terminfo = xstrdup(terminfo);
	out->direct = direct;
}

/* The first direct-colour sibling of term terminfo knows, or false. */
static bool find_direct(const char *term, termcolor_probe_fn probe, void *arg, struct termcolor_choice *out,
			char **tried)
{
	struct strv c;
	strv_init(&c);
	termcolor_direct_candidates(term, &c);
	bool found = false;
	for (size_t i = 0; i < c.n && !found; i++) {
		struct termcolor_caps caps = { false, 0 };
		if (probe(c.v[i], &caps, arg) == 0 && caps.direct) {
			set(out, THEME_24BIT, c.v[i], true);
			found = true;
		}
	}
	if (tried)
		*tried = strv_shell_join(&c);
	strv_clear(&c);
	return found;
}

int termcolor_choose(const struct termcolor_env *env, termcolor_probe_fn probe, void *arg,
		     struct termcolor_choice *out, char **err)
{
	memset(out, 0, sizeof(*out));
	enum theme_colors forced = THEME_MONO;
	bool is_forced = env->vmdeck_colors && *env->vmdeck_colors;
	if (is_forced && termcolor_parse(env->vmdeck_colors, &forced) < 0)
		return error_set(err, "VMDECK_COLORS='%s' is not one of: 24bit, 256, 8, mono", env->vmdeck_colors);
	if (!env->term || !*env->term)
		return error_set(err, "TERM is not set");
	struct termcolor_caps caps = { false, 0 };
	if (probe(env->term, &caps, arg) < 0)
		return error_set(err, "terminal type '%s' is unknown to ncurses", env->term);
	set(out, best_palette(&caps), env->term, caps.direct);

	if (!is_forced) {
		const char *ct = env->colorterm;
		if (env->no_color && *env->no_color)
			out->colors = THEME_MONO;
		else if (caps.direct)
			out->colors = THEME_24BIT;
		else if (ct && (strcmp(ct, "truecolor") == 0 || strcmp(ct, "24bit") == 0))
			find_direct(env->term, probe, arg, out, NULL);
		return 0;
	}
	switch (forced) {
	case THEME_24BIT: {
		if (caps.direct) {
			out->colors = THEME_24BIT;
			break;
		}
		char *tried = NULL;
		if (!find_direct(env->term, probe, arg, out, &tried))
			out->notice = xasprintf("VMDECK_COLORS=24bit: terminal type '%s' has no direct-colour terminfo "
						"entry (tried %s; Debian: apt install ncurses-term); used '%s' instead",
						env->term, tried, termcolor_name(out->colors));
		free(tried);
		break;
	}
	case THEME_256:
	case THEME_8:
		if (caps.direct) {
			/* A direct entry cannot send palette colours above 7: prefer
			 * the family's 256-colour entry, so the terminal gets 38;5. */
			char *base = base_of(env->term), *pal = xasprintf("%s-256color", base);
			struct termcolor_caps pc = { false, 0 };
			if (probe(pal, &pc, arg) == 0 && !pc.direct && pc.colors >= 256)
				set(out, THEME_256, pal, false);
			free(base);
			free(pal);
		}
		if (forced == THEME_8 && out->colors >= THEME_8)
			out->colors = THEME_8;
		else if (out->colors < forced)
			out->notice = xasprintf("VMDECK_COLORS=%s: terminal type '%s' has only %d colours; used %s",
						termcolor_name(forced), env->term, caps.colors,
						termcolor_name(out->colors));
		else
			out->colors = forced;
		break;
	case THEME_MONO:
		out->colors = THEME_MONO;
		break;
	}
	return 0;
}

void termcolor_clear(struct termcolor_choice *c)
{
	if (!c)
		return;
	free(c->terminfo);
	free(c->notice);
	memset(c, 0, sizeof(*c));
}

int termcolor_number(int32_t pen, enum theme_colors mode, bool direct)
{
	if (pen < 0)
		return -1;
	uint8_t rgb[3];
	if (pen & GRID_RGB) {
		rgb[0] = (uint8_t)(pen >> 16);
		rgb[1] = (uint8_t)(pen >> 8);
		rgb[2] = (uint8_t)pen;
	} else if (pen < 8 || (!direct && mode >= THEME_256)) {
		return pen; /* ANSI colours mean the same everywhere */
	} else {
		thumb_256_to_rgb((uint8_t)pen, rgb);
	}
	if (direct) {
		int v = (rgb[0] << 16) | (rgb[1] << 8) | rgb[2];
		return v < 8 ? 8 : v; /* 0..7 would be ANSI colours: #000008 looks the same */
	}
	return mode >= THEME_256 ? thumb_rgb_to_256(rgb) : thumb_rgb_to_8(rgb);
}
