/* vnc: libvncclient kept off the loop. libvncclient's API blocks (name
 * lookup, connect, a handshake that reads with a timeout, messages read
 * whole), so each connection attempt runs in a worker thread of its own —
 * a "link" — that does all of that and talks to the loop through two
 * eventfds: the loop only ever reads flags under a mutex and copies pixels
 * while the worker waits. Also a capped frame rate and a reconnect backoff. */
#include "core/vnc.h"
#include "core/util.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <rfb/rfbclient.h>

#define MAX_RECTS 16          /* more pending rectangles collapse into their union */
#define READ_TIMEOUT_S 3      /* inside a message, in the worker: then the link is dropped */

/* How far a worker got, for the reason when the loop gives up on it. */
enum stage { ST_LOOKUP, ST_CONNECT, ST_GREETING, ST_HANDSHAKE };
static const char *const stage_names[] = {
	[ST_LOOKUP] = "looking up the host name", [ST_CONNECT] = "connecting",
	[ST_GREETING] = "waiting for the server to greet", [ST_HANDSHAKE] = "in the VNC handshake",
};

/* One connection attempt and, once connected, its session. Shared by the
 * vnc (the loop's side) and its worker; freed by whichever lets go last.
 * The worker alone touches the rfbClient and lfb; the loop reads lfb only
 * while the worker waits for "go" after publishing a frame. */
struct link {
	pthread_mutex_t mu;
	int refs;                  /* the vnc's and the worker's */
	int note;                  /* eventfd, worker -> loop: look at the flags */
	int ctl;                   /* eventfd, loop -> worker: look at the flags */
	/* Set before the worker starts, then read-only. */
	char *target, *unix_path, *host, *password;
	int port;
	/* Under mu. */
	int sock;                  /* the connected socket (the client has a dup); -1 */
	bool cancel;               /* loop: give up (freed, timed out, reconnecting) */
	bool go;                   /* loop: frame taken, read on */
	bool connected;            /* worker: handshake done; conn_w/h set */
	bool frame;                /* worker: a complete update is in lfb; waiting for go */
	bool done;                 /* worker: finished; reason says why */
	enum stage stage;          /* worker: until connected */
	char *reason;
	int conn_w, conn_h;
	uint64_t updates;
	/* Worker-only, except while frame (the loop copies them then). */
	uint8_t *lfb;
	int lfbw, lfbh;
	bool resized;              /* lfb was (re)allocated since the last frame */
	bool finished;             /* FinishedFrameBufferUpdate seen */
	struct vnc_rect rects[MAX_RECTS];
	size_t nrects;
};

enum phase { PH_IDLE, PH_CONNECT, PH_RUNNING, PH_PAUSED };

struct vnc {
	struct loop *loop;
	struct vnc_config cfg;     /* strings owned */
	struct vnc_callbacks cb;
	void *arg;
	char *unix_path, *host;
	int port;

	enum vnc_state state;
	enum phase phase;
	char *reason;
	struct link *link;         /* the current attempt; its note fd is in the loop */
	unsigned gen;              /* counts links: a callback may have replaced it */
	bool looked_up;            /* the link is past its name lookup */
	uint8_t *fb;               /* the loop's copy of the screen */
	int fbw, fbh;

	struct loop_timer *retry, *timeout, *pace;
	unsigned backoff_ms;

	struct vnc_rect rects[MAX_RECTS];
	size_t nrects;
	bool pending, full;        /* changes not yet handed on; next push is full */
	uint64_t last_push_us;

	struct thumb *thumb;
	uint64_t updates, frames;
	unsigned connections;
};

static int client_tag; /* its address tags our link in rfbClientData */
static atomic_uint workers; /* worker threads alive */

/* --- libvncclient's log ------------------------------------------------- */

static FILE *log_fp;
/* Per thread: each worker reads back the reason for its own failure. */
static _Thread_local char last_log[256];

static void log_line(const char *fmt, va_list ap)
{
	char line[sizeof(last_log)];
	vsnprintf(line, sizeof(line), fmt, ap);
	size_t n = strlen(line);
	while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		line[--n] = 0;
	if (n)
		memcpy(last_log, line, n + 1);
	if (log_fp)
		fprintf(log_fp, "libvncclient: %s\n", line);
}

