/* vnc: libvncclient driven by core/loop — our own non-blocking connect, the
 * library's handshake and message parsing, a capped frame rate and a
 * reconnect backoff. */
#include "core/vnc.h"
#include "core/paths.h"
#include "core/profile.h"
#include "core/util.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <png.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <rfb/rfbclient.h>

#define MAX_RECTS 16          /* more pending rectangles collapse into their union */
#define MSGS_PER_PASS 64      /* then yield to the loop so the UI stays responsive */
#define READ_TIMEOUT_S 3

enum phase { PH_IDLE, PH_CONNECT, PH_GREETING, PH_RUNNING, PH_PAUSED };

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
	char *desktop;
	int fd;                    /* registered with the loop while >= 0 */
	rfbClient *client;
	uint8_t *fb;               /* our framebuffer (MallocFrameBuffer) */
	int fbw, fbh;

	struct loop_timer *retry, *timeout, *pace, *pump;
	unsigned backoff_ms;

	struct vnc_rect rects[MAX_RECTS];
	size_t nrects;
	bool pending, full;        /* changes not yet handed on; next push is full */
	uint64_t last_push_us;

	struct thumb *thumb;
	uint64_t updates, frames;
	unsigned connections;
};

static int client_tag; /* its address tags our pointer in rfbClientData */

/* --- libvncclient's log ------------------------------------------------- */

static FILE *log_fp;
static char last_log[256];

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

static void redirect_log(void)
{
	rfbClientLog = log_cb;
	rfbClientErr = log_cb;
	/* libvncclient write()s to the socket: a server that just went away
	 * must be an error return, not a SIGPIPE that kills the program. */
	struct sigaction sa;
	if (sigaction(SIGPIPE, NULL, &sa) == 0 && sa.sa_handler == SIG_DFL)
		signal(SIGPIPE, SIG_IGN);
}

/* --- helpers ------------------------------------------------------------ */

static const char *const state_names[] = {
	[VNC_CONNECTING] = "connecting", [VNC_CONNECTED] = "connected", [VNC_GONE] = "gone",
};

const char *vnc_state_name(enum vnc_state s)
{
	return (unsigned)s < ARRAY_LEN(state_names) ? state_names[s] : "?";
}

