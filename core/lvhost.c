/* lvhost: a libvirt host as the loop sees it — the domain model, the
 * worker's results, lifecycle events, reconnects and the stop escalation
 * (see the header). The worker is core/lvhost_worker.c. */
#include "core/lvhost_priv.h"

#include "core/loop.h"
#include "core/lvevent.h"
#include "core/monitor.h"
#include "core/util.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#define BACKOFF_MAX_S 30

/* An action in flight. A graceful stop has phases: the shutdown call, the
 * wait for the domain to go off, the destroy after the timeout. */
enum op_phase { OP_CALL, OP_WAIT_OFF, OP_DESTROY };
struct op {
	char *dom;
	enum lvhost_action action;
	enum op_phase phase;
	lvhost_done_cb done;
	void *arg;
	struct loop_timer *timer; /* OP_WAIT_OFF */
	struct lvhost *h;
	struct op *next;
};

/* A monitor command in flight; replies come back in order. */
struct mon_op {
	char *dom;
	lvhost_monitor_cb done;
	void *arg;
	struct mon_op *next;
};

struct lvhost {
	struct loop *l;
	struct lvshared *sh;
	char *name, *uri;
	bool attached;
	enum lvhost_conn conn;
	char *error;
	bool stale, settled;
	unsigned gen;             /* the connection the model is about */
	struct lvdom *doms;
	size_t n_doms;
	struct loop_timer *retry; /* NULL: none armed */
	unsigned backoff_s;
	struct op *ops;
	struct mon_op *mons, **mons_tail;
	lvhost_change_cb on_change;
	void *on_change_arg;
	lvhost_log_cb on_log;
	void *on_log_arg;
};

const char *lvdom_state_name(int st)
{
	static const char *const names[LVDOM__N] = {
		[LVDOM_NOSTATE] = "no state", [LVDOM_RUNNING] = "running", [LVDOM_BLOCKED] = "blocked",
		[LVDOM_PAUSED] = "paused", [LVDOM_SHUTDOWN] = "shutting down", [LVDOM_SHUTOFF] = "shut off",
		[LVDOM_CRASHED] = "crashed", [LVDOM_PMSUSPENDED] = "suspended",
	};
	return (unsigned)st < LVDOM__N ? names[st] : "unknown";
}

void lvdoms_free(struct lvdom *d, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(d[i].name);
		monitor_free(d[i].mon);
	}
	free(d);
}

/* ---- the shared half ------------------------------------------------------ */

void lvshared_post(struct lvshared *sh, struct lvmsg *m)
{
	pthread_mutex_lock(&sh->mu);
	*sh->msgs_tail = m;
	sh->msgs_tail = &m->next;
	uint64_t one = 1;
	if (write(sh->efd, &one, sizeof one) < 0 && errno != EAGAIN)
		m->next = NULL; /* cannot fail on an eventfd short of overflow */
	pthread_mutex_unlock(&sh->mu);
}

static void msg_free(struct lvmsg *m)
{
	free(m->err);
	free(m->dom);
	free(m->out);
	lvdoms_free(m->doms, m->n_doms);
	free(m);
}

void lvshared_unref(struct lvshared *sh)
{
	pthread_mutex_lock(&sh->mu);
	int left = --sh->refs;
	pthread_mutex_unlock(&sh->mu);
	if (left)
		return;
	for (struct lvmsg *m = sh->msgs, *n; m; m = n) {
		n = m->next;
		msg_free(m);
	}
	close(sh->efd);
	free(sh->uri);
	pthread_mutex_destroy(&sh->mu);
	pthread_cond_destroy(&sh->cv);
	free(sh);
}

static void job_push_line(struct lvshared *sh, enum lvjob_kind k, const char *dom, int action, const char *line)
{
	struct lvjob *j = xcalloc(1, sizeof(*j));
	j->kind = k;
	j->dom = dom ? xstrdup(dom) : NULL;
	j->line = line ? xstrdup(line) : NULL;
	j->action = action;
	lvshared_push(sh, j);
}

void lvshared_push(struct lvshared *sh, struct lvjob *j)
{
	pthread_mutex_lock(&sh->mu);
	if (sh->quit) {
		pthread_mutex_unlock(&sh->mu);
		lvjob_drop(sh, j);
		return;
	}
	*sh->jobs_tail = j;
	sh->jobs_tail = &j->next;
	pthread_cond_signal(&sh->cv);
	pthread_mutex_unlock(&sh->mu);
}

