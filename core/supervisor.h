/* supervisor: the process that holds a VM's vm.lock for as long as its QEMU
 * lives, forks and waits for QEMU, and records how it ended. It runs as its
 * own small program, vmdeck-supervisor (next to vmdeck), so each VM costs a
 * few hundred KiB instead of a copy of vmdeck's heap; vm.c falls back to
 * calling supervisor_run in its own fork when the program is missing.
 *
 * Contract (set up by vm.c's spawn): a new session; fd 3 holds DIR/vm.lock
 * (an OFD lock, kept by holding the fd), fd 4 is the report pipe; 0-2 are
 * /dev/null. The supervisor forks QEMU (argv[0] looked up in PATH, stdout +
 * stderr to DIR/qemu.log), writes DIR/qemu.start ("PID TICKS"), reports
 * {pid, errno of exec} on fd 4 and closes it, relays QEMU's serial port
 * (core/relay.h) and records QEMU's run state from a monitor of its own on
 * QEMU's fd 4 (core/recorder.h: DIR/qemu-state) until QEMU exits, and
 * writes DIR/exit-status ("exit N" / "signal N"). Plain libc, and json-c
 * for the recorder. */
#ifndef VMDECK_SUPERVISOR_H
#define VMDECK_SUPERVISOR_H

#include <stddef.h>

/* Writes all of buf to fd, retrying on EINTR; gives up silently on an
 * error (the reader then sees a short message) and returns what it wrote.
 * Shared with vm.c's spawn, the relay's log and `vmdeck console`. */
size_t supervisor_write_all(int fd, const void *buf, size_t len);

/* DIR/name, written whole or not at all (like util.c's file_write_atomic:
 * a fresh temporary file, never through a planted link, then rename). */
void supervisor_write_record(const char *dir, const char *name, const char *text);

/* The fd QEMU finds its serial port on (qemu_args: -chardev
 * socket,id=serial0,fd=3): one end of a socketpair whose other end the
 * supervisor relays (core/relay.h: serial.log, console.sock). */
#define SUPERVISOR_SERIAL_FD 3

/* Never returns. serial_log_max: serial.log's rotation size, 0: no log. */
void supervisor_run(const char *dir, long long serial_log_max, char *const *argv) __attribute__((noreturn));

#endif
