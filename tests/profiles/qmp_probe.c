/* qmp_probe [--pid PID] SOCKET [quit]: connect to a QMP socket (bounded wait for it to
 * appear), negotiate capabilities, print query-status's "status", then send
 * "quit" when asked. With --pid, give up as soon as that process is gone. Exit 0 on success. A test helper: the lifecycle's real
 * QMP client lives in core/. */
#include <errno.h>
#include <json-c/json.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static char buf[1 << 16];
static size_t blen;

/* Next JSON object that carries "key" (skipping events), or NULL. */
static json_object *read_msg(int fd, const char *key)
{
	for (;;) {
		char *nl;
		while ((nl = memchr(buf, '\n', blen))) {
			*nl = '\0';
			json_object *o = json_tokener_parse(buf);
			size_t used = (size_t)(nl - buf) + 1;
			memmove(buf, buf + used, blen - used);
			blen -= used;
			if (o && (json_object_object_get_ex(o, key, NULL) || json_object_object_get_ex(o, "error", NULL)))
				return o;
			json_object_put(o);
		}
		struct pollfd p = { fd, POLLIN, 0 };
		if (poll(&p, 1, 20000) <= 0)
			return NULL;
		ssize_t r = read(fd, buf + blen, sizeof buf - blen - 1);
		if (r <= 0)
			return NULL;
		blen += (size_t)r;
	}
}

static int send_cmd(int fd, const char *cmd)
{
	char line[256];
	int n = snprintf(line, sizeof line, "{\"execute\":\"%s\"}\n", cmd);
	return write(fd, line, (size_t)n) == n ? 0 : -1;
}

int main(int argc, char **argv)
{
	pid_t pid = 0;
	if (argc > 2 && strcmp(argv[1], "--pid") == 0) {
		pid = (pid_t)atoi(argv[2]);
		argv += 2;
		argc -= 2;
	}
	if (argc < 2) {
		fprintf(stderr, "usage: qmp_probe [--pid PID] SOCKET [quit]\n");
		return 2;
	}
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	snprintf(sa.sun_path, sizeof sa.sun_path, "%s", argv[1]);
	int fd = -1;
	/* QEMU creates the socket during start-up: poll for up to 30 s. */
	for (int i = 0; i < 600; i++) {
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0)
			break;
		close(fd);
		fd = -1;
		if (pid > 0 && kill(pid, 0) < 0) {
			fprintf(stderr, "qmp_probe: process %ld is gone\n", (long)pid);
			return 1;
		}
		nanosleep(&(struct timespec){ 0, 50000000 }, NULL);
	}
	if (fd < 0) {
		fprintf(stderr, "qmp_probe: cannot connect to %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	json_object *o = read_msg(fd, "QMP"), *v;
	if (!o) {
		fprintf(stderr, "qmp_probe: no greeting\n");
		return 1;
	}
	json_object_put(o);
	send_cmd(fd, "qmp_capabilities");
	json_object_put(read_msg(fd, "return"));
	send_cmd(fd, "query-status");
	o = read_msg(fd, "return");
	if (!o || !json_object_object_get_ex(o, "return", &v) || !json_object_object_get_ex(v, "status", &v)) {
		fprintf(stderr, "qmp_probe: bad query-status reply: %s\n", o ? json_object_to_json_string(o) : "(none)");
		return 1;
	}
	printf("%s\n", json_object_get_string(v));
	json_object_put(o);
	if (argc > 2 && strcmp(argv[2], "quit") == 0) {
		send_cmd(fd, "quit");
		json_object_put(read_msg(fd, "return"));
	}
	close(fd);
	return 0;
}
