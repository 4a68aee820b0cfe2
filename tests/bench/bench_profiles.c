/* bench_profiles: load and validate 1,000 profiles (target: well under
 * 100 ms), then build all their QEMU command lines. Prints figures; it is
 * not a test (run it through tests/bench/run). Usage: bench_profiles [N] */
#include "core/profile.h"
#include "core/qemu_args.h"
#include "core/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 1000;
	enum { RUNS = 7 };
	char dir[] = "/tmp/vmdeck-bench-profiles.XXXXXX";
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	/* Realistic profiles: the size and shape of the bundled ones. */
	for (int i = 0; i < n; i++) {
		char *path = xasprintf("%s/vm%04d.yaml", dir, i);
		char *text = xasprintf("# generated VM %d\n"
				       "name: vm%04d\n"
				       "description: generated profile number %d\n"
				       "accel: kvm:tcg\nmachine: q35\n"
				       "cpu: {model: Penryn, flags: [kvm=off, vendor=GenuineIntel]}\n"
				       "smp: {cpus: 2, cores: 2}\nmemory: %dM\n"
				       "boot: {kernel: /dev/null, append: console=ttyS0}\n"
				       "smbios: [type=2]\nusb: [usb-kbd, usb-tablet]\n"
				       "audio: {device: ich9-intel-hda, codec: hda-duplex}\n"
				       "disks:\n  - {id: hd, file: /dev/null, format: raw, interface: ide, bus: ide.2}\n"
				       "  - {file: /dev/zero, format: qcow2}\n"
				       "nics:\n  - {model: e1000-82545em, mac: '02:00:00:%02x:%02x:01', bridge: br0}\n"
				       "  - {network: user}\n"
				       "install: {file: /dev/null, bus: ide.0, snapshot: true}\n"
				       "display: {keyboard: en-us}\nstop_timeout: 30\n",
				       i, i, i, 512 + i % 8 * 256, (i >> 8) & 0xff, i & 0xff);
		char *err = NULL;
		if (file_write_atomic(path, text, strlen(text), 0644, &err) < 0) {
			fprintf(stderr, "%s\n", err);
			return 1;
		}
		free(path);
		free(text);
	}
	const char *paths[] = { dir };
	uint64_t load[RUNS], args[RUNS];
	size_t loaded = 0, diags = 0, argc_total = 0;
	for (int r = 0; r < RUNS; r++) {
		uint64_t t0 = now_mono_us();
		struct profile_set *s = profile_set_load(paths, 1);
		uint64_t t1 = now_mono_us();
		loaded = s->n;
		diags = s->n_diags;
		for (size_t i = 0; r == 0 && i < s->n_diags && i < 5; i++) {
			char *line = profile_diag_format(&s->diags[i]);
			fprintf(stderr, "bench_profiles: unexpected: %s\n", line);
			free(line);
		}
		argc_total = 0;
		for (size_t i = 0; i < s->n; i++) {
			struct strv a = { 0 };
			struct qemu_runtime rt = { .dir = "/run/vmdeck/x" };
			if (qemu_args_build(s->items[i], VM_MODE_INSTALL, &rt, &a, NULL) == 0)
				argc_total += a.n;
			strv_clear(&a);
		}
		uint64_t t2 = now_mono_us();
		load[r] = t1 - t0;
		args[r] = t2 - t1;
		profile_set_free(s);
	}
	qsort(load, RUNS, sizeof(uint64_t), cmp_u64);
	qsort(args, RUNS, sizeof(uint64_t), cmp_u64);
	printf("bench_profiles: %d profiles, %zu loaded, %zu diagnostics, %d runs\n", n, loaded, diags, RUNS);
	printf("bench_profiles: profile_set_load  median %.2f ms  min %.2f ms  max %.2f ms  (%.1f us/profile; target < 100 ms)\n",
	       load[RUNS / 2] / 1000.0, load[0] / 1000.0, load[RUNS - 1] / 1000.0, (double)load[RUNS / 2] / n);
	printf("bench_profiles: qemu_args_build   median %.2f ms for all (%.1f us/profile, %zu args)\n",
	       args[RUNS / 2] / 1000.0, (double)args[RUNS / 2] / n, argc_total);
	/* Machine-readable line for tests/bench/run's table: figure|vmdeck|peer|unit */
	printf("BENCH load %d profiles (median)|%.2f|-|ms\n", n, load[RUNS / 2] / 1000.0);
	for (int i = 0; i < n; i++) {
		char *path = xasprintf("%s/vm%04d.yaml", dir, i);
		unlink(path);
		free(path);
	}
	rmdir(dir);
	return loaded == (size_t)n && diags == 0 ? 0 : 1;
}