static void log_cb(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	log_line(fmt, ap);
	va_end(ap);
}

void vnc_set_log(FILE *fp) { log_fp = fp; }

static void redirect_log_once(void)
{
	rfbClientLog = log_cb;
	rfbClientErr = log_cb;
	/* libvncclient write()s to the socket: a server that just went away
	 * must be an error return, not a SIGPIPE that kills the program. */
	struct sigaction sa;
	if (sigaction(SIGPIPE, NULL, &sa) == 0 && sa.sa_handler == SIG_DFL)
		signal(SIGPIPE, SIG_IGN);
}

static void redirect_log(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	pthread_once(&once, redirect_log_once);
}

unsigned vnc_workers(void) { return atomic_load(&workers); }
/* --- helpers ------------------------------------------------------------ */

static const char *const state_names[] = {
	[VNC_CONNECTING] = "connecting", [VNC_CONNECTED] = "connected", [VNC_GONE] = "gone",
};

const char *vnc_state_name(enum vnc_state s)
{
	return (unsigned)s < ARRAY_LEN(state_names) ? state_names[s] : "?";
}

static void set_state(struct vnc *v, enum vnc_state s, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void set_state(struct vnc *v, enum vnc_state s, const char *fmt, ...)
{
	char *r;
	va_list ap;
	va_start(ap, fmt);
	r = xvasprintf(fmt, ap);
	va_end(ap);
	bool same = v->state == s && v->reason && !strcmp(v->reason, r);
	free(v->reason);
	v->reason = r;
	v->state = s;
	if (!same && v->cb.state)
		v->cb.state(v, v->arg);
}

/* Add a rectangle to a list of at most MAX_RECTS; more collapse into one
 * bounding box. */
static void rects_add(struct vnc_rect *rects, size_t *n, int x, int y, int w, int h)
{
	if (w <= 0 || h <= 0)
		return;
	if (*n < MAX_RECTS) {
		rects[(*n)++] = (struct vnc_rect){ x, y, w, h };
		return;
	}
	struct vnc_rect u = rects[0];
	for (size_t i = 1; i <= *n; i++) {
		struct vnc_rect r = i < *n ? rects[i] : (struct vnc_rect){ x, y, w, h };
		int x1 = u.x + u.w > r.x + r.w ? u.x + u.w : r.x + r.w;
		int y1 = u.y + u.h > r.y + r.h ? u.y + u.h : r.y + r.h;
		u.x = u.x < r.x ? u.x : r.x;
		u.y = u.y < r.y ? u.y : r.y;
		u.w = x1 - u.x;
		u.h = y1 - u.y;
	}
	rects[0] = u;
	*n = 1;
}

/* --- the link: shared state ---------------------------------------------- */

static void link_unref(struct link *l)
{
	pthread_mutex_lock(&l->mu);
	bool last = --l->refs == 0;
	pthread_mutex_unlock(&l->mu);
	if (!last)
		return;
	pthread_mutex_destroy(&l->mu);
	if (l->sock >= 0)
		close(l->sock);
	close(l->note);
	close(l->ctl);
	free(l->target);
	free(l->unix_path);
	free(l->host);
	free(l->password);
	free(l->reason);
	free(l->lfb);
	free(l);
}

static void poke(int efd)
{
	uint64_t one = 1;
	ssize_t r = write(efd, &one, sizeof(one));
	(void)r; /* a full counter still wakes the reader */
}

static void drain(int efd)
{
	uint64_t n;
	ssize_t r = read(efd, &n, sizeof(n));
	(void)r;
}

/* The loop lets go: the worker stops at its next step. A worker blocked
 * inside libvncclient (a handshake read) is woken by the shutdown; one in
 * getaddrinfo finishes that first, then sees cancel (it holds its own
 * reference, so nothing is freed under it). */
static void link_cancel(struct link *l)
{
	pthread_mutex_lock(&l->mu);
	l->cancel = true;
	if (l->sock >= 0)
		shutdown(l->sock, SHUT_RDWR);
	pthread_mutex_unlock(&l->mu);
	poke(l->ctl);
}

/* --- the link: the worker thread ---------------------------------------- */

static bool cancelled(struct link *l)
{
	pthread_mutex_lock(&l->mu);
	bool c = l->cancel;
	pthread_mutex_unlock(&l->mu);
	return c;
}

/* Wait until fd has events (true) or the loop pokes ctl with cancel set
 * (false). No timeout: the loop's connect timer cancels a silent peer. */
static bool wait_fd(struct link *l, int fd, short events)
{
	for (;;) {
		struct pollfd p[2] = { { .fd = fd, .events = events }, { .fd = l->ctl, .events = POLLIN } };
		if (poll(p, 2, -1) < 0 && errno != EINTR)
			return false;
		if (p[1].revents) {
			drain(l->ctl);
			if (cancelled(l))
				return false;
		}
		if (p[0].revents)
			return true;
	}
}

static void set_stage(struct link *l, enum stage st)
{
	pthread_mutex_lock(&l->mu);
	l->stage = st;
	pthread_mutex_unlock(&l->mu);
}

static void set_sock(struct link *l, int fd)
{
	pthread_mutex_lock(&l->mu);
	int old = l->sock;
	l->sock = fd;
	pthread_mutex_unlock(&l->mu);
	if (old >= 0)
		close(old);
}

/* Connect one address, non-blocking, cancellable. 0, or -1 with errno. */
static int connect_one(struct link *l, int family, const struct sockaddr *sa, socklen_t len)
{
	int fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	set_sock(l, fd); /* from here on, a cancel shuts it down */
	set_stage(l, ST_CONNECT);
	if (connect(fd, sa, len) == 0)
		return 0;
	if (errno != EINPROGRESS && errno != EAGAIN)
		return -1;
	if (!wait_fd(l, fd, POLLOUT)) {
		errno = ECANCELED;
		return -1;
	}
	int e = 0;
	socklen_t elen = sizeof(e);
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &elen) < 0)
		e = errno;
	errno = e;
	return e ? -1 : 0;
}

