/* lvhost: one libvirt connection ("a host": qemu:///system,
 * qemu+ssh://user@lab2/system) seen from the one loop — its domains with
 * their states, kept from libvirt's lifecycle events (not polled), and the
 * actions on them (start, graceful and forced stop, pause, resume, reset).
 *
 * Every libvirt call that can wait on the network runs on the host's own
 * worker thread (core/lvhost_worker.c); its results come back through an
 * eventfd in the loop. libvirt's event loop is the loop itself
 * (core/lvevent.c), so lifecycle events and the loss of the connection
 * arrive there too. A host that cannot be reached or drops shows as
 * unreachable with libvirt's words, keeps its domains' last known states
 * (stale) and retries by itself after 1, 2, 4 … at most 30 s. libvirt is
 * dlopen()ed by the first worker (core/lvso.c): nothing else pays for it.
 * Credentials are libvirt's and ssh's (keys, agent): nothing prompts, ssh
 * URIs get no_tty=1. */
#ifndef VMDECK_LVHOST_H
#define VMDECK_LVHOST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct loop;
struct lvgfx;
struct lvhost;

/* libvirt's virDomainState values. */
enum lvdom_state {
	LVDOM_NOSTATE, LVDOM_RUNNING, LVDOM_BLOCKED, LVDOM_PAUSED, LVDOM_SHUTDOWN, LVDOM_SHUTOFF, LVDOM_CRASHED,
	LVDOM_PMSUSPENDED, LVDOM__N
};
/* "running", "paused", "shut off", … */
const char *lvdom_state_name(int state);

struct lvdom {
	char *name;
	int state;              /* enum lvdom_state */
	int64_t started_wall_s; /* seen starting at (0: unknown, or not running) */
	unsigned stop_timeout_s; /* graceful stop's wait: the export's vmdeck metadata, else 60 */
	struct monitor *mon;    /* the monitor pane's scrollback and history (core/monitor.h); kept
				 * across reconnects, NULL until the first command */
	unsigned mon_busy;      /* monitor commands in flight */
};

enum lvhost_conn { LVHOST_CONNECTING, LVHOST_UP, LVHOST_UNREACHABLE };

enum lvhost_action { LVHOST_START, LVHOST_STOP, LVHOST_FORCE_STOP, LVHOST_PAUSE, LVHOST_RESUME, LVHOST_RESET };

typedef void (*lvhost_change_cb)(struct lvhost *h, void *arg);
typedef void (*lvhost_log_cb)(struct lvhost *h, const char *line, void *arg);
/* rc 0 done, < 0 failed with err ("lab2/web: …"). */
typedef void (*lvhost_done_cb)(struct lvhost *h, const char *dom, int rc, const char *err, void *arg);

/* Starts connecting at once (off the loop). name: what the host is called
 * on screen and in HOST/NAME (lvhost_uri_name when NULL). Never NULL: a
 * failure to even begin shows as unreachable. */
struct lvhost *lvhost_new(struct loop *l, const char *uri, const char *name);
/* Leaves the worker to close the connection by itself (a dead host may hold
 * it for a while); callbacks stop at once. NULL is a no-op. */
void lvhost_free(struct lvhost *h);

const char *lvhost_name(const struct lvhost *h);
const char *lvhost_uri(const struct lvhost *h);
enum lvhost_conn lvhost_conn(const struct lvhost *h);
/* LVHOST_UNREACHABLE: libvirt's error ("connection lost: end of file",
 * "Failed to connect socket to …"); else NULL. */
const char *lvhost_error(const struct lvhost *h);
/* The domains are the last known ones, not live (unreachable now). */
bool lvhost_stale(const struct lvhost *h);
/* The first connect attempt has ended (up or unreachable). */
bool lvhost_settled(const struct lvhost *h);

size_t lvhost_count(const struct lvhost *h);
const struct lvdom *lvhost_at(const struct lvhost *h, size_t i); /* sorted by name */
const struct lvdom *lvhost_find(const struct lvhost *h, const char *name);
/* An HMP command to a running domain's QEMU through libvirt
 * (virDomainQemuMonitorCommand with the HMP flag, libvirt-qemu dlopen()ed),
 * echoed "(qemu) LINE" into the domain's monitor scrollback with its reply
 * (or "error: …"); done gets the reply. -1 with *err when it cannot begin. */
typedef void (*lvhost_monitor_cb)(struct lvhost *h, const char *dom, const char *out, const char *err, void *arg);
int lvhost_monitor(struct lvhost *h, const char *dom, const char *line, lvhost_monitor_cb done, void *arg,
		   char **err);

/* A domain's screen for core/vnc (vnc_config's open_fd, fd_ref, fd_unref,
 * fd_arg): each connection attempt takes the host's connection of the
 * moment and opens the domain's first graphics device with
 * virDomainOpenGraphicsFD (libvirt passes the socket over its own
 * connection: a local UNIX-socket URI only — over ssh or TCP the descriptor
 * cannot cross, and NULL says so), on the VNC worker's thread. Counted
 * (any thread). */
struct lvgfx *lvhost_gfx_new(struct lvhost *h, const char *dom, char **err);
int lvhost_gfx_fd(void *gfx, char **why);
void lvhost_gfx_ref(void *gfx);
void lvhost_gfx_unref(void *gfx);

/* Actions in flight (for the CLI's wait). */
size_t lvhost_pending(const struct lvhost *h);

void lvhost_set_on_change(struct lvhost *h, lvhost_change_cb cb, void *arg);
/* Progress lines ("lab2/web: shutdown sent, waiting up to 60 s …"). */
void lvhost_set_on_log(struct lvhost *h, lvhost_log_cb cb, void *arg);

/* Queue an action on a domain; done is called from the loop when it ends
 * (a graceful stop: when the domain is off, after a destroy if the guest
 * did not shut down within its stop timeout). -ERR_NOTFOUND for an unknown
 * domain, -1 when the host is not connected, with *err. */
int lvhost_act(struct lvhost *h, const char *dom, enum lvhost_action a, lvhost_done_cb done, void *arg,
	       char **err);

/* The host part of a URI ("lab2" of qemu+ssh://me@lab2:22/system), or
 * "local" when it has none (qemu:///system, a socket URI). Caller frees. */
char *lvhost_uri_name(const char *uri);
/* The URI libvirt is given: ssh transports get no_tty=1 (never a password
 * prompt on vmdeck's terminal). Caller frees. */
char *lvhost_uri_effective(const char *uri);

#endif
