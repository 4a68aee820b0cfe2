/* vtscreen: libvterm's screen, its scrollback and keyboard (see vtscreen.h). */
#include "tui/vtscreen.h"
#include "tui/keys.h"
#include "tui/theme.h"
#include "core/util.h"

#include <stdlib.h>
#include <string.h>
#include <vterm.h>

struct sbline {
	int cols;
	struct grid_cell cells[];
};

struct vtscreen {
	VTerm *vt;
	VTermScreen *scr;
	int rows, cols;
	bool alt, cursor_visible, dirty;
	struct sbline **sb; /* oldest first, a ring of VTSCREEN_SCROLLBACK */
	size_t sb_first, sb_n;
	vtscreen_out_fn out;
	void *out_arg;
};

static int32_t pen_color(const VTermColor *c, bool fg)
{
	if (fg ? VTERM_COLOR_IS_DEFAULT_FG(c) : VTERM_COLOR_IS_DEFAULT_BG(c))
		return -1;
	if (VTERM_COLOR_IS_INDEXED(c))
		return c->indexed.idx;
	return GRID_RGB_OF(c->rgb.red, c->rgb.green, c->rgb.blue);
}

static void vt_color(int32_t pen, bool fg, VTermColor *c)
{
	if (pen < 0) {
		vterm_color_rgb(c, fg ? 229 : 0, fg ? 229 : 0, fg ? 229 : 0);
		c->type |= fg ? VTERM_COLOR_DEFAULT_FG : VTERM_COLOR_DEFAULT_BG;
	} else if (pen & GRID_RGB) {
		vterm_color_rgb(c, (uint8_t)(pen >> 16), (uint8_t)(pen >> 8), (uint8_t)pen);
	} else {
		vterm_color_indexed(c, (uint8_t)pen);
	}
}

/* One libvterm cell as a grid cell: one column, printable. */
static struct grid_cell cell_of(const VTermScreenCell *c)
{
	struct grid_cell g = { ' ', { pen_color(&c->fg, true), pen_color(&c->bg, false), 0, ROLE_THUMB } };
	uint32_t ch = c->chars[0];
	if (ch == (uint32_t)-1 || ch == 0)
		ch = ' '; /* empty, or the right half of a wide character */
	else if (ch < 32 || (ch >= 127 && ch < 160) || c->width > 1)
		ch = '?';
	g.ch = ch;
	if (c->attrs.bold)
		g.pen.attr |= GRID_BOLD;
	if (c->attrs.underline)
		g.pen.attr |= GRID_UNDERLINE;
	if (c->attrs.reverse)
		g.pen.attr |= GRID_REVERSE;
	return g;
}

static int on_damage(VTermRect rect, void *user)
{
	(void)rect;
	((struct vtscreen *)user)->dirty = true;
	return 1;
}

static int on_moverect(VTermRect dest, VTermRect src, void *user)
{
	(void)dest;
	(void)src;
	((struct vtscreen *)user)->dirty = true;
	return 1;
}

static int on_movecursor(VTermPos pos, VTermPos old, int visible, void *user)
{
	(void)pos;
	(void)old;
	(void)visible;
	((struct vtscreen *)user)->dirty = true;
	return 1;
}

static int on_termprop(VTermProp prop, VTermValue *val, void *user)
{
	struct vtscreen *s = user;
	if (prop == VTERM_PROP_ALTSCREEN)
		s->alt = val->boolean;
	else if (prop == VTERM_PROP_CURSORVISIBLE)
		s->cursor_visible = val->boolean;
	s->dirty = true;
	return 1;
}

static struct sbline **sb_slot(struct vtscreen *s, size_t i)
{
	return &s->sb[(s->sb_first + i) % VTSCREEN_SCROLLBACK];
}

/* A line scrolled off the top: kept without its trailing blanks. */
static int on_pushline(int cols, const VTermScreenCell *cells, void *user)
{
	struct vtscreen *s = user;
	int used = cols;
	while (used > 0 && (cells[used - 1].chars[0] == 0 || cells[used - 1].chars[0] == ' ') &&
	       VTERM_COLOR_IS_DEFAULT_BG(&cells[used - 1].bg) && !cells[used - 1].attrs.reverse)
		used--;
	struct sbline *l = xmalloc(sizeof(*l) + (size_t)used * sizeof(l->cells[0]));
	l->cols = used;
	for (int i = 0; i < used; i++)
		l->cells[i] = cell_of(&cells[i]);
	if (s->sb_n == VTSCREEN_SCROLLBACK) {
		free(*sb_slot(s, 0));
		s->sb_first = (s->sb_first + 1) % VTSCREEN_SCROLLBACK;
		s->sb_n--;
	}
	*sb_slot(s, s->sb_n++) = l;
	return 1;
}