int vnc_target_parse(const char *target, char **unix_path, char **host, int *port, char **err)
{
	*unix_path = *host = NULL;
	*port = 0;
	if (!target || !*target)
		return error_set(err, "empty VNC target");
	if (target[0] == '/' || target[0] == '.') {
		if (strlen(target) >= sizeof(((struct sockaddr_un *)0)->sun_path))
			return error_set(err, "VNC socket path too long: %s", target);
		*unix_path = xstrdup(target);
		return 0;
	}
	const char *h = target, *colon;
	size_t hlen;
	if (target[0] == '[') { /* [IPv6]:display */
		const char *close = strchr(target, ']');
		if (!close || close[1] != ':')
			return error_set(err, "VNC target %s: expected [ADDRESS]:DISPLAY", target);
		h = target + 1;
		hlen = (size_t)(close - h);
		colon = close + 1;
	} else {
		colon = strchr(target, ':');
		if (!colon)
			return error_set(err, "VNC target %s: expected a socket path, HOST:DISPLAY or HOST::PORT",
					 target);
		hlen = (size_t)(colon - target);
	}
	bool is_port = colon[1] == ':';
	const char *num = colon + 1 + is_port;
	char *end;
	errno = 0;
	long v = strtol(num, &end, 10);
	if (!*num || *end || errno || v < 0 || v > 65535 || (!is_port && v > 65535 - 5900))
		return error_set(err, "VNC target %s: bad %s '%s'", target, is_port ? "port" : "display", num);
	*host = hlen ? xstrndup(h, hlen) : xstrdup("localhost");
	*port = (int)(is_port ? v : 5900 + v);
	return 0;
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

static void drop_fd(struct vnc *v)
{
	if (v->fd >= 0)
		loop_fd_del(v->loop, v->fd);
}

/* Close everything about the current connection attempt or session. */
static void teardown(struct vnc *v)
{
	if (v->fd >= 0)
		loop_fd_del(v->loop, v->fd);
	if (v->client) {
		rfbClientCleanup(v->client); /* closes the socket */
		v->client = NULL;
	} else if (v->fd >= 0) {
		close(v->fd);
	}
	v->fd = -1;
	loop_timer_del(v->loop, v->timeout);
	loop_timer_del(v->loop, v->pace);
	loop_timer_del(v->loop, v->pump);
	v->timeout = v->pace = v->pump = NULL;
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

/* --- frames ------------------------------------------------------------- */

static void add_rect(struct vnc *v, int x, int y, int w, int h)
{
	v->pending = true;
	if (w <= 0 || h <= 0)
		return;
	if (v->nrects < MAX_RECTS) {
		v->rects[v->nrects++] = (struct vnc_rect){ x, y, w, h };
		return;
	}
	/* Too many: one bounding box. */
	struct vnc_rect u = v->rects[0];
	for (size_t i = 1; i < v->nrects; i++) {
		struct vnc_rect r = v->rects[i];
		int x1 = u.x + u.w > r.x + r.w ? u.x + u.w : r.x + r.w;
		int y1 = u.y + u.h > r.y + r.h ? u.y + u.h : r.y + r.h;
		u.x = u.x < r.x ? u.x : r.x;
		u.y = u.y < r.y ? u.y : r.y;
		u.w = x1 - u.x;
		u.h = y1 - u.y;
	}
	int x1 = u.x + u.w > x + w ? u.x + u.w : x + w, y1 = u.y + u.h > y + h ? u.y + u.h : y + h;
	u.x = u.x < x ? u.x : x;
	u.y = u.y < y ? u.y : y;
	u.w = x1 - u.x;
	u.h = y1 - u.y;
	v->rects[0] = u;
	v->nrects = 1;
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

/* The cap when the caller leaves it 0: $VMDECK_THUMB_FPS (1..60), else
 * VNC_DEFAULT_FPS — so the TUI's rate can be tuned for a slow link. */
static unsigned default_fps(void)
{
	const char *e = getenv("VMDECK_THUMB_FPS");
	long n = e ? strtol(e, NULL, 10) : 0;
	return n >= 1 && n <= 60 ? (unsigned)n : VNC_DEFAULT_FPS;
}

static uint64_t interval_us(const struct vnc *v)
{
	return 1000000u / (v->cfg.fps ? v->cfg.fps : default_fps());
}

static rfbBool malloc_fb(rfbClient *c)
{
	struct vnc *v = rfbClientGetClientData(c, &client_tag);
	if (c->width <= 0 || c->height <= 0 || c->width > VNC_MAX_FB_SIDE || c->height > VNC_MAX_FB_SIDE) {
		/* libvncclient drops the connection; this is the reason shown. */
		snprintf(last_log, sizeof(last_log), "the server's screen is %dx%d, more than vmdeck takes (%dx%d at most)",
			 c->width, c->height, VNC_MAX_FB_SIDE, VNC_MAX_FB_SIDE);
		return FALSE;
	}
	free(v->fb);
	v->fb = xcalloc((size_t)c->width * (size_t)c->height, 4);
	v->fbw = c->width;
	v->fbh = c->height;
	c->frameBuffer = v->fb;
	v->full = true;
	v->pending = true;
	return TRUE;
}

static void got_update(rfbClient *c, int x, int y, int w, int h)
{
	struct vnc *v = rfbClientGetClientData(c, &client_tag);
	v->updates++;
	add_rect(v, x, y, w, h);
}

static char *get_password(rfbClient *c)
{
	struct vnc *v = rfbClientGetClientData(c, &client_tag);
	/* libvncclient frees it. */
	return strdup(v->cfg.password ? v->cfg.password : "");
}

static void on_read(int fd, short revents, void *arg);

static void resume_reading(struct vnc *v)
{
	v->phase = PH_RUNNING;
	loop_fd_add(v->loop, v->fd, POLLIN, on_read, v);
}

static void on_pace(struct loop_timer *t, void *arg);
static void on_pump(struct loop_timer *t, void *arg);

/* A complete update arrived: hand it on now, or stop reading until the
 * next frame slot. Not reading is what paces the server. */
static void finished_update(rfbClient *c)
{
	struct vnc *v = rfbClientGetClientData(c, &client_tag);
	if (v->phase != PH_RUNNING)
		return;
	uint64_t now = now_mono_us(), due = v->last_push_us + interval_us(v);
	if ((int64_t)(due - now) <= 0) {
		push(v);
		return;
	}
	v->phase = PH_PAUSED;
	drop_fd(v);
	loop_timer_del(v->loop, v->pace);
	v->pace = loop_timer_add(v->loop, (due - now + 999) / 1000, false, on_pace, v);
}

/* Read and handle whatever the server sent, a bounded number of messages. */
static void pump(struct vnc *v)
{
	rfbClient *c = v->client;
	for (int i = 0; i < MSGS_PER_PASS; i++) {
		last_log[0] = 0;
		if (!HandleRFBServerMessage(c)) {
			gone(v, "%s", last_log[0] ? last_log : "VNC server closed the connection");
			return;
		}
		if (v->phase != PH_RUNNING)
			return; /* paused after a complete update */
		if (!(c->buffered > 0 || WaitForMessage(c, 0) > 0))
			return;
	}
	/* More to read: continue on the next pass, after other fds had a turn.
	 * Buffered bytes would not wake poll(), so a zero timer. */
	if (!v->pump)
		v->pump = loop_timer_add(v->loop, 0, false, on_pump, v);
}

static void on_pump(struct loop_timer *t, void *arg)
{
	struct vnc *v = arg;
	(void)t;
	v->pump = NULL;
	if (v->phase == PH_RUNNING)
		pump(v);
}

static void on_pace(struct loop_timer *t, void *arg)
{
	struct vnc *v = arg;
	(void)t;
	v->pace = NULL;
	if (v->phase != PH_PAUSED)
		return;
	push(v);
	resume_reading(v);
	if (v->client->buffered > 0)
		pump(v);
}

static void on_read(int fd, short revents, void *arg)
{
	struct vnc *v = arg;
	(void)fd;
	if (v->phase != PH_RUNNING)
		return;
	if (revents & (POLLIN | POLLHUP | POLLERR))
		pump(v);
}

/* --- connecting --------------------------------------------------------- */

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

/* The server spoke: the handshake will not wait on a silent server, so let
 * libvncclient do it on our socket (listenSpecified: "already connected"). */
static void handshake(struct vnc *v)
{
	loop_fd_del(v->loop, v->fd);
	loop_timer_del(v->loop, v->timeout);
	v->timeout = NULL;
	rfbClient *c = rfbGetClient(8, 3, 4);
	if (!c) {
		gone(v, "%s: out of memory", v->cfg.target);
		return;
	}
	rfbClientSetClientData(c, &client_tag, v);
	c->sock = v->fd;
	c->listenSpecified = TRUE;
	free(c->serverHost);
	c->serverHost = strdup(v->cfg.target);
	c->programName = "vmdeck";
	c->readTimeout = READ_TIMEOUT_S;
	c->canHandleNewFBSize = TRUE;
	c->MallocFrameBuffer = malloc_fb;
	c->GotFrameBufferUpdate = got_update;
	c->FinishedFrameBufferUpdate = finished_update;
	c->GetPassword = get_password;
	last_log[0] = 0;
	v->phase = PH_GREETING;
	if (!rfbInitClient(c, NULL, NULL)) {
		/* rfbInitClient freed the client and closed the socket. */
		v->fd = -1;
		gone(v, "%s: VNC handshake failed%s%s", v->cfg.target, last_log[0] ? ": " : "", last_log);
		return;
	}
	if (!send_encodings(c)) {
		rfbClientCleanup(c);
		v->fd = -1;
		gone(v, "%s: %s", v->cfg.target, last_log[0] ? last_log : "write failed");
		return;
	}
	v->client = c;
	free(v->desktop);
	v->desktop = xstrdup(c->desktopName ? c->desktopName : "");
	v->connections++;
	v->backoff_ms = v->cfg.backoff_min_ms;
	v->full = true;
	v->pending = true;
	v->last_push_us = 0;
	resume_reading(v);
	set_state(v, VNC_CONNECTED, "%dx%d", v->fbw, v->fbh);
	if (v->client && c->buffered > 0)
		pump(v);
}

static void on_connecting(int fd, short revents, void *arg)
{
	struct vnc *v = arg;
	if (v->phase == PH_CONNECT) {
		int e = 0;
		socklen_t len = sizeof(e);
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &len) < 0)
			e = errno;
		if (e) {
			gone(v, "connect %s: %s", v->cfg.target, strerror(e));
			return;
		}
		v->phase = PH_GREETING;
		loop_fd_events(v->loop, fd, POLLIN);
		return;
	}
	if (revents & POLLIN) {
		handshake(v);
		return;
	}
	gone(v, "%s: the server closed the connection before greeting", v->cfg.target);
}

static void on_timeout(struct loop_timer *t, void *arg)
{
	struct vnc *v = arg;
	(void)t;
	v->timeout = NULL;
	gone(v, "%s: no answer within %u ms", v->cfg.target, v->cfg.connect_timeout_ms);
}

static int open_socket(struct vnc *v, bool *in_progress, char **why)
{
	*in_progress = false;
	int fd = -1, r;
	if (v->unix_path) {
		if (!path_exists(v->unix_path))
			return error_set(why, "no VNC socket at %s (is the VM running?)", v->unix_path);
		struct sockaddr_un sa = { .sun_family = AF_UNIX };
		snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", v->unix_path);
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (fd < 0)
			return error_set(why, "socket: %s", strerror(errno));
		r = connect(fd, (struct sockaddr *)&sa, sizeof(sa));
	} else {
		char port[16];
		snprintf(port, sizeof(port), "%d", v->port);
		struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM }, *ai = NULL;
		int g = getaddrinfo(v->host, port, &hints, &ai);
		if (g)
			return error_set(why, "%s: %s", v->host, gai_strerror(g));
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
		if (fd < 0) {
			freeaddrinfo(ai);
			return error_set(why, "socket: %s", strerror(errno));
		}
		r = connect(fd, ai->ai_addr, ai->ai_addrlen);
		freeaddrinfo(ai);
	}
	if (r < 0 && (errno == EINPROGRESS || errno == EAGAIN)) {
		*in_progress = true;
	} else if (r < 0) {
		int e = errno;
		close(fd);
		return error_set(why, "connect %s: %s", v->cfg.target, strerror(e));
	}
	return fd;
}

