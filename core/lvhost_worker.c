/* lvhost_worker: a libvirt host's worker thread — every call that can wait
 * on the network (open, list, the actions, close) is made here, one at a
 * time, and its result posted to the loop (core/lvhost.c). */
#include "core/lvso.h"
#include <libxml/parser.h>
#include "core/xmlso.h"

#include "core/lvevent.h"
#include "core/lvexport.h"
#include "core/lvhost_priv.h"
#include "core/util.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <errno.h>
#include <time.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define STOP_TIMEOUT_DEFAULT 60 /* a profile's default stop_timeout */
/* Keepalive: a host silent this long (interval s x count) is dropped. */
#define KEEPALIVE_S 2
#define KEEPALIVE_COUNT 2

struct worker {
	struct lvshared *sh;
	virConnectPtr conn;
	int cb_id;
};

static const char *last_error(void)
{
	const char *e = virGetLastErrorMessage();
	return e && *e ? e : "unknown libvirt error";
}

static void post(struct worker *w, struct lvmsg *m)
{
	m->gen = w->sh->gen;
	lvshared_post(w->sh, m);
}

static int on_lifecycle(virConnectPtr c, virDomainPtr d, int event, int detail, void *opaque)
{
	(void)c;
	(void)detail;
	int st = LVHOST_EV_SAME;
	switch (event) {
	case VIR_DOMAIN_EVENT_UNDEFINED: st = LVHOST_EV_UNDEFINED; break;
	case VIR_DOMAIN_EVENT_STARTED: case VIR_DOMAIN_EVENT_RESUMED: st = LVDOM_RUNNING; break;
	case VIR_DOMAIN_EVENT_SUSPENDED: st = LVDOM_PAUSED; break;
	case VIR_DOMAIN_EVENT_STOPPED: st = LVDOM_SHUTOFF; break;
	case VIR_DOMAIN_EVENT_CRASHED: st = LVDOM_CRASHED; break;
	case VIR_DOMAIN_EVENT_PMSUSPENDED: st = LVDOM_PMSUSPENDED; break;
	default: break; /* DEFINED; SHUTDOWN (STOPPED follows) */
	}
	lvhost_on_lifecycle(opaque, virDomainGetName(d), st);
	return 0;
}

static void on_close(virConnectPtr c, int reason, void *opaque)
{
	(void)c;
	static const char *const why[] = { "I/O error", "end of file", "keepalive timeout", "closed by the client" };
	struct lvshared *sh = opaque;
	struct lvmsg *m = xcalloc(1, sizeof(*m));
	m->kind = LVMSG_CLOSED;
	m->err = xasprintf("connection lost: %s", (unsigned)reason < ARRAY_LEN(why) ? why[reason] : "unknown reason");
	pthread_mutex_lock(&sh->mu);
	m->gen = sh->gen;
	pthread_mutex_unlock(&sh->mu);
	lvshared_post(sh, m);
}

/* The graceful stop's wait from vmdeck's metadata in an exported domain
 * (<vmdeck:vm stop_timeout='N'>, core/lvexport.c), else the default. */
