/* test_profile: the YAML profile parser, its diagnostics and derived names. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "core/profile.h"
#include "core/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A non-empty VNC password file (main() makes it): /dev/null and empty
 * files are refused as passwords. */
static char pw_file[] = "/tmp/vmdeck-test-pw.XXXXXX";

struct parsed {
	struct profile *p;
	struct profile_diag *d;
	size_t n;
};

static struct parsed parse(const char *text)
{
	struct parsed r = { 0 };
	r.p = profile_parse("/tmp/t/test.yaml", text, strlen(text), &r.d, &r.n);
	return r;
}

static void parsed_free(struct parsed *r)
{
	profile_free(r->p);
	profile_diags_free(r->d, r->n);
}

/* Is there a diagnostic "LINE:COL: …needle…"? */
static bool has_diag(const struct parsed *r, int line, int col, const char *needle)
{
	for (size_t i = 0; i < r->n; i++)
		if (r->d[i].line == line && r->d[i].col == col && strstr(r->d[i].msg, needle))
			return true;
	for (size_t i = 0; i < r->n; i++)
		fprintf(stderr, "  diag %d:%d: %s\n", r->d[i].line, r->d[i].col, r->d[i].msg);
	return false;
}

static void test_minimal_defaults(void **state)
{
	(void)state;
	struct parsed r = parse("name: tiny\n");
	assert_non_null(r.p);
	assert_int_equal(r.n, 0);
	assert_string_equal(r.p->name, "tiny");
	assert_string_equal(r.p->qemu, "qemu-system-x86_64");
	assert_string_equal(r.p->accel, "kvm:tcg");
	assert_string_equal(r.p->machine, "q35");
	assert_int_equal(r.p->memory_mb, 1024);
	assert_int_equal(r.p->stop_timeout_s, 60);
	assert_true(r.p->serial_log);
	assert_false(r.p->install.present);
	assert_string_equal(r.p->dir, "/tmp/t");
	parsed_free(&r);
	r = parse("name: paths\nboot: {kernel: ../k/./vmlinuz, initrd: /a/../../b//c/}\ndisks: [{file: d.img}]\n");
	assert_non_null(r.p);
	assert_string_equal(r.p->kernel, "/tmp/k/vmlinuz");
	assert_string_equal(r.p->initrd, "/b/c");
	assert_string_equal(r.p->disks[0].file, "/tmp/t/d.img");
	parsed_free(&r);
}

