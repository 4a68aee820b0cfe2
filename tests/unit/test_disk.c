/* core/disk.c and util's sizes: parsing sizes, printing them, and reading
 * qemu-img's / QMP's ImageInfo JSON (chains, snapshots). Pure, no qemu-img. */
#include "core/disk.h"
#include "core/util.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

static void test_parse_size(void **state)
{
	(void)state;
	uint64_t v;
	assert_int_equal(parse_size("64G", &v), 0);
	assert_true(v == 64ull << 30);
	assert_int_equal(parse_size("512m", &v), 0);
	assert_true(v == 512ull << 20);
	assert_int_equal(parse_size("2TiB", &v), 0);
	assert_true(v == 2ull << 40);
	assert_int_equal(parse_size("1048576", &v), 0);
	assert_true(v == 1048576);
	const char *bad[] = { "", "G", "-1G", "1.5G", "0", "0G", "1X", "1Gx", " 1G", "99999999999P",
			      "18446744073709551616" };
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
		assert_int_equal(parse_size(bad[i], &v), -1);
}

static void test_size_text(void **state)
{
	(void)state;
	const struct { uint64_t b; const char *t; } c[] = {
		{ 100, "100 B" }, { 4096, "4 KiB" }, { 64ull << 30, "64 GiB" }, { 3ull << 29, "1.5 GiB" },
		{ 200704, "196 KiB" },
	};
	for (size_t i = 0; i < sizeof c / sizeof *c; i++) {
		char *t = size_text(c[i].b);
		assert_string_equal(t, c[i].t);
		free(t);
	}
}

/* qemu-img info --output=json --backing-chain: an array, top first. */
static void test_chain(void **state)
{
	(void)state;
	const char *js = "[{\"virtual-size\": 67108864, \"filename\": \"top.qcow2\", \"format\": \"qcow2\","
			 " \"actual-size\": 200704, \"backing-filename\": \"base.qcow2\", \"dirty-flag\": false,"
			 " \"snapshots\": [{\"icount\": 0, \"vm-clock-nsec\": 5, \"name\": \"before\", \"date-sec\":"
			 " 1765000000, \"date-nsec\": 1, \"vm-clock-sec\": 2, \"id\": \"1\", \"vm-state-size\": 1234}]},"
			 " {\"virtual-size\": 67108864, \"filename\": \"base.qcow2\", \"format\": \"raw\"}]";
	struct disk_image img;
	char *err = NULL;
	assert_int_equal(disk_image_parse(js, &img, &err), 0);
	assert_string_equal(img.filename, "top.qcow2");
	assert_string_equal(img.backing_filename, "base.qcow2");
	assert_int_equal(img.n_snaps, 1);
	assert_string_equal(img.snaps[0].tag, "before");
	assert_true(img.snaps[0].vm_state_size == 1234);
	assert_true(img.snaps[0].vm_clock_ns == 2000000005ull);
	assert_non_null(img.backing);
	assert_string_equal(img.backing->format, "raw");
	assert_null(img.backing->backing);
	disk_image_clear(&img);
	assert_int_equal(disk_image_parse("not json", &img, &err), -1);
	assert_non_null(strstr(err, "no JSON"));
	assert_int_equal(disk_image_parse("[]", &img, &err), -1);
	assert_int_equal(disk_image_parse("[{\"filename\": \"x\"}]", &img, &err), -1);
	free(err);
}

/* QMP query-block's inserted.image: backing images nested. */
static void test_nested(void **state)
{
	(void)state;
	const char *js = "{\"virtual-size\": 1, \"filename\": \"a\", \"format\": \"qcow2\", \"backing-image\":"
			 " {\"virtual-size\": 1, \"filename\": \"b\", \"format\": \"qcow2\", \"backing-image\":"
			 " {\"virtual-size\": 1, \"filename\": \"c\", \"format\": \"raw\"}}}";
	struct disk_image img;
	assert_int_equal(disk_image_parse(js, &img, NULL), 0);
	assert_string_equal(img.backing->backing->filename, "c");
	disk_image_clear(&img);
}

static void test_find(void **state)
{
	(void)state;
	struct profile_disk d[2] = { { .id = "disk0", .file = "/v/a.qcow2" }, { .id = "data", .file = "/v/b.raw" } };
	struct profile p = { .disks = d, .n_disks = 2 };
	assert_ptr_equal(disk_find(&p, "data"), &d[1]);
	assert_ptr_equal(disk_find(&p, "a.qcow2"), &d[0]);
	assert_ptr_equal(disk_find(&p, "/v/b.raw"), &d[1]);
	assert_null(disk_find(&p, "c"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_size), cmocka_unit_test(test_size_text), cmocka_unit_test(test_chain),
		cmocka_unit_test(test_nested),     cmocka_unit_test(test_find),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
