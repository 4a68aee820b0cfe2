/* lvhost_priv: what core/lvhost.c (the loop's side) and
 * core/lvhost_worker.c (the worker thread) share. */
#ifndef VMDECK_LVHOST_PRIV_H
#define VMDECK_LVHOST_PRIV_H

#include "core/lvhost.h"

#include <pthread.h>
#include <stdbool.h>

/* Worker -> loop. */
enum lvmsg_kind { LVMSG_UP, LVMSG_DOWN, LVMSG_ACTED, LVMSG_CLOSED, LVMSG_MONITOR };
struct lvmsg {
	enum lvmsg_kind kind;
	char *err;              /* DOWN, CLOSED, a failed ACTED */
	struct lvdom *doms;     /* UP: the domains at connect */
	size_t n_doms;
	char *dom;              /* ACTED, MONITOR */
	char *out;              /* MONITOR: the HMP reply (err: the call failed) */
	int action, rc, state;  /* ACTED: the action, its result, the domain's state after it */
	unsigned stop_timeout_s;
	unsigned gen;           /* the connection it is about (a late CLOSED of an old one is dropped) */
	struct lvmsg *next;
};

/* Loop -> worker. */
enum lvjob_kind { LVJOB_OPEN, LVJOB_ACT, LVJOB_MONITOR, LVJOB_GFX, LVJOB_QUIT };
/* A screen's socket asked for by a VNC worker (core/lvhost_worker.c): the
 * host's worker opens it; the asker waits. Under the shared mutex. */
struct lvgfx_req {
	int refs;           /* the asker's and the job's */
	bool done;
	int fd;             /* the socket, until taken; -1 */
	char *err;
	pthread_cond_t cv;
};
struct lvjob {
	enum lvjob_kind kind;
	char *dom;
	char *line; /* MONITOR: the HMP command */
	struct lvgfx_req *req; /* GFX */
	int action; /* LVHOST_START, …: one libvirt call (STOP is a shutdown) */
	struct lvjob *next;
};

/* Shared by the loop's struct lvhost and the worker, counted: the worker
 * may outlive lvhost_free while a dead host holds its last call. */
struct lvshared {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct lvjob *jobs, **jobs_tail;
	struct lvmsg *msgs, **msgs_tail;
	int efd;             /* eventfd: a message is waiting */
	int refs;
	char *uri;           /* lvhost_uri_effective */
	struct lvhost *h;    /* the loop's side, NULL once freed (loop thread only) */
	unsigned gen;        /* worker: the current connection's number */
	void *conn;          /* the open virConnectPtr (the worker's; under mu), NULL: none */
	bool quit;           /* the worker is gone: a job pushed now is dropped (its asker told) */
};

struct lvshared *lvhost_shared(struct lvhost *h);

void lvshared_post(struct lvshared *sh, struct lvmsg *m);
/* Queue a job for the worker (any thread). */
void lvshared_push(struct lvshared *sh, struct lvjob *j);
/* Free a job not done (a screen's asker is told). */
void lvjob_drop(struct lvshared *sh, struct lvjob *j);
void lvshared_unref(struct lvshared *sh);
/* The worker thread's body (arg: the shared state, one reference). */
void *lvhost_worker(void *arg);
/* libvirt's lifecycle event, on the loop thread (core/lvhost.c): the
 * domain's new state (enum lvdom_state), LVHOST_EV_SAME (defined: known,
 * state unchanged) or LVHOST_EV_UNDEFINED (gone). */
#define LVHOST_EV_SAME (-1)
#define LVHOST_EV_UNDEFINED (-2)
void lvhost_on_lifecycle(struct lvshared *sh, const char *dom, int state);
void lvdoms_free(struct lvdom *d, size_t n);
/* core/lvso.h's, for core/lvhost.c, which calls no libvirt function itself
 * (lvso.h would pull in libvirt's headers and their names). */
int lvso_load(char **err);

#endif
