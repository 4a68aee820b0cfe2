/* Unit tests for core/monitor (scrollback and history rings, telling HMP's
 * error replies), the TUI's monitor input line (tui/view_monitor.c: a line
 * too long for it is refused with a message, never sent cut), and
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
#include "tui/theme.h"
#include "tui/ui.h"

static void test_scrollback(void **state)
{
	(void)state;
	struct monitor *m = monitor_new(3, 2);
	monitor_append(m, "(qemu) info status");
	monitor_append(m, "VM status: running\r\n");
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
	/* The state dir two levels down in a dir of the test's own: the
	 * "../../x" below then names base/state/x, never a shared /tmp/x. */
	char base[] = "/tmp/vmdeck-modes.XXXXXX";
	assert_non_null(mkdtemp(base));
	char *tmpl = xasprintf("%s/state/s", base);
	assert_int_equal(mkdir_p(tmpl, 0700, NULL), 0);
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
	f = xasprintf("rm -rf %s", base);
	assert_int_equal(system(f), 0);
	free(f);
	free(tmpl);
}

/* HMP has no error channel in human-monitor-command: its errors are text.
 * Real QEMU 7.2 replies (tests/vm/monitor.sh checks them against QEMU). */
static void test_reply_failed(void **state)
{
	(void)state;
	assert_true(monitor_reply_failed("unknown command: 'foo'\r\n"));
	assert_true(monitor_reply_failed("unknown command: 'info foo'\r\n"));
	assert_true(monitor_reply_failed("qom-get: string expected\r\nTry \"help qom-get\" for more information\r\n"));
	assert_true(monitor_reply_failed("stop|s: extraneous characters at the end of line\r\n"
					 "Try \"help stop\" for more information\r\n"));
	assert_true(monitor_reply_failed("Error: Device '/machine/x' not found\r\n"));
	assert_false(monitor_reply_failed(""));
	assert_false(monitor_reply_failed("VM status: running\r\n"));
	assert_false(monitor_reply_failed("info balloon  -- show balloon information\r\n"));
	/* Output that merely mentions the words is no error. */
	assert_false(monitor_reply_failed("  unknown command: not at the start\r\n"));
	assert_false(monitor_reply_failed("a line\r\nError: on a later line is output\r\n"));
	assert_false(monitor_reply_failed(NULL));
}

struct tui_fx {
	struct ui ui;
	struct monitor *mon;
	char *sent;
	int n_sent;
};

static void fake_send(struct ui *ui, struct mvm *vm, const char *cmd, void *arg)
{
	(void)ui;
	(void)vm;
	struct tui_fx *f = arg;
	free(f->sent);
	f->sent = xstrdup(cmd);
	f->n_sent++;
}

static void type(struct ui *ui, const char *s)
{
	for (; *s; s++)
		assert_int_equal(ui_key(ui, (unsigned char)*s), KEY_HANDLED);
}

/* The input line holds sizeof(ui.input) - 1 bytes. A longer command used to
 * lose its end silently and go out cut; now the key that does not fit is
 * refused with a message, Enter sends nothing while the line is cut, and a
 * recalled history line that does not fit is not put on the line cut. */
static void test_tui_input_too_long(void **state)
{
	(void)state;
	struct tui_fx f = { 0 };
	theme_init(false, THEME_MONO);
	ui_init(&f.ui);
	f.ui.m.n_vms = 1;
	f.ui.m.vms = xcalloc(1, sizeof(*f.ui.m.vms));
	f.ui.m.vms[0].name = xstrdup("vm1");
	f.ui.m.vms[0].state = MVM_RUNNING;
	lines_init(&f.ui.m.vms[0].log, 4);
	f.mon = monitor_new(0, 0);
	f.ui.m.vms[0].mon = f.mon;
	f.ui.monitor_send = fake_send;
	f.ui.monitor_arg = &f;
	ui_layout(&f.ui, 80, 24);
	f.ui.focus = PANE_MONITOR;
	const size_t max = sizeof(f.ui.input) - 1;

	/* Exactly max bytes: sent whole. */
	char *full = xmalloc(max + 1);
	memset(full, 'a', max);
	full[max] = '\0';
	type(&f.ui, full);
	assert_int_equal(f.ui.input_len, max);
	assert_null(f.ui.message);
	ui_key(&f.ui, K_ENTER);
	assert_int_equal(f.n_sent, 1);
	assert_string_equal(f.sent, full);

	/* max + 89 bytes: refused past max, with a message naming the limit. */
	type(&f.ui, full);
	type(&f.ui, "info status and more than fits, typed or pasted past the end of the line buffer");
	assert_int_equal(f.ui.input_len, max);
	assert_non_null(f.ui.message);
	assert_true(f.ui.message_error);
	char lim[32];
	snprintf(lim, sizeof(lim), "%zu bytes", max);
	assert_non_null(strstr(f.ui.message, "too long"));
	assert_non_null(strstr(f.ui.message, lim));
	/* Enter does not send the cut line. */
	ui_key(&f.ui, K_ENTER);
	assert_int_equal(f.n_sent, 1);
	assert_non_null(strstr(f.ui.message, "not sent"));
	assert_int_equal(f.ui.input_len, max); /* kept, to edit */
	/* Once edited (Backspace), what the line shows is what goes out. */
	ui_key(&f.ui, K_BACKSPACE);
	ui_key(&f.ui, K_ENTER);
	assert_int_equal(f.n_sent, 2);
	assert_int_equal(strlen(f.sent), max - 1);

	/* A history line longer than the input line is not recalled cut. */
	char *longer = xasprintf("%s%s", full, "xyz");
	monitor_history_add(f.mon, longer);
	ui_key(&f.ui, K_UP);
	assert_string_equal(f.ui.input, "");
	assert_non_null(strstr(f.ui.message, "too long"));
	ui_key(&f.ui, K_ENTER);
	assert_int_equal(f.n_sent, 2);

	free(longer);
	free(full);
	free(f.sent);
	f.ui.m.vms[0].mon = NULL;
	monitor_free(f.mon);
	ui_free(&f.ui);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scrollback),
		cmocka_unit_test(test_long_line_cut),
		cmocka_unit_test(test_modes),
		cmocka_unit_test(test_reply_failed),
		cmocka_unit_test(test_tui_input_too_long),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
