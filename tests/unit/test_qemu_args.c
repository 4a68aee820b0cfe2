/* test_qemu_args: profile + mode -> argv; the seed's essentials and the
 * runtime contract with the lifecycle. Goldens of every bundled profile are
 * checked by tests/golden/regen.sh --check. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "core/profile.h"
#include "core/qemu_args.h"
#include "core/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static struct profile *load_bundled(const char *file)
{
	const char *src = getenv("VMDECK_SRC");
	assert_non_null(src);
	char *path = xasprintf("%s/profiles/%s", src, file);
	struct profile_diag *d = NULL;
	size_t n = 0;
	struct profile *p = profile_load(path, &d, &n);
	assert_non_null(p);
	/* only missing media, if anything: each diagnostic is the non-fatal
	 * error for a referenced file that does not exist */
	for (size_t i = 0; i < n; i++) {
		if (d[i].warning || !strstr(d[i].msg, " does not exist"))
			fprintf(stderr, "unexpected diagnostic %d:%d %s%s\n", d[i].line, d[i].col,
				d[i].warning ? "warning: " : "", d[i].msg);
		assert_false(d[i].warning);
		assert_non_null(strstr(d[i].msg, " does not exist"));
	}
	assert_int_equal(profile_diag_errors(d, n), n);
	profile_diags_free(d, n);
	free(path);
	return p;
}

static struct profile *parse(const char *text)
{
	struct profile_diag *d = NULL;
	size_t n = 0;
	struct profile *p = profile_parse("/tmp/q/t.yaml", text, strlen(text), &d, &n);
	for (size_t i = 0; i < n; i++)
		fprintf(stderr, "diag %d:%d %s\n", d[i].line, d[i].col, d[i].msg);
	profile_diags_free(d, n);
	assert_non_null(p);
	return p;
}

static void build(const struct profile *p, enum vm_mode mode, const char *accel, struct strv *a)
{
	struct qemu_runtime rt = { .dir = "/RUN/x", .accel = accel };
	char *err = NULL;
	*a = (struct strv){ 0 };
	int r = qemu_args_build(p, mode, &rt, a, &err);
	if (r < 0)
		fprintf(stderr, "%s\n", err);
	assert_int_equal(r, 0);
	assert_null(err);
}

/* Index of "opt" immediately followed by a value containing needle; -1 if none. */
static long find_pair(const struct strv *a, const char *opt, const char *needle)
{
	for (size_t i = 0; i + 1 < a->n; i++)
		if (strcmp(a->v[i], opt) == 0 && strstr(a->v[i + 1], needle))
			return (long)i;
	return -1;
}

static bool has_arg(const struct strv *a, const char *s)
{
	for (size_t i = 0; i < a->n; i++)
		if (strcmp(a->v[i], s) == 0)
			return true;
	return false;
}

