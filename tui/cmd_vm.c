/* cmd_vm: the lifecycle verbs — start, stop, kill, pause, resume, reset,
 * status, mode, monitor. Each runs its own core/loop until the action is
 * done; progress lines go to stderr, results to stdout. */
#include "core/loop.h"
#include "core/modes.h"
#include "core/monitor.h"
#include "core/paths.h"
#include "core/profile.h"
#include "core/util.h"
#include "core/vm.h"
#include "net/vmnet.h"
#include "tui/cmd.h"
#include "tui/cmd_lv.h"
#include "tui/cmd_list.h"
#include "tui/cmd_run.h"

#include <getopt.h>
#include <json-c/json.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* How long status waits for QEMUs' answers (each is a one-shot query-status
 * on ctl.sock, all at once; QEMU answers in milliseconds unless it hangs). */
#define STATUS_WAIT_MS 5000
/* And libvirt hosts' first connect and listing (ssh included). */
#define STATUS_LV_WAIT_MS 20000

static void on_log(struct vm *vm, const char *line, void *arg)
{
	(void)vm;
	struct run *r = arg;
	if (!r->quiet)
		fprintf(stderr, "%s\n", line);
}

void on_done(struct vm *vm, int status, const char *err, void *arg)
{
	(void)vm;
	struct run *r = arg;
	r->done = true;
	r->status = status;
	if (err)
		r->err = xstrdup(err);
}

static void on_quit_signal(int signo, void *arg)
{
	(void)signo;
	loop_quit(((struct run *)arg)->l);
}

/* only: the one VM the verb acts on (it touches no other VM's lock, socket
 * or pid), or NULL for all. snapshot: look once (status) — no QMP
 * connection to keep, no pidfd, one query-status per live VM. */
int run_open(struct run *r, const char *only, bool snapshot)
{
	memset(r, 0, sizeof(*r));
	r->l = loop_new();
	r->m = vmm_new(r->l, &vmnet_hooks);
	vmm_set_read_only(r->m, cmd_read_only);
	vmm_set_scope(r->m, only);
	vmm_set_snapshot(r->m, snapshot);
	vmm_set_on_log(r->m, on_log, r);
	const char *dir = paths_profiles_dir();
	r->quiet = true; /* "found running" lines are noise for a one-shot verb */
	vmm_sync_profiles(r->m, profile_set_load(&dir, 1));
	r->quiet = false;
	loop_signal_add(r->l, SIGINT, on_quit_signal, r);
	loop_signal_add(r->l, SIGTERM, on_quit_signal, r);
	return 0;
}

void run_close(struct run *r)
{
	vmm_free(r->m);
	loop_free(r->l);
	free(r->err);
	free(r->output);
}

/* Run the loop until the action reports back (or SIGINT/SIGTERM). */
int run_wait(struct run *r)
{
	while (!r->done && !loop_quitting(r->l))
		loop_run_once(r->l, -1);
	if (!r->done) {
		cmd_error("interrupted; the VM is left as it is");
		return EXIT_FAIL;
	}
	if (r->status < 0)
		cmd_error("%s", r->err ? r->err : "failed");
	return cmd_exit_code(r->status);
}

struct vm *find_vm(struct run *r, const char *name)
{
	struct vm *vm = vmm_find(r->m, name);
	if (!vm) {
		const struct profile_set *s = vmm_profiles(r->m);
		cmd_error("no VM named '%s' in %s (and none running under %s)%s", name, paths_profiles_dir(),
			  paths_runtime_dir(),
			  s && profile_diag_errors(s->diags, s->n_diags) ? "; some profiles have errors: run 'vmdeck check'"
									 : "");
	}
	return vm;
}

typedef int (*action_fn)(struct vm *vm, vm_done_cb done, void *arg, char **err);

/* Parse "VERB NAME" with the given long options; returns NAME or NULL. */
static const char *one_name(int argc, char **argv, const char *usage)
{
	if (optind != argc - 1) {
		cmd_error("usage: vmdeck %s %s", argv[0], usage);
		return NULL;
	}
	return argv[optind];
}