static void start_connect(struct vnc *v)
{
	teardown(v);
	char *why = NULL;
	bool in_progress;
	int fd = open_socket(v, &in_progress, &why);
	if (fd < 0) {
		gone(v, "%s", why);
		free(why);
		return;
	}
	v->fd = fd;
	v->phase = in_progress ? PH_CONNECT : PH_GREETING;
	loop_fd_add(v->loop, fd, in_progress ? POLLOUT : POLLIN, on_connecting, v);
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
	if (cb)
		v->cb = *cb;
	v->arg = arg;
	v->unix_path = unix_path;
	v->host = host;
	v->port = port;
	v->fd = -1;
	v->state = VNC_CONNECTING;
	v->reason = xstrdup("");
	v->desktop = xstrdup("");
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
	free(v->desktop);
	free(v);
}

enum vnc_state vnc_state(const struct vnc *v) { return v->state; }
const char *vnc_reason(const struct vnc *v) { return v->reason; }
const char *vnc_target(const struct vnc *v) { return v->cfg.target; }
const char *vnc_desktop_name(const struct vnc *v) { return v->desktop; }
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

void vnc_set_fps(struct vnc *v, unsigned fps) { v->cfg.fps = fps; }

void vnc_reconnect(struct vnc *v)
{
	if (v->state == VNC_CONNECTED)
		return;
	loop_timer_del(v->loop, v->retry);
	v->retry = NULL;
	v->backoff_ms = v->cfg.backoff_min_ms;
	start_connect(v);
}

