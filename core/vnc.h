/* vnc: a libvncclient connection living inside the one poll loop.
 *
 * Target syntax (the profile's "vnc:" value or a command-line override):
 *   /path/to/vnc.sock   a UNIX socket (QEMU's -vnc unix:PATH; x11vnc -unixsock)
 *   HOST:DISPLAY        TCP port 5900 + DISPLAY (QEMU's -vnc HOST:DISPLAY)
 *   HOST::PORT          TCP port PORT
 * HOST may be a name, an IPv4 address or [IPv6].
 *
 * Nothing the server does (or a name server does) holds the caller's loop:
 * libvncclient blocks, so each connection attempt runs in a worker thread
 * of its own — name lookup (every address in turn), a non-blocking connect,
 * waiting for the greeting, the handshake, then reading messages (a read
 * inside a message gives up after 3 s). The worker reports to the loop
 * through an eventfd; the loop keeps its own copy of the framebuffer, into
 * which it copies the changed rectangles of each complete update while the
 * worker waits. A connection that is not up within cfg.connect_timeout_ms
 * of its name lookup is dropped (the lookup itself ends with the resolver's
 * own timeouts: one lookup at a time, never abandoned for another);
 * vnc_free(), a timeout or a reconnect cancel the worker (its socket is
 * shut down under it) and it ends on its own — a pending getaddrinfo()
 * cannot be interrupted, so that worker ends when it returns.
 * Incremental updates are requested continuously; the frames handed on are
 * capped at cfg.fps a second, and between frames the worker does not read
 * at all, which paces the server too (RFB sends an update only when asked).
 * Server resizes are followed. When the server goes away (QEMU killed,
 * restarted) the state becomes VNC_GONE with a reason and the client
 * reconnects with exponential backoff.
 *
 * libvncclient's rfbClientLog/rfbClientErr are redirected on the first
 * vnc_new(): nothing ever reaches the terminal unless vnc_set_log() says so. */
#ifndef VMDECK_VNC_H
#define VMDECK_VNC_H

#include "core/loop.h"
#include "core/thumb.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

enum vnc_state {
	VNC_CONNECTING, /* socket connect or RFB handshake under way */
	VNC_CONNECTED,  /* frames flow */
	VNC_GONE,       /* no server (reason says why); a retry is scheduled unless cfg.once */
};
const char *vnc_state_name(enum vnc_state s); /* "connecting", "connected", "gone" */

struct vnc_config {
	const char *target;        /* see above; copied */
	const char *password;      /* for servers that ask (VNC auth); NULL: none; copied */
	unsigned fps;              /* frame cap; 0 = $VMDECK_THUMB_FPS (1..60), else VNC_DEFAULT_FPS */
	unsigned backoff_min_ms;   /* first retry delay; 0 = 250 */
	unsigned backoff_max_ms;   /* retry delay cap; 0 = 2000 */
	unsigned connect_timeout_ms; /* connect + greeting + handshake, after the name lookup; 0 = 5000 */
	bool once;                 /* no reconnection: stay VNC_GONE */
	/* Instead of target's socket: a socket the caller connects (a libvirt
	 * domain's virDomainOpenGraphicsFD, core/lvhost.h), asked for on the
	 * worker thread at each attempt (it may block there; the link owns the
	 * fd; -1 with *why). target is then only the name in messages. vnc_new
	 * takes the caller's reference to fd_arg; each attempt holds one more
	 * (fd_ref), dropped with fd_unref (from any thread). */
	int (*open_fd)(void *fd_arg, char **why);
	void (*fd_ref)(void *fd_arg);
	void (*fd_unref)(void *fd_arg);
	void *fd_arg;
};
#define VNC_DEFAULT_FPS 4
/* The frame cap from $VMDECK_THUMB_FPS (value): a whole number from 1 to
 * 60 (so the TUI's rate can be tuned for a slow link); unset or empty:
 * VNC_DEFAULT_FPS. Anything else is an error, as for the other VMDECK_*
 * variables: -1, *fps VNC_DEFAULT_FPS and *err names the variable. */
int vnc_fps_env(const char *value, unsigned *fps, char **err);
/* The largest screen taken, each side (QEMU's own VNC server stops well
 * below): a server announcing more is dropped with a reason, so it cannot
 * make us allocate gigabytes (32768x32768x4 would be 4 GiB). */
#define VNC_MAX_FB_SIDE 8192

struct vnc_rect {
	int x, y, w, h;
};

