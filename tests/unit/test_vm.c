/* Unit tests for core/vm's state machine against a fake QEMU that speaks
 * canned QMP (tests/unit/vm_fixture.h). The races between vmdecks that
 * watch one exit: test_vm_races.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "vm_fixture.h"
#include "core/monitor.h"
#include "core/paths.h"

static void test_lifecycle(void **state)
{
	struct fx *f = *state;
	write_profile("fa", NULL);
	vmm_sync_profiles(f->m, load());
	struct vm *vm = vmm_find(f->m, "fa");
	assert_non_null(vm);
	assert_int_equal(vm_state(vm), VM_STOPPED);
	assert_string_equal(vm_state_name(VM_PAUSED), "paused");

	char *err = NULL;
	int changes0 = f->changes;
	assert_int_equal(vm_start(vm, on_done, f, &err), 0);
	assert_int_equal(vm_state(vm), VM_STARTING);
	wait_dones(f, 1);
	assert_int_equal(f->status, 0);
	assert_int_equal(vm_state(vm), VM_RUNNING);
	assert_true(vm_pid(vm) > 0);
	assert_true(vm_is_owner(vm));
	assert_true(f->changes > changes0);
	/* A second start is refused, naming the VM and its pid. */
	assert_int_equal(vm_start(vm, NULL, NULL, &err), -1);
	assert_non_null(strstr(err, "fa is already running (pid"));
	free(err);
	err = NULL;

	assert_int_equal(vm_pause(vm, on_done, f, &err), 0);
	wait_dones(f, 2);
	assert_int_equal(vm_state(vm), VM_PAUSED);
	assert_int_equal(vm_resume(vm, on_done, f, &err), 0);
	wait_dones(f, 3);
	assert_int_equal(vm_state(vm), VM_RUNNING);
	assert_int_equal(vm_reset(vm, on_done, f, &err), 0);
	wait_dones(f, 4);
	assert_int_equal(f->status, 0);

	assert_int_equal(vm_monitor_exec(vm, "info status", on_monitor, f, &err), 0);
	wait_dones(f, 5);
	assert_string_equal(f->monitor_out, "fake says: info status\r\n");
	struct monitor *mon = vm_monitor(vm);
	assert_int_equal(monitor_line_count(mon), 2);
	assert_string_equal(monitor_line(mon, 0), "(qemu) info status");
	assert_string_equal(monitor_line(mon, 1), "fake says: info status");
	assert_string_equal(monitor_history_at(mon, 0), "info status");

	pid_t pid = vm_pid(vm);
	assert_int_equal(vm_stop(vm, on_done, f, &err), 0);
	assert_int_equal(vm_state(vm), VM_STOPPING);
	wait_dones(f, 6);
	assert_int_equal(vm_state(vm), VM_EXITED);
	assert_int_equal(vm_cause(vm), VM_CAUSE_GUEST_SHUTDOWN);
	assert_string_equal(vm_status_text(vm), "exited, guest shutdown");
	assert_int_equal(vm_pid(vm), 0);
	assert_true(kill(pid, 0) < 0);
	assert_true(logged(f, "fa: system_powerdown sent"));
	assert_true(logged(f, "fa: SHUTDOWN (guest-shutdown)"));
	/* Not running: actions say so instead of doing anything. */
	assert_int_equal(vm_pause(vm, NULL, NULL, &err), -1);
	assert_non_null(strstr(err, "fa is not running"));
	free(err);
}

static void test_escalation_and_kill(void **state)
{
	struct fx *f = *state;
	setenv("FAKE_QEMU", "deaf", 1);
	write_profile("fb", NULL);
	vmm_sync_profiles(f->m, load());
	struct vm *vm = vmm_find(f->m, "fb");
	char *err = NULL;
	assert_int_equal(vm_start(vm, on_done, f, &err), 0);
	wait_dones(f, 1);
	uint64_t t0 = now_mono_us();
	assert_int_equal(vm_stop(vm, on_done, f, &err), 0);
	wait_dones(f, 2);
	uint64_t ms = (now_mono_us() - t0) / 1000;
	assert_true(ms >= 950); /* waited its stop_timeout of 1 s */
	assert_true(logged(f, "fb: POWERDOWN"));
	assert_true(logged(f, "did not shut down within 1 s, sending quit"));
	assert_int_equal(vm_cause(vm), VM_CAUSE_HOST_QUIT);
	assert_string_equal(vm_status_text(vm), "exited, quit");

	/* Kill: the supervisor records signal 9. */
	assert_int_equal(vm_start(vm, on_done, f, &err), 0);
	wait_dones(f, 3);
	assert_int_equal(vm_kill(vm, on_done, f, &err), 0);
	wait_dones(f, 4);
	assert_int_equal(vm_cause(vm), VM_CAUSE_SIGNAL);
	assert_int_equal(vm_exit_code(vm), 9);
	assert_string_equal(vm_status_text(vm), "exited, signal 9");

	/* A signal QEMU catches: SIGTERM -> host signal. */
	assert_int_equal(vm_start(vm, on_done, f, &err), 0);
	wait_dones(f, 5);
	kill(vm_pid(vm), SIGTERM);
	uint64_t deadline = now_mono_us() + 30ULL * 1000000;
	while (vm_state(vm) != VM_EXITED && now_mono_us() < deadline)
		loop_run_once(f->l, 50);
	assert_string_equal(vm_status_text(vm), "exited, host signal");
}

