/* bench_import: read a 100-line launch script (an OpenCore-style argument
 * array with comments, variables and defaults) and import it into a profile,
 * as `vmdeck import` does minus the file I/O. Prints figures, judges nothing. */
#include "core/import.h"
#include "core/shscript.h"
#include "core/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RUNS 201

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static char *script(int *lines)
{
	struct strv s = { 0 };
	strv_push(&s, "#!/usr/bin/env bash\nRAM=${RAM:-4096}\nCPU=${CPU:-Penryn}\nREPO=$(pwd)\nargs=(\n");
	for (int i = 0; i < 30; i++) {
		strv_pushf(&s, "  # disk %d\n", i);
		strv_pushf(&s, "  -drive id=d%d,if=none,format=qcow2,file=\"$REPO/disk%d.qcow2\"\n", i, i);
		strv_pushf(&s, "  -device virtio-blk-pci,drive=d%d\n", i);
	}
	strv_push(&s, "\n  -m \"$RAM\" -cpu \"${CPU}\",vendor=GenuineIntel,+invtsc -machine q35\n)\n");
	strv_push(&s, "exec qemu-system-x86_64 -enable-kvm \"${args[@]}\" \\\n  -monitor stdio\n");
	size_t len = 0;
	for (size_t i = 0; i < s.n; i++)
		len += strlen(s.v[i]);
	char *out = xmalloc(len + 1), *o = out;
	for (size_t i = 0; i < s.n; i++)
		o = stpcpy(o, s.v[i]);
	strv_clear(&s);
	*lines = 0;
	for (const char *p = out; *p; p++)
		*lines += *p == '\n';
	return out;
}

int main(void)
{
	int lines;
	char *text = script(&lines);
	size_t len = strlen(text);
	struct shscript_env env = { .pwd = "/vm", .home = "/root", .script = "/vm/run.sh" };
	double t[RUNS];
	size_t opts = 0, yaml = 0;
	for (int r = 0; r < RUNS; r++) {
		uint64_t t0 = now_mono_us();
		struct shscript *s = shscript_read(text, len, &env);
		size_t ci, wi;
		if (s->failed || import_find_qemu(s, &ci, &wi) < 0) {
			fprintf(stderr, "bench_import: the generated script does not read\n");
			return 1;
		}
		const struct shscript_cmd *c = &s->cmds[ci];
		struct import_arg *argv = xcalloc(c->n - wi, sizeof *argv);
		for (size_t k = wi; k < c->n; k++)
			argv[k - wi] = (struct import_arg){ c->words[k].text, c->words[k].line, c->words[k].col, false };
		struct import_opts o = { .source_name = "bench", .source = "run.sh", .base_dir = "/vm" };
		struct import_result res;
		char *err = NULL;
		if (import_qemu(argv, c->n - wi, &o, &res, &err) < 0) {
			fprintf(stderr, "bench_import: %s\n", err);
			return 1;
		}
		t[r] = (double)(now_mono_us() - t0);
		opts = res.kept + res.modernised + res.moved + res.dropped;
		yaml = strlen(res.yaml);
		import_result_clear(&res);
		free(argv);
		shscript_free(s);
	}
	qsort(t, RUNS, sizeof t[0], cmp);
	printf("bench_import: a %d-line script (%zu bytes), %zu QEMU options, profile %zu bytes, %d runs\n", lines, len,
	       opts, yaml, RUNS);
	printf("bench_import: read + import  median %.1f us  min %.1f us  max %.1f us\n", t[RUNS / 2], t[0], t[RUNS - 1]);
	printf("BENCH import a %d-line script (median)|%.3f|-|ms\n", lines, t[RUNS / 2] / 1000.0);
	free(text);
	return 0;
}
