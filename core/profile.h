/* profile: one YAML file per VM, parsed with libyaml into struct profile.
 * Every diagnostic names file:line:column. One bad profile never keeps the
 * others from loading (profile_set_load collects per-file problems).
 * core/profile.c holds the schema (walked by core/schema.c), profile_check.c
 * the checks across fields, profile_set.c the set and its diagnostics. */
#ifndef VMDECK_PROFILE_H
#define VMDECK_PROFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/forward.h"

enum vm_mode { VM_MODE_BOOT = 0, VM_MODE_INSTALL = 1 };
const char *vm_mode_name(enum vm_mode m);
int vm_mode_parse(const char *s, enum vm_mode *out);

/* How a TAP's own MAC is chosen before it joins the bridge. */
enum mac_policy { MAC_POLICY_DERIVED = 0, MAC_POLICY_FIXED, MAC_POLICY_KERNEL };
#define MAC_POLICY_COUNT 3
/* The policies' names by value, for every file that takes one (profiles,
 * lab networks: SCHEMA_ENUM). */
extern const char *const mac_policy_names[MAC_POLICY_COUNT];
const char *mac_policy_name(enum mac_policy p);

struct profile_disk {
	char *id;          /* drive id, e.g. "MacHDD"; default "disk0", "disk1"… */
	char *file;        /* absolute (resolved against the profile's directory) */
	char *format;      /* "raw", "qcow2", … (default "raw"; "qcow2" with a size) */
	uint64_t size;     /* bytes; > 0: create the file at the first start when it
			    * does not exist (core/disk.h) */
	char *interface;   /* "ide", "virtio", "sata", "scsi" (default "virtio") */
	char *bus;         /* optional, e.g. "ide.2" */
	/* A linked clone's overlay names its base image here (vmdeck clone
	 * --linked): a profile whose disk IS that base gets a warning from
	 * check, since starting it writes under the clone. */
	char *linked_base;
	bool snapshot, readonly;
	int line;          /* where it was declared, for messages */
	int col;
};

struct profile_nic {
	char *id;          /* netdev id, default "net0", "net1"… */
	char *model;       /* "virtio-net-pci", "e1000-82545em", … */
	uint8_t mac[6];
	bool has_mac;      /* else vmdeck derives a stable 52:54:00 MAC from the name */
	bool user_net;     /* "network: user" or "user: true": QEMU user-mode networking, no TAP */
	bool user_key;     /* the value of 'user:' (profile_check merges it into user_net) */
	struct forward *forwards; size_t n_forwards; /* user_net only: hostfwd rules */
	char *fwd_host;    /* 'host:': the forwards' default host address (NULL: 127.0.0.1) */
	char *bridge;      /* bridge the TAP joins (NULL: TAP not enslaved) */
	char *tap;         /* TAP name; NULL: vmdeck chooses one (<=15 chars) */
	enum mac_policy tap_mac_policy;
	bool has_tap_mac_policy; /* else the lab network's policy, else derived */
	int line;
	int col;
	int tap_line, tap_col; /* where 'tap' was given, else the NIC's line/col */
};

struct profile_install {
	bool present;
	char *file;        /* installer medium (ISO / image) */
	char *format;      /* default "raw" */
	char *interface;   /* "ide" (default), "sata", "scsi", "virtio" */
	char *bus;         /* optional, e.g. "ide.0" */
	bool snapshot;
	int line, col;
};

struct profile {
	char *name;        /* [A-Za-z0-9_-]{1,32}, unique */
	char *description;
	char *path;        /* the YAML file */
	char *dir;         /* its directory; relative paths resolve against it */

	char *qemu;        /* binary, default "qemu-system-x86_64" */
	char *accel;       /* "kvm", "tcg", "kvm:tcg" (default "kvm:tcg") */
	char *machine;     /* e.g. "q35", "pc-q35-2.4" */
	char *cpu;         /* model with flags, e.g. "Penryn,kvm=off,vendor=GenuineIntel" */
	unsigned smp_cpus, smp_sockets, smp_cores, smp_threads; /* 0 = unset */
	unsigned memory_mb;

	char *kernel, *initrd, *append; /* direct boot / boot loader file */
	char *firmware_code, *firmware_vars; /* OVMF pflash */
	/* Pristine vars image copied to firmware_vars when that does not exist
	 * yet (profile_firmware_vars_prepare), so each VM owns writable vars. */
	char *firmware_vars_template;
	char *applesmc_osk;
	char **smbios; size_t n_smbios;         /* "type=2", … */
	bool usb;
	char **usb_devices; size_t n_usb_devices; /* "usb-kbd", "usb-tablet" */
	char *audio_device, *audio_codec;        /* "ich9-intel-hda", "hda-duplex" */

