/* tui/cmd_snapjob.c against a scripted QMP peer on a UNIX socket (a forked
 * child): a job followed by its JOB_STATUS_CHANGE events, as QEMU 7.2 sends
 * them (the events before the command's own late reply); a job that
 * concludes with an error; a command QEMU refuses; QEMU gone in the middle
 * (the connection closes: lost); a job that never ends (the timeout). */
#include "core/loop.h"
#include "core/util.h"
#include "tui/cmd_storage.h"

#include <json-c/json.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

enum plot { OK, JOB_ERROR, REFUSED, DIES, HANGS };

/* The peer's side: read one command, return its name and id. */
static struct json_object *next_cmd(int fd, struct json_tokener *tok, const char **name)
{
	static char buf[8192];
	static size_t have, off;
	for (;;) {
		while (off < have) {
			struct json_object *o = json_tokener_parse_ex(tok, buf + off, (int)(have - off));
			enum json_tokener_error e = json_tokener_get_error(tok);
			if (e == json_tokener_continue) {
				off = have;
				break;
			}
			off += (size_t)json_tokener_get_parse_end(tok);
			json_tokener_reset(tok);
			struct json_object *ex;
			if (o && json_object_object_get_ex(o, "execute", &ex)) {
				*name = json_object_get_string(ex);
				return o;
			}
			json_object_put(o);
		}
		ssize_t r = read(fd, buf, sizeof(buf));
		if (r <= 0)
			_exit(0);
		have = (size_t)r;
		off = 0;
	}
}

static void say(int fd, const char *fmt, ...)
{
	char line[1024];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(line, sizeof(line) - 2, fmt, ap);
	va_end(ap);
	line[n++] = '\r';
	line[n++] = '\n';
	if (write(fd, line, (size_t)n) != n)
		_exit(1);
}

static void reply(int fd, struct json_object *cmd, const char *ret)
{
	struct json_object *id;
	json_object_object_get_ex(cmd, "id", &id);
	say(fd, "{\"return\": %s, \"id\": %s}", ret, json_object_to_json_string(id));
}

static void event(int fd, const char *status)
{
	say(fd, "{\"event\": \"JOB_STATUS_CHANGE\", \"data\": {\"status\": \"%s\", \"id\": \"vmdeck-snapshot-save-%ld\"}, "
		"\"timestamp\": {\"seconds\": 1, \"microseconds\": 2}}",
	    status, (long)getppid());
}

/* QEMU 7.2 as seen from ctl.sock: the job's events, then the command's
 * reply (it was held by the big lock), then query-jobs, job-dismiss. */
static void peer(int fd, enum plot plot)
{
	struct json_tokener *tok = json_tokener_new();
	say(fd, "{\"QMP\": {\"version\": {}, \"capabilities\": [\"oob\"]}}");
	const char *name;
	struct json_object *c = next_cmd(fd, tok, &name);
	reply(fd, c, "{}");
	c = next_cmd(fd, tok, &name);
	if (plot == REFUSED) {
		struct json_object *id;
		json_object_object_get_ex(c, "id", &id);
		say(fd, "{\"error\": {\"class\": \"GenericError\", \"desc\": \"Snapshot 'k1' already exists\"}, \"id\": %s}",
		    json_object_to_json_string(id));
		next_cmd(fd, tok, &name); /* until it hangs up */
	}
	event(fd, "created");
	event(fd, "running");
	if (plot == DIES)
		_exit(0);
	if (plot == HANGS)
		next_cmd(fd, tok, &name), next_cmd(fd, tok, &name), next_cmd(fd, tok, &name);
	if (plot == JOB_ERROR)
		event(fd, "aborting");
	else
		event(fd, "waiting"), event(fd, "pending");
	event(fd, "concluded");
	reply(fd, c, "{}");
	for (;;) {
		c = next_cmd(fd, tok, &name);
		if (strcmp(name, "query-jobs") == 0) {
			char ret[512];
			snprintf(ret, sizeof(ret),
				 "[{\"current-progress\": 1, \"status\": \"concluded\", \"total-progress\": 1, \"type\": "
				 "\"snapshot-save\", \"id\": \"vmdeck-snapshot-save-%ld\"%s}]",
				 (long)getppid(),
				 plot == JOB_ERROR ? ", \"error\": \"Error while writing VM state: Input/output error\"" : "");
			reply(fd, c, ret);
		} else if (strcmp(name, "job-dismiss") == 0) {
			event(fd, "null");
			reply(fd, c, "{}");
		}
	}
}

struct run {
	int rc;
	bool lost;
	char *err;
};

static struct run run_plot(enum plot plot, unsigned timeout_s)
{
	char dir[] = "/tmp/test_snapjob.XXXXXX";
	assert_non_null(mkdtemp(dir));
	char *path = path_join(dir, "ctl.sock");
	int ls = socket(AF_UNIX, SOCK_STREAM, 0);
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	assert_int_equal(bind(ls, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(ls, 1), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int fd = accept(ls, NULL, NULL);
		peer(fd, plot);
		_exit(0);
	}
	close(ls);
	struct loop *l = loop_new();
	struct json_object *args = json_object_new_object();
	json_object_object_add(args, "tag", json_object_new_string("k1"));
	struct run r = { 0 };
	r.rc = snapjob_run(l, "g1", path, "snapshot-save", args, "snapshot-save", timeout_s, &r.lost, &r.err);
	loop_free(l);
	kill(pid, SIGKILL); /* our own child, by its pid */
	waitpid(pid, NULL, 0);
	unlink(path);
	rmdir(dir);
	free(path);
	return r;
}

static void test_ok(void **state)
{
	(void)state;
	struct run r = run_plot(OK, 10);
	assert_int_equal(r.rc, 0);
	assert_false(r.lost);
	assert_null(r.err);
}

static void test_job_error(void **state)
{
	(void)state;
	struct run r = run_plot(JOB_ERROR, 10);
	assert_true(r.rc < 0);
	assert_false(r.lost);
	assert_string_equal(r.err, "VM g1: snapshot-save: Error while writing VM state: Input/output error");
	free(r.err);
}

static void test_refused(void **state)
{
	(void)state;
	struct run r = run_plot(REFUSED, 10);
	assert_true(r.rc < 0);
	assert_false(r.lost);
	assert_string_equal(r.err, "VM g1: snapshot-save: Snapshot 'k1' already exists");
	free(r.err);
}

static void test_dies(void **state)
{
	(void)state;
	struct run r = run_plot(DIES, 10);
	assert_true(r.rc < 0);
	assert_true(r.lost);
	assert_non_null(strstr(r.err, "VM g1: snapshot-save: "));
	free(r.err);
}

static void test_hangs(void **state)
{
	(void)state;
	struct run r = run_plot(HANGS, 1);
	assert_true(r.rc < 0);
	assert_false(r.lost);
	assert_non_null(strstr(r.err, "did not finish within 1 s"));
	free(r.err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ok),	 cmocka_unit_test(test_job_error), cmocka_unit_test(test_refused),
		cmocka_unit_test(test_dies), cmocka_unit_test(test_hangs),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
