/* vnc: the loop's side of the VNC client — the state machine (connecting,
 * connected, gone, with a reconnect backoff and a connect timeout), the
 * worker's notes read from its eventfd, the loop's copy of the screen and
 * the frames handed on at a capped rate. The blocking half, one worker
 * thread per connection attempt, is core/vnc_worker.c. */
#include "core/vnc_priv.h"
#include "core/util.h"

#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

static const char *const stage_names[] = {
	[ST_LOOKUP] = "looking up the host name", [ST_CONNECT] = "connecting",
	[ST_GREETING] = "waiting for the server to greet", [ST_HANDSHAKE] = "in the VNC handshake",
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
	unsigned resize_drops;     /* a one-shot client's reconnects after "Rect too large" */

	struct vnc_rect rects[MAX_RECTS];
	size_t nrects;
	bool pending, full;        /* changes not yet handed on; next push is full */
	uint64_t last_push_us;

	struct thumb *thumb;
	uint64_t updates, frames, inputs;
	unsigned connections;
};

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

void vnc_rects_add(struct vnc_rect *rects, size_t *n, int x, int y, int w, int h)
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

/* --- the connection ----------------------------------------------------- */

/* Close everything about the current connection attempt or session. */
static void teardown(struct vnc *v)
{
	if (v->link) {
		loop_fd_del(v->loop, v->link->note);
		vnc_worker_cancel(v->link);
		vnc_worker_unref(v->link);
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
	/* libvncclient drops the link on a resize that came before our
	 * encodings reached QEMU (vnc_worker.c, send_encodings: "Rect too
	 * large"); a VM that switches video modes as it boots can do that to a
	 * one-shot client too (a screenshot right after start): it connects
	 * again, a few times, rather than fail. */
	if (v->cfg.once && strstr(r, "Rect too large") && v->resize_drops < 3) {
		v->resize_drops++;
		loop_timer_del(v->loop, v->retry);
		v->retry = loop_timer_add(v->loop, 1, false, on_retry, v);
		set_state(v, VNC_CONNECTING, "%s; connecting again", r);
		free(r);
		return;
	}
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
	v->phase = PH_RUNNING;
	vnc_worker_go(v->link);
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
			vnc_rects_add(v->rects, &v->nrects, r.x, r.y, r.w, r.h);
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
	vnc_worker_drain(fd);
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

static void start_connect(struct vnc *v)
{
	teardown(v);
	if (!v->cfg.open_fd && v->unix_path && !path_exists(v->unix_path)) {
		gone(v, "no VNC socket at %s (is the VM running?)", v->unix_path);
		return;
	}
	char *why = NULL;
	struct link *l = v->cfg.open_fd ? vnc_worker_start_fd(&v->cfg, &why)
				       : vnc_worker_start(v->cfg.target, v->unix_path, v->host, v->port, v->cfg.password, &why);
	if (!l) {
		gone(v, "%s", why);
		free(why);
		return;
	}
	v->link = l;
	v->gen++;
	v->looked_up = v->unix_path != NULL || v->cfg.open_fd;
	v->phase = PH_CONNECT;
	loop_fd_add(v->loop, l->note, POLLIN, on_note, v);
	v->timeout = loop_timer_add(v->loop, v->cfg.connect_timeout_ms, false, on_timeout, v);
	set_state(v, VNC_CONNECTING, "%s", v->cfg.target);
}

/* --- lifetime ----------------------------------------------------------- */

struct vnc *vnc_new(struct loop *l, const struct vnc_config *cfg, const struct vnc_callbacks *cb, void *arg,
		    char **err)
{
	char *unix_path = NULL, *host = NULL;
	int port = 0;
	if (!cfg->open_fd && vnc_target_parse(cfg->target, &unix_path, &host, &port, err) < 0)
		return NULL;
	vnc_worker_init();
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
	if (v->cfg.fd_unref)
		v->cfg.fd_unref(v->cfg.fd_arg); /* the caller's reference, taken by vnc_new */
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

uint64_t vnc_inputs(const struct vnc *v) { return v->inputs; }

static int send_input(struct vnc *v, const struct vnc_input *ev, size_t n)
{
	if (v->state != VNC_CONNECTED || !v->link || vnc_worker_input(v->link, ev, n) < 0)
		return -1;
	v->inputs += n;
	return 0;
}

int vnc_send_chord(struct vnc *v, const uint32_t *keysyms, size_t n)
{
	struct vnc_input ev[16];
	if (n == 0 || n > ARRAY_LEN(ev) / 2)
		return -1;
	for (size_t i = 0; i < n; i++) {
		ev[i] = (struct vnc_input){ .keysym = keysyms[i], .down = true };
		ev[2 * n - 1 - i] = (struct vnc_input){ .keysym = keysyms[i], .down = false };
	}
	return send_input(v, ev, 2 * n);
}

int vnc_send_click(struct vnc *v, int x, int y, unsigned buttons)
{
	if (!v->fb)
		return -1;
	x = x < 0 ? 0 : x >= v->fbw ? v->fbw - 1 : x;
	y = y < 0 ? 0 : y >= v->fbh ? v->fbh - 1 : y;
	/* Move first: a server (QEMU in relative mode) takes the position from
	 * the motion, then the press and the release there. */
	struct vnc_input ev[3] = {
		{ .pointer = true, .x = (uint16_t)x, .y = (uint16_t)y },
		{ .pointer = true, .x = (uint16_t)x, .y = (uint16_t)y, .buttons = (uint8_t)buttons },
		{ .pointer = true, .x = (uint16_t)x, .y = (uint16_t)y },
	};
	return send_input(v, ev, 3);
}

void vnc_set_thumb(struct vnc *v, struct thumb *t)
{
	v->thumb = t;
	struct thumb_frame f;
	if (t && vnc_frame(v, &f) == 0)
		thumb_update_full(t, &f);
}
