/* qemu_args: profile + mode -> the exact QEMU argv. Pure: no I/O, no shell. */
#ifndef VMDECK_QEMU_ARGS_H
#define VMDECK_QEMU_ARGS_H

#include "core/profile.h"
#include "core/util.h"

/* The runtime paths vmdeck adds to every command line. */
struct qemu_runtime {
	const char *dir;   /* per-VM runtime dir; files below are inside it */
	/* Files: qmp.sock (vmdeck's persistent connection), ctl.sock (one-shot
	 * commands), vnc.sock, qemu.pid, serial.log. */
};

/* Fill argv (initialised by the caller or empty). Returns 0 / -1. */
int qemu_args_build(const struct profile *p, enum vm_mode mode, const struct qemu_runtime *rt,
		    struct strv *argv, char **err);

#endif
