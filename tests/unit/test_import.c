/* Unit tests for core/import: QEMU command lines into profiles. Every
 * written profile is read back with the real profile parser. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "core/import.h"
#include "core/import_int.h"
#include "core/profile.h"
#include "core/shscript.h"
#include "core/util.h"
#include "core/yamldoc.h"

/* Import an argv given as one string split on spaces ('~' stands for a space
 * inside an argument). */
static struct profile *import_line(const char *line, struct import_result *r)
{
	char *copy = xstrdup(line);
	struct import_arg argv[64];
	size_t n = 0;
	for (char *t = strtok(copy, " "); t && n < 64; t = strtok(NULL, " ")) {
		for (char *p = t; *p; p++)
			if (*p == '~')
				*p = ' ';
		argv[n++] = (struct import_arg){ t, 1, (int)(t - copy) + 1, false };
	}
	struct import_opts o = { .source_name = "test", .source = "test.sh", .base_dir = "/vm" };
	char *err = NULL;
	assert_int_equal(import_qemu(argv, n, &o, r, &err), 0);
	free(copy);
	struct profile_diag *d = NULL;
	size_t nd = 0;
	struct profile *p = profile_parse("/vm/test.yaml", r->yaml, strlen(r->yaml), &d, &nd);
	for (size_t i = 0; i < nd; i++)
		if (!d[i].warning && !strstr(d[i].msg, "does not exist"))
			fail_msg("%s:%d:%d: %s\n%s", d[i].file, d[i].line, d[i].col, d[i].msg, r->yaml);
	profile_diags_free(d, nd);
	assert_non_null(p);
	return p;
}

static bool has_note(const struct import_result *r, const char *text)
{
	for (size_t i = 0; i < r->n_notes; i++)
		if (strstr(r->notes[i].msg, text))
			return true;
	return false;
}

static bool has_extra(const struct profile *p, const char *arg)
{
	for (size_t i = 0; i < p->n_extra_args; i++)
		if (!strcmp(p->extra_args[i], arg))
			return true;
	return false;
}

static void test_seed(void **state)
{
	(void)state;
	struct import_result r;
	struct profile *p = import_line(
		"qemu-system-x86_64 -enable-kvm -m 2048 -cpu Penryn,kvm=off,vendor=GenuineIntel -machine pc-q35-2.4 "
		"-smp 2,cores=1 -usb -device usb-kbd -device usb-tablet "
		"-device isa-applesmc,osk=ourhardworkbythesewordsguardedpleasedontsteal(c)AppleComputerInc "
		"-kernel ./enoch_rev2902_boot -smbios type=2 -device ich9-intel-hda -device hda-duplex "
		"-device ide-drive,bus=ide.2,drive=MacHDD -drive id=MacHDD,if=none,file=./mac_hdd.img "
		"-netdev tap,id=net0,ifname=tap0,script=no,downscript=no "
		"-device e1000-82545em,netdev=net0,id=net0,mac=52:54:00:c9:18:27 -monitor stdio "
		"-device ide-drive,bus=ide.0,drive=MacDVD "
		"-drive id=MacDVD,if=none,snapshot=on,file=./Install_macOS_Sierra_OS_X_10.12.iso",
		&r);
	assert_string_equal(p->name, "test");
	assert_string_equal(p->accel, "kvm");
	assert_string_equal(p->machine, "pc-q35-2.4");
	assert_string_equal(p->cpu, "Penryn,kvm=off,vendor=GenuineIntel");
	assert_int_equal(p->memory_mb, 2048);
	assert_int_equal(p->smp_cpus, 2);
	assert_int_equal(p->smp_cores, 1);
	assert_string_equal(p->kernel, "/vm/enoch_rev2902_boot");
	assert_string_equal(p->applesmc_osk, "ourhardworkbythesewordsguardedpleasedontsteal(c)AppleComputerInc");
	assert_int_equal(p->n_usb_devices, 2);
	assert_string_equal(p->audio_codec, "hda-duplex");
	assert_int_equal(p->n_disks, 1);
	assert_string_equal(p->disks[0].id, "MacHDD");
	assert_string_equal(p->disks[0].bus, "ide.2");
	assert_string_equal(p->disks[0].format, "raw");
	assert_true(p->install.present);
	assert_true(p->install.snapshot);
	assert_string_equal(p->install.bus, "ide.0");
	assert_int_equal(p->n_nics, 1);
	assert_string_equal(p->nics[0].tap, "tap0");
	assert_true(r.install);
	assert_int_equal(r.kept, 17);
	assert_int_equal(r.modernised, 2);
	assert_int_equal(r.dropped, 1);
	assert_int_equal(r.moved, 0);
	assert_true(has_note(&r, "ide-drive became ide-hd"));
	assert_true(has_note(&r, "ide-drive became ide-cd"));
	assert_non_null(strstr(r.yaml, "# kept 17 options, modernised 2, moved 0 to extra_args, dropped 1:"));
	assert_non_null(strstr(r.yaml, "memory: 2048M  # line 1: -m 2048"));
	profile_free(p);
	import_result_clear(&r);
}

