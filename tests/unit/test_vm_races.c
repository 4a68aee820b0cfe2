/* Races between vmdecks that watch one exit (issue 17's soak: one long-lived
 * `status --follow` watcher, the QMP owner, must tell each of 200 exits
 * exactly once while `stop` verbs tidy them). Against the fake QEMU of
 * vm_fixture.h; "another vmdeck" is played by this test holding vm.lock and
 * writing what that vmdeck would. Each test follows the states the watcher
 * told (on_change_trace: one letter per change) and checks the exit is
 * told once: 'E' once, no 'S' (starting) in between. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vm_fixture.h"
#include "core/paths.h"

static char trace[512]; /* the states on_change_trace saw, one letter each */
static const struct vm *traced; /* of this VM (the vmm knows the other tests' too) */

static void on_change_trace(struct vm *vm, void *arg)
{
	(void)arg;
	if (!vm || (traced && vm != traced))
		return;
	static const char letters[VM_STATE_COUNT] = { [VM_STOPPED] = 's', [VM_STARTING] = 'S', [VM_RUNNING] = 'r',
						      [VM_PAUSED] = 'p', [VM_STOPPING] = 'x', [VM_EXITED] = 'E',
						      [VM_UNKNOWN] = '?' };
	size_t n = strlen(trace);
	if (n + 1 < sizeof(trace))
		trace[n] = letters[vm_state(vm)] ? letters[vm_state(vm)] : '.';
}

static void pump(struct fx *f, unsigned ms)
{
	uint64_t end = now_mono_us() + (uint64_t)ms * 1000;
	while (now_mono_us() < end)
		loop_run_once(f->l, 10);
}

static size_t count(const char *s, char c)
{
	size_t n = 0;
	for (; *s; s++)
		n += *s == c;
	return n;
}

/* Run the loop until the exit is told ('E' in the trace) or ms passed
 * (a bounded poll: busy cores delay it, never fail it). */
static void pump_until_told(struct fx *f, unsigned ms)
{
	uint64_t end = now_mono_us() + (uint64_t)ms * 1000;
	while (!strchr(trace, 'E') && now_mono_us() < end)
		loop_run_once(f->l, 10);
	pump(f, 50); /* and what the same changes bring next */
}

/* Another vmdeck's hold on DIR/vm.lock (an OFD lock, as vm_lock_acquire
 * takes it): -1 while it is held (by the supervisor). */
static int other_lock(struct vm *vm)
{
	char *lf = path_join(vm_dir(vm), "vm.lock");
	int fd = open(lf, O_RDWR | O_CLOEXEC);
	free(lf);
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
	if (fd >= 0 && fcntl(fd, F_OFD_SETLK, &fl) < 0) {
		close(fd);
		fd = -1;
	}
	return fd;
}

static void other_tidy(struct vm *vm, bool record)
{
	static const char *const stale[] = { "qmp.sock", "ctl.sock", "qemu.pid", "qemu.start", "qmp.lock", "run-state" };
	for (size_t i = 0; i < sizeof(stale) / sizeof(*stale); i++) {
		char *f = path_join(vm_dir(vm), stale[i]);
		unlink(f);
		free(f);
	}
	if (record) {
		char *f = path_join(vm_dir(vm), "last-exit");
		const char *text = "{\"cause\":\"signal\",\"code\":9,\"time\":1}";
		assert_int_equal(file_write_atomic(f, text, strlen(text), 0600, NULL), 0);
		free(f);
	}
}

/* The soak's "watcher saw every exit (201 of 200)": the watcher (the QMP
 * owner) sees QEMU go, but another vmdeck (`stop --force`) takes vm.lock to
 * tidy first. The watcher must not tell the exit twice — its own story at
 * once, then, having seen the held vm.lock as a start ("starting"), the
 * other's record as a new exit — but once, the tidier's. And once the exit
 * is told, a vmdeck that takes vm.lock only to look (the second tidier)
 * is no start either: the exit stays. */
