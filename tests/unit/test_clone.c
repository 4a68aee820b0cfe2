/* core/clone.c: the new profile's text — only the name, MACs, TAPs, disk
 * files (+ format and linked_base of overlays), vars and a TCP VNC change;
 * comments, order and everything else stay; flow and block styles. */
#include "core/clone.h"
#include "core/profile.h"
#include "core/util.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

static const char src_yaml[] =
	"# my VM\n"
	"name: web1   # the name\n"
	"machine: q35\n"
	"firmware:\n"
	"  code: /usr/share/OVMF/OVMF_CODE_4M.fd\n"
	"  vars: web1-vars.fd\n"
	"display:\n"
	"  vnc: 127.0.0.1:5\n"
	"  password_file: /etc/hosts\n"
	"disks:\n"
	"  - id: sys\n"
	"    file: sys.qcow2 # system\n"
	"    format: qcow2\n"
	"  - { id: data, file: data.img }\n"
	"  - { id: iso, file: x.iso, readonly: true }\n"
	"nics:\n"
	"  - { bridge: br0, mac: \"52:54:00:12:34:56\", tap: tweb0 }\n"
	"  - bridge: br0\n"
	"autostart: true\n";

static void test_clone_text(void **state)
{
	(void)state;
	struct profile_diag *d = NULL;
	size_t nd = 0;
	struct profile *p = profile_parse("/v/web1.yaml", src_yaml, strlen(src_yaml), &d, &nd);
	assert_non_null(p);
	const char *files[] = { "/o/web2-sys.qcow2", "/o/web2-data.qcow2", NULL };
	const bool linked[] = { true, true, false };
	struct clone_plan plan = { .name = "web2", .disk_file = files, .disk_linked = linked, .vars = "/o/web2-vars.fd",
				   .absolute_paths = true };
	char *out = NULL, *err = NULL;
	assert_int_equal(clone_profile_yaml(src_yaml, strlen(src_yaml), p, &plan, &out, &err), 0);
	uint8_t mac[6];
	char ms[18];
	mac_from_name("web2/0", mac);
	mac_format(mac, ms);
	char *want = xasprintf("# my VM\n"
			       "name: \"web2\"   # the name\n"
			       "machine: q35\n"
			       "firmware:\n"
			       "  code: /usr/share/OVMF/OVMF_CODE_4M.fd\n"
			       "  vars: \"/o/web2-vars.fd\"\n"
			       "display:\n"
			       "  vnc: unix\n"
			       "  password_file: /etc/hosts\n"
			       "disks:\n"
			       "  - id: sys\n"
			       "    file: \"/o/web2-sys.qcow2\" # system\n"
			       "    linked_base: \"/v/sys.qcow2\"\n"
			       "    format: qcow2\n"
			       "  - { id: data, file: \"/o/web2-data.qcow2\", format: qcow2, linked_base: \"/v/data.img\" }\n"
			       "  - { id: iso, file: \"/v/x.iso\", readonly: true }\n"
			       "nics:\n"
			       "  - { bridge: br0, mac: \"%s\", tap: \"vd-web2-0\" }\n"
			       "  - bridge: br0\n"
			       "autostart: false\n",
			       ms);
	assert_string_equal(out, want);
	/* The new text loads, and is the clone it should be. */
	struct profile *c = profile_parse("/o/web2.yaml", out, strlen(out), &d, &nd);
	assert_non_null(c);
	assert_string_equal(c->name, "web2");
	assert_string_equal(c->disks[1].format, "qcow2");
	assert_string_equal(c->disks[1].linked_base, "/v/data.img");
	assert_string_equal(c->disks[2].file, "/v/x.iso");
	profile_free(c);
	free(want);
	free(out);
	free(err);
	profile_free(p);
	profile_diags_free(d, nd);
}

int main(void)
{
	const struct CMUnitTest tests[] = { cmocka_unit_test(test_clone_text) };
	return cmocka_run_group_tests(tests, NULL, NULL);
}
