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

/* `vmdeck new NAME --iso FILE`: a profile for a VM that installs from an
 * ISO onto one new disk (disk_file, relative to the profile directory). */
struct import_new {
	const char *name, *iso, *memory, *disk_file;
	unsigned cpus;
};
/* The commented profile text (caller frees). */
char *import_new_yaml(const struct import_new *n);

/* A VM name made from any text (a file name, QEMU's -name): invalid
 * characters become '-', at most 32. Caller frees. */
char *import_name_from(const char *s);

#endif
