/* Unit tests for tui/prompt: the status bar's line editor and its path
 * completion (a private directory tree under /tmp). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/util.h"
#include "tui/keys.h"
#include "tui/prompt.h"

static void type(struct prompt *p, const char *s)
{
	for (const char *c = s; *c; c++)
		assert_int_equal(prompt_key(p, (unsigned char)*c), PROMPT_EDITING);
}

static void test_editing(void **state)
{
	(void)state;
	struct prompt p = { 0 };
	prompt_open(&p, 7, "x: ");
	assert_true(p.active);
	type(&p, "ab");
	assert_int_equal(prompt_key(&p, 0xE9), PROMPT_EDITING); /* é: two bytes */
	assert_string_equal(p.text, "ab\xc3\xa9");
	assert_int_equal(prompt_key(&p, K_BACKSPACE), PROMPT_EDITING);
	assert_string_equal(p.text, "ab");
	assert_int_equal(prompt_key(&p, K_ENTER), PROMPT_SUBMIT);
	assert_int_equal(prompt_key(&p, K_ESC), PROMPT_CANCEL);
	assert_int_equal(p.action, 7);
	prompt_close(&p);
	assert_false(p.active);
	char *h = prompt_path("~/x.sh");
	assert_non_null(h);
	free(h);
}

static void test_complete(void **state)
{
	(void)state;
	char dir[] = "/tmp/vmdeck-prompt.XXXXXX";
	assert_non_null(mkdtemp(dir));
	char *sub = xasprintf("%s/scripts", dir), *a = xasprintf("%s/scripts/boot-a.sh", dir),
	     *b = xasprintf("%s/scripts/boot-b.sh", dir), *c = xasprintf("%s/scripts/other.sh", dir);
	assert_int_equal(mkdir(sub, 0700), 0);
	fclose(fopen(a, "w"));
	fclose(fopen(b, "w"));
	fclose(fopen(c, "w"));
	struct prompt p = { 0 };
	prompt_open(&p, 1, "x: ");
	type(&p, dir);
	type(&p, "/scr");
	prompt_key(&p, K_TAB);
	char *want = xasprintf("%s/scripts/", dir);
	assert_string_equal(p.text, want); /* one directory: completed, with '/' */
	type(&p, "bo");
	prompt_key(&p, K_TAB);
	free(want);
	want = xasprintf("%s/scripts/boot-", dir);
	assert_string_equal(p.text, want); /* the common prefix */
	assert_non_null(strstr(p.hint, "boot-a.sh"));
	assert_non_null(strstr(p.hint, "boot-b.sh"));
	assert_null(strstr(p.hint, "other.sh"));
	type(&p, "z");
	prompt_key(&p, K_TAB);
	assert_string_equal(p.hint, "(no match)");
	prompt_close(&p);
	unlink(a), unlink(b), unlink(c), rmdir(sub), rmdir(dir);
	free(a), free(b), free(c), free(sub), free(want);
}

/* The OS prompt completes words; the name prompt completes nothing. */
static void test_complete_words(void **state)
{
	(void)state;
	static const char *const os[] = { "linux", "macos", "windows", "other", NULL };
	struct prompt p = { 0 };
	prompt_open(&p, 0, "OS: ");
	p.completion = PROMPT_WORDS;
	p.words = os;
	type(&p, "w");
	assert_int_equal(prompt_key(&p, K_TAB), PROMPT_EDITING);
	assert_string_equal(p.text, "windows");
	assert_int_equal(p.len, 7);
	prompt_open(&p, 0, "OS: ");
	p.completion = PROMPT_WORDS;
	p.words = os;
	type(&p, "x");
	prompt_key(&p, K_TAB);
	assert_string_equal(p.text, "x");
	assert_string_equal(p.hint, "(no match)");
	static const char *const two[] = { "macos", "machine", NULL };
	prompt_open(&p, 0, "w: ");
	p.completion = PROMPT_WORDS;
	p.words = two;
	type(&p, "m");
	prompt_key(&p, K_TAB);
	assert_string_equal(p.text, "mac"); /* the common prefix */
	prompt_open(&p, 0, "name: ");
	p.completion = PROMPT_NO_COMPLETION;
	type(&p, "/t");
	prompt_key(&p, K_TAB);
	assert_string_equal(p.text, "/t");
	assert_null(p.hint);
	prompt_close(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = { cmocka_unit_test(test_editing), cmocka_unit_test(test_complete),
					    cmocka_unit_test(test_complete_words) };
	return cmocka_run_group_tests(tests, NULL, NULL);
}