static void test_sierra_essentials(void **state)
{
	(void)state;
	struct profile *p = load_bundled("macos-sierra.yaml");
	struct strv a;
	build(p, VM_MODE_BOOT, NULL, &a);
	assert_string_equal(a.v[0], "qemu-system-x86_64");
	assert_true(find_pair(&a, "-device", "e1000-82545em,netdev=net0,id=net0,mac=52:54:00:c9:18:27") >= 0);
	assert_true(find_pair(&a, "-device", "isa-applesmc,osk=ourhardworkbythesewordsguardedpleasedontsteal(c)AppleComputerInc") >= 0);
	assert_true(find_pair(&a, "-cpu", "Penryn,kvm=off,vendor=GenuineIntel") >= 0);
	long k = find_pair(&a, "-kernel", "/enoch_rev2902_boot");
	assert_true(k >= 0);
	assert_true(find_pair(&a, "-device", "ide-hd,bus=ide.2,drive=MacHDD") >= 0);
	assert_true(find_pair(&a, "-drive", "id=MacHDD,if=none,file=") >= 0);
	assert_true(find_pair(&a, "-drive", "format=raw") >= 0);
	assert_true(find_pair(&a, "-device", "hda-duplex,audiodev=snd0") >= 0);
	assert_true(find_pair(&a, "-audiodev", "none,id=snd0") >= 0);
	assert_true(find_pair(&a, "-machine", "pc-q35-2.4") >= 0);
	assert_true(find_pair(&a, "-netdev", "tap,id=net0,ifname=tap0,script=no,downscript=no") >= 0);
	/* Boot mode: the CD drive is there, empty, without boot priority. */
	long cd = find_pair(&a, "-device", "ide-cd,bus=ide.0,drive=install,id=install-cd");
	assert_true(cd >= 0);
	assert_null(strstr(a.v[cd + 1], "bootindex"));
	assert_true(find_pair(&a, "-drive", "id=install,if=none,media=cdrom") >= 0);
	assert_true(find_pair(&a, "-drive", "Install_macOS") < 0);
	assert_false(has_arg(&a, "ide-drive"));
	strv_clear(&a);

	build(p, VM_MODE_INSTALL, NULL, &a);
	cd = find_pair(&a, "-device", "ide-cd,bus=ide.0,drive=install,id=install-cd,bootindex=1");
	assert_true(cd >= 0);
	long iso = find_pair(&a, "-drive", "id=install,if=none,media=cdrom,file=");
	assert_true(iso >= 0);
	assert_non_null(strstr(a.v[iso + 1], "Install_macOS_Sierra_OS_X_10.12.iso,format=raw,snapshot=on"));
	assert_true(find_pair(&a, "-device", "drive=MacHDD,id=MacHDD,bootindex=2") >= 0);
	strv_clear(&a);
	profile_free(p);
}

static void test_runtime_contract(void **state)
{
	(void)state;
	struct profile *p = parse("name: rt\naccel: tcg\n");
	struct strv a;
	build(p, VM_MODE_BOOT, NULL, &a);
	assert_true(find_pair(&a, "-name", "guest=rt,process=vmdeck-rt") >= 0);
	assert_true(find_pair(&a, "-qmp", "unix:/RUN/x/qmp.sock,server=on,wait=off") >= 0);
	assert_true(find_pair(&a, "-qmp", "unix:/RUN/x/ctl.sock,server=on,wait=off") >= 0);
	assert_true(find_pair(&a, "-pidfile", "/RUN/x/qemu.pid") >= 0);
	assert_true(find_pair(&a, "-vnc", "unix:/RUN/x/vnc.sock") >= 0);
	assert_true(find_pair(&a, "-chardev", "socket,id=serial0,fd=3") >= 0); /* the supervisor relays it */
	assert_true(find_pair(&a, "-serial", "chardev:serial0") >= 0);
	/* the supervisor's own monitor: it records the run state (qemu-state) */
	assert_true(find_pair(&a, "-chardev", "socket,id=vmdeck-rec,fd=4") >= 0);
	assert_true(find_pair(&a, "-mon", "chardev=vmdeck-rec,mode=control") >= 0);
	assert_true(find_pair(&a, "-display", "none") >= 0);
	assert_true(find_pair(&a, "-accel", "tcg") >= 0);
	assert_false(has_arg(&a, "-daemonize"));
	assert_false(has_arg(&a, "-monitor"));
	assert_false(has_arg(&a, "-S"));
	assert_null(a.v[a.n]);
	strv_clear(&a);
	profile_free(p);
}

static void test_accel(void **state)
{
	(void)state;
	struct profile *p = parse("name: ac\n");
	struct strv a;
	build(p, VM_MODE_BOOT, NULL, &a);
	long k = find_pair(&a, "-accel", "kvm");
	assert_true(k >= 0);
	assert_string_equal(a.v[k + 2], "-accel");
	assert_string_equal(a.v[k + 3], "tcg");
	strv_clear(&a);
	build(p, VM_MODE_BOOT, "tcg", &a);
	assert_true(find_pair(&a, "-accel", "kvm") < 0);
	assert_true(find_pair(&a, "-accel", "tcg") >= 0);
	strv_clear(&a);
	struct qemu_runtime rt = { .dir = "/RUN/x", .accel = "hvf" };
	char *err = NULL;
	assert_int_equal(qemu_args_build(p, VM_MODE_BOOT, &rt, &a, &err), -1);
	assert_non_null(strstr(err, "unknown accelerator 'hvf'"));
	free(err);
	strv_clear(&a);
	profile_free(p);
}

