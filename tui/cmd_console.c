/* cmd_console: `vmdeck console NAME` — the user's terminal on a VM's serial
 * console (like virsh console): raw mode, Ctrl-] detaches, the terminal is
 * restored on every way out (detach, the VM stopping, a signal, a crash).
 * It talks to the supervisor's relay (core/console.h); a second console is
 * told who holds the VM's, and --force takes it over. */
#include "core/console.h"
#include "core/loop.h"
#include "core/paths.h"
#include "core/supervisor.h"
#include "core/profile.h"
#include "core/util.h"
#include "tui/cmd.h"
#include "tui/cmd_list.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#define DETACH_KEY 0x1d /* Ctrl-] */
#define CONSOLE_USAGE "NAME [--force]"

static struct termios saved_tio;
static volatile sig_atomic_t raw_on;

static void raw_restore(void)
{
	if (raw_on) {
		tcsetattr(STDIN_FILENO, TCSANOW, &saved_tio);
		raw_on = 0;
	}
}

/* A crash still gives the terminal back (tcsetattr is async-signal-safe). */
static void on_crash(int signo)
{
	raw_restore();
	signal(signo, SIG_DFL);
	raise(signo);
}

static void raw_enter(void)
{
	if (!isatty(STDIN_FILENO) || tcgetattr(STDIN_FILENO, &saved_tio) < 0)
		return;
	struct termios t = saved_tio;
	cfmakeraw(&t);
	raw_on = 1;
	atexit(raw_restore);
	util_set_fatal_hook(raw_restore);
	static const int crash[] = { SIGSEGV, SIGBUS, SIGABRT, SIGFPE, SIGILL };
	for (size_t i = 0; i < ARRAY_LEN(crash); i++)
		signal(crash[i], on_crash);
	tcsetattr(STDIN_FILENO, TCSANOW, &t);
}

struct con_run {
	struct loop *l;
	struct console *c;
	const char *name;
	bool force, watching, held;
	int rc;
	char *why; /* said after the terminal is restored */
};

static void finish(struct con_run *r, int rc, char *why)
{
	if (!r->why) {
		r->rc = rc;
		r->why = why;
	} else
		free(why);
	loop_quit(r->l);
}

static void write_out(const char *p, size_t n)
{
	supervisor_write_all(STDOUT_FILENO, p, n);
}

static void on_stdin(int fd, short rev, void *arg);

static void begin(struct con_run *r)
{
	fprintf(stderr, "vmdeck: %s VM %s's serial console; Ctrl-] detaches\n",
		r->watching ? "read-only: watching" : "connected to", r->name);
	raw_enter();
	/* Only now: poll reports a pipe's hang-up whatever events are asked
	 * for, and what is read before the console is ours would be lost. */
	loop_fd_add(r->l, STDIN_FILENO, POLLIN, on_stdin, r);
}

static void on_event(struct console *c, enum console_event ev, const char *data, size_t n, void *arg)
{
	(void)c;
	struct con_run *r = arg;
	switch (ev) {
	case CONSOLE_OUTPUT: write_out(data, n); break;
	case CONSOLE_HELD:
		if (!r->held) {
			r->held = true;
			begin(r);
		}
		break;
	case CONSOLE_BUSY: {
		char *h = console_holder_text(data, n);
		finish(r, EXIT_FAIL, xasprintf("console: VM %s's console is held by %s; --force takes it over", r->name, h));
		free(h);
		break;
	}
	case CONSOLE_TAKEN: {
		char *h = console_holder_text(data, n);
		finish(r, EXIT_FAIL, xasprintf("console: VM %s's console was taken over by %s", r->name, h));
		free(h);
		break;
	}
	case CONSOLE_CLOSED:
		finish(r, EXIT_OK, xasprintf("console: VM %s's console closed (the VM stopped)", r->name));
		break;
	}
}

static void on_console_fd(int fd, short rev, void *arg)
{
	(void)fd;
	struct con_run *r = arg;
	if (rev & POLLOUT) {
		console_flush(r->c);
		if (!console_wants_write(r->c)) {
			loop_fd_events(r->l, console_fd(r->c), POLLIN);
			if (r->held)
				loop_fd_add(r->l, STDIN_FILENO, POLLIN, on_stdin, r);
		}
	}
	if (rev & (POLLIN | POLLHUP | POLLERR))
		console_read(r->c, on_event, r);
}

/* Keys go to the guest as they are, up to Ctrl-]. A full queue pauses
 * reading the terminal until the relay took it (a big paste). */
