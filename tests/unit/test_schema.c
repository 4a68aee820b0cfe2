/* core/schema: the walker every YAML format shares, on a toy format — what a
 * new format gets from a table alone: types, unset empties, unknown and
 * duplicate keys, lists of mappings, positions for checks across fields, the
 * cap on problems. Exact messages: they are the user interface. */
#include "core/schema.h"
#include "core/util.h"
#include "core/yamldoc.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

struct item {
	char *label;
	int line, col;
};

struct toy {
	char *title;
	char *path;
	bool on;
	unsigned count, mem;
	uint8_t mac[6];
	bool has_mac;
	char **tags;
	size_t n_tags;
	bool has_sub;
	unsigned depth;
	struct item *items;
	size_t n_items;
};

static bool lower_valid(const char *s) { return schema_chars(s, "-", 8) && strcmp(s, "BAD") != 0; }

#define T(m) offsetof(struct toy, m)
static const struct schema_field sub_fields[] = {
	{ .key = "depth", .type = SCHEMA_UINT, .off = T(depth), .min = 1, .max = 9 },
	{ 0 },
};
static const struct schema_field item_fields[] = {
	{ .key = "label", .type = SCHEMA_STR, .off = offsetof(struct item, label) },
	{ 0 },
};
static const struct schema_field toy_fields[] = {
	{ .key = "title", .type = SCHEMA_STR, .off = T(title), .valid = lower_valid, .valid_what = "a short word" },
	{ .key = "path", .type = SCHEMA_PATH, .off = T(path) },
	{ .key = "on", .type = SCHEMA_BOOL, .off = T(on) },
	{ .key = "count", .type = SCHEMA_UINT, .off = T(count), .min = 1, .max = 10 },
	{ .key = "mem", .type = SCHEMA_MEM, .off = T(mem), .min = 16, .max = 4096 },
	{ .key = "mac", .type = SCHEMA_MAC, .off = T(mac), .flag_off = T(has_mac) },
	{ .key = "tags", .type = SCHEMA_STRV, .off = T(tags), .flag_off = T(n_tags) },
	{ .key = "sub", .type = SCHEMA_MAP, .sub = sub_fields, .flag_off = T(has_sub) },
	{ .key = "items", .type = SCHEMA_LIST, .off = T(items), .flag_off = T(n_items), .sub = item_fields,
	  .item_size = sizeof(struct item), .item_pos_off = offsetof(struct item, line) },
	{ 0 },
};

struct run {
	char log[8192];
	struct toy t;
	struct schema s;
	struct yamldoc *d;
};

static void sink(void *ud, enum schema_level level, int line, int col, char *msg)
{
	struct run *r = ud;
	size_t len = strlen(r->log);
	snprintf(r->log + len, sizeof(r->log) - len, "%d:%d: %s%s\n", line, col,
		 level == SCHEMA_WARNING ? "warning: " : "", msg);
	free(msg);
}

/* Walk text; the run stays open for positions (done() frees it). */
static void walk(struct run *r, const char *text)
{
	memset(r, 0, sizeof(*r));
	schema_init(&r->s, sink, r);
	r->s.dir = "/base";
	r->d = yamldoc_new(text, strlen(text), 1 << 20, "a toy", schema_yamldoc_report, &r->s);
	assert_non_null(r->d);
	r->s.doc = yamldoc_document(r->d);
	schema_walk_root(&r->s, yamldoc_root(r->d), toy_fields, &r->t, "toy", "'title'", "title: …");
}

static void done(struct run *r)
{
	yamldoc_free(r->d);
	schema_clear(&r->s);
	free(r->t.title);
	free(r->t.path);
	for (size_t i = 0; i < r->t.n_tags; i++)
		free(r->t.tags[i]);
	free(r->t.tags);
	for (size_t i = 0; i < r->t.n_items; i++)
		free(r->t.items[i].label);
	free(r->t.items);
}