static void test_start_failure(void **state)
{
	struct fx *f = *state;
	setenv("FAKE_QEMU", "die", 1);
	write_profile("fc", NULL);
	vmm_sync_profiles(f->m, load());
	struct vm *vm = vmm_find(f->m, "fc");
	char *err = NULL;
	int src = vm_start(vm, on_done, f, &err);
	if (src < 0)
		fprintf(stderr, "start: %s\n", err);
	assert_int_equal(src, 0);
	wait_dones(f, 1);
	assert_int_equal(f->status, -1);
	assert_non_null(strstr(f->err, "VM fc: QEMU failed to start (exit code 1)"));
	assert_non_null(strstr(f->err, "-frobnicate: invalid option"));
	assert_int_equal(vm_state(vm), VM_EXITED);
	assert_int_equal(vm_cause(vm), VM_CAUSE_START_FAILED);
	assert_non_null(strstr(vm_error(vm), "invalid option"));
	assert_true(vm_exit_time(vm) > 0);
	/* Nothing left behind but why: the log and the record. */
	char *sock = path_join(vm_dir(vm), "qmp.sock"), *pidf = path_join(vm_dir(vm), "qemu.pid");
	assert_false(path_exists(sock));
	assert_false(path_exists(pidf));
	free(sock);
	free(pidf);
	struct strv tail;
	strv_init(&tail);
	assert_int_equal(vm_log_tail(vm, 5, &tail), 1);
	assert_non_null(strstr(tail.v[0], "invalid option"));
	strv_clear(&tail);
	/* Another vmdeck (a second vmm) sees the same failed start, twice. */
	for (int look = 0; look < 2; look++) {
		struct loop *l2 = loop_new();
		struct vmm *m2 = vmm_new(l2, NULL);
		vmm_sync_profiles(m2, load());
		struct vm *v2 = vmm_find(m2, "fc");
		assert_int_equal(vm_state(v2), VM_EXITED);
		assert_int_equal(vm_cause(v2), VM_CAUSE_START_FAILED);
		assert_string_equal(vm_error(v2), vm_error(vm));
		assert_int_equal(vm_exit_time(v2), vm_exit_time(vm));
		strv_init(&tail);
		assert_int_equal(vm_log_tail(v2, 5, &tail), 1);
		assert_non_null(strstr(tail.v[0], "invalid option"));
		strv_clear(&tail);
		vmm_free(m2);
		loop_free(l2);
	}
	/* Kept in memory when the exit was settled: no file read per look. */
	char *logf = path_join(vm_dir(vm), "qemu.log");
	assert_int_equal(unlink(logf), 0);
	free(logf);
	strv_init(&tail);
	assert_int_equal(vm_log_tail(vm, 5, &tail), 1);
	assert_non_null(strstr(tail.v[0], "invalid option"));
	strv_clear(&tail);
	vm_clear_exited(vm);
	assert_int_equal(vm_state(vm), VM_STOPPED);
	vmm_rescan(f->m); /* dismissed here: the record does not bring it back */
	assert_int_equal(vm_state(vm), VM_STOPPED);
}

/* QEMU killed: the vmdeck that saw it tidies; every later one still knows
 * "signal 9" (it used to see "stopped" — issue 10). */
