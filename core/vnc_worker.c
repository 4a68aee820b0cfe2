/* vnc_worker: the off-loop half of the VNC client. libvncclient's API blocks
 * (name lookup, connect, a handshake that reads with a timeout, messages read
 * whole), so each connection attempt runs in a worker thread of its own — a
 * "link" — that does all of that and talks to the loop through two eventfds:
 * it posts flags under the link's mutex and pokes "note"; the loop pokes
 * "ctl" to cancel or to let it read on. Also libvncclient's log, and the
 * library itself: it is loaded by the first worker that needs it (below). */
#include "core/vnc_priv.h"
#include "core/util.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <rfb/rfbclient.h>

#define READ_TIMEOUT_S 3      /* inside a message, in the worker: then the link is dropped */

static int client_tag; /* its address tags our link in rfbClientData */
static atomic_uint workers; /* worker threads alive */

/* --- the library, loaded when a screen is first wanted -------------------- *
 * libvncclient brings GnuTLS, libgcrypt, nettle, p11-kit and more: linked in,
 * their relocations were two thirds of the start-up of every vmdeck command
 * (4.8 M of the 7.6 M instructions `vmdeck --version` ran), paid by `start`,
 * `status` and scripts that never look at a screen. So the first worker
 * dlopen()s it, off the loop, and takes what vmdeck calls. */

static struct {
	__typeof__(&rfbGetClient) get_client;
	__typeof__(&rfbInitClient) init_client;
	__typeof__(&rfbClientCleanup) cleanup;
	__typeof__(&rfbClientGetClientData) get_data;
	__typeof__(&rfbClientSetClientData) set_data;
	__typeof__(&HandleRFBServerMessage) handle_message;
	__typeof__(&WriteToRFBServer) write_server;
	__typeof__(&SendKeyEvent) send_key;
	__typeof__(&SendPointerEvent) send_pointer;
	rfbClientLogProc *log, *err;
} rfb;
static char rfb_load_error[256];

static void log_cb(const char *fmt, ...);

static void load_library_once(void)
{
	const struct dl_sym syms[] = {
		{ "rfbGetClient", (void **)&rfb.get_client },
		{ "rfbInitClient", (void **)&rfb.init_client },
		{ "rfbClientCleanup", (void **)&rfb.cleanup },
		{ "rfbClientGetClientData", (void **)&rfb.get_data },
		{ "rfbClientSetClientData", (void **)&rfb.set_data },
		{ "HandleRFBServerMessage", (void **)&rfb.handle_message },
		{ "WriteToRFBServer", (void **)&rfb.write_server },
		{ "SendKeyEvent", (void **)&rfb.send_key },
		{ "SendPointerEvent", (void **)&rfb.send_pointer },
		{ "rfbClientLog", (void **)&rfb.log },
		{ "rfbClientErr", (void **)&rfb.err },
	};
	char *err = NULL;
	if (dl_load(VMDECK_VNCCLIENT_SONAME, "the VNC client library", syms, ARRAY_LEN(syms), &err) < 0) {
		snprintf(rfb_load_error, sizeof(rfb_load_error), "%s", err);
		free(err);
		return;
	}
	*rfb.log = log_cb;
	*rfb.err = log_cb;
}

/* 0, or -1 with *why naming what is missing. In the worker. */
static int load_library(char **why)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	pthread_once(&once, load_library_once);
	if (rfb.get_client)
		return 0;
	return error_set(why, "%s", rfb_load_error);
}

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

static void init_once(void)
{
	/* libvncclient write()s to the socket: a server that just went away
	 * must be an error return, not a SIGPIPE that kills the program. */
	struct sigaction sa;
	if (sigaction(SIGPIPE, NULL, &sa) == 0 && sa.sa_handler == SIG_DFL)
		signal(SIGPIPE, SIG_IGN);
}

void vnc_worker_init(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	pthread_once(&once, init_once);
}

unsigned vnc_workers(void) { return atomic_load(&workers); }

/* --- the link: lifetime and wakeups -------------------------------------- */

void vnc_worker_unref(struct link *l)
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
	free(l->input);
	free(l->wq);
	if (l->fd_unref)
		l->fd_unref(l->fd_arg);
	free(l);
}

static void poke(int efd)
{
	uint64_t one = 1;
	ssize_t r = write(efd, &one, sizeof(one));
	(void)r; /* a full counter still wakes the reader */
}

void vnc_worker_drain(int efd)
{
	uint64_t n;
	ssize_t r = read(efd, &n, sizeof(n));
	(void)r;
}

/* The loop lets go: the worker stops at its next step. A worker blocked
 * inside libvncclient (a handshake read) is woken by the shutdown; one in
 * getaddrinfo finishes that first, then sees cancel (it holds its own
 * reference, so nothing is freed under it). */
void vnc_worker_cancel(struct link *l)
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

