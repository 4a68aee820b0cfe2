/* util: allocation that never returns NULL, string vectors, and the error
 * convention every module uses: a function that can fail returns 0 / a
 * negative error kind (-1 is ERR_FAILED) and, when err is not NULL, stores a
 * malloc'd message naming the object. */
#ifndef VMDECK_UTIL_H
#define VMDECK_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* Out of memory: run the fatal hook (the TUI restores the terminal), then abort. */
void *xmalloc(size_t n);
void *xcalloc(size_t nmemb, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *xvasprintf(const char *fmt, va_list ap);
/* A growing string, always NUL-terminated once anything was added; { 0 } is
 * empty, free(b.s) frees it. */
struct strbuf {
	char *s;
	size_t len, cap;
};
void strbuf_add(struct strbuf *b, const char *s, size_t n);
void strbuf_adds(struct strbuf *b, const char *s);
void strbuf_addf(struct strbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void util_set_fatal_hook(void (*hook)(void));
void fatal(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));

/* What kind of failure a negative return is: callers (a verb's exit code)
 * decide by the kind, never by the message's text. A failing call returns
 * -(int)kind; -1 is ERR_FAILED, so "< 0" stays the test for failure. */
enum err_kind {
	ERR_FAILED = 1, /* anything else */
	ERR_INVALID,    /* a bad argument or value */
	ERR_NOTFOUND,   /* the VM, network, bridge or interface named does not exist */
	ERR_PERM,       /* not permitted: a privilege is missing (EPERM, EACCES) */
	ERR_BUSY,       /* held by someone else: in use, locked */
};
/* Set *err (if err != NULL, freeing a previous message) and return -1
 * (-ERR_FAILED). */
int error_set(char **err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The same, returning -(int)kind. */
int error_kind_set(char **err, enum err_kind kind, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* The kind of a failed call's return value rc (< 0); ERR_FAILED for a
 * negative rc that is no kind. */
enum err_kind error_kind(int rc);
/* Prefix an existing *err with more context: "prefix: old". Returns -1; to
 * keep a kind, return the original rc after prefixing. */
int error_prefix(char **err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* A NULL-terminated, growable vector of owned strings (an argv). */
struct strv {
	char **v;
	size_t n, cap;
};
void strv_init(struct strv *s);
void strv_push(struct strv *s, const char *str);
void strv_pushf(struct strv *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void strv_push_owned(struct strv *s, char *str);
void strv_clear(struct strv *s);
/* Join with single spaces, each element shell-quoted when it needs it. */
char *strv_shell_join(const struct strv *s);
char *shell_quote(const char *s);

/* MAC addresses. */
int mac_parse(const char *s, uint8_t mac[6]);
void mac_format(const uint8_t mac[6], char out[18]);
int mac_cmp(const uint8_t a[6], const uint8_t b[6]);
/* The one MAC derived from a name, for everything vmdeck names but gives no
 * MAC (a VM's NIC: "VMNAME/INDEX"; a lab network's bridge: its name):
 * 52:54:00 (QEMU's locally administered prefix, unicast) and 24 bits of
 * name_hash, mixed. Stable across runs and versions: golden tests pin it. */
void mac_from_name(const char *name, uint8_t mac[6]);
/* FNV-1a (32 bits) of a string: stable, for names derived from names. */
uint32_t name_hash(const char *s);

/* A whole decimal number in [min, max]: digits only (no sign, space or
 * suffix), no overflow. 0 and *out set, else -1 and *out untouched. For
 * numeric command-line options ("--fps -1" or "--interval x" is an error,
 * never atoi's 0 or -1). */
int parse_uint(const char *s, unsigned long long min, unsigned long long max, unsigned long long *out);

/* A size in bytes (disks): "64G", "512M", "1T", "20k", "1048576" (bytes): K M G T P are binary
 * multiples (either case, "iB" or "B" may follow); digits only before, any
 * size > 0 that fits in 63 bits. 0 and *out, else -1. */
int parse_size(const char *s, uint64_t *out);
/* "64 GiB", "1.5 GiB", "512 MiB", "4 KiB", "100 B". Caller frees. */
char *size_text(uint64_t bytes);

/* A YAML boolean, one spelling for every file vmdeck reads (profiles and
 * lab networks): true/yes/on and false/no/off, each all lower case,
 * Capitalised or ALL UPPER CASE (YAML 1.1's spellings without y/n). Not
 * "tRuE". 0 and *out set, else -1 and *out untouched. */
int parse_bool(const char *s, bool *out);

/* How many of the len bytes of UTF-8 text s to keep to keep at most max:
 * len itself when it fits, else at most max bytes ending on a character
 * boundary (a cut never splits a character). */
size_t utf8_prefix_len(const char *s, size_t len, size_t max);

/* Monotonic and wall clocks. */
uint64_t now_mono_us(void);
uint64_t now_wall_us(void);
/* wall_us as ISO 8601 UTC with microseconds: 2026-12-07T19:40:01.123456Z. */
void time_iso_us(uint64_t wall_us, char out[40]);

/* A library vmdeck loads only when it is needed (dlopen() by soname, the
 * handle kept for the life of the process): resolve each name into *to.
 * 0; or -1 with *err "cannot load WHAT: ..." and every *to NULL again. */
struct dl_sym {
	const char *name;
	void **to;
};
int dl_load(const char *soname, const char *what, const struct dl_sym *syms, size_t n, char **err);

/* Files. */
int mkdir_p(const char *path, unsigned mode, char **err);
char *path_join(const char *dir, const char *name);
/* Read a whole small file; NULL on error (errno set). */
char *file_read_all(const char *path, size_t *len_out);
int file_write_atomic(const char *path, const char *data, size_t len, unsigned mode, char **err);
bool path_exists(const char *path);

/* Programs. prog_find: an override variable env (its value, when set, is the
 * program or nothing), then PATH, then /usr/sbin, /sbin, /usr/bin, /bin;
 * caller frees, NULL when not found. prog_spawn: argv[0] (a path) started
 * with stdin from /dev/null and stdout+stderr into a pipe whose read end
 * (non-blocking, close-on-exec) is *out_fd, the signal mask cleared; the pid
 * (the caller reaps it), or -1. prog_run: the same, feeding in (may be NULL)
 * on stdin and waiting: its output into *out (may be NULL, trailing
 * newlines cut), the exit status, or -1. It blocks: for verbs, never for the
 * TUI's loop (prog_spawn there). */
char *prog_find(const char *name, const char *env);
pid_t prog_spawn(char *const argv[], int *out_fd);
int prog_run(char *const argv[], const char *in, char **out);

/* A file as last looked at (stat: device, inode, mtime): replaced by a
 * rename, touched, made or removed, it differs. */
struct file_stamp {
	bool have; /* it existed */
	dev_t dev;
	ino_t ino;
	struct timespec mtime;
};
/* Has path changed since seen? *now gets its stamp as of this look (now may
 * be seen itself, to take the look as seen). */
bool file_stamp_changed(const char *path, const struct file_stamp *seen, struct file_stamp *now);

#endif
