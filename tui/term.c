/* term: grid -> ncursesw. Nothing else in vmdeck includes curses. */
#include "tui/term.h"
#include "tui/keys.h"
#include "tui/termcolor.h"
#include "core/util.h"

#define NCURSES_WIDECHAR 1
#include <curses.h>
#include <langinfo.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

struct term {
	SCREEN *screen;
	bool utf8;
	enum theme_colors colors;
	bool direct;       /* the terminfo entry takes 0xRRGGBB colour numbers */
	char *terminfo;    /* the entry curses was opened with (TERM or a -direct sibling) */
	char *notice;      /* VMDECK_COLORS could not be honoured: said on stderr at exit */
	int npairs;        /* colour pairs allocated since the last reset */
	struct grid *shown; /* what the terminal shows now */
	struct mouse_event mouse; /* behind the last K_MOUSE */
	int w, h;
};

static volatile sig_atomic_t term_is_open;

/* Restore the terminal from anywhere (crash, fatal hook); idempotent. */
static void term_emergency_restore(void)
{
	if (term_is_open) {
		term_is_open = 0;
		endwin();
		fflush(stdout);
	}
}

static void crash_handler(int sig)
{
	/* Not async-signal-safe in theory, but the alternative is a user left
	 * with a raw, invisible terminal; htop and tmux make the same trade. */
	term_emergency_restore();
	static const char msg[] = "vmdeck: crashed; the terminal was restored, VMs keep running\n";
	ssize_t r = write(STDERR_FILENO, msg, sizeof(msg) - 1);
	(void)r;
	signal(sig, SIG_DFL);
	raise(sig);
}

static void install_crash_handlers(void)
{
	static const int sigs[] = { SIGSEGV, SIGABRT, SIGBUS, SIGFPE, SIGILL };
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = crash_handler;
	sa.sa_flags = SA_RESETHAND;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < ARRAY_LEN(sigs); i++)
		sigaction(sigs[i], &sa, NULL);
}

/* The low-level terminfo calls from <term.h>, which this file cannot
 * include: it defines its own struct term and a macro per capability name
 * (colors, lines...). Declared as ncurses 6 does, with TERMINAL opaque. */
struct ncurses_terminal;
extern int setupterm(const char *name, int fd, int *errret);
extern struct ncurses_terminal *set_curterm(struct ncurses_terminal *t);
extern int del_curterm(struct ncurses_terminal *t);

/* termcolor's probe: what NAME's terminfo entry says. setupterm only reads
 * the database (nothing is written to the terminal), and unlike a newterm()
 * that fails it leaks nothing for a name terminfo does not have. */
static int probe(const char *name, struct termcolor_caps *caps, void *arg)
{
	(void)arg;
	int e = 0;
	if (setupterm(name, STDOUT_FILENO, &e) != OK)
		return -1;
	int n = tigetnum("colors");
	caps->colors = n > 0 ? n : 0;
	caps->direct = tigetflag("RGB") > 0 || n >= 0x1000000;
	del_curterm(set_curterm(NULL));
	return 0;
}

struct term *term_new(char **err)
{
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		error_set(err, "the interface needs a terminal (use a verb such as 'vmdeck status' in scripts)");
		return NULL;
	}
	struct termcolor_env env = { getenv("TERM"), getenv("VMDECK_COLORS"), getenv("NO_COLOR"),
				     getenv("COLORTERM") };
	struct termcolor_choice choice;
	if (termcolor_choose(&env, probe, NULL, &choice, err) < 0)
		return NULL;
	struct term *t = xcalloc(1, sizeof(*t));
	const char *cs = nl_langinfo(CODESET);
	t->utf8 = cs && strcmp(cs, "UTF-8") == 0;
	t->screen = newterm(choice.terminfo, stdout, stdin);
	if (!t->screen) {
		error_set(err, "terminal type '%s' is unknown to ncurses", choice.terminfo);
		termcolor_clear(&choice);
		free(t);
		return NULL;
	}
	t->terminfo = choice.terminfo;
	t->notice = choice.notice;
	term_is_open = 1;
	util_set_fatal_hook(term_emergency_restore);
	install_crash_handlers();
	cbreak();
	noecho();
	nonl();
	intrflush(stdscr, FALSE);
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	set_escdelay(25);
	curs_set(0);
	leaveok(stdscr, TRUE);
	t->colors = THEME_MONO;
	if (choice.colors != THEME_MONO && has_colors()) {
		start_color();
		use_default_colors();
		t->colors = choice.colors;
		t->direct = choice.direct;
	}
	getmaxyx(stdscr, t->h, t->w);
	t->shown = grid_new(t->w, t->h);
	return t;
}