static void test_values(void **state)
{
	(void)state;
	struct run r;
	walk(&r, "title: ok\npath: a/../b/./c\non: Yes\ncount: 3\nmem: 1G\nmac: \"52:54:00:00:00:01\"\n"
		 "tags: [x, y]\nsub: { depth: 2 }\nitems:\n  - label: one\n  - { label: two }\n");
	assert_string_equal(r.log, "");
	assert_int_equal(r.s.errors, 0);
	assert_string_equal(r.t.title, "ok");
	assert_string_equal(r.t.path, "/base/b/c");
	assert_true(r.t.on);
	assert_int_equal(r.t.count, 3);
	assert_int_equal(r.t.mem, 1024);
	assert_true(r.t.has_mac);
	assert_int_equal(r.t.n_tags, 2);
	assert_true(r.t.has_sub);
	assert_int_equal(r.t.depth, 2);
	assert_int_equal(r.t.n_items, 2);
	assert_string_equal(r.t.items[1].label, "two");
	assert_int_equal(r.t.items[1].line, 11);
	assert_int_equal(r.t.items[1].col, 5);
	/* Where each key was given, per target. */
	struct schema_pos p = schema_pos(&r.s, "count", &r.t, (struct schema_pos){ 0, 0 });
	assert_int_equal(p.line, 4);
	assert_int_equal(p.col, 8);
	p = schema_pos(&r.s, "label", &r.t.items[0], (struct schema_pos){ 0, 0 });
	assert_int_equal(p.line, 10);
	assert_null(schema_seen_find(&r.s, "label", &r.t));
	done(&r);
	/* Given but empty: unset, no error. */
	walk(&r, "title:\non: ~\ncount: null\ntags:\n");
	assert_string_equal(r.log, "");
	assert_null(r.t.title);
	assert_int_equal(r.t.count, 0);
	done(&r);
}

static void test_problems(void **state)
{
	(void)state;
	struct run r;
	walk(&r, "title: BAD\non: tRuE\ncount: 11\nmem: 1.5G\nmac: \"00:00:00:00:00:00\"\ntags: x\nsub: [1]\n"
		 "items: { label: x }\ncolor: red\ntitel: x\non: true\n[a]: b\n");
	assert_string_equal(r.log,
			    "1:8: 'title': 'BAD' is not a short word\n"
			    "2:5: 'on' must be true or false, got 'tRuE'\n"
			    "3:8: 'count' must be between 1 and 10, got 11\n"
			    "4:6: 'mem' must be a size such as 2G or 2048M (whole MiB), got '1.5G'\n"
			    "5:6: 'mac': 00:00:00:00:00:00 is no interface's MAC (all zero)\n"
			    "6:7: 'tags' must be a list of strings, not a scalar\n"
			    "7:6: 'sub' must be a mapping of keys, not a list\n"
			    "8:8: 'items' must be a list (items start with '- '), not a mapping\n"
			    "9:1: unknown key 'color' (known keys: title, path, on, count, mem, mac, tags, sub, items)\n"
			    "10:1: unknown key 'titel'; did you mean 'title'?\n"
			    "11:1: duplicate key 'on' (first given at line 2, column 1)\n"
			    "12:1: keys must be plain words, not a list\n");
	assert_int_equal(r.s.errors, 12);
	done(&r);
	walk(&r, "sub:\n  dept: 1\n  depth: 1\n  depth: 2\n");
	assert_string_equal(r.log, "2:3: unknown key 'dept' in 'sub'; did you mean 'depth'?\n"
				   "4:3: duplicate key 'depth' (first given at line 3, column 3)\n");
	assert_int_equal(r.t.depth, 1); /* the first value stands */
	done(&r);
	walk(&r, "");
	assert_string_equal(r.log, "1:1: empty toy: expected a mapping with at least 'title'\n");
	done(&r);
	walk(&r, "- a\n");
	assert_string_equal(r.log, "1:1: a toy must be a mapping of keys (title: …), not a list\n");
	done(&r);
}

/* At most SCHEMA_MAX_PROBLEMS reach the sink, the last one saying so; every
 * error still counts. */
static void test_cap(void **state)
{
	(void)state;
	char *text = xstrdup("");
	for (int i = 0; i < SCHEMA_MAX_PROBLEMS + 10; i++) {
		char *t = xasprintf("%sk%d: x\n", text, i);
		free(text);
		text = t;
	}
	struct run r;
	walk(&r, text);
	assert_int_equal(r.s.errors, SCHEMA_MAX_PROBLEMS + 10);
	assert_int_equal(r.s.n_problems, SCHEMA_MAX_PROBLEMS);
	char *last = xasprintf("%d:1: too many problems; giving up on this file\n", SCHEMA_MAX_PROBLEMS);
	size_t ll = strlen(last), len = strlen(r.log);
	assert_true(len > ll);
	assert_string_equal(r.log + len - ll, last);
	free(last);
	free(text);
	done(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_problems),
		cmocka_unit_test(test_cap),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