static void test_full(void **state)
{
	(void)state;
	char *display = xasprintf("display: {vnc: '127.0.0.1:5', password_file: %s, keyboard: en-us}\n", pw_file);
	char *text = xasprintf("name: full\n"
				"accel: tcg\n"
				"cpu: {model: Penryn, flags: [kvm=off, vendor=GenuineIntel]}\n"
				"smp: {cpus: 4, sockets: 1, cores: 2, threads: 2}\n"
				"memory: 2G\n"
				"smbios: [type=2]\n"
				"usb: [usb-kbd, usb-tablet]\n"
				"audio: {device: ich9-intel-hda, codec: hda-duplex}\n"
				"disks:\n"
				"  - file: /dev/null\n"
				"    interface: ide\n"
				"    bus: ide.2\n"
				"    snapshot: yes\n"
				"  - {file: /dev/zero, format: qcow2}\n"
				"nics:\n"
				"  - {model: e1000-82545em, mac: '52:54:00:c9:18:27', bridge: br0, tap_mac_policy: fixed}\n"
				"  - {network: user}\n"
				"install: {file: /dev/null, bus: ide.0, snapshot: true}\n"
				"%s"
				"serial_log: false\n"
				"extra_args: [-rtc, base=localtime]\n"
				"stop_timeout: 5\n",
				display);
	struct parsed r = parse(text);
	free(text);
	free(display);
	assert_non_null(r.p);
	assert_int_equal(r.n, 0);
	struct profile *p = r.p;
	assert_string_equal(p->cpu, "Penryn,kvm=off,vendor=GenuineIntel");
	assert_int_equal(p->smp_cpus, 4);
	assert_int_equal(p->smp_threads, 2);
	assert_int_equal(p->memory_mb, 2048);
	assert_int_equal(p->n_usb_devices, 2);
	assert_true(p->usb);
	assert_int_equal(p->n_disks, 2);
	assert_string_equal(p->disks[0].id, "disk0");
	assert_string_equal(p->disks[0].interface, "ide");
	assert_true(p->disks[0].snapshot);
	assert_string_equal(p->disks[1].format, "qcow2");
	assert_string_equal(p->disks[1].interface, "virtio");
	assert_int_equal(p->disks[1].line, 14);
	assert_int_equal(p->n_nics, 2);
	assert_true(p->nics[0].has_mac);
	assert_int_equal(p->nics[0].mac[5], 0x27);
	assert_true(p->nics[0].has_tap_mac_policy);
	assert_int_equal(p->nics[0].tap_mac_policy, MAC_POLICY_FIXED);
	assert_true(p->nics[1].user_net);
	assert_string_equal(p->nics[1].model, "virtio-net-pci");
	assert_true(p->install.present);
	assert_string_equal(p->install.interface, "ide");
	assert_false(p->serial_log);
	assert_int_equal(p->n_extra_args, 2);
	assert_int_equal(p->stop_timeout_s, 5);
	parsed_free(&r);
}

static void test_sizes(void **state)
{
	(void)state;
	static const struct { const char *v; unsigned mb; } ok[] = {
		{ "2G", 2048 }, { "2048M", 2048 }, { "512", 512 }, { "1GiB", 1024 }, { "1048576K", 1024 }, { "64 MB", 64 },
	};
	for (size_t i = 0; i < ARRAY_LEN(ok); i++) {
		char *t = xasprintf("name: s\nmemory: %s\n", ok[i].v);
		struct parsed r = parse(t);
		assert_non_null(r.p);
		assert_int_equal(r.p->memory_mb, ok[i].mb);
		parsed_free(&r);
		free(t);
	}
	static const char *const bad[] = { "1.5G", "2X", "-1", "8", "99T", "G", "17179869185T", "17592186044417G" };
	for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
		char *t = xasprintf("name: s\nmemory: %s\n", bad[i]);
		struct parsed r = parse(t);
		assert_null(r.p);
		assert_true(has_diag(&r, 2, 9, "'memory' must be"));
		parsed_free(&r);
		free(t);
	}
}

static void test_all_problems_collected(void **state)
{
	(void)state;
	struct parsed r = parse("name: ok\n"
				"memroy: 2G\n"
				"smp: many\n"
				"nics:\n"
				"  - mac: 52:54:00:zz:00:01\n"
				"    modle: e1000\n"
				"stop_timeout: 99999\n"
				"serial_log: maybe\n");
	assert_null(r.p);
	assert_true(has_diag(&r, 2, 1, "unknown key 'memroy'; did you mean 'memory'?"));
	assert_true(has_diag(&r, 3, 6, "'smp' must be a whole number, got 'many'"));
	assert_true(has_diag(&r, 5, 10, "malformed MAC address '52:54:00:zz:00:01'"));
	assert_true(has_diag(&r, 6, 5, "unknown key 'modle' in 'nics'; did you mean 'model'?"));
	assert_true(has_diag(&r, 7, 15, "'stop_timeout' must be between 1 and 3600, got 99999"));
	assert_true(has_diag(&r, 8, 13, "'serial_log' must be true or false, got 'maybe'"));
	assert_int_equal(r.n, 6);
	parsed_free(&r);
}

/* autostart, autostart_order, autostart_delay: defaults, ranges, and the
 * order `vmdeck autostart` starts them in (order, then name). */