/* The screen grew taller: the newest scrollback line comes back. */
static int on_popline(int cols, VTermScreenCell *cells, void *user)
{
	struct vtscreen *s = user;
	if (!s->sb_n)
		return 0;
	struct sbline *l = *sb_slot(s, --s->sb_n);
	for (int i = 0; i < cols; i++) {
		VTermScreenCell *c = &cells[i];
		memset(c, 0, sizeof(*c));
		c->width = 1;
		struct grid_cell g = i < l->cols ? l->cells[i] : (struct grid_cell){ ' ', { -1, -1, 0, ROLE_THUMB } };
		c->chars[0] = g.ch;
		c->attrs.bold = !!(g.pen.attr & GRID_BOLD);
		c->attrs.underline = !!(g.pen.attr & GRID_UNDERLINE);
		c->attrs.reverse = !!(g.pen.attr & GRID_REVERSE);
		vt_color(g.pen.fg, true, &c->fg);
		vt_color(g.pen.bg, false, &c->bg);
	}
	free(l);
	return 1;
}

static const VTermScreenCallbacks callbacks = {
	.damage = on_damage,
	.moverect = on_moverect,
	.movecursor = on_movecursor,
	.settermprop = on_termprop,
	.sb_pushline = on_pushline,
	.sb_popline = on_popline,
};

static void on_output(const char *bytes, size_t len, void *user)
{
	struct vtscreen *s = user;
	if (s->out)
		s->out(bytes, len, s->out_arg);
}

struct vtscreen *vtscreen_new(int rows, int cols, vtscreen_out_fn out, void *arg)
{
	struct vtscreen *s = xcalloc(1, sizeof(*s));
	s->rows = rows > 0 ? rows : 1;
	s->cols = cols > 0 ? cols : 1;
	s->out = out;
	s->out_arg = arg;
	s->sb = xcalloc(VTSCREEN_SCROLLBACK, sizeof(*s->sb));
	s->vt = vterm_new(s->rows, s->cols);
	if (!s->vt)
		fatal("out of memory (libvterm)");
	vterm_set_utf8(s->vt, 1);
	vterm_output_set_callback(s->vt, on_output, s);
	s->scr = vterm_obtain_screen(s->vt);
	vterm_screen_set_callbacks(s->scr, &callbacks, s);
	vterm_screen_enable_altscreen(s->scr, 1);
	vterm_screen_set_damage_merge(s->scr, VTERM_DAMAGE_SCROLL);
	vterm_screen_reset(s->scr, 1);
	s->cursor_visible = true;
	s->dirty = true;
	return s;
}

static void sb_clear(struct vtscreen *s)
{
	for (size_t i = 0; i < s->sb_n; i++)
		free(*sb_slot(s, i));
	s->sb_first = s->sb_n = 0;
}

void vtscreen_free(struct vtscreen *s)
{
	if (!s)
		return;
	sb_clear(s);
	free(s->sb);
	vterm_free(s->vt);
	free(s);
}

void vtscreen_reset(struct vtscreen *s)
{
	vterm_screen_reset(s->scr, 1);
	sb_clear(s);
	s->alt = false;
	s->cursor_visible = true;
	s->dirty = true;
}

void vtscreen_feed(struct vtscreen *s, const char *bytes, size_t n)
{
	if (n)
		vterm_input_write(s->vt, bytes, n);
	vterm_screen_flush_damage(s->scr);
}

void vtscreen_resize(struct vtscreen *s, int rows, int cols)
{
	if (rows < 1)
		rows = 1;
	if (cols < 1)
		cols = 1;
	if (rows == s->rows && cols == s->cols)
		return;
	s->rows = rows;
	s->cols = cols;
	vterm_set_size(s->vt, rows, cols);
	vterm_screen_flush_damage(s->scr);
	s->dirty = true;
}

void vtscreen_size(const struct vtscreen *s, int *rows, int *cols)
{
	*rows = s->rows;
	*cols = s->cols;
}

bool vtscreen_altscreen(const struct vtscreen *s) { return s->alt; }
size_t vtscreen_scrollback(const struct vtscreen *s) { return s->alt ? 0 : s->sb_n; }

bool vtscreen_take_dirty(struct vtscreen *s)
{
	bool d = s->dirty;
	s->dirty = false;
	return d;
}

