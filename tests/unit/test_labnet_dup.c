/* Lab network files refuse what profiles refuse: a key given twice (the
 * second value silently won), two files with one name (both "loaded"; the
 * first file keeps the name), and booleans spelt the same way in both. */
#include "net/labnet.h"
#include "core/paths.h"
#include "core/profile.h"
#include "core/util.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

static void test_duplicate_keys(void **state)
{
	(void)state;
	static const struct {
		const char *text, *want;
	} cases[] = {
		{ "address: 172.16.1.1/24\naddress: 172.16.2.1/24\n",
		  "net.yaml:2:1: duplicate key 'address' (first given at line 1, column 1)" },
		{ "pin: true\naddress: 172.16.1.1/24\npin: false\n",
		  "net.yaml:3:1: duplicate key 'pin' (first given at line 1, column 1)" },
		{ "heal: true\naddress: 172.16.1.1/24\nheal: false\n",
		  "net.yaml:3:1: duplicate key 'heal' (first given at line 1, column 1)" },
		{ "address: 172.16.1.1/24\ndhcp:\n  range: 172.16.1.10-172.16.1.20\n  range: 172.16.1.30-172.16.1.40\n",
		  "net.yaml:4:3: duplicate key 'range' (first given at line 3, column 3)" },
		{ "address: 172.16.1.1/24\ndhcp:\n  range: 172.16.1.10-172.16.1.20\n  hosts:\n"
		  "    - { mac: 00:16:3e:00:00:01, ip: 172.16.1.11, ip: 172.16.1.12 }\n",
		  "net.yaml:5:50: duplicate key 'ip' (first given at line 5, column 33)" },
	};
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		char *err = NULL;
		struct labnet *n = labnet_parse("net.yaml", cases[i].text, strlen(cases[i].text), &err);
		if (n || !err || strcmp(err, cases[i].want) != 0)
			fail_msg("case %zu: want \"%s\", got \"%s\"", i, cases[i].want, err ? err : "(parsed)");
		free(err);
	}
}

/* Every spelling is judged the same by a profile (serial_log) and a lab
 * network (pin), and means the same. */
static void test_booleans_as_profiles(void **state)
{
	(void)state;
	static const struct {
		const char *word;
		int value; /* -1: refused */
	} cases[] = {
		{ "true", 1 }, { "True", 1 }, { "TRUE", 1 }, { "yes", 1 }, { "Yes", 1 }, { "YES", 1 },
		{ "on", 1 }, { "On", 1 }, { "ON", 1 }, { "false", 0 }, { "False", 0 }, { "FALSE", 0 },
		{ "no", 0 }, { "No", 0 }, { "NO", 0 }, { "off", 0 }, { "Off", 0 }, { "OFF", 0 },
		{ "tRuE", -1 }, { "yEs", -1 }, { "oN", -1 }, { "fALSE", -1 }, { "TRue", -1 }, { "y", -1 },
		{ "n", -1 }, { "1", -1 }, { "0", -1 }, { "truee", -1 }, { "\"\"", -1 },
	};
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		char *ln_text = xasprintf("address: 172.16.1.1/24\npin: %s\n", cases[i].word);
		char *err = NULL;
		struct labnet *n = labnet_parse("net.yaml", ln_text, strlen(ln_text), &err);
		char *pr_text = xasprintf("name: b\nserial_log: %s\n", cases[i].word);
		struct profile_diag *d = NULL;
		size_t nd = 0;
		struct profile *p = profile_parse("/p/b.yaml", pr_text, strlen(pr_text), &d, &nd);
		if (cases[i].value < 0) {
			if (p || nd != 1)
				fail_msg("profile, serial_log: %s: want refused, it loaded", cases[i].word);
			/* The same words, apart from the key and the place. */
			const char *value = strcmp(cases[i].word, "\"\"") == 0 ? "" : cases[i].word;
			char *want = xasprintf("net.yaml:2:6: 'pin' must be true or false, got '%s'", value);
			char *twin = xasprintf("'serial_log' must be true or false, got '%s'", value);
			if (n || !err || strcmp(err, want) != 0)
				fail_msg("lab network, pin: %s: want \"%s\", got \"%s\"", cases[i].word, want,
					 err ? err : "(parsed)");
			if (strcmp(d[0].msg, twin) != 0)
				fail_msg("profile, serial_log: %s: want \"%s\", got \"%s\"", cases[i].word, twin, d[0].msg);
			free(want);
			free(twin);
		} else {
			if (!n)
				fail_msg("lab network, pin: %s: want %d, got \"%s\"", cases[i].word, cases[i].value, err);
			if (!p)
				fail_msg("profile, serial_log: %s: want %d, it did not load", cases[i].word, cases[i].value);
			assert_int_equal(n->pin, cases[i].value);
			assert_int_equal(p->serial_log, cases[i].value);
		}
		labnet_free(n);
		profile_free(p);
		for (size_t k = 0; k < nd; k++) {
			free(d[k].file);
			free(d[k].msg);
		}
		free(d);
		free(err);
		free(ln_text);
		free(pr_text);
	}
}

