/* cmd_import: `vmdeck import` as a job the verb and the TUI's I key share. */
#ifndef VMDECK_CMD_IMPORT_H
#define VMDECK_CMD_IMPORT_H

#include "core/util.h"

#include <stdbool.h>
#include <stddef.h>

struct import_job {
	/* What to read: one of script ("-": stdin), pid, argv. */
	const char *script, *pid;
	bool regular_only;                 /* script must be a regular file ("-", a FIFO or a
					    * terminal would block: the TUI's I key) */
	const char *const *argv;
	size_t argc;
	/* Or a libvirt domain: an XML file, or virsh -c CONNECT dumpxml DOMAIN. */
	const char *libvirt_file, *connect, *domain;
	const char *name, *out;            /* NULL: from the source / the profile directory */
	bool force;
	const char *const *set;            /* "VAR=VALUE" */
	size_t n_set;
	/* Results. */
	struct strv msgs;                  /* the report, one line each (the verb's stderr) */
	char *err;                         /* why it failed (one line, without "vmdeck: import: "), or NULL */
	char *summary;                     /* "kept N options, …" */
	char *path, *name_out;             /* the profile written, and its VM name */
	size_t check_errors;               /* problems 'vmdeck check' has with it (missing media) */
};

/* The domain XML of j->libvirt_file or of virsh -c j->connect dumpxml
 * j->domain (cmd_import_lv.c): the text and *label (its name for messages,
 * caller frees), else NULL with *err and *rc (an exit code). */
char *import_lv_read(const struct import_job *j, size_t *len, char **label, char **err, int *rc);

/* Read, import, write. Returns an exit code (EXIT_OK when written). */
int import_job_run(struct import_job *j);
void import_job_clear(struct import_job *j);

/* `vmdeck new` as a job the verb and the TUI's N key share: begin
 * validates, writes the profile (and the VM's UEFI vars, the mode), and
 * leaves in qemu_img the command that makes the disk (empty: the disk
 * exists and is kept); the caller runs it (the verb waits, the TUI watches
 * it from the loop) and hands its exit status and output to finish. */
struct new_job {
	const char *name, *iso, *os, *memory, *disk_size, *network, *out; /* NULL: the defaults */
	unsigned cpus;                     /* 0: 2 */
	bool force;
	/* Results. */
	struct strv msgs;                  /* the report, one line each */
	char *err;                         /* why it failed (one line), or NULL */
	char *path, *disk;                 /* the profile and the disk */
	struct strv qemu_img;              /* the argv that makes the disk, or empty */
	size_t check_errors;
};
/* Exit codes (EXIT_OK: run qemu_img, then finish). */
int new_job_begin(struct new_job *j);
int new_job_finish(struct new_job *j, int status, const char *output);
/* begin, qemu-img waited for, finish: the verb. */
int new_job_run(struct new_job *j);
void new_job_clear(struct new_job *j);

#endif