static void test_exit_kept_for_later_vmdecks(void **state)
{
	struct fx *f = *state;
	write_profile("fk", NULL);
	vmm_sync_profiles(f->m, load());
	struct vm *vm = vmm_find(f->m, "fk");
	char *err = NULL;
	assert_int_equal(vm_start(vm, on_done, f, &err), 0);
	wait_dones(f, 1);
	assert_int_equal(vm_kill(vm, on_done, f, &err), 0);
	wait_dones(f, 2);
	assert_string_equal(vm_status_text(vm), "exited, signal 9");
	for (int look = 0; look < 2; look++) {
		struct loop *l2 = loop_new();
		struct vmm *m2 = vmm_new(l2, NULL);
		vmm_sync_profiles(m2, load());
		struct vm *v2 = vmm_find(m2, "fk");
		assert_string_equal(vm_status_text(v2), "exited, signal 9");
		assert_int_equal(vm_exit_code(v2), 9);
		assert_true(vm_exit_time(v2) > 0);
		vmm_free(m2);
		loop_free(l2);
	}
	/* The next start forgets it. */
	assert_int_equal(vm_start(vm, on_done, f, &err), 0);
	wait_dones(f, 3);
	assert_int_equal(vm_cause(vm), VM_CAUSE_NONE);
	assert_int_equal(vm_exit_time(vm), 0);
	assert_int_equal(vm_kill(vm, on_done, f, &err), 0);
	wait_dones(f, 4);
}

static void test_stop_while_starting(void **state)
{
	struct fx *f = *state;
	write_profile("ff", NULL);
	vmm_sync_profiles(f->m, load());
	struct vm *vm = vmm_find(f->m, "ff");
	char *err = NULL;
	assert_int_equal(vm_start(vm, on_done, f, &err), 0);
	assert_int_equal(vm_state(vm), VM_STARTING);
	/* Both callbacks fire: the start fails, the stop succeeds. */
	assert_int_equal(vm_force_stop(vm, on_done, f, &err), 0);
	wait_dones(f, 2);
	assert_int_equal(vm_state(vm), VM_EXITED);
	assert_int_equal(vm_start(vm, on_done, f, &err), 0); /* and it starts again */
	wait_dones(f, 3);
	assert_int_equal(vm_state(vm), VM_RUNNING);
	assert_int_equal(vm_kill(vm, on_done, f, &err), 0);
	wait_dones(f, 4);
}

static void test_reload_keeps_running(void **state)
{
	struct fx *f = *state;
	write_profile("fd", NULL);
	vmm_sync_profiles(f->m, load());
	struct vm *vm = vmm_find(f->m, "fd");
	char *err = NULL;
	assert_int_equal(vm_start(vm, on_done, f, &err), 0);
	wait_dones(f, 1);
	/* Its profile vanishes on reload: the VM stays, still running. */
	char *path = xasprintf("%s/prof/fd.yaml", tmpdir);
	unlink(path);
	free(path);
	vmm_sync_profiles(f->m, load());
	assert_ptr_equal(vmm_find(f->m, "fd"), vm);
	assert_int_equal(vm_state(vm), VM_RUNNING);
	assert_non_null(vm_profile(vm));
	assert_int_equal(vm_force_stop(vm, on_done, f, &err), 0);
	wait_dones(f, 2);
	/* Gone and stopped: it leaves the list at the next rescan. */
	vmm_rescan(f->m);
	assert_null(vmm_find(f->m, "fd"));
}

static void test_reattach_second_vmm(void **state)
{
	struct fx *f = *state;
	write_profile("fe", NULL);
	vmm_sync_profiles(f->m, load());
	struct vm *vm = vmm_find(f->m, "fe");
	char *err = NULL;
	assert_int_equal(vm_start(vm, on_done, f, &err), 0);
	wait_dones(f, 1);
	pid_t pid = vm_pid(vm);
	/* A second vmdeck (another vmm) sees it running, not as owner; its
	 * commands go through ctl.sock. */
	struct fx g = { 0 };
	strv_init(&g.logs);
	g.l = loop_new();
	g.m = vmm_new(g.l, NULL);
	vmm_sync_profiles(g.m, load());
	struct vm *v2 = vmm_find(g.m, "fe");
	assert_int_equal(vm_state(v2), VM_RUNNING);
	assert_int_equal(vm_pid(v2), pid);
	assert_false(vm_is_owner(v2));
	assert_int_equal(vm_monitor_exec(v2, "info version", on_monitor, &g, &err), 0);
	wait_dones(&g, 1);
	assert_string_equal(g.monitor_out, "fake says: info version\r\n");
	/* The first one goes away: the second takes over on its next tick. */
	vmm_free(f->m);
	f->m = vmm_new(f->l, NULL);
	uint64_t deadline = now_mono_us() + 30ULL * 1000000;
	while (!vm_is_owner(v2) && now_mono_us() < deadline)
		loop_run_once(g.l, 50);
	assert_true(vm_is_owner(v2));
	assert_int_equal(vm_stop(v2, on_done, &g, &err), 0);
	wait_dones(&g, 2);
	assert_string_equal(vm_status_text(v2), "exited, guest shutdown");
	vmm_free(g.m);
	loop_free(g.l);
	strv_clear(&g.logs);
}