void term_free(struct term *t)
{
	if (!t)
		return;
	term_emergency_restore();
	delscreen(t->screen);
	if (t->notice)
		fprintf(stderr, "vmdeck: %s\n", t->notice);
	grid_free(t->shown);
	free(t->terminfo);
	free(t->notice);
	free(t);
}

bool term_utf8(const struct term *t) { return t->utf8; }
enum theme_colors term_colors(const struct term *t) { return t->colors; }
int term_fd(const struct term *t) { (void)t; return STDIN_FILENO; }

void term_size(const struct term *t, int *w, int *h)
{
	*w = t->w;
	*h = t->h;
}

void term_resize(struct term *t)
{
	struct winsize ws;
	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0 && ws.ws_row > 0)
		resizeterm(ws.ws_row, ws.ws_col);
	getmaxyx(stdscr, t->h, t->w);
	grid_resize(t->shown, t->w, t->h);
	/* The terminal's contents are unknown after a resize: repaint all. */
	clearok(curscr, TRUE);
}

static attr_t attrs_of(unsigned a)
{
	attr_t r = A_NORMAL;
	if (a & GRID_BOLD) r |= A_BOLD;
	if (a & GRID_REVERSE) r |= A_REVERSE;
	if (a & GRID_UNDERLINE) r |= A_UNDERLINE;
	if (a & GRID_DIM) r |= A_DIM;
	return r;
}

static int pair_of(struct term *t, const struct grid_pen *p)
{
	if (t->colors == THEME_MONO || (p->fg < 0 && p->bg < 0))
		return 0;
	int fg = termcolor_number(p->fg, t->colors, t->direct);
	int bg = termcolor_number(p->bg, t->colors, t->direct);
	int pair = find_pair(fg, bg);
	if (pair < 0) {
		pair = alloc_pair(fg, bg);
		t->npairs++;
	}
	return pair < 0 ? 0 : pair;
}

/* A 24-bit thumbnail can need more distinct pairs over time than the table
 * holds (COLOR_PAIRS is 65536 with tmux-direct; the zoomed 160x50 gradient
 * of tests/thumb/color.sh uses about 6000 at once, at most one per cell).
 * Once it is full, alloc_pair() fails (measured with ncurses 6.4: -1 for
 * every new pair) and cells would lose their colours. So before a frame
 * that could run out, start over: free every pair and repaint everything
 * (once per ~57000 new pairs: a fully changing zoomed picture every ~10
 * frames, when its cells are rewritten anyway). Returns the new `full`. */
static bool maybe_reset_pairs(struct term *t, bool full)
{
	int frame = t->w * t->h;
	if (t->colors == THEME_MONO || COLOR_PAIRS < 2 * frame + 16)
		return full; /* a small table: alloc_pair's recycling it is */
	if (t->npairs + frame < COLOR_PAIRS - 1)
		return full;
	reset_color_pairs();
	t->npairs = 0;
	return true;
}

int term_flush(struct term *t, const struct grid *g, bool full)
{
	int written = 0;
	full = maybe_reset_pairs(t, full);
	if (full) {
		grid_resize(t->shown, t->w, t->h);
		clearok(curscr, TRUE);
	}
	for (int y = 0; y < g->h && y < t->h; y++) {
		for (int x = 0; x < g->w && x < t->w; x++) {
			const struct grid_cell *c = grid_cget(g, x, y);
			struct grid_cell *s = grid_at(t->shown, x, y);
			if (!full && grid_cell_eq(c, s))
				continue;
			*s = *c;
			wchar_t wc[2] = { (wchar_t)c->ch, 0 };
			if (!t->utf8 && c->ch >= 0x80)
				wc[0] = '?'; /* never a byte the locale cannot show */
			attr_t a = attrs_of(c->pen.attr);
			cchar_t cc;
			int pair = pair_of(t, &c->pen); /* via opts: pairs above 32767 */
			setcchar(&cc, wc, a, 0, &pair);
			mvadd_wch(y, x, &cc);
			written++;
		}
	}
	if (written || full) {
		wnoutrefresh(stdscr);
		doupdate();
	}
	return written;
}

