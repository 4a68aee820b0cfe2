/* core/yamldoc: the input checks (size cap, NUL, bad UTF-8, tabs), libyaml's
 * errors, the second-document check — each with its LINE:COL — and the node
 * and key helpers both YAML formats use. */
#include "core/yamldoc.h"
#include "core/util.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

/* Every report as "LINE:COL: msg\n", in order. */
struct log {
	char text[4096];
	int n;
};

static void collect(void *ud, int line, int col, const char *msg)
{
	struct log *l = ud;
	size_t len = strlen(l->text);
	snprintf(l->text + len, sizeof(l->text) - len, "%d:%d: %s\n", line, col, msg);
	l->n++;
}

static struct yamldoc *open_text(const char *text, size_t len, struct log *l)
{
	memset(l, 0, sizeof(*l));
	return yamldoc_new(text, len, 1024, "a test file", collect, l);
}

static void test_checks(void **state)
{
	(void)state;
	/* Each rejected before libyaml sees it, with the exact message and place. */
	static const struct {
		const char *text;
		size_t len;
		const char *want;
	} cases[] = {
		{ "a: 1\nb: \0x\n", 10, "2:4: binary data (a NUL byte at offset 8): not a YAML text file\n" },
		{ "a: 1\nb: \xc3\x28\n", 10, "2:4: not valid UTF-8 text: byte 0xc3 at offset 8 (save the file as UTF-8)\n" },
		{ "a: \xc0\xaf\n", 6, "1:4: not valid UTF-8 text: byte 0xc0 at offset 3 (save the file as UTF-8)\n" },
		{ "a: \xed\xa0\x80\n", 7, "1:4: not valid UTF-8 text: byte 0xed at offset 3 (save the file as UTF-8)\n" },
		{ "a:\n\tb: 1\nc:\n  \td: 2\n", 20,
		  "2:1: tab character in indentation: YAML indents with spaces only\n"
		  "4:3: tab character in indentation: YAML indents with spaces only\n" },
		{ "a: [1, 2\n", 9, "2:1: YAML syntax error: did not find expected ',' or ']' (while parsing a flow sequence "
				   "at line 1, column 4)\n" },
	};
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		struct log l;
		struct yamldoc *d = open_text(cases[i].text, cases[i].len, &l);
		if (d || strcmp(l.text, cases[i].want) != 0)
			fail_msg("case %zu: want \"%s\", got \"%s\"", i, cases[i].want, d ? "(parsed)" : l.text);
	}
	/* Tabs inside a value are fine: only indentation matters. */
	struct log l;
	struct yamldoc *d = open_text("a: \"x\ty\"\n", 9, &l);
	assert_non_null(d);
	assert_int_equal(l.n, 0);
	yamldoc_free(d);
}

static void test_size_cap(void **state)
{
	(void)state;
	char *big = xmalloc(1025);
	memset(big, '#', 1025);
	struct log l;
	assert_null(open_text(big, 1025, &l));
	assert_string_equal(l.text, "1:1: file too large: 1025 bytes (a test file may be at most 1024 bytes)\n");
	/* Exactly the cap is allowed (a comment: an empty document). */
	struct yamldoc *d = open_text(big, 1024, &l);
	assert_non_null(d);
	assert_null(yamldoc_root(d));
	yamldoc_free(d);
	free(big);
}

/* "[[[…]]]" 500,000 deep (1,000,000 bytes) kept libyaml busy for hours (its
 * cost grows with the square of the depth). It is refused at the 65th level
 * with that level's LINE:COL, before any document is built; 64 levels load.
 * No timing here: the ctest TIMEOUT of test_yamldoc is the hang guard. */