/* HOST/NAME: the same verb through libvirt (tui/cmd_lv.c). */
static int remote_action(const char *verb, const char *target, action_fn fn)
{
	static const struct {
		action_fn fn;
		enum lvhost_action a;
	} map[] = {
		{ vm_start, LVHOST_START }, { vm_stop, LVHOST_STOP }, { vm_force_stop, LVHOST_FORCE_STOP },
		{ vm_kill, LVHOST_FORCE_STOP }, { vm_pause, LVHOST_PAUSE }, { vm_resume, LVHOST_RESUME },
		{ vm_reset, LVHOST_RESET },
	};
	for (size_t i = 0; i < ARRAY_LEN(map); i++)
		if (map[i].fn == fn)
			return cmd_lv_action(verb, target, map[i].a);
	cmd_error("%s: not available for a libvirt domain ('%s')", verb, target);
	return EXIT_USAGE;
}

static int do_action(int argc, char **argv, action_fn fn, const char *usage)
{
	static const struct option opts[] = { { "help", no_argument, NULL, 'h' }, { 0 } };
	int c;
	/* No '+': options may come before or after NAME (main.c reset optind). */
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c == 'h') {
			printf("usage: vmdeck %s %s\n", argv[0], usage);
			return EXIT_OK;
		}
		return EXIT_USAGE;
	}
	const char *name = one_name(argc, argv, usage);
	if (!name)
		return EXIT_USAGE;
	if (cmd_lv_is_remote(name))
		return remote_action(argv[0], name, fn);
	if (!cmd_vm_name_ok(argv[0], name))
		return EXIT_USAGE;
	if (cmd_read_only) {
		cmd_error("%s: refused in --read-only mode", argv[0]);
		return EXIT_PERM;
	}
	struct run r;
	run_open(&r, name, false);
	struct vm *vm = find_vm(&r, name);
	if (!vm) {
		run_close(&r);
		return EXIT_NOTFOUND;
	}
	char *err = NULL;
	int rc = fn(vm, on_done, &r, &err);
	if (rc < 0) {
		/* Refused or failed at once (a TAP NIC without CAP_NET_ADMIN:
		 * -ERR_PERM, exit 4, as `net` does). */
		cmd_error("%s", err);
		rc = cmd_exit_code(rc);
		free(err);
	} else {
		rc = run_wait(&r);
		if (rc == EXIT_OK)
			printf("%s: %s%s\n", vm_name(vm), vm_status_text(vm), vm_pid(vm) ? "" : "");
	}
	if (rc == EXIT_OK && vm_state(vm) == VM_RUNNING)
		printf("%s: pid %ld, runtime dir %s\n", vm_name(vm), (long)vm_pid(vm), vm_dir(vm));
	run_close(&r);
	return rc;
}

static int exec_start(int argc, char **argv) { return do_action(argc, argv, vm_start, "NAME"); }
static int exec_kill(int argc, char **argv) { return do_action(argc, argv, vm_kill, "NAME"); }
static int exec_pause(int argc, char **argv) { return do_action(argc, argv, vm_pause, "NAME"); }
static int exec_resume(int argc, char **argv) { return do_action(argc, argv, vm_resume, "NAME"); }
static int exec_reset(int argc, char **argv) { return do_action(argc, argv, vm_reset, "NAME"); }

static int exec_stop(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--force") == 0 || strcmp(argv[i], "-f") == 0) {
			memmove(&argv[i], &argv[i + 1], (size_t)(argc - i) * sizeof(*argv));
			return do_action(argc - 1, argv, vm_force_stop, "[--force] NAME");
		}
	}
	return do_action(argc, argv, vm_stop, "[--force] NAME");
}

/* ---- status ------------------------------------------------------------ */

