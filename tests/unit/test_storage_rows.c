/* tui/src_storage.c's rows of the storage view from `vmdeck disk NAME
 * --json`: a disk row (+ grows it), its file, its snapshots (only the top
 * image's can be reverted or deleted: they carry a tag), backing images,
 * a disk not made yet, a disk that could not be read. Pure. */
#include "tui/src_storage.h"
#include "tui/ui.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

static void test_rows(void **state)
{
	(void)state;
	const char *js = "[{\"file\":\"/v/a.qcow2\",\"format\":\"qcow2\",\"virtual_size\":67108864,\"actual_size\":200704,"
			 "\"snapshots\":[{\"tag\":\"s1\",\"id\":\"1\",\"date\":1765000000,\"vm_state_size\":1048576}],"
			 "\"backing\":{\"file\":\"/v/base.qcow2\",\"format\":\"qcow2\",\"virtual_size\":1,\"actual_size\":1,"
			 "\"snapshots\":[{\"tag\":\"old\",\"date\":0,\"vm_state_size\":0}]},"
			 "\"id\":\"data\",\"interface\":\"virtio\",\"profile_file\":\"/v/a.qcow2\"},"
			 "{\"id\":\"new\",\"interface\":\"virtio\",\"profile_file\":\"/v/n.qcow2\",\"will_be_created\":1073741824},"
			 "{\"id\":\"bad\",\"interface\":\"virtio\",\"profile_file\":\"/v/b.qcow2\"}]";
	struct ui_storage st = { 0 };
	src_storage_rows(&st, js);
	assert_int_equal(st.n, 7);
	assert_true(st.rows[0].head);
	assert_non_null(strstr(st.rows[0].text, "data  qcow2  64 MiB, 196 KiB on the host"));
	assert_string_equal(st.rows[1].text, "   file /v/a.qcow2");
	assert_string_equal(st.rows[2].tag, "s1");
	assert_non_null(strstr(st.rows[2].text, "VM state 1 MiB"));
	assert_non_null(strstr(st.rows[3].text, "backing /v/base.qcow2"));
	assert_null(st.rows[4].tag); /* the base's snapshot: not this VM's to revert */
	assert_non_null(strstr(st.rows[4].text, "disk only"));
	assert_non_null(strstr(st.rows[5].text, "will be created at the first start (1 GiB)"));
	assert_false(st.rows[5].head);
	assert_non_null(strstr(st.rows[6].text, "not readable"));
	ui_storage_clear_rows(&st);
	src_storage_rows(&st, "garbage");
	assert_int_equal(st.n, 0);
	src_storage_rows(&st, NULL);
	assert_int_equal(st.n, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = { cmocka_unit_test(test_rows) };
	return cmocka_run_group_tests(tests, NULL, NULL);
}