static void test_depth(void **state)
{
	(void)state;
	size_t deep = 500000, len = 2 * deep + 1;
	char *text = xmalloc(len + 1);
	memset(text, '[', deep);
	memset(text + deep, ']', deep);
	strcpy(text + 2 * deep, "\n");
	struct log l = { 0 };
	assert_null(yamldoc_new(text, len, 1 << 20, "a test file", collect, &l));
	assert_string_equal(l.text, "1:65: lists and mappings nested more than 64 levels deep: not read further "
				    "(a test file needs only a few)\n");
	/* The same 200 KB deep inside a mapping, as in a profile. */
	memset(&l, 0, sizeof(l));
	memcpy(text, "foo: ", 5);
	assert_null(yamldoc_new(text, len, 1 << 20, "a test file", collect, &l));
	assert_string_equal(l.text, "1:69: lists and mappings nested more than 64 levels deep: not read further "
				    "(a test file needs only a few)\n");
	free(text);

	/* Exactly YAMLDOC_MAX_DEPTH levels: a valid document. */
	char ok[2 * YAMLDOC_MAX_DEPTH + 2];
	memset(ok, '[', YAMLDOC_MAX_DEPTH);
	memset(ok + YAMLDOC_MAX_DEPTH, ']', YAMLDOC_MAX_DEPTH);
	strcpy(ok + 2 * YAMLDOC_MAX_DEPTH, "\n");
	struct yamldoc *d = open_text(ok, strlen(ok), &l);
	assert_non_null(d);
	assert_int_equal(l.n, 0);
	yamldoc_free(d);

	/* Block mappings count too, each at its key. */
	char *block = xstrdup("");
	for (int i = 0; i <= YAMLDOC_MAX_DEPTH; i++) {
		char *t = xasprintf("%s%*sk%d:\n", block, i, "", i);
		free(block);
		block = t;
	}
	memset(&l, 0, sizeof(l));
	assert_null(yamldoc_new(block, strlen(block), 1 << 20, "a test file", collect, &l));
	assert_string_equal(l.text, "65:65: lists and mappings nested more than 64 levels deep: not read further "
				    "(a test file needs only a few)\n");
	free(block);
}

static void test_empty_and_single(void **state)
{
	(void)state;
	struct log l;
	struct yamldoc *d = open_text("", 0, &l);
	assert_non_null(d);
	assert_null(yamldoc_root(d));
	assert_int_equal(l.n, 0);
	yamldoc_free(d);

	const char *two = "a: 1\n---\nb: 2\n";
	d = open_text(two, strlen(two), &l);
	assert_non_null(d);
	assert_non_null(yamldoc_root(d));
	yamldoc_single(d, "second document");
	assert_string_equal(l.text, "3:1: second document\n");
	yamldoc_free(d);

	const char *one = "a: 1\n";
	d = open_text(one, strlen(one), &l);
	yamldoc_single(d, "second document");
	assert_int_equal(l.n, 0);
	yamldoc_free(d);

	/* A syntax error after the first document is still reported. */
	const char *bad = "a: 1\n---\nb: [1\n";
	d = open_text(bad, strlen(bad), &l);
	assert_non_null(d);
	yamldoc_single(d, "second document");
	assert_int_equal(l.n, 1);
	assert_non_null(strstr(l.text, "YAML syntax error"));
	yamldoc_free(d);
	yamldoc_free(NULL);
}

