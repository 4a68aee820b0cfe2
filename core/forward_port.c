/* forward_port: is a forward's host port free before a start, and if not,
 * who holds it (best effort: /proc/net socket inode -> /proc/PID/fd). */
#include "core/forward.h"
#include "core/util.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* Socket inodes bound to port (listening, for TCP) in one /proc/net file. */
static size_t inodes_of_port(const char *file, bool tcp, unsigned port, unsigned long *ino, size_t max)
{
	FILE *f = fopen(file, "re");
	if (!f)
		return 0;
	char line[512];
	size_t n = 0;
	if (!fgets(line, sizeof(line), f)) { /* header */
		fclose(f);
		return 0;
	}
	while (n < max && fgets(line, sizeof(line), f)) {
		char local[64];
		unsigned st;
		unsigned long inode;
		/* sl local rem st tx:rx tr:when retr uid timeout inode */
		if (sscanf(line, " %*s %63s %*s %x %*s %*s %*s %*s %*s %lu", local, &st, &inode) != 3)
			continue;
		const char *colon = strrchr(local, ':');
		if (!colon || strtoul(colon + 1, NULL, 16) != port)
			continue;
		if (tcp && st != 0x0A) /* TCP_LISTEN */
			continue;
		if (inode)
			ino[n++] = inode;
	}
	fclose(f);
	return n;
}

/* "VM 'NAME' (QEMU pid N)" when pid is a QEMU vmdeck started (its -name
 * says process=vmdeck-NAME), else "COMM (pid N)". */
static char *describe_pid(long pid)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%ld/cmdline", pid);
	size_t len = 0;
	char *cmd = file_read_all(path, &len);
	char *vm = NULL;
	for (size_t i = 0; cmd && i < len; i += strlen(cmd + i) + 1) {
		const char *a = cmd + i;
		if (strncmp(a, "guest=", 6) == 0 && strstr(a, ",process=vmdeck-")) {
			vm = xstrndup(a + 6, strcspn(a + 6, ","));
			break;
		}
	}
	free(cmd);
	if (vm) {
		char *s = xasprintf("VM '%s' (QEMU pid %ld)", vm, pid);
		free(vm);
		return s;
	}
	snprintf(path, sizeof(path), "/proc/%ld/comm", pid);
	char *comm = file_read_all(path, NULL);
	if (comm)
		comm[strcspn(comm, "\n")] = '\0';
	char *s = xasprintf("%s (pid %ld)", comm && *comm ? comm : "a process", pid);
	free(comm);
	return s;
}

static long pid_with_inode(const unsigned long *ino, size_t n)
{
	DIR *d = opendir("/proc");
	if (!d)
		return -1;
	long found = -1;
	struct dirent *e;
	while (found < 0 && (e = readdir(d))) {
		if (!isdigit((unsigned char)e->d_name[0]))
			continue;
		char fdp[300];
		snprintf(fdp, sizeof(fdp), "/proc/%s/fd", e->d_name);
		DIR *fd = opendir(fdp);
		if (!fd)
			continue; /* another user's, or gone */
		struct dirent *fe;
		while (found < 0 && (fe = readdir(fd))) {
			char lp[600], target[64];
			snprintf(lp, sizeof(lp), "%s/%s", fdp, fe->d_name);
			ssize_t r = readlink(lp, target, sizeof(target) - 1);
			if (r <= 0)
				continue;
			target[r] = '\0';
			unsigned long i;
			if (sscanf(target, "socket:[%lu]", &i) != 1)
				continue;
			for (size_t k = 0; k < n; k++)
				if (ino[k] == i)
					found = strtol(e->d_name, NULL, 10);
		}
		closedir(fd);
	}
	closedir(d);
	return found;
}

char *forward_holder(const struct forward *f)
{
	bool tcp = f->proto == FORWARD_TCP;
	unsigned long ino[32];
	size_t n = inodes_of_port(tcp ? "/proc/net/tcp" : "/proc/net/udp", tcp, f->host_port, ino, ARRAY_LEN(ino));
	n += inodes_of_port(tcp ? "/proc/net/tcp6" : "/proc/net/udp6", tcp, f->host_port, ino + n,
			    ARRAY_LEN(ino) - n);
	if (!n)
		return NULL;
	long pid = pid_with_inode(ino, n);
	return pid > 0 ? describe_pid(pid) : NULL;
}

int forward_port_check(const struct forward *f, char **err)
{
	bool tcp = f->proto == FORWARD_TCP;
	int fd = socket(AF_INET, (tcp ? SOCK_STREAM : SOCK_DGRAM) | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return error_set(err, "cannot test %s port %u: socket: %s", forward_proto_name(f->proto), f->host_port,
				 strerror(errno));
	int one = 1;
	/* QEMU's slirp sets it on its TCP listeners: a port in TIME_WAIT is free. */
	if (tcp)
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)f->host_port) };
	inet_pton(AF_INET, f->host, &sa.sin_addr);
	int r = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	int e = errno;
	close(fd);
	if (r == 0)
		return 0;
	char *rule = forward_format(f);
	int rc;
	if (e == EADDRINUSE) {
		char *who = forward_holder(f);
		rc = error_kind_set(err, ERR_BUSY, "forward %s: %s port %u on %s is in use by %s", rule,
				    forward_proto_name(f->proto), f->host_port, f->host,
				    who ? who : "another program (not found in /proc: another user's?)");
		free(who);
	} else if (e == EACCES)
		rc = error_kind_set(err, ERR_PERM,
				    "forward %s: %s port %u is below 1024: binding it needs root or "
				    "CAP_NET_BIND_SERVICE",
				    rule, forward_proto_name(f->proto), f->host_port);
	else if (e == EADDRNOTAVAIL)
		rc = error_kind_set(err, ERR_INVALID, "forward %s: %s is not an address of this host", rule, f->host);
	else
		rc = error_set(err, "forward %s: cannot bind %s port %u on %s: %s", rule, forward_proto_name(f->proto),
			       f->host_port, f->host, strerror(e));
	free(rule);
	return rc;
}
