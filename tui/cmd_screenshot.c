/* cmd_screenshot: `vmdeck screenshot` — save a running VM's screen as PNG
 * from its VNC server, or render it as terminal cells (headless thumbnail,
 * for tests, benches and a quick look over ssh); --watch keeps the client
 * running and reports every state change (reconnection included). */
#include "core/loop.h"
#include "core/paths.h"
#include "core/profile.h"
#include "core/textscr.h"
#include "core/thumb.h"
#include "core/util.h"
#include "core/vnc.h"
#include "tui/cmd.h"
#include "tui/cmd_list.h"

#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct shot {
	struct loop *l;
	struct thumb *thumb;
	bool watch, first_frame, quiet;
	uint64_t first_us;
	char *gone_reason;
	int cells_out; /* frames printed in --watch --cells */
};

static void on_state(struct vnc *v, void *arg)
{
	struct shot *s = arg;
	enum vnc_state st = vnc_state(v);
	if (s->watch || !s->quiet)
		fprintf(stderr, "vnc: %s%s%s\n", vnc_state_name(st), *vnc_reason(v) ? " " : "", vnc_reason(v));
	if (st == VNC_CONNECTING) /* again, after a drop (core/vnc.c): the next frame is the first */
		s->first_frame = false;
	if (st == VNC_GONE && !s->watch) {
		free(s->gone_reason);
		s->gone_reason = xstrdup(vnc_reason(v));
		loop_quit(s->l);
	}
}

static void on_frame(struct vnc *v, const struct vnc_rect *r, size_t n, void *arg)
{
	struct shot *s = arg;
	(void)r;
	if (!s->first_frame) {
		s->first_frame = true;
		s->first_us = now_mono_us();
	}
	if (!s->watch)
		return;
	size_t dirty = s->thumb ? thumb_dirty_count(s->thumb) : 0;
	struct thumb_frame f = { 0 };
	vnc_frame(v, &f);
	fprintf(stderr, "vnc: frame %llu %dx%d rects %zu dirty-cells %zu\n", (unsigned long long)vnc_frames(v), f.w,
		f.h, n, dirty);
	if (s->thumb && dirty) {
		size_t len;
		char *out = thumb_ansi(s->thumb, false, 1, 1, &len);
		if (s->cells_out++ == 0)
			fputs("\x1b[H\x1b[2J", stdout);
		fwrite(out, 1, len, stdout);
		fflush(stdout);
		free(out);
		thumb_clear_dirty(s->thumb);
	}
}

static void on_signal(int signo, void *arg)
{
	(void)signo;
	loop_quit(((struct shot *)arg)->l);
}

static int parse_cells(const char *s, int *cols, int *rows)
{
	char x;
	return sscanf(s, "%d%c%d", cols, &x, rows) == 3 && (x == 'x' || x == 'X') && *cols > 0 && *rows > 0 &&
			       *cols <= 4096 && *rows <= 4096
		       ? 0
		       : -1;
}

/* --text: the screen read back as characters (core/textscr.h). */
static int print_text(const char *who, const struct thumb_frame *f, bool verbose)
{
	char *err = NULL;
	struct textscr_font *font = textscr_font_find(&err);
	if (!font) {
		cmd_error("%s: cannot read the screen as text: %s", who, err);
		free(err);
		return -1;
	}
	struct textscr *t = textscr_new();
	int rc = 0;
	int nonblank, matched;
	bool text = textscr_recognise(t, font, f);
	textscr_stats(t, &nonblank, &matched);
	if (verbose) {
		int cw, ch;
		textscr_cell_size(t, &cw, &ch);
		fprintf(stderr, "%s: %dx%d screen: %s %dx%d (%dx%d cells), %d of %d non-blank cells matched; fonts:", who,
			f->w, f->h, text ? "text" : "not text", textscr_cols(t), textscr_rows(t), cw, ch, matched,
			nonblank);
		for (size_t i = 0; i < textscr_font_files(font); i++)
			fprintf(stderr, " %s", textscr_font_file(font, i));
		fputc('\n', stderr);
	}
	if (text) {
		char *s = textscr_text(t);
		fputs(s, stdout);
		free(s);
	} else {
		/* The count stops where recognition gave up. */
		cmd_error("%s: the %dx%d screen is not a text screen (of %d non-blank cells read, %d matched a console "
			  "font glyph; needs 95 %%)",
			  who, f->w, f->h, nonblank, matched);
		rc = -1;
	}
	textscr_free(t);
	textscr_font_free(font);
	return rc;
}