static unsigned stop_timeout(virDomainPtr d)
{
	unsigned t = STOP_TIMEOUT_DEFAULT;
	char *md = virDomainGetMetadata(d, VIR_DOMAIN_METADATA_ELEMENT, LVEXPORT_VMDECK_NS, 0);
	if (!md || xmlso_load(NULL) < 0) {
		free(md);
		return t;
	}
	xmlDocPtr doc = xmlReadMemory(md, (int)strlen(md), "metadata.xml", NULL, XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	xmlNodePtr root = doc ? xmlDocGetRootElement(doc) : NULL;
	xmlChar *v = root ? xmlGetProp(root, BAD_CAST "stop_timeout") : NULL;
	unsigned long long n;
	if (v && parse_uint((const char *)v, 1, 3600, &n) == 0)
		t = (unsigned)n;
	if (v)
		xmlFree(v);
	if (doc)
		xmlFreeDoc(doc);
	free(md);
	return t;
}

static void disconnect(struct worker *w)
{
	if (!w->conn)
		return;
	pthread_mutex_lock(&w->sh->mu);
	w->sh->conn = NULL; /* screens hold their own references */
	pthread_mutex_unlock(&w->sh->mu);
	virConnectUnregisterCloseCallback(w->conn, on_close);
	if (w->cb_id >= 0)
		virConnectDomainEventDeregisterAny(w->conn, w->cb_id);
	virConnectClose(w->conn);
	w->conn = NULL;
	w->cb_id = -1;
}

static int no_prompt(virConnectCredentialPtr cred, unsigned int n, void *arg)
{
	(void)cred;
	(void)n;
	(void)arg;
	return -1; /* vmdeck never asks for a password: keys, the agent */
}

static void list(struct worker *w, struct lvmsg *m)
{
	virDomainPtr *doms = NULL;
	int n = virConnectListAllDomains(w->conn, &doms, 0);
	m->doms = xcalloc(n > 0 ? (size_t)n : 1, sizeof(*m->doms));
	for (int i = 0; i < n; i++) {
		int st = LVDOM_NOSTATE, reason;
		if (virDomainGetState(doms[i], &st, &reason, 0) < 0)
			st = LVDOM_NOSTATE;
		m->doms[m->n_doms++] = (struct lvdom){ .name = xstrdup(virDomainGetName(doms[i])), .state = st,
						       .stop_timeout_s = stop_timeout(doms[i]) };
		virDomainFree(doms[i]);
	}
	free(doms);
}

static void do_open(struct worker *w)
{
	disconnect(w);
	pthread_mutex_lock(&w->sh->mu);
	w->sh->gen++;
	pthread_mutex_unlock(&w->sh->mu);
	struct lvmsg *m = xcalloc(1, sizeof(*m));
	char *err = NULL;
	if (lvso_load(&err) < 0) {
		m->kind = LVMSG_DOWN;
		m->err = err;
		post(w, m);
		return;
	}
	lvevent_register();
	int credtypes[] = { VIR_CRED_AUTHNAME };
	virConnectAuth auth = { credtypes, 0, no_prompt, NULL };
	w->conn = virConnectOpenAuth(w->sh->uri, &auth, 0);
	if (!w->conn) {
		m->kind = LVMSG_DOWN;
		m->err = xstrdup(last_error());
		post(w, m);
		return;
	}
	virConnectRegisterCloseCallback(w->conn, on_close, w->sh, NULL);
	virConnectSetKeepAlive(w->conn, KEEPALIVE_S, KEEPALIVE_COUNT);
	w->cb_id = virConnectDomainEventRegisterAny(w->conn, NULL, VIR_DOMAIN_EVENT_ID_LIFECYCLE,
						    VIR_DOMAIN_EVENT_CALLBACK(on_lifecycle), w->sh, NULL);
	if (w->cb_id < 0) {
		m->kind = LVMSG_DOWN;
		m->err = xasprintf("cannot follow domain events: %s", last_error());
		disconnect(w);
		post(w, m);
		return;
	}
	m->kind = LVMSG_UP;
	pthread_mutex_lock(&w->sh->mu);
	w->sh->conn = w->conn;
	pthread_mutex_unlock(&w->sh->mu);
	list(w, m);
	post(w, m);
}

static int call(virDomainPtr d, int action)
{
	switch (action) {
	case LVHOST_START: return virDomainCreate(d);
	case LVHOST_STOP: return virDomainShutdown(d);
	case LVHOST_FORCE_STOP: return virDomainDestroy(d);
	case LVHOST_PAUSE: return virDomainSuspend(d);
	case LVHOST_RESUME: return virDomainResume(d);
	case LVHOST_RESET: return virDomainReset(d, 0);
	}
	return -1;
}

static void do_act(struct worker *w, struct lvjob *j)
{
	struct lvmsg *m = xcalloc(1, sizeof(*m));
	m->kind = LVMSG_ACTED;
	m->dom = xstrdup(j->dom);
	m->action = j->action;
	m->state = -1;
	virDomainPtr d = w->conn ? virDomainLookupByName(w->conn, j->dom) : NULL;
	if (!w->conn) {
		m->rc = -1;
		m->err = xstrdup("not connected");
	} else if (!d) {
		m->rc = -1;
		m->err = xstrdup(last_error());
	} else {
		m->rc = call(d, j->action) < 0 ? -1 : 0;
		if (m->rc < 0)
			m->err = xstrdup(last_error());
		int st, reason;
		if (virDomainGetState(d, &st, &reason, 0) == 0)
			m->state = st;
		m->stop_timeout_s = stop_timeout(d);
		virDomainFree(d);
	}
	post(w, m);
}

static void do_monitor(struct worker *w, struct lvjob *j)
{
	struct lvmsg *m = xcalloc(1, sizeof(*m));
	m->kind = LVMSG_MONITOR;
	m->dom = xstrdup(j->dom);
	virDomainPtr d = w->conn ? virDomainLookupByName(w->conn, j->dom) : NULL;
	char *out = NULL, *err = NULL;
	if (!w->conn)
		m->err = xstrdup("not connected");
	else if (!d)
		m->err = xstrdup(last_error());
	else if (lvso_qemu_load(&err) < 0)
		m->err = err;
	else if (virDomainQemuMonitorCommand(d, j->line, &out, VIR_DOMAIN_QEMU_MONITOR_COMMAND_HMP) < 0)
		m->err = xstrdup(last_error());
	else
		m->out = out ? out : xstrdup("");
	if (d)
		virDomainFree(d);
	post(w, m);
}

static void do_gfx(struct worker *w, struct lvjob *j);

void *lvhost_worker(void *arg)
{
	struct worker w = { .sh = arg, .cb_id = -1 };
	struct lvshared *sh = w.sh;
	for (;;) {
		pthread_mutex_lock(&sh->mu);
		while (!sh->jobs)
			pthread_cond_wait(&sh->cv, &sh->mu);
		struct lvjob *j = sh->jobs;
		sh->jobs = j->next;
		if (!sh->jobs)
			sh->jobs_tail = &sh->jobs;
		pthread_mutex_unlock(&sh->mu);
		enum lvjob_kind k = j->kind;
		if (k == LVJOB_OPEN)
			do_open(&w);
		else if (k == LVJOB_ACT)
			do_act(&w, j);
		else if (k == LVJOB_MONITOR)
			do_monitor(&w, j);
		else if (k == LVJOB_GFX) {
			do_gfx(&w, j);
			j->req = NULL;
		}
		lvjob_drop(sh, j);
		if (k == LVJOB_QUIT)
			break;
	}
	/* Jobs queued after QUIT (a screen asking late): their askers are told. */
	pthread_mutex_lock(&sh->mu);
	sh->quit = true;
	struct lvjob *left = sh->jobs;
	sh->jobs = NULL;
	sh->jobs_tail = &sh->jobs;
	pthread_mutex_unlock(&sh->mu);
	while (left) {
		struct lvjob *n = left->next;
		lvjob_drop(sh, left);
		left = n;
	}
	disconnect(&w);
	lvshared_unref(sh);
	return NULL;
}

/* ---- a domain's screen (core/vnc's open_fd) ------------------------------ */

/* libvirt passes descriptors only over a UNIX socket connection: a URI
 * with no host and no transport but unix. Asked over ssh, the reply's
 * descriptor is lost and the connection's stream goes wrong (seen: every
 * later call on it failed). */
static bool passes_fds(const char *uri)
{
	const char *sep = strstr(uri, "://");
	if (!sep || (sep[3] != '/' && sep[3] != '\0'))
		return false; /* a host part */
	const char *plus = memchr(uri, '+', (size_t)(sep - uri));
	return !plus || ((size_t)(sep - plus) == 5 && !strncmp(plus, "+unix", 5));
}

/* A screen holds the host's shared half, not a connection: each attempt
 * takes the connection of the moment (after a reconnect, the new one). */
struct lvgfx {
	atomic_int refs;
	struct lvshared *sh;
	char *dom, *name;   /* the domain; "HOST/DOM" for messages */
};

struct lvgfx *lvhost_gfx_new(struct lvhost *h, const char *dom, char **err)
{
	if (!passes_fds(lvhost_uri(h))) {
		error_set(err, "%s/%s: no screen: libvirt hands over the screen's socket only on a local UNIX-socket connection, not over %s",
			  lvhost_name(h), dom, lvhost_uri(h));
		return NULL;
	}
	struct lvshared *sh = lvhost_shared(h);
	pthread_mutex_lock(&sh->mu);
	sh->refs++;
	pthread_mutex_unlock(&sh->mu);
	struct lvgfx *g = xcalloc(1, sizeof(*g));
	atomic_init(&g->refs, 1);
	g->sh = sh;
	g->dom = xstrdup(dom);
	g->name = xasprintf("%s/%s", lvhost_name(h), dom);
	return g;
}

/* Under the shared mutex: drop one reference to a screen request. */
static void req_put(struct lvgfx_req *r)
{
	if (--r->refs)
		return;
	if (r->fd >= 0)
		close(r->fd);
	free(r->err);
	pthread_cond_destroy(&r->cv);
	free(r);
}

/* The host's worker answers a screen request: every call on the host's
 * connection is made here (a call on another thread that hung with the
 * host was seen to keep libvirt's keepalive from ever dropping it). */
static void do_gfx(struct worker *w, struct lvjob *j)
{
	virDomainPtr d = w->conn ? virDomainLookupByName(w->conn, j->dom) : NULL;
	int fd = d ? virDomainOpenGraphicsFD(d, 0, VIR_DOMAIN_OPEN_GRAPHICS_SKIPAUTH) : -1;
	char *err = fd >= 0 ? NULL : xstrdup(w->conn ? last_error() : "host not connected");
	if (d)
		virDomainFree(d);
	pthread_mutex_lock(&w->sh->mu);
	j->req->fd = fd;
	j->req->err = err;
	j->req->done = true;
	pthread_cond_signal(&j->req->cv);
	req_put(j->req);
	pthread_mutex_unlock(&w->sh->mu);
}

/* A job the worker will never do (it quit): its asker is told. */
void lvjob_drop(struct lvshared *sh, struct lvjob *j)
{
	if (j->req) {
		pthread_mutex_lock(&sh->mu);
		j->req->done = true;
		j->req->err = xstrdup("the host was closed");
		pthread_cond_signal(&j->req->cv);
		req_put(j->req);
		pthread_mutex_unlock(&sh->mu);
	}
	free(j->dom);
	free(j->line);
	free(j);
}

#define GFX_WAIT_S 30 /* a VNC worker waits this long for the host's worker */

/* On the VNC worker's thread: it waits here for the host's worker. */
int lvhost_gfx_fd(void *arg, char **why)
{
	struct lvgfx *g = arg;
	struct lvgfx_req *r = xcalloc(1, sizeof(*r));
	r->refs = 2;
	r->fd = -1;
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&r->cv, &ca);
	pthread_condattr_destroy(&ca);
	struct lvjob *j = xcalloc(1, sizeof(*j));
	j->kind = LVJOB_GFX;
	j->dom = xstrdup(g->dom);
	j->req = r;
	lvshared_push(g->sh, j);
	struct timespec until;
	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_sec += GFX_WAIT_S;
	int fd = -1;
	pthread_mutex_lock(&g->sh->mu);
	while (!r->done && pthread_cond_timedwait(&r->cv, &g->sh->mu, &until) != ETIMEDOUT)
		;
	if (r->done && r->fd >= 0) {
		fd = r->fd;
		r->fd = -1;
	} else {
		error_set(why, "%s: %s", g->name, r->done ? r->err : "no answer from the host");
	}
	req_put(r);
	pthread_mutex_unlock(&g->sh->mu);
	return fd;
}

void lvhost_gfx_ref(void *arg)
{
	atomic_fetch_add(&((struct lvgfx *)arg)->refs, 1);
}

void lvhost_gfx_unref(void *arg)
{
	struct lvgfx *g = arg;
	if (!g || atomic_fetch_sub(&g->refs, 1) != 1)
		return;
	lvshared_unref(g->sh);
	free(g->dom);
	free(g->name);
	free(g);
}