/* vm_start never waits for the supervisor's report (fork + exec of QEMU):
 * it returns at once, and a binary that cannot run fails the start from the
 * loop, with the same words, kept like any failed start. */
static void test_start_does_not_wait(void **state)
{
	struct fx *f = *state;
	char *path = xasprintf("%s/prof/gn.yaml", tmpdir);
	const char *text = "name: gn\nqemu: /nonexistent/qemu-system-x86_64\naccel: tcg\n";
	assert_int_equal(file_write_atomic(path, text, strlen(text), 0644, NULL), 0);
	free(path);
	vmm_sync_profiles(f->m, load());
	struct vm *vm = vmm_find(f->m, "gn");
	char *err = NULL;
	assert_int_equal(vm_start(vm, on_done, f, &err), 0);
	assert_int_equal(vm_state(vm), VM_STARTING);
	assert_int_equal(f->dones, 0);
	wait_dones(f, 1);
	assert_int_equal(f->status, -1);
	assert_non_null(strstr(f->err, "cannot run QEMU binary '/nonexistent/qemu-system-x86_64'"));
	assert_int_equal(vm_state(vm), VM_EXITED);
	assert_int_equal(vm_cause(vm), VM_CAUSE_START_FAILED);
	assert_non_null(strstr(vm_error(vm), "cannot run QEMU binary"));
}

/* Issue 17: a scoped vmm knows one VM; a snapshot vmm owns nothing and
 * learns running/paused from the owner's records (else one query each);
 * out of descriptors a VM is "unknown" with the reason — never stopped — until the next scan can look. */
static void test_scope_snapshot_unknown(void **state)
{
	struct fx *f = *state;
	write_profile("ga", NULL);
	write_profile("gb", NULL);
	vmm_sync_profiles(f->m, load());
	char *err = NULL;
	assert_int_equal(vm_start(vmm_find(f->m, "ga"), on_done, f, &err), 0);
	assert_int_equal(vm_start(vmm_find(f->m, "gb"), on_done, f, &err), 0);
	wait_dones(f, 2);
	assert_int_equal(vm_pause(vmm_find(f->m, "gb"), on_done, f, &err), 0);
	wait_dones(f, 3);

	struct fx *g = fx_new();
	vmm_set_scope(g->m, "ga");
	vmm_sync_profiles(g->m, load());
	assert_int_equal(vmm_count(g->m), 1);
	assert_null(vmm_find(g->m, "gb"));
	assert_int_equal(vm_state(vmm_find(g->m, "ga")), VM_RUNNING);
	fx_free(g);

	struct fx *h = fx_new();
	vmm_set_snapshot(h->m, true);
	vmm_sync_profiles(h->m, load());
	assert_int_equal(vmm_pending(h->m), 0); /* f owns both: their records, no query */
	wait_pending(h);
	struct vm *a = vmm_find(h->m, "ga"), *b = vmm_find(h->m, "gb");
	assert_int_equal(vm_state(a), VM_RUNNING);
	assert_int_equal(vm_state(b), VM_PAUSED);
	assert_false(vm_is_owner(a));
	assert_int_equal(vm_pid(b), vm_pid(vmm_find(f->m, "gb")));
	fx_free(h);

	/* No descriptor free at all: the soft limit at the lowest free one. */
	struct fx *k = fx_new();
	struct profile_set *set = load();
	struct rlimit old, low;
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &old), 0);
	int lowest = dup(0);
	assert_true(lowest >= 0);
	close(lowest);
	low = old;
	low.rlim_cur = (rlim_t)lowest;
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &low), 0);
	vmm_sync_profiles(k->m, set);
	enum vm_state sa = vm_state(vmm_find(k->m, "ga")), sb = vm_state(vmm_find(k->m, "gb"));
	setrlimit(RLIMIT_NOFILE, &old);
	assert_int_equal(sa, VM_UNKNOWN);
	assert_int_equal(sb, VM_UNKNOWN);
	assert_string_equal(vm_state_name(sa), "unknown");
	const char *e = vm_error(vmm_find(k->m, "ga"));
	assert_non_null(e);
	assert_non_null(strstr(e, "ga: cannot watch it"));
	assert_non_null(strstr(e, "ulimit -n"));
	/* Descriptors again: the next scan (a tick) watches them again. */
	uint64_t deadline = now_mono_us() + 30ULL * 1000000;
	while ((vm_state(vmm_find(k->m, "ga")) != VM_RUNNING || vm_state(vmm_find(k->m, "gb")) != VM_PAUSED) &&
	       now_mono_us() < deadline)
		loop_run_once(k->l, 50);
	assert_int_equal(vm_state(vmm_find(k->m, "ga")), VM_RUNNING);
	assert_int_equal(vm_state(vmm_find(k->m, "gb")), VM_PAUSED);
	assert_null(vm_error(vmm_find(k->m, "ga")));
	fx_free(k);

	assert_int_equal(vm_kill(vmm_find(f->m, "ga"), on_done, f, &err), 0);
	assert_int_equal(vm_kill(vmm_find(f->m, "gb"), on_done, f, &err), 0);
	wait_dones(f, 5);
}