static void test_nodes(void **state)
{
	(void)state;
	const char *text = "m: {k: v}\nl: [1]\ns: text\nn1:\nn2: ~\nn3: null\nq: ''\nqn: \"null\"\n";
	struct log l;
	struct yamldoc *d = open_text(text, strlen(text), &l);
	assert_non_null(d);
	yaml_node_t *root = yamldoc_root(d);
	assert_string_equal(yamldoc_kind(root), "a mapping");
	assert_null(yamldoc_scalar(root));
	assert_null(yamldoc_scalar(NULL));
	static const struct {
		const char *kind;
		bool null;
	} want[] = {
		{ "a mapping", false }, { "a list", false }, { "a scalar", false }, { "a scalar", true },
		{ "a scalar", true },   { "a scalar", true }, { "a scalar", false }, { "a scalar", false },
	};
	size_t i = 0;
	for (yaml_node_pair_t *p = root->data.mapping.pairs.start; p < root->data.mapping.pairs.top; p++, i++) {
		yaml_node_t *k = yaml_document_get_node(yamldoc_document(d), p->key),
			    *v = yaml_document_get_node(yamldoc_document(d), p->value);
		assert_non_null(yamldoc_scalar(k));
		assert_string_equal(yamldoc_kind(v), want[i].kind);
		if (yamldoc_is_null(v) != want[i].null)
			fail_msg("key %s: is_null %d", yamldoc_scalar(k), !want[i].null);
	}
	assert_int_equal(i, ARRAY_LEN(want));
	assert_int_equal(YAMLDOC_LINE(root), 1);
	assert_int_equal(YAMLDOC_COL(root), 1);
	yamldoc_free(d);
}

static void test_keys(void **state)
{
	(void)state;
	assert_int_equal(yamldoc_levenshtein("", ""), 0);
	assert_int_equal(yamldoc_levenshtein("memroy", "memory"), 2);
	assert_int_equal(yamldoc_levenshtein("Bridge", "bridge"), 0);
	assert_int_equal(yamldoc_levenshtein("kitten", "sitting"), 3);
	char long_word[70];
	memset(long_word, 'a', 69);
	long_word[69] = '\0';
	assert_int_equal(yamldoc_levenshtein(long_word, "a"), SIZE_MAX);

	static const char *const keys[] = { "name", "bridge", "address", "tap_mac_policy", NULL };
	assert_string_equal(yamldoc_nearest("brige", keys), "bridge");
	assert_string_equal(yamldoc_nearest("adress", keys), "address");
	assert_string_equal(yamldoc_nearest("tap_mac_polcy", keys), "tap_mac_policy");
	assert_null(yamldoc_nearest("zzzzzz", keys));
	assert_null(yamldoc_nearest(long_word, keys));
	static const char *const none[] = { NULL };
	assert_null(yamldoc_nearest("x", none));

	char *list = yamldoc_key_list(keys);
	assert_string_equal(list, "name, bridge, address, tap_mac_policy");
	free(list);
	list = yamldoc_key_list(none);
	assert_string_equal(list, "");
	free(list);
	/* Longer than the first buffer. */
	const char *many[101];
	for (int i = 0; i < 100; i++)
		many[i] = "a_fairly_long_key_name";
	many[100] = NULL;
	list = yamldoc_key_list(many);
	assert_int_equal(strlen(list), 100 * 22 + 99 * 2);
	free(list);
}

static void test_read(void **state)
{
	(void)state;
	char dir[] = "/tmp/vmdeck-yamldoc.XXXXXX";
	assert_non_null(mkdtemp(dir));
	char *ok = xasprintf("%s/ok.yaml", dir), *big = xasprintf("%s/big.yaml", dir);
	char *fifo = xasprintf("%s/fifo.yaml", dir), *none = xasprintf("%s/none.yaml", dir);
	FILE *f = fopen(ok, "w");
	fputs("a: 1\n", f);
	fclose(f);
	f = fopen(big, "w");
	for (int i = 0; i < 1025; i++)
		fputc('#', f);
	fclose(f);
	assert_int_equal(mkfifo(fifo, 0600), 0);

	struct log l = { 0 };
	size_t len = 99;
	char *buf = yamldoc_read(ok, 1024, "a test file", &len, collect, &l);
	assert_non_null(buf);
	assert_int_equal(len, 5);
	assert_string_equal(buf, "a: 1\n");
	assert_int_equal(l.n, 0);
	free(buf);
	static const struct {
		int which;
		const char *want;
	} cases[] = {
		{ 0, "1:1: file too large: 1025 bytes (a test file may be at most 1024 bytes)\n" },
		{ 1, "0:0: not a regular file\n" }, /* and no wait for a writer */
		{ 2, "0:0: cannot open: No such file or directory\n" },
		{ 3, "0:0: not a regular file\n" },
	};
	const char *paths[] = { big, fifo, none, dir };
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		memset(&l, 0, sizeof(l));
		buf = yamldoc_read(paths[cases[i].which], 1024, "a test file", &len, collect, &l);
		if (buf || strcmp(l.text, cases[i].want) != 0)
			fail_msg("case %zu: want \"%s\", got \"%s\"", i, cases[i].want, buf ? "(read)" : l.text);
	}
	unlink(ok), unlink(big), unlink(fifo), rmdir(dir);
	free(ok), free(big), free(fifo), free(none);
}

