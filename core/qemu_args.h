/* qemu_args: profile + mode -> the exact QEMU argv. Pure: no I/O, no shell.
 *
 * What vmdeck adds under the runtime dir (the lifecycle relies on these):
 *   -name guest=NAME,process=vmdeck-NAME
 *   -qmp unix:DIR/qmp.sock,server=on,wait=off   vmdeck's persistent connection
 *   -qmp unix:DIR/ctl.sock,server=on,wait=off   one-shot commands (CLI verbs,
 *                                                a second vmdeck): QEMU serves
 *                                                one client per monitor socket
 *   -pidfile DIR/qemu.pid
 *   -vnc unix:DIR/vnc.sock (default) or the profile's HOST:DISPLAY
 *   -chardev socket,id=serial0,fd=3 -serial chardev:serial0
 *            (fd 3: a socketpair whose other end the supervisor relays:
 *            DIR/serial.log, rotated, and DIR/console.sock; core/relay.h)
 *   -chardev socket,id=vmdeck-rec,fd=4 -mon chardev=vmdeck-rec,mode=control
 *            (fd 4: another socketpair, the supervisor's own QMP monitor:
 *            it records the run state in DIR/qemu-state; core/recorder.h)
 *   -display none, -nodefaults; never -daemonize, never -monitor stdio.
 *
 * Installer CD: when the profile has an `install:` section the CD drive is
 * present in BOTH modes so the lifecycle can change the medium live:
 *   drive id "install" (QMP: blockdev-change-medium / eject id=install-cd),
 *   device qdev id "install-cd" (QEMU_INSTALL_CD_ID), with
 *   bootindex=QEMU_INSTALL_BOOTINDEX (1) in install mode and none in boot mode
 *   (toggle live: qom-set /machine/peripheral/install-cd bootindex 1 / -1).
 * Disks get bootindex 2, 3, … in both modes, so the installer wins when it is
 * present. bootindex 0 is left free: QEMU gives it to a -kernel boot loader's
 * option ROM, and a device asking for 0 too is refused ("already used"). */
#ifndef VMDECK_QEMU_ARGS_H
#define VMDECK_QEMU_ARGS_H

#include "core/profile.h"
#include "core/util.h"

/* qdev id of the installer CD device, and the id of its drive. */
#define QEMU_INSTALL_CD_ID "install-cd"
#define QEMU_INSTALL_DRIVE_ID "install"
#define QEMU_INSTALL_BOOTINDEX 1
#define QEMU_DISK_BOOTINDEX 2 /* first disk; the next ones count up */

/* The runtime paths vmdeck adds to every command line. */
struct qemu_runtime {
	const char *dir;   /* per-VM runtime dir; files below are inside it */
	/* Files: qmp.sock (vmdeck's persistent connection), ctl.sock (one-shot
	 * commands), vnc.sock, qemu.pid; the supervisor's console.sock and
	 * serial.log. */
	const char *accel; /* NULL: the profile's; else "kvm", "tcg" or "kvm:tcg"
			    * (tests force "tcg"; `vmdeck args --accel`) */
	const struct strv *taps; /* NULL, or per NIC the TAP to open ("": the
				  * profile's): a granted TAP (net/grant.h) */
};

/* Fill argv (initialised by the caller or empty). Returns 0 / -1; on error
 * argv may hold a partial command line (the caller clears it). */
int qemu_args_build(const struct profile *p, enum vm_mode mode, const struct qemu_runtime *rt,
		    struct strv *argv, char **err);

/* An id vmdeck's argv gives one of its own objects ("serial0": the serial
 * console's chardev): what it is for, or NULL for an id that is free. A
 * second object with it makes QEMU refuse to start ("Duplicate ID"). */
const char *qemu_args_reserved_id(const char *id);

/* A value for a QEMU option string ("file=VALUE,…"): commas doubled. Caller frees. */
char *qemu_args_escape(const char *s);

#endif
