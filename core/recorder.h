/* recorder: the supervisor's own QMP monitor on QEMU, and the record of the
 * run state it keeps — the recorder that is always there (as libvirtd is for
 * libvirt), so that a `vmdeck status` with no watcher running asks no QEMU.
 *
 * QEMU gets one end of a socket pair as fd 4 (qemu_args: -chardev
 * socket,id=vmdeck-rec,fd=4 -mon chardev=vmdeck-rec,mode=control); the
 * supervisor reads the other in its one poll loop (core/relay.c): greeting,
 * then qmp_capabilities and one query-status together, then QEMU's events
 * — STOP and RESUME change the state at once, STOP, SUSPEND and WAKEUP get
 * one more query-status, as the owner's connection does (core/vm_qmp.c).
 * Every change is written whole (rename) to DIR/qemu-state:
 *
 *   QEMU-PID QEMU-TICKS SUPERVISOR-PID SUPERVISOR-TICKS running|paused
 *
 * The record is removed when the state is no longer known — SHUTDOWN, the
 * monitor hung up or refused a command, QEMU's exit — so a reader that
 * finds it believes it only while it names the live QEMU and a live, not
 * stopped supervisor (RECORDER_FILE's readers: core/vm_qmp.c). Nothing here
 * blocks: the socket is non-blocking, and a QEMU that does not read (stopped)
 * costs a dropped query and a removed record, never a wait. */
#ifndef VMDECK_RECORDER_H
#define VMDECK_RECORDER_H

#include <sys/types.h>

/* The fd QEMU finds the recorder's monitor on (see core/supervisor.h for 3). */
#define RECORDER_QEMU_FD 4
/* The chardev's id in QEMU's argv (reserved: a profile cannot use it). */
#define RECORDER_CHARDEV_ID "vmdeck-rec"
/* The record's name in the VM's runtime dir. */
#define RECORDER_FILE "qemu-state"

/* Start on fd (the supervisor's end; taken, made non-blocking) for QEMU pid
 * with start time qticks; any old record in dir is removed. */
void recorder_start(const char *dir, int fd, pid_t qpid, unsigned long long qticks);
/* The fd to poll for POLLIN, -1 once the monitor is gone. */
int recorder_fd(void);
/* Read what QEMU sent (poll said fd was ready). */
void recorder_ready(void);
/* QEMU has exited: the record goes, the socket closes. */
void recorder_finish(void);

#endif
