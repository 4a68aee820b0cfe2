/* The bridge MAC history file (net/machist.h) in a temp state directory:
 * record format both ways, dedupe between two writers (and a flapping bridge
 * kept), namespace keying with reused inodes, trimming, torn lines, NUL
 * bytes (a crash's zero-filled tail), and the refusals of symlinked or foreign paths. */
#include "net/machist.h"
#include "core/util.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

static const struct machist_netns ns_a = { 4, 4026532001u, 77, "11111111-2222-3333-4444-555555555555" };

struct fx {
	char tmp[64];
	char *dir;
};

static int setup(void **state)
{
	struct fx *f = xcalloc(1, sizeof(*f));
	snprintf(f->tmp, sizeof(f->tmp), "/tmp/test_machist.XXXXXX");
	if (!mkdtemp(f->tmp))
		return -1;
	f->dir = xasprintf("%s/state/mac-history", f->tmp);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	char *cmd = xasprintf("rm -rf '%s'", f->tmp);
	int rc = system(cmd);
	free(cmd);
	free(f->dir);
	free(f);
	return rc == 0 ? 0 : -1;
}

static struct machist *open_h(struct fx *f, const struct machist_netns *ns, size_t max)
{
	struct machist_options o = { .dir = f->dir, .netns = ns, .max_records = max };
	char *err = NULL;
	struct machist *h = machist_new(&o, &err);
	if (!h)
		fail_msg("%s", err);
	return h;
}

static struct machist_record rec(const struct machist *h, const char *br, uint64_t t, const char *o, const char *n)
{
	struct machist_record r = { .wall_us = t, .ifindex = 3, .pid = 42, .netns = *machist_netns(h) };
	snprintf(r.bridge, sizeof(r.bridge), "%s", br);
	assert_int_equal(mac_parse(o, r.old_mac), 0);
	assert_int_equal(mac_parse(n, r.new_mac), 0);
	snprintf(r.cause, sizeof(r.cause), "port-joined");
	snprintf(r.port, sizeof(r.port), "tapx");
	r.port_ifindex = 7;
	mac_parse(n, r.port_mac);
	snprintf(r.text, sizeof(r.text), "%s -> %s: port tapx (%s) joined", o, n, n);
	return r;
}

static bool append(struct machist *h, const struct machist_record *r)
{
	char *err = NULL;
	bool written = false;
	if (machist_append(h, r, &written, &err) < 0)
		fail_msg("%s", err);
	return written;
}

static size_t load_n(struct machist *h, const char *br, uint64_t since)
{
	struct machist_record *r;
	size_t n;
	char *err = NULL;
	if (machist_load(h, br, since, &r, &n, &err) < 0)
		fail_msg("%s", err);
	free(r);
	return n;
}

static size_t file_lines(const char *path)
{
	char *s = file_read_all(path, NULL);
	size_t n = 0;
	for (char *p = s; p && *p; p++)
		n += *p == '\n';
	free(s);
	return n;
}

static const uint64_t T0 = 1795600000000000ull;
#define MA "02:00:00:00:00:20"
#define MB "02:00:00:00:00:10"

