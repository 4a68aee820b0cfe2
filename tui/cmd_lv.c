/* cmd_lv: libvirt hosts for the verbs (see the header). */
#include "tui/cmd_lv.h"
#include "core/config.h"
#include "core/loop.h"
#include "core/monitor.h"
#include "core/util.h"
#include "tui/cmd.h"

#include <json-c/json.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* A first connect over ssh takes a while; a verb waits this long for it. */
#define CONNECT_WAIT_MS 30000

struct conn {
	char *uri, *name;
};
static struct conn *conns;
static size_t n_conns;

void cmd_lv_add(const char *uri, const char *name)
{
	conns = xrealloc(conns, (n_conns + 1) * sizeof(*conns));
	conns[n_conns].uri = xstrdup(uri);
	conns[n_conns].name = name ? xstrdup(name) : lvhost_uri_name(uri);
	n_conns++;
}

/* config.yaml's connections after --connect's, once. A name given twice
 * keeps the first (--connect's over the file's), said on stderr. */
static void load_config(void)
{
	static bool loaded;
	if (loaded)
		return;
	loaded = true;
	char *path = config_path(), *err = NULL;
	struct config c;
	if (config_load(path, &c, &err) < 0) {
		cmd_error("%s (its connections are left out)", err);
		free(err);
	}
	for (size_t i = 0; i < c.n_conns; i++) {
		char *name = c.conns[i].name ? xstrdup(c.conns[i].name) : lvhost_uri_name(c.conns[i].uri);
		size_t j = 0;
		while (j < n_conns && strcmp(conns[j].name, name))
			j++;
		if (j < n_conns)
			cmd_error("%s:%d:%d: a host named '%s' is already connected (%s): left out", path, c.conns[i].line,
				  c.conns[i].col, name, conns[j].uri);
		else
			cmd_lv_add(c.conns[i].uri, name);
		free(name);
	}
	config_clear(&c);
	free(path);
}

size_t cmd_lv_count(void)
{
	load_config();
	return n_conns;
}
const char *cmd_lv_uri(size_t i) { return conns[i].uri; }
const char *cmd_lv_name(size_t i) { return conns[i].name; }

void lvset_open(struct lvset *s, struct loop *l)
{
	s->n = cmd_lv_count();
	s->h = xcalloc(s->n ? s->n : 1, sizeof(*s->h));
	for (size_t i = 0; i < s->n; i++)
		s->h[i] = lvhost_new(l, cmd_lv_uri(i), cmd_lv_name(i));
}

void lvset_close(struct lvset *s)
{
	for (size_t i = 0; i < s->n; i++)
		lvhost_free(s->h[i]);
	free(s->h);
	s->h = NULL;
	s->n = 0;
}

bool lvset_settled(const struct lvset *s)
{
	for (size_t i = 0; i < s->n; i++)
		if (!lvhost_settled(s->h[i]))
			return false;
	return true;
}

struct lvhost *lvset_find(const struct lvset *s, const char *name)
{
	for (size_t i = 0; i < s->n; i++)
		if (!strcmp(lvhost_name(s->h[i]), name))
			return s->h[i];
	return NULL;
}

bool cmd_lv_is_remote(const char *target) { return strchr(target, '/') != NULL; }

const char *cmd_lv_state_word(int st)
{
	switch (st) {
	case LVDOM_RUNNING: case LVDOM_BLOCKED: return "running";
	case LVDOM_PAUSED: case LVDOM_PMSUSPENDED: return "paused";
	case LVDOM_SHUTDOWN: return "stopping";
	case LVDOM_SHUTOFF: return "stopped";
	case LVDOM_CRASHED: return "exited";
	default: return "unknown";
	}
}

static uint64_t uptime_s(const struct lvdom *d)
{
	int64_t now = (int64_t)time(NULL);
	return d->started_wall_s && now > d->started_wall_s ? (uint64_t)(now - d->started_wall_s) : 0;
}

