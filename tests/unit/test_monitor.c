/* Unit tests for core/monitor (scrollback and history rings) and
 * core/modes (install/boot saved in the state dir). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/modes.h"
#include "core/monitor.h"
#include "core/paths.h"
#include "core/util.h"

static void test_scrollback(void **state)
{
	(void)state;
	struct monitor *m = monitor_new(3, 2);
	uint64_t g = monitor_generation(m);
	monitor_append(m, "(qemu) info status");
	monitor_append(m, "VM status: running\r\n");
	assert_true(monitor_generation(m) > g);
	assert_int_equal(monitor_line_count(m), 2);
	assert_string_equal(monitor_line(m, 1), "VM status: running");
	monitor_append(m, "a\nb\nc\n");
	assert_int_equal(monitor_line_count(m), 3);
	assert_string_equal(monitor_line(m, 0), "a");
	assert_string_equal(monitor_line(m, 2), "c");
	assert_null(monitor_line(m, 3));
	monitor_history_add(m, "info status");
	monitor_history_add(m, "info status"); /* repeat: not recorded */
	monitor_history_add(m, "");
	monitor_history_add(m, "info block");
	monitor_history_add(m, "info cpus");
	assert_int_equal(monitor_history_count(m), 2);
	assert_string_equal(monitor_history_at(m, 0), "info block");
	assert_string_equal(monitor_history_at(m, 1), "info cpus");
	monitor_clear(m);
	assert_int_equal(monitor_line_count(m), 0);
	assert_int_equal(monitor_history_count(m), 2);
	monitor_free(m);
	monitor_free(NULL);
}

/* A line with no newline cannot keep more than MONITOR_LINE_MAX bytes, and
 * the cut does not split a UTF-8 sequence. */
static void test_long_line_cut(void **state)
{
	(void)state;
	struct monitor *m = monitor_new(0, 0);
	size_t n = 3 * MONITOR_LINE_MAX;
	char *big = malloc(n + 1);
	assert_non_null(big);
	memset(big, 'x', n);
	memcpy(big + MONITOR_LINE_MAX - 1, "\xc3\xa9", 2); /* é across the limit */
	big[n] = '\0';
	monitor_append(m, big);
	assert_int_equal(monitor_line_count(m), 1);
	assert_int_equal(strlen(monitor_line(m, 0)), MONITOR_LINE_MAX - 1);
	monitor_append(m, "short\n");
	assert_string_equal(monitor_line(m, 1), "short");
	free(big);
	monitor_free(m);
}

static void test_modes(void **state)
{
	(void)state;
	char tmpl[] = "/tmp/vmdeck-modes.XXXXXX";
	assert_non_null(mkdtemp(tmpl));
	setenv("VMDECK_STATE_DIR", tmpl, 1);
	enum vm_mode m = VM_MODE_INSTALL;
	assert_int_equal(modes_get("vm1", &m), 0);
	assert_int_equal(m, VM_MODE_BOOT); /* default */
	char *err = NULL;
	assert_int_equal(modes_set("vm1", VM_MODE_INSTALL, &err), 0);
	assert_int_equal(modes_get("vm1", &m), 0);
	assert_int_equal(m, VM_MODE_INSTALL);
	assert_int_equal(modes_set("vm1", VM_MODE_BOOT, &err), 0);
	assert_int_equal(modes_get("vm1", &m), 0);
	assert_int_equal(m, VM_MODE_BOOT);
	char *f = xasprintf("%s/modes/vm2", tmpl);
	FILE *fp = fopen(f, "w");
	fputs("garbage\n", fp);
	fclose(fp);
	assert_int_equal(modes_get("vm2", &m), -1);
	assert_int_equal(m, VM_MODE_BOOT);
	unlink(f);
	free(f);
	/* A name that breaks the VM name rule never becomes a path
	 * (core/paths.c): no file read or written, the VM dir is NULL. */
	static const char *const bad[] = { "../../x", "-x", "net", "", "a/b", "a.b" };
	for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
		m = VM_MODE_INSTALL;
		assert_int_equal(modes_get(bad[i], &m), -1);
		assert_int_equal(m, VM_MODE_BOOT);
		err = NULL;
		assert_int_equal(modes_set(bad[i], VM_MODE_INSTALL, &err), -1);
		assert_non_null(strstr(err, "cannot save the mode"));
		free(err);
		assert_null(paths_vm_dir(bad[i]));
		assert_null(paths_mode_file(bad[i]));
	}
	f = xasprintf("%s/modes/../../x", tmpl);
	assert_false(path_exists(f));
	free(f);
	char *d = paths_vm_dir("vm1");
	assert_non_null(d);
	free(d);
	d = paths_mode_file("vm1");
	assert_string_equal(d, f = xasprintf("%s/modes/vm1", tmpl));
	free(d);
	free(f);
	f = xasprintf("rm -rf %s", tmpl);
	assert_int_equal(system(f), 0);
	free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scrollback),
		cmocka_unit_test(test_long_line_cut),
		cmocka_unit_test(test_modes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