static void test_install_needs_section(void **state)
{
	(void)state;
	struct profile *p = parse("name: noinst\n");
	struct strv a = { 0 };
	struct qemu_runtime rt = { .dir = "/RUN/x" };
	char *err = NULL;
	assert_int_equal(qemu_args_build(p, VM_MODE_INSTALL, &rt, &a, &err), -1);
	assert_non_null(strstr(err, "noinst: install mode needs an 'install:' section"));
	free(err);
	strv_clear(&a);
	profile_free(p);
}

static void test_escaping_and_order(void **state)
{
	(void)state;
	struct profile *p = parse("name: esc\n"
				  "disks: [{file: '/img/a,b.img', format: qcow2, snapshot: true, readonly: true}]\n"
				  "nics: [{network: user, model: e1000}]\n"
				  "install: {file: /iso/x.iso, interface: scsi}\n"
				  "extra_args: [-rtc, base=localtime]\n");
	struct strv a;
	build(p, VM_MODE_INSTALL, NULL, &a);
	assert_true(find_pair(&a, "-drive", "file=/img/a,,b.img,format=qcow2,snapshot=on,readonly=on") >= 0);
	assert_true(find_pair(&a, "-device", "virtio-blk-pci,drive=disk0,id=disk0,bootindex=2") >= 0);
	assert_true(find_pair(&a, "-device", "virtio-scsi-pci,id=vmdeck-scsi0") >= 0);
	assert_true(find_pair(&a, "-device", "scsi-cd,bus=vmdeck-scsi0.0,drive=install,id=install-cd,bootindex=1") >= 0);
	assert_true(find_pair(&a, "-netdev", "user,id=net0") >= 0);
	assert_string_equal(a.v[a.n - 2], "-rtc");
	assert_string_equal(a.v[a.n - 1], "base=localtime");
	char *q = qemu_args_escape("a,,b,");
	assert_string_equal(q, "a,,,,b,,");
	free(q);
	strv_clear(&a);
	profile_free(p);
}

static void test_derived_nic(void **state)
{
	(void)state;
	struct profile *p = parse("name: web\nnics: [{bridge: br0}]\n");
	struct strv a;
	build(p, VM_MODE_BOOT, NULL, &a);
	uint8_t mac[6];
	char macs[18];
	profile_nic_guest_mac(p, 0, mac);
	mac_format(mac, macs);
	char *want = xasprintf("virtio-net-pci,netdev=net0,id=net0,mac=%s", macs);
	assert_true(find_pair(&a, "-device", want) >= 0);
	assert_true(find_pair(&a, "-netdev", "tap,id=net0,ifname=vd-web-0,script=no,downscript=no") >= 0);
	free(want);
	strv_clear(&a);
	profile_free(p);
}

static void test_vnc_tcp(void **state)
{
	(void)state;
	/* The password file must hold a password (check refuses an empty one). */
	char pw[] = "/tmp/vmdeck-test-qa-pw.XXXXXX";
	int fd = mkstemp(pw);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "pw\n", 3), 3);
	close(fd);
	char *text = xasprintf("name: v\ndisplay: {vnc: '0.0.0.0:1', password_file: %s}\n", pw);
	struct profile *p = parse(text);
	free(text);
	unlink(pw);
	struct strv a;
	build(p, VM_MODE_BOOT, NULL, &a);
	char *want = xasprintf("secret,id=vmdeck-vncpw,file=%s", pw);
	assert_true(find_pair(&a, "-object", want) >= 0);
	free(want);
	assert_true(find_pair(&a, "-vnc", "0.0.0.0:1,password-secret=vmdeck-vncpw") >= 0);
	strv_clear(&a);
	profile_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sierra_essentials),
		cmocka_unit_test(test_runtime_contract),
		cmocka_unit_test(test_accel),
		cmocka_unit_test(test_install_needs_section),
		cmocka_unit_test(test_escaping_and_order),
		cmocka_unit_test(test_derived_nic),
		cmocka_unit_test(test_vnc_tcp),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