/* --- profiles ---------------------------------------------------------- */

char *vnc_profile_target(const struct profile *p, const char *name)
{
	if (!p || !p->vnc || !strcmp(p->vnc, "unix") || !*p->vnc) {
		char *dir = paths_vm_dir(p ? p->name : name);
		if (!dir)
			return NULL;
		char *t = path_join(dir, "vnc.sock");
		free(dir);
		return t;
	}
	char *t = xstrdup(p->vnc);
	char *comma = strchr(t, ',');
	if (comma)
		*comma = 0;
	/* QEMU listening on every address is reachable on loopback. */
	static const struct { const char *any, *loop; } wild[] = {
		{ "0.0.0.0:", "127.0.0.1:" }, { "[::]:", "[::1]:" }, { ":", "localhost:" },
	};
	for (size_t i = 0; i < ARRAY_LEN(wild); i++) {
		size_t n = strlen(wild[i].any);
		if (!strncmp(t, wild[i].any, n)) {
			char *r = xasprintf("%s%s", wild[i].loop, t + n);
			free(t);
			return r;
		}
	}
	return t;
}

int vnc_profile_password(const struct profile *p, char **password, char **err)
{
	*password = NULL;
	if (!p || !p->vnc_password_file)
		return 0;
	size_t len;
	char *s = file_read_all(p->vnc_password_file, &len);
	if (!s)
		return error_set(err, "%s: vnc_password_file: %s", p->vnc_password_file, strerror(errno));
	/* Verbatim, newline included: QEMU's "-object secret,file=" takes the
	 * file as it is, and both sides must agree. */
	*password = s;
	return 0;
}