struct vnc;

struct vnc_callbacks {
	/* The state or its reason changed. */
	void (*state)(struct vnc *v, void *arg);
	/* At most cfg.fps times a second: the framebuffer changed in these
	 * rectangles (resized: one rectangle, the whole frame). An attached
	 * thumbnail is already updated when this runs. */
	void (*frame)(struct vnc *v, const struct vnc_rect *rects, size_t n, void *arg);
};

/* Starts connecting at once. NULL on a target that cannot be parsed (err
 * says why); a server that is not there is not an error: VNC_GONE, retrying. */
struct vnc *vnc_new(struct loop *l, const struct vnc_config *cfg, const struct vnc_callbacks *cb, void *arg,
		    char **err);
/* Closes the connection, at once: a worker still connecting is cancelled
 * and ends on its own (see above). Safe from inside the vnc's own callbacks
 * is NOT promised: free it from the loop's after-hook or elsewhere. */
void vnc_free(struct vnc *v);

enum vnc_state vnc_state(const struct vnc *v);
/* Why VNC_GONE / what is going on; "" when there is nothing to say. Borrowed. */
const char *vnc_reason(const struct vnc *v);
/* Framebuffer updates received since vnc_new (every one, not just the
 * capped frames), frames handed on, and connections made. */
uint64_t vnc_updates(const struct vnc *v);
uint64_t vnc_frames(const struct vnc *v);
unsigned vnc_connections(const struct vnc *v);

/* The current framebuffer (R,G,B,x), borrowed until the next loop pass.
 * 0, or -1 when not connected. */
int vnc_frame(const struct vnc *v, struct thumb_frame *out);

/* Keep t up to date (borrowed; NULL detaches): recomputed in full now if a
 * frame is there, then incrementally with every capped frame. Call again
 * after thumb_resize()/thumb_set_opts() to redraw at once. When the server
 * goes away the thumbnail keeps the last picture. */
void vnc_set_thumb(struct vnc *v, struct thumb *t);

/* Input to the guest (RFB KeyEvent / PointerEvent), queued for the worker
 * thread, which sends it: never waits. Both are all or nothing; -1 when
 * not connected or when too much is waiting (65536 events: a server
 * that stopped reading).
 * vnc_send_chord: press keysyms[0..n-1] in order, release them in reverse
 * (one key: n = 1; Ctrl-c: XK_Control_L, XK_c).
 * vnc_send_click: move to pixel x,y of the framebuffer (clamped to it),
 * press the RFB buttons (1 left, 2 middle, 4 right, 8/16 wheel up/down),
 * release them. */
int vnc_send_chord(struct vnc *v, const uint32_t *keysyms, size_t n);
int vnc_send_click(struct vnc *v, int x, int y, unsigned buttons);
/* Input events queued since vnc_new (each key press, release, pointer
 * message). For tests. */
uint64_t vnc_inputs(const struct vnc *v);

/* Worker threads alive (all VNC clients). A cancelled one ends on its own:
 * at once, or when a pending name lookup returns. For tests. */
unsigned vnc_workers(void);

/* Where libvncclient's own log lines go (all VNC clients); NULL = nowhere. */
void vnc_set_log(FILE *fp);

/* Parse a target: a UNIX path (*unix_path set) or TCP (*host, *port). */
int vnc_target_parse(const char *target, char **unix_path, char **host, int *port, char **err);

/* The target for a VM: its profile's "vnc:" address (QEMU options after
 * ',' dropped, a wildcard listen address turned into loopback), else the
 * UNIX socket <runtime>/<name>/vnc.sock. p may be NULL (name only). Caller
 * frees. NULL when the socket is wanted and name is not a valid VM name
 * (paths_vm_dir): never a path outside the runtime directory. */
struct profile;
char *vnc_profile_target(const struct profile *p, const char *name);
/* The password from p's vnc_password_file, NULL when none; the whole file
 * verbatim (a trailing newline too), exactly as QEMU's secret object reads
 * it. -1 when the file cannot be read. */
int vnc_profile_password(const struct profile *p, char **password, char **err);
/* The first line of a password file (for servers other than vmdeck's QEMU,
 * e.g. x11vnc -passwd). */
int vnc_password_file_read(const char *path, char **password, char **err);

/* Save a frame as an 8-bit RGB PNG (libpng). */
int vnc_write_png(const struct thumb_frame *f, const char *path, char **err);

#endif