static void test_modernised_and_moved(void **state)
{
	(void)state;
	struct import_result r;
	struct profile *p = import_line(
		"/usr/local/bin/qemu-system-x86_64 -machine q35,accel=kvm,vmport=off -cpu Penryn,vendor=GenuineIntel,+invtsc, "
		"-drive if=pflash,format=raw,readonly,file=OVMF_CODE.fd -drive if=pflash,format=raw,file=OVMF_VARS.fd "
		"-netdev user,id=net0,hostfwd=tcp::2222-:22 -device virtio-net-pci,netdev=net0,id=net0,mac=52:54:00:00:00:01 "
		"-global ICH9-LPC.disable_s3=1 -rtc base=localtime -boot order=c -daemonize -pidfile /tmp/q.pid "
		"-qmp tcp:0:4444,server,nowait -soundhw hda -usbdevice tablet -m 4G",
		&r);
	assert_string_equal(p->qemu, "/usr/local/bin/qemu-system-x86_64");
	assert_string_equal(p->accel, "kvm");
	assert_string_equal(p->machine, "q35");
	assert_string_equal(p->cpu, "Penryn,vendor=GenuineIntel,+invtsc");
	assert_string_equal(p->firmware_code, "/vm/OVMF_CODE.fd");
	assert_string_equal(p->firmware_vars, "/vm/OVMF_VARS.fd");
	assert_int_equal(p->memory_mb, 4096);
	assert_string_equal(p->audio_device, "ich9-intel-hda");
	assert_int_equal(p->n_nics, 0);
	assert_true(has_extra(p, "user,id=net0,hostfwd=tcp::2222-:22"));
	assert_true(has_extra(p, "virtio-net-pci,netdev=net0,id=net0,mac=52:54:00:00:00:01"));
	assert_true(has_extra(p, "vmport=off"));
	assert_true(has_extra(p, "ICH9-LPC.disable_s3=1"));
	assert_true(has_extra(p, "base=localtime"));
	assert_false(has_extra(p, "-daemonize"));
	assert_false(has_extra(p, "-qmp"));
	assert_true(has_note(&r, "short-form boolean 'readonly'"));
	assert_true(has_note(&r, "trailing comma"));
	assert_true(has_note(&r, "-daemonize dropped"));
	assert_true(has_note(&r, "-soundhw is gone"));
	assert_int_equal(r.dropped, 3);
	assert_int_equal(r.moved, 5); /* -machine q35,vmport=off counts once: kept */
	assert_non_null(strstr(r.yaml, "no profile key"));
	profile_free(p);
	import_result_clear(&r);
}

static void test_vnc(void **state)
{
	(void)state;
	struct import_result r;
	struct profile *p = import_line("qemu-system-x86_64 -vnc 0.0.0.0:1 -k de", &r);
	assert_null(p->vnc);
	assert_string_equal(p->keyboard, "de");
	assert_true(has_note(&r, "had no password"));
	profile_free(p);
	import_result_clear(&r);
	p = import_line("qemu-system-x86_64 -vnc :1,password=on -device vmware-svga", &r);
	assert_string_equal(p->vnc, "0.0.0.0:1");
	assert_string_equal(p->vnc_password_file, "/vm/test.vnc-password");
	assert_string_equal(p->vga, "vmware");
	profile_free(p);
	import_result_clear(&r);
}

