/* proc: what /proc/PID/stat says of a process — the one reader for the
 * supervisor (a small program of its own: plain libc only), the VM lifecycle
 * and the lab networks' dnsmasq. */
#ifndef VMDECK_PROC_H
#define VMDECK_PROC_H

#include <stdbool.h>
#include <sys/types.h>

/* Field 22, the start time in clock ticks since boot (0: no such process).
 * With the pid it names one process for good: pids are recycled, start
 * times within a boot are not. */
unsigned long long proc_start_ticks(pid_t pid);
/* Alive and not a zombie (an exited process nobody has reaped yet is gone). */
bool proc_alive(pid_t pid);

/* What a process has used, from one read of /proc/PID/stat. */
struct proc_usage {
	unsigned long long cpu_ticks;   /* utime + stime (fields 14, 15), clock ticks */
	unsigned long long rss_pages;   /* field 24 */
	unsigned long long start_ticks; /* field 22 */
};
/* 0, or -1 when the process is gone. */
int proc_usage_read(pid_t pid, struct proc_usage *out);
/* The same from the text after "comm)" (pure; unit-tested). */
int proc_usage_parse(const char *after_comm, struct proc_usage *out);

#endif
