/* lvevent: libvirt's event callbacks over a mutex-protected table mirrored
 * into core/loop.c (see the header). */
#include "core/lvso.h"

#include "core/lvevent.h"
#include "core/loop.h"
#include "core/util.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#define IDLE_MS 3600000 /* the loop timer's period when no timeout is armed */

struct watch {
	int id, fd, events; /* libvirt's VIR_EVENT_HANDLE_* */
	virEventHandleCallback cb;
	void *opaque;
	virFreeCallback ff;
	bool deleted;
	short in_loop; /* the poll events registered with the loop, 0: none */
};

struct timeout {
	int id, freq; /* ms; -1 off, 0 every pass */
	uint64_t due_us;
	virEventTimeoutCallback cb;
	void *opaque;
	virFreeCallback ff;
	bool deleted;
};

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static struct watch *watches;
static size_t n_watches, cap_watches;
static struct timeout *timeouts;
static size_t n_timeouts, cap_timeouts;
static int next_id = 1;
static struct loop *cur;
static unsigned attached;
static int wake_fd = -1;
static struct loop_timer *timer;

static void wake(void)
{
	uint64_t one = 1;
	if (wake_fd >= 0 && write(wake_fd, &one, sizeof one) < 0 && errno != EAGAIN)
		return;
}

static short to_poll(int ev)
{
	return (short)(((ev & VIR_EVENT_HANDLE_READABLE) ? POLLIN : 0) |
		       ((ev & VIR_EVENT_HANDLE_WRITABLE) ? POLLOUT : 0));
}

static int from_poll(short re)
{
	return ((re & POLLIN) ? VIR_EVENT_HANDLE_READABLE : 0) | ((re & POLLOUT) ? VIR_EVENT_HANDLE_WRITABLE : 0) |
	       ((re & (POLLERR | POLLNVAL)) ? VIR_EVENT_HANDLE_ERROR : 0) | ((re & POLLHUP) ? VIR_EVENT_HANDLE_HANGUP : 0);
}

/* ---- libvirt's side: any thread ------------------------------------------ */

static int add_handle(int fd, int events, virEventHandleCallback cb, void *opaque, virFreeCallback ff)
{
	pthread_mutex_lock(&mu);
	if (n_watches == cap_watches) {
		cap_watches = cap_watches ? cap_watches * 2 : 8;
		watches = xrealloc(watches, cap_watches * sizeof(*watches));
	}
	int id = next_id++;
	watches[n_watches++] = (struct watch){ .id = id, .fd = fd, .events = events, .cb = cb, .opaque = opaque, .ff = ff };
	wake();
	pthread_mutex_unlock(&mu);
	return id;
}

static struct watch *watch_find(int id)
{
	for (size_t i = 0; i < n_watches; i++)
		if (watches[i].id == id && !watches[i].deleted)
			return &watches[i];
	return NULL;
}

static void update_handle(int id, int events)
{
	pthread_mutex_lock(&mu);
	struct watch *w = watch_find(id);
	if (w && w->events != events) {
		w->events = events;
		wake();
	}
	pthread_mutex_unlock(&mu);
}

static int remove_handle(int id)
{
	pthread_mutex_lock(&mu);
	struct watch *w = watch_find(id);
	if (w) {
		w->deleted = true;
		wake();
	}
	pthread_mutex_unlock(&mu);
	return w ? 0 : -1;
}

static int add_timeout(int freq, virEventTimeoutCallback cb, void *opaque, virFreeCallback ff)
{
	pthread_mutex_lock(&mu);
	if (n_timeouts == cap_timeouts) {
		cap_timeouts = cap_timeouts ? cap_timeouts * 2 : 8;
		timeouts = xrealloc(timeouts, cap_timeouts * sizeof(*timeouts));
	}
	int id = next_id++;
	timeouts[n_timeouts++] = (struct timeout){ .id = id, .freq = freq, .due_us = now_mono_us() + (uint64_t)(freq > 0 ? freq : 0) * 1000,
						   .cb = cb, .opaque = opaque, .ff = ff };
	wake();
	pthread_mutex_unlock(&mu);
	return id;
}

static struct timeout *timeout_find(int id)
{
	for (size_t i = 0; i < n_timeouts; i++)
		if (timeouts[i].id == id && !timeouts[i].deleted)
			return &timeouts[i];
	return NULL;
}

static void update_timeout(int id, int freq)
{
	pthread_mutex_lock(&mu);
	struct timeout *t = timeout_find(id);
	if (t) {
		t->freq = freq;
		t->due_us = now_mono_us() + (uint64_t)(freq > 0 ? freq : 0) * 1000;
		wake();
	}
	pthread_mutex_unlock(&mu);
}

static int remove_timeout(int id)
{
	pthread_mutex_lock(&mu);
	struct timeout *t = timeout_find(id);
	if (t) {
		t->deleted = true;
		wake();
	}
	pthread_mutex_unlock(&mu);
	return t ? 0 : -1;
}

static void register_once(void)
{
	virEventRegisterImpl(add_handle, update_handle, remove_handle, add_timeout, update_timeout, remove_timeout);
}

void lvevent_register(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	pthread_once(&once, register_once);
}

/* ---- the loop's side ------------------------------------------------------ */

