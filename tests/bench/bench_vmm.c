/* bench_vmm: what `vmdeck status NAME` costs the VM manager with N profiles
 * (default 5,000): load the set, hand it to a vmm (first sync and a reload),
 * find one VM. Prints figures; it is not a test (tests/bench/run runs it).
 * Usage: bench_vmm [N] */
#include "core/loop.h"
#include "core/profile.h"
#include "core/util.h"
#include "core/vm.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 5000;
	char dir[] = "/tmp/vmdeck-bench-vmm.XXXXXX";
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	char *prof = path_join(dir, "prof"), *run = path_join(dir, "run"), *state = path_join(dir, "state");
	if (mkdir(prof, 0700) < 0 || mkdir(run, 0700) < 0 || mkdir(state, 0700) < 0) {
		perror("mkdir");
		return 1;
	}
	setenv("VMDECK_RUNTIME_DIR", run, 1);
	setenv("VMDECK_STATE_DIR", state, 1);
	/* Written in reverse name order: the worst case for insertion sorts. */
	for (int i = n - 1; i >= 0; i--) {
		char *path = xasprintf("%s/vm%05d.yaml", prof, i);
		char *text = xasprintf("name: vm%05d\naccel: tcg\nmachine: q35\nmemory: 64M\n", i);
		char *err = NULL;
		if (file_write_atomic(path, text, strlen(text), 0600, &err) < 0) {
			fprintf(stderr, "%s\n", err);
			return 1;
		}
		free(path);
		free(text);
	}
	const char *paths[] = { prof };
	struct loop *l = loop_new();
	struct vmm *m = vmm_new(l, NULL);
	uint64_t t0 = now_mono_us();
	struct profile_set *s = profile_set_load(paths, 1);
	uint64_t t1 = now_mono_us();
	vmm_sync_profiles(m, s);
	struct profile_set *again = profile_set_load(paths, 1);
	uint64_t t2 = now_mono_us();
	vmm_sync_profiles(m, again);
	uint64_t t3 = now_mono_us();
	char name[16];
	snprintf(name, sizeof(name), "vm%05d", n / 2);
	struct vm *vm = vmm_find(m, name);
	uint64_t t4 = now_mono_us();
	size_t count = vmm_count(m);
	printf("bench_vmm: %d profiles, %zu VMs\n", n, count);
	printf("bench_vmm: profile_set_load          %.2f ms\n", (t1 - t0) / 1000.0);
	printf("bench_vmm: vmm_sync_profiles (first)  %.2f ms\n", (t2 - t1) / 1000.0);
	printf("bench_vmm: vmm_sync_profiles (reload) %.2f ms\n", (t3 - t2) / 1000.0);
	printf("bench_vmm: vmm_find                   %.3f ms\n", (t4 - t3) / 1000.0);
	printf("BENCH vmm sync %d profiles|%.2f|-|ms\n", n, (t2 - t1) / 1000.0);
	bool ok = vm && count == (size_t)n;
	vmm_free(m);
	loop_free(l);
	for (int i = 0; i < n; i++) {
		char *path = xasprintf("%s/vm%05d.yaml", prof, i);
		unlink(path);
		free(path);
	}
	rmdir(prof);
	rmdir(run);
	rmdir(state);
	rmdir(dir);
	free(prof);
	free(run);
	free(state);
	return ok ? 0 : 1;
}
