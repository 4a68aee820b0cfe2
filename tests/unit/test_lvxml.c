/* Unit tests for the libvirt XML writer and reader (core/lvexport*.c,
 * core/lvimport*.c, net/labnet_libvirt.c), no daemon: exported documents are
 * read back with libxml2's XPath, imported profiles with the real profile
 * parser; the fixture is tests/libvirt/virt-manager.xml. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <libxml/parser.h>
#include <libxml/xpath.h>
#include <libxml/xpathInternals.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/lvexport.h"
#include "core/lvimport.h"
#include "core/profile.h"
#include "core/util.h"
#include "net/labnet.h"
#include "net/labnet_libvirt.h"

static struct profile *parse(const char *yaml)
{
	struct profile_diag *d = NULL;
	size_t nd = 0;
	struct profile *p = profile_parse("/vm/t.yaml", yaml, strlen(yaml), &d, &nd);
	for (size_t i = 0; i < nd; i++)
		if (!d[i].warning && !strstr(d[i].msg, "does not exist"))
			fail_msg("%d:%d: %s\n%s", d[i].line, d[i].col, d[i].msg, yaml);
	profile_diags_free(d, nd);
	assert_non_null(p);
	return p;
}

/* The string value of an XPath expression on a document. */
static char *xp(const char *xml, const char *expr)
{
	xmlDocPtr doc = xmlReadMemory(xml, (int)strlen(xml), "t.xml", NULL, XML_PARSE_NONET);
	assert_non_null(doc);
	xmlXPathContextPtr ctx = xmlXPathNewContext(doc);
	xmlXPathRegisterNs(ctx, BAD_CAST "qemu", BAD_CAST LVEXPORT_QEMU_NS);
	xmlXPathRegisterNs(ctx, BAD_CAST "vmdeck", BAD_CAST LVEXPORT_VMDECK_NS);
	xmlXPathObjectPtr o = xmlXPathEvalExpression(BAD_CAST expr, ctx);
	assert_non_null(o);
	xmlChar *s = xmlXPathCastToString(o);
	char *out = xstrdup((const char *)s);
	xmlFree(s);
	xmlXPathFreeObject(o);
	xmlXPathFreeContext(ctx);
	xmlFreeDoc(doc);
	return out;
}

static void assert_xp(const char *xml, const char *expr, const char *want)
{
	char *got = xp(xml, expr);
	if (strcmp(got, want))
		fail_msg("%s: got '%s', want '%s'\n%s", expr, got, want, xml);
	free(got);
}

static bool has(const struct strv *v, const char *text)
{
	for (size_t i = 0; i < v->n; i++)
		if (strstr(v->v[i], text))
			return true;
	return false;
}

static void test_topology(void **state)
{
	(void)state;
	unsigned t[4];
	lvexport_smp_topology("q35", 2, 0, 0, 0, t); /* 7.2: cores first */
	assert_true(t[0] == 2 && t[1] == 1 && t[2] == 2 && t[3] == 1);
	lvexport_smp_topology("pc-q35-2.4", 2, 0, 1, 0, t); /* before 6.2: sockets first */
	assert_true(t[0] == 2 && t[1] == 2 && t[2] == 1 && t[3] == 1);
	lvexport_smp_topology("pc-i440fx-6.1", 4, 0, 0, 0, t);
	assert_true(t[1] == 4 && t[2] == 1 && t[3] == 1);
	lvexport_smp_topology("q35", 4, 1, 2, 2, t);
	assert_true(t[0] == 4 && t[1] == 1 && t[2] == 2 && t[3] == 2);
	lvexport_smp_topology("q35", 0, 2, 0, 0, t);
	assert_true(t[0] == 2 && t[1] == 2 && t[2] == 1 && t[3] == 1);
}

static const char macos[] =
	"name: mac\ndescription: \"a <b> & 'c'\"\naccel: kvm\nmachine: pc-q35-2.4\n"
	"cpu: Penryn,kvm=off,vendor=GenuineIntel,+ssse3,-x2apic,vmware-cpuid-freq=on\n"
	"smp: { cpus: 2, cores: 1 }\nmemory: 2G\n"
	"applesmc: { osk: \"a,b\" }\nsmbios: [\"type=2\"]\nusb: [usb-kbd, usb-host]\n"
	"audio: { device: ich9-intel-hda, codec: hda-duplex }\n"
	"disks:\n  - { id: MacHDD, file: mac.img, format: raw, interface: ide, bus: ide.2 }\n"
	"nics:\n  - { model: e1000-82545em, mac: \"52:54:00:c9:18:27\", bridge: br0, tap: tap0 }\n"
	"install: { file: inst.iso, interface: ide, bus: ide.0, snapshot: true }\n"
	"display: { keyboard: en-us, vga: vmware }\nextra_args: [\"-global\", \"ICH9-LPC.noreboot=off\"]\n";

