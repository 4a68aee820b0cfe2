/* relay: the supervisor's half of a VM's serial console. QEMU's serial port
 * is one end of a socketpair the supervisor made; the relay reads the guest's
 * output, appends it to DIR/serial.log (rotated to serial.log.1 at log_max
 * bytes, so the two files never pass 2 x log_max; at a line's end: a short
 * unfinished line moves on into the new log), keeps the newest
 * CONPROTO_REPLAY_MAX bytes, and serves DIR/console.sock (core/conproto.h):
 * every client sees the output, the one holder may type. Plain libc, static
 * buffers: it runs inside the small vmdeck-supervisor program. */
#ifndef VMDECK_RELAY_H
#define VMDECK_RELAY_H

#include <sys/types.h>

/* The size serial.log rotates at when vmdeck is not told otherwise
 * (VMDECK_SERIAL_LOG_MAX, bytes), and the least it accepts. */
#define RELAY_LOG_MAX_DEFAULT (4ll * 1024 * 1024)
#define RELAY_LOG_MAX_MIN 4096ll

/* Relay until QEMU (pid) has exited; returns its wait status. qfd is the
 * supervisor's end of the serial socketpair (closed on return); log_max 0:
 * no serial.log. console.sock is removed on return. */
int relay_run(const char *dir, int qfd, pid_t pid, long long log_max);

#endif