static void usage(FILE *fp)
{
	fprintf(fp,
		"usage: vmdeck screenshot [options] NAME FILE.png\n"
		"       vmdeck screenshot [options] NAME --cells COLSxROWS\n"
		"       vmdeck screenshot [options] NAME --text\n"
		"       vmdeck screenshot --vnc SOCKET|HOST:DISPLAY|HOST::PORT [FILE.png] ...\n"
		"  --vnc TARGET       connect here instead of the VM's own VNC socket\n"
		"  --cells COLSxROWS  print the screen as a thumbnail on stdout (ANSI)\n"
		"  --text             print a text-mode screen (BIOS, Linux console) as plain\n"
		"                     UTF-8 lines, read with a console font ($VMDECK_CONSOLE_FONT\n"
		"                     or console-data's); fails if the screen is not text;\n"
		"                     with -v, how many cells matched which fonts\n"
		"  --colors MODE      24bit, 256 (default), 8 or mono (also --colours)\n"
		"  --glyphs G         half (default), quad or ascii\n"
		"  --stretch          fill COLSxROWS instead of keeping the proportions\n"
		"  --settle MS        wait this long after the first frame (0-60000, default\n"
		"                     500: a server's first update may be stale)\n"
		"  --timeout SEC      give up after SEC seconds (1-3600, default 10)\n"
		"  --password-file F  VNC password (first line of F); default: the profile's\n"
		"  --watch            keep running: report every state change and frame on\n"
		"                     stderr (reconnecting when the server goes away); with\n"
		"                     --cells, draw the thumbnail live on stdout\n"
		"  --fps N            frame cap for --watch, 1-60 (default $VMDECK_THUMB_FPS or %d)\n"
		"  -v, --verbose      show libvncclient's own messages on stderr\n",
		VNC_DEFAULT_FPS);
}

/* What the command line holds once parsed and checked. */
struct shot_args {
	const char *vnc_override, *cells, *password_file;
	const char *name, *file; /* either may be NULL (name: with --vnc) */
	struct thumb_opts topts;
	int settle_ms, timeout_s, fps; /* fps: 0 until --fps or the environment */
	int cols, rows;                /* from --cells; 0 without */
	bool watch, verbose, text;
};

/* Returned by the steps below when the command goes on; anything else is
 * its exit code. */
enum { SHOT_GO_ON = -1 };