static void test_export_macos(void **state)
{
	(void)state;
	struct profile *p = parse(macos);
	struct lvexport e;
	char *err = NULL;
	struct lvexport_opts o = { .mode = VM_MODE_INSTALL };
	assert_int_equal(lvexport_domain(p, &o, &e, &err), 0);
	const char *x = e.xml;
	assert_xp(x, "string(/domain/@type)", "kvm");
	assert_xp(x, "string(/domain/title)", "a <b> & 'c'"); /* escaped by libxml2, read back whole */
	assert_xp(x, "string(/domain/memory)", "2048");
	assert_xp(x, "string(/domain/os/type/@machine)", "pc-q35-2.4");
	assert_xp(x, "string(/domain/vcpu)", "2");
	assert_xp(x, "string(/domain/cpu/topology/@sockets)", "2"); /* QEMU 2.4 prefers sockets */
	assert_xp(x, "string(/domain/cpu/model)", "Penryn");
	assert_xp(x, "string(/domain/cpu/model/@vendor_id)", "GenuineIntel");
	assert_xp(x, "string(/domain/cpu/feature[@name='ssse3']/@policy)", "require");
	assert_xp(x, "string(/domain/cpu/feature[@name='x2apic']/@policy)", "disable");
	assert_xp(x, "string(/domain/features/kvm/hidden/@state)", "on");
	assert_xp(x, "string(/domain/devices/disk[@device='disk']/target/@bus)", "sata"); /* q35's ide */
	assert_xp(x, "string(/domain/devices/disk[@device='disk']/address/@unit)", "2");
	assert_xp(x, "string(/domain/devices/disk[@device='disk']/boot/@order)", "2");
	assert_xp(x, "string(/domain/devices/disk[@device='disk']/alias/@name)", "ua-MacHDD");
	assert_xp(x, "string(/domain/devices/disk[@device='cdrom']/boot/@order)", "1");
	assert_xp(x, "string(/domain/devices/disk[@device='cdrom']/source/@file)", "/vm/inst.iso");
	assert_xp(x, "string(/domain/devices/interface/@type)", "bridge");
	assert_xp(x, "string(/domain/devices/interface/mac/@address)", "52:54:00:c9:18:27");
	assert_xp(x, "string(/domain/devices/interface/model/@type)", "e1000-82545em");
	assert_xp(x, "string(/domain/devices/interface/target/@dev)", "tap0");
	assert_xp(x, "string(/domain/devices/sound/@model)", "ich9");
	assert_xp(x, "string(/domain/devices/video/model/@type)", "vmvga");
	assert_xp(x, "string(/domain/devices/graphics/@keymap)", "en-us");
	assert_xp(x, "string(/domain/devices/input[@bus='usb']/@type)", "keyboard");
	assert_xp(x, "string(/domain/metadata/vmdeck:vm/@install_snapshot)", "true");
	/* only what libvirt cannot say, each listed */
	assert_xp(x, "count(/domain/qemu:commandline/qemu:arg)", "10");
	assert_xp(x, "string(/domain/qemu:commandline/qemu:arg[2]/@value)", "isa-applesmc,osk=a,,b");
	assert_true(has(&e.qemu_args, "-device isa-applesmc,osk=a,,b"));
	assert_true(has(&e.qemu_args, "-global Penryn-x86_64-cpu.vmware-cpuid-freq=on"));
	assert_true(has(&e.qemu_args, "-device usb-host"));
	assert_true(has(&e.qemu_args, "ICH9-LPC.noreboot=off: extra_args"));
	assert_true(has(&e.notes, "0xFE"));
	/* the same name, the same UUID */
	struct lvexport e2;
	assert_int_equal(lvexport_domain(p, &o, &e2, &err), 0);
	char *u1 = xp(e.xml, "string(/domain/uuid)"), *u2 = xp(e2.xml, "string(/domain/uuid)");
	assert_string_equal(u1, u2);
	assert_int_equal(strlen(u1), 36);
	free(u1), free(u2);
	lvexport_clear(&e2);

	/* and back: the profile parser reads what the import writes */
	struct import_result r;
	struct import_opts io = { .source = "mac.xml", .base_dir = "/vm" };
	assert_int_equal(lvimport_domain(e.xml, strlen(e.xml), &io, &r, &err), 0);
	struct profile *q = parse(r.yaml);
	assert_string_equal(q->name, "mac");
	assert_int_equal(q->memory_mb, 2048);
	assert_string_equal(q->applesmc_osk, "a,b");
	assert_true(strstr(q->cpu, "vmware-cpuid-freq=on") && strstr(q->cpu, "kvm=off") && strstr(q->cpu, "-x2apic"));
	assert_int_equal(q->n_disks, 1);
	assert_string_equal(q->disks[0].id, "MacHDD");
	assert_string_equal(q->disks[0].bus, "ide.2");
	assert_true(q->install.present && q->install.snapshot);
	assert_true(r.install);
	if (!q->nics[0].tap || strcmp(q->nics[0].tap, "tap0"))
		fail_msg("tap: %s\n%s\n%s", q->nics[0].tap ? q->nics[0].tap : "(none)", e.xml, r.yaml);
	assert_string_equal(q->nics[0].bridge, "br0");
	assert_int_equal(q->n_usb_devices, 2);
	assert_int_equal(q->n_extra_args, 2);
	assert_string_equal(q->extra_args[1], "ICH9-LPC.noreboot=off");
	profile_free(q);
	import_result_clear(&r);
	lvexport_clear(&e);
	profile_free(p);
}