static int link_connect(struct link *l, char **why)
{
	if (l->unix_path) {
		struct sockaddr_un sa = { .sun_family = AF_UNIX };
		snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", l->unix_path);
		if (connect_one(l, AF_UNIX, (struct sockaddr *)&sa, sizeof(sa)) < 0)
			return error_set(why, "connect %s: %s", l->target, strerror(errno));
		return 0;
	}
	char port[16];
	snprintf(port, sizeof(port), "%d", l->port);
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM }, *ai = NULL;
	int g = getaddrinfo(l->host, port, &hints, &ai); /* may take seconds: that is why we are here */
	if (g)
		return error_set(why, "%s: %s", l->host, g == EAI_SYSTEM ? strerror(errno) : gai_strerror(g));
	set_stage(l, ST_CONNECT);
	poke(l->note); /* the connect timeout starts now */
	int e = ECONNREFUSED;
	/* Every address in turn: "localhost" may be ::1 first and QEMU on 127.0.0.1 only. */
	for (struct addrinfo *a = ai; a; a = a->ai_next) {
		if (cancelled(l)) {
			e = ECANCELED;
			break;
		}
		if (connect_one(l, a->ai_family, a->ai_addr, a->ai_addrlen) == 0) {
			freeaddrinfo(ai);
			return 0;
		}
		e = errno;
	}
	freeaddrinfo(ai);
	return error_set(why, "connect %s: %s", l->target, strerror(e));
}

static rfbBool malloc_fb(rfbClient *c)
{
	struct link *l = rfbClientGetClientData(c, &client_tag);
	if (c->width <= 0 || c->height <= 0 || c->width > VNC_MAX_FB_SIDE || c->height > VNC_MAX_FB_SIDE) {
		/* libvncclient drops the connection; this is the reason shown. */
		snprintf(last_log, sizeof(last_log), "the server's screen is %dx%d, more than vmdeck takes (%dx%d at most)",
			 c->width, c->height, VNC_MAX_FB_SIDE, VNC_MAX_FB_SIDE);
		return FALSE;
	}
	uint8_t *fb = calloc((size_t)c->width * (size_t)c->height, 4);
	if (!fb) {
		snprintf(last_log, sizeof(last_log), "no memory for a %dx%d screen", c->width, c->height);
		return FALSE;
	}
	free(l->lfb);
	l->lfb = fb;
	l->lfbw = c->width;
	l->lfbh = c->height;
	l->resized = true;
	c->frameBuffer = fb;
	return TRUE;
}