/* The options, each checked as it is read. */
static int shot_parse_opts(int argc, char **argv, struct shot_args *a)
{
	static const struct option opts[] = {
		{ "vnc", required_argument, NULL, 'V' },     { "cells", required_argument, NULL, 'c' },
		{ "colors", required_argument, NULL, 'C' },  { "colours", required_argument, NULL, 'C' },
		{ "glyphs", required_argument, NULL, 'g' },  { "stretch", no_argument, NULL, 's' },
		{ "settle", required_argument, NULL, 'S' },  { "timeout", required_argument, NULL, 't' },
		{ "watch", no_argument, NULL, 'w' },         { "fps", required_argument, NULL, 'f' },
		{ "verbose", no_argument, NULL, 'v' },       { "help", no_argument, NULL, 'h' },
		{ "password-file", required_argument, NULL, 'P' }, { "text", no_argument, NULL, 'T' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned long long num;
	int c;
	optind = 0; /* 0: glibc re-reads the optstring (main.c used "+") */
	while ((c = getopt_long(argc, argv, "vh", opts, NULL)) != -1) {
		switch (c) {
		case 'V': a->vnc_override = optarg; break;
		case 'c': a->cells = optarg; break;
		case 'C':
			if (thumb_color_parse(optarg, &a->topts.color) < 0) {
				cmd_error("--colors %s: expected 24bit, 256, 8 or mono", optarg);
				return EXIT_USAGE;
			}
			break;
		case 'g':
			if (thumb_glyph_parse(optarg, &a->topts.glyph) < 0) {
				cmd_error("--glyphs %s: expected half, quad or ascii", optarg);
				return EXIT_USAGE;
			}
			break;
		case 's': a->topts.keep_aspect = false; break;
		/* Checked, never atoi: "--fps -1" or "--fps x" would lift the cap. */
		case 'S':
			if (!cmd_uint_opt("screenshot", "--settle", optarg, 0, 60000, &num))
				return EXIT_USAGE;
			a->settle_ms = (int)num;
			break;
		case 't':
			if (!cmd_uint_opt("screenshot", "--timeout", optarg, 1, 3600, &num))
				return EXIT_USAGE;
			a->timeout_s = (int)num;
			break;
		case 'w': a->watch = true; break;
		case 'f':
			if (!cmd_uint_opt("screenshot", "--fps", optarg, 1, 60, &num))
				return EXIT_USAGE;
			a->fps = (int)num;
			break;
		case 'v': a->verbose = true; break;
		case 'P': a->password_file = optarg; break;
		case 'T': a->text = true; break;
		case 'h': usage(stdout); return EXIT_OK;
		default: usage(stderr); return EXIT_USAGE;
		}
	}
	return SHOT_GO_ON;
}

/* NAME and FILE after the options, then what needs them all: something to
 * do, the --watch frame cap, a safe NAME, --cells' size. */
static int shot_parse_operands(int argc, char **argv, struct shot_args *a)
{
	int npos = argc - optind;
	if (a->vnc_override) {
		if (npos > 1) { /* a NAME is allowed, and ignored, with --vnc */
			a->name = argv[optind];
			a->file = argv[optind + 1];
		} else if (npos == 1)
			a->file = argv[optind];
	} else if (npos >= 1) {
		a->name = argv[optind];
		a->file = npos >= 2 ? argv[optind + 1] : NULL;
	}
	if ((!a->vnc_override && !a->name) || npos > 2 || (!a->file && !a->cells && !a->watch && !a->text)) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (a->watch && a->fps == 0) {
		/* The TUI's cap, checked as strictly as the TUI checks it. */
		unsigned env_fps;
		char *err = NULL;
		if (vnc_fps_env(getenv("VMDECK_THUMB_FPS"), &env_fps, &err) < 0) {
			cmd_error("%s", err);
			free(err);
			return EXIT_USAGE;
		}
		a->fps = (int)env_fps;
	}
	/* The name becomes <runtime>/NAME/vnc.sock: never "../x". (With --vnc
	 * it is only a label.) */
	if (a->name && !a->vnc_override && !cmd_vm_name_ok("screenshot", a->name))
		return EXIT_USAGE;
	if (a->cells && parse_cells(a->cells, &a->cols, &a->rows) < 0) {
		cmd_error("--cells %s: expected COLSxROWS, e.g. 100x50", a->cells);
		return EXIT_USAGE;
	}
	return SHOT_GO_ON;
}

static int shot_parse(int argc, char **argv, struct shot_args *a)
{
	*a = (struct shot_args){
		.topts = { THUMB_COLOR_256, THUMB_GLYPH_HALF, true },
		.settle_ms = 500,
		.timeout_s = 10,
	};
	int rc = shot_parse_opts(argc, argv, a);
	return rc == SHOT_GO_ON ? shot_parse_operands(argc, argv, a) : rc;
}

/* Where to connect and with which password: --vnc or the VM's profile (or,
 * with no profile, its VNC socket), --password-file or the profile's. The
 * caller frees *target and *password, whatever this returns. */
static int shot_source(const struct shot_args *a, char **target, char **password)
{
	char *err = NULL;
	if (a->password_file && vnc_password_file_read(a->password_file, password, &err) < 0) {
		cmd_error("%s", err);
		free(err);
		return EXIT_FAIL;
	}
	if (a->vnc_override) {
		*target = xstrdup(a->vnc_override);
		return SHOT_GO_ON;
	}
	const char *dir = paths_profiles_dir();
	struct profile_set *set = profile_set_load(&dir, 1);
	const struct profile *p = profile_set_find(set, a->name);
	int rc = SHOT_GO_ON;
	*target = vnc_profile_target(p, a->name); /* name checked: not NULL */
	if (p && !*password && vnc_profile_password(p, password, &err) < 0) {
		cmd_error("%s: %s", a->name, err);
		free(err);
		rc = EXIT_FAIL;
	} else if (!p && !path_exists(*target)) {
		cmd_error("no VM named '%s' in %s, and no VNC socket at %s", a->name, paths_profiles_dir(), *target);
		rc = EXIT_NOTFOUND;
	}
	profile_set_free(set);
	return rc;
}

/* The client's loop: with --watch until a signal; one-shot until the first
 * frame has settled, the server is gone, or the timeout. */
static void shot_run(struct shot *s, const struct shot_args *a)
{
	uint64_t deadline = now_mono_us() + (uint64_t)a->timeout_s * 1000000u;
	while (!loop_quitting(s->l)) {
		uint64_t now = now_mono_us();
		if (!a->watch && s->first_frame && now - s->first_us >= (uint64_t)a->settle_ms * 1000u)
			break;
		if (!a->watch && now >= deadline)
			break;
		loop_run_once(s->l, 50);
	}
}

/* One-shot: the screen got, as a PNG file, text and/or cells. */
static int shot_output(struct shot *s, struct vnc *v, const struct shot_args *a, const char *target)
{
	const char *name = a->name;
	char *err = NULL;
	struct thumb_frame f;
	if (vnc_frame(v, &f) < 0 || !s->first_frame) {
		if (s->gone_reason) /* the reason names the target */
			cmd_error("%s%sno screen: %s", name ? name : "", name ? ": " : "", s->gone_reason);
		else
			cmd_error("%s%sno screen from %s within %d s", name ? name : "", name ? ": " : "", target,
				  a->timeout_s);
		return EXIT_FAIL;
	}
	if (a->file) {
		if (vnc_write_png(&f, a->file, &err) < 0) {
			cmd_error("%s", err);
			free(err);
			return EXIT_FAIL;
		}
		fprintf(stderr, "%s: %dx%d screen saved to %s\n", name ? name : target, f.w, f.h, a->file);
	}
	if (a->text && print_text(name ? name : target, &f, a->verbose) < 0)
		return EXIT_FAIL;
	if (s->thumb) {
		thumb_update_full(s->thumb, &f);
		size_t len;
		char *out = thumb_ansi(s->thumb, true, 1, 1, &len);
		fwrite(out, 1, len, stdout);
		free(out);
	}
	return EXIT_OK;
}

static int screenshot_exec(int argc, char **argv)
{
	struct shot_args a;
	int rc = shot_parse(argc, argv, &a);
	if (rc != SHOT_GO_ON)
		return rc;
	char *target = NULL, *password = NULL, *err = NULL;
	rc = shot_source(&a, &target, &password);
	if (rc != SHOT_GO_ON) {
		free(target);
		free(password);
		return rc;
	}

	if (a.verbose)
		vnc_set_log(stderr);
	struct shot s = { .watch = a.watch, .quiet = !a.verbose };
	s.l = loop_new();
	loop_signal_add(s.l, SIGINT, on_signal, &s);
	loop_signal_add(s.l, SIGTERM, on_signal, &s);
	if (a.cols)
		s.thumb = thumb_new(a.cols, a.rows, &a.topts);
	struct vnc_config cfg = {
		.target = target,
		.password = password,
		/* One-shot: no frame cap to wait on; --watch: the cap a TUI uses. */
		.fps = a.watch ? (unsigned)a.fps : 50,
		.once = !a.watch,
	};
	struct vnc_callbacks cb = { on_state, on_frame };
	struct vnc *v = vnc_new(s.l, &cfg, &cb, &s, &err);
	if (!v) {
		cmd_error("%s", err);
		free(err);
		rc = EXIT_USAGE;
	} else {
		if (s.thumb)
			vnc_set_thumb(v, s.thumb);
		shot_run(&s, &a);
		rc = a.watch ? EXIT_OK : shot_output(&s, v, &a, target);
	}
	vnc_free(v);
	thumb_free(s.thumb);
	loop_free(s.l);
	free(s.gone_reason);
	free(target);
	free(password);
	return rc;
}

const struct cmd_entry cmd_screenshot_entry = {
	"screenshot",
	"[--vnc TARGET] [--cells CxR|--text] [--colors|--colours MODE] [--glyphs G] [--stretch] [--settle MS] "
	"[--timeout SEC] [--watch] [--fps N] [--password-file F] [-v|--verbose] NAME [FILE.png]",
	"save a VM's screen as PNG, or print it as cells or text",
	screenshot_exec,
};