static void test_export_user_net_tcg(void **state)
{
	(void)state;
	struct profile *p = parse("name: g\naccel: tcg\nmemory: 256M\nnics:\n  - { model: virtio-net-pci, network: user }\n"
				  "install: { file: x.iso }\n");
	struct lvexport e;
	char *err = NULL;
	struct lvexport_opts o = { .mode = VM_MODE_BOOT };
	assert_int_equal(lvexport_domain(p, &o, &e, &err), 0);
	assert_xp(e.xml, "string(/domain/@type)", "qemu");
	assert_xp(e.xml, "string(/domain/devices/interface/@type)", "user");
	assert_xp(e.xml, "string(/domain/devices/interface/model/@type)", "virtio");
	assert_xp(e.xml, "count(/domain/devices/disk[@device='cdrom']/source)", "0"); /* boot mode: empty */
	assert_xp(e.xml, "string(/domain/metadata/vmdeck:vm/@install_file)", "/vm/x.iso");
	assert_xp(e.xml, "string(/domain/devices/controller[@type='usb']/@model)", "none");
	assert_xp(e.xml, "string(/domain/devices/memballoon/@model)", "none");
	assert_xp(e.xml, "count(/domain/qemu:commandline)", "0");
	assert_false(has(&e.notes, "0xFE")); /* no TAP */
	lvexport_clear(&e);
	profile_free(p);
}

/* What only vmdeck does (a disk to be made, autostart, ssh_user, a linked
 * clone's base) is said, not silently dropped. */
static void test_export_vmdeck_only(void **state)
{
	(void)state;
	struct profile *p = parse("name: g\naccel: tcg\nautostart: true\nautostart_order: 3\nssh_user: alice\n"
				  "disks:\n  - { file: /nonexistent/g.qcow2, size: 1G }\n");
	struct lvexport e;
	char *err = NULL;
	struct lvexport_opts o = { .mode = VM_MODE_BOOT };
	assert_int_equal(lvexport_domain(p, &o, &e, &err), 0);
	assert_true(has(&e.notes, "qemu-img create -f qcow2 /nonexistent/g.qcow2 1073741824"));
	assert_true(has(&e.notes, "virsh autostart g"));
	assert_true(has(&e.notes, "autostart_order 3"));
	assert_true(has(&e.notes, "ssh_user 'alice'"));
	lvexport_clear(&e);
	profile_free(p);
	p = parse("name: g\naccel: tcg\ndisks:\n  - { file: /nonexistent/g.qcow2 }\n");
	assert_int_equal(lvexport_domain(p, &o, &e, &err), 0);
	assert_false(has(&e.notes, "qemu-img create"));
	assert_false(has(&e.notes, "autostart"));
	assert_false(has(&e.notes, "ssh_user"));
	lvexport_clear(&e);
	profile_free(p);
}

static char *fixture(size_t *len)
{
	const char *dir = getenv("VMDECK_TESTS");
	char *path = xasprintf("%s/libvirt/virt-manager.xml", dir ? dir : "tests");
	char *s = file_read_all(path, len);
	if (!s)
		fail_msg("cannot read %s", path);
	free(path);
	return s;
}