static void put(const char *dir, const char *name, const char *text)
{
	char *p = path_join(dir, name);
	FILE *f = fopen(p, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	free(p);
}

static void test_duplicate_names(void **state)
{
	(void)state;
	char tmpl[] = "/tmp/test_labnet_dup.XXXXXX";
	char *top = mkdtemp(tmpl);
	assert_non_null(top);
	char *dir = path_join(top, "networks");
	assert_int_equal(mkdir_p(dir, 0700, NULL), 0);
	/* b.yaml and c.yaml say name: lab, lab.yaml is lab by its file name;
	 * in sorted order b.yaml comes first and keeps the name. */
	put(dir, "b.yaml", "name: lab\naddress: 172.16.1.1/24\n");
	put(dir, "c.yaml", "address: 172.16.2.1/24\nname: lab\n");
	put(dir, "lab.yaml", "address: 172.16.3.1/24\n");
	put(dir, "other.yaml", "address: 172.16.4.1/24\n");

	size_t nf, nok;
	char **probs = labnet_problems(dir, &nf, &nok);
	assert_int_equal(nf, 4);
	assert_int_equal(nok, 2);
	char *want1 = xasprintf("%s/c.yaml:2:7: duplicate lab network name \"lab\": already defined in "
				"%s/b.yaml:1:7 (this file is ignored)", dir, dir);
	char *want2 = xasprintf("%s/lab.yaml:1:1: duplicate lab network name \"lab\": already defined in "
				"%s/b.yaml:1:7 (this file is ignored)", dir, dir);
	assert_non_null(probs[0]);
	assert_string_equal(probs[0], want1);
	assert_non_null(probs[1]);
	assert_string_equal(probs[1], want2);
	assert_null(probs[2]);
	for (size_t i = 0; probs[i]; i++)
		free(probs[i]);
	free(probs);

	/* net list names each network once; the name reaches the first file. */
	paths_set_profiles_dir(top);
	char **names = labnet_list();
	assert_non_null(names[0]);
	assert_string_equal(names[0], "lab");
	assert_non_null(names[1]);
	assert_string_equal(names[1], "other");
	assert_null(names[2]);
	for (size_t i = 0; names[i]; i++)
		free(names[i]);
	free(names);
	char *err = NULL;
	struct labnet *n = NULL;
	assert_int_equal(labnet_find("lab", &n, &err), 0);
	assert_non_null(n);
	char *bpath = path_join(dir, "b.yaml");
	assert_string_equal(n->path, bpath);
	labnet_free(n);
	/* The ignored file, asked for by its file name: why it is ignored. */
	assert_int_equal(error_kind(labnet_find("c", &n, &err)), ERR_FAILED);
	assert_null(n);
	assert_string_equal(err, want1);
	free(err);
	/* No such network, and a name that is none: kinds, not text. */
	err = NULL;
	assert_int_equal(labnet_find("nosuch", &n, &err), -ERR_NOTFOUND);
	assert_null(n);
	assert_int_equal(labnet_find("../x", &n, &err), -ERR_INVALID);
	assert_null(n);
	free(err);

	free(bpath);
	free(want1);
	free(want2);
	static const char *const files[] = { "b.yaml", "c.yaml", "lab.yaml", "other.yaml" };
	for (size_t i = 0; i < ARRAY_LEN(files); i++) {
		char *p = path_join(dir, files[i]);
		unlink(p);
		free(p);
	}
	rmdir(dir);
	rmdir(top);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_duplicate_keys),
		cmocka_unit_test(test_booleans_as_profiles),
		cmocka_unit_test(test_duplicate_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
