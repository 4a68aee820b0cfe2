/* main: global options and verb dispatch; no verb opens the TUI. */
#include "core/paths.h"
#include "core/profile.h"
#include "core/util.h"
#include "core/vm.h"
#include "tui/cmd.h"
#include "tui/cmd_list.h"
#include "tui/cmd_lv.h"

#include <getopt.h>
#include <locale.h>
#include <malloc.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool cmd_read_only;
bool cmd_no_mouse;
unsigned cmd_interval_ms;

void cmd_error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("vmdeck: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

bool cmd_vm_name_ok(const char *verb, const char *name)
{
	const char *why = profile_name_problem(name);
	if (why)
		cmd_error("%s: '%s' %s", verb, name, why);
	return !why;
}

bool cmd_uint_opt(const char *verb, const char *opt, const char *s, unsigned long long min,
		  unsigned long long max, unsigned long long *out)
{
	if (parse_uint(s, min, max, out) == 0)
		return true;
	cmd_error("%s%s%s wants a whole number from %llu to %llu, not '%s'", verb ? verb : "", verb ? ": " : "", opt, min,
		  max, s);
	return false;
}

/* One verb of --help: name, usage (every option: tests/docs/check.sh holds
 * it to the code's getopt tables) and summary in columns; a usage too long
 * for its column goes on over indented lines, the summary under it. */
static void usage_verb(FILE *out, const struct cmd_entry *e)
{
	enum { NAME_W = 9, USAGE_W = 34, LINE_W = 79 };
	const char *u = e->usage;
	if (strlen(e->name) <= NAME_W && strlen(u) <= USAGE_W) {
		fprintf(out, "  %-*s %-*s %s\n", NAME_W, e->name, USAGE_W, u, e->summary);
		return;
	}
	int col = fprintf(out, "  %-*s", NAME_W, e->name), indent = 2 + NAME_W + 1;
	while (*u) {
		size_t w = strcspn(u, " ");
		if (col + 1 + (int)w > LINE_W && col > indent)
			col = fprintf(out, "\n%*s", indent, "") - 1;
		else
			col += fprintf(out, " ");
		col += fprintf(out, "%.*s", (int)w, u);
		u += w;
		u += strspn(u, " ");
	}
	fprintf(out, "\n%*s%s\n", indent + USAGE_W + 1, "", e->summary);
}

static void usage(FILE *out)
{
	fprintf(out, "usage: vmdeck [--profiles DIR] [--runtime-dir DIR] [--read-only] [--no-mouse] [--interval MS]\n"
		     "              [--connect URI]... [VERB [ARGS...]]\n\n"
		     "With no verb, vmdeck opens the full-screen interface.\n\nVerbs:\n");
	for (size_t i = 0; cmd_table[i]; i++)
		usage_verb(out, cmd_table[i]);
	fprintf(out, "\nOptions:\n"
		     "  -p, --profiles DIR     profile directory (else $VMDECK_PROFILES,\n"
		     "                         $XDG_CONFIG_HOME/vmdeck/profiles, /etc/vmdeck/profiles)\n"
		     "  -r, --runtime-dir DIR  runtime directory (else $VMDECK_RUNTIME_DIR, /run/vmdeck as root,\n"
		     "                         $XDG_RUNTIME_DIR/vmdeck)\n"
		     "      --read-only        watch everything, change nothing\n"
		     "      --no-mouse         leave the mouse to the terminal (its own selection);\n"
		     "                         also VMDECK_MOUSE=0\n"
		     "  -i, --interval MS      traffic statistics (rx/tx rates) every MS ms, 100-3600000\n"
		     "                         (default 1000; for the TUI, and watch's default)\n"
		     "  -c, --connect URI      a libvirt host too (repeatable; qemu+ssh://user@host/system):\n"
		     "                         its domains in the TUI and status, HOST/NAME for the verbs;\n"
		     "                         also 'connections:' in $XDG_CONFIG_HOME/vmdeck/config.yaml\n"
		     "  -h, --help             this help\n"
		     "  -V, --version          print the version\n"
		     "\nExit codes: 0 ok, 1 failed, 2 usage, 3 not found, 4 not permitted.\n"
		     "See vmdeck(1) and README.md.\n");
}

int main(int argc, char **argv)
{
	setlocale(LC_ALL, "");
	/* The TUI lives long and allocates big buffers now and then: a VNC
	 * frame buffer (1-3 MiB) and libvncclient's decoder state (~1.8 MiB)
	 * for each connection, i.e. each VM run it shows. glibc serves those
	 * with mmap at first, but the first free of one raises its mmap
	 * threshold to that size (dynamic threshold, up to 32 MiB), so later
	 * ones come from the heap; freed there, their pages stay resident
	 * unless they happen to be at the heap's top with 2x the threshold
	 * free. Measured in the VM-cycles soak: the TUI's RSS at quiet moments
	 * (no VM running, so no buffer in use) jumped between 8.4 and 10.0 MB
	 * from one cycle to the next. A fixed threshold (the default's value;
	 * setting it turns the dynamic one off) keeps them mmap'ed: freed, they
	 * go back to the kernel. Here, for the whole process, before anything
	 * is allocated — not in a library constructor every verb and test calls. */
	mallopt(M_MMAP_THRESHOLD, 128 * 1024);
	/* Watching N VMs takes a few descriptors each: take all we may. A VM
	 * that still cannot be watched shows as unknown, never stopped. */
	vm_nofile_raise();
	static const struct option opts[] = {
		{ "profiles", required_argument, NULL, 'p' },
		{ "runtime-dir", required_argument, NULL, 'r' },
		{ "read-only", no_argument, NULL, 'R' },
		{ "no-mouse", no_argument, NULL, 'M' },
		{ "interval", required_argument, NULL, 'i' },
		{ "connect", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ 0 },
	};
	int c;
	/* '+': stop at the first non-option, which is the verb. */
	unsigned long long num;
	while ((c = getopt_long(argc, argv, "+p:r:i:c:hV", opts, NULL)) != -1) {
		switch (c) {
		case 'p': paths_set_profiles_dir(optarg); break;
		case 'r': paths_set_runtime_dir(optarg); break;
		case 'R': cmd_read_only = true; break;
		case 'M': cmd_no_mouse = true; break;
		case 'i':
			if (!cmd_uint_opt(NULL, "--interval", optarg, 100, 3600000, &num))
				return EXIT_USAGE;
			cmd_interval_ms = (unsigned)num;
			break;
		case 'c': cmd_lv_add(optarg, NULL); break;
		case 'h': usage(stdout); return EXIT_OK;
		case 'V': printf("vmdeck %s\n", VMDECK_VERSION); return EXIT_OK;
		default: usage(stderr); return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		char *tui_argv[] = { "tui", NULL };
		optind = 0;
		return cmd_tui_entry.exec(1, tui_argv);
	}
	const char *verb = argv[optind];
	if (strcmp(verb, "__complete") == 0)
		return cmd_complete(argc - optind, argv + optind);
	for (size_t i = 0; cmd_table[i]; i++) {
		if (strcmp(cmd_table[i]->name, verb) == 0) {
			int vargc = argc - optind;
			char **vargv = argv + optind;
			optind = 0; /* full getopt re-initialisation for the verb's own options */
			return cmd_table[i]->exec(vargc, vargv);
		}
	}
	cmd_error("unknown verb '%s' (try 'vmdeck --help')", verb);
	return EXIT_USAGE;
}
