/* proc: /proc/PID/stat readers (plain libc: vmdeck-supervisor links this). */
#include "core/proc.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The text after "comm)" (comm may hold spaces and parentheses), in buf. */
static char *stat_fields(pid_t pid, char *buf, size_t size)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	ssize_t n = read(fd, buf, size - 1);
	close(fd);
	if (n <= 0)
		return NULL;
	buf[n] = '\0';
	char *p = strrchr(buf, ')');
	return p ? p + 1 : NULL;
}

unsigned long long proc_start_ticks(pid_t pid)
{
	char buf[1024];
	char *p = stat_fields(pid, buf, sizeof(buf));
	if (!p)
		return 0;
	/* " S ppid ...": state is field 3, starttime field 22. */
	int field = 2;
	char *save = NULL;
	for (char *t = strtok_r(p, " ", &save); t; t = strtok_r(NULL, " ", &save))
		if (++field == 22)
			return strtoull(t, NULL, 10);
	return 0;
}

bool proc_alive(pid_t pid)
{
	if (pid <= 0 || kill(pid, 0) < 0)
		return false;
	char buf[1024];
	char *p = stat_fields(pid, buf, sizeof(buf));
	return !p || (p[0] != ' ' || (p[1] != 'Z' && p[1] != 'X'));
}

int proc_usage_parse(const char *after_comm, struct proc_usage *out)
{
	memset(out, 0, sizeof(*out));
	/* " S ppid ...": the state is field 3. */
	int field = 2, got = 0;
	const char *p = after_comm;
	while (*p && field < 24) {
		while (*p == ' ')
			p++;
		if (!*p)
			break;
		field++;
		char *end;
		unsigned long long v = strtoull(p, &end, 10);
		if (field == 14 || field == 15)
			out->cpu_ticks += v, got++;
		else if (field == 22)
			out->start_ticks = v, got++;
		else if (field == 24)
			out->rss_pages = v, got++;
		while (*p && *p != ' ')
			p++;
	}
	return got == 4 ? 0 : -1;
}

int proc_usage_read(pid_t pid, struct proc_usage *out)
{
	char buf[1024];
	char *p = pid > 0 ? stat_fields(pid, buf, sizeof(buf)) : NULL;
	if (!p) {
		memset(out, 0, sizeof(*out));
		return -1;
	}
	return proc_usage_parse(p, out);
}
