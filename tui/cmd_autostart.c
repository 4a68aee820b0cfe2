/* cmd_autostart: `vmdeck autostart [--stop] [--list]` — the VMs whose
 * profiles say `autostart: true`, started at boot in order (the lab networks
 * they join first) and stopped gracefully in reverse order at shutdown. Run by
 * vmdeck-autostart.service (dist/systemd/). One line per step on stderr;
 * under systemd (JOURNAL_STREAM set) each carries its syslog priority
 * ("<3>…") so the journal files it right. A failure is logged and the rest
 * goes on; the exit code says whether anything failed. */
#include "core/loop.h"
#include "core/paths.h"
#include "core/profile.h"
#include "core/util.h"
#include "core/vm.h"
#include "net/labnet.h"
#include "net/labnet_run.h"
#include "net/vmnet.h"
#include "tui/cmd.h"
#include "tui/cmd_list.h"

#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define USAGE "[--stop] [--list]"

enum { PRIO_ERR = 3, PRIO_WARNING = 4, PRIO_INFO = 6 };

struct autostart {
	struct loop *l;
	struct vmm *m;
	const struct profile **plan;
	size_t n;
	bool journal;   /* stderr goes to the journal: "<N>" priority prefixes */
	bool done;      /* the action in flight reported back */
	int status;
	char *err;
	int failures;
	struct strv failed_nets; /* lab networks that did not come up */
};