static void on_stdin(int fd, short rev, void *arg)
{
	(void)rev;
	struct con_run *r = arg;
	char buf[4096];
	ssize_t n = read(fd, buf, sizeof(buf));
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		finish(r, EXIT_OK, xasprintf("console: detached from VM %s (end of input)", r->name));
		return;
	}
	char *k = memchr(buf, DETACH_KEY, (size_t)n);
	size_t len = k ? (size_t)(k - buf) : (size_t)n;
	if (len && !r->watching && console_send(r->c, buf, len) < 0)
		write_out("\a", 1); /* the relay is not taking keys: lost */
	if (k) {
		finish(r, EXIT_OK, xasprintf("console: detached from VM %s; it keeps running", r->name));
		return;
	}
	if (console_wants_write(r->c)) {
		loop_fd_del(r->l, STDIN_FILENO); /* not events 0: poll reports a hang-up regardless */
		loop_fd_events(r->l, console_fd(r->c), POLLIN | POLLOUT);
	}
}

static void on_signal(int signo, void *arg)
{
	struct con_run *r = arg;
	finish(r, EXIT_FAIL, xasprintf("console: detached from VM %s (%s)", r->name, strsignal(signo)));
}

/* Known VM: a profile, or a runtime directory (found running). */
static bool vm_known(const char *name)
{
	const char *dir = paths_profiles_dir();
	struct profile_set *s = profile_set_load(&dir, 1);
	bool known = s && profile_set_find(s, name);
	profile_set_free(s);
	char *vd = paths_vm_dir(name);
	struct stat st;
	known |= stat(vd, &st) == 0;
	free(vd);
	return known;
}

/* A VM an older vmdeck started: QEMU serves serial.sock itself. */
static bool old_style(const char *name)
{
	char *vd = paths_vm_dir(name), *f = path_join(vd, "serial.sock");
	bool old = path_exists(f);
	free(f);
	free(vd);
	return old;
}

static int console_connect(struct con_run *r)
{
	char *dir = paths_vm_dir(r->name), *err = NULL;
	int rc = console_open(dir, "vmdeck console", false, &r->c, &err);
	free(dir);
	if (rc < 0) {
		if (error_kind(rc) == ERR_NOTFOUND && !vm_known(r->name)) {
			cmd_error("console: no VM named '%s' in %s (and none running under %s)", r->name,
				  paths_profiles_dir(), paths_runtime_dir());
		} else if (error_kind(rc) == ERR_NOTFOUND && old_style(r->name)) {
			cmd_error("console: VM %s was started by a vmdeck without the console relay: its serial port is "
				  "QEMU's %s/%s/serial.sock (one client at a time); restart the VM to use vmdeck console",
				  r->name, paths_runtime_dir(), r->name);
			rc = -ERR_FAILED;
		} else if (error_kind(rc) == ERR_NOTFOUND) {
			cmd_error("console: VM %s is not running (%s)", r->name, err);
			rc = -ERR_FAILED;
		} else
			cmd_error("console: VM %s: %s", r->name, err);
		free(err);
		return cmd_exit_code(rc);
	}
	return EXIT_OK;
}

static int console_loop(struct con_run *r)
{
	r->l = loop_new();
	loop_fd_add(r->l, console_fd(r->c), POLLIN, on_console_fd, r);
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };
	for (size_t i = 0; i < ARRAY_LEN(sigs); i++)
		loop_signal_add(r->l, sigs[i], on_signal, r);
	if (r->watching)
		begin(r);
	else
		console_attach(r->c, r->force);
	loop_run(r->l);
	raw_restore();
	if (r->why)
		fprintf(stderr, "%svmdeck: %s\n", r->held || r->watching ? "\n" : "", r->why);
	loop_free(r->l);
	return r->rc;
}

static int exec_console(int argc, char **argv)
{
	struct con_run r = { .rc = EXIT_OK };
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			printf("usage: vmdeck console " CONSOLE_USAGE "\n"
			       "  attach this terminal to the VM's serial console; Ctrl-] detaches\n"
			       "  --force   take the console over from whoever holds it\n"
			       "  (a read-only vmdeck only watches: nothing is sent)\n");
			return EXIT_OK;
		} else if (!strcmp(argv[i], "--force") || !strcmp(argv[i], "-f"))
			r.force = true;
		else if (argv[i][0] == '-' || r.name) {
			cmd_error("usage: vmdeck console " CONSOLE_USAGE);
			return EXIT_USAGE;
		} else
			r.name = argv[i];
	}
	if (!r.name) {
		cmd_error("usage: vmdeck console " CONSOLE_USAGE);
		return EXIT_USAGE;
	}
	if (!cmd_vm_name_ok("console", r.name))
		return EXIT_USAGE;
	r.watching = cmd_read_only;
	int rc = console_connect(&r);
	if (rc != EXIT_OK)
		return rc;
	rc = console_loop(&r);
	console_free(r.c);
	free(r.why);
	return rc;
}

const struct cmd_entry cmd_console_entry = { "console", CONSOLE_USAGE,
					     "attach this terminal to a VM's serial console (Ctrl-] detaches)",
					     exec_console };
