/* Unit tests for core/closer: an fd handed over is gone from this process at
 * once and closed by the closer process (the other end of a pipe sees EOF);
 * the closer holds no other fd of ours; a closer that is gone is replaced;
 * a forked child closes at once. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/closer.h"

/* Wait (bounded) for EOF on fd: the write end's last copy is closed. */
static bool eof_within(int fd, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	if (poll(&p, 1, ms) != 1)
		return false;
	char c;
	return read(fd, &c, 1) == 0;
}

/* Gone, or a zombie (a grandchild is reaped by whoever adopts it). */
static bool dead(pid_t pid)
{
	char path[64], st[256];
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return true;
	bool z = fgets(st, sizeof(st), f) && strstr(st, ") Z ");
	fclose(f);
	return z;
}

static void test_closes_elsewhere(void **state)
{
	(void)state;
	for (int i = 0; i < 50; i++) {
		int p[2];
		assert_int_equal(pipe2(p, O_CLOEXEC), 0);
		closer_close(p[1]);
		assert_int_equal(fcntl(p[1], F_GETFD), -1); /* gone from us at once */
		assert_int_equal(errno, EBADF);
		assert_true(eof_within(p[0], 20000)); /* and closed over there */
		close(p[0]);
	}
	pid_t pid = closer_pid();
	assert_true(pid > 0);
	assert_true(pid != getpid());
	closer_close(-1); /* ignored */
}

/* The closer holds no fd of ours: a pipe open here when it was made still
 * reads EOF once we close the write end. */
static void test_holds_nothing_of_ours(void **state)
{
	(void)state;
	/* A fresh closer: kill the one there is (it is ours to stop, by pid). */
	pid_t old = closer_pid();
	int p[2];
	assert_int_equal(pipe(p), 0); /* not CLOEXEC: a fork would keep it */
	if (old > 0) {
		kill(old, SIGKILL);
		for (int i = 0; i < 2000 && !dead(old); i++)
			usleep(10000); /* a bounded poll for its end */
		assert_true(dead(old));
	}
	int q[2];
	assert_int_equal(pipe2(q, O_CLOEXEC), 0);
	closer_close(q[1]); /* finds the old one gone, makes a new one */
	assert_true(eof_within(q[0], 20000));
	close(q[0]);
	pid_t now = closer_pid();
	assert_true(now > 0);
	assert_true(now != old);
	close(p[1]);
	assert_true(eof_within(p[0], 20000)); /* the new closer did not keep p[1] */
	close(p[0]);
}

static void test_forked_child_closes_itself(void **state)
{
	(void)state;
	int p[2];
	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	pid_t c = fork();
	if (c == 0) {
		close(p[0]);
		closer_close(p[1]);
		_exit(closer_pid() == 0 && fcntl(p[1], F_GETFD) == -1 ? 0 : 1);
	}
	close(p[1]);
	int st;
	assert_int_equal(waitpid(c, &st, 0), c);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	assert_true(eof_within(p[0], 20000));
	close(p[0]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_closes_elsewhere),
		cmocka_unit_test(test_holds_nothing_of_ours),
		cmocka_unit_test(test_forked_child_closes_itself),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