static struct json_object *dom_json(struct lvhost *h, const struct lvdom *d)
{
	struct json_object *o = json_object_new_object();
	char *full = xasprintf("%s/%s", lvhost_name(h), d->name);
	json_object_object_add(o, "name", json_object_new_string(full));
	free(full);
	json_object_object_add(o, "state", json_object_new_string(cmd_lv_state_word(d->state)));
	json_object_object_add(o, "status", json_object_new_string(lvdom_state_name(d->state)));
	json_object_object_add(o, "host", json_object_new_string(lvhost_name(h)));
	json_object_object_add(o, "domain", json_object_new_string(d->name));
	json_object_object_add(o, "uri", json_object_new_string(lvhost_uri(h)));
	json_object_object_add(o, "libvirt_state", json_object_new_string(lvdom_state_name(d->state)));
	json_object_object_add(o, "uptime_s", json_object_new_uint64(uptime_s(d)));
	json_object_object_add(o, "stale", json_object_new_boolean(lvhost_stale(h)));
	if (lvhost_error(h))
		json_object_object_add(o, "host_error", json_object_new_string(lvhost_error(h)));
	return o;
}

size_t cmd_lv_status(const struct lvset *s, struct json_object *arr)
{
	size_t bad = 0;
	for (size_t i = 0; i < s->n; i++) {
		struct lvhost *h = s->h[i];
		if (!lvhost_settled(h)) {
			cmd_error("status: %s: no answer from %s yet", lvhost_name(h), lvhost_uri(h));
			bad++;
			continue;
		}
		if (lvhost_error(h)) {
			cmd_error("status: %s: unreachable: %s", lvhost_name(h), lvhost_error(h));
			bad++;
		}
		for (size_t j = 0; j < lvhost_count(h); j++) {
			const struct lvdom *d = lvhost_at(h, j);
			if (arr) {
				json_object_array_add(arr, dom_json(h, d));
				continue;
			}
			char *full = xasprintf("%s/%s", lvhost_name(h), d->name), up[32] = "-";
			uint64_t u = uptime_s(d);
			if (u >= 3600)
				snprintf(up, sizeof up, "%uh%02um", (unsigned)(u / 3600), (unsigned)(u / 60 % 60));
			else if (u)
				snprintf(up, sizeof up, "%um%02us", (unsigned)(u / 60), (unsigned)(u % 60));
			printf("%-20s %-28s %-8s %8s %9s\n", full, lvdom_state_name(d->state), "libvirt", "-", up);
			free(full);
		}
	}
	return bad;
}

/* ---- the lifecycle verbs -------------------------------------------------- */

struct act {
	bool done;
	int rc;
	char *err;
	char *out;
	struct loop *l;
};

static void on_log(struct lvhost *h, const char *line, void *arg)
{
	(void)h;
	(void)arg;
	fprintf(stderr, "%s\n", line);
}

static void on_done(struct lvhost *h, const char *dom, int rc, const char *err, void *arg)
{
	(void)h;
	(void)dom;
	struct act *a = arg;
	a->done = true;
	a->rc = rc;
	a->err = err ? xstrdup(err) : NULL;
}

static void on_quit(int signo, void *arg)
{
	(void)signo;
	loop_quit(((struct act *)arg)->l);
}

static int act_on(struct act *a, struct lvhost *h, const char *verb, const char *target, const char *dom,
		  enum lvhost_action action)
{
	uint64_t until = now_mono_us() + CONNECT_WAIT_MS * 1000ull;
	while (!lvhost_settled(h) && !loop_quitting(a->l) && now_mono_us() < until)
		loop_run_once(a->l, (int)((until - now_mono_us()) / 1000) + 1);
	char *err = NULL;
	int rc = lvhost_act(h, dom, action, on_done, a, &err);
	if (rc < 0) {
		cmd_error("%s: %s", verb, err ? err : target);
		free(err);
		return cmd_exit_code(rc);
	}
	while (!a->done && !loop_quitting(a->l))
		loop_run_once(a->l, -1);
	if (!a->done) {
		cmd_error("interrupted; the domain is left as it is");
		return EXIT_FAIL;
	}
	if (a->rc < 0) {
		cmd_error("%s: %s", verb, a->err ? a->err : "failed");
		return EXIT_FAIL;
	}
	const struct lvdom *d = lvhost_find(h, dom);
	printf("%s: %s\n", target, d ? lvdom_state_name(d->state) : "gone");
	return EXIT_OK;
}