static void got_update(rfbClient *c, int x, int y, int w, int h)
{
	struct link *l = rfbClientGetClientData(c, &client_tag);
	pthread_mutex_lock(&l->mu);
	l->updates++;
	pthread_mutex_unlock(&l->mu);
	rects_add(l->rects, &l->nrects, x, y, w, h);
}

static void finished_update(rfbClient *c)
{
	struct link *l = rfbClientGetClientData(c, &client_tag);
	l->finished = true;
}

static char *get_password(rfbClient *c)
{
	struct link *l = rfbClientGetClientData(c, &client_tag);
	/* libvncclient frees it. */
	return strdup(l->password ? l->password : "");
}

/* libvncclient 0.9.14 always advertises ExtendedDesktopSize, and then
 * ignores QEMU's resize because QEMU numbers its only screen 0 ("invalid
 * screen"): the next update has rectangles of the new size and the library
 * drops the connection ("Rect too large"). So, after the handshake, say
 * again which encodings we take, without ExtendedDesktopSize: QEMU then
 * uses plain DesktopResize, which the library follows. The list holds only
 * encodings libvncclient decodes; zlib-based ones first for TCP links. */
static const uint32_t encodings[] = {
	rfbEncodingZRLE, rfbEncodingZlib, rfbEncodingHextile, rfbEncodingCopyRect, rfbEncodingRaw,
	rfbEncodingCompressLevel0 + 6, rfbEncodingNewFBSize, rfbEncodingLastRect,
};

static bool send_encodings(rfbClient *client)
{
	/* (the byte-order macros want a variable named client) */
	char msg[sz_rfbSetEncodingsMsg + sizeof(encodings)];
	rfbSetEncodingsMsg se = { .type = rfbSetEncodings, .nEncodings = rfbClientSwap16IfLE(ARRAY_LEN(encodings)) };
	memcpy(msg, &se, sz_rfbSetEncodingsMsg);
	for (size_t i = 0; i < ARRAY_LEN(encodings); i++) {
		uint32_t e = rfbClientSwap32IfLE(encodings[i]);
		memcpy(msg + sz_rfbSetEncodingsMsg + i * 4, &e, 4);
	}
	return WriteToRFBServer(client, msg, sizeof(msg));
}

/* The server spoke: libvncclient does the handshake on (a dup of) our
 * socket — listenSpecified: "already connected". It blocks; a cancel shuts
 * the socket down under it. NULL with *why on failure. */
static rfbClient *link_handshake(struct link *l, char **why)
{
	rfbClient *c = rfbGetClient(8, 3, 4);
	if (!c) {
		error_set(why, "%s: out of memory", l->target);
		return NULL;
	}
	rfbClientSetClientData(c, &client_tag, l);
	pthread_mutex_lock(&l->mu);
	c->sock = fcntl(l->sock, F_DUPFD_CLOEXEC, 0);
	pthread_mutex_unlock(&l->mu);
	if (c->sock < 0) {
		error_set(why, "%s: %s", l->target, strerror(errno));
		c->sock = RFB_INVALID_SOCKET;
		rfbClientCleanup(c);
		return NULL;
	}
	/* libvncclient waits with select(): a descriptor at or past FD_SETSIZE
	 * would overrun its fd_set. vmdeck raises its open-files limit (many
	 * VMs), so say so instead. F_DUPFD took the lowest free one. */
	if (c->sock >= FD_SETSIZE) {
		error_set(why, "%s: too many open files for the VNC client (descriptor %d; libvncclient's select() stops at %d)",
			  l->target, (int)c->sock, FD_SETSIZE);
		close(c->sock);
		c->sock = RFB_INVALID_SOCKET;
		rfbClientCleanup(c);
		return NULL;
	}
	c->listenSpecified = TRUE;
	free(c->serverHost);
	c->serverHost = strdup(l->target);
	c->programName = "vmdeck";
	c->readTimeout = READ_TIMEOUT_S;
	c->canHandleNewFBSize = TRUE;
	c->MallocFrameBuffer = malloc_fb;
	c->GotFrameBufferUpdate = got_update;
	c->FinishedFrameBufferUpdate = finished_update;
	c->GetPassword = get_password;
	last_log[0] = 0;
	set_stage(l, ST_HANDSHAKE);
	if (!rfbInitClient(c, NULL, NULL)) {
		/* rfbInitClient freed the client and closed its socket. */
		error_set(why, "%s: VNC handshake failed%s%s", l->target, last_log[0] ? ": " : "", last_log);
		return NULL;
	}
	if (!send_encodings(c)) {
		error_set(why, "%s: %s", l->target, last_log[0] ? last_log : "write failed");
		rfbClientCleanup(c);
		return NULL;
	}
	return c;
}

