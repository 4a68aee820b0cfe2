/* Unit tests for tui/cmd: a failed call's exit code comes from its error
 * kind (core/util.h), never from its message. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>

#include "core/util.h"
#include "tui/cmd.h"

static void test_exit_code(void **state)
{
	(void)state;
	assert_int_equal(cmd_exit_code(0), EXIT_OK);
	assert_int_equal(cmd_exit_code(1), EXIT_OK); /* "already up" and such */
	assert_int_equal(cmd_exit_code(-1), EXIT_FAIL);
	assert_int_equal(cmd_exit_code(-ERR_FAILED), EXIT_FAIL);
	assert_int_equal(cmd_exit_code(-ERR_INVALID), EXIT_FAIL);
	assert_int_equal(cmd_exit_code(-ERR_BUSY), EXIT_FAIL);
	assert_int_equal(cmd_exit_code(-ERR_NOTFOUND), EXIT_NOTFOUND);
	assert_int_equal(cmd_exit_code(-ERR_PERM), EXIT_PERM);
	assert_int_equal(cmd_exit_code(-99), EXIT_FAIL);
}

/* The message plays no part: "CAP_NET_ADMIN" in the text of a plain
 * failure is exit 1, a permission failure with any text is 4. */
static void test_kind_not_text(void **state)
{
	(void)state;
	char *err = NULL;
	assert_int_equal(cmd_exit_code(error_set(&err, "needs root or CAP_NET_ADMIN")), EXIT_FAIL);
	assert_int_equal(cmd_exit_code(error_kind_set(&err, ERR_PERM, "refused")), EXIT_PERM);
	assert_int_equal(cmd_exit_code(error_set(&err, "no bridge br0")), EXIT_FAIL);
	assert_int_equal(cmd_exit_code(error_kind_set(&err, ERR_NOTFOUND, "gone")), EXIT_NOTFOUND);
	free(err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exit_code),
		cmocka_unit_test(test_kind_not_text),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