/* The YAML files of a directory: *.yaml and *.yml, not hidden, sorted,
 * appended as paths; a missing directory says why. */
static void test_dir_files(void **state)
{
	(void)state;
	char dir[] = "/tmp/vmdeck-yamldoc.XXXXXX";
	assert_non_null(mkdtemp(dir));
	static const char *const names[] = { "b.yml", "a.yaml", ".hidden.yaml", "c.txt", ".yaml", "yaml" };
	for (size_t i = 0; i < ARRAY_LEN(names); i++) {
		char *p = xasprintf("%s/%s", dir, names[i]);
		FILE *f = fopen(p, "w");
		assert_non_null(f);
		fclose(f);
		free(p);
	}
	struct strv v;
	strv_init(&v);
	strv_push(&v, "kept");
	char *err = NULL;
	assert_int_equal(yamldoc_dir_files(dir, &v, &err), 0);
	assert_null(err);
	assert_int_equal(v.n, 3);
	assert_string_equal(v.v[0], "kept");
	char *a = xasprintf("%s/a.yaml", dir), *b = xasprintf("%s/b.yml", dir);
	assert_string_equal(v.v[1], a);
	assert_string_equal(v.v[2], b);
	assert_null(v.v[3]);
	free(a), free(b);
	strv_clear(&v);
	for (size_t i = 0; i < ARRAY_LEN(names); i++) {
		char *p = xasprintf("%s/%s", dir, names[i]);
		unlink(p);
		free(p);
	}
	rmdir(dir);
	strv_init(&v);
	assert_int_equal(yamldoc_dir_files(dir, &v, &err), -1);
	assert_string_equal(err, "cannot open directory: No such file or directory");
	assert_int_equal(v.n, 0);
	free(err);
	strv_clear(&v);
}

static void test_positions(void **state)
{
	(void)state;
	int line, col;
	yamldoc_offset_pos("ab\ncd", 4, &line, &col);
	assert_int_equal(line, 2);
	assert_int_equal(col, 2);
	/* Columns count characters, not bytes. */
	yamldoc_offset_pos("\xc3\xa9\xc3\xa9x", 4, &line, &col);
	assert_int_equal(line, 1);
	assert_int_equal(col, 3);
	assert_int_equal(yamldoc_utf8_invalid_at("ok \xe2\x82\xac \xf0\x9f\x98\x80", 11), 11);
	assert_int_equal(yamldoc_utf8_invalid_at("ab\xe2\x82", 4), 2);    /* truncated */
	assert_int_equal(yamldoc_utf8_invalid_at("\xf4\x90\x80\x80", 4), 0); /* > U+10FFFF */
	assert_int_equal(yamldoc_utf8_invalid_at("\xff", 1), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_checks),      cmocka_unit_test(test_size_cap), cmocka_unit_test(test_empty_and_single),
		cmocka_unit_test(test_nodes),       cmocka_unit_test(test_keys),     cmocka_unit_test(test_positions),
		cmocka_unit_test(test_read),        cmocka_unit_test(test_depth),    cmocka_unit_test(test_dir_files),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
