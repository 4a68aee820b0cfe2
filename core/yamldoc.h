/* yamldoc: the layer the YAML file formats (profiles, lab networks) share on
 * top of libyaml's document API — input checks libyaml would report
 * confusingly or not at all (size cap, NUL bytes, bad UTF-8, tabs in
 * indentation, nesting deep enough to stall libyaml), libyaml's own errors,
 * a second document, node access and the nearest known key for an unknown
 * one. Every problem goes to the caller's report function with a 1-based
 * LINE and COL; the caller adds FILE and decides whether to keep one problem
 * or all of them. */
#ifndef VMDECK_YAMLDOC_H
#define VMDECK_YAMLDOC_H

#include <stdbool.h>
#include <stddef.h>
#include <yaml.h>

/* 1-based position of a node, as every diagnostic prints it. */
#define YAMLDOC_LINE(n) ((int)(n)->start_mark.line + 1)
#define YAMLDOC_COL(n) ((int)(n)->start_mark.column + 1)

/* Called once per problem; msg is only valid during the call. */
typedef void (*yamldoc_report_fn)(void *ud, int line, int col, const char *msg);

struct yamldoc;

/* Lists and mappings nested deeper than this are refused before the document
 * is built (libyaml takes quadratic time on deep flow collections); no
 * format here needs more than a handful of levels. */
#define YAMLDOC_MAX_DEPTH 64

/* Check buf (at most max bytes; "what" names the format in the message, e.g.
 * "a profile"), refuse nesting deeper than YAMLDOC_MAX_DEPTH, then parse its
 * first document. NULL when there is nothing to walk: the problems have been
 * reported. An empty text gives a document without root (yamldoc_root NULL);
 * the caller names what it expected. */
struct yamldoc *yamldoc_new(const char *buf, size_t len, size_t max, const char *what, yamldoc_report_fn report,
			    void *ud);
void yamldoc_free(struct yamldoc *d);

/* Read the regular file path, at most max bytes, NUL-terminated (caller
 * frees); *len without the NUL. On failure NULL, reported at line 0 (the file
 * as a whole: "cannot open: …", "not a regular file", "cannot read: …") or
 * 1:1 for the size cap. Never blocks on a FIFO or device. */
char *yamldoc_read(const char *path, size_t max, const char *what, size_t *len, yamldoc_report_fn report, void *ud);

/* The *.yaml and *.yml files of dir (not hidden), as paths dir/NAME sorted
 * by name, appended to out: the one directory scan of every YAML format
 * (profile directories, networks/). On failure to open dir -1 and *err =
 * "cannot open directory: REASON" (errno kept: ENOENT for a missing one). */
struct strv;
int yamldoc_dir_files(const char *dir, struct strv *out, char **err);

yaml_document_t *yamldoc_document(struct yamldoc *d);
yaml_node_t *yamldoc_root(struct yamldoc *d);

/* Parse on: a second document is reported as msg at its root (one file holds
 * one object), as is a syntax error after the first. */
void yamldoc_single(struct yamldoc *d, const char *msg);

/* A scalar's text, NULL for a mapping or a list. */
const char *yamldoc_scalar(const yaml_node_t *n);
/* An unquoted empty value, "~" or "null": the key is given but unset. */
bool yamldoc_is_null(const yaml_node_t *n);
/* "a mapping", "a list" or "a scalar", for "expected X, not Y" messages. */
const char *yamldoc_kind(const yaml_node_t *n);

/* Case-insensitive edit distance; SIZE_MAX for words over 64 bytes. */
size_t yamldoc_levenshtein(const char *a, const char *b);
/* The known key nearest to key if it is a plausible typo (at most a third of
 * its letters, or 2, differ), else NULL. keys is NULL-terminated. */
const char *yamldoc_nearest(const char *key, const char *const *keys);
/* "k1, k2, k3" for "known keys: …" (caller frees). */
char *yamldoc_key_list(const char *const *keys);

/* 1-based line and column of byte offset off (columns count characters). */
void yamldoc_offset_pos(const char *buf, size_t off, int *line, int *col);
/* Offset of the first byte that does not start a valid UTF-8 sequence, or len. */
size_t yamldoc_utf8_invalid_at(const char *buf, size_t len);

#endif
