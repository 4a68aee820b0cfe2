/* console: a client of a VM's serial console relay (RUN/console.sock,
 * core/conproto.h), for the TUI's console pane and `vmdeck console`. Never
 * blocks: the socket is non-blocking, what the relay cannot take yet waits
 * in a bounded queue (console_wants_write, console_flush). */
#ifndef VMDECK_CONSOLE_H
#define VMDECK_CONSOLE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct console;

enum console_event {
	CONSOLE_OUTPUT, /* data, n: the guest's bytes */
	CONSOLE_HELD,   /* this client holds the console: its input reaches the guest */
	CONSOLE_BUSY,   /* an attach was refused: data is "PID WHO" of the holder */
	CONSOLE_TAKEN,  /* another client took it over: data is "PID WHO" */
	CONSOLE_CLOSED, /* the relay went (QEMU exited): free the console */
};
typedef void (*console_cb)(struct console *c, enum console_event ev, const char *data, size_t n, void *arg);

/* Connect to DIR/console.sock as who ("vmdeck console"); replay: the relay
 * first sends the newest output it kept. ERR_NOTFOUND: no relay there (the
 * VM is not running, or was started by a vmdeck without one). */
int console_open(const char *dir, const char *who, bool replay, struct console **out, char **err);
void console_free(struct console *c);
int console_fd(const struct console *c);

/* Read what is ready and report each message; after CONSOLE_CLOSED nothing
 * more comes (returns -1 then). */
int console_read(struct console *c, console_cb cb, void *arg);
/* Ask to hold the console (force: take it over from its holder). */
int console_attach(struct console *c, bool force);
int console_release(struct console *c);
/* Bytes for the guest (sent in pieces of at most CONPROTO_DATA_MAX). -1
 * (ERR_BUSY) when the queue is full: the caller stops reading its input
 * until console_wants_write turns false. */
int console_send(struct console *c, const void *buf, size_t n);
bool console_wants_write(const struct console *c);
/* Send what is queued (call when the fd is writable). */
int console_flush(struct console *c);

/* "PID WHO" (a CONSOLE_BUSY / CONSOLE_TAKEN payload) as "WHO (pid PID)". Caller frees. */
char *console_holder_text(const char *data, size_t n);

#endif