static void test_format(void **state)
{
	struct fx *f = *state;
	struct machist *h = open_h(f, &ns_a, 0);
	struct machist_record r = rec(h, "virbr0", T0 + 123456, MA, MB), back;
	char *s = machist_record_json(&r);
	assert_non_null(strstr(s, "\"time\":\"2026-11-25T"));
	assert_non_null(strstr(s, ".123456Z\""));
	assert_non_null(strstr(s, "\"bridge\":\"virbr0\""));
	assert_non_null(strstr(s, "\"cause\":\"port-joined\""));
	assert_non_null(strstr(s, "\"netns\":{\"dev\":4,\"ino\":4026532001,\"cookie\":77,\"boot_id\":\"1111"));
	assert_null(strchr(s, '\n'));
	assert_int_equal(machist_record_parse(s, &back), 0);
	assert_true(back.wall_us == r.wall_us);
	assert_string_equal(back.bridge, "virbr0");
	assert_memory_equal(back.old_mac, r.old_mac, 6);
	assert_memory_equal(back.new_mac, r.new_mac, 6);
	assert_memory_equal(back.port_mac, r.port_mac, 6);
	assert_string_equal(back.port, "tapx");
	assert_int_equal(back.port_ifindex, 7);
	assert_int_equal(back.ifindex, 3);
	assert_int_equal(back.pid, 42);
	assert_string_equal(back.text, r.text);
	assert_true(machist_netns_same(&ns_a, &back.netns));
	free(s);
	/* Malformed: not JSON, wrong types, missing fields, a bad MAC. */
	static const char *bad[] = {
		"", "{", "[]", "{\"ts_us\":1}",
		"{\"ts_us\":\"1\",\"bridge\":\"b\",\"old_mac\":\"02:00:00:00:00:01\",\"new_mac\":\"02:00:00:00:00:02\","
		"\"cause\":\"set\",\"netns\":{\"dev\":1,\"ino\":2}}",
		"{\"ts_us\":1,\"bridge\":\"b\",\"old_mac\":\"zz\",\"new_mac\":\"02:00:00:00:00:02\","
		"\"cause\":\"set\",\"netns\":{\"dev\":1,\"ino\":2}}",
		"{\"ts_us\":1,\"bridge\":\"a-name-far-too-long-for-a-link\",\"old_mac\":\"02:00:00:00:00:01\","
		"\"new_mac\":\"02:00:00:00:00:02\",\"cause\":\"set\",\"netns\":{\"dev\":1,\"ino\":2}}",
		"{\"ts_us\":1,\"bridge\":\"b\",\"old_mac\":\"02:00:00:00:00:01\",\"new_mac\":\"02:00:00:00:00:02\","
		"\"cause\":\"set\"}",
	};
	for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
		if (machist_record_parse(bad[i], &back) == 0)
			fail_msg("accepted: %s", bad[i]);
	}
	assert_int_equal(machist_record_parse("{\"ts_us\":1,\"bridge\":\"b\",\"old_mac\":\"02:00:00:00:00:01\","
					      "\"new_mac\":\"02:00:00:00:00:02\",\"cause\":\"set\","
					      "\"netns\":{\"dev\":1,\"ino\":2}}",
					      &back),
			 0);
	machist_free(h);
	machist_free(NULL);
}

