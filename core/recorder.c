/* recorder: QEMU's events on the supervisor's own monitor, kept as
 * DIR/qemu-state (see recorder.h). json-c parses (a shared library: a few
 * private pages per supervisor); the rest is plain libc and static state. */
#include "core/recorder.h"
#include "core/proc.h"
#include "core/supervisor.h"

#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* The id of our query-status: its reply is the state, others are not. */
#define QUERY_ID "rs"

static struct recorder {
	int fd;
	pid_t qpid;
	unsigned long long qticks;
	struct json_tokener *tok;
	int word; /* -1: not known (no record), 0 paused, 1 running */
	bool ending; /* SHUTDOWN came: no record again, whatever a late reply says */
	char dir[PATH_MAX];
} Rec = { .fd = -1, .word = -1 };

static void record_drop(void)
{
	char path[PATH_MAX + 16];
	if (Rec.word >= 0 && snprintf(path, sizeof(path), "%s/%s", Rec.dir, RECORDER_FILE) < (int)sizeof(path))
		unlink(path);
	Rec.word = -1;
}

static void record_set(int running)
{
	if (Rec.word == running || Rec.ending)
		return;
	char text[128];
	pid_t self = getpid();
	snprintf(text, sizeof(text), "%ld %llu %ld %llu %s\n", (long)Rec.qpid, Rec.qticks, (long)self,
		 proc_start_ticks(self), running ? "running" : "paused");
	Rec.word = running;
	supervisor_write_record(Rec.dir, RECORDER_FILE, text);
}

/* The monitor is no use any more: no record that could go stale. */
static void give_up(void)
{
	record_drop();
	if (Rec.fd >= 0)
		close(Rec.fd);
	Rec.fd = -1;
	if (Rec.tok)
		json_tokener_free(Rec.tok);
	Rec.tok = NULL;
}

/* A command in one non-blocking send: QEMU that does not take a few dozen
 * bytes is not reading (stopped, stuck) and cannot be followed. */
static void send_cmd(const char *text)
{
	size_t n = strlen(text);
	if (Rec.fd >= 0 && send(Rec.fd, text, n, MSG_DONTWAIT | MSG_NOSIGNAL) != (ssize_t)n)
		give_up();
}

static void query(void)
{
	send_cmd("{\"execute\":\"query-status\",\"id\":\"" QUERY_ID "\"}\r\n");
}

static void on_event(const char *name)
{
	if (strcmp(name, "STOP") == 0) {
		if (Rec.word == 1)
			record_set(0);
		query(); /* why it stopped does not matter here; that it did not resume meanwhile does */
	} else if (strcmp(name, "RESUME") == 0) {
		if (Rec.word == 0)
			record_set(1);
	} else if (strcmp(name, "SUSPEND") == 0 || strcmp(name, "WAKEUP") == 0) {
		query(); /* the run state changes without STOP or RESUME */
	} else if (strcmp(name, "SHUTDOWN") == 0) {
		Rec.ending = true;
		record_drop(); /* stopping: the readers ask QEMU (and see its exit) */
	}
}

static void on_message(struct json_object *o)
{
	struct json_object *v, *id;
	if (json_object_object_get_ex(o, "QMP", NULL)) {
		/* Negotiation and the first look together: one round trip. */
		send_cmd("{\"execute\":\"qmp_capabilities\"}\r\n");
		query();
	} else if (json_object_object_get_ex(o, "event", &v)) {
		on_event(json_object_get_string(v));
	} else if (json_object_object_get_ex(o, "id", &id) && strcmp(json_object_get_string(id), QUERY_ID) == 0) {
		struct json_object *ret, *running;
		if (json_object_object_get_ex(o, "return", &ret) &&
		    json_object_object_get_ex(ret, "running", &running))
			record_set(json_object_get_boolean(running) ? 1 : 0);
		else
			give_up(); /* an error where the state should be */
	}
}

static void feed(const char *buf, size_t len)
{
	size_t off = 0;
	while (off < len && Rec.tok) {
		struct json_object *o = json_tokener_parse_ex(Rec.tok, buf + off, (int)(len - off));
		enum json_tokener_error e = json_tokener_get_error(Rec.tok);
		size_t used = json_tokener_get_parse_end(Rec.tok);
		if (o) {
			off += used;
			json_tokener_reset(Rec.tok);
			on_message(o);
			json_object_put(o);
			continue;
		}
		if (e == json_tokener_continue)
			break;
		if (buf[off] == '\r' || buf[off] == '\n' || buf[off] == ' ' || buf[off] == '\t') {
			json_tokener_reset(Rec.tok);
			off++;
			continue;
		}
		give_up(); /* not QMP */
	}
}

void recorder_start(const char *dir, int fd, pid_t qpid, unsigned long long qticks)
{
	snprintf(Rec.dir, sizeof(Rec.dir), "%s", dir);
	char path[PATH_MAX + 16];
	snprintf(path, sizeof(path), "%s/%s", dir, RECORDER_FILE);
	unlink(path); /* a crashed supervisor's, of another QEMU */
	Rec.fd = fd;
	Rec.qpid = qpid;
	Rec.qticks = qticks;
	Rec.word = -1;
	Rec.ending = false;
	if (fd < 0)
		return;
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	Rec.tok = json_tokener_new();
	if (!Rec.tok || !qticks)
		give_up();
}

int recorder_fd(void)
{
	return Rec.fd;
}

void recorder_ready(void)
{
	char buf[4096];
	ssize_t n = recv(Rec.fd, buf, sizeof(buf), MSG_DONTWAIT);
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) {
		give_up(); /* QEMU hung up: it is exiting, or the monitor failed */
		return;
	}
	feed(buf, (size_t)n);
}

void recorder_finish(void)
{
	give_up();
}