static void test_exit_tidied_by_another(void **state)
{
	struct fx *f = *state;
	write_profile("ft", NULL);
	vmm_sync_profiles(f->m, load());
	struct vm *vm = vmm_find(f->m, "ft");
	char *err = NULL;
	assert_int_equal(vm_start(vm, on_done, f, &err), 0);
	wait_dones(f, 1);
	assert_true(vm_is_owner(vm));
	vmm_set_on_change(f->m, on_change_trace, f);
	trace[0] = '\0';
	traced = vm;
	/* QEMU dies; the supervisor records it and lets go of vm.lock; the
	 * other vmdeck takes it before this one's loop runs. */
	assert_int_equal(kill(vm_pid(vm), SIGKILL), 0);
	int fd = -1;
	for (int i = 0; i < 1000 && fd < 0; i++) {
		fd = other_lock(vm);
		if (fd < 0)
			usleep(10000);
	}
	assert_true(fd >= 0);
	pump(f, 2300);     /* past the wait for exit-status and vm.lock: the exit is settled */
	other_tidy(vm, false);
	vmm_rescan(f->m);  /* a look while the other holds vm.lock, its record not written yet */
	pump(f, 50);
	other_tidy(vm, true);
	vmm_rescan(f->m);
	pump(f, 50);
	close(fd);         /* the other vmdeck is done */
	pump_until_told(f, 10000);
	vmm_rescan(f->m);
	pump(f, 50);
	assert_int_equal(vm_state(vm), VM_EXITED);
	assert_string_equal(vm_status_text(vm), "exited, signal 9");
	if (strchr(trace, 'S'))
		fprintf(stderr, "trace: %s\n", trace);
	assert_null(strchr(trace, 'S'));
	assert_int_equal(strchr(trace, 'E') - trace, (long)strlen(trace) - 1); /* told once, last */

	/* A second vmdeck takes vm.lock only to take the record in. */
	trace[0] = '\0';
	fd = other_lock(vm);
	assert_true(fd >= 0);
	vmm_rescan(f->m);
	pump(f, 50);
	close(fd);
	vmm_rescan(f->m);
	pump(f, 50);
	assert_string_equal(trace, "");
	assert_int_equal(vm_state(vm), VM_EXITED);
	assert_string_equal(vm_status_text(vm), "exited, signal 9");
	vmm_set_on_change(f->m, on_change, f);
}

/* Start a VM in f and follow its changes from there (trace emptied). */
static struct vm *start_traced(struct fx *f, const char *name)
{
	write_profile(name, NULL);
	vmm_sync_profiles(f->m, load());
	struct vm *vm = vmm_find(f->m, name);
	char *err = NULL;
	assert_int_equal(vm_start(vm, on_done, f, &err), 0);
	wait_dones(f, f->dones + 1);
	assert_true(vm_is_owner(vm));
	vmm_set_on_change(f->m, on_change_trace, f);
	trace[0] = '\0';
	traced = vm;
	return vm;
}

/* QEMU killed; "another vmdeck" takes vm.lock the moment its supervisor
 * lets go (before this one's loop runs again): its fd. */
static int kill_and_take(struct vm *vm)
{
	assert_int_equal(kill(vm_pid(vm), SIGKILL), 0);
	int fd = -1;
	for (int i = 0; i < 1000 && fd < 0; i++) {
		fd = other_lock(vm);
		if (fd < 0)
			usleep(10000);
	}
	assert_true(fd >= 0);
	return fd;
}

/* The tidier is slow to be scheduled (two busy cores): it holds vm.lock
 * for 4 s, longer than the 1 s the watcher used to wait (200 looks 5 ms
 * apart: more under load, hence the margin), before it
 * writes its record. The exit's records (exit-status) are there all the
 * while: a tidy, not a start — the watcher keeps waiting and tells the
 * exit once, the tidier's story. It used to tell its own story after 1 s,
 * take the held lock for a start ("starting") and tell the record as a new
 * exit ("ESE"). */
