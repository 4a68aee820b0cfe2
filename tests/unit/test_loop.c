/* Unit tests for core/loop: fds, timers, signals, deletion from callbacks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include "core/loop.h"
#include "core/util.h"

static int fired, reads, sigs, afters;

static void on_timer(struct loop_timer *t, void *arg) { (void)t; (void)arg; fired++; }
static void on_after(void *arg) { (void)arg; afters++; }

static void on_read(int fd, short rev, void *arg)
{
	struct loop *l = arg;
	char c;
	assert_true(rev & POLLIN);
	assert_int_equal(read(fd, &c, 1), 1);
	reads++;
	loop_fd_del(l, fd); /* deleting yourself inside the callback is allowed */
}

static void test_fd_and_timer(void **state)
{
	(void)state;
	struct loop *l = loop_new();
	int p[2];
	assert_int_equal(pipe(p), 0);
	loop_fd_add(l, p[0], POLLIN, on_read, l);
	loop_set_after(l, on_after, NULL);
	struct loop_timer *t = loop_timer_add(l, 5, true, on_timer, NULL);
	assert_int_equal(write(p[1], "x", 1), 1);
	uint64_t start = now_mono_us();
	while (fired < 3)
		loop_run_once(l, 1000);
	assert_true(now_mono_us() - start >= 14000);
	assert_int_equal(reads, 1);
	assert_true(afters >= 3);
	loop_timer_del(l, t);
	int before = fired;
	loop_run_once(l, 20);
	assert_int_equal(fired, before);
	close(p[0]);
	close(p[1]);
	loop_free(l);
}

static void on_sig(int signo, void *arg)
{
	(void)arg;
	assert_int_equal(signo, SIGUSR1);
	sigs++;
}

static void test_signal(void **state)
{
	(void)state;
	struct loop *l = loop_new();
	assert_int_equal(loop_signal_add(l, SIGUSR1, on_sig, NULL), 0);
	kill(getpid(), SIGUSR1);
	for (int i = 0; i < 10 && !sigs; i++)
		loop_run_once(l, 100);
	assert_int_equal(sigs, 1);
	loop_free(l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fd_and_timer),
		cmocka_unit_test(test_signal),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