/* Key events are paced: QEMU hands VNC keys to the guest one per
 * key-delay-ms (10) from a bounded queue, and a 240-character paste sent
 * at once lost keys and left Shift held (measured, QEMU 7.2 under TCG). A burst of KEY_BURST goes at
 * once (typing never waits), then one every KEY_GAP_US. */
#define KEY_BURST 64
#define KEY_GAP_US 11000

/* Send what the loop queued (keys, pointer), in order, as far as the pace
 * allows. c: the session's client, NULL before the handshake (nothing is
 * queued then). Returns the ms to wait before sending more, or -1 when
 * everything went. */
static int send_input(struct link *l, rfbClient *c)
{
	uint64_t now = now_mono_us();
	l->tokens += (double)(now - l->tokens_us) / KEY_GAP_US;
	l->tokens = l->tokens > KEY_BURST ? KEY_BURST : l->tokens;
	l->tokens_us = now;
	for (;;) {
		if (l->wi == l->wn) {
			free(l->wq);
			pthread_mutex_lock(&l->mu);
			l->wq = l->input;
			l->wn = l->ninput;
			l->wi = 0;
			l->input = NULL;
			l->ninput = l->input_cap = 0;
			pthread_mutex_unlock(&l->mu);
			if (!l->wn || !c)
				return -1;
		}
		const struct vnc_input *ev = &l->wq[l->wi];
		/* A failed write shows at the next read, which ends the session. */
		if (ev->pointer)
			rfb.send_pointer(c, ev->x, ev->y, ev->buttons);
		else if (l->tokens < 1)
			return (int)((1 - l->tokens) * KEY_GAP_US / 1000) + 1;
		else {
			l->tokens -= 1;
			rfb.send_key(c, ev->keysym, ev->down ? TRUE : FALSE);
		}
		l->wi++;
	}
}

/* Wait until fd has events (true) or the loop pokes ctl with cancel set
 * (false); queued input is sent meanwhile. No timeout: the loop's connect
 * timer cancels a silent peer. */
