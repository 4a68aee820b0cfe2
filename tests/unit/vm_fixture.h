/* vm_fixture: what the tests of core/vm's state machine share — a fake QEMU
 * that speaks canned QMP (the test binary itself: a profile's `qemu:` points
 * at it, see vm_fixture.c) and a vmm per test with its loop and callbacks.
 * A test's main: rc = vmfx_init(argc, argv); if (rc >= 0) return rc; run
 * the tests; return vmfx_finish(rc). */
#ifndef VMDECK_TESTS_VM_FIXTURE_H
#define VMDECK_TESTS_VM_FIXTURE_H

#include <limits.h>
#include <stdbool.h>

#include "core/loop.h"
#include "core/profile.h"
#include "core/util.h"
#include "core/vm.h"

extern char self[PATH_MAX]; /* this binary: the fake QEMU */
extern char tmpdir[64];     /* runtime, state and profile dirs of the run */

struct fx {
	struct loop *l;
	struct vmm *m;
	int changes, dones, status;
	char err[512];
	struct strv logs;
	char monitor_out[256];
};

/* The fake QEMU when argv says so (its exit code), else the run's dirs
 * made and -1. */
int vmfx_init(int argc, char **argv);
/* Removes the run's dirs; rc, or 1 if that failed. */
int vmfx_finish(int rc);

int setup(void **state);    /* a struct fx with its loop and vmm */
int teardown(void **state);
struct fx *fx_new(void);    /* another vmdeck (its own vmm and loop) */
void fx_free(struct fx *g);

void on_change(struct vm *vm, void *arg); /* counts changes */
void on_log(struct vm *vm, const char *line, void *arg);
void on_done(struct vm *vm, int status, const char *err, void *arg);
void on_monitor(struct vm *vm, const char *out, const char *err, void *arg);
void wait_dones(struct fx *f, int n);     /* bounded: asserts n */
void wait_pending(struct fx *g);          /* no query-status in flight */
bool logged(struct fx *f, const char *needle);
void write_profile(const char *name, const char *extra); /* qemu: the fake */
struct profile_set *load(void);

#endif
