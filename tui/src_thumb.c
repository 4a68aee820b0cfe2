/* src_thumb: the selected VM's screen. A core/vnc.h client in the loop keeps
 * a core/thumb.h cell grid sized to the thumbnail pane; each capped frame
 * copies the cells that changed into ui->thumb.cells for the view. Only the
 * selected, live VM is connected. */
#include "tui/src_thumb.h"
#include "tui/keysym.h"
#include "tui/theme.h"
#include "core/profile.h"
#include "core/textscr.h"
#include "core/thumb.h"
#include "core/util.h"
#include "core/vnc.h"

#include <stdlib.h>
#include <string.h>

struct src_thumb {
	struct loop *loop;
	struct ui *ui;
	struct vnc *vnc;
	struct thumb *thumb;
	char *vm;      /* whose screen vnc shows */
	char *target;
	src_thumb_remote_fn remote; /* a libvirt domain's screen (tui/src_lv.c) */
	void *remote_arg;
	/* The zoomed text view (text_view()). */
	struct textscr *text;
	struct textscr_font *font; /* loaded at the first zoom */
	char *font_err;            /* why there is none */
	bool texting;              /* ui->thumb.cells hold text, not pixels */
	unsigned fps;              /* frame cap (app_run checked $VMDECK_THUMB_FPS) */
	bool esc;                  /* typing: an ESC waits for the next key (Alt) */
};

static void set_message(struct src_thumb *s, const char *msg)
{
	free(s->ui->thumb.message);
	s->ui->thumb.message = msg ? xstrdup(msg) : NULL;
	s->ui->dirty |= D_THUMB;
}

static struct thumb_opts opts_now(const struct src_thumb *s)
{
	struct thumb_opts o = { THUMB_COLOR_MONO, THUMB_GLYPH_ASCII, true };
	switch (theme_colors()) {
	case THEME_24BIT: o.color = THUMB_COLOR_24BIT; break;
	case THEME_256: o.color = THUMB_COLOR_256; break;
	case THEME_8: o.color = THUMB_COLOR_8; break;
	case THEME_MONO: o.color = THUMB_COLOR_MONO; break;
	}
	/* Half blocks need Unicode and colours; monochrome gets the ramp.
	 * Zoomed, quadrant blocks: twice the horizontal resolution, which is
	 * what makes a text console's characters legible. */
	if (theme_utf8() && o.color != THUMB_COLOR_MONO)
		o.glyph = s->ui->zoom ? THUMB_GLYPH_QUAD : THUMB_GLYPH_HALF;
	else
		o.glyph = THUMB_GLYPH_ASCII;
	return o;
}

static void pane_size(struct src_thumb *s, int *w, int *h)
{
	struct rect r = s->ui->rects[V_THUMB];
	*w = r.w - 2 > 1 ? r.w - 2 : 1;
	*h = r.h - 2 > 1 ? r.h - 2 : 1;
}

/* Copy the cells thumb marked dirty (all with all) into the view's grid. */
static void copy_cells(struct src_thumb *s, bool all)
{
	struct ui_thumb *ut = &s->ui->thumb;
	int cols = thumb_cols(s->thumb), rows = thumb_rows(s->thumb);
	if (!ut->cells || ut->cells->w != cols || ut->cells->h != rows) {
		grid_free(ut->cells);
		ut->cells = grid_new(cols, rows);
		all = true;
	}
	const struct thumb_opts *o = thumb_get_opts(s->thumb);
	for (int y = 0; y < rows; y++) {
		if (!all && !thumb_row_dirty(s->thumb, y))
			continue;
		for (int x = 0; x < cols; x++) {
			if (!all && !thumb_dirty(s->thumb, x, y))
				continue;
			const struct thumb_cell *c = thumb_cell(s->thumb, x, y);
			struct grid_pen p = { -1, -1, 0, ROLE_THUMB };
			uint32_t ch = c->ch;
			if (c->flags & THUMB_CELL_BLANK)
				ch = ' ';
			else if (o->color == THUMB_COLOR_256 || o->color == THUMB_COLOR_8) {
				p.fg = c->fg_idx;
				p.bg = c->bg_idx;
			} else if (o->color == THUMB_COLOR_24BIT) {
				p.fg = GRID_RGB_OF(c->fg[0], c->fg[1], c->fg[2]);
				p.bg = GRID_RGB_OF(c->bg[0], c->bg[1], c->bg[2]);
			}
			grid_set(ut->cells, x, y, ch ? ch : ' ', p);
		}
	}
	thumb_clear_dirty(s->thumb);
	s->ui->dirty |= D_THUMB;
}