/* status (a snapshot vmm) takes a running VM's state from its live owner's
 * run-state record — no query-status in flight — and a pause made by
 * another vmdeck on ctl.sock is reported done only once the owner has
 * recorded it, so that a status right after it says paused. */
static void test_snapshot_trusts_owner_record(void **state)
{
	struct fx *f = *state;
	write_profile("gr", NULL);
	vmm_sync_profiles(f->m, load());
	char *err = NULL;
	struct vm *vm = vmm_find(f->m, "gr");
	assert_int_equal(vm_start(vm, on_done, f, &err), 0);
	wait_dones(f, 1);
	assert_true(vm_is_owner(vm));
	char *rec = path_join(vm_dir(vm), "run-state");
	uint64_t deadline = now_mono_us() + 20ULL * 1000000;
	while (!path_exists(rec) && now_mono_us() < deadline)
		loop_run_once(f->l, 10);
	assert_true(path_exists(rec));

	struct fx *h = fx_new();
	vmm_set_snapshot(h->m, true);
	vmm_sync_profiles(h->m, load());
	assert_int_equal(vmm_pending(h->m), 0); /* from the record: nothing asked */
	assert_int_equal(vm_state(vmm_find(h->m, "gr")), VM_RUNNING);
	fx_free(h);

	struct fx *g = fx_new(); /* another vmdeck, not the owner */
	vmm_sync_profiles(g->m, load());
	struct vm *v2 = vmm_find(g->m, "gr");
	assert_false(vm_is_owner(v2));
	assert_int_equal(vm_pause(v2, on_done, g, &err), 0);
	deadline = now_mono_us() + 20ULL * 1000000;
	while (g->dones < 1 && now_mono_us() < deadline) { /* both vmdecks' loops run */
		loop_run_once(g->l, 5);
		loop_run_once(f->l, 5);
	}
	assert_int_equal(g->dones, 1);
	assert_int_equal(g->status, 0);
	fx_free(g);
	h = fx_new();
	vmm_set_snapshot(h->m, true);
	vmm_sync_profiles(h->m, load());
	assert_int_equal(vmm_pending(h->m), 0);
	assert_int_equal(vm_state(vmm_find(h->m, "gr")), VM_PAUSED);
	fx_free(h);
	free(rec);
	assert_int_equal(vm_kill(vm, on_done, f, &err), 0);
	wait_dones(f, 2);
}

int main(int argc, char **argv)
{
	int rc = vmfx_init(argc, argv);
	if (rc >= 0)
		return rc;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_lifecycle, setup, teardown),
		cmocka_unit_test_setup_teardown(test_escalation_and_kill, setup, teardown),
		cmocka_unit_test_setup_teardown(test_start_failure, setup, teardown),
		cmocka_unit_test_setup_teardown(test_exit_kept_for_later_vmdecks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stop_while_starting, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reload_keeps_running, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reattach_second_vmm, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scope_snapshot_unknown, setup, teardown),
		cmocka_unit_test_setup_teardown(test_start_does_not_wait, setup, teardown),
		cmocka_unit_test_setup_teardown(test_snapshot_trusts_owner_record, setup, teardown),
	};
	return vmfx_finish(cmocka_run_group_tests(tests, NULL, NULL));
}
