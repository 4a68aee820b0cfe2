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

/* Read, import, write. Returns an exit code (EXIT_OK when written). */
int import_job_run(struct import_job *j);
void import_job_clear(struct import_job *j);

#endif