static void set_mode(struct src_thumb *s, char *mode)
{
	free(s->ui->thumb.mode);
	s->ui->thumb.mode = mode;
}

/* A recognised character cell as the view draws it, in the thumbnail's
 * colour mode (the same palettes as the pixel cells). */
static void text_cell(const struct thumb_opts *o, const struct thumb_cell *c, uint32_t *ch, struct grid_pen *p)
{
	*p = (struct grid_pen){ -1, -1, 0, ROLE_THUMB };
	*ch = c->ch >= 0x80 && !theme_utf8() ? '?' : c->ch;
	switch (o->color) {
	case THUMB_COLOR_24BIT:
		p->fg = GRID_RGB_OF(c->fg[0], c->fg[1], c->fg[2]);
		p->bg = GRID_RGB_OF(c->bg[0], c->bg[1], c->bg[2]);
		break;
	case THUMB_COLOR_256:
		p->fg = thumb_rgb_to_256(c->fg);
		p->bg = thumb_rgb_to_256(c->bg);
		break;
	case THUMB_COLOR_8:
		p->fg = thumb_rgb_to_8(c->fg);
		p->bg = thumb_rgb_to_8(c->bg);
		break;
	case THUMB_COLOR_MONO: {
		/* No colours: a light background (a highlighted menu item,
		 * reverse video) becomes reverse video. */
		int lf = c->fg[0] * 3 + c->fg[1] * 6 + c->fg[2], lb = c->bg[0] * 3 + c->bg[1] * 6 + c->bg[2];
		if (lb > lf && c->ch != ' ')
			p->attr = GRID_REVERSE;
		break;
	}
	}
}

/* Zoomed over a text-mode screen (BIOS, Linux console) whose characters fit
 * the pane: draw the characters themselves, centred, instead of pixel
 * blocks — readable where 4x4 quadrant pixels per character are not. The
 * pixel thumbnail keeps following the frame underneath, so falling back
 * (graphics mode, a text grid larger than the pane) is one full copy.
 * Returns true when it drew the pane (text, or that fallback copy). */
static bool text_view(struct src_thumb *s)
{
	struct thumb_frame f;
	bool have = s->ui->zoom && s->vnc && s->thumb && vnc_state(s->vnc) == VNC_CONNECTED && vnc_frame(s->vnc, &f) == 0;
	if (!have) {
		set_mode(s, NULL);
		if (!s->texting)
			return false;
		s->texting = false;
		copy_cells(s, true);
		return true;
	}
	if (!s->font && !s->font_err) {
		s->font = textscr_font_find(&s->font_err);
		if (!s->font && !s->font_err)
			s->font_err = xstrdup("no console font");
	}
	if (!s->text)
		s->text = textscr_new();
	int cols = thumb_cols(s->thumb), rows = thumb_rows(s->thumb);
	bool text = s->font && textscr_recognise(s->text, s->font, &f);
	int tc = textscr_cols(s->text), tr = textscr_rows(s->text);
	if (!text || tc > cols || tr > rows) {
		/* No font: the hint, or what is wrong with the user's font. */
		const char *env = getenv("VMDECK_CONSOLE_FONT");
		set_mode(s, !s->font && env && *env ? xasprintf("pixels %dx%d; no text view: %s", f.w, f.h, s->font_err)
			    : !s->font ? xasprintf("pixels %dx%d; text view needs a console font: install console-data "
						 "or set VMDECK_CONSOLE_FONT",
						 f.w, f.h)
			    : text ? xasprintf("pixels %dx%d; text %dx%d needs a larger window", f.w, f.h, tc, tr)
				   : xasprintf("pixels %dx%d", f.w, f.h));
		if (!s->texting)
			return false;
		s->texting = false;
		copy_cells(s, true);
		return true;
	}
	set_mode(s, xasprintf("text %dx%d", tc, tr));
	struct ui_thumb *ut = &s->ui->thumb;
	if (!ut->cells || ut->cells->w != cols || ut->cells->h != rows) {
		grid_free(ut->cells);
		ut->cells = grid_new(cols, rows);
	}
	const struct thumb_opts *o = thumb_get_opts(s->thumb);
	int ox = (cols - tc) / 2, oy = (rows - tr) / 2;
	for (int y = 0; y < rows; y++)
		for (int x = 0; x < cols; x++) {
			const struct thumb_cell *c = textscr_cell(s->text, x - ox, y - oy);
			struct grid_pen p = { -1, -1, 0, ROLE_THUMB };
			uint32_t ch = ' ';
			if (c)
				text_cell(o, c, &ch, &p);
			grid_set(ut->cells, x, y, ch, p);
		}
	thumb_clear_dirty(s->thumb);
	s->texting = true;
	s->ui->dirty |= D_THUMB;
	return true;
}