void vtscreen_draw(const struct vtscreen *s, struct grid *g, struct rect r, int scroll, bool cursor)
{
	int sb = (int)vtscreen_scrollback(s);
	if (scroll > sb)
		scroll = sb;
	if (scroll < 0)
		scroll = 0;
	struct grid_cell blank = { ' ', { -1, -1, 0, ROLE_THUMB } };
	VTermPos cur;
	vterm_state_get_cursorpos(vterm_obtain_state(s->vt), &cur);
	for (int y = 0; y < r.h; y++) {
		int v = y - scroll; /* < 0: a scrollback line */
		const struct sbline *l = v < 0 ? s->sb[(s->sb_first + (size_t)(sb + v)) % VTSCREEN_SCROLLBACK] : NULL;
		for (int x = 0; x < r.w; x++) {
			struct grid_cell c = blank;
			if (l) {
				if (x < l->cols)
					c = l->cells[x];
			} else if (v < s->rows && x < s->cols) {
				VTermScreenCell vc;
				if (vterm_screen_get_cell(s->scr, (VTermPos){ v, x }, &vc))
					c = cell_of(&vc);
				if (cursor && s->cursor_visible && !scroll && cur.row == v && cur.col == x)
					c.pen.attr ^= GRID_REVERSE;
			}
			grid_set(g, r.x + x, r.y + y, c.ch, c.pen);
		}
	}
}

static const struct {
	int key;
	VTermKey vkey;
	VTermModifier mod;
} keymap[] = {
	{ K_UP, VTERM_KEY_UP, 0 }, { K_DOWN, VTERM_KEY_DOWN, 0 }, { K_LEFT, VTERM_KEY_LEFT, 0 },
	{ K_RIGHT, VTERM_KEY_RIGHT, 0 }, { K_HOME, VTERM_KEY_HOME, 0 }, { K_END, VTERM_KEY_END, 0 },
	{ K_PGUP, VTERM_KEY_PAGEUP, 0 }, { K_PGDN, VTERM_KEY_PAGEDOWN, 0 }, { K_INSERT, VTERM_KEY_INS, 0 },
	{ K_DELETE, VTERM_KEY_DEL, 0 }, { K_ENTER, VTERM_KEY_ENTER, 0 }, { K_TAB, VTERM_KEY_TAB, 0 },
	{ K_BTAB, VTERM_KEY_TAB, VTERM_MOD_SHIFT }, { K_BACKSPACE, VTERM_KEY_BACKSPACE, 0 },
	{ K_ESC, VTERM_KEY_ESCAPE, 0 }, { K_F1, VTERM_KEY_FUNCTION(1), 0 }, { K_F2, VTERM_KEY_FUNCTION(2), 0 },
	{ K_F3, VTERM_KEY_FUNCTION(3), 0 }, { K_F4, VTERM_KEY_FUNCTION(4), 0 }, { K_F5, VTERM_KEY_FUNCTION(5), 0 },
	{ K_F6, VTERM_KEY_FUNCTION(6), 0 }, { K_F7, VTERM_KEY_FUNCTION(7), 0 }, { K_F8, VTERM_KEY_FUNCTION(8), 0 },
	{ K_F9, VTERM_KEY_FUNCTION(9), 0 }, { K_F10, VTERM_KEY_FUNCTION(10), 0 },
	{ K_F11, VTERM_KEY_FUNCTION(11), 0 }, { K_F12, VTERM_KEY_FUNCTION(12), 0 },
};

bool vtscreen_key(struct vtscreen *s, int key)
{
	for (size_t i = 0; i < ARRAY_LEN(keymap); i++)
		if (keymap[i].key == key) {
			vterm_keyboard_key(s->vt, keymap[i].vkey, keymap[i].mod);
			return true;
		}
	if (key > 0 && key < 32) { /* Ctrl combinations: the control byte itself */
		char c = (char)key;
		on_output(&c, 1, s);
		return true;
	}
	if (key >= 32 && key < K_BASE && key != 127) {
		vterm_keyboard_unichar(s->vt, (uint32_t)key, 0);
		return true;
	}
	return false;
}

char *vtscreen_row_text(const struct vtscreen *s, int y)
{
	struct grid *full = grid_new(s->cols, s->rows);
	vtscreen_draw(s, full, (struct rect){ 0, 0, s->cols, s->rows }, 0, false);
	char *t = grid_row_text(full, y);
	grid_free(full);
	return t;
}
