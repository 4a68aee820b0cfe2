/* cmd_snapjob: one QEMU snapshot job (snapshot-save / -load / -delete)
 * followed to its end on the verb's own QMP connection to ctl.sock. Every
 * QMP monitor in command mode gets QEMU's events, so this connection gets
 * the job's JOB_STATUS_CHANGE events: each status is said when its event
 * comes; query-jobs is sent only to read what an event does not carry (the
 * progress figures, a concluded job's error) — on an event, and once every
 * JOB_TICK_MS as a fallback for progress. A connection that closes before
 * the job concluded means QEMU went away. ctl.sock is held for the job:
 * other vmdecks' one-shot commands there wait for it (QEMU 7.2 answers
 * nobody during a save or load anyway: it holds its big lock). */
#include "core/qmp.h"
#include "core/util.h"
#include "tui/cmd_storage.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define JOB_TICK_MS 1000

struct snapjob {
	struct loop *l;
	struct qmp *q;
	const char *vm, *what, *id;
	char *status;      /* the last status said */
	int pct;           /* the last progress said (-1: none) */
	char *err;         /* the command's or the job's error */
	char *closed;      /* why the connection went (QEMU gone) */
	bool started;      /* the command was accepted */
	bool concluded;    /* the job ended (err says how) */
	bool dismissed;    /* job-dismiss answered: nothing more to wait for */
	bool querying;     /* a query-jobs is in flight */
	bool query_again;  /* an event came meanwhile: one more look */
};

static void say_status(struct snapjob *j, const char *st)
{
	if (j->status && strcmp(j->status, st) == 0)
		return;
	fprintf(stderr, "%s: %s: %s\n", j->vm, j->what, st);
	free(j->status);
	j->status = xstrdup(st);
}

static void on_dismissed(struct qmp *q, struct json_object *ret, const char *err, void *arg)
{
	(void)q;
	(void)ret;
	(void)err;
	((struct snapjob *)arg)->dismissed = true;
}

static void conclude(struct snapjob *j)
{
	if (j->concluded)
		return;
	j->concluded = true;
	struct json_object *a = json_object_new_object();
	json_object_object_add(a, "id", json_object_new_string(j->id));
	if (qmp_send(j->q, "job-dismiss", a, on_dismissed, j) < 0)
		j->dismissed = true;
}

static struct json_object *job_of(struct json_object *jobs, const char *id)
{
	for (size_t i = 0; jobs && json_object_is_type(jobs, json_type_array) && i < json_object_array_length(jobs);
	     i++) {
		struct json_object *o = json_object_array_get_idx(jobs, i), *jid;
		if (json_object_object_get_ex(o, "id", &jid) && strcmp(json_object_get_string(jid), id) == 0)
			return o;
	}
	return NULL;
}

static void query(struct snapjob *j);

/* query-jobs: the progress figures, and a concluded job's error. */
static void on_jobs(struct qmp *q, struct json_object *ret, const char *err, void *arg)
{
	(void)q;
	struct snapjob *j = arg;
	j->querying = false;
	struct json_object *o = err ? NULL : job_of(ret, j->id), *v;
	if (o && json_object_object_get_ex(o, "status", &v))
		say_status(j, json_object_get_string(v));
	int64_t cur = 0, total = 0;
	if (o && json_object_object_get_ex(o, "current-progress", &v))
		cur = json_object_get_int64(v);
	if (o && json_object_object_get_ex(o, "total-progress", &v))
		total = json_object_get_int64(v);
	/* Only while it runs: QEMU 7.2's snapshot jobs go from 0 of 1 to 1 of
	 * 1 as they end, which says nothing a status does not. */
	bool running = j->status && strcmp(j->status, "running") == 0;
	if (running && total > 0 && cur >= 0 && cur <= total && (int)(cur * 100 / total) != j->pct) {
		j->pct = (int)(cur * 100 / total);
		fprintf(stderr, "%s: %s: %d%%\n", j->vm, j->what, j->pct);
	}
	if (o && j->status && strcmp(j->status, "concluded") == 0) {
		if (json_object_object_get_ex(o, "error", &v) && !j->err)
			j->err = xasprintf("VM %s: %s: %s", j->vm, j->what, json_object_get_string(v));
		conclude(j);
	} else if (!o && !err && j->started && !j->concluded) {
		j->err = xasprintf("VM %s: %s: job %s vanished", j->vm, j->what, j->id);
		j->concluded = j->dismissed = true;
	}
	if (j->query_again && !j->concluded) {
		j->query_again = false;
		query(j);
	}
}