static bool wait_fd(struct link *l, rfbClient *c, int fd, short events)
{
	int pace = c ? send_input(l, c) : -1;
	for (;;) {
		struct pollfd p[2] = { { .fd = fd, .events = events }, { .fd = l->ctl, .events = POLLIN } };
		int r = poll(p, 2, pace);
		if (r < 0 && errno != EINTR)
			return false;
		if (p[1].revents) {
			vnc_worker_drain(l->ctl);
			if (cancelled(l))
				return false;
		}
		if (c && (p[1].revents || r == 0))
			pace = send_input(l, c);
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
	if (!wait_fd(l, NULL, fd, POLLOUT)) {
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
	if (l->open_fd) { /* the caller's socket (libvirt's virDomainOpenGraphicsFD) */
		set_stage(l, ST_CONNECT);
		poke(l->note); /* the connect timeout starts now */
		int fd = l->open_fd(l->fd_arg, why);
		if (fd < 0)
			return -1;
		int fl = fcntl(fd, F_GETFL);
		if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0 || fcntl(fd, F_SETFD, FD_CLOEXEC) < 0) {
			close(fd);
			return error_set(why, "%s: %s", l->target, strerror(errno));
		}
		set_sock(l, fd);
		return cancelled(l) ? error_set(why, "cancelled") : 0;
	}
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
	struct link *l = rfb.get_data(c, &client_tag);
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
	struct link *l = rfb.get_data(c, &client_tag);
	pthread_mutex_lock(&l->mu);
	l->updates++;
	pthread_mutex_unlock(&l->mu);
	vnc_rects_add(l->rects, &l->nrects, x, y, w, h);
}

static void finished_update(rfbClient *c)
{
	struct link *l = rfb.get_data(c, &client_tag);
	l->finished = true;
}

static char *get_password(rfbClient *c)
{
	struct link *l = rfb.get_data(c, &client_tag);
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
	return rfb.write_server(client, msg, sizeof(msg));
}

/* The server spoke: libvncclient does the handshake on (a dup of) our
 * socket — listenSpecified: "already connected". It blocks; a cancel shuts
 * the socket down under it. NULL with *why on failure. */
static rfbClient *link_handshake(struct link *l, char **why)
{
	if (load_library(why) < 0)
		return NULL;
	rfbClient *c = rfb.get_client(8, 3, 4);
	if (!c) {
		error_set(why, "%s: out of memory", l->target);
		return NULL;
	}
	rfb.set_data(c, &client_tag, l);
	pthread_mutex_lock(&l->mu);
	c->sock = fcntl(l->sock, F_DUPFD_CLOEXEC, 0);
	pthread_mutex_unlock(&l->mu);
	if (c->sock < 0) {
		error_set(why, "%s: %s", l->target, strerror(errno));
		c->sock = RFB_INVALID_SOCKET;
		rfb.cleanup(c);
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
		rfb.cleanup(c);
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
	if (!rfb.init_client(c, NULL, NULL)) {
		/* rfbInitClient freed the client and closed its socket. */
		error_set(why, "%s: VNC handshake failed%s%s", l->target, last_log[0] ? ": " : "", last_log);
		return NULL;
	}
	if (!send_encodings(c)) {
		error_set(why, "%s: %s", l->target, last_log[0] ? last_log : "write failed");
		rfb.cleanup(c);
		return NULL;
	}
	return c;
}

/* Hand a complete update to the loop and wait until it took it (sending
 * input meanwhile: a key must not wait for the next frame slot). False:
 * cancelled. */
static bool publish_frame(struct link *l, rfbClient *c)
{
	int pace = send_input(l, c);
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
		int r = poll(&p, 1, pace);
		if (r > 0)
			vnc_worker_drain(l->ctl);
		if (r >= 0)
			pace = send_input(l, c);
	}
}

/* Read messages until the server goes or the loop cancels. Not reading while
 * the loop holds a frame is what paces the server (RFB sends an update only
 * when asked; libvncclient asks again after each one). */
static void link_run(struct link *l, rfbClient *c, char **why)
{
	for (;;) {
		if (c->buffered == 0 && !wait_fd(l, c, c->sock, POLLIN))
			return;
		last_log[0] = 0;
		if (!rfb.handle_message(c)) {
			if (!cancelled(l))
				error_set(why, "%s", last_log[0] ? last_log : "VNC server closed the connection");
			return;
		}
		if (l->finished) {
			l->finished = false;
			if (!publish_frame(l, c))
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
		if (wait_fd(l, NULL, fd, POLLIN) && !cancelled(l)) {
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
		rfb.cleanup(c);
	}
	pthread_mutex_lock(&l->mu);
	l->done = true;
	l->reason = why ? why : xstrdup(l->cancel ? "cancelled" : "VNC server closed the connection");
	pthread_mutex_unlock(&l->mu);
	poke(l->note);
	vnc_worker_unref(l);
	atomic_fetch_sub(&workers, 1);
	return NULL;
}

/* --- the link: the loop's calls ------------------------------------------ */

int vnc_worker_input(struct link *l, const struct vnc_input *ev, size_t n)
{
	pthread_mutex_lock(&l->mu);
	bool room = l->ninput + n <= VNC_MAX_INPUT;
	if (room) {
		if (l->ninput + n > l->input_cap) {
			l->input_cap = l->input_cap ? l->input_cap * 2 : 64;
			while (l->input_cap < l->ninput + n)
				l->input_cap *= 2;
			l->input = xrealloc(l->input, l->input_cap * sizeof(*l->input));
		}
		memcpy(l->input + l->ninput, ev, n * sizeof(*ev));
		l->ninput += n;
	}
	pthread_mutex_unlock(&l->mu);
	if (!room)
		return -1;
	poke(l->ctl);
	return 0;
}

void vnc_worker_go(struct link *l)
{
	pthread_mutex_lock(&l->mu);
	l->frame = false;
	l->go = true;
	pthread_mutex_unlock(&l->mu);
	poke(l->ctl);
}

static struct link *link_new(const char *target, const char *unix_path, const char *host, int port,
			     const char *password)
{
	struct link *l = xcalloc(1, sizeof(*l));
	pthread_mutex_init(&l->mu, NULL);
	l->refs = 2;
	l->sock = -1;
	l->note = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	l->ctl = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	l->target = xstrdup(target);
	l->unix_path = unix_path ? xstrdup(unix_path) : NULL;
	l->host = host ? xstrdup(host) : NULL;
	l->password = password ? xstrdup(password) : NULL;
	l->port = port;
	l->stage = unix_path ? ST_CONNECT : ST_LOOKUP;
	return l;
}

static struct link *link_start(struct link *l, char **why);

struct link *vnc_worker_start(const char *target, const char *unix_path, const char *host, int port,
			      const char *password, char **why)
{
	return link_start(link_new(target, unix_path, host, port, password), why);
}

struct link *vnc_worker_start_fd(const struct vnc_config *cfg, char **why)
{
	struct link *l = link_new(cfg->target, NULL, NULL, 0, cfg->password);
	l->open_fd = cfg->open_fd;
	l->fd_unref = cfg->fd_unref;
	l->fd_arg = cfg->fd_arg;
	if (cfg->fd_ref)
		cfg->fd_ref(cfg->fd_arg);
	l->stage = ST_CONNECT;
	return link_start(l, why);
}

static struct link *link_start(struct link *l, char **why)
{
	if (l->note < 0 || l->ctl < 0) {
		error_set(why, "%s: eventfd: %s", l->target, strerror(errno));
		l->refs = 1;
		vnc_worker_unref(l);
		return NULL;
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
		error_set(why, "%s: cannot start a thread: %s", l->target, strerror(e));
		l->refs = 1;
		vnc_worker_unref(l);
		return NULL;
	}
	return l;
}