static void on_state(struct vnc *v, void *arg)
{
	struct src_thumb *s = arg;
	if (vnc_state(v) == VNC_CONNECTED)
		set_message(s, NULL);
	else {
		const char *r = vnc_reason(v);
		char *m = xasprintf("%s%s%s", vnc_state(v) == VNC_GONE ? "VM screen is gone" : "connecting",
				    r && *r ? ": " : "", r ? r : "");
		set_message(s, m);
		free(m);
	}
}

static void on_frame(struct vnc *v, const struct vnc_rect *rects, size_t n, void *arg)
{
	(void)v;
	(void)rects;
	(void)n;
	if (!text_view(arg))
		copy_cells(arg, false);
}

static void disconnect(struct src_thumb *s)
{
	if (s->vm)
		ui_typing_end(s->ui, "the guest's screen went away: keys are vmdeck's again");
	vnc_free(s->vnc);
	s->vnc = NULL;
	free(s->vm);
	s->vm = NULL;
	free(s->target);
	s->target = NULL;
	free(s->ui->thumb.vm);
	s->ui->thumb.vm = NULL;
	grid_free(s->ui->thumb.cells);
	s->ui->thumb.cells = NULL;
	s->texting = false;
	s->esc = false;
	set_mode(s, NULL);
	s->ui->dirty |= D_THUMB;
}

struct src_thumb *src_thumb_new(struct loop *l, struct ui *ui, unsigned fps)
{
	struct src_thumb *s = xcalloc(1, sizeof(*s));
	s->loop = l;
	s->ui = ui;
	s->fps = fps;
	vnc_set_log(NULL);
	return s;
}

void src_thumb_free(struct src_thumb *s)
{
	if (!s)
		return;
	disconnect(s);
	thumb_free(s->thumb);
	textscr_free(s->text);
	textscr_font_free(s->font);
	free(s->font_err);
	free(s);
}

/* Where the selected VM's screen is, or NULL. Caller frees. */
/* The same target and password `vmdeck screenshot` uses: a profile's TCP
 * address with QEMU's options after ',' dropped, else <runtime>/vnc.sock. */
static char *target_of(const struct mvm *v)
{
	if (!v || !v->runtime_dir)
		return NULL;
	const char *pv = v->prof ? v->prof->vnc : NULL;
	if (pv && strcmp(pv, "none") == 0)
		return NULL;
	if (!v->prof)
		return path_join(v->runtime_dir, "vnc.sock");
	return vnc_profile_target(v->prof, v->name);
}

void src_thumb_set_remote(struct src_thumb *s, src_thumb_remote_fn fn, void *arg)
{
	s->remote = fn;
	s->remote_arg = arg;
}

void src_thumb_select(struct src_thumb *s)
{
	struct mvm *v = ui_selected_vm(s->ui);
	if (v && v->host && (!s->remote || v->stale))
		v = NULL; /* a libvirt domain without a way to its screen */
	bool alive = v && (v->state == MVM_RUNNING || v->state == MVM_PAUSED || v->state == MVM_STARTING ||
			   v->state == MVM_STOPPING);
	/* A libvirt domain's screen is libvirt's socket (no path): named by the row. */
	char *target = !alive ? NULL : v->host ? xasprintf("libvirt %s", v->name) : target_of(v);
	if (s->vnc && target && s->vm && strcmp(s->vm, v->name) == 0 && strcmp(s->target, target) == 0) {
		free(target);
		return; /* already showing it */
	}
	disconnect(s);
	if (!target) {
		set_message(s, v && alive ? "this VM has no VNC screen" : NULL);
		return;
	}
	int w, h;
	pane_size(s, &w, &h);
	struct thumb_opts o = opts_now(s);
	if (!s->thumb)
		s->thumb = thumb_new(w, h, &o);
	else {
		thumb_set_opts(s->thumb, &o);
		thumb_resize(s->thumb, w, h);
	}
	thumb_clear(s->thumb);
	char *err = NULL, *password = NULL;
	if (v->prof && vnc_profile_password(v->prof, &password, &err) < 0) {
		set_message(s, err ? err : "VNC: cannot read the password file");
		free(err);
		free(target);
		return;
	}
	struct vnc_config cfg = { .target = target, .password = password, .fps = s->fps };
	if (v->host && s->remote(s->remote_arg, v, &cfg, &err) < 0) {
		set_message(s, err ? err : "VNC: cannot reach the domain's screen");
		free(err);
		free(target);
		return;
	}
	struct vnc_callbacks cb = { on_state, on_frame };
	s->vnc = vnc_new(s->loop, &cfg, &cb, s, &err);
	free(password);
	if (!s->vnc && cfg.fd_unref)
		cfg.fd_unref(cfg.fd_arg);
	if (!s->vnc) {
		set_message(s, err ? err : "VNC: cannot connect");
		free(err);
		free(target);
		return;
	}
	s->vm = xstrdup(v->name);
	s->target = target;
	free(s->ui->thumb.vm);
	s->ui->thumb.vm = xstrdup(v->name);
	set_message(s, "connecting");
	vnc_set_thumb(s->vnc, s->thumb);
	copy_cells(s, true);
}