static struct json_object *vm_json(struct vm *vm)
{
	struct json_object *o = json_object_new_object();
	json_object_object_add(o, "name", json_object_new_string(vm_name(vm)));
	json_object_object_add(o, "state", json_object_new_string(vm_state_name(vm_state(vm))));
	json_object_object_add(o, "status", json_object_new_string(vm_status_text(vm)));
	json_object_object_add(o, "cause", json_object_new_string(vm_cause_text(vm)));
	if (vm_cause(vm) == VM_CAUSE_SIGNAL || vm_cause(vm) == VM_CAUSE_EXIT_CODE)
		json_object_object_add(o, vm_cause(vm) == VM_CAUSE_SIGNAL ? "signal" : "exit_code",
				       json_object_new_int(vm_exit_code(vm)));
	json_object_object_add(o, "mode", json_object_new_string(vm_mode_name(vm_mode(vm))));
	json_object_object_add(o, "live_mode", json_object_new_string(vm_mode_name(vm_live_mode(vm))));
	json_object_object_add(o, "pid", json_object_new_int((int)vm_pid(vm)));
	json_object_object_add(o, "uptime_s", json_object_new_uint64(vm_uptime_s(vm)));
	json_object_object_add(o, "owner", json_object_new_boolean(vm_is_owner(vm)));
	json_object_object_add(o, "profile", json_object_new_boolean(vm_profile(vm) != NULL));
	json_object_object_add(o, "runtime_dir", json_object_new_string(vm_dir(vm)));
	json_object_object_add(o, "nics", cmd_forward_nics_json(vm));
	if (vm_error(vm))
		json_object_object_add(o, "error", json_object_new_string(vm_error(vm)));
	if (vm_state(vm) == VM_EXITED) {
		/* The last exit: when, and what QEMU said last. */
		time_t t = vm_exit_time(vm);
		struct tm tm;
		char when[32];
		if (t && gmtime_r(&t, &tm) && strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm))
			json_object_object_add(o, "exit_time", json_object_new_string(when));
		struct strv tail;
		strv_init(&tail);
		vm_log_tail(vm, 10, &tail);
		struct json_object *log = json_object_new_array();
		for (size_t i = 0; i < tail.n; i++)
			json_object_array_add(log, json_object_new_string(tail.v[i]));
		strv_clear(&tail);
		json_object_object_add(o, "log", log);
	}
	return o;
}

static void fmt_uptime(uint64_t s, char *buf, size_t n)
{
	if (!s)
		snprintf(buf, n, "-");
	else if (s < 3600)
		snprintf(buf, n, "%um%02us", (unsigned)(s / 60), (unsigned)(s % 60));
	else
		snprintf(buf, n, "%uh%02um", (unsigned)(s / 3600), (unsigned)(s / 60 % 60));
}

static void print_row(struct vm *vm)
{
	char up[32];
	fmt_uptime(vm_uptime_s(vm), up, sizeof(up));
	printf("%-20s %-28s %-8s %8ld %9s\n", vm_name(vm), vm_status_text(vm), vm_mode_name(vm_mode(vm)),
	       (long)vm_pid(vm), up);
}

struct follow {
	struct run *r;
	const char *only;
};

static void on_change_follow(struct vm *vm, void *arg)
{
	struct follow *f = arg;
	if (!vm || (f->only && strcmp(f->only, vm_name(vm)) != 0))
		return;
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	struct tm tm;
	localtime_r(&ts.tv_sec, &tm);
	printf("%02d:%02d:%02d.%03ld %s %s pid=%ld%s%s\n", tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000,
	       vm_name(vm), vm_status_text(vm), (long)vm_pid(vm), vm_is_owner(vm) ? " owner" : "",
	       vm_error(vm) ? " error" : "");
	fflush(stdout);
}