static void test_autostart(void **state)
{
	(void)state;
	struct parsed r = parse("name: a\n");
	assert_non_null(r.p);
	assert_false(r.p->autostart);
	assert_int_equal(r.p->autostart_order, 0);
	assert_int_equal(r.p->autostart_delay_s, 0);
	parsed_free(&r);
	r = parse("name: a\nautostart: true\nautostart_order: 20\nautostart_delay: 5\n");
	assert_non_null(r.p);
	assert_true(r.p->autostart);
	assert_int_equal(r.p->autostart_order, 20);
	assert_int_equal(r.p->autostart_delay_s, 5);
	parsed_free(&r);
	r = parse("name: a\nautostart: yes please\nautostart_order: -1\nautostart_delay: 3601\nautostart: true\n");
	assert_null(r.p);
	assert_true(has_diag(&r, 2, 12, "'autostart' must be true or false"));
	assert_true(has_diag(&r, 3, 18, "'autostart_order' must be"));
	assert_true(has_diag(&r, 4, 18, "'autostart_delay' must be between 0 and 3600, got 3601"));
	assert_true(has_diag(&r, 5, 1, "autostart"));
	parsed_free(&r);

	struct profile p[4] = { { .name = "web" }, { .name = "db" }, { .name = "off" }, { .name = "app" } };
	p[0].autostart = p[1].autostart = p[3].autostart = true;
	p[0].autostart_order = 10;
	p[1].autostart_order = 0;
	p[3].autostart_order = 10;
	struct profile *items[4] = { &p[3], &p[1], &p[2], &p[0] };
	struct profile_set set = { .items = items, .n = 4 };
	size_t n = 99;
	const struct profile **plan = profile_set_autostart(&set, &n);
	assert_int_equal(n, 3);
	assert_string_equal(plan[0]->name, "db");
	assert_string_equal(plan[1]->name, "app");
	assert_string_equal(plan[2]->name, "web");
	free(plan);
}

static void test_names(void **state)
{
	(void)state;
	assert_true(profile_name_valid("macos-sierra"));
	assert_true(profile_name_valid("a_B-9"));
	assert_true(profile_name_valid("abcdefghijabcdefghijabcdefghij12"));
	assert_false(profile_name_valid("abcdefghijabcdefghijabcdefghij123"));
	assert_false(profile_name_valid(""));
	assert_false(profile_name_valid("../etc"));
	assert_false(profile_name_valid("a.b"));
	assert_false(profile_name_valid("a b"));
	assert_false(profile_name_valid("a/b"));
	struct parsed r = parse("name: ../evil\n");
	assert_null(r.p);
	assert_true(has_diag(&r, 1, 7, "is not a valid VM name"));
	parsed_free(&r);
	/* A leading '-' would be read as an option; "net" is <runtime>/net/,
	 * the lab networks' directory. Both refused, each saying why. */
	assert_false(profile_name_valid("-rf"));
	assert_false(profile_name_valid("--help"));
	assert_false(profile_name_valid("net"));
	assert_true(profile_name_valid("net1"));
	assert_true(profile_name_valid("a-"));
	assert_true(profile_name_valid("_x"));
	assert_non_null(strstr(profile_name_problem("-rf"), "may not start with '-'"));
	assert_non_null(strstr(profile_name_problem("net"), "reserved"));
	assert_null(profile_name_problem("vm1"));
	r = parse("name: \"-rf\"\n");
	assert_null(r.p);
	assert_true(has_diag(&r, 1, 7, "may not start with '-'"));
	parsed_free(&r);
	r = parse("memory: 64M\nname: net\n");
	assert_null(r.p);
	assert_true(has_diag(&r, 2, 7, "'name': 'net' is reserved"));
	parsed_free(&r);
}