/* Hand a complete update to the loop and wait until it took it. False:
 * cancelled. */
static bool publish_frame(struct link *l)
{
	pthread_mutex_lock(&l->mu);
	l->frame = true;
	l->go = false;
	pthread_mutex_unlock(&l->mu);
	poke(l->note);
	for (;;) {
		pthread_mutex_lock(&l->mu);
		bool go = l->go, cancel = l->cancel;
		pthread_mutex_unlock(&l->mu);
		if (cancel)
			return false;
		if (go)
			return true;
		struct pollfd p = { .fd = l->ctl, .events = POLLIN };
		if (poll(&p, 1, -1) > 0)
			drain(l->ctl);
	}
}

/* Read messages until the server goes or the loop cancels. Not reading while
 * the loop holds a frame is what paces the server (RFB sends an update only
 * when asked; libvncclient asks again after each one). */
static void link_run(struct link *l, rfbClient *c, char **why)
{
	for (;;) {
		if (c->buffered == 0 && !wait_fd(l, c->sock, POLLIN))
			return;
		last_log[0] = 0;
		if (!HandleRFBServerMessage(c)) {
			if (!cancelled(l))
				error_set(why, "%s", last_log[0] ? last_log : "VNC server closed the connection");
			return;
		}
		if (l->finished) {
			l->finished = false;
			if (!publish_frame(l))
				return;
		}
	}
}

static void *link_main(void *arg)
{
	struct link *l = arg;
	char *why = NULL;
	rfbClient *c = NULL;
	if (link_connect(l, &why) == 0) {
		/* Wait for the greeting here, not in libvncclient's timed read:
		 * a server that accepts and never speaks (a hung QEMU) is the
		 * loop's connect timeout's to judge. */
		pthread_mutex_lock(&l->mu);
		int fd = l->sock;
		pthread_mutex_unlock(&l->mu);
		char byte;
		set_stage(l, ST_GREETING);
		if (wait_fd(l, fd, POLLIN) && !cancelled(l)) {
			if (recv(fd, &byte, 1, MSG_PEEK) == 0)
				error_set(&why, "%s: the server closed the connection before greeting", l->target);
			else
				c = link_handshake(l, &why);
		}
	}
	if (c) {
		pthread_mutex_lock(&l->mu);
		l->connected = true;
		l->conn_w = l->lfbw;
		l->conn_h = l->lfbh;
		pthread_mutex_unlock(&l->mu);
		poke(l->note);
		link_run(l, c, &why);
		rfbClientCleanup(c);
	}
	pthread_mutex_lock(&l->mu);
	l->done = true;
	l->reason = why ? why : xstrdup(l->cancel ? "cancelled" : "VNC server closed the connection");
	pthread_mutex_unlock(&l->mu);
	poke(l->note);
	link_unref(l);
	atomic_fetch_sub(&workers, 1);
	return NULL;
}

/* --- the loop's side ------------------------------------------------------ */

/* Close everything about the current connection attempt or session. */
static void teardown(struct vnc *v)
{
	if (v->link) {
		loop_fd_del(v->loop, v->link->note);
		link_cancel(v->link);
		link_unref(v->link);
		v->link = NULL;
	}
	loop_timer_del(v->loop, v->timeout);
	loop_timer_del(v->loop, v->pace);
	v->timeout = v->pace = NULL;
	free(v->fb);
	v->fb = NULL;
	v->fbw = v->fbh = 0;
	v->nrects = 0;
	v->pending = false;
	v->phase = PH_IDLE;
}

static void start_connect(struct vnc *v);

static void on_retry(struct loop_timer *t, void *arg)
{
	struct vnc *v = arg;
	(void)t;
	v->retry = NULL;
	start_connect(v);
}

