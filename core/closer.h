/* closer: close() that never waits.
 *
 * Closing a packet socket waits in the kernel for an RCU grace period
 * (packet_release -> synchronize_net): about 10 ms each on an idle host, a
 * second for a hundred; and on some kernels a waiter is now and then not
 * woken for minutes (seen on 6.18 under link churn). A thread would not do:
 * a process cannot exit while one of its threads sleeps in the kernel. So
 * the fd goes to a small process of its own (forked once, detached from us,
 * holding no other fd of ours) over a socket (SCM_RIGHTS); ours is closed
 * first, then it is told to close its copy, the last one: the wait falls on
 * it. If it stops taking fds (stuck, gone), a new one is made; without one,
 * close() happens here. */
#ifndef VMDECK_CORE_CLOSER_H
#define VMDECK_CORE_CLOSER_H

#include <sys/types.h>

/* Close fd without waiting for the kernel's release of it. fd < 0 is ignored. */
void closer_close(int fd);

/* The closer process's pid, or 0 while there is none (tests). */
pid_t closer_pid(void);

#endif