static void as_log(struct autostart *a, int prio, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void as_log(struct autostart *a, int prio, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	if (a->journal)
		fprintf(stderr, "<%d>", prio);
	fputs("vmdeck autostart: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	if (prio <= PRIO_ERR)
		a->failures++;
}

static void on_vm_log(struct vm *vm, const char *line, void *arg)
{
	(void)vm;
	as_log(arg, PRIO_INFO, "%s", line);
}

static void on_done(struct vm *vm, int status, const char *err, void *arg)
{
	(void)vm;
	struct autostart *a = arg;
	a->done = true;
	a->status = status;
	free(a->err);
	a->err = err ? xstrdup(err) : NULL;
}

static void on_quit_signal(int signo, void *arg)
{
	(void)signo;
	loop_quit(((struct autostart *)arg)->l);
}

static void on_delay(struct loop_timer *t, void *arg)
{
	(void)t;
	((struct autostart *)arg)->done = true;
}

/* Run the loop until the action in flight reports back: false when a signal
 * came first (the VM is left as it is). */
static bool as_wait(struct autostart *a)
{
	while (!a->done && !loop_quitting(a->l))
		loop_run_once(a->l, -1);
	return a->done;
}

/* Wait secs seconds, keeping the loop (QMP, exits) going. */
static bool as_sleep(struct autostart *a, unsigned secs)
{
	a->done = false;
	struct loop_timer *t = loop_timer_add(a->l, (uint64_t)secs * 1000, false, on_delay, a);
	bool ok = as_wait(a);
	if (!ok)
		loop_timer_del(a->l, t);
	return ok;
}

static void as_open(struct autostart *a)
{
	memset(a, 0, sizeof(*a));
	strv_init(&a->failed_nets);
	const char *js = getenv("JOURNAL_STREAM");
	a->journal = js && *js;
	a->l = loop_new();
	a->m = vmm_new(a->l, &vmnet_hooks);
	vmm_set_on_log(a->m, on_vm_log, a);
	const char *dir = paths_profiles_dir();
	struct profile_set *set = profile_set_load(&dir, 1);
	/* A file that does not load may be an autostart VM that will not
	 * start: a failure. Errors that leave a profile loaded (a missing
	 * disk) are only shown: if that VM autostarts, its start says more. */
	struct strv bad;
	strv_init(&bad);
	for (size_t i = 0; i < set->n_diags; i++) {
		const struct profile_diag *d = &set->diags[i];
		if (d->warning)
			continue;
		char *line = profile_diag_format(d);
		as_log(a, PRIO_WARNING, "%s", line);
		free(line);
		bool loaded = false, seen = false;
		for (size_t k = 0; k < set->n && !loaded; k++)
			loaded = strcmp(set->items[k]->path, d->file) == 0;
		for (size_t k = 0; k < bad.n && !seen; k++)
			seen = strcmp(bad.v[k], d->file) == 0;
		if (!loaded && !seen)
			strv_push(&bad, d->file);
	}
	if (bad.n)
		as_log(a, PRIO_ERR, "%zu profile file%s in %s do%s not load (run 'vmdeck check'): a VM whose profile does "
			  "not load is not started", bad.n, bad.n == 1 ? "" : "s", dir, bad.n == 1 ? "es" : "");
	strv_clear(&bad);
	vmm_sync_profiles(a->m, set);
	a->plan = profile_set_autostart(vmm_profiles(a->m), &a->n);
	loop_signal_add(a->l, SIGINT, on_quit_signal, a);
	loop_signal_add(a->l, SIGTERM, on_quit_signal, a);
}

static void as_close(struct autostart *a)
{
	free(a->plan);
	vmm_free(a->m);
	loop_free(a->l);
	free(a->err);
	strv_clear(&a->failed_nets);
}

/* The lab network NIC i of p joins, or NULL (borrowed from nets). */
static const struct labnet *nic_net(const struct labnet_set *nets, const struct profile *p, size_t i)
{
	const struct profile_nic *nic = &p->nics[i];
	return nic->user_net || !nic->bridge ? NULL : labnet_set_find_bridge(nets, nic->bridge);
}

static bool net_failed(const struct autostart *a, const char *name)
{
	for (size_t i = 0; i < a->failed_nets.n; i++)
		if (strcmp(a->failed_nets.v[i], name) == 0)
			return true;
	return false;
}

/* Bring up, once each and in plan order, the lab networks the plan's VMs
 * join (up twice is harmless: an already-up one is only logged). */
static void nets_up(struct autostart *a, const struct labnet_set *nets)
{
	struct strv seen;
	strv_init(&seen);
	for (size_t k = 0; k < a->n; k++) {
		for (size_t i = 0; i < a->plan[k]->n_nics; i++) {
			const struct labnet *n = nic_net(nets, a->plan[k], i);
			bool dup = false;
			for (size_t j = 0; n && j < seen.n; j++)
				dup = dup || strcmp(seen.v[j], n->name) == 0;
			if (!n || dup)
				continue;
			strv_push(&seen, n->name);
			char *err = NULL;
			int rc = labnet_up(n, &err);
			if (rc < 0) {
				as_log(a, PRIO_ERR, "lab network %s: %s", n->name, err ? err : "failed");
				strv_push(&a->failed_nets, n->name);
			} else {
				as_log(a, PRIO_INFO, "lab network %s: %s (bridge %s)", n->name,
				       rc == 1 ? "already up" : "up", n->bridge);
			}
			free(err);
		}
	}
	strv_clear(&seen);
}

/* A lab network p needs that did not come up, or NULL. */
static const char *missing_net(const struct autostart *a, const struct labnet_set *nets, const struct profile *p)
{
	for (size_t i = 0; i < p->n_nics; i++) {
		const struct labnet *n = nic_net(nets, p, i);
		if (n && net_failed(a, n->name))
			return n->name;
	}
	return NULL;
}

static bool is_live(enum vm_state s)
{
	return s == VM_STARTING || s == VM_RUNNING || s == VM_PAUSED || s == VM_STOPPING;
}

/* Start one VM of the plan: true when it was started (and the delay after
 * it applies). */
static bool start_one(struct autostart *a, const struct labnet_set *nets, const struct profile *p)
{
	struct vm *vm = vmm_find(a->m, p->name);
	if (!vm) {
		as_log(a, PRIO_ERR, "%s: not found", p->name);
		return false;
	}
	enum vm_state st = vm_state(vm);
	if (is_live(st)) {
		as_log(a, PRIO_INFO, "%s: already %s, skipped", p->name, vm_status_text(vm));
		return false;
	}
	if (st == VM_UNKNOWN) {
		as_log(a, PRIO_ERR, "%s: cannot tell its state (%s), not started", p->name,
		       vm_error(vm) ? vm_error(vm) : "unknown");
		return false;
	}
	const char *net = missing_net(a, nets, p);
	if (net) {
		as_log(a, PRIO_ERR, "%s: not started: its lab network %s did not come up", p->name, net);
		return false;
	}
	char *err = NULL;
	a->done = false;
	if (vm_start(vm, on_done, a, &err) < 0) {
		as_log(a, PRIO_ERR, "%s: start failed: %s", p->name, err ? err : "failed");
		free(err);
		return false;
	}
	if (!as_wait(a))
		return false;
	if (a->status < 0) {
		as_log(a, PRIO_ERR, "%s: start failed: %s", p->name, a->err ? a->err : "failed");
		return false;
	}
	as_log(a, PRIO_INFO, "%s: started (%s, pid %ld)", p->name, vm_status_text(vm), (long)vm_pid(vm));
	return true;
}

static void autostart_start(struct autostart *a)
{
	struct labnet_set *nets = labnet_set_load(NULL);
	nets_up(a, nets);
	for (size_t k = 0; k < a->n && !loop_quitting(a->l); k++) {
		const struct profile *p = a->plan[k];
		if (!start_one(a, nets, p) || !p->autostart_delay_s || k + 1 == a->n)
			continue;
		as_log(a, PRIO_INFO, "%s: waiting %u s before the next VM (autostart_delay)", p->name,
		       p->autostart_delay_s);
		as_sleep(a, p->autostart_delay_s);
	}
	if (loop_quitting(a->l))
		as_log(a, PRIO_ERR, "interrupted; the VMs not reached yet are not started");
	labnet_set_free(nets);
}

/* Graceful stops, one at a time, in reverse order: each escalates as
 * `vmdeck stop` does (powerdown, the profile's stop_timeout, quit, SIGTERM,
 * SIGKILL), so each is bounded. */
static void autostart_stop(struct autostart *a)
{
	for (size_t k = a->n; k-- > 0 && !loop_quitting(a->l);) {
		const struct profile *p = a->plan[k];
		struct vm *vm = vmm_find(a->m, p->name);
		if (!vm || !is_live(vm_state(vm))) {
			as_log(a, PRIO_INFO, "%s: not running", p->name);
			continue;
		}
		as_log(a, PRIO_INFO, "%s: stopping (stop_timeout %u s)", p->name, p->stop_timeout_s);
		char *err = NULL;
		a->done = false;
		if (vm_stop(vm, on_done, a, &err) < 0) {
			as_log(a, PRIO_ERR, "%s: stop failed: %s", p->name, err ? err : "failed");
			free(err);
			continue;
		}
		if (!as_wait(a))
			break;
		if (a->status < 0)
			as_log(a, PRIO_ERR, "%s: stop failed: %s", p->name, a->err ? a->err : "failed");
		else
			as_log(a, PRIO_INFO, "%s: stopped (%s)", p->name, vm_status_text(vm));
	}
	if (loop_quitting(a->l))
		as_log(a, PRIO_ERR, "interrupted; the VMs not reached yet are left running");
}

/* --list: the plan, one VM a line, on stdout. */
static void autostart_list(struct autostart *a)
{
	printf("%-5s %-6s %-20s %s\n", "ORDER", "DELAY", "NAME", "STATE");
	for (size_t k = 0; k < a->n; k++) {
		struct vm *vm = vmm_find(a->m, a->plan[k]->name);
		printf("%-5u %-6u %-20s %s\n", a->plan[k]->autostart_order, a->plan[k]->autostart_delay_s,
		       a->plan[k]->name, vm ? vm_status_text(vm) : "?");
	}
}

static int exec_autostart(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "stop", no_argument, NULL, 's' },
		{ "list", no_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	bool stop = false, list = false;
	int c;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 's': stop = true; break;
		case 'l': list = true; break;
		case 'h': printf("usage: vmdeck autostart %s\n", USAGE); return EXIT_OK;
		default: return EXIT_USAGE;
		}
	}
	if (optind != argc || (stop && list)) {
		cmd_error("usage: vmdeck autostart %s", USAGE);
		return EXIT_USAGE;
	}
	if (cmd_read_only && !list) {
		cmd_error("autostart: refused in --read-only mode");
		return EXIT_PERM;
	}
	struct autostart a;
	as_open(&a);
	if (list)
		autostart_list(&a);
	else if (a.n == 0)
		as_log(&a, PRIO_INFO, "no profile in %s says autostart: true", paths_profiles_dir());
	else if (stop)
		autostart_stop(&a);
	else
		autostart_start(&a);
	int failures = a.failures;
	as_close(&a);
	return failures ? EXIT_FAIL : EXIT_OK;
}

const struct cmd_entry cmd_autostart_entry = {
	"autostart", USAGE, "start the autostart: true VMs in order (at boot); --stop: stop them in reverse",
	exec_autostart,
};
