/* import: a QEMU command line (from a launch script, a running QEMU or an
 * argv) -> a commented vmdeck profile and a report of what changed. Pure: it
 * reads no files itself (the caller may pass a format probe). Every option
 * maps to a profile key where one exists; options without a key go to
 * extra_args with a comment saying why; options vmdeck replaces (its
 * monitors, pidfile, serial console, display) are dropped with a comment
 * naming what replaces them; gone or deprecated forms (ide-drive, short-form
 * booleans, -soundhw, -usbdevice) are modernised. */
#ifndef VMDECK_IMPORT_H
#define VMDECK_IMPORT_H

#include "core/shscript.h"

#include <stdbool.h>
#include <stddef.h>

/* One argument and where it came from (line 0: not from a script). */
struct import_arg {
	const char *text;
	int line, col;
	bool unresolved;   /* holds a placeholder the user must fill in */
};

struct import_note {
	int line, col;       /* 0: not tied to a script position */
	char *msg;
};

struct import_opts {
	const char *name;     /* --name; NULL: QEMU's -name, else source_name */
	const char *source_name; /* the script's file name without extension, or NULL */
	const char *source;   /* for the header: "boot-macOS.sh", "/proc/42/cmdline", … */
	const char *base_dir; /* absolute: relative paths in the argv resolve against it */
	/* The format of an existing image ("qcow2", "raw"; static string), or
	 * NULL when it cannot be read; NULL probe: from the file name. */
	const char *(*probe_format)(const char *path);
	/* Notes found before the argv (the script reader's): reported first. */
	const struct import_note *pre_notes;
	size_t n_pre_notes;
};


struct import_result {
	char *name;          /* the VM name chosen */
	char *yaml;          /* the profile, commented */
	struct import_note *notes;
	size_t n_notes;
	unsigned kept, modernised, moved, dropped;
	bool install;        /* the command line boots an installer */
};

/* Build the profile. -1 and *err when argv holds no usable QEMU command
 * (argv[0] must be the QEMU binary). */
int import_qemu(const struct import_arg *argv, size_t argc, const struct import_opts *o, struct import_result *r,
		char **err);
void import_result_clear(struct import_result *r);

/* "kept 31 options, modernised 2, moved 3 to extra_args, dropped 2" (caller frees). */
char *import_summary(const struct import_result *r);

/* A QEMU binary by any path: qemu-system-*, qemu-kvm, kvm. */
bool import_is_qemu(const char *argv0);

/* The command of a script that runs QEMU, and the index of the QEMU word in
 * it (after exec, sudo and its options, env VAR=…, nice, nohup, time,
 * command). 0 and both set, -1 when there is none. */
int import_find_qemu(const struct shscript *s, size_t *cmd, size_t *word);

/* `vmdeck new NAME [--iso FILE] [--os OS]`: a profile for a new VM with
 * current defaults for its OS (import_yaml.c):
 *   linux    q35, UEFI (OVMF, per-VM vars), virtio disk and virtio-net
 *   windows  q35, UEFI, a SATA (AHCI) disk and e1000: the installer has no
 *            virtio drivers
 *   macos    the OpenCore layout: q35, UEFI, Penryn, isa-applesmc, AHCI
 *            disks OpenCore.qcow2 (the user's) + the new disk, vmxnet3
 *   other    q35, BIOS, a SATA disk and e1000
 * One new qcow2 disk (disk_file, relative to the profile directory); the
 * installer (iso, absolute, or NULL: none) as the install medium; one NIC
 * with an explicit MAC (the one profile_nic_guest_mac derives from the
 * name), on user networking or on a bridge. */
enum new_os { NEW_OS_LINUX, NEW_OS_WINDOWS, NEW_OS_MACOS, NEW_OS_OTHER };
#define NEW_OS_NAMES "linux|macos|windows|other"
/* "linux" -> NEW_OS_LINUX …: 0, else -1. */
int import_new_os_parse(const char *s, enum new_os *out);
const char *import_new_os_name(enum new_os os);
/* The memory an OS gets by default ("2G", "4G"). */
const char *import_new_default_memory(enum new_os os);
/* Whether the OS boots UEFI (OVMF) by default. */
bool import_new_uefi(enum new_os os);

struct import_new {
	const char *name, *iso, *memory, *disk_file;
	unsigned cpus;
	enum new_os os;
	const char *fw_code, *fw_vars_template; /* OVMF's images (absolute), when uefi */
	const char *mac;          /* "52:54:00:…" */
	const char *bridge;       /* NULL: user networking */
	const char *network_why;  /* the comment on the NIC: which bridge or lab network */
};
/* The commented profile text (caller frees). */
char *import_new_yaml(const struct import_new *n);

/* A VM name made from any text (a file name, QEMU's -name): invalid
 * characters become '-', at most 32. Caller frees. */
char *import_name_from(const char *s);

#endif