static void test_import_virt_manager(void **state)
{
	(void)state;
	size_t len;
	char *xml = fixture(&len);
	struct import_result r;
	char *err = NULL;
	struct import_opts o = { .source = "virt-manager.xml", .base_dir = "/vm" };
	assert_int_equal(lvimport_domain(xml, len, &o, &r, &err), 0);
	struct profile *p = parse(r.yaml);
	assert_string_equal(p->name, "debian12-vm");
	assert_int_equal(p->memory_mb, 2048);
	assert_int_equal(p->smp_cpus, 2);
	assert_string_equal(p->cpu, "host");
	assert_string_equal(p->machine, "pc-q35-7.2");
	assert_string_equal(p->firmware_code, "/usr/share/OVMF/OVMF_CODE_4M.fd");
	assert_int_equal(p->n_disks, 1);
	assert_string_equal(p->disks[0].interface, "virtio");
	assert_true(p->install.present);
	assert_true(r.install); /* the CD boots first */
	assert_true(p->nics[0].user_net);
	assert_string_equal(p->audio_device, "ich9-intel-hda");
	assert_string_equal(p->vga, "virtio");
	/* the report: by element line, libvirt's own devices quiet */
	bool channel = false, spice = false, balloon = false;
	for (size_t i = 0; i < r.n_notes; i++) {
		channel |= strstr(r.notes[i].msg, "<channel> dropped") && r.notes[i].line > 0;
		spice |= strstr(r.notes[i].msg, "spice") != NULL;
		balloon |= strstr(r.notes[i].msg, "memballoon") != NULL;
	}
	assert_true(channel && spice && !balloon);
	assert_true(r.dropped >= 5);
	assert_non_null(strstr(r.yaml, "# debian12-vm: imported by 'vmdeck import --libvirt' from virt-manager.xml."));
	profile_free(p);
	import_result_clear(&r);
	free(xml);
}

static void test_import_refuses(void **state)
{
	(void)state;
	struct import_result r;
	char *err = NULL;
	struct import_opts o = { .source = "bad.xml" };
	const char *broken = "<domain type='kvm'>\n  <name>x</name>\n  <memory>1\n</domain>\n";
	assert_int_equal(lvimport_domain(broken, strlen(broken), &o, &r, &err), -1);
	if (!strstr(err, ": not XML"))
		fail_msg("%s", err);
	const char *other = "<network><name>n</name></network>";
	assert_int_equal(lvimport_domain(other, strlen(other), &o, &r, &err), -1);
	assert_non_null(strstr(err, "no <domain>"));
	/* an external entity is never read (no network, no expansion) */
	const char *xxe = "<!DOCTYPE d [<!ENTITY x SYSTEM \"file:///etc/hostname\">]>\n"
			  "<domain type='qemu'><name>a&x;b</name><memory unit='MiB'>64</memory></domain>";
	assert_int_equal(lvimport_domain(xxe, strlen(xxe), &o, &r, &err), 0);
	assert_string_equal(r.name, "ab");
	import_result_clear(&r);
	free(err);
}

static void test_network(void **state)
{
	(void)state;
	const char *y = "name: lab\nbridge: br-lab\naddress: 10.9.0.1/24\nmac: 52:54:00:ac:10:09\nnat: true\n"
			"dhcp:\n  range: 10.9.0.100-10.9.0.150\n  lease_time: 2d\n"
			"  hosts:\n    - { mac: \"00:16:3e:00:00:01\", ip: 10.9.0.5, name: h1 }\ntap_mac_policy: fixed\n";
	char *err = NULL;
	struct labnet *n = labnet_parse("lab.yaml", y, strlen(y), &err);
	if (!n)
		fail_msg("%s", err);
	char *xml = NULL;
	struct strv notes = { 0 };
	assert_int_equal(labnet_libvirt_xml(n, &xml, &notes, &err), 0);
	assert_xp(xml, "string(/network/name)", "lab");
	assert_xp(xml, "string(/network/bridge/@name)", "br-lab");
	assert_xp(xml, "string(/network/mac/@address)", "52:54:00:ac:10:09");
	assert_xp(xml, "string(/network/forward/@mode)", "nat");
	assert_xp(xml, "string(/network/ip/@address)", "10.9.0.1");
	assert_xp(xml, "string(/network/ip/@prefix)", "24");
	assert_xp(xml, "string(/network/ip/dhcp/range/@start)", "10.9.0.100");
	assert_xp(xml, "string(/network/ip/dhcp/range/lease/@expiry)", "48");
	assert_xp(xml, "string(/network/ip/dhcp/range/lease/@unit)", "hours");
	assert_xp(xml, "string(/network/ip/dhcp/host/@ip)", "10.9.0.5");
	assert_xp(xml, "string(/network/ip/dhcp/host/@name)", "h1");
	assert_true(has(&notes, "tap_mac_policy fixed does not cross over"));
	free(xml);
	strv_clear(&notes);
	labnet_free(n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_topology),	   cmocka_unit_test(test_export_macos),
		cmocka_unit_test(test_export_user_net_tcg), cmocka_unit_test(test_export_vmdeck_only), cmocka_unit_test(test_import_virt_manager),
		cmocka_unit_test(test_import_refuses),	   cmocka_unit_test(test_network),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