/* The server is not there (any more): say why, retry later. */
static void gone(struct vnc *v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void gone(struct vnc *v, const char *fmt, ...)
{
	teardown(v);
	va_list ap;
	va_start(ap, fmt);
	char *r = xvasprintf(fmt, ap);
	va_end(ap);
	if (!v->cfg.once) {
		loop_timer_del(v->loop, v->retry);
		v->retry = loop_timer_add(v->loop, v->backoff_ms, false, on_retry, v);
		v->backoff_ms = v->backoff_ms * 2 > v->cfg.backoff_max_ms ? v->cfg.backoff_max_ms : v->backoff_ms * 2;
	}
	set_state(v, VNC_GONE, "%s", r);
	free(r);
}

int vnc_frame(const struct vnc *v, struct thumb_frame *out)
{
	if (v->state != VNC_CONNECTED || !v->fb)
		return -1;
	*out = (struct thumb_frame){ v->fb, v->fbw, v->fbh, (size_t)v->fbw * 4 };
	return 0;
}

/* Hand the pending changes on: thumbnail first, then the callback. */
static void push(struct vnc *v)
{
	struct thumb_frame f;
	if (!v->pending || vnc_frame(v, &f) < 0)
		return;
	if (v->full) {
		v->rects[0] = (struct vnc_rect){ 0, 0, v->fbw, v->fbh };
		v->nrects = 1;
	}
	if (v->thumb) {
		if (v->full)
			thumb_update_full(v->thumb, &f);
		else
			for (size_t i = 0; i < v->nrects; i++)
				thumb_update(v->thumb, &f, v->rects[i].x, v->rects[i].y, v->rects[i].w, v->rects[i].h);
	}
	v->frames++;
	v->last_push_us = now_mono_us();
	struct vnc_rect copy[MAX_RECTS];
	size_t n = v->nrects;
	memcpy(copy, v->rects, n * sizeof(*copy));
	v->nrects = 0;
	v->pending = false;
	v->full = false;
	if (v->cb.frame)
		v->cb.frame(v, copy, n, v->arg);
}

int vnc_fps_env(const char *value, unsigned *fps, char **err)
{
	unsigned long long n;
	*fps = VNC_DEFAULT_FPS;
	if (!value || !*value)
		return 0;
	if (parse_uint(value, 1, 60, &n) < 0)
		return error_set(err,
				 "VMDECK_THUMB_FPS='%s': use a whole number from 1 to 60 (the thumbnail's frames per "
				 "second; unset: %d)",
				 value, VNC_DEFAULT_FPS);
	*fps = (unsigned)n;
	return 0;
}

static uint64_t interval_us(const struct vnc *v) { return 1000000u / v->cfg.fps; }

/* Let the worker read on. */
static void release(struct vnc *v)
{
	struct link *l = v->link;
	v->phase = PH_RUNNING;
	pthread_mutex_lock(&l->mu);
	l->frame = false;
	l->go = true;
	pthread_mutex_unlock(&l->mu);
	poke(l->ctl);
}

static void on_pace(struct loop_timer *t, void *arg)
{
	struct vnc *v = arg;
	(void)t;
	v->pace = NULL;
	if (v->phase != PH_PAUSED)
		return;
	unsigned gen = v->gen;
	push(v);
	if (v->gen == gen && v->phase == PH_PAUSED) /* a frame callback may have reconnected */
		release(v);
}

/* The worker waits with a complete update in its framebuffer: copy what
 * changed into ours (its buffer is ours to read until release), then hand
 * it on now or at the next frame slot; the worker reads on after that. */
static void take_frame(struct vnc *v)
{
	struct link *l = v->link;
	if (l->resized || l->lfbw != v->fbw || l->lfbh != v->fbh) {
		size_t sz = (size_t)l->lfbw * (size_t)l->lfbh * 4;
		/* The first frame of a connection has the size connected() gave
		 * our copy: copied into it, no new buffer; only a new size
		 * takes one. */
		if (!v->fb || l->lfbw != v->fbw || l->lfbh != v->fbh) {
			free(v->fb);
			v->fb = xmalloc(sz);
		}
		memcpy(v->fb, l->lfb, sz);
		v->fbw = l->lfbw;
		v->fbh = l->lfbh;
		v->full = true;
	} else {
		for (size_t i = 0; i < l->nrects; i++) {
			struct vnc_rect r = l->rects[i];
			/* The library checked them against the screen; clip anyway. */
			if (r.x < 0 || r.y < 0 || r.x >= v->fbw || r.y >= v->fbh)
				continue;
			if (r.w > v->fbw - r.x)
				r.w = v->fbw - r.x;
			if (r.h > v->fbh - r.y)
				r.h = v->fbh - r.y;
			for (int y = r.y; y < r.y + r.h; y++) {
				size_t off = ((size_t)y * (size_t)v->fbw + (size_t)r.x) * 4;
				memcpy(v->fb + off, l->lfb + off, (size_t)r.w * 4);
			}
			rects_add(v->rects, &v->nrects, r.x, r.y, r.w, r.h);
		}
	}
	l->resized = false;
	l->nrects = 0;
	v->pending = true;
	uint64_t now = now_mono_us(), due = v->last_push_us + interval_us(v);
	if ((int64_t)(due - now) <= 0) {
		unsigned gen = v->gen;
		push(v);
		if (v->gen == gen)
			release(v);
		return;
	}
	v->phase = PH_PAUSED;
	loop_timer_del(v->loop, v->pace);
	v->pace = loop_timer_add(v->loop, (due - now + 999) / 1000, false, on_pace, v);
}

static void connected(struct vnc *v, int w, int h)
{
	loop_timer_del(v->loop, v->timeout);
	v->timeout = NULL;
	free(v->fb);
	v->fb = xcalloc((size_t)w * (size_t)h, 4);
	v->fbw = w;
	v->fbh = h;
	v->connections++;
	v->backoff_ms = v->cfg.backoff_min_ms;
	v->full = true;
	v->pending = true;
	v->last_push_us = 0;
	v->phase = PH_RUNNING;
	set_state(v, VNC_CONNECTED, "%dx%d", w, h);
}

/* The worker has news: connected, a frame, finished — in that order, each
 * seen once. Callbacks may tear the link down: check after each. */
static void on_note(int fd, short revents, void *arg)
{
	struct vnc *v = arg;
	struct link *l = v->link;
	unsigned gen = v->gen;
	(void)revents;
	drain(fd);
	pthread_mutex_lock(&l->mu);
	bool looked_up = !v->looked_up && l->stage != ST_LOOKUP;
	bool conn = l->connected && v->phase == PH_CONNECT;
	bool frame = l->frame && (conn || v->phase == PH_RUNNING);
	bool done = l->done;
	int w = l->conn_w, h = l->conn_h;
	char *reason = done ? xstrdup(l->reason) : NULL;
	v->updates += l->updates;
	l->updates = 0;
	pthread_mutex_unlock(&l->mu);
	if (looked_up) {
		v->looked_up = true;
		loop_timer_reset(v->loop, v->timeout, v->cfg.connect_timeout_ms);
	}
	if (conn)
		connected(v, w, h);
	if (frame && v->gen == gen && v->phase == PH_RUNNING)
		take_frame(v);
	if (done && v->gen == gen)
		gone(v, "%s", reason);
	free(reason);
}

static void on_timeout(struct loop_timer *t, void *arg)
{
	struct vnc *v = arg;
	(void)t;
	v->timeout = NULL;
	pthread_mutex_lock(&v->link->mu);
	enum stage st = v->link->stage;
	pthread_mutex_unlock(&v->link->mu);
	if (st == ST_LOOKUP) {
		/* The resolver has its own timeouts and says so (EAI_AGAIN):
		 * wait for that, rather than start another lookup beside this
		 * one, which cannot be interrupted. */
		v->timeout = loop_timer_add(v->loop, v->cfg.connect_timeout_ms, false, on_timeout, v);
		return;
	}
	gone(v, "%s: no answer within %u ms (%s)", v->cfg.target, v->cfg.connect_timeout_ms, stage_names[st]);
}

static struct link *link_new(const struct vnc *v)
{
	struct link *l = xcalloc(1, sizeof(*l));
	pthread_mutex_init(&l->mu, NULL);
	l->refs = 2;
	l->sock = -1;
	l->note = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	l->ctl = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	l->target = xstrdup(v->cfg.target);
	l->unix_path = v->unix_path ? xstrdup(v->unix_path) : NULL;
	l->host = v->host ? xstrdup(v->host) : NULL;
	l->password = v->cfg.password ? xstrdup(v->cfg.password) : NULL;
	l->port = v->port;
	l->stage = v->unix_path ? ST_CONNECT : ST_LOOKUP;
	return l;
}

static void start_connect(struct vnc *v)
{
	teardown(v);
	if (v->unix_path && !path_exists(v->unix_path)) {
		gone(v, "no VNC socket at %s (is the VM running?)", v->unix_path);
		return;
	}
	struct link *l = link_new(v);
	if (l->note < 0 || l->ctl < 0) {
		int e = errno;
		l->refs = 1;
		link_unref(l);
		gone(v, "%s: eventfd: %s", v->cfg.target, strerror(e));
		return;
	}
	/* The worker takes no signals: the loop's signalfd gets them all. */
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	pthread_attr_t attr;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_t th;
	atomic_fetch_add(&workers, 1);
	int e = pthread_create(&th, &attr, link_main, l);
	pthread_attr_destroy(&attr);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (e) {
		atomic_fetch_sub(&workers, 1);
		l->refs = 1;
		link_unref(l);
		gone(v, "%s: cannot start a thread: %s", v->cfg.target, strerror(e));
		return;
	}
	v->link = l;
	v->gen++;
	v->looked_up = v->unix_path != NULL;
	v->phase = PH_CONNECT;
	loop_fd_add(v->loop, l->note, POLLIN, on_note, v);
	v->timeout = loop_timer_add(v->loop, v->cfg.connect_timeout_ms, false, on_timeout, v);
	set_state(v, VNC_CONNECTING, "%s", v->cfg.target);
}

/* --- lifetime ----------------------------------------------------------- */

struct vnc *vnc_new(struct loop *l, const struct vnc_config *cfg, const struct vnc_callbacks *cb, void *arg,
		    char **err)
{
	char *unix_path, *host;
	int port;
	if (vnc_target_parse(cfg->target, &unix_path, &host, &port, err) < 0)
		return NULL;
	redirect_log();
	struct vnc *v = xcalloc(1, sizeof(*v));
	v->loop = l;
	v->cfg = *cfg;
	v->cfg.target = xstrdup(cfg->target);
	v->cfg.password = cfg->password ? xstrdup(cfg->password) : NULL;
	if (!v->cfg.backoff_min_ms)
		v->cfg.backoff_min_ms = 250;
	if (!v->cfg.backoff_max_ms)
		v->cfg.backoff_max_ms = 2000;
	if (v->cfg.backoff_max_ms < v->cfg.backoff_min_ms)
		v->cfg.backoff_max_ms = v->cfg.backoff_min_ms;
	if (!v->cfg.connect_timeout_ms)
		v->cfg.connect_timeout_ms = 5000;
	if (!v->cfg.fps) /* a bad value: VNC_DEFAULT_FPS (the callers that show errors checked it) */
		vnc_fps_env(getenv("VMDECK_THUMB_FPS"), &v->cfg.fps, NULL);
	if (cb)
		v->cb = *cb;
	v->arg = arg;
	v->unix_path = unix_path;
	v->host = host;
	v->port = port;
	v->state = VNC_CONNECTING;
	v->reason = xstrdup("");
	v->backoff_ms = v->cfg.backoff_min_ms;
	start_connect(v);
	return v;
}

void vnc_free(struct vnc *v)
{
	if (!v)
		return;
	teardown(v);
	loop_timer_del(v->loop, v->retry);
	free((char *)v->cfg.target);
	free((char *)v->cfg.password);
	free(v->unix_path);
	free(v->host);
	free(v->reason);
	free(v);
}

enum vnc_state vnc_state(const struct vnc *v) { return v->state; }
const char *vnc_reason(const struct vnc *v) { return v->reason; }
uint64_t vnc_updates(const struct vnc *v) { return v->updates; }
uint64_t vnc_frames(const struct vnc *v) { return v->frames; }
unsigned vnc_connections(const struct vnc *v) { return v->connections; }

void vnc_set_thumb(struct vnc *v, struct thumb *t)
{
	v->thumb = t;
	struct thumb_frame f;
	if (t && vnc_frame(v, &f) == 0)
		thumb_update_full(t, &f);
}
