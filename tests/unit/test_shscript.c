/* Unit tests for core/shscript: the bash subset launch scripts use, read
 * without running anything. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/shscript.h"
#include "core/util.h"
#include "core/yamldoc.h"

static const struct shscript_env env = { .pwd = "/vm", .home = "/home/u", .script = "/vm/run.sh" };

static struct shscript *rd(const char *text)
{
	return shscript_read(text, strlen(text), &env);
}

/* The words of command i joined with '|'. */
static char *joined(const struct shscript *s, size_t i)
{
	assert_true(i < s->n_cmds);
	struct strv v = { 0 };
	char *out = xstrdup("");
	for (size_t k = 0; k < s->cmds[i].n; k++) {
		char *t = xasprintf("%s%s%s", out, k ? "|" : "", s->cmds[i].words[k].text);
		free(out);
		out = t;
	}
	strv_clear(&v);
	return out;
}

static void expect(const char *script, const char *cmd0)
{
	struct shscript *s = rd(script);
	for (size_t i = 0; i < s->n_diags; i++)
		print_message("diag %d:%d %s\n", s->diags[i].line, s->diags[i].col, s->diags[i].msg);
	assert_false(s->failed);
	char *j = joined(s, 0);
	assert_string_equal(j, cmd0);
	free(j);
	shscript_free(s);
}

static void test_quotes_and_escapes(void **state)
{
	(void)state;
	expect("qemu -a 'x y' \"p q\" r\\ s", "qemu|-a|x y|p q|r s");
	expect("qemu osk=ours\\(c\\)Apple", "qemu|osk=ours(c)Apple");
	expect("qemu isa-applesmc,osk=\"our(c)Apple\"", "qemu|isa-applesmc,osk=our(c)Apple");
	expect("qemu file=./'Install macOS.iso'", "qemu|file=./Install macOS.iso");
	expect("qemu \"a\\\"b\\$c\\d\"", "qemu|a\"b$c\\d");
	expect("qemu '' \"\"", "qemu||");
	expect("qemu 'a\\b'", "qemu|a\\b");
}

static void test_continuations(void **state)
{
	(void)state;
	expect("qemu -m 2048 \\\n   -smp 2 \\\n", "qemu|-m|2048|-smp|2");
	expect("qemu -m 2048 \\", "qemu|-m|2048");
	expect("qemu -m 20\\\n48", "qemu|-m|2048");
	expect("qemu \"a\\\nb\"", "qemu|ab");
	expect("qemu -m 1 \\\r\n -smp 2", "qemu|-m|1|-smp|2");
}

static void test_variables(void **state)
{
	(void)state;
	expect("M=2048\nqemu -m $M -x ${M}M", "qemu|-m|2048|-x|2048M");
	expect("qemu -cpu ${CPU:-Penryn},vendor=GenuineIntel", "qemu|-cpu|Penryn,vendor=GenuineIntel");
	expect("E=\nqemu a${E:-d} b${E-d} c${U-d}", "qemu|ad|b|cd");
	expect("qemu ${A:=one} $A", "qemu|one|one");
	expect("qemu ${A:-${B:-${C:-deep}}}", "qemu|deep");
	expect("B=b\nqemu ${A:-${B:-x}}", "qemu|b");
	expect("S=set\nqemu ${S:+alt} x${U:+alt}", "qemu|alt|x");
	expect("qemu $PWD/disk $(pwd)/d2 `pwd`/d3 ~/d4 $HOME/d5", "qemu|/vm/disk|/vm/d2|/vm/d3|/home/u/d4|/home/u/d5");
	expect("O='-m 1'\nqemu $O \"$O\"", "qemu|-m|1|-m 1");
	expect("export A=1 B=2\nqemu $A$B", "qemu|12");
	expect("A=x\nA+=y\nqemu $A ${#A}", "qemu|xy|2");
	expect("qemu \"${EXTRA:-}\" ${EXTRA2:-}", "qemu|");
	expect("qemu $0", "qemu|/vm/run.sh");
}