static void test_slow_tidier(void **state)
{
	struct fx *f = *state;
	struct vm *vm = start_traced(f, "fs");
	int fd = kill_and_take(vm);
	pump(f, 2000 + 4000); /* the wait for exit-status and vm.lock, then 4 s of tidy */
	other_tidy(vm, false);
	vmm_rescan(f->m);
	pump(f, 50);
	assert_int_equal(count(trace, 'E'), 0); /* not told yet: the record is coming */
	other_tidy(vm, true);
	close(fd);
	pump_until_told(f, 10000);
	vmm_rescan(f->m);
	pump(f, 50);
	if (count(trace, 'E') != 1 || strchr(trace, 'S'))
		fprintf(stderr, "trace: %s\n", trace);
	assert_int_equal(count(trace, 'E'), 1);
	assert_null(strchr(trace, 'S'));
	assert_int_equal(vm_state(vm), VM_EXITED);
	assert_string_equal(vm_status_text(vm), "exited, signal 9");
	vmm_set_on_change(f->m, on_change, f);
}

/* A start takes vm.lock right after the exit (the user restarts at once):
 * it removes the exit's records and holds the lock for good. The watcher
 * tells the exit as soon as the records go — not after a timeout — and
 * then the start. */
static void test_start_right_after_exit(void **state)
{
	struct fx *f = *state;
	struct vm *vm = start_traced(f, "fr");
	int fd = kill_and_take(vm);
	pump(f, 2000 + 300); /* the wait for exit-status and vm.lock: now waiting for the holder */
	assert_int_equal(count(trace, 'E'), 0);
	static const char *const records[] = { "exit-status", "shutdown-reason", "last-exit" };
	for (size_t i = 0; i < sizeof(records) / sizeof(*records); i++) {
		char *p = path_join(vm_dir(vm), records[i]);
		unlink(p);
		free(p);
	}
	other_tidy(vm, false); /* and the dead QEMU's leftovers, as a start does */
	pump_until_told(f, 500); /* at once: not after the second a holder without records gets */
	assert_int_equal(count(trace, 'E'), 1);
	assert_int_equal(trace[0], 'E'); /* the exit first, its own story ... */
	assert_int_equal(vm_cause(vm), VM_CAUSE_SIGNAL);
	vmm_rescan(f->m); /* ... then vm.lock held, no records, no QEMU yet: a start */
	pump(f, 50);
	assert_int_equal(vm_state(vm), VM_STARTING);
	assert_int_equal(count(trace, 'E'), 1);
	close(fd); /* the start gave up: stopped */
	vmm_rescan(f->m);
	pump(f, 50);
	assert_int_equal(vm_state(vm), VM_STOPPED);
	assert_int_equal(count(trace, 'E'), 1);
	vmm_set_on_change(f->m, on_change, f);
}

/* The exit told and tidied here; then what it left turns up (a pidfile
 * of the dead QEMU — a tidier that did not finish): the scan cleans it as
 * a leftover, but it is the exit already told, with the same story — not
 * told again. */
static void test_leftover_of_told_exit(void **state)
{
	struct fx *f = *state;
	struct vm *vm = start_traced(f, "fl");
	pid_t pid = vm_pid(vm);
	char *err = NULL;
	assert_int_equal(vm_kill(vm, on_done, f, &err), 0);
	wait_dones(f, f->dones + 1);
	assert_string_equal(vm_status_text(vm), "exited, signal 9");
	if (count(trace, 'E') != 1)
		fprintf(stderr, "trace: %s\n", trace);
	assert_int_equal(count(trace, 'E'), 1);
	char *p = path_join(vm_dir(vm), "qemu.pid");
	char *text = xasprintf("%ld\n", (long)pid);
	assert_int_equal(file_write_atomic(p, text, strlen(text), 0600, NULL), 0);
	vmm_rescan(f->m);
	pump(f, 50);
	assert_false(path_exists(p)); /* cleaned */
	free(p);
	free(text);
	assert_int_equal(count(trace, 'E'), 1);
	assert_string_equal(vm_status_text(vm), "exited, signal 9");
	vmm_set_on_change(f->m, on_change, f);
}

int main(int argc, char **argv)
{
	int rc = vmfx_init(argc, argv);
	if (rc >= 0)
		return rc;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_exit_tidied_by_another, setup, teardown),
		cmocka_unit_test_setup_teardown(test_slow_tidier, setup, teardown),
		cmocka_unit_test_setup_teardown(test_start_right_after_exit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_leftover_of_told_exit, setup, teardown),
	};
	return vmfx_finish(cmocka_run_group_tests(tests, NULL, NULL));
}