/* HOST/NAME: the connection's index, or -1 after saying why (*rc: the exit code). */
static long find_target(const char *verb, const char *target, int *rc)
{
	const char *slash = strchr(target, '/');
	if (!slash || slash == target || !slash[1]) {
		cmd_error("%s: '%s': a remote domain is HOST/NAME", verb, target);
		*rc = EXIT_USAGE;
		return -1;
	}
	size_t n = (size_t)(slash - target);
	for (size_t i = 0; i < cmd_lv_count(); i++)
		if (strlen(cmd_lv_name(i)) == n && !strncmp(cmd_lv_name(i), target, n))
			return (long)i;
	cmd_error("%s: no libvirt host named '%.*s' (give it with --connect URI, or in config.yaml's connections)", verb,
		  (int)n, target);
	*rc = EXIT_NOTFOUND;
	return -1;
}

int cmd_lv_action(const char *verb, const char *target, enum lvhost_action action)
{
	int rc;
	long i = find_target(verb, target, &rc);
	if (i < 0)
		return rc;
	if (cmd_read_only) {
		cmd_error("%s: refused in --read-only mode", verb);
		return EXIT_PERM;
	}
	struct act a = { .l = loop_new() };
	loop_signal_add(a.l, SIGINT, on_quit, &a);
	loop_signal_add(a.l, SIGTERM, on_quit, &a);
	struct lvhost *h = lvhost_new(a.l, cmd_lv_uri((size_t)i), cmd_lv_name((size_t)i));
	lvhost_set_on_log(h, on_log, &a);
	rc = act_on(&a, h, verb, target, strchr(target, '/') + 1, action);
	lvhost_free(h);
	loop_free(a.l);
	free(a.err);
	return rc;
}

static void on_monitor(struct lvhost *h, const char *dom, const char *out, const char *err, void *arg)
{
	(void)h;
	(void)dom;
	struct act *a = arg;
	a->done = true;
	a->rc = err ? -1 : 0;
	a->err = err ? xstrdup(err) : NULL;
	a->out = xstrdup(out);
}

int cmd_lv_monitor(const char *target, const char *line)
{
	int rc;
	long i = find_target("monitor", target, &rc);
	if (i < 0)
		return rc;
	struct act a = { .l = loop_new() };
	loop_signal_add(a.l, SIGINT, on_quit, &a);
	loop_signal_add(a.l, SIGTERM, on_quit, &a);
	struct lvhost *h = lvhost_new(a.l, cmd_lv_uri((size_t)i), cmd_lv_name((size_t)i));
	uint64_t until = now_mono_us() + CONNECT_WAIT_MS * 1000ull;
	while (!lvhost_settled(h) && !loop_quitting(a.l) && now_mono_us() < until)
		loop_run_once(a.l, (int)((until - now_mono_us()) / 1000) + 1);
	char *err = NULL;
	rc = lvhost_monitor(h, strchr(target, '/') + 1, line, on_monitor, &a, &err);
	if (rc < 0) {
		cmd_error("monitor: %s", err);
		free(err);
		rc = cmd_exit_code(rc);
	} else {
		while (!a.done && !loop_quitting(a.l))
			loop_run_once(a.l, -1);
		rc = !a.done ? EXIT_FAIL : a.rc < 0 ? (cmd_error("monitor: %s: %s", target, a.err), EXIT_FAIL) : EXIT_OK;
		/* HMP says its errors as text: such a reply is a failure too. */
		if (rc == EXIT_OK && a.out) {
			bool failed = monitor_reply_failed(a.out);
			FILE *o = failed ? stderr : stdout;
			fputs(a.out, o);
			if (*a.out && a.out[strlen(a.out) - 1] != '\n')
				fputc('\n', o);
			rc = failed ? EXIT_FAIL : EXIT_OK;
		}
	}
	lvhost_free(h);
	loop_free(a.l);
	free(a.err);
	free(a.out);
	return rc;
}