/* The minimal form: -hda/-cdrom on pc, no network: QEMU's defaults kept. */
static void test_minimal(void **state)
{
	(void)state;
	struct import_result r;
	struct profile *p = import_line("qemu-system-x86_64 -hda disk.qcow2 -cdrom debian.iso -m 512 -boot d", &r);
	assert_int_equal(p->n_disks, 1);
	assert_string_equal(p->disks[0].bus, "ide.0");
	assert_string_equal(p->disks[0].format, "qcow2");
	assert_string_equal(p->install.bus, "ide.1");
	assert_int_equal(p->n_nics, 1);
	assert_true(p->nics[0].user_net);
	assert_string_equal(p->nics[0].model, "e1000");
	char mac[18];
	mac_format(p->nics[0].mac, mac);
	assert_string_equal(mac, "52:54:00:12:34:56");
	assert_string_equal(p->accel, "tcg");
	profile_free(p);
	import_result_clear(&r);
}

/* Tap with an ifup script, a bridge, the legacy -net pair, -nic. */
static void test_nics(void **state)
{
	(void)state;
	struct import_result r;
	struct profile *p = import_line(
		"qemu-system-x86_64 -machine q35 "
		"-netdev tap,id=net100,ifname=tap100,script=/etc/qemu-ifup.sh,downscript=no "
		"-device e1000-82545em,netdev=net100,id=net100,mac=00:16:3e:eb:ca:65 "
		"-netdev bridge,id=br,br=virbr0 -device virtio-net-pci,netdev=br "
		"-net nic,model=rtl8139,macaddr=52:54:00:00:00:07 -net user "
		"-nic user,model=e1000",
		&r);
	assert_int_equal(p->n_nics, 4);
	assert_string_equal(p->nics[0].tap, "tap100");
	assert_null(p->nics[0].bridge);
	assert_true(has_note(&r, "script=/etc/qemu-ifup.sh is not run"));
	assert_string_equal(p->nics[1].bridge, "virbr0");
	assert_null(p->nics[1].tap);
	char mac[18];
	mac_format(p->nics[1].mac, mac);
	assert_string_equal(mac, "52:54:00:12:34:56"); /* QEMU's first default */
	assert_true(p->nics[2].user_net);
	assert_string_equal(p->nics[2].model, "rtl8139");
	mac_format(p->nics[2].mac, mac);
	assert_string_equal(mac, "52:54:00:00:00:07");
	assert_true(has_note(&r, "legacy form of -netdev"));
	assert_true(p->nics[3].user_net);
	mac_format(p->nics[3].mac, mac);
	assert_string_equal(mac, "52:54:00:12:34:57");
	profile_free(p);
	import_result_clear(&r);
}

/* vmdeck numbers disks by their place: they are listed in the script's boot order. */
static void test_boot_order(void **state)
{
	(void)state;
	struct import_result r;
	struct profile *p = import_line(
		"qemu-system-x86_64 -machine q35 -drive id=a,if=none,file=a.img,format=raw -device virtio-blk-pci,drive=a "
		"-drive id=b,if=none,file=b.img,format=raw -device virtio-blk-pci,drive=b,bootindex=3 "
		"-drive id=c,if=none,file=c.img,format=raw -device virtio-blk-pci,drive=c,bootindex=1",
		&r);
	assert_int_equal(p->n_disks, 3);
	assert_string_equal(p->disks[0].id, "c");
	assert_string_equal(p->disks[1].id, "b");
	assert_string_equal(p->disks[2].id, "a");
	assert_true(has_note(&r, "listed in the script's boot order"));
	profile_free(p);
	import_result_clear(&r);
}

static void test_find_qemu(void **state)
{
	(void)state;
	const char *t = "set -e\nexec sudo -E nice -n 5 /opt/q/bin/qemu-system-x86_64 -m 1\n";
	struct shscript *s = shscript_read(t, strlen(t), NULL);
	size_t c, w;
	assert_int_equal(import_find_qemu(s, &c, &w), 0);
	assert_int_equal(c, 1);
	assert_int_equal(w, 6);
	shscript_free(s);
	/* Looking QEMU up or asking it something is not the VM's command. */
	t = "command -v qemu-system-x86_64 >/dev/null || exit 1\nqemu-system-x86_64 --version\n"
	    "qemu-system-x86_64 -machine help\nqemu-system-x86_64\nqemu-system-x86_64 -m 64\n";
	s = shscript_read(t, strlen(t), NULL);
	assert_int_equal(import_find_qemu(s, &c, &w), 0);
	assert_int_equal(c, 5);
	assert_int_equal(w, 0);
	shscript_free(s);
	t = "echo qemu-system-x86_64\n";
	s = shscript_read(t, strlen(t), NULL);
	assert_int_equal(import_find_qemu(s, &c, &w), -1);
	shscript_free(s);
	assert_true(import_is_qemu("qemu-kvm"));
	assert_false(import_is_qemu("qemu-img"));
	char *n = import_name_from("My macOS VM.v2");
	assert_string_equal(n, "My-macOS-VM-v2");
	free(n);
	n = import_name_from("net");
	assert_string_equal(n, "net-vm");
	free(n);
}

