/* bench_machist: the cost of the bridge MAC history file (net/machist.h) —
 * one append (lock, dedupe over the last 64 KiB, write, trim check) on a
 * file grown to its limit, the worst append (a trim), the file's largest
 * size, and loading a full file (what the TUI does at start). Prints
 * figures; it is not a test (run it through tests/bench/run).
 * Usage: bench_machist [APPENDS] */
#include "core/util.h"
#include "net/linkwatch.h"
#include "net/machist.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int main(int argc, char **argv)
{
	unsigned n = argc > 1 ? (unsigned)atoi(argv[1]) : 20000;
	char tmp[] = "/tmp/vmdeck-bench-machist.XXXXXX";
	if (!mkdtemp(tmp)) {
		perror("mkdtemp");
		return 1;
	}
	char *dir = xasprintf("%s/mac-history", tmp);
	struct machist_options o = { .dir = dir };
	char *err = NULL;
	struct machist *h = machist_new(&o, &err);
	if (!h) {
		fprintf(stderr, "bench_machist: %s\n", err);
		return 1;
	}
	/* A realistic record: the seed's TAP joining virbr0. */
	struct link_info br = { .ifindex = 2, .name = "virbr0" };
	struct bridge_mac_change c = { .cause = BRIDGE_MAC_CAUSE_PORT_JOINED, .port = "vd-testguest1-0", .port_ifindex = 7 };
	snprintf(c.text, sizeof(c.text), "62:93:b7:8a:03:b7 -> 2e:fa:07:80:c6:23: port vd-testguest1-0 (2e:fa:07:80:c6:23) joined");
	uint64_t total = 0, worst = 0, last_k = 0, t_last_k = 0;
	long long maxsz = 0;
	for (unsigned i = 0; i < n; i++) {
		c.wall_us = 1795600000000000ull + i * 3000000ull; /* 3 s apart: none is a duplicate */
		c.old_mac[4] = (uint8_t)(i >> 8);
		c.old_mac[5] = (uint8_t)i;
		memcpy(c.new_mac, c.old_mac, 6);
		c.new_mac[0] = 2;
		struct machist_record r;
		machist_record_from_change(h, &br, &c, &r);
		uint64_t a = now_mono_us();
		if (machist_append(h, &r, NULL, &err) < 0) {
			fprintf(stderr, "bench_machist: %s\n", err);
			return 1;
		}
		uint64_t d = now_mono_us() - a;
		total += d;
		worst = d > worst ? d : worst;
		if (i >= n - 1000) { /* the steady state: a file near its limit */
			t_last_k += d;
			last_k++;
		}
		struct stat st;
		if (stat(machist_path(h), &st) == 0 && st.st_size > maxsz)
			maxsz = st.st_size;
	}
	struct machist_record *out;
	size_t got;
	uint64_t a = now_mono_us();
	if (machist_load(h, NULL, 0, &out, &got, &err) < 0) {
		fprintf(stderr, "bench_machist: %s\n", err);
		return 1;
	}
	uint64_t load = now_mono_us() - a;
	printf("%u appends: %.0f us mean, %.0f us mean over the last 1000 (file near its limit), worst %llu us (a trim)\n",
	       n, (double)total / n, last_k ? (double)t_last_k / (double)last_k : 0.0, (unsigned long long)worst);
	printf("largest file %lld bytes; load of %zu records %llu us\n", maxsz, got, (unsigned long long)load);
	printf("BENCH MAC history append (file near limit)|%.0f|-|us\n", last_k ? (double)t_last_k / (double)last_k : 0.0);
	printf("BENCH MAC history load (%zu records)|%.1f|-|ms\n", got, load / 1000.0);
	free(out);
	machist_free(h);
	free(dir);
	char *cmd = xasprintf("rm -rf '%s'", tmp);
	int rc = system(cmd);
	free(cmd);
	return rc == 0 ? 0 : 1;
}