struct freeing {
	virFreeCallback ff;
	void *opaque;
};

static void on_fd(int fd, short revents, void *arg);
static void sync_loop(void);

/* Drop deleted entries (their free callbacks are returned to run unlocked). */
static size_t sweep(struct freeing *out, size_t cap)
{
	size_t n = 0, j = 0;
	for (size_t i = 0; i < n_watches; i++) {
		struct watch *w = &watches[i];
		if (!w->deleted) {
			watches[j++] = *w;
			continue;
		}
		if (w->in_loop && cur)
			loop_fd_del(cur, w->fd);
		if (w->ff && n < cap)
			out[n++] = (struct freeing){ w->ff, w->opaque };
	}
	n_watches = j;
	j = 0;
	for (size_t i = 0; i < n_timeouts; i++) {
		if (!timeouts[i].deleted)
			timeouts[j++] = timeouts[i];
		else if (timeouts[i].ff && n < cap)
			out[n++] = (struct freeing){ timeouts[i].ff, timeouts[i].opaque };
	}
	n_timeouts = j;
	return n;
}

/* Mirror the table into the loop: fds with the events libvirt wants now (a
 * watch wanting nothing leaves the poll set: a hung-up socket would wake it
 * forever), and the loop timer at the earliest armed timeout. */
static void sync_loop(void)
{
	struct freeing fr[64];
	pthread_mutex_lock(&mu);
	size_t nfr = sweep(fr, ARRAY_LEN(fr));
	for (size_t i = 0; cur && i < n_watches; i++) {
		struct watch *w = &watches[i];
		short want = to_poll(w->events);
		if (w->in_loop && !want)
			loop_fd_del(cur, w->fd);
		else if (!w->in_loop && want)
			loop_fd_add(cur, w->fd, want, on_fd, NULL);
		else if (w->in_loop != want)
			loop_fd_events(cur, w->fd, want);
		w->in_loop = want;
	}
	uint64_t now = now_mono_us(), ms = IDLE_MS;
	for (size_t i = 0; i < n_timeouts; i++) {
		if (timeouts[i].freq < 0)
			continue;
		uint64_t left = timeouts[i].due_us > now ? (timeouts[i].due_us - now + 999) / 1000 : 0;
		if (left < ms)
			ms = left;
	}
	if (cur && timer)
		loop_timer_reset(cur, timer, ms);
	pthread_mutex_unlock(&mu);
	for (size_t i = 0; i < nfr; i++)
		fr[i].ff(fr[i].opaque);
}

static void on_fd(int fd, short revents, void *arg)
{
	(void)arg;
	pthread_mutex_lock(&mu);
	struct watch w = { .id = 0 };
	for (size_t i = 0; i < n_watches; i++)
		if (watches[i].fd == fd && !watches[i].deleted && watches[i].in_loop) {
			w = watches[i];
			break;
		}
	pthread_mutex_unlock(&mu);
	if (w.id)
		w.cb(w.id, fd, from_poll(revents), w.opaque);
	sync_loop();
}

static void on_timer(struct loop_timer *t, void *arg)
{
	(void)t;
	(void)arg;
	struct timeout due[32];
	size_t n = 0;
	uint64_t now = now_mono_us();
	pthread_mutex_lock(&mu);
	for (size_t i = 0; i < n_timeouts && n < ARRAY_LEN(due); i++) {
		struct timeout *to = &timeouts[i];
		if (to->deleted || to->freq < 0 || to->due_us > now)
			continue;
		to->due_us = now + (uint64_t)to->freq * 1000;
		due[n++] = *to;
	}
	pthread_mutex_unlock(&mu);
	for (size_t i = 0; i < n; i++)
		due[i].cb(due[i].id, due[i].opaque);
	sync_loop();
}

static void on_wake(int fd, short revents, void *arg)
{
	(void)revents;
	(void)arg;
	uint64_t v;
	if (read(fd, &v, sizeof v) < 0 && errno != EAGAIN)
		return;
	sync_loop();
}

int lvevent_attach(struct loop *l, char **err)
{
	if (attached && cur == l) {
		attached++;
		return 0;
	}
	if (attached)
		return error_set(err, "libvirt's events already go to another loop");
	int fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (fd < 0)
		return error_set(err, "cannot make an eventfd for libvirt's events: %s", strerror(errno));
	attached = 1;
	pthread_mutex_lock(&mu);
	cur = l;
	wake_fd = fd;
	pthread_mutex_unlock(&mu);
	loop_fd_add(l, wake_fd, POLLIN, on_wake, NULL);
	timer = loop_timer_add(l, IDLE_MS, true, on_timer, NULL);
	sync_loop();
	return 0;
}

void lvevent_detach(struct loop *l)
{
	if (!attached || cur != l || --attached)
		return;
	pthread_mutex_lock(&mu);
	for (size_t i = 0; i < n_watches; i++) {
		if (watches[i].in_loop)
			loop_fd_del(l, watches[i].fd);
		watches[i].in_loop = 0;
	}
	loop_fd_del(l, wake_fd);
	close(wake_fd);
	wake_fd = -1;
	loop_timer_del(l, timer);
	timer = NULL;
	cur = NULL;
	pthread_mutex_unlock(&mu);
}