static void test_garbage(void **state)
{
	(void)state;
	struct parsed r = parse("");
	assert_null(r.p);
	assert_true(has_diag(&r, 1, 1, "empty profile"));
	parsed_free(&r);
	r = parse("name: x\n\tmemory: 2G\n");
	assert_null(r.p);
	assert_true(has_diag(&r, 2, 1, "tab character in indentation"));
	parsed_free(&r);
	r = parse("- a\n- b\n");
	assert_null(r.p);
	assert_true(has_diag(&r, 1, 1, "must be a mapping"));
	parsed_free(&r);
	r = parse("name: [unclosed\n");
	assert_null(r.p);
	assert_true(r.n == 1 && strstr(r.d[0].msg, "YAML syntax error"));
	parsed_free(&r);
	char bin[] = "name: x\n\x01\x00\xff";
	r = (struct parsed){ 0 };
	r.p = profile_parse("b.yaml", bin, sizeof bin - 1, &r.d, &r.n);
	assert_null(r.p);
	assert_true(has_diag(&r, 2, 2, "binary data"));
	parsed_free(&r);
	size_t big = PROFILE_MAX_SIZE + 10;
	char *huge = xmalloc(big);
	memset(huge, '#', big);
	r = (struct parsed){ 0 };
	r.p = profile_parse("big.yaml", huge, big, &r.d, &r.n);
	assert_null(r.p);
	assert_true(has_diag(&r, 1, 1, "file too large"));
	parsed_free(&r);
	free(huge);
}

static void test_missing_file_still_loads(void **state)
{
	(void)state;
	struct parsed r = parse("name: m\ndisks:\n  - file: no-such.img\n");
	assert_non_null(r.p);
	assert_int_equal(r.n, 1);
	assert_false(r.d[0].warning);
	assert_true(has_diag(&r, 3, 11, "disk image /tmp/t/no-such.img does not exist"));
	assert_int_equal(profile_diag_errors(r.d, r.n), 1);
	parsed_free(&r);
}

static void test_vnc(void **state)
{
	(void)state;
	struct parsed r = parse("name: v\ndisplay: {vnc: '0.0.0.0:0'}\n");
	assert_null(r.p);
	assert_true(has_diag(&r, 2, 16, "reachable from the network: set display.password_file"));
	parsed_free(&r);
	char *t = xasprintf("name: v\ndisplay: {vnc: '0.0.0.0:0', password_file: %s}\n", pw_file);
	r = parse(t);
	free(t);
	assert_non_null(r.p);
	assert_int_equal(r.n, 1);
	assert_true(r.d[0].warning);
	assert_int_equal(profile_diag_errors(r.d, r.n), 0);
	parsed_free(&r);
	/* Loopback is no shelter from other local users: a TCP VNC without a
	 * password is refused there too (the UNIX socket is the default). */
	static const char *const lo[] = { "127.0.0.1:5", "localhost:1", "[::1]:2", "127.1.2.3:99" };
	for (size_t i = 0; i < ARRAY_LEN(lo); i++) {
		char *t = xasprintf("name: v\ndisplay: {vnc: '%s'}\n", lo[i]);
		r = parse(t);
		if (r.p || !has_diag(&r, 2, 16, "has no password: every local user can connect to a TCP port"))
			fail_msg("%s: not refused", lo[i]);
		parsed_free(&r);
		free(t);
	}
	t = xasprintf("name: v\ndisplay: {vnc: '127.0.0.1:5', password_file: %s}\n", pw_file);
	r = parse(t);
	free(t);
	assert_non_null(r.p);
	assert_int_equal(r.n, 0);
	parsed_free(&r);
	/* An empty password is no password: QEMU takes "" and so would any
	 * client. /dev/null reads as empty. A missing file stays the usual
	 * non-fatal "does not exist". */
	r = parse("name: v\ndisplay: {vnc: '0.0.0.0:0', password_file: /dev/null}\n");
	assert_null(r.p);
	assert_true(has_diag(&r, 2, 44, "VNC password file /dev/null is not a regular file: QEMU would read an empty password"));
	parsed_free(&r);
	char empty[] = "/tmp/vmdeck-test-empty-pw.XXXXXX";
	int fd = mkstemp(empty);
	assert_true(fd >= 0);
	close(fd);
	t = xasprintf("name: v\ndisplay: {vnc: '127.0.0.1:5', password_file: %s}\n", empty);
	r = parse(t);
	free(t);
	assert_null(r.p);
	assert_true(has_diag(&r, 2, 46, "is empty: an empty password lets anyone connect"));
	parsed_free(&r);
	unlink(empty);
	r = parse("name: v\ndisplay: {vnc: '127.0.0.1:5', password_file: /nonexistent/pw}\n");
	assert_non_null(r.p);
	assert_int_equal(r.n, 1);
	assert_true(has_diag(&r, 2, 46, "VNC password file /nonexistent/pw does not exist"));
	parsed_free(&r);
	/* With VNC on the UNIX socket the file is not used: only the warning. */
	r = parse("name: v\ndisplay: {password_file: /dev/null}\n");
	assert_non_null(r.p);
	assert_int_equal(r.n, 1);
	assert_true(r.d[0].warning);
	parsed_free(&r);
	r = parse("name: v\ndisplay: {vnc: unix}\n");
	assert_non_null(r.p);
	assert_int_equal(r.n, 0);
	parsed_free(&r);
	r = parse("name: v\ndisplay: {vnc: 'localhost'}\n");
	assert_null(r.p);
	assert_true(has_diag(&r, 2, 16, "'vnc' must be 'unix' or HOST:DISPLAY"));
	parsed_free(&r);
}