static void test_files_private(void **state)
{
	struct fx *f = *state;
	struct machist *h = open_h(f, &ns_a, 0);
	assert_false(path_exists(f->dir)); /* nothing on disk before the first record */
	struct machist_record r = rec(h, "br0", T0, MA, MB);
	assert_true(append(h, &r));
	struct stat st;
	assert_int_equal(stat(f->dir, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
	assert_int_equal(stat(machist_path(h), &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	char *want = xasprintf("%s/net-4-4026532001.jsonl", f->dir);
	assert_string_equal(machist_path(h), want);
	free(want);
	assert_int_equal(file_lines(machist_path(h)), 1);
	machist_free(h);

	/* A symlink where the directory should be: refused, nothing followed. */
	char *real = xasprintf("%s/elsewhere", f->tmp), *link = xasprintf("%s/linked", f->tmp);
	assert_int_equal(mkdir(real, 0700), 0);
	assert_int_equal(symlink(real, link), 0);
	struct machist_options o = { .dir = link, .netns = &ns_a };
	char *err = NULL;
	h = machist_new(&o, &err);
	assert_non_null(h);
	r = rec(h, "br0", T0, MA, MB);
	assert_int_equal(machist_append(h, &r, NULL, &err), -1);
	assert_non_null(strstr(err, link));
	free(err);
	err = NULL;
	struct machist_record *out;
	size_t n;
	assert_int_equal(machist_load(h, NULL, 0, &out, &n, &err), -1); /* nor read through it */
	assert_non_null(strstr(err, link));
	free(err);
	err = NULL;
	machist_free(h);

	/* A symlink where the file should be. */
	char *dir2 = xasprintf("%s/d2", f->tmp);
	assert_int_equal(mkdir(dir2, 0700), 0);
	char *target = xasprintf("%s/target", f->tmp), *flink = xasprintf("%s/net-4-4026532001.jsonl", dir2);
	assert_int_equal(symlink(target, flink), 0);
	o.dir = dir2;
	h = machist_new(&o, &err);
	assert_int_equal(machist_append(h, &r, NULL, &err), -1);
	assert_non_null(strstr(err, "symlink"));
	assert_false(path_exists(target));
	free(err);
	err = NULL;
	assert_int_equal(machist_load(h, NULL, 0, &out, &n, &err), -1);
	free(err);
	machist_free(h);
	free(real);
	free(link);
	free(dir2);
	free(target);
	free(flink);
}

static void test_dedupe(void **state)
{
	struct fx *f = *state;
	struct machist *a = open_h(f, &ns_a, 0), *b = open_h(f, &ns_a, 0);
	/* Two watchers see the same three kernel events, a few ms apart: a
	 * flap A->B, B->A, A->B. Interleaved and one after the other. */
	struct machist_record e1 = rec(a, "br0", T0, MA, MB), e2 = rec(a, "br0", T0 + 300000, MB, MA),
			      e3 = rec(a, "br0", T0 + 600000, MA, MB);
	struct machist_record d1 = e1, d2 = e2, d3 = e3;
	d1.wall_us += 1500;
	d2.wall_us += 900;
	d3.wall_us += 4000;
	assert_true(append(a, &e1));
	assert_false(append(b, &d1));
	assert_true(append(b, &d2));
	assert_false(append(a, &e2));
	assert_true(append(a, &e3));
	assert_false(append(b, &d3));
	assert_int_equal(load_n(a, NULL, 0), 3);
	assert_int_equal(file_lines(machist_path(a)), 3);

	/* Another bridge with the same MACs is another change. */
	struct machist_record o1 = rec(a, "br1", T0 + 700000, MA, MB);
	assert_true(append(b, &o1));
	/* The same change again, past the window: recorded. */
	struct machist_record late = rec(a, "br0", T0 + 5000000, MA, MB), late_b = late;
	late_b.wall_us += 2000;
	assert_true(append(b, &late));
	assert_false(append(a, &late_b));
	assert_int_equal(load_n(a, NULL, 0), 5);
	assert_int_equal(load_n(a, "br0", 0), 4);
	assert_int_equal(load_n(a, "br1", 0), 1);
	assert_int_equal(load_n(a, NULL, T0 + 650000), 2);
	assert_int_equal(load_n(a, "nosuch", 0), 0);
	machist_free(a);
	machist_free(b);
}

static void test_netns_keying(void **state)
{
	struct fx *f = *state;
	struct machist_netns other = ns_a, reused = ns_a, reboot = ns_a, init = ns_a;
	other.ino++;
	reused.cookie = 78; /* the inode came back for a new namespace */
	snprintf(reboot.boot_id, sizeof(reboot.boot_id), "99999999-2222-3333-4444-555555555555");
	init.ino = 0xEFFFFFF9u;
	assert_true(machist_netns_same(&ns_a, &ns_a));
	assert_false(machist_netns_same(&ns_a, &other));
	assert_false(machist_netns_same(&ns_a, &reused));
	assert_false(machist_netns_same(&ns_a, &reboot));
	struct machist_netns init_reboot = init;
	snprintf(init_reboot.boot_id, sizeof(init_reboot.boot_id), "x");
	init_reboot.cookie = 5;
	assert_true(machist_netns_same(&init, &init_reboot)); /* the host's history spans reboots */

	struct machist *a = open_h(f, &ns_a, 0), *o = open_h(f, &other, 0), *r = open_h(f, &reused, 0);
	assert_string_not_equal(machist_path(a), machist_path(o));
	assert_string_equal(machist_path(a), machist_path(r));
	struct machist_record ra = rec(a, "virbr0", T0, MA, MB), ro = rec(o, "virbr0", T0, MA, MB),
			      rr = rec(r, "virbr0", T0 + 1000, MA, MB);
	assert_true(append(a, &ra));
	assert_true(append(o, &ro));
	/* Same file, same change, but another namespace: not a duplicate. */
	assert_true(append(r, &rr));
	assert_int_equal(load_n(a, NULL, 0), 1);
	assert_int_equal(load_n(o, NULL, 0), 1);
	assert_int_equal(load_n(r, NULL, 0), 1);
	assert_int_equal(file_lines(machist_path(a)), 2);
	machist_free(a);
	machist_free(o);
	machist_free(r);
}

static void test_trim_and_torn(void **state)
{
	struct fx *f = *state;
	struct machist *h = open_h(f, &ns_a, 20);
	for (unsigned i = 0; i < 45; i++) {
		char o[18], n[18];
		snprintf(o, sizeof(o), "02:00:00:00:%02x:00", i);
		snprintf(n, sizeof(n), "02:00:00:00:%02x:01", i);
		struct machist_record r = rec(h, "br0", T0 + i * 10000000ull, o, n);
		assert_true(append(h, &r));
		assert_true(file_lines(machist_path(h)) <= 20);
	}
	struct machist_record *out;
	size_t n;
	char *err = NULL;
	assert_int_equal(machist_load(h, NULL, 0, &out, &n, &err), 0);
	/* 45 written; at 21 lines each trim keeps the newest 10 (records 11,
	 * 22, 33 on): 12 left, newest last. */
	assert_int_equal(n, 12);
	assert_true(out[n - 1].wall_us == T0 + 44 * 10000000ull);
	assert_true(out[0].wall_us == T0 + 33 * 10000000ull);
	free(out);

	/* A torn last line (a crash mid-write) and junk cost themselves only. */
	FILE *fp = fopen(machist_path(h), "a");
	assert_non_null(fp);
	fputs("not json\n{\"ts_us\":1,\"bridge\":\"br0\",\"old", fp);
	fclose(fp);
	assert_int_equal(load_n(h, NULL, 0), 12);
	/* And the next record still lands on a line of its own. */
	struct machist_record r = rec(h, "br0", T0 + 999000000ull, MA, MB);
	assert_true(append(h, &r));
	assert_int_equal(load_n(h, NULL, 0), 13);
	machist_free(h);
}

/* A NUL byte (a crash can leave a zero-filled block where a line was) costs
 * the line it is in, never the lines after it: for reading, and for the
 * dedupe check of the next append. */
static void test_nul_bytes(void **state)
{
	struct fx *f = *state;
	struct machist *h = open_h(f, &ns_a, 0);
	struct machist_record r1 = rec(h, "br0", T0, MA, MB);
	struct machist_record r2 = rec(h, "br0", T0 + 10000000ull, MB, MA);
	struct machist_record r3 = rec(h, "br0", T0 + 20000000ull, MA, MB);
	assert_true(append(h, &r1));
	/* A line with a NUL in the middle, then a good one. */
	FILE *fp = fopen(machist_path(h), "a");
	assert_non_null(fp);
	char *l2 = machist_record_json(&r2), *l3 = machist_record_json(&r3);
	fwrite(l2, 1, 20, fp);
	fputc('\0', fp);
	fprintf(fp, "%s\n%s\n", l2 + 20, l3);
	/* And a zero-filled tail with no newline, as a crash leaves it. */
	char zeros[4096] = { 0 };
	fwrite(zeros, 1, sizeof(zeros), fp);
	fclose(fp);
	free(l2);
	free(l3);
	struct machist_record *out;
	size_t n;
	char *err = NULL;
	assert_int_equal(machist_load(h, NULL, 0, &out, &n, &err), 0);
	assert_int_equal(n, 2); /* r1 and r3; r2's line is the damaged one */
	assert_true(out[0].wall_us == r1.wall_us);
	assert_true(out[1].wall_us == r3.wall_us);
	free(out);
	/* The next record lands after the zeros, on a line of its own, and is read. */
	struct machist_record r4 = rec(h, "br0", T0 + 30000000ull, MB, MA);
	assert_true(append(h, &r4));
	assert_int_equal(load_n(h, NULL, 0), 3);
	/* Dedupe sees past the NULs too: another watcher's record of r4 is
	 * found, so a second process writes it not again. */
	struct machist *h2 = open_h(f, &ns_a, 0);
	assert_false(append(h2, &r4));
	assert_int_equal(load_n(h, NULL, 0), 3);
	machist_free(h2);
	machist_free(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_format, setup, teardown),
		cmocka_unit_test_setup_teardown(test_files_private, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dedupe, setup, teardown),
		cmocka_unit_test_setup_teardown(test_netns_keying, setup, teardown),
		cmocka_unit_test_setup_teardown(test_trim_and_torn, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nul_bytes, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