/* Values go through libyaml's emitter: they read back as they were. */
static void test_scalar_quoting(void **state)
{
	(void)state;
	const char *cases[] = { "a: b # c", "- x", "'q'", "\"dq\"", "52:54:00:12:34:56", "yes", "~", "", " lead",
				"tab\there", "${DISK}", "$(uname -m)", "ünï", "[x]", "{y}", "%p", "@a", "`b`", "null" };
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		char *q = import_yaml_scalar(cases[i]);
		char *doc = xasprintf("k: %s  # comment\n", q);
		yaml_parser_t ps;
		yaml_document_t d;
		yaml_parser_initialize(&ps);
		yaml_parser_set_input_string(&ps, (const unsigned char *)doc, strlen(doc));
		assert_true(yaml_parser_load(&ps, &d));
		yaml_node_t *v = yaml_document_get_node(&d, yaml_document_get_root_node(&d)->data.mapping.pairs.start->value);
		assert_string_equal((const char *)v->data.scalar.value, cases[i]);
		if (!strcmp(cases[i], "~") || !strcmp(cases[i], "null") || !strcmp(cases[i], "yes") || !*cases[i])
			assert_int_not_equal(v->data.scalar.style, YAML_PLAIN_SCALAR_STYLE);
		yaml_document_delete(&d);
		yaml_parser_delete(&ps);
		free(doc);
		free(q);
	}
}

/* A comment cut at a byte count split 'é' in two: the profile was not
 * UTF-8 and did not load. */
static void test_utf8_cut(void **state)
{
	(void)state;
	struct import_result r;
	struct profile *p = import_line("qemu-system-x86_64 -kernel vmlinuz "
					"-append xconsole=tty0~label=ééééééééééééééééééééééééééééé", &r);
	assert_non_null(strstr(p->append, "ééé"));
	assert_int_equal(yamldoc_utf8_invalid_at(r.yaml, strlen(r.yaml)), strlen(r.yaml));
	profile_free(p);
	import_result_clear(&r);
}

/* Short-form booleans make an option modernised, once: "-vnc
 * :1,nowait,nolock" was "kept 4294967295 options". */
static void test_short_form_counts(void **state)
{
	(void)state;
	struct import_result r;
	struct profile *p = import_line("qemu-system-x86_64 -vnc :1,password,nowait,nolock", &r);
	assert_true(has_note(&r, "short-form boolean 'nolock'"));
	assert_int_equal(r.kept, 0);
	assert_int_equal(r.modernised, 1);
	assert_int_equal(r.dropped, 0);
	profile_free(p);
	import_result_clear(&r);
	p = import_line("qemu-system-x86_64 -vnc :1,nowait,nolock", &r);
	assert_int_equal(r.kept, 0);
	assert_int_equal(r.modernised, 0);
	assert_int_equal(r.dropped, 1);
	profile_free(p);
	import_result_clear(&r);
	p = import_line("qemu-system-x86_64 -drive if=pflash,format=raw,readonly,file=OVMF_CODE.fd "
			"-device virtio-blk-pci,drive=d0 -drive id=d0,if=none,file=a.img,readonly,nocache", &r);
	assert_int_equal(r.kept, 1);        /* -device virtio-blk-pci */
	assert_int_equal(r.modernised, 2); /* each -drive once, however many short forms */
	assert_int_equal(r.moved + r.dropped, 0);
	assert_non_null(strstr(r.yaml, "kept 1 option, modernised 2"));
	profile_free(p);
	import_result_clear(&r);
}

