/* schema: the one walker for every YAML file vmdeck reads (profiles, lab
 * networks, whatever comes next). A format describes each mapping as a
 * table of struct schema_field; schema_walk reads a mapping against its
 * table, so every format has the same rules in the same words:
 *   - an unknown key is an error, with "did you mean" or the known keys;
 *   - a key given twice is an error naming both places;
 *   - booleans are parse_bool's spellings; numbers, sizes, MACs and strings
 *     are checked by type, and a wrong type says what was expected;
 *   - keys and values are quoted with single quotes ('pin', 'tRuE').
 * The format keeps its own semantics: value rules (valid), custom fields
 * (fn) and checks across fields, which find where a key was given with
 * schema_pos. Every problem goes to the caller's sink with a 1-based
 * LINE:COL (0 for the file as a whole); the caller adds the file name. At
 * most SCHEMA_MAX_PROBLEMS are passed on per file. */
#ifndef VMDECK_SCHEMA_H
#define VMDECK_SCHEMA_H

#include <stdbool.h>
#include <stddef.h>
#include <yaml.h>

/* A file with more problems than this is garbage: the last one passed on
 * says "too many problems; giving up on this file". */
#define SCHEMA_MAX_PROBLEMS 50

enum schema_level {
	SCHEMA_ERROR,      /* rejects the file */
	SCHEMA_ERROR_SOFT, /* an error for `check`, but the file still loads (a missing medium) */
	SCHEMA_WARNING,
};

/* Receives each problem; msg is the sink's to keep or free. */
typedef void (*schema_sink_fn)(void *ud, enum schema_level level, int line, int col, char *msg);

struct schema_seen {
	const char *key;
	const void *target;
	int line, col;
};

/* One walk of one file. Set doc (and dir for SCHEMA_PATH) before walking. */
struct schema {
	yaml_document_t *doc;
	const char *dir;            /* relative SCHEMA_PATH values resolve against it */
	schema_sink_fn sink;
	void *ud;
	int errors;                 /* SCHEMA_ERRORs so far: the file is rejected when > 0 */
	size_t n_problems;          /* passed to the sink */
	struct schema_seen *seen;   /* where each key was given (schema_pos) */
	size_t n_seen, cap_seen;
};

enum schema_type {
	SCHEMA_STR,    /* char *; valid (optional) judges the text */
	SCHEMA_PATH,   /* char *, resolved against dir and normalised */
	SCHEMA_BOOL,   /* bool, parse_bool */
	SCHEMA_UINT,   /* unsigned in [min, max] */
	SCHEMA_MEM,    /* unsigned MiB from "2G", "2048M", "2048"; [min, max] MiB */
	SCHEMA_STRV,   /* char ** at off, size_t count at flag_off */
	SCHEMA_MAC,    /* uint8_t[6], unicast and not all zero; bool at flag_off (if any) set */
	SCHEMA_ENUM,   /* an enum (int) at off: the index of the value in names (n_names of them);
			* bool at flag_off (if any) set */
	SCHEMA_MAP,    /* a mapping walked with sub at target + sub_off; bool at flag_off (if any) set */
	SCHEMA_LIST,   /* a list of mappings walked with sub: items (item_size bytes each) at off,
			* size_t count at flag_off, each item's "int line, col;" at item_pos_off */
	SCHEMA_CUSTOM, /* fn does it all */
};

struct schema_field;
typedef void (*schema_fn)(struct schema *s, yaml_node_t *v, void *target, const struct schema_field *f);

/* A table ends with a field whose key is NULL. Offsets are into the target
 * struct the mapping fills; keys are unique per target (schema_pos). */