static void job_push(struct lvshared *sh, enum lvjob_kind k, const char *dom, int action)
{
	job_push_line(sh, k, dom, action, NULL);
}

/* ---- the model ------------------------------------------------------------ */

static void changed(struct lvhost *h)
{
	if (h->on_change)
		h->on_change(h, h->on_change_arg);
}

static void logf_(struct lvhost *h, const char *dom, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void logf_(struct lvhost *h, const char *dom, const char *fmt, ...)
{
	if (!h->on_log)
		return;
	va_list ap;
	va_start(ap, fmt);
	char *s = xvasprintf(fmt, ap);
	va_end(ap);
	char *line = xasprintf("%s/%s: %s", h->name, dom, s);
	h->on_log(h, line, h->on_log_arg);
	free(line);
	free(s);
}

static int dom_cmp(const void *a, const void *b)
{
	return strcmp(((const struct lvdom *)a)->name, ((const struct lvdom *)b)->name);
}

static struct lvdom *dom_find(const struct lvhost *h, const char *name)
{
	for (size_t i = 0; i < h->n_doms; i++)
		if (!strcmp(h->doms[i].name, name))
			return &h->doms[i];
	return NULL;
}

static struct lvdom *dom_add(struct lvhost *h, const char *name)
{
	h->doms = xrealloc(h->doms, (h->n_doms + 1) * sizeof(*h->doms));
	h->doms[h->n_doms] = (struct lvdom){ .name = xstrdup(name), .state = LVDOM_SHUTOFF, .stop_timeout_s = 60 };
	h->n_doms++;
	qsort(h->doms, h->n_doms, sizeof(*h->doms), dom_cmp);
	return dom_find(h, name);
}

static void dom_set_state(struct lvdom *d, int st)
{
	bool was_on = d->state == LVDOM_RUNNING || d->state == LVDOM_PAUSED || d->state == LVDOM_BLOCKED;
	bool on = st == LVDOM_RUNNING || st == LVDOM_PAUSED || st == LVDOM_BLOCKED;
	if (on && !was_on)
		d->started_wall_s = (int64_t)time(NULL);
	else if (!on)
		d->started_wall_s = 0;
	d->state = st;
}

/* ---- actions -------------------------------------------------------------- */

static void op_end(struct lvhost *h, struct op *o, int rc, const char *err)
{
	for (struct op **pp = &h->ops; *pp; pp = &(*pp)->next)
		if (*pp == o) {
			*pp = o->next;
			break;
		}
	loop_timer_del(h->l, o->timer);
	char *msg = err ? xasprintf("%s/%s: %s", h->name, o->dom, err) : NULL;
	if (o->done)
		o->done(h, o->dom, rc, msg, o->arg);
	free(msg);
	free(o->dom);
	free(o);
}

static void on_stop_timeout(struct loop_timer *t, void *arg)
{
	(void)t;
	struct op *o = arg;
	struct lvhost *h = o->h;
	o->timer = NULL; /* a one-shot: the loop frees it */
	struct lvdom *d = dom_find(h, o->dom);
	logf_(h, o->dom, "the guest did not shut down within %u s, destroying", d ? d->stop_timeout_s : 0);
	o->phase = OP_DESTROY;
	job_push(h->sh, LVJOB_ACT, o->dom, LVHOST_FORCE_STOP);
}

/* A domain's state changed: a stop waiting for it to go off is done. */
static void ops_check(struct lvhost *h, const char *dom)
{
	struct lvdom *d = dom_find(h, dom);
	if (!d || d->state != LVDOM_SHUTOFF)
		return;
	for (struct op *o = h->ops, *n; o; o = n) {
		n = o->next;
		if (o->action == LVHOST_STOP && o->phase == OP_WAIT_OFF && !strcmp(o->dom, dom))
			op_end(h, o, 0, NULL);
	}
}

static void on_acted(struct lvhost *h, struct lvmsg *m)
{
	struct lvdom *d = dom_find(h, m->dom);
	if (d && m->state >= 0) {
		d->stop_timeout_s = m->stop_timeout_s;
		dom_set_state(d, m->state);
	}
	struct op *o = h->ops;
	while (o && (strcmp(o->dom, m->dom) || o->phase == OP_WAIT_OFF ||
		     (o->phase == OP_DESTROY ? m->action != LVHOST_FORCE_STOP : (int)o->action != m->action)))
		o = o->next;
	if (o && m->rc < 0)
		op_end(h, o, -1, m->err);
	else if (o && o->action == LVHOST_STOP && o->phase == OP_CALL && (!d || d->state != LVDOM_SHUTOFF)) {
		unsigned t = d ? d->stop_timeout_s : 60;
		logf_(h, o->dom, "shutdown sent, waiting up to %u s for the guest", t);
		o->phase = OP_WAIT_OFF;
		o->timer = loop_timer_add(h->l, (uint64_t)t * 1000, false, on_stop_timeout, o);
	} else if (o) {
		if (o->phase == OP_DESTROY)
			logf_(h, o->dom, "destroyed");
		op_end(h, o, 0, NULL);
	}
	if (d)
		ops_check(h, d->name);
}

int lvhost_act(struct lvhost *h, const char *dom, enum lvhost_action a, lvhost_done_cb done, void *arg, char **err)
{
	if (h->conn != LVHOST_UP)
		return error_set(err, "%s/%s: host %s%s", h->name, dom,
				 h->conn == LVHOST_CONNECTING ? "not connected yet" : "unreachable: ",
				 h->conn == LVHOST_CONNECTING ? "" : h->error);
	if (!dom_find(h, dom)) {
		error_set(err, "%s/%s: no such domain on %s", h->name, dom, h->uri);
		return -ERR_NOTFOUND;
	}
	struct op *o = xcalloc(1, sizeof(*o));
	*o = (struct op){ .dom = xstrdup(dom), .action = a, .done = done, .arg = arg, .h = h, .next = h->ops };
	h->ops = o;
	job_push(h->sh, LVJOB_ACT, dom, a);
	return 0;
}

/* ---- the monitor pane --------------------------------------------------- */

static void mon_end(struct lvhost *h, const char *out, const char *err)
{
	struct mon_op *o = h->mons;
	h->mons = o->next;
	if (!h->mons)
		h->mons_tail = &h->mons;
	struct lvdom *d = dom_find(h, o->dom);
	if (d && d->mon) {
		if (err) {
			char *e = xasprintf("error: %s", err);
			monitor_append(d->mon, e);
			free(e);
		} else if (out && *out) {
			monitor_append(d->mon, out);
		}
		if (d->mon_busy)
			d->mon_busy--;
	}
	if (o->done)
		o->done(h, o->dom, out ? out : "", err, o->arg);
	free(o->dom);
	free(o);
}

int lvhost_monitor(struct lvhost *h, const char *dom, const char *line, lvhost_monitor_cb done, void *arg, char **err)
{
	if (h->conn != LVHOST_UP)
		return error_set(err, "%s/%s: host %s%s", h->name, dom,
				 h->conn == LVHOST_CONNECTING ? "not connected yet" : "unreachable: ",
				 h->conn == LVHOST_CONNECTING ? "" : h->error);
	struct lvdom *d = dom_find(h, dom);
	if (!d) {
		error_set(err, "%s/%s: no such domain on %s", h->name, dom, h->uri);
		return -ERR_NOTFOUND;
	}
	if (d->state != LVDOM_RUNNING && d->state != LVDOM_PAUSED && d->state != LVDOM_BLOCKED)
		return error_set(err, "%s/%s is not running (%s)", h->name, dom, lvdom_state_name(d->state));
	if (!d->mon)
		d->mon = monitor_new(0, 0);
	monitor_history_add(d->mon, line);
	char *echo = xasprintf("(qemu) %s", line);
	monitor_append(d->mon, echo);
	free(echo);
	d->mon_busy++;
	struct mon_op *o = xcalloc(1, sizeof(*o));
	*o = (struct mon_op){ .dom = xstrdup(dom), .done = done, .arg = arg };
	*h->mons_tail = o;
	h->mons_tail = &o->next;
	job_push_line(h->sh, LVJOB_MONITOR, dom, 0, line);
	return 0;
}

size_t lvhost_pending(const struct lvhost *h)
{
	size_t n = 0;
	for (const struct op *o = h->ops; o; o = o->next)
		n++;
	return n;
}

/* ---- connection ----------------------------------------------------------- */

static void on_retry(struct loop_timer *t, void *arg)
{
	(void)t;
	struct lvhost *h = arg;
	h->retry = NULL; /* one-shot */
	job_push(h->sh, LVJOB_OPEN, NULL, 0);
}

static void went_down(struct lvhost *h, const char *why)
{
	free(h->error);
	h->error = xstrdup(why);
	h->conn = LVHOST_UNREACHABLE;
	h->stale = h->n_doms > 0;
	h->settled = true;
	while (h->ops)
		op_end(h, h->ops, -1, why);
	while (h->mons)
		mon_end(h, NULL, why);
	if (!h->retry) {
		h->backoff_s = h->backoff_s ? h->backoff_s * 2 : 1;
		if (h->backoff_s > BACKOFF_MAX_S)
			h->backoff_s = BACKOFF_MAX_S;
		h->retry = loop_timer_add(h->l, (uint64_t)h->backoff_s * 1000, false, on_retry, h);
	}
}

static void went_up(struct lvhost *h, struct lvmsg *m)
{
	for (size_t i = 0; i < m->n_doms; i++) {
		struct lvdom *old = dom_find(h, m->doms[i].name);
		bool on = m->doms[i].state == LVDOM_RUNNING || m->doms[i].state == LVDOM_PAUSED;
		if (old && on && old->started_wall_s)
			m->doms[i].started_wall_s = old->started_wall_s; /* seen starting earlier */
		if (old) { /* the monitor pane's scrollback stays */
			m->doms[i].mon = old->mon;
			old->mon = NULL;
		}
	}
	lvdoms_free(h->doms, h->n_doms);
	h->doms = m->doms;
	h->n_doms = m->n_doms;
	m->doms = NULL;
	m->n_doms = 0;
	qsort(h->doms, h->n_doms, sizeof(*h->doms), dom_cmp);
	h->conn = LVHOST_UP;
	free(h->error);
	h->error = NULL;
	h->stale = false;
	h->settled = true;
	h->backoff_s = 0;
	h->gen = m->gen;
}

static void on_msgs(int fd, short revents, void *arg)
{
	(void)revents;
	struct lvhost *h = arg;
	uint64_t v;
	if (read(fd, &v, sizeof v) < 0 && errno != EAGAIN)
		return;
	pthread_mutex_lock(&h->sh->mu);
	struct lvmsg *m = h->sh->msgs;
	h->sh->msgs = NULL;
	h->sh->msgs_tail = &h->sh->msgs;
	pthread_mutex_unlock(&h->sh->mu);
	while (m) {
		struct lvmsg *n = m->next;
		if (m->kind == LVMSG_UP)
			went_up(h, m);
		else if (m->kind == LVMSG_DOWN)
			went_down(h, m->err);
		else if (m->kind == LVMSG_CLOSED && m->gen == h->gen && h->conn == LVHOST_UP) {
			went_down(h, m->err);
		} else if (m->kind == LVMSG_ACTED) {
			on_acted(h, m);
		} else if (m->kind == LVMSG_MONITOR && h->mons) {
			mon_end(h, m->out, m->err);
		}
		msg_free(m);
		m = n;
	}
	changed(h);
}

void lvhost_on_lifecycle(struct lvshared *sh, const char *name, int state)
{
	struct lvhost *h = sh->h;
	if (!h || !name)
		return;
	struct lvdom *d = dom_find(h, name);
	if (state == LVHOST_EV_UNDEFINED) {
		if (!d)
			return;
		free(d->name);
		monitor_free(d->mon);
		*d = h->doms[--h->n_doms];
		qsort(h->doms, h->n_doms, sizeof(*h->doms), dom_cmp);
		changed(h);
		return;
	}
	if (!d)
		d = dom_add(h, name); /* defined (shut off), or started elsewhere */
	if (state >= 0)
		dom_set_state(d, state);
	ops_check(h, name);
	changed(h);
}

/* ---- the host ------------------------------------------------------------- */

struct lvhost *lvhost_new(struct loop *l, const char *uri, const char *name)
{
	struct lvhost *h = xcalloc(1, sizeof(*h));
	h->l = l;
	h->uri = xstrdup(uri);
	h->name = name ? xstrdup(name) : lvhost_uri_name(uri);
	h->conn = LVHOST_CONNECTING;
	h->mons_tail = &h->mons;
	struct lvshared *sh = xcalloc(1, sizeof(*sh));
	h->sh = sh;
	pthread_mutex_init(&sh->mu, NULL);
	pthread_cond_init(&sh->cv, NULL);
	sh->jobs_tail = &sh->jobs;
	sh->msgs_tail = &sh->msgs;
	sh->uri = lvhost_uri_effective(uri);
	sh->h = h;
	sh->refs = 1;
	sh->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	char *err = NULL;
	if (sh->efd < 0) {
		err = xasprintf("cannot make an eventfd: %s", strerror(errno));
	} else if (lvso_load(&err) < 0) {
		/* (shown as the host's error) */
	} else if (lvevent_attach(l, &err) == 0) {
		h->attached = true;
		loop_fd_add(l, sh->efd, POLLIN, on_msgs, h);
		pthread_attr_t a;
		pthread_attr_init(&a);
		pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
		pthread_t t;
		sh->refs++;
		/* The worker takes no signals: the loop's signalfd gets them all. */
		sigset_t all, old;
		sigfillset(&all);
		pthread_sigmask(SIG_SETMASK, &all, &old);
		int rc = pthread_create(&t, &a, lvhost_worker, sh);
		pthread_sigmask(SIG_SETMASK, &old, NULL);
		pthread_attr_destroy(&a);
		if (rc == 0) {
			job_push(sh, LVJOB_OPEN, NULL, 0);
			return h;
		}
		sh->refs--;
		err = xasprintf("cannot start its worker thread: %s", strerror(rc));
	}
	h->conn = LVHOST_UNREACHABLE;
	h->error = err;
	h->settled = true;
	return h;
}

void lvhost_free(struct lvhost *h)
{
	if (!h)
		return;
	h->on_change = NULL;
	while (h->ops) {
		h->ops->done = NULL;
		op_end(h, h->ops, -1, NULL);
	}
	for (struct mon_op *o = h->mons, *n; o; o = n) {
		n = o->next;
		free(o->dom);
		free(o);
	}
	loop_timer_del(h->l, h->retry);
	h->sh->h = NULL;
	if (h->attached) {
		loop_fd_del(h->l, h->sh->efd);
		job_push(h->sh, LVJOB_QUIT, NULL, 0);
		lvevent_detach(h->l);
	}
	lvshared_unref(h->sh);
	lvdoms_free(h->doms, h->n_doms);
	free(h->name);
	free(h->uri);
	free(h->error);
	free(h);
}

const char *lvhost_name(const struct lvhost *h) { return h->name; }
struct lvshared *lvhost_shared(struct lvhost *h) { return h->sh; }
const char *lvhost_uri(const struct lvhost *h) { return h->uri; }
enum lvhost_conn lvhost_conn(const struct lvhost *h) { return h->conn; }
const char *lvhost_error(const struct lvhost *h) { return h->conn == LVHOST_UNREACHABLE ? h->error : NULL; }
bool lvhost_stale(const struct lvhost *h) { return h->stale; }
bool lvhost_settled(const struct lvhost *h) { return h->settled; }
size_t lvhost_count(const struct lvhost *h) { return h->n_doms; }
const struct lvdom *lvhost_at(const struct lvhost *h, size_t i) { return i < h->n_doms ? &h->doms[i] : NULL; }

const struct lvdom *lvhost_find(const struct lvhost *h, const char *name)
{
	return dom_find(h, name);
}

void lvhost_set_on_change(struct lvhost *h, lvhost_change_cb cb, void *arg)
{
	h->on_change = cb;
	h->on_change_arg = arg;
}

void lvhost_set_on_log(struct lvhost *h, lvhost_log_cb cb, void *arg)
{
	h->on_log = cb;
	h->on_log_arg = arg;
}

char *lvhost_uri_name(const char *uri)
{
	const char *p = strstr(uri, "://");
	if (!p)
		return xstrdup("local");
	p += 3;
	size_t n = strcspn(p, "/?");
	const char *at = memchr(p, '@', n);
	if (at) {
		n -= (size_t)(at + 1 - p);
		p = at + 1;
	}
	if (*p == '[') { /* [IPv6]:port */
		const char *e = memchr(p, ']', n);
		return e ? xstrndup(p + 1, (size_t)(e - p - 1)) : xstrdup("local");
	}
	const char *colon = memchr(p, ':', n);
	if (colon)
		n = (size_t)(colon - p);
	return n ? xstrndup(p, n) : xstrdup("local");
}

char *lvhost_uri_effective(const char *uri)
{
	const char *p = strstr(uri, "://");
	const char *plus = strchr(uri, '+');
	bool ssh = plus && p && plus < p && (!strncmp(plus, "+ssh:", 5) || !strncmp(plus, "+libssh", 7));
	if (!ssh || strstr(uri, "no_tty="))
		return xstrdup(uri);
	return xasprintf("%s%sno_tty=1", uri, strchr(uri, '?') ? "&" : "?");
}