static const struct {
	int curses, key;
} keymap[] = {
	{ KEY_UP, K_UP }, { KEY_DOWN, K_DOWN }, { KEY_LEFT, K_LEFT }, { KEY_RIGHT, K_RIGHT },
	{ KEY_PPAGE, K_PGUP }, { KEY_NPAGE, K_PGDN }, { KEY_HOME, K_HOME }, { KEY_END, K_END },
	{ KEY_F(1), K_F1 }, { KEY_ENTER, K_ENTER }, { KEY_BACKSPACE, K_BACKSPACE }, { KEY_DC, K_DELETE },
	{ KEY_BTAB, K_BTAB }, { KEY_RESIZE, K_RESIZE }, { KEY_IC, K_INSERT },
	{ KEY_F(2), K_F2 }, { KEY_F(3), K_F3 }, { KEY_F(4), K_F4 }, { KEY_F(5), K_F5 }, { KEY_F(6), K_F6 },
	{ KEY_F(7), K_F7 }, { KEY_F(8), K_F8 }, { KEY_F(9), K_F9 }, { KEY_F(10), K_F10 }, { KEY_F(11), K_F11 },
	{ KEY_F(12), K_F12 },
};

/* Clicks and the wheel; no motion (REPORT_MOUSE_POSITION would switch the
 * terminal to mode 1002/1003 and report every move). */
static const mmask_t mouse_mask = BUTTON1_PRESSED | BUTTON1_RELEASED | BUTTON1_CLICKED | BUTTON2_PRESSED |
				  BUTTON3_PRESSED | BUTTON4_PRESSED | BUTTON5_PRESSED | BUTTON_SHIFT | BUTTON_CTRL | BUTTON_ALT;

bool term_mouse(struct term *t, bool on)
{
	mmask_t old = 0;
	bool ok = mousemask(on ? mouse_mask : 0, &old) != 0;
	/* No click resolution: ncurses would hold a press back for 166 ms
	 * waiting for its release; vmdeck acts on the press. A press and its
	 * release read together still come as one BUTTON1_CLICKED (measured,
	 * ncurses 6.4), so the mask has it too. */
	mouseinterval(0);
	(void)t;
	return on && ok;
}

const struct mouse_event *term_last_mouse(const struct term *t) { return &t->mouse; }

static const struct {
	mmask_t bit;
	enum mouse_kind kind;
	int button;
} mouse_map[] = {
	{ BUTTON4_PRESSED, MOUSE_WHEEL_UP, 0 }, { BUTTON5_PRESSED, MOUSE_WHEEL_DOWN, 0 },
	{ BUTTON1_PRESSED, MOUSE_PRESS, 1 }, { BUTTON1_CLICKED, MOUSE_PRESS, 1 }, { BUTTON1_RELEASED, MOUSE_RELEASE, 1 },
	{ BUTTON2_PRESSED, MOUSE_PRESS, 2 }, { BUTTON3_PRESSED, MOUSE_PRESS, 3 },
};

/* MEVENT -> mouse_event; false for what vmdeck does not use. */
static bool mouse_read(struct term *t)
{
	MEVENT me;
	if (getmouse(&me) != OK)
		return false;
	for (size_t i = 0; i < ARRAY_LEN(mouse_map); i++) {
		if (!(me.bstate & mouse_map[i].bit))
			continue;
		t->mouse = (struct mouse_event){ me.x, me.y, mouse_map[i].kind, mouse_map[i].button, 0 };
		if (me.bstate & BUTTON_SHIFT) t->mouse.mods |= MOUSE_SHIFT;
		if (me.bstate & BUTTON_CTRL) t->mouse.mods |= MOUSE_CTRL;
		if (me.bstate & BUTTON_ALT) t->mouse.mods |= MOUSE_ALT;
		return true;
	}
	return false;
}

int term_read_key(struct term *t)
{
	wint_t wc;
	int r = wget_wch(stdscr, &wc);
	if (r == ERR)
		return K_NONE;
	if (r == KEY_CODE_YES && wc == KEY_MOUSE)
		return mouse_read(t) ? K_MOUSE : K_BASE;
	if (r == KEY_CODE_YES) {
		for (size_t i = 0; i < ARRAY_LEN(keymap); i++)
			if (keymap[i].curses == (int)wc)
				return keymap[i].key;
		return K_BASE; /* an unknown function key: the app ignores it */
	}
	switch (wc) {
	case '\r': case '\n': return K_ENTER;
	case 127: case 8: return K_BACKSPACE;
	case 27: return K_ESC;
	case '\t': return K_TAB;
	default: return (int)wc;
	}
}