/* extra_args may not open a display server: that would bypass check_vnc. */
static void test_extra_args_display(void **state)
{
	(void)state;
	struct parsed r = parse("name: x\nextra_args:\n  - -vnc\n  - 0.0.0.0:1\n");
	assert_null(r.p);
	assert_true(has_diag(&r, 3, 5, "'extra_args': '-vnc' would open a display server"));
	assert_true(has_diag(&r, 3, 5, "'display:' section"));
	parsed_free(&r);
	r = parse("name: x\nextra_args: [-rtc, base=utc, --vnc, ':1']\n");
	assert_null(r.p);
	assert_true(has_diag(&r, 2, 30, "'--vnc'"));
	parsed_free(&r);
	r = parse("name: x\nextra_args: [-display, 'vnc=0.0.0.0:2']\n");
	assert_null(r.p);
	assert_true(has_diag(&r, 2, 14, "'-display vnc=0.0.0.0:2'"));
	parsed_free(&r);
	r = parse("name: x\nextra_args: [-display, vnc]\n");
	assert_null(r.p);
	parsed_free(&r);
	r = parse("name: x\nextra_args: [-spice, port=5930]\n");
	assert_null(r.p);
	assert_true(has_diag(&r, 2, 14, "'-spice'"));
	parsed_free(&r);
	/* Not a display server: loads. */
	r = parse("name: x\nextra_args: [-display, none, -device, vnc-like, -boot, 'menu=on', -display, vncx]\n");
	assert_non_null(r.p);
	assert_int_equal(r.n, 0);
	assert_int_equal(r.p->n_extra_args, 8);
	parsed_free(&r);
}

/* extra_args may not take QEMU out of vmdeck's hands: -daemonize (the VM
 * ran on while start said "QEMU failed to start (exit code 0)"), its pid
 * file, monitors, user and root, -no-shutdown, devices on QEMU's stdio. */
