/* cmd_metrics: `vmdeck metrics [--listen ADDR:PORT]` — a Prometheus exporter.
 * The loop watches (vmm read-only, linkwatch) and publishes a snapshot once
 * per statistics interval and after each change; libmicrohttpd's own thread
 * serves the last one (core/promhttp.h says why). */
#include "core/loop.h"
#include "core/paths.h"
#include "core/profile.h"
#include "core/promhttp.h"
#include "core/util.h"
#include "core/vm.h"
#include "net/linkwatch.h"
#include "tui/cmd.h"
#include "tui/cmd_list.h"
#include "tui/metrics.h"

#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define METRICS_USAGE "[--listen ADDR:PORT]"

struct exporter {
	struct loop *loop;
	struct vmm *vmm;
	struct linkwatch *lw;
	struct metrics *m;
	struct promhttp *http;
	bool dirty;      /* something changed: render (within METRICS_RENDER_MS) */
	bool sample_due; /* the interval passed: read the files, render now */
	struct loop_timer *render_timer;
};

static void render(struct exporter *e)
{
	e->dirty = false;
	struct strbuf b = { 0 };
	metrics_collect(e->m, e->vmm, e->lw, &b);
	promhttp_publish(e->http, b.s ? b.s : "", b.len);
	free(b.s);
}

static void render_fire(struct loop_timer *t, void *arg)
{
	(void)t;
	struct exporter *e = arg;
	e->render_timer = NULL;
	if (e->dirty)
		render(e);
}

/* After every loop pass. The interval's sample (its files and a render) is
 * done at once; other changes — link events, VM state — render from memory
 * once the render timer fires, so a storm of events costs one render per
 * METRICS_RENDER_MS and no file read at all. */
static void exporter_after(void *arg)
{
	struct exporter *e = arg;
	if (e->sample_due) {
		e->sample_due = false;
		metrics_sample(e->m, e->vmm, e->lw);
		render(e);
		return;
	}
	if (e->dirty && !e->render_timer)
		e->render_timer = loop_timer_add(e->loop, METRICS_RENDER_MS, false, render_fire, e);
}

static void on_link(struct linkwatch *lw, const struct linkwatch_event *ev, void *arg)
{
	(void)lw;
	struct exporter *e = arg;
	metrics_link_event(e->m, ev);
	/* Counters move with STATS (once per interval): the sample; the set of
	 * links and bridges and the MAC change counts with the others. */
	if (ev->type == LINKWATCH_EV_STATS)
		e->sample_due = true;
	e->dirty = true;
}

static void on_vm(struct vm *vm, void *arg)
{
	(void)vm;
	((struct exporter *)arg)->dirty = true;
}

/* Without a link watcher nothing ticks: VMs' CPU and memory still move. */
static void on_tick(struct loop_timer *t, void *arg)
{
	(void)t;
	((struct exporter *)arg)->sample_due = true;
}

static void on_signal(int signo, void *arg)
{
	struct exporter *e = arg;
	if (signo == SIGHUP) { /* profiles changed: VMs come and go */
		const char *dir = paths_profiles_dir();
		vmm_sync_profiles(e->vmm, profile_set_load(&dir, 1));
		e->dirty = true;
		return;
	}
	loop_quit(e->loop);
}

static int metrics_parse(int argc, char **argv, struct promhttp_addr *addr)
{
	static const struct option opts[] = {
		{ "listen", required_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *listen = PROMHTTP_DEFAULT_ADDR;
	int c;
	while ((c = getopt_long(argc, argv, "l:h", opts, NULL)) != -1) {
		switch (c) {
		case 'l': listen = optarg; break;
		case 'h':
			printf("usage: vmdeck metrics %s\nserve Prometheus metrics over HTTP (default %s)\n",
			       METRICS_USAGE, PROMHTTP_DEFAULT_ADDR);
			return EXIT_OK;
		default: return EXIT_USAGE;
		}
	}
	if (optind < argc)
		return cmd_error("metrics: unexpected argument \"%s\"", argv[optind]), EXIT_USAGE;
	char *err = NULL;
	if (promhttp_addr_parse(listen, addr, &err) < 0) {
		cmd_error("metrics: --listen %s", err);
		free(err);
		return EXIT_USAGE;
	}
	return -1;
}

static void exporter_watch(struct exporter *e)
{
	char *err = NULL;
	e->vmm = vmm_new(e->loop, NULL);
	vmm_set_read_only(e->vmm, true); /* an observer: never takes a VM's QMP, never cleans up */
	vmm_set_on_change(e->vmm, on_vm, e);
	const char *dir = paths_profiles_dir();
	vmm_sync_profiles(e->vmm, profile_set_load(&dir, 1));
	struct linkwatch_options lo = { .stats_interval_ms = cmd_interval_ms };
	e->lw = linkwatch_new(e->loop, &lo, &err);
	if (e->lw) {
		linkwatch_set_on_change(e->lw, on_link, e);
	} else {
		cmd_error("metrics: not watching links (vmdeck_links_watched 0): %s", err);
		free(err);
		loop_timer_add(e->loop, cmd_interval_ms ? cmd_interval_ms : 1000, true, on_tick, e);
	}
}

static int cmd_metrics(int argc, char **argv)
{
	struct promhttp_addr addr;
	int r = metrics_parse(argc, argv, &addr);
	if (r >= 0)
		return r;
	if (!addr.loopback)
		cmd_error("metrics: warning: listening on %s, not loopback: anyone who can reach this host can read "
			  "its VM names, states and traffic counters (no authentication, no TLS)", addr.text);
	vm_nofile_raise(); /* every scrape in flight holds a descriptor */
	struct exporter e = { .loop = loop_new(), .m = metrics_new(), .sample_due = true };
	char *err = NULL;
	int rc = promhttp_start(&addr, &e.http, &err);
	if (rc < 0) {
		cmd_error("metrics: %s", err);
		free(err);
		metrics_free(e.m);
		loop_free(e.loop);
		return error_kind(rc) == ERR_INVALID ? EXIT_USAGE : cmd_exit_code(rc);
	}
	exporter_watch(&e);
	exporter_after(&e); /* the first snapshot before anyone is told to scrape */
	loop_set_after(e.loop, exporter_after, &e);
	loop_signal_add(e.loop, SIGINT, on_signal, &e);
	loop_signal_add(e.loop, SIGTERM, on_signal, &e);
	loop_signal_add(e.loop, SIGHUP, on_signal, &e);
	/* Tests and service logs wait for this line. */
	fprintf(stderr, "vmdeck metrics: serving http://%s/metrics\n", promhttp_addr_bound(e.http)->text);
	loop_run(e.loop);
	loop_timer_del(e.loop, e.render_timer);
	promhttp_free(e.http);
	linkwatch_free(e.lw);
	vmm_free(e.vmm);
	metrics_free(e.m);
	loop_free(e.loop);
	return EXIT_OK;
}

const struct cmd_entry cmd_metrics_entry = {
	"metrics", METRICS_USAGE, "serve Prometheus metrics (VMs, links, bridge MAC changes) over HTTP", cmd_metrics,
};
