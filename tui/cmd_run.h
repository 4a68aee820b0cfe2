/* cmd_run: what the VM verbs share (tui/cmd_vm.c defines it): a private
 * loop and VM manager for one verb, run until its action reports back. */
#ifndef VMDECK_CMD_RUN_H
#define VMDECK_CMD_RUN_H

#include <stdbool.h>

struct json_object;
struct loop;
struct vm;
struct vmm;

struct run {
	struct loop *l;
	struct vmm *m;
	bool done, quiet;
	int status;
	char *err;
	char *output;
};

/* only: the one VM the verb acts on, or NULL for all; snapshot: look once. */
int run_open(struct run *r, const char *only, bool snapshot);
void run_close(struct run *r);
/* Run the loop until the action reports back (or SIGINT/SIGTERM); the exit code. */
int run_wait(struct run *r);
/* The VM named, else says why on stderr and NULL. */
struct vm *find_vm(struct run *r, const char *name);
/* A vm_done_cb that fills r (arg). */
void on_done(struct vm *vm, int status, const char *err, void *arg);

/* status --json: the VM's NICs, each with its forwards (tui/cmd_forward.c). */
struct json_object *cmd_forward_nics_json(struct vm *vm);

#endif
