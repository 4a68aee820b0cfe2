/* vnc_priv: what core/vnc.c (the loop's side) and core/vnc_worker.c (the
 * worker thread of each connection attempt) share: the link between them. */
#ifndef VMDECK_VNC_PRIV_H
#define VMDECK_VNC_PRIV_H

#include "core/vnc.h"

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MAX_RECTS 16          /* more pending rectangles collapse into their union */
#define VNC_MAX_INPUT 65536   /* key and pointer events waiting for the worker (a paste is
                              * many); not MAX_INPUT: <limits.h> has one */

/* A key or pointer event on its way to the server (RFB KeyEvent,
 * PointerEvent), queued by the loop, sent by the worker. */
struct vnc_input {
	bool pointer;
	bool down;                 /* key: pressed */
	uint8_t buttons;           /* pointer: RFB button mask */
	uint16_t x, y;             /* pointer: framebuffer pixel */
	uint32_t keysym;           /* key: X11 keysym */
};

/* How far a worker got, for the reason when the loop gives up on it. */
enum stage { ST_LOOKUP, ST_CONNECT, ST_GREETING, ST_HANDSHAKE };

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
	int (*open_fd)(void *fd_arg, char **why); /* the caller connects (vnc_config) */
	void (*fd_unref)(void *fd_arg);
	void *fd_arg;
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
	struct vnc_input *input;   /* loop -> worker, sent in order; the worker takes the array */
	size_t ninput, input_cap;
	/* Worker-only, except while frame (the loop copies them then). */
	uint8_t *lfb;
	int lfbw, lfbh;
	bool resized;              /* lfb was (re)allocated since the last frame */
	bool finished;             /* FinishedFrameBufferUpdate seen */
	struct vnc_input *wq;      /* taken from input, being sent (paced: vnc_worker.c) */
	size_t wn, wi;
	double tokens;             /* key events that may go out now */
	uint64_t tokens_us;
	struct vnc_rect rects[MAX_RECTS];
	size_t nrects;
};

/* --- core/vnc_worker.c --- */

/* Ignore SIGPIPE (libvncclient write()s to sockets that may be gone); once,
 * on the loop. The library itself and its log are the first worker's. */
void vnc_worker_init(void);
/* A link for one connection attempt (target as the user wrote it; either
 * unix_path or host and port), its worker already running and holding one
 * reference, the caller the other. NULL with *why when no eventfd or thread
 * could be had. */
struct link *vnc_worker_start(const char *target, const char *unix_path, const char *host, int port,
			      const char *password, char **why);
/* The same with a socket cfg->open_fd makes (takes one fd_ref). */
struct link *vnc_worker_start_fd(const struct vnc_config *cfg, char **why);
/* The loop lets go: the worker stops at its next step. */
void vnc_worker_cancel(struct link *l);
/* Drop one reference; the last frees the link. */
void vnc_worker_unref(struct link *l);
/* The loop took the published frame: the worker reads on. */
void vnc_worker_go(struct link *l);
/* Queue events for the worker to send (all or none). -1: the queue is
 * full (a server that stopped reading). */
int vnc_worker_input(struct link *l, const struct vnc_input *ev, size_t n);
/* Reset an eventfd after it woke us. */
void vnc_worker_drain(int efd);

/* --- core/vnc.c --- */

/* Add a rectangle to a list of at most MAX_RECTS; more collapse into one
 * bounding box. */
void vnc_rects_add(struct vnc_rect *rects, size_t *n, int x, int y, int w, int h);

#endif