static void test_extra_args_supervision(void **state)
{
	(void)state;
	static const struct {
		const char *args;
		int col;
		const char *want;
	} bad[] = {
		{ "[\"-daemonize\"]", 14, "'-daemonize' would break vmdeck's supervision of QEMU: QEMU would fork" },
		{ "[--daemonize]", 14, "'--daemonize' would break vmdeck's supervision" },
		{ "[-rtc, base=utc, -pidfile, /tmp/p]", 30, "'-pidfile' would break" },
		{ "[-qmp, 'tcp:0.0.0.0:4444,server=on,wait=off']", 14, "'-qmp' would break" },
		{ "[-qmp-pretty, unix:/tmp/q]", 14, "'-qmp-pretty' would break" },
		{ "[-monitor, 'unix:/tmp/m,server=on']", 14, "'-monitor' would break" },
		{ "[-mon, chardev=c0]", 14, "'-mon' would break" },
		{ "[-runas, nobody]", 14, "'-runas' would break" },
		{ "[-chroot, /var/empty]", 14, "'-chroot' would break" },
		{ "[-run-with, user=nobody]", 14, "'-run-with' would break" },
		{ "[-no-shutdown]", 14, "'-no-shutdown' would break" },
		{ "[-serial, stdio]", 14, "'-serial stdio' would put a device on QEMU's stdin/stdout" },
		{ "[-serial, mon:stdio]", 14, "'-serial mon:stdio' would put a device" },
		{ "[-chardev, 'stdio,id=c1']", 14, "'-chardev stdio,id=c1' would put a device" },
	};
	for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
		char *t = xasprintf("name: x\nextra_args: %s\n", bad[i].args);
		struct parsed r = parse(t);
		if (r.p || !has_diag(&r, 2, bad[i].col, bad[i].want))
			fail_msg("%s: want 2:%d: ...%s...", bad[i].args, bad[i].col, bad[i].want);
		parsed_free(&r);
		free(t);
	}
	/* Not these: a second serial port elsewhere, -nographic (with vmdeck's
	 * -nodefaults it puts nothing on stdio), a value that merely contains
	 * "stdio", options that only look alike. */
	struct parsed r = parse("name: x\nextra_args: [-serial, null, -nographic, -append, 'console=stdio', "
				"-device, 'qmp', -no-reboot, -S, -pidfile-x]\n");
	assert_non_null(r.p);
	assert_int_equal(r.n, 0);
	parsed_free(&r);
}

static void test_derived_mac_and_tap(void **state)
{
	(void)state;
	struct parsed r = parse("name: a-rather-long-vm-name\nnics: [{}, {}, {tap: mytap0, mac: '02:00:00:00:00:01'}]\n");
	assert_non_null(r.p);
	uint8_t m0[6], m0b[6], m1[6], m2[6];
	profile_nic_guest_mac(r.p, 0, m0);
	profile_nic_guest_mac(r.p, 0, m0b);
	profile_nic_guest_mac(r.p, 1, m1);
	profile_nic_guest_mac(r.p, 2, m2);
	assert_memory_equal(m0, m0b, 6);
	assert_int_equal(m0[0], 0x52);
	assert_int_equal(m0[1], 0x54);
	assert_int_equal(m0[2], 0x00);
	assert_memory_not_equal(m0, m1, 6);
	assert_int_equal(m2[0], 0x02);
	char *t0 = profile_nic_tap_name(r.p, 0), *t1 = profile_nic_tap_name(r.p, 1), *t2 = profile_nic_tap_name(r.p, 2);
	assert_true(strlen(t0) <= 15);
	assert_true(strncmp(t0, "vd-", 3) == 0);
	assert_string_not_equal(t0, t1);
	assert_string_equal(t2, "mytap0");
	/* Same long prefix, different names: different TAPs. */
	struct parsed r2 = parse("name: a-rather-long-vm-name2\nnics: [{}]\n");
	char *u0 = profile_nic_tap_name(r2.p, 0);
	assert_string_not_equal(t0, u0);
	struct parsed r3 = parse("name: web\nnics: [{}]\n");
	char *w0 = profile_nic_tap_name(r3.p, 0);
	assert_string_equal(w0, "vd-web-0");
	free(t0), free(t1), free(t2), free(u0), free(w0);
	parsed_free(&r);
	parsed_free(&r2);
	parsed_free(&r3);
}