/* vmdeck new: each OS's profile, read back by the real parser. */
static struct profile *new_profile(enum new_os os, const char *iso, const char *bridge)
{
	struct import_new n = { .name = "nv", .iso = iso, .memory = "1G", .disk_file = "nv.qcow2", .cpus = 2, .os = os,
				.fw_code = "/usr/share/OVMF/OVMF_CODE_4M.fd",
				.fw_vars_template = "/usr/share/OVMF/OVMF_VARS_4M.fd", .mac = "52:54:00:12:34:56",
				.bridge = bridge };
	char *y = import_new_yaml(&n);
	struct profile_diag *d = NULL;
	size_t nd = 0;
	struct profile *p = profile_parse("/tmp/nv.yaml", y, strlen(y), &d, &nd);
	if (!p || profile_diag_errors(d, nd))
		fprintf(stderr, "%s\n", y);
	profile_diags_free(d, nd);
	free(y);
	assert_non_null(p);
	return p;
}

static void test_new_os(void **state)
{
	(void)state;
	enum new_os os;
	assert_int_equal(import_new_os_parse("macos", &os), 0);
	assert_int_equal(os, NEW_OS_MACOS);
	assert_int_equal(import_new_os_parse("beos", &os), -1);
	assert_int_equal(import_new_os_parse("Linux", &os), -1);
	assert_string_equal(import_new_default_memory(NEW_OS_WINDOWS), "4G");
	assert_string_equal(import_new_default_memory(NEW_OS_LINUX), "2G");

	struct profile *p = new_profile(NEW_OS_LINUX, "/isos/d.iso", NULL);
	assert_string_equal(p->machine, "q35");
	assert_string_equal(p->firmware_code, "/usr/share/OVMF/OVMF_CODE_4M.fd");
	assert_string_equal(p->firmware_vars, "/tmp/nv-vars.fd");
	assert_string_equal(p->firmware_vars_template, "/usr/share/OVMF/OVMF_VARS_4M.fd");
	assert_int_equal(p->n_disks, 1);
	assert_string_equal(p->disks[0].interface, "virtio");
	assert_string_equal(p->disks[0].format, "qcow2");
	assert_string_equal(p->disks[0].file, "/tmp/nv.qcow2");
	assert_string_equal(p->nics[0].model, "virtio-net-pci");
	assert_true(p->nics[0].user_net);
	assert_true(p->nics[0].has_mac);
	assert_true(p->install.present);
	assert_string_equal(p->install.file, "/isos/d.iso");
	assert_int_equal(p->memory_mb, 1024);
	profile_free(p);

	p = new_profile(NEW_OS_WINDOWS, "/isos/w.iso", "br0");
	assert_string_equal(p->disks[0].interface, "sata");
	assert_string_equal(p->disks[0].bus, "ide.0");
	assert_string_equal(p->install.bus, "ide.1");
	assert_string_equal(p->nics[0].model, "e1000");
	assert_false(p->nics[0].user_net);
	assert_string_equal(p->nics[0].bridge, "br0");
	assert_non_null(p->firmware_code);
	profile_free(p);

	p = new_profile(NEW_OS_MACOS, "/isos/BaseSystem.img", NULL);
	assert_int_equal(p->n_disks, 2);
	assert_string_equal(p->disks[0].id, "OpenCore");
	assert_string_equal(p->disks[0].file, "/tmp/OpenCore.qcow2");
	assert_string_equal(p->disks[1].id, "MacHDD");
	assert_string_equal(p->disks[1].file, "/tmp/nv.qcow2");
	assert_non_null(p->applesmc_osk);
	assert_non_null(strstr(p->cpu, "Penryn"));
	assert_string_equal(p->nics[0].model, "vmxnet3");
	assert_string_equal(p->install.bus, "ide.3");
	profile_free(p);

	p = new_profile(NEW_OS_OTHER, NULL, NULL);
	assert_null(p->firmware_code);
	assert_null(p->firmware_vars);
	assert_false(p->install.present);
	assert_string_equal(p->nics[0].model, "e1000");
	assert_string_equal(p->disks[0].interface, "sata");
	profile_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_seed),	  cmocka_unit_test(test_modernised_and_moved),
		cmocka_unit_test(test_vnc),	  cmocka_unit_test(test_minimal),
		cmocka_unit_test(test_find_qemu), cmocka_unit_test(test_scalar_quoting),
		cmocka_unit_test(test_nics), cmocka_unit_test(test_boot_order),
		cmocka_unit_test(test_utf8_cut), cmocka_unit_test(test_short_form_counts),
		cmocka_unit_test(test_new_os),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