static void query(struct snapjob *j)
{
	if (j->querying) {
		j->query_again = true;
		return;
	}
	if (qmp_send(j->q, "query-jobs", NULL, on_jobs, j) == 0)
		j->querying = true;
}

static void on_event(struct qmp *q, const char *name, struct json_object *data, void *arg)
{
	(void)q;
	struct snapjob *j = arg;
	struct json_object *id, *st;
	if (strcmp(name, "JOB_STATUS_CHANGE") != 0 || !data || !json_object_object_get_ex(data, "id", &id) ||
	    strcmp(json_object_get_string(id), j->id) != 0 || !json_object_object_get_ex(data, "status", &st))
		return;
	const char *s = json_object_get_string(st);
	if (strcmp(s, "null") == 0) { /* dismissed */
		j->dismissed = j->concluded;
		return;
	}
	say_status(j, s);
	if (!j->concluded)
		query(j); /* its error (concluded) or its progress */
}

static void on_closed(struct qmp *q, const char *why, void *arg)
{
	(void)q;
	struct snapjob *j = arg;
	if (!j->closed)
		j->closed = xstrdup(why ? why : "connection closed");
}

static void on_started(struct qmp *q, struct json_object *ret, const char *err, void *arg)
{
	(void)ret;
	struct snapjob *j = arg;
	if (err && !j->closed && !qmp_is_closed(q)) { /* (a closing connection fails its replies first) */
		if (!j->err)
			j->err = xasprintf("VM %s: %s: %s", j->vm, j->what, err);
		j->concluded = j->dismissed = true; /* refused: no job was made */
		return;
	}
	j->started = !err;
	if (j->started)
		query(j); /* it may have ended before we listened */
}

static void on_tick(struct loop_timer *t, void *arg)
{
	(void)t;
	struct snapjob *j = arg;
	if (j->started && !j->concluded)
		query(j);
}

int snapjob_run(struct loop *l, const char *vm, const char *sock, const char *cmd, struct json_object *args,
		const char *what, unsigned timeout_s, bool *lost, char **err)
{
	char *id = xasprintf("vmdeck-%s-%ld", cmd, (long)getpid());
	json_object_object_add(args, "job-id", json_object_new_string(id));
	struct snapjob j = { .l = l, .vm = vm, .what = what, .id = id, .pct = -1 };
	struct qmp_callbacks cbs = { .event = on_event, .closed = on_closed, .arg = &j };
	j.q = qmp_new(l, &cbs);
	char *cerr = NULL;
	int rc = qmp_connect(j.q, sock, &cerr);
	if (rc < 0) {
		json_object_put(args);
		qmp_free(j.q);
		free(id);
		rc = error_set(err, "VM %s: cannot reach the monitor: %s", j.vm, cerr);
		free(cerr);
		return rc;
	}
	qmp_send(j.q, cmd, args, on_started, &j);
	struct loop_timer *tick = loop_timer_add(l, JOB_TICK_MS, true, on_tick, &j);
	uint64_t until = now_mono_us() + (uint64_t)timeout_s * 1000000u;
	while (!j.dismissed && !j.closed && !loop_quitting(l) && now_mono_us() < until)
		loop_run_once(l, (int)((until - now_mono_us()) / 1000) + 1);
	loop_timer_del(l, tick);
	*lost = j.closed && !j.concluded;
	if (*lost)
		rc = error_set(err, "VM %s: %s: %s", j.vm, what, j.closed);
	else if (j.err)
		rc = error_set(err, "%s", j.err);
	else if (!j.concluded && loop_quitting(l))
		rc = error_set(err, "VM %s: interrupted during %s (QEMU job %s goes on)", j.vm, what, id);
	else if (!j.concluded)
		rc = error_set(err, "VM %s: %s did not finish within %u s (QEMU job %s goes on; see 'vmdeck monitor %s "
				    "\"info jobs\"')",
			       j.vm, what, timeout_s, id, j.vm);
	qmp_free(j.q);
	free(j.status);
	free(j.err);
	free(j.closed);
	free(id);
	return rc;
}