	struct profile_disk *disks; size_t n_disks;
	struct profile_nic *nics; size_t n_nics;
	struct profile_install install;

	char *vga;         /* optional "-vga" value */
	char *vnc;         /* NULL/"unix": UNIX socket in the runtime dir; else "HOST:DISPLAY" */
	char *vnc_password_file; /* required for any TCP VNC, loopback too; not empty */
	char *keyboard;    /* "-k" layout, optional */
	bool serial_log;   /* serial console to a log in the runtime dir (default true) */

	char **extra_args; size_t n_extra_args;
	unsigned stop_timeout_s; /* graceful stop wait, default 60 */
	char *ssh_user;    /* `vmdeck ssh`'s login (NULL: the invoking user) */
	/* `vmdeck autostart` (run at boot by vmdeck-autostart.service) starts
	 * these, by autostart_order then name, waiting autostart_delay_s after
	 * each start; `autostart --stop` stops them in reverse order. */
	bool autostart;
	unsigned autostart_order;   /* 0-9999, default 0 */
	unsigned autostart_delay_s; /* 0-3600, default 0 */

	int name_line, name_col; /* where 'name' was given (duplicate-name messages) */
};

/* One problem found while loading: "FILE:LINE:COL: message". */
struct profile_diag {
	char *file;
	int line, col;     /* 1-based; 0 when not tied to a position */
	char *msg;
	/* Warnings never keep a profile from loading and do not make `check`
	 * fail. Errors do make `check` fail; most also reject the file, except
	 * referenced files that do not exist (the profile still loads, so that
	 * `args` and `list` work before the media are in place). */
	bool warning;
};

struct profile_set {
	struct profile **items; size_t n;   /* loaded profiles, sorted by name */
	struct profile_diag *diags; size_t n_diags;
	size_t n_files;                      /* files examined */
};

/* Parse one file. On failure returns NULL and appends diagnostics. */
struct profile *profile_load(const char *path, struct profile_diag **diags, size_t *n_diags);
/* Parse from memory (fuzzing, tests); path is used for messages and dir. */
struct profile *profile_parse(const char *path, const char *buf, size_t len,
			      struct profile_diag **diags, size_t *n_diags);
void profile_free(struct profile *p);

/* Load every *.yaml / *.yml file in each path (a directory or a file);
 * detects duplicate names across files (an error; the later file is
 * ignored), MACs (a warning) and TAP names (an error for `check`; both
 * profiles still load). Never fails as a whole. */
struct profile_set *profile_set_load(const char *const *paths, size_t n_paths);
void profile_set_free(struct profile_set *s);
struct profile *profile_set_find(const struct profile_set *s, const char *name);
/* The profiles with autostart: true, in the order `vmdeck autostart` starts
 * them: autostart_order, then name (stops go in reverse). The array is the
 * caller's to free (the profiles stay s's); *n its length, NULL when 0. */
const struct profile **profile_set_autostart(const struct profile_set *s, size_t *n);
char *profile_diag_format(const struct profile_diag *d); /* caller frees */

/* The VM name rule: 1-32 of A-Z a-z 0-9 _ -, not starting with '-', not
 * "net" (reserved: <runtime>/net/ holds the lab networks). NULL when name
 * is valid, else why not ("is not a valid VM name (...)"), to follow the
 * quoted name in a message. */
const char *profile_name_problem(const char *name);
bool profile_name_valid(const char *name);
/* VNC on TCP at a non-loopback address (a loaded profile has a password
 * file then, or it would not have loaded): vmdeck warns at every start. */
bool profile_vnc_public(const struct profile *p);

/* The MAC a NIC uses in the guest: its own, or a stable one derived from
 * the VM name and NIC index (52:54:00:xx:xx:xx). */
void profile_nic_guest_mac(const struct profile *p, size_t nic_index, uint8_t mac[6]);
/* The TAP name for a NIC: its own, or "vd-<name>-<i>" shortened to 15 chars
 * with a hash so it stays unique. Caller frees. */
char *profile_nic_tap_name(const struct profile *p, size_t nic_index);

/* Profiles larger than this are refused unread ("file too large"). */
#define PROFILE_MAX_SIZE (1024 * 1024)

/* Append one diagnostic (msg is taken over; file is copied). */
void profile_diag_add(struct profile_diag **diags, size_t *n, const char *file, int line, int col, bool warning,
		      char *msg);
/* Number of error (non-warning) diagnostics in a list. */
size_t profile_diag_errors(const struct profile_diag *d, size_t n);
void profile_diags_free(struct profile_diag *d, size_t n);

/* Before a start: when firmware_vars does not exist and a template is set,
 * copy the template there (mode 0600). No-op otherwise. 0 / -1. */
int profile_firmware_vars_prepare(const struct profile *p, char **err);

#endif