static int exec_status(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "follow", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	bool json = false, follow = false;
	int c;
	/* No '+': `status NAME --json` as well as `status --json NAME`. */
	while ((c = getopt_long(argc, argv, "jfh", opts, NULL)) != -1) {
		switch (c) {
		case 'j': json = true; break;
		case 'f': follow = true; break;
		case 'h': printf("usage: vmdeck status [NAME] [--json] [--follow]\n"); return EXIT_OK;
		default: return EXIT_USAGE;
		}
	}
	if (argc - optind > 1) {
		cmd_error("usage: vmdeck status [NAME] [--json] [--follow]");
		return EXIT_USAGE;
	}
	const char *only = optind < argc ? argv[optind] : NULL;
	if (only && cmd_lv_is_remote(only)) {
		cmd_error("status: give no NAME for libvirt domains: plain status lists them all");
		return EXIT_USAGE;
	}
	if (only && !cmd_vm_name_ok("status", only))
		return EXIT_USAGE;
	struct run r;
	run_open(&r, only, !follow);
	/* libvirt hosts (--connect, config.yaml) connect meanwhile, off the loop. */
	struct lvset lv = { 0 };
	if (!only && !follow)
		lvset_open(&lv, r.l);
	r.quiet = !follow;
	if (only && !find_vm(&r, only)) {
		run_close(&r);
		return EXIT_NOTFOUND;
	}
	/* Running or paused is QEMU's to say: wait for every live VM's
	 * query-status (all in flight at once), bounded. */
	uint64_t until = now_mono_us() + STATUS_WAIT_MS * 1000ull;
	while (vmm_pending(r.m) && !loop_quitting(r.l) && now_mono_us() < until)
		loop_run_once(r.l, (int)((until - now_mono_us()) / 1000) + 1);
	until = now_mono_us() + STATUS_LV_WAIT_MS * 1000ull;
	while (!lvset_settled(&lv) && !loop_quitting(r.l) && now_mono_us() < until)
		loop_run_once(r.l, (int)((until - now_mono_us()) / 1000) + 1);
	size_t late = vmm_pending(r.m), unknown = 0;
	for (size_t i = 0; i < vmm_count(r.m); i++) {
		struct vm *vm = vmm_at(r.m, i);
		if (vm_state(vm) == VM_UNKNOWN && (!only || strcmp(only, vm_name(vm)) == 0)) {
			cmd_error("%s", vm_error(vm));
			unknown++;
		}
	}
	if (late)
		cmd_error("status: %zu VM(s) did not answer query-status within %d s; shown as last seen", late,
			  STATUS_WAIT_MS / 1000);
	if (json) {
		struct json_object *a = json_object_new_array();
		for (size_t i = 0; i < vmm_count(r.m); i++) {
			struct vm *vm = vmm_at(r.m, i);
			if (!only || strcmp(only, vm_name(vm)) == 0)
				json_object_array_add(a, vm_json(vm));
		}
		unknown += cmd_lv_status(&lv, a);
		printf("%s\n", json_object_to_json_string_ext(a, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(a);
	} else if (!follow) {
		printf("%-20s %-28s %-8s %8s %9s\n", "NAME", "STATUS", "MODE", "PID", "UPTIME");
		for (size_t i = 0; i < vmm_count(r.m); i++) {
			struct vm *vm = vmm_at(r.m, i);
			if (!only || strcmp(only, vm_name(vm)) == 0)
				print_row(vm);
		}
		unknown += cmd_lv_status(&lv, NULL);
	}
	lvset_close(&lv);
	if (follow) {
		/* Headless watcher: owns the QMP connections of the VMs it sees,
		 * prints every change, until SIGINT/SIGTERM. */
		struct follow f = { &r, only };
		for (size_t i = 0; i < vmm_count(r.m); i++)
			on_change_follow(vmm_at(r.m, i), &f);
		vmm_set_on_change(r.m, on_change_follow, &f);
		loop_run(r.l);
	}
	run_close(&r);
	/* A VM that could not be watched is not known to be stopped: fail (a
	 * --follow watcher printed it and went on: its later lines tell). */
	return unknown && !follow ? EXIT_FAIL : EXIT_OK;
}

/* ---- mode -------------------------------------------------------------- */

struct mode_arg {
	enum vm_mode mode;
};
static struct mode_arg mode_req;

static int mode_action(struct vm *vm, vm_done_cb done, void *arg, char **err)
{
	return vm_set_mode(vm, mode_req.mode, done, arg, err);
}

static int exec_mode(int argc, char **argv)
{
	if (argc == 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		printf("usage: vmdeck mode NAME [install|boot]\n");
		return EXIT_OK;
	}
	if ((argc != 2 && argc != 3) || (argc == 3 && vm_mode_parse(argv[2], &mode_req.mode) < 0)) {
		cmd_error("usage: vmdeck mode NAME [install|boot]");
		return EXIT_USAGE;
	}
	if (!cmd_vm_name_ok("mode", argv[1]))
		return EXIT_USAGE;
	if (argc == 2) {
		/* Show: only for a VM vmdeck knows (a profile, or running), as
		 * every verb; the saved mode, boot when none is saved. */
		struct run r;
		run_open(&r, argv[1], true);
		r.quiet = true;
		struct vm *vm = find_vm(&r, argv[1]);
		if (vm)
			printf("%s\n", vm_mode_name(vm_mode(vm)));
		run_close(&r);
		return vm ? EXIT_OK : EXIT_NOTFOUND;
	}
	char *args[] = { argv[0], argv[1], NULL };
	return do_action(2, args, mode_action, "NAME install|boot");
}

/* ---- monitor ----------------------------------------------------------- */

static void on_monitor(struct vm *vm, const char *output, const char *err, void *arg)
{
	(void)vm;
	struct run *r = arg;
	r->done = true;
	r->status = err ? -1 : 0;
	if (err)
		r->err = xasprintf("VM %s: %s", vm_name(vm), err);
	else
		r->output = xstrdup(output);
}

static int exec_monitor(int argc, char **argv)
{
	if (argc == 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		printf("usage: vmdeck monitor NAME 'HMP COMMAND'\n");
		return EXIT_OK;
	}
	if (argc < 3) {
		cmd_error("usage: vmdeck monitor NAME 'HMP COMMAND'");
		return EXIT_USAGE;
	}
	if (!cmd_lv_is_remote(argv[1]) && !cmd_vm_name_ok("monitor", argv[1]))
		return EXIT_USAGE;
	if (cmd_read_only) {
		cmd_error("monitor: refused in --read-only mode");
		return EXIT_PERM;
	}
	/* The rest of the line is the command, so quoting is optional. */
	char *line = xstrdup(argv[2]);
	for (int i = 3; i < argc; i++) {
		char *n = xasprintf("%s %s", line, argv[i]);
		free(line);
		line = n;
	}
	if (cmd_lv_is_remote(argv[1])) { /* HOST/NAME: through libvirt */
		int lrc = cmd_lv_monitor(argv[1], line);
		free(line);
		return lrc;
	}
	struct run r;
	run_open(&r, argv[1], false);
	r.quiet = true;
	struct vm *vm = find_vm(&r, argv[1]);
	int rc = EXIT_NOTFOUND;
	if (vm) {
		char *err = NULL;
		if (vm_monitor_exec(vm, line, on_monitor, &r, &err) < 0) {
			cmd_error("%s", err);
			free(err);
			rc = EXIT_FAIL;
		} else {
			rc = run_wait(&r);
			/* HMP reports errors as text: such a reply is the
			 * command's failure (stderr, exit 1), not its output. */
			bool failed = rc == EXIT_OK && monitor_reply_failed(r.output);
			if (rc == EXIT_OK && r.output) {
				FILE *out = failed ? stderr : stdout;
				fputs(r.output, out);
				size_t n = strlen(r.output);
				if (n && r.output[n - 1] != '\n')
					fputc('\n', out);
			}
			if (failed)
				rc = EXIT_FAIL;
		}
	}
	free(line);
	run_close(&r);
	return rc;
}

const struct cmd_entry cmd_start_entry = { "start", "NAME", "start a VM (detached; it outlives vmdeck); HOST/NAME: libvirt's", exec_start };
const struct cmd_entry cmd_stop_entry = { "stop", "[--force] NAME",
					  "graceful stop: powerdown, then quit, SIGTERM, SIGKILL (HOST/NAME: shutdown, then destroy)", exec_stop };
const struct cmd_entry cmd_kill_entry = { "kill", "NAME", "SIGKILL the VM's QEMU", exec_kill };
const struct cmd_entry cmd_pause_entry = { "pause", "NAME", "pause the VM's CPUs", exec_pause };
const struct cmd_entry cmd_resume_entry = { "resume", "NAME", "resume a paused VM", exec_resume };
const struct cmd_entry cmd_reset_entry = { "reset", "NAME", "hard reset (system_reset)", exec_reset };
const struct cmd_entry cmd_status_entry = { "status", "[NAME] [--json] [--follow]", "state, mode, pid, uptime",
					    exec_status };
const struct cmd_entry cmd_mode_entry = { "mode", "NAME [install|boot]", "show or set install/boot (live too)",
					  exec_mode };
const struct cmd_entry cmd_monitor_entry = { "monitor", "NAME 'HMP COMMAND'", "run a QEMU monitor command",
					     exec_monitor };
