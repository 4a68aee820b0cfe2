/* cmd: command-line verbs as data (tmux's cmd_entry). Each cmd_*.c file
 * exports its entries; main.c lists them, and --help is made from the table. */
#ifndef VMDECK_CMD_H
#define VMDECK_CMD_H

#include <stdbool.h>

/* Exit codes, documented in README and vmdeck(1). */
enum {
	EXIT_OK = 0,
	EXIT_FAIL = 1,   /* the operation failed, or check found problems */
	EXIT_USAGE = 2,  /* bad command line */
	EXIT_NOTFOUND = 3, /* no such VM, profile or network */
	EXIT_PERM = 4,   /* needs privileges vmdeck does not have (CAP_NET_ADMIN) */
};

struct cmd_entry {
	const char *name;
	const char *usage;   /* arguments after the verb */
	const char *summary; /* one line for --help */
	/* argv[0] is the verb; global options are already consumed. */
	int (*exec)(int argc, char **argv);
};

/* A failed call's exit code, from its return value's kind (core/util.h),
 * never from its message: -ERR_PERM 4, -ERR_NOTFOUND 3, any other < 0 1;
 * rc >= 0 is EXIT_OK. */
int cmd_exit_code(int rc);

/* Global options parsed by main.c. */
extern bool cmd_read_only;
extern bool cmd_no_mouse; /* --no-mouse: leave the mouse to the terminal */
extern unsigned cmd_interval_ms; /* --interval MS: traffic statistics interval; 0 = default (1000) */

/* Print "vmdeck: <msg>" on stderr. */
void cmd_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A VM name from the command line: true when it follows the VM name rule
 * (profile_name_problem), else says why on stderr ("vmdeck: VERB: 'x' is
 * not a valid VM name ..."); the caller then exits EXIT_USAGE. Checked
 * before the name is looked up or becomes part of a path. */
bool cmd_vm_name_ok(const char *verb, const char *name);

/* A numeric option's value in [min, max] (core/util.h parse_uint), else
 * "vmdeck: VERB: --OPT wants a whole number from MIN to MAX, not 'x'" and
 * false (the caller exits EXIT_USAGE). */
bool cmd_uint_opt(const char *verb, const char *opt, const char *s, unsigned long long min,
		  unsigned long long max, unsigned long long *out);

#endif