int vnc_password_file_read(const char *path, char **password, char **err)
{
	size_t len;
	char *s = file_read_all(path, &len);
	if (!s)
		return error_set(err, "%s: %s", path, strerror(errno));
	s[strcspn(s, "\r\n")] = 0;
	*password = s;
	return 0;
}

/* --- PNG ---------------------------------------------------------------- */

int vnc_write_png(const struct thumb_frame *f, const char *path, char **err)
{
	if (!f || !f->px || f->w <= 0 || f->h <= 0)
		return error_set(err, "%s: no frame to save", path);
	char *tmp = xasprintf("%s.tmp.%d", path, (int)getpid());
	/* Predictable name, maybe in /tmp: never follow or reuse what another
	 * user planted there (root writes screenshots too). */
	unlink(tmp);
	int tfd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	FILE *fp = tfd >= 0 ? fdopen(tfd, "wb") : NULL;
	if (!fp && tfd >= 0)
		close(tfd);
	if (!fp) {
		error_set(err, "%s: %s", tmp, strerror(errno));
		free(tmp);
		return -1;
	}
	png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
	png_infop info = png ? png_create_info_struct(png) : NULL;
	uint8_t *row = xmalloc((size_t)f->w * 3);
	if (!png || !info || setjmp(png_jmpbuf(png))) {
		png_destroy_write_struct(&png, &info);
		fclose(fp);
		unlink(tmp);
		free(row);
		free(tmp);
		return error_set(err, "%s: PNG encoding failed", path);
	}
	png_init_io(png, fp);
	png_set_IHDR(png, info, (png_uint_32)f->w, (png_uint_32)f->h, 8, PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE,
		     PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
	png_set_compression_level(png, 3); /* screenshots: fast over small */
	png_write_info(png, info);
	for (int y = 0; y < f->h; y++) {
		const uint8_t *s = f->px + (size_t)y * f->stride;
		for (int x = 0; x < f->w; x++)
			memcpy(row + (size_t)x * 3, s + (size_t)x * 4, 3);
		png_write_row(png, row);
	}
	png_write_end(png, info);
	png_destroy_write_struct(&png, &info);
	free(row);
	if (fclose(fp) != 0 || rename(tmp, path) < 0) {
		error_set(err, "%s: %s", path, strerror(errno));
		unlink(tmp);
		free(tmp);
		return -1;
	}
	free(tmp);
	return 0;
}
