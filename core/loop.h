/* loop: the one place vmdeck blocks. One poll() over registered fds, with
 * timers (deadline list) and signals (signalfd). Callbacks change models and
 * set dirty bits; after each pass the "after" hook runs once (the redraw). */
#ifndef VMDECK_LOOP_H
#define VMDECK_LOOP_H

#include <stdbool.h>
#include <stdint.h>

struct loop;
struct loop_timer;

typedef void (*loop_fd_cb)(int fd, short revents, void *arg);
typedef void (*loop_timer_cb)(struct loop_timer *t, void *arg);
typedef void (*loop_signal_cb)(int signo, void *arg);
typedef void (*loop_after_cb)(void *arg);

struct loop *loop_new(void);
void loop_free(struct loop *l);

/* Watch fd for events (POLLIN/POLLOUT). One registration per fd. */
int loop_fd_add(struct loop *l, int fd, short events, loop_fd_cb cb, void *arg);
void loop_fd_events(struct loop *l, int fd, short events);
/* Safe to call from inside any callback, including the fd's own. */
void loop_fd_del(struct loop *l, int fd);

/* A timer fires after ms milliseconds; if repeat, then every ms. */
struct loop_timer *loop_timer_add(struct loop *l, uint64_t ms, bool repeat, loop_timer_cb cb, void *arg);
/* Safe from inside callbacks (including the timer's own). NULL is a no-op. */
void loop_timer_del(struct loop *l, struct loop_timer *t);
void loop_timer_reset(struct loop *l, struct loop_timer *t, uint64_t ms);

/* Block the signal and deliver it through the loop's signalfd. */
int loop_signal_add(struct loop *l, int signo, loop_signal_cb cb, void *arg);

void loop_set_after(struct loop *l, loop_after_cb cb, void *arg);

/* One pass: wait at most max_ms (-1 = until something happens), dispatch. */
int loop_run_once(struct loop *l, int max_ms);
/* Run until loop_quit(). */
int loop_run(struct loop *l);
void loop_quit(struct loop *l);
bool loop_quitting(const struct loop *l);

#endif