static char *write_tmp(const char *dir, const char *name, const char *text)
{
	char *path = path_join(dir, name);
	assert_int_equal(file_write_atomic(path, text, strlen(text), 0644, NULL), 0);
	return path;
}

static void test_set_duplicates_and_isolation(void **state)
{
	(void)state;
	char dir[] = "/tmp/vmdeck-test-profile.XXXXXX";
	assert_non_null(mkdtemp(dir));
	char *a = write_tmp(dir, "a.yaml", "name: same\n");
	char *b = write_tmp(dir, "b.yaml", "description: x\nname: same\n");
	char *c = write_tmp(dir, "c.yml", "name: other\nmemory: lots\n");
	char *d = write_tmp(dir, "d.yaml", "name: fine\n");
	char *e = write_tmp(dir, "notes.txt", "ignored\n");
	const char *paths[] = { dir };
	struct profile_set *s = profile_set_load(paths, 1);
	assert_int_equal(s->n_files, 4);
	assert_int_equal(s->n, 2);
	assert_non_null(profile_set_find(s, "same"));
	assert_non_null(profile_set_find(s, "fine"));
	assert_null(profile_set_find(s, "other"));
	assert_string_equal(profile_set_find(s, "same")->path, a);
	assert_int_equal(s->n_diags, 2);
	bool dup = false;
	for (size_t i = 0; i < s->n_diags; i++) {
		char *line = profile_diag_format(&s->diags[i]);
		char *want = xasprintf("%s:2:7: duplicate VM name 'same': already defined in %s:1:7", b, a);
		if (strncmp(line, want, strlen(want)) == 0)
			dup = true;
		free(want);
		free(line);
	}
	assert_true(dup);
	profile_set_free(s);
	unlink(a), unlink(b), unlink(c), unlink(d), unlink(e);
	rmdir(dir);
	free(a), free(b), free(c), free(d), free(e);
	profile_set_free(NULL);
	profile_free(NULL);
}

/* One TAP name in two profiles (given, or one given and one derived):
 * an error at the later one's 'tap', naming the earlier FILE:LINE:COL; both
 * still load. User-mode NICs have no TAP. */
static void test_set_taps(void **state)
{
	(void)state;
	char dir[] = "/tmp/vmdeck-test-taps.XXXXXX";
	assert_non_null(mkdtemp(dir));
	char *f[] = {
		write_tmp(dir, "a.yaml", "name: a\nnics:\n  - {bridge: br0, tap: tap0}\n"),
		write_tmp(dir, "b.yaml", "name: b\nnics:\n  - bridge: br0\n    tap: tap0\n"),
		write_tmp(dir, "c.yaml", "name: c\nnics: [{tap: vd-web-0}]\n"),
		write_tmp(dir, "d.yaml", "name: web\nnics: [{}]\n"),
		write_tmp(dir, "e.yaml", "name: e\nnics: [{network: user}]\n"),
		write_tmp(dir, "f.yaml", "name: f\nnics: [{network: user}, {tap: tap1}]\n"),
	};
	const char *paths[] = { dir };
	struct profile_set *s = profile_set_load(paths, 1);
	assert_int_equal(s->n, 6);
	char *want[] = {
		xasprintf("%s:4:10: NIC 'net0' uses TAP 'tap0', like NIC 'net0' of VM 'a' (%s:3:24): two VMs cannot "
			  "share a TAP; give one of them another 'tap' (or none: vmdeck derives one per VM)",
			  f[1], f[0]),
		xasprintf("%s:2:8: NIC 'net0' uses TAP 'vd-web-0', like NIC 'net0' of VM 'c' (%s:2:14): two VMs "
			  "cannot share a TAP; give one of them another 'tap' (or none: vmdeck derives one per VM)",
			  f[3], f[2]),
	};
	assert_int_equal(s->n_diags, ARRAY_LEN(want));
	assert_int_equal(profile_diag_errors(s->diags, s->n_diags), ARRAY_LEN(want));
	for (size_t i = 0; i < ARRAY_LEN(want); i++) {
		char *line = profile_diag_format(&s->diags[i]);
		assert_string_equal(line, want[i]);
		free(line);
		free(want[i]);
	}
	profile_set_free(s);
	for (size_t i = 0; i < ARRAY_LEN(f); i++) {
		unlink(f[i]);
		free(f[i]);
	}
	rmdir(dir);

	/* Within one profile: a given name that is another NIC's derived one. */
	struct parsed r = parse("name: w\nnics:\n  - {tap: vd-w-1}\n  - {}\n");
	assert_null(r.p);
	assert_true(has_diag(&r, 4, 5, "NIC 'net1' uses TAP 'vd-w-1' like NIC 'net0'"));
	parsed_free(&r);
	r = parse("name: w\nnics:\n  - {tap: t0}\n  - {tap: t0}\n");
	assert_null(r.p);
	assert_true(has_diag(&r, 4, 11, "NIC 'net1' uses TAP 't0' like NIC 'net0'"));
	parsed_free(&r);
}