void src_thumb_resize(struct src_thumb *s)
{
	s->ui->dirty |= D_THUMB;
	if (!s->thumb || !s->vnc)
		return;
	int w, h;
	pane_size(s, &w, &h);
	struct thumb_opts o = opts_now(s), cur = *thumb_get_opts(s->thumb);
	bool same_opts = o.glyph == cur.glyph && o.color == cur.color;
	if (w == thumb_cols(s->thumb) && h == thumb_rows(s->thumb) && same_opts)
		return;
	if (!same_opts)
		thumb_set_opts(s->thumb, &o);
	thumb_resize(s->thumb, w, h);
	vnc_set_thumb(s->vnc, s->thumb); /* recomputes from the last frame at once */
	copy_cells(s, true);
	text_view(s);
}

/* --- typing into the screen --------------------------------------------- */

static void send_key(struct src_thumb *s, int key, bool alt)
{
	uint32_t chord[KEYSYM_CHORD_MAX];
	size_t n = keysym_chord(key, alt, chord);
	if (!n)
		return;
	if (!s->vnc || vnc_send_chord(s->vnc, chord, n) < 0)
		ui_message(s->ui, true, "the guest's screen is not connected: key not sent");
}

void src_thumb_key(struct src_thumb *s, int key)
{
	if (s->esc) {
		s->esc = false;
		if (key == K_ESC) { /* Esc Esc: the first is a plain Esc */
			send_key(s, K_ESC, false);
			s->esc = true;
		} else
			send_key(s, key, true);
		return;
	}
	if (key == K_ESC)
		s->esc = true;
	else
		send_key(s, key, false);
}

void src_thumb_key_end(struct src_thumb *s)
{
	if (!s->esc)
		return;
	s->esc = false;
	send_key(s, K_ESC, false);
}

/* Screen cell x,y -> framebuffer pixel: through the text grid when the
 * pane shows characters (the centre of that character cell), else through
 * the thumbnail's scaling (thumb_cell_point). */
static bool cell_point(struct src_thumb *s, int x, int y, int *px, int *py)
{
	const struct grid *cells = s->ui->thumb.cells;
	if (!cells || !s->thumb)
		return false;
	struct rect in = ui_inner(s->ui->rects[V_THUMB]);
	int col = x - (in.x + (in.w > cells->w ? (in.w - cells->w) / 2 : 0));
	int row = y - (in.y + (in.h > cells->h ? (in.h - cells->h) / 2 : 0));
	if (col < 0 || row < 0 || col >= cells->w || row >= cells->h)
		return false;
	if (!s->texting)
		return thumb_cell_point(s->thumb, col, row, px, py);
	int tc = textscr_cols(s->text), tr = textscr_rows(s->text), cw, ch;
	textscr_cell_size(s->text, &cw, &ch);
	col -= (cells->w - tc) / 2;
	row -= (cells->h - tr) / 2;
	if (col < 0 || row < 0 || col >= tc || row >= tr)
		return false;
	*px = col * cw + cw / 2;
	*py = row * ch + ch / 2;
	return true;
}

void src_thumb_click(struct src_thumb *s, int x, int y, unsigned buttons)
{
	int px, py;
	if (!s->vnc || !cell_point(s, x, y, &px, &py))
		return; /* the letterbox, or no picture: nothing under the click */
	if (vnc_send_click(s->vnc, px, py, buttons) < 0)
		ui_message(s->ui, true, "the guest's screen is not connected: click not sent");
}