static void test_arrays(void **state)
{
	(void)state;
	expect("args=(\n  -m 2048 # memory\n\n  # a comment line\n  -device \"usb-kbd\"\n)\nqemu \"${args[@]}\"",
	       "qemu|-m|2048|-device|usb-kbd");
	expect("a=(x 'y z')\nqemu \"${a[@]}\" ${a[@]} ${a[1]} \"${a[*]}\" ${#a[@]}", "qemu|x|y z|x|y|z|y|z|x y z|2");
	expect("a=(x)\na+=(y)\nqemu \"p${a[@]}s\"", "qemu|px|ys");
	expect("a=()\nqemu \"${a[@]}\" end", "qemu|end");
	/* An element keeps its own line: that is where the option came from. */
	struct shscript *s = rd("args=(\n  -m\n  2048\n)\nexec qemu \"${args[@]}\"");
	assert_int_equal(s->n_cmds, 1);
	assert_int_equal(s->cmds[0].words[2].line, 2);
	assert_int_equal(s->cmds[0].words[3].line, 3);
	assert_int_equal(s->cmds[0].words[3].col, 3);
	shscript_free(s);
}

static void test_commands(void **state)
{
	(void)state;
	struct shscript *s = rd("#!/bin/bash\nset -e\nif [ ! -f x ]; then\n  echo no >&2; exit 1\nfi\n"
				"sudo qemu -m 1 2>&1 | tee log\ncat <<EOF\nqemu not this\nEOF\nqemu2 last");
	assert_false(s->failed);
	const char *want[] = { "set|-e", "[|!|-f|x|]", "echo|no", "exit|1", "sudo|qemu|-m|1", "tee|log", "cat",
			       "qemu2|last" };
	assert_int_equal(s->n_cmds, ARRAY_LEN(want));
	for (size_t i = 0; i < ARRAY_LEN(want); i++) {
		char *j = joined(s, i);
		assert_string_equal(j, want[i]);
		free(j);
	}
	assert_int_equal(s->cmds[4].line, 6);
	shscript_free(s);
}

/* Unresolvable parts stay as their source text, each reported once. */
static void test_unresolved(void **state)
{
	(void)state;
	struct shscript *s = rd("qemu -hda $DISK -m ${MEM} -smp $(nproc) -name $1\n  x=${DEFAULTED:-$(uname)}");
	assert_false(s->failed);
	char *j = joined(s, 0);
	assert_string_equal(j, "qemu|-hda|$DISK|-m|${MEM}|-smp|$(nproc)|-name|$1");
	free(j);
	assert_true(s->cmds[0].words[2].unresolved);
	assert_false(s->cmds[0].words[1].unresolved);
	assert_int_equal(s->n_diags, 5);
	assert_int_equal(s->diags[0].line, 1);
	assert_int_equal(s->diags[0].col, 11);
	assert_non_null(strstr(s->diags[0].msg, "--set DISK="));
	assert_int_equal(s->diags[2].col, 32);
	assert_non_null(strstr(s->diags[2].msg, "$(nproc)"));
	assert_int_equal(s->diags[4].line, 2);
	shscript_free(s);
	/* A placeholder in a variable is not split when expanded unquoted. */
	s = rd("Q=qemu-system-$(uname -m)\n$Q -m 1");
	j = joined(s, 0);
	assert_string_equal(j, "qemu-system-$(uname -m)|-m|1");
	assert_true(s->cmds[0].words[0].unresolved);
	free(j);
	shscript_free(s);
	/* --set wins over the script and fills the gaps. */
	const char *set[] = { "DISK=/d.img", "M=512" };
	struct shscript_env e = env;
	e.set = set;
	e.n_set = 2;
	const char *t = "M=4096\nqemu -hda $DISK -m $M";
	s = shscript_read(t, strlen(t), &e);
	j = joined(s, 0);
	assert_string_equal(j, "qemu|-hda|/d.img|-m|512");
	assert_int_equal(s->n_diags, 0);
	free(j);
	shscript_free(s);
}