static void test_vars_prepare(void **state)
{
	(void)state;
	char dir[] = "/tmp/vmdeck-test-vars.XXXXXX";
	assert_non_null(mkdtemp(dir));
	char *tmpl = write_tmp(dir, "tmpl.fd", "VARS");
	char *text = xasprintf("name: fw\nfirmware: {code: %s, vars: my.fd, vars_template: tmpl.fd}\n", tmpl);
	char *path = write_tmp(dir, "fw.yaml", text);
	struct parsed r = { 0 };
	r.p = profile_load(path, &r.d, &r.n);
	assert_non_null(r.p);
	assert_int_equal(r.n, 0); /* a missing vars file with a template is fine */
	char *err = NULL;
	assert_int_equal(profile_firmware_vars_prepare(r.p, &err), 0);
	size_t len;
	char *data = file_read_all(r.p->firmware_vars, &len);
	assert_non_null(data);
	assert_string_equal(data, "VARS");
	unlink(r.p->firmware_vars);
	free(data);
	parsed_free(&r);
	unlink(tmpl), unlink(path);
	rmdir(dir);
	free(tmpl), free(text), free(path);
}

static void test_enums(void **state)
{
	(void)state;
	enum vm_mode m;
	assert_int_equal(vm_mode_parse("install", &m), 0);
	assert_int_equal(m, VM_MODE_INSTALL);
	assert_int_equal(vm_mode_parse("boot", &m), 0);
	assert_int_equal(vm_mode_parse("Boot", &m), -1);
	assert_string_equal(vm_mode_name(VM_MODE_INSTALL), "install");
	assert_string_equal(mac_policy_name(MAC_POLICY_DERIVED), "derived");
}

int main(void)
{
	int fd = mkstemp(pw_file);
	if (fd < 0 || write(fd, "secret\n", 7) != 7)
		return 1;
	close(fd);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_minimal_defaults),
		cmocka_unit_test(test_full),
		cmocka_unit_test(test_sizes),
		cmocka_unit_test(test_all_problems_collected),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_garbage),
		cmocka_unit_test(test_missing_file_still_loads),
		cmocka_unit_test(test_vnc),
		cmocka_unit_test(test_extra_args_display),
		cmocka_unit_test(test_extra_args_supervision),
		cmocka_unit_test(test_derived_mac_and_tap),
		cmocka_unit_test(test_set_duplicates_and_isolation),
		cmocka_unit_test(test_set_taps),
		cmocka_unit_test(test_vars_prepare),
		cmocka_unit_test(test_enums),
		cmocka_unit_test(test_autostart),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	unlink(pw_file);
	return rc;
}