struct schema_field {
	const char *key;
	enum schema_type type;
	size_t off;
	bool (*valid)(const char *);       /* SCHEMA_STR */
	const char *valid_what;            /* "'KEY': 'VALUE' is not <valid_what>" */
	unsigned min, max;                 /* SCHEMA_UINT, SCHEMA_MEM; free for SCHEMA_CUSTOM */
	const struct schema_field *sub;    /* SCHEMA_MAP, SCHEMA_LIST */
	size_t sub_off;                    /* SCHEMA_MAP */
	size_t item_size, item_pos_off;    /* SCHEMA_LIST */
	schema_fn fn;                      /* SCHEMA_CUSTOM */
	const char *const *names;          /* SCHEMA_ENUM */
	size_t n_names;                    /* SCHEMA_ENUM */
	size_t flag_off;                   /* see the types; 0 = none for SCHEMA_MAC, SCHEMA_MAP, SCHEMA_ENUM */
};

void schema_init(struct schema *s, schema_sink_fn sink, void *ud);
/* A sink gathering every problem as one message, a "FILE:LINE:COL: message"
 * line each (line 0: "FILE: message", the file as a whole), like a
 * profile's, so that one 'vmdeck check' shows them all: ud is a struct
 * schema_text. The caller frees err. */
struct schema_text {
	const char *file;
	char *err;
};
void schema_text_add(void *ud, enum schema_level level, int line, int col, char *msg);
/* Frees what the walk keeps (not doc, dir or ud). */
void schema_clear(struct schema *s);

/* Walk the root of a document: an empty one is "empty NOUN: expected a
 * mapping with at least NEEDS", anything but a mapping "a NOUN must be a
 * mapping of keys (EXAMPLE), not …". True when the mapping was walked. */
bool schema_walk_root(struct schema *s, yaml_node_t *root, const struct schema_field *fields, void *target,
		      const char *noun, const char *needs, const char *example);
/* Walk one mapping; section (the key it is under, or NULL at the root)
 * names it in unknown-key messages ("unknown key 'x' in 'dhcp'"). */
void schema_walk(struct schema *s, yaml_node_t *map, const struct schema_field *fields, void *target,
		 const char *section);

/* Report a problem (line 0: the file as a whole). */
void schema_report(struct schema *s, enum schema_level level, int line, int col, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
/* An error at node n. */
void schema_error(struct schema *s, const yaml_node_t *n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* A yamldoc_report_fn: ud is the struct schema; every problem is an error. */
void schema_yamldoc_report(void *ud, int line, int col, const char *msg);

/* Where key was given for target (its value's position), else NULL. */
const struct schema_seen *schema_seen_find(const struct schema *s, const char *key, const void *target);
struct schema_pos {
	int line, col;
};
/* The same as a position, dflt when the key was not given. */
struct schema_pos schema_pos(const struct schema *s, const char *key, const void *target, struct schema_pos dflt);
struct schema_pos schema_node_pos(const yaml_node_t *n);

/* Helpers for custom fields, in the walker's words. Each reports its own
 * problem and returns false / -1. */
bool schema_bool(struct schema *s, yaml_node_t *v, const char *key, bool *out);
bool schema_uint(struct schema *s, yaml_node_t *v, const char *key, unsigned min, unsigned max, unsigned *out);
/* A scalar, else "'KEY' must be a string, not …" and NULL. */
const char *schema_string(struct schema *s, yaml_node_t *v, const char *key);
/* One of choices (n entries, NULL entries skipped): its index, else "'KEY'
 * must be one of a, b, c; got 'x'" and -1. */
int schema_enum(struct schema *s, yaml_node_t *v, const char *key, const char *const *choices, size_t n);
/* Replace *out (n entries) with the strings of a list. */
void schema_strv(struct schema *s, yaml_node_t *v, const char *key, char ***out, size_t *n);
/* Index of s in names (n entries), -1 if absent. */
int schema_lookup(const char *const *names, size_t n, const char *s);

/* 1..max characters, each a letter, a digit or in extra. */
bool schema_chars(const char *s, const char *extra, size_t max);
/* An interface name: 1-15 of letters, digits, '_', '-', '.', not "." or "..". */
/* Put v (owned) in the char * at target + off, freeing what was there. */
void schema_set_str(void *target, size_t off, char *v);
bool schema_ifname_valid(const char *s);
#define SCHEMA_IFNAME_WHAT "an interface name (at most 15 letters, digits, '_', '-', '.')"

#endif