static void expect_fatal(const char *text, size_t len, int line, int col, const char *what)
{
	struct shscript *s = shscript_read(text, len, &env);
	assert_true(s->failed);
	const struct shscript_diag *d = &s->diags[s->n_diags - 1];
	print_message("%d:%d %s\n", d->line, d->col, d->msg);
	assert_true(d->fatal);
	assert_int_equal(d->line, line);
	assert_int_equal(d->col, col);
	assert_non_null(strstr(d->msg, what));
	shscript_free(s);
}

static void test_broken(void **state)
{
	(void)state;
	const char *t;
	t = "qemu -m 1 \\\n  -name 'oops\n -smp 2\n";
	expect_fatal(t, strlen(t), 2, 9, "unterminated single quote");
	t = "qemu \"x";
	expect_fatal(t, strlen(t), 1, 6, "unterminated double quote");
	t = "qemu ${A:-x";
	expect_fatal(t, strlen(t), 1, 6, "unterminated '${'");
	t = "a=(x\n y";
	expect_fatal(t, strlen(t), 1, 1, "unterminated array");
	t = "qemu $(echo";
	expect_fatal(t, strlen(t), 1, 6, "unterminated command substitution");
	expect_fatal("ab\ncd\0ef", 8, 2, 3, "binary data");
	expect_fatal("qemu \xe9t\xe9", 8, 1, 6, "not valid UTF-8");
	size_t big = SHSCRIPT_MAX_SIZE + 1;
	char *b = xmalloc(big);
	memset(b, '#', big);
	expect_fatal(b, big, 1, 1, "file too large");
	free(b);
	/* Deep nesting and expansion bombs end, reported. */
	char deep[400] = "";
	for (int i = 0; i < 40; i++)
		strcat(deep, "${A:-");
	expect_fatal(deep, strlen(deep), 1, 1 + 32 * 5, "nested more than");
	char bomb[2048] = "a=(xxxxxxxxxxxxxxxx)\n";
	for (int i = 0; i < 40; i++)
		strcat(bomb, "a=(\"${a[@]}\" \"${a[@]}\")\n");
	struct shscript *s = shscript_read(bomb, strlen(bomb), &env);
	assert_true(s->failed);
	shscript_free(s);
}

/* Messages quote at most 60 bytes of the script, never half a character:
 * they go into the profile's comments, which must stay UTF-8. */
static void test_quote_cut(void **state)
{
	(void)state;
	static const char *const scripts[] = {
		"qemu $(echo éééééééééééééééééééééééééééééééééééé)\n",
		"qemu ${Véééééééééééééééééééééééééééééééééééé%x}\n",
		"qemu ${UNSET?xéééééééééééééééééééééééééééééé}\n",
		"qemu $((1+xéééééééééééééééééééééééééééééééééééééé))\n",
	};
	for (size_t k = 0; k < sizeof scripts / sizeof *scripts; k++) {
		struct shscript *s = rd(scripts[k]);
		assert_false(s->failed);
		assert_true(s->n_diags > 0);
		for (size_t i = 0; i < s->n_diags; i++) {
			print_message("%s\n", s->diags[i].msg);
			size_t n = strlen(s->diags[i].msg);
			assert_int_equal(yamldoc_utf8_invalid_at(s->diags[i].msg, n), n);
		}
		shscript_free(s);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_quotes_and_escapes), cmocka_unit_test(test_continuations),
		cmocka_unit_test(test_variables),          cmocka_unit_test(test_arrays),
		cmocka_unit_test(test_commands),           cmocka_unit_test(test_unresolved),
		cmocka_unit_test(test_broken),             cmocka_unit_test(test_quote_cut),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
