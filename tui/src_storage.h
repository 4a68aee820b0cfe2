/* src_storage: the storage view's source. Everything slow — reading the
 * images (qemu-img info, QMP query-block), snapshots, resizes, clones — runs
 * as a child vmdeck verb (`disk NAME --json`, `snapshot …`, `disk resize …`,
 * `clone …`: the same code and messages as on the command line), one at a
 * time, its output read from the loop and its exit seen through SIGCHLD.
 * The loop never waits; a job's progress lines show in the view. */
#ifndef VMDECK_TUI_SRC_STORAGE_H
#define VMDECK_TUI_SRC_STORAGE_H

#include "core/loop.h"
#include "tui/ui.h"

#include <stddef.h>

struct src_storage;
/* A job ended: status its exit code (-1: could not run), out its output. */
typedef void (*src_storage_done_fn)(void *arg, const char *what, int status, const char *out);

struct src_storage *src_storage_new(struct loop *l, struct ui *ui, src_storage_done_fn done, void *arg);
/* Stops watching; a job still running is left to finish by itself. */
void src_storage_free(struct src_storage *s);
/* Show vm's storage (ui->storage.on) and read it; close: hide it. */
void src_storage_open(struct src_storage *s, const char *vm);
void src_storage_close(struct src_storage *s);
/* Run the verb args[0..n-1] as a child; what names it ("snapshot create
 * x"). -1 with err when a job runs already or it cannot be started. The
 * listing is read again after it. */
int src_storage_run(struct src_storage *s, const char *what, const char *const *args, size_t n, char **err);
/* SIGCHLD: reap the job's child (by its pid only). */
void src_storage_child(struct src_storage *s);
/* Rows from `vmdeck disk NAME --json` (pure; tests). */
void src_storage_rows(struct ui_storage *st, const char *json);

#endif
