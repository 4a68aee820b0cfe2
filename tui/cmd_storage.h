/* cmd_storage: what the storage verbs (disk, snapshot) share — one VM
 * looked at once (its state from QEMU, no QMP connection kept), QMP
 * commands waited for on the verb's own loop, a disk's images read from
 * qemu-img (stopped) or query-block (running), a snapshot job followed by
 * its events. */
#ifndef VMDECK_CMD_STORAGE_H
#define VMDECK_CMD_STORAGE_H

#include "core/disk.h"
#include "core/loop.h"
#include "core/vm.h"

#include <stdbool.h>

struct json_object;

struct stor {
	struct loop *l;
	struct vmm *m;
	struct vm *vm;
	const struct profile *p;
	struct json_object *blocks; /* query-block's answer (running VM), else NULL */
};

/* Open the verb's view of VM name: EXIT_OK, or an exit code after saying
 * why (no such VM, no profile). */
int stor_open(struct stor *s, const char *verb, const char *name);
void stor_close(struct stor *s);
bool stor_live(const struct stor *s); /* running or paused */
/* Run one QMP command and wait (bounded by the call's own timeout, or
 * SIGINT). 0 and *ret (a reference the caller puts; may be NULL), else
 * -1 and *err. args consumed. */
int stor_qmp(struct stor *s, const char *cmd, struct json_object *args, struct json_object **ret, char **err);
/* The image chain of disk d: query-block's when the VM is live, else
 * qemu-img info's. */
int stor_image(struct stor *s, const struct profile_disk *d, struct disk_image *out, char **err);

/* A live VM's block node name of drive id (the snapshot jobs name nodes,
 * not drives: -drive id=X names the drive only); NULL when unknown.
 * Borrowed, valid until the next query-block. */
const char *stor_node(struct stor *s, const char *id);

/* Run a snapshot-save / -load / -delete job (cmd with args, consumed; a
 * job-id is added) on the verb's own QMP connection to sock (the VM's
 * ctl.sock; vm is its name, for messages) and follow it to its end by its JOB_STATUS_CHANGE events (each status
 * said on stderr as "NAME: what: status", progress figures from query-jobs
 * when there are any), then dismiss it. Bounded by timeout_s (the job is
 * then left to QEMU, and the message says how to look at it) and SIGINT.
 * 0, or -1 with err naming the VM; *lost when QEMU went away before the job
 * concluded (cmd_snapjob.c). */
int snapjob_run(struct loop *l, const char *vm, const char *sock, const char *cmd, struct json_object *args,
		const char *what, unsigned timeout_s, bool *lost, char **err);

#endif
