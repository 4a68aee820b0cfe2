/* profile: YAML VM profiles -> struct profile. The schema is a table of
 * fields per mapping; one walker reads every mapping, so unknown keys, wrong
 * types, duplicate keys and ranges are reported the same way everywhere,
 * each with FILE:LINE:COL. All problems of a file are collected. */
#include "core/profile.h"
#include "core/util.h"
#include "core/yamldoc.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml.h>

/* A file with more problems than this is garbage; stop listing them. */
#define MAX_DIAGS_PER_FILE 50

/* ---- small tables ---------------------------------------------------- */

static const char *const mode_names[] = { [VM_MODE_BOOT] = "boot", [VM_MODE_INSTALL] = "install" };
static const char *const policy_names[] = {
	[MAC_POLICY_DERIVED] = "derived", [MAC_POLICY_FIXED] = "fixed", [MAC_POLICY_KERNEL] = "kernel",
};

static int name_lookup(const char *const *names, size_t n, const char *s)
{
	for (size_t i = 0; s && i < n; i++)
		if (names[i] && strcmp(names[i], s) == 0)
			return (int)i;
	return -1;
}

const char *vm_mode_name(enum vm_mode m) { return (unsigned)m < ARRAY_LEN(mode_names) ? mode_names[m] : "?"; }

int vm_mode_parse(const char *s, enum vm_mode *out)
{
	int i = name_lookup(mode_names, ARRAY_LEN(mode_names), s);
	if (i < 0)
		return -1;
	*out = (enum vm_mode)i;
	return 0;
}

const char *mac_policy_name(enum mac_policy p)
{
	return (unsigned)p < ARRAY_LEN(policy_names) ? policy_names[p] : "?";
}

int mac_policy_parse(const char *s, enum mac_policy *out)
{
	int i = name_lookup(policy_names, ARRAY_LEN(policy_names), s);
	if (i < 0)
		return -1;
	*out = (enum mac_policy)i;
	return 0;
}

/* ---- parse context ---------------------------------------------------- */

struct ctx {
	const char *file;          /* for messages */
	struct profile *p;
	struct profile_diag **diags;
	size_t *n_diags;
	size_t n_mine;             /* diagnostics this file produced */
	int fatal;                 /* errors that reject the profile */
	yaml_document_t *doc;
	/* Positions of keys seen, for checks across fields. */
	struct seen { const void *field; const void *target; int line, col; } seen[512];
	size_t n_seen;
};

static void diag_add(struct profile_diag **diags, size_t *n, const char *file, int line, int col,
		     bool warning, char *msg)
{
	*diags = xrealloc(*diags, (*n + 1) * sizeof(**diags));
	(*diags)[*n] = (struct profile_diag){ xstrdup(file), line, col, msg, warning };
	(*n)++;
}

/* kind: 0 fatal error, 1 non-fatal error (missing file), 2 warning. */
static void __attribute__((format(printf, 5, 6)))
report(struct ctx *c, int kind, int line, int col, const char *fmt, ...)
{
	if (kind == 0)
		c->fatal++;
	if (c->n_mine >= MAX_DIAGS_PER_FILE)
		return;
	va_list ap;
	va_start(ap, fmt);
	char *msg = xvasprintf(fmt, ap);
	va_end(ap);
	if (++c->n_mine == MAX_DIAGS_PER_FILE) {
		free(msg);
		msg = xstrdup("too many problems; giving up on this file");
	}
	diag_add(c->diags, c->n_diags, c->file, line, col, kind == 2, msg);
}

#define LINE(n) YAMLDOC_LINE(n)
#define COL(n) YAMLDOC_COL(n)
#define err_at(c, n, ...) report((c), 0, LINE(n), COL(n), __VA_ARGS__)
#define scalar(n) yamldoc_scalar(n)
#define is_null(n) yamldoc_is_null(n)
#define node_kind(n) yamldoc_kind(n)

/* ---- value checks ----------------------------------------------------- */

static bool all_chars(const char *s, const char *extra, size_t max)
{
	size_t n = strlen(s);
	if (n == 0 || n > max)
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr(extra, *s))
			return false;
	return true;
}

/* The one rule for VM names: a name becomes a path component (the runtime
 * directory <runtime>/NAME, the state file <state>/modes/NAME), a QEMU
 * -name and a command-line argument. core/paths.c refuses what fails here. */
const char *profile_name_problem(const char *name)
{
	if (!name || !all_chars(name, "_-", 32))
		return "is not a valid VM name (1-32 letters, digits, '_' or '-')";
	if (name[0] == '-')
		return "is not a valid VM name: it may not start with '-' (it would be read as an option)";
	/* <runtime>/net/ holds the lab networks (paths_net_dir). */
	if (strcmp(name, "net") == 0)
		return "is reserved: the runtime directory's net/ holds the lab networks; choose another VM name";
	return NULL;
}

bool profile_name_valid(const char *name) { return !profile_name_problem(name); }
/* Device models, drive formats, buses, ids: they are pasted into QEMU option
 * strings, so no commas or '=' may slip in. */
static bool word_valid(const char *s) { return all_chars(s, "_.-", 64); }
static bool id_valid(const char *s) { return all_chars(s, "_.-", 32) && isalpha((unsigned char)s[0]); }
/* "." and ".." pass the character test but are no interface names (the
 * kernel refuses them) and would be path components under /sys and /proc. */
static bool ifname_valid(const char *s) { return all_chars(s, "_.-", 15) && strcmp(s, ".") && strcmp(s, ".."); }
static bool keyboard_valid(const char *s) { return all_chars(s, "-", 16); }
static bool text_valid(const char *s) { (void)s; return true; }
static bool nonempty_valid(const char *s) { return *s != '\0'; }

/* "2G", "2048M", "2048" (MiB), "1.5G" is not accepted (whole MiB only). */
static int size_parse_mb(const char *s, unsigned long long *mb)
{
	char *end;
	errno = 0;
	if (!isdigit((unsigned char)*s))
		return -1;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno)
		return -1;
	while (*end == ' ')
		end++;
	unsigned long long kib;
	switch (toupper((unsigned char)*end)) {
	case '\0': *mb = v; return 0;
	case 'K': kib = v; break;
	case 'M': kib = v * 1024ull; break;
	case 'G': kib = v * 1024ull * 1024ull; break;
	case 'T': kib = v * 1024ull * 1024ull * 1024ull; break;
	default: return -1;
	}
	if (v > (1ull << 40))
		return -1;
	end++;
	if (*end == 'i' || *end == 'I')
		end++;
	if (*end == 'b' || *end == 'B')
		end++;
	if (*end || kib % 1024)
		return -1;
	*mb = kib / 1024;
	return 0;
}

/* ---- schema ------------------------------------------------------------ */

enum ftype { F_STR, F_PATH, F_BOOL, F_UINT, F_MEM, F_STRV, F_MAC, F_MAP, F_CUSTOM };

struct field;
typedef void (*custom_fn)(struct ctx *c, yaml_node_t *v, void *target, const struct field *f);

struct field {
	const char *key;
	enum ftype type;
	size_t off;                /* into the target struct */
	const char *what;          /* words for messages */
	bool (*valid)(const char *); /* F_STR */
	const char *valid_what;    /* "a name like e1000-82545em" */
	unsigned min, max;         /* F_UINT, F_MEM */
	const struct field *sub;   /* F_MAP: fields of the sub-mapping */
	size_t sub_off;            /* F_MAP: offset of the sub-target */
	custom_fn fn;              /* F_CUSTOM */
	size_t flag_off;           /* F_MAC: bool set when given; F_MAP: bool "present" (0 = none) */
};

#define P(m) offsetof(struct profile, m)
#define D(m) offsetof(struct profile_disk, m)
#define N(m) offsetof(struct profile_nic, m)
#define I(m) offsetof(struct profile_install, m)
#define FIELDS_END { NULL, 0, 0, NULL, NULL, NULL, 0, 0, NULL, 0, NULL, 0 }

static void walk_map(struct ctx *c, yaml_node_t *map, const struct field *fields, void *target,
		     const char *section);

static void set_str(void *target, size_t off, char *v)
{
	char **slot = (char **)((char *)target + off);
	free(*slot);
	*slot = v;
}

static bool get_uint(struct ctx *c, yaml_node_t *v, const char *key, unsigned min, unsigned max, unsigned *out)
{
	if (v->type != YAML_SCALAR_NODE) {
		err_at(c, v, "'%s' must be a whole number, not %s", key, node_kind(v));
		return false;
	}
	const char *s = scalar(v);
	char *end;
	errno = 0;
	unsigned long long n = isdigit((unsigned char)*s) ? strtoull(s, &end, 10) : 0;
	if (!isdigit((unsigned char)*s) || *end || errno) {
		err_at(c, v, "'%s' must be a whole number, got '%s'", key, s);
		return false;
	}
	if (n < min || n > max) {
		err_at(c, v, "'%s' must be between %u and %u, got %s", key, min, max, s);
		return false;
	}
	*out = (unsigned)n;
	return true;
}

static bool get_bool(struct ctx *c, yaml_node_t *v, const char *key, bool *out)
{
	if (v->type == YAML_SCALAR_NODE) {
		/* parse_bool: the one spelling lab networks use too. */
		if (parse_bool(scalar(v), out) == 0)
			return true;
		err_at(c, v, "'%s' must be true or false, got '%s'", key, scalar(v));
	} else
		err_at(c, v, "'%s' must be true or false, not %s", key, node_kind(v));
	return false;
}

/* Paths resolve against the profile's directory; whether they exist is
 * checked at the end (check_files) so that the message says what the file
 * is for. */
/* Lexically drop "." and "dir/.." from an absolute path, so command lines
 * read /src/tests/x instead of /src/profiles/../tests/x. Symlinks are left
 * alone (no realpath): the profile's spelling is what the user chose. */
static char *normalize(char *path)
{
	if (path[0] != '/')
		return path;
	char *out = xmalloc(strlen(path) + 2);
	size_t len = 0;
	for (char *seg = path; *seg;) {
		while (*seg == '/')
			seg++;
		size_t n = strcspn(seg, "/");
		if (n == 0)
			break;
		if (n == 1 && seg[0] == '.') {
			/* skip */
		} else if (n == 2 && seg[0] == '.' && seg[1] == '.') {
			while (len > 0 && out[len - 1] != '/')
				len--;
			if (len > 0)
				len--;
		} else {
			out[len++] = '/';
			memcpy(out + len, seg, n);
			len += n;
		}
		seg += n;
	}
	if (len == 0)
		out[len++] = '/';
	out[len] = '\0';
	free(path);
	return out;
}

static char *resolve(struct ctx *c, const char *s)
{
	if (s[0] == '/' || !c->p->dir)
		return normalize(xstrdup(s));
	return normalize(path_join(c->p->dir, s));
}

static void strv_from_seq(struct ctx *c, yaml_node_t *v, const char *key, char ***out, size_t *n)
{
	if (v->type != YAML_SEQUENCE_NODE) {
		err_at(c, v, "'%s' must be a list of strings, not %s", key, node_kind(v));
		return;
	}
	for (size_t i = 0; i < *n; i++)
		free((*out)[i]);
	free(*out);
	*out = NULL;
	*n = 0;
	for (yaml_node_item_t *it = v->data.sequence.items.start; it < v->data.sequence.items.top; it++) {
		yaml_node_t *e = yaml_document_get_node(c->doc, *it);
		if (!e)
			continue;
		if (e->type != YAML_SCALAR_NODE) {
			err_at(c, e, "each item of '%s' must be a string, not %s", key, node_kind(e));
			continue;
		}
		*out = xrealloc(*out, (*n + 1) * sizeof(char *));
		(*out)[(*n)++] = xstrdup(scalar(e));
	}
}

static void seen_add(struct ctx *c, const void *field, const void *target, yaml_node_t *v)
{
	if (c->n_seen < ARRAY_LEN(c->seen))
		c->seen[c->n_seen++] = (struct seen){ field, target, LINE(v), COL(v) };
}

static const struct seen *seen_find(const struct ctx *c, const struct field *fields, const char *key,
				    const void *target)
{
	for (const struct field *f = fields; f->key; f++)
		if (strcmp(f->key, key) == 0)
			for (size_t i = 0; i < c->n_seen; i++)
				if (c->seen[i].field == f && c->seen[i].target == target)
					return &c->seen[i];
	return NULL;
}

static void field_apply(struct ctx *c, const struct field *f, yaml_node_t *v, void *target)
{
	if (f->type != F_MAP && f->type != F_CUSTOM && f->type != F_STRV && is_null(v))
		return; /* given but empty: unset */
	switch (f->type) {
	case F_STR:
	case F_PATH:
		if (v->type != YAML_SCALAR_NODE) {
			err_at(c, v, "'%s' must be a string, not %s", f->key, node_kind(v));
			return;
		}
		if (f->type == F_STR && f->valid && !f->valid(scalar(v))) {
			err_at(c, v, "'%s': '%s' is not %s", f->key, scalar(v), f->valid_what);
			return;
		}
		if (f->type == F_PATH && !*scalar(v)) {
			err_at(c, v, "'%s' must name a file, got an empty string", f->key);
			return;
		}
		set_str(target, f->off, f->type == F_PATH ? resolve(c, scalar(v)) : xstrdup(scalar(v)));
		break;
	case F_BOOL:
		get_bool(c, v, f->key, (bool *)((char *)target + f->off));
		break;
	case F_UINT:
		get_uint(c, v, f->key, f->min, f->max, (unsigned *)((char *)target + f->off));
		break;
	case F_MEM: {
		unsigned long long mb;
		if (v->type != YAML_SCALAR_NODE) {
			err_at(c, v, "'%s' must be a size such as 2G or 2048M, not %s", f->key, node_kind(v));
			return;
		}
		if (size_parse_mb(scalar(v), &mb) < 0) {
			err_at(c, v, "'%s' must be a size such as 2G or 2048M (whole MiB), got '%s'", f->key,
			       scalar(v));
			return;
		}
		if (mb < f->min || mb > f->max) {
			err_at(c, v, "'%s' must be between %uM and %uM, got '%s'", f->key, f->min, f->max, scalar(v));
			return;
		}
		*(unsigned *)((char *)target + f->off) = (unsigned)mb;
		break;
	}
	case F_STRV:
		if (is_null(v))
			return;
		strv_from_seq(c, v, f->key, (char ***)((char *)target + f->off),
			      (size_t *)((char *)target + f->flag_off));
		break;
	case F_MAC: {
		uint8_t *mac = (uint8_t *)target + f->off;
		if (v->type != YAML_SCALAR_NODE || mac_parse(scalar(v), mac) < 0) {
			err_at(c, v, "'%s': malformed MAC address '%s' (expected six hex pairs like 52:54:00:12:34:56)",
			       f->key, v->type == YAML_SCALAR_NODE ? scalar(v) : node_kind(v));
			return;
		}
		if (mac[0] & 1) {
			err_at(c, v, "'%s': %s is a multicast address; a NIC needs a unicast MAC (even first byte)",
			       f->key, scalar(v));
			return;
		}
		*(bool *)((char *)target + f->flag_off) = true;
		break;
	}
	case F_MAP:
		if (is_null(v))
			return;
		if (v->type != YAML_MAPPING_NODE) {
			err_at(c, v, "'%s' must be a mapping of keys, not %s", f->key, node_kind(v));
			return;
		}
		if (f->flag_off)
			*(bool *)((char *)target + f->flag_off) = true;
		walk_map(c, v, f->sub, (char *)target + f->sub_off, f->key);
		break;
	case F_CUSTOM:
		f->fn(c, v, target, f);
		break;
	}
}

static void unknown_key(struct ctx *c, yaml_node_t *k, const struct field *fields, const char *section)
{
	size_t n = 0;
	while (fields[n].key)
		n++;
	const char **keys = xcalloc(n + 1, sizeof(*keys));
	for (size_t i = 0; i < n; i++)
		keys[i] = fields[i].key;
	const char *best = yamldoc_nearest(scalar(k), keys);
	char *where = section ? xasprintf(" in '%s'", section) : xstrdup("");
	if (best)
		err_at(c, k, "unknown key '%s'%s; did you mean '%s'?", scalar(k), where, best);
	else {
		/* No near miss: list what is allowed here. */
		char *list = yamldoc_key_list(keys);
		err_at(c, k, "unknown key '%s'%s (known keys: %s)", scalar(k), where, list);
		free(list);
	}
	free(where);
	free(keys);
}

static void walk_map(struct ctx *c, yaml_node_t *map, const struct field *fields, void *target,
		     const char *section)
{
	yaml_node_t *firstk[64] = { 0 };
	for (yaml_node_pair_t *pr = map->data.mapping.pairs.start; pr < map->data.mapping.pairs.top; pr++) {
		yaml_node_t *k = yaml_document_get_node(c->doc, pr->key);
		yaml_node_t *v = yaml_document_get_node(c->doc, pr->value);
		if (!k || !v)
			continue;
		if (k->type != YAML_SCALAR_NODE) {
			err_at(c, k, "keys must be plain words, not %s", node_kind(k));
			continue;
		}
		const struct field *f = fields;
		size_t idx = 0;
		while (f->key && strcmp(f->key, scalar(k)) != 0)
			f++, idx++;
		if (!f->key) {
			unknown_key(c, k, fields, section);
			continue;
		}
		if (idx < ARRAY_LEN(firstk) && firstk[idx]) {
			err_at(c, k, "duplicate key '%s' (first given at line %d, column %d)", f->key,
			       LINE(firstk[idx]), COL(firstk[idx]));
			continue;
		}
		if (idx < ARRAY_LEN(firstk))
			firstk[idx] = k;
		seen_add(c, f, target, v);
		field_apply(c, f, v, target);
	}
}

/* ---- custom fields ----------------------------------------------------- */

static void enum_field(struct ctx *c, yaml_node_t *v, const char *key, const char *const *choices, size_t n,
		       int *out)
{
	if (v->type != YAML_SCALAR_NODE) {
		err_at(c, v, "'%s' must be a string, not %s", key, node_kind(v));
		return;
	}
	int i = name_lookup(choices, n, scalar(v));
	if (i >= 0) {
		*out = i;
		return;
	}
	char list[256] = "";
	for (size_t j = 0; j < n; j++)
		if (choices[j])
			snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", *list ? ", " : "",
				 choices[j]);
	err_at(c, v, "'%s' must be one of %s; got '%s'", key, list, scalar(v));
}

static const char *const accel_names[] = { "kvm", "tcg", "kvm:tcg" };
static const char *const disk_if_names[] = { "virtio", "ide", "sata", "scsi" };
static const char *const cd_if_names[] = { "ide", "sata", "scsi" };
static const char *const network_names[] = { "tap", "user" };

static void f_accel(struct ctx *c, yaml_node_t *v, void *target, const struct field *f)
{
	if (is_null(v))
		return;
	int i = -1;
	enum_field(c, v, f->key, accel_names, ARRAY_LEN(accel_names), &i);
	if (i >= 0)
		set_str(target, f->off, xstrdup(accel_names[i]));
}

/* name: the VM name rule (profile_name_problem), each reason in its words. */
static void f_name(struct ctx *c, yaml_node_t *v, void *target, const struct field *f)
{
	if (is_null(v))
		return; /* given but empty: finish() says so */
	if (v->type != YAML_SCALAR_NODE) {
		err_at(c, v, "'%s' must be a string, not %s", f->key, node_kind(v));
		return;
	}
	const char *why = profile_name_problem(scalar(v));
	if (why) {
		err_at(c, v, "'%s': '%s' %s", f->key, scalar(v), why);
		return;
	}
	set_str(target, f->off, xstrdup(scalar(v)));
}

/* QEMU options that open a display server; "--opt" is QEMU's "-opt" too.
 * In extra_args they would escape the VNC rule (loopback or a UNIX socket,
 * else display.vnc with a password and a warning: check_vnc). */
static const char *display_server_opt(const char *arg, const char *next)
{
	if (arg[0] != '-')
		return NULL;
	const char *o = arg[1] == '-' ? arg + 1 : arg;
	if (strcmp(o, "-vnc") == 0 || strcmp(o, "-spice") == 0)
		return o;
	if (strcmp(o, "-display") == 0 && next && strncmp(next, "vnc", 3) == 0 && strchr("=,", next[3]))
		return o; /* "vnc", "vnc=HOST:D", "vnc,..." (strchr finds the '\0' too) */
	return NULL;
}

/* QEMU options that break vmdeck's hold on QEMU (qemu_args.h lists what
 * vmdeck sets itself; docs/profiles.md explains each): the process it
 * watches, the pid file and monitors it relies on, the user and root QEMU
 * keep, and the rule that a powered-off guest ends the process. */
static const struct supervision_opt {
	const char *opt;
	const char *why;
} supervision_opts[] = {
	{ "-daemonize", "QEMU would fork and the process vmdeck watches would exit, leaving the VM running unseen" },
	{ "-pidfile", "vmdeck writes RUN/qemu.pid itself, and other vmdecks find QEMU through it" },
	{ "-qmp", "vmdeck's monitors are RUN/qmp.sock and RUN/ctl.sock; another one is a control channel vmdeck "
		  "neither guards nor sees (on TCP, anyone who connects owns the VM)" },
	{ "-qmp-pretty", "vmdeck's monitors are RUN/qmp.sock and RUN/ctl.sock; another one is a control channel "
			 "vmdeck neither guards nor sees (on TCP, anyone who connects owns the VM)" },
	{ "-monitor", "use 'vmdeck monitor NAME' or the TUI's monitor; another monitor is a control channel vmdeck "
		      "neither guards nor sees (on TCP, anyone who connects owns the VM)" },
	{ "-mon", "use 'vmdeck monitor NAME' or the TUI's monitor; another monitor is a control channel vmdeck "
		  "neither guards nor sees (on TCP, anyone who connects owns the VM)" },
	{ "-runas", "QEMU would go on as another user than vmdeck started it as, and open what vmdeck hands it later "
		    "(the installer medium on a mode switch) with that user's rights" },
	{ "-chroot", "QEMU would no longer see the paths vmdeck hands it while it runs (the installer medium on a mode "
		     "switch)" },
	{ "-run-with", "it changes QEMU's user or root (user=, chroot=), as -runas and -chroot would" },
	{ "-no-shutdown", "a guest that powers off would leave QEMU running, stopped, while vmdeck waits for QEMU to "
			  "exit (the VM would stay 'stopping')" },
};

static const char *supervision_why(const char *arg)
{
	if (arg[0] != '-')
		return NULL;
	const char *o = arg[1] == '-' ? arg + 1 : arg;
	for (size_t i = 0; i < ARRAY_LEN(supervision_opts); i++)
		if (strcmp(o, supervision_opts[i].opt) == 0)
			return supervision_opts[i].why;
	return NULL;
}

/* A character device on QEMU's own stdio ("-serial stdio", "-chardev
 * stdio,id=…", "-serial mon:stdio"): vmdeck gives QEMU /dev/null and
 * RUN/qemu.log there. */
static bool stdio_backend(const char *value)
{
	return strcmp(value, "stdio") == 0 || strncmp(value, "stdio,", 6) == 0 || strncmp(value, "mon:stdio", 9) == 0;
}

/* extra_args: strings appended verbatim, but no display server and nothing
 * that breaks vmdeck's supervision. */
static void f_extra_args(struct ctx *c, yaml_node_t *v, void *target, const struct field *f)
{
	struct profile *p = target;
	if (is_null(v))
		return;
	strv_from_seq(c, v, f->key, &p->extra_args, &p->n_extra_args);
	if (v->type != YAML_SEQUENCE_NODE)
		return;
	for (yaml_node_item_t *it = v->data.sequence.items.start; it < v->data.sequence.items.top; it++) {
		yaml_node_t *e = yaml_document_get_node(c->doc, *it);
		yaml_node_t *nx = it + 1 < v->data.sequence.items.top ? yaml_document_get_node(c->doc, it[1]) : NULL;
		if (!e || e->type != YAML_SCALAR_NODE)
			continue;
		const char *next = nx && nx->type == YAML_SCALAR_NODE ? scalar(nx) : NULL;
		const char *why = supervision_why(scalar(e));
		if (why) {
			err_at(c, e, "'%s': '%s' would break vmdeck's supervision of QEMU: %s", f->key, scalar(e), why);
			continue;
		}
		if (scalar(e)[0] == '-' && next && stdio_backend(next)) {
			err_at(c, e,
			       "'%s': '%s %s' would put a device on QEMU's stdin/stdout, which vmdeck sets to "
			       "/dev/null and RUN/qemu.log (where it reads why a start failed); the serial console "
			       "is RUN/serial.sock, the monitor 'vmdeck monitor NAME'",
			       f->key, scalar(e), next);
			continue;
		}
		const char *o = display_server_opt(scalar(e), next);
		if (!o)
			continue;
		bool display = strcmp(o, "-display") == 0;
		err_at(c, e,
		       "'%s': '%s%s%s' would open a display server past vmdeck's VNC rule (off loopback only with a "
		       "password, and a warning); use the 'display:' section instead (display.vnc, display.password_file)",
		       f->key, scalar(e), display ? " " : "", display ? next : "");
	}
}

static void f_interface(struct ctx *c, yaml_node_t *v, void *target, const struct field *f)
{
	if (is_null(v))
		return;
	bool cd = f->min == 1; /* the installer's drive must take a CD */
	int i = -1;
	if (cd)
		enum_field(c, v, f->key, cd_if_names, ARRAY_LEN(cd_if_names), &i);
	else
		enum_field(c, v, f->key, disk_if_names, ARRAY_LEN(disk_if_names), &i);
	if (i >= 0)
		set_str(target, f->off, xstrdup(cd ? cd_if_names[i] : disk_if_names[i]));
}

static void f_policy(struct ctx *c, yaml_node_t *v, void *target, const struct field *f)
{
	struct profile_nic *nic = target;
	if (is_null(v))
		return;
	int i = -1;
	enum_field(c, v, f->key, policy_names, ARRAY_LEN(policy_names), &i);
	if (i >= 0) {
		nic->tap_mac_policy = (enum mac_policy)i;
		nic->has_tap_mac_policy = true;
	}
}

static void f_network(struct ctx *c, yaml_node_t *v, void *target, const struct field *f)
{
	struct profile_nic *nic = target;
	if (is_null(v))
		return;
	int i = -1;
	enum_field(c, v, f->key, network_names, ARRAY_LEN(network_names), &i);
	if (i >= 0)
		nic->user_net = i == 1;
}

/* cpu: "Penryn,kvm=off" or { model: Penryn, flags: [kvm=off, …] } */
static void f_cpu(struct ctx *c, yaml_node_t *v, void *target, const struct field *f)
{
	struct profile *p = target;
	if (is_null(v))
		return;
	if (v->type == YAML_SCALAR_NODE) {
		if (!*scalar(v) || strchr(scalar(v), ' ')) {
			err_at(c, v, "'cpu' must be a CPU model with optional flags, like Penryn,kvm=off; got '%s'",
			       scalar(v));
			return;
		}
		set_str(p, f->off, xstrdup(scalar(v)));
		return;
	}
	if (v->type != YAML_MAPPING_NODE) {
		err_at(c, v, "'cpu' must be a string or a mapping with 'model' and 'flags', not %s", node_kind(v));
		return;
	}
	struct { char *model; char **flags; size_t n_flags; } cpu = { 0 };
	static const struct field cpu_fields[] = {
		{ "model", F_STR, 0, "CPU model", word_valid, "a CPU model name such as Penryn", 0, 0, NULL, 0, NULL, 0 },
		{ "flags", F_STRV, sizeof(char *), "CPU flags", NULL, NULL, 0, 0, NULL, 0, NULL, 2 * sizeof(char *) },
		FIELDS_END,
	};
	walk_map(c, v, cpu_fields, &cpu, "cpu");
	if (!cpu.model) {
		if (cpu.n_flags)
			err_at(c, v, "'cpu' has flags but no 'model'");
	} else {
		char *s = xstrdup(cpu.model);
		for (size_t i = 0; i < cpu.n_flags; i++) {
			char *t = xasprintf("%s,%s", s, cpu.flags[i]);
			free(s);
			s = t;
		}
		set_str(p, f->off, s);
	}
	free(cpu.model);
	for (size_t i = 0; i < cpu.n_flags; i++)
		free(cpu.flags[i]);
	free(cpu.flags);
}

static const struct field smp_fields[] = {
	{ "cpus", F_UINT, P(smp_cpus), NULL, NULL, NULL, 1, 288, NULL, 0, NULL, 0 },
	{ "sockets", F_UINT, P(smp_sockets), NULL, NULL, NULL, 1, 64, NULL, 0, NULL, 0 },
	{ "cores", F_UINT, P(smp_cores), NULL, NULL, NULL, 1, 288, NULL, 0, NULL, 0 },
	{ "threads", F_UINT, P(smp_threads), NULL, NULL, NULL, 1, 8, NULL, 0, NULL, 0 },
	FIELDS_END,
};

/* smp: 2, or { cpus: 2, sockets: 1, cores: 2, threads: 1 } */
static void f_smp(struct ctx *c, yaml_node_t *v, void *target, const struct field *f)
{
	struct profile *p = target;
	if (is_null(v))
		return;
	if (v->type == YAML_SCALAR_NODE)
		get_uint(c, v, "smp", 1, 288, &p->smp_cpus);
	else if (v->type == YAML_MAPPING_NODE)
		walk_map(c, v, smp_fields, p, "smp");
	else
		err_at(c, v, "'smp' must be a CPU count or a mapping (cpus, sockets, cores, threads), not %s",
		       node_kind(v));
}

/* usb: true | false | [usb-kbd, usb-tablet] (a list implies true) */
static void f_usb(struct ctx *c, yaml_node_t *v, void *target, const struct field *f)
{
	struct profile *p = target;
	if (is_null(v))
		return;
	if (v->type == YAML_SEQUENCE_NODE) {
		p->usb = true;
		strv_from_seq(c, v, "usb", &p->usb_devices, &p->n_usb_devices);
		for (size_t i = 0; i < p->n_usb_devices; i++)
			if (!word_valid(p->usb_devices[i]))
				err_at(c, v, "'usb': '%s' is not a USB device model such as usb-tablet",
				       p->usb_devices[i]);
		return;
	}
	if (v->type == YAML_SCALAR_NODE) {
		get_bool(c, v, "usb", &p->usb);
		return;
	}
	err_at(c, v, "'usb' must be true, false or a list of USB devices, not %s", node_kind(v));
}

static const struct field disk_fields[] = {
	{ "id", F_STR, D(id), NULL, id_valid, "an id (a letter, then letters, digits, '_', '-', '.'; at most 32)", 0, 0, NULL, 0, NULL, 0 },
	{ "file", F_PATH, D(file), "disk image", NULL, NULL, 0, 0, NULL, 0, NULL, 0 },
	{ "format", F_STR, D(format), NULL, word_valid, "an image format such as raw or qcow2", 0, 0, NULL, 0, NULL, 0 },
	{ "interface", F_CUSTOM, D(interface), NULL, NULL, NULL, 0, 0, NULL, 0, f_interface, 0 },
	{ "bus", F_STR, D(bus), NULL, word_valid, "a bus name such as ide.2", 0, 0, NULL, 0, NULL, 0 },
	{ "snapshot", F_BOOL, D(snapshot), NULL, NULL, NULL, 0, 0, NULL, 0, NULL, 0 },
	{ "readonly", F_BOOL, D(readonly), NULL, NULL, NULL, 0, 0, NULL, 0, NULL, 0 },
	FIELDS_END,
};

static const struct field nic_fields[] = {
	{ "id", F_STR, N(id), NULL, id_valid, "an id (a letter, then letters, digits, '_', '-', '.'; at most 32)", 0, 0, NULL, 0, NULL, 0 },
	{ "model", F_STR, N(model), NULL, word_valid, "a NIC model such as e1000-82545em or virtio-net-pci", 0, 0, NULL, 0, NULL, 0 },
	{ "mac", F_MAC, N(mac), NULL, NULL, NULL, 0, 0, NULL, 0, NULL, N(has_mac) },
	{ "network", F_CUSTOM, 0, NULL, NULL, NULL, 0, 0, NULL, 0, f_network, 0 },
	{ "bridge", F_STR, N(bridge), NULL, ifname_valid, "an interface name (at most 15 letters, digits, '_', '-', '.')", 0, 0, NULL, 0, NULL, 0 },
	{ "tap", F_STR, N(tap), NULL, ifname_valid, "an interface name (at most 15 letters, digits, '_', '-', '.')", 0, 0, NULL, 0, NULL, 0 },
	{ "tap_mac_policy", F_CUSTOM, 0, NULL, NULL, NULL, 0, 0, NULL, 0, f_policy, 0 },
	FIELDS_END,
};

/* disks: / nics: a list of mappings. */
static void f_list(struct ctx *c, yaml_node_t *v, void *target, const struct field *f)
{
	struct profile *p = target;
	bool disks = f->off == P(disks);
	if (is_null(v))
		return;
	if (v->type != YAML_SEQUENCE_NODE) {
		err_at(c, v, "'%s' must be a list (items start with '- '), not %s", f->key, node_kind(v));
		return;
	}
	/* Allocate all items first: positions recorded while walking are keyed
	 * by the item's address, which must not move. */
	size_t n = (size_t)(v->data.sequence.items.top - v->data.sequence.items.start);
	if (disks)
		p->disks = xrealloc(p->disks, (p->n_disks + n + 1) * sizeof(*p->disks));
	else
		p->nics = xrealloc(p->nics, (p->n_nics + n + 1) * sizeof(*p->nics));
	for (yaml_node_item_t *it = v->data.sequence.items.start; it < v->data.sequence.items.top; it++) {
		yaml_node_t *e = yaml_document_get_node(c->doc, *it);
		if (!e)
			continue;
		if (e->type != YAML_MAPPING_NODE) {
			err_at(c, e, "each item of '%s' must be a mapping, not %s", f->key, node_kind(e));
			continue;
		}
		void *item;
		if (disks) {
			item = &p->disks[p->n_disks++];
			memset(item, 0, sizeof(*p->disks));
			p->disks[p->n_disks - 1].line = LINE(e);
			p->disks[p->n_disks - 1].col = COL(e);
		} else {
			item = &p->nics[p->n_nics++];
			memset(item, 0, sizeof(*p->nics));
			p->nics[p->n_nics - 1].line = LINE(e);
			p->nics[p->n_nics - 1].col = COL(e);
		}
		walk_map(c, e, disks ? disk_fields : nic_fields, item, disks ? "disks" : "nics");
	}
}

static const struct field boot_fields[] = {
	{ "kernel", F_PATH, P(kernel), "kernel (boot loader) file", NULL, NULL, 0, 0, NULL, 0, NULL, 0 },
	{ "initrd", F_PATH, P(initrd), "initrd file", NULL, NULL, 0, 0, NULL, 0, NULL, 0 },
	{ "append", F_STR, P(append), NULL, text_valid, NULL, 0, 0, NULL, 0, NULL, 0 },
	FIELDS_END,
};

static const struct field firmware_fields[] = {
	{ "code", F_PATH, P(firmware_code), "firmware code file", NULL, NULL, 0, 0, NULL, 0, NULL, 0 },
	{ "vars", F_PATH, P(firmware_vars), "firmware vars file", NULL, NULL, 0, 0, NULL, 0, NULL, 0 },
	{ "vars_template", F_PATH, P(firmware_vars_template), "firmware vars template", NULL, NULL, 0, 0, NULL, 0, NULL, 0 },
	FIELDS_END,
};

static const struct field applesmc_fields[] = {
	{ "osk", F_STR, P(applesmc_osk), NULL, nonempty_valid, "an OSK string", 0, 0, NULL, 0, NULL, 0 },
	FIELDS_END,
};

static const struct field audio_fields[] = {
	{ "device", F_STR, P(audio_device), NULL, word_valid, "a sound device model such as ich9-intel-hda", 0, 0, NULL, 0, NULL, 0 },
	{ "codec", F_STR, P(audio_codec), NULL, word_valid, "a codec model such as hda-duplex", 0, 0, NULL, 0, NULL, 0 },
	FIELDS_END,
};

static const struct field display_fields[] = {
	{ "vnc", F_STR, P(vnc), NULL, nonempty_valid, "'unix' or HOST:DISPLAY", 0, 0, NULL, 0, NULL, 0 },
	{ "password_file", F_PATH, P(vnc_password_file), "VNC password file", NULL, NULL, 0, 0, NULL, 0, NULL, 0 },
	{ "keyboard", F_STR, P(keyboard), NULL, keyboard_valid, "a keyboard layout such as en-us", 0, 0, NULL, 0, NULL, 0 },
	{ "vga", F_STR, P(vga), NULL, word_valid, "a VGA type such as std, virtio or none", 0, 0, NULL, 0, NULL, 0 },
	FIELDS_END,
};

static const struct field install_fields[] = {
	{ "file", F_PATH, I(file), "installer medium", NULL, NULL, 0, 0, NULL, 0, NULL, 0 },
	{ "format", F_STR, I(format), NULL, word_valid, "an image format such as raw", 0, 0, NULL, 0, NULL, 0 },
	{ "interface", F_CUSTOM, I(interface), NULL, NULL, NULL, 1, 0, NULL, 0, f_interface, 0 },
	{ "bus", F_STR, I(bus), NULL, word_valid, "a bus name such as ide.0", 0, 0, NULL, 0, NULL, 0 },
	{ "snapshot", F_BOOL, I(snapshot), NULL, NULL, NULL, 0, 0, NULL, 0, NULL, 0 },
	FIELDS_END,
};

static const struct field root_fields[] = {
	{ "name", F_CUSTOM, P(name), NULL, NULL, NULL, 0, 0, NULL, 0, f_name, 0 },
	{ "description", F_STR, P(description), NULL, text_valid, NULL, 0, 0, NULL, 0, NULL, 0 },
	{ "qemu", F_STR, P(qemu), NULL, nonempty_valid, "a QEMU binary", 0, 0, NULL, 0, NULL, 0 },
	{ "accel", F_CUSTOM, P(accel), NULL, NULL, NULL, 0, 0, NULL, 0, f_accel, 0 },
	{ "machine", F_STR, P(machine), NULL, word_valid, "a machine type such as q35 or pc-q35-2.4", 0, 0, NULL, 0, NULL, 0 },
	{ "cpu", F_CUSTOM, P(cpu), NULL, NULL, NULL, 0, 0, NULL, 0, f_cpu, 0 },
	{ "smp", F_CUSTOM, 0, NULL, NULL, NULL, 0, 0, NULL, 0, f_smp, 0 },
	{ "memory", F_MEM, P(memory_mb), NULL, NULL, NULL, 16, 4u * 1024 * 1024, NULL, 0, NULL, 0 },
	{ "boot", F_MAP, 0, NULL, NULL, NULL, 0, 0, boot_fields, 0, NULL, 0 },
	{ "firmware", F_MAP, 0, NULL, NULL, NULL, 0, 0, firmware_fields, 0, NULL, 0 },
	{ "applesmc", F_MAP, 0, NULL, NULL, NULL, 0, 0, applesmc_fields, 0, NULL, 0 },
	{ "smbios", F_STRV, P(smbios), NULL, NULL, NULL, 0, 0, NULL, 0, NULL, P(n_smbios) },
	{ "usb", F_CUSTOM, 0, NULL, NULL, NULL, 0, 0, NULL, 0, f_usb, 0 },
	{ "audio", F_MAP, 0, NULL, NULL, NULL, 0, 0, audio_fields, 0, NULL, 0 },
	{ "disks", F_CUSTOM, P(disks), NULL, NULL, NULL, 0, 0, NULL, 0, f_list, 0 },
	{ "nics", F_CUSTOM, P(nics), NULL, NULL, NULL, 0, 0, NULL, 0, f_list, 0 },
	{ "install", F_MAP, 0, NULL, NULL, NULL, 0, 0, install_fields, P(install), NULL, P(install.present) },
	{ "display", F_MAP, 0, NULL, NULL, NULL, 0, 0, display_fields, 0, NULL, 0 },
	{ "serial_log", F_BOOL, P(serial_log), NULL, NULL, NULL, 0, 0, NULL, 0, NULL, 0 },
	{ "extra_args", F_CUSTOM, P(extra_args), NULL, NULL, NULL, 0, 0, NULL, 0, f_extra_args, 0 },
	{ "stop_timeout", F_UINT, P(stop_timeout_s), NULL, NULL, NULL, 1, 3600, NULL, 0, NULL, 0 },
	FIELDS_END,
};

/* ---- checks across fields ---------------------------------------------- */

struct pos { int line, col; };

static struct pos pos_of(const struct ctx *c, const struct field *fields, const char *key, const void *target,
			 struct pos dflt)
{
	const struct seen *s = seen_find(c, fields, key, target);
	return s ? (struct pos){ s->line, s->col } : dflt;
}

static void check_file(struct ctx *c, const char *path, const char *what, struct pos at)
{
	if (path && !path_exists(path))
		report(c, 1, at.line, at.col, "%s %s does not exist", what, path);
}

/* The host of "HOST:DISPLAY": loopback or not. Every TCP VNC needs a
 * password (check_vnc); off loopback it also warns. */
static bool vnc_loopback(const char *host)
{
	/* An address, not a prefix: "127.0.0.1.example.net" is a host name
	 * that may resolve anywhere. */
	struct in_addr a;
	if (inet_pton(AF_INET, host, &a) == 1)
		return (ntohl(a.s_addr) >> 24) == 127;
	return strcmp(host, "localhost") == 0 || strcmp(host, "::1") == 0 || strcmp(host, "[::1]") == 0;
}

bool profile_vnc_public(const struct profile *p)
{
	if (!p || !p->vnc || strcmp(p->vnc, "unix") == 0)
		return false;
	const char *colon = strrchr(p->vnc, ':');
	if (!colon)
		return true; /* not loadable; err on the loud side */
	char *host = xstrndup(p->vnc, (size_t)(colon - p->vnc));
	bool pub = !vnc_loopback(host);
	free(host);
	return pub;
}

static void check_vnc(struct ctx *c, struct pos root)
{
	struct profile *p = c->p;
	struct pos at = pos_of(c, display_fields, "vnc", p, root);
	if (!p->vnc || strcmp(p->vnc, "unix") == 0) {
		if (p->vnc_password_file)
			report(c, 2, at.line, at.col, "'password_file' is ignored: VNC is on a UNIX socket");
		return;
	}
	const char *colon = strrchr(p->vnc, ':');
	char *end = NULL;
	long disp = colon ? strtol(colon + 1, &end, 10) : -1;
	if (!colon || colon == p->vnc || !end || end == colon + 1 || *end || disp < 0 || disp > 99 ||
	    strpbrk(p->vnc, ", ")) {
		report(c, 0, at.line, at.col, "'vnc' must be 'unix' or HOST:DISPLAY (display 0-99), got '%s'",
		       p->vnc);
		return;
	}
	char *host = xstrndup(p->vnc, (size_t)(colon - p->vnc));
	bool loopback = vnc_loopback(host);
	free(host);
	/* Any local user may connect to a loopback port: without a password
	 * they would see and type into this VM. Only the UNIX socket in the
	 * user's 0700 runtime directory keeps them out without one. */
	if (loopback && !p->vnc_password_file)
		report(c, 0, at.line, at.col,
		       "VNC on %s has no password: every local user can connect to a TCP port, even on loopback, and "
		       "see and type into this VM; set display.password_file, or use 'unix' (the default, reachable by "
		       "you only)",
		       p->vnc);
	else if (!loopback && !p->vnc_password_file)
		report(c, 0, at.line, at.col,
		       "VNC on %s is reachable from the network: set display.password_file, or use 'unix' (the default)",
		       p->vnc);
	else if (!loopback)
		report(c, 2, at.line, at.col, "VNC on %s is reachable from the network (password only, no encryption)",
		       p->vnc);
}

/* QEMU takes an empty secret as the password "", which any VNC client can
 * send: no password at all. /dev/null reads as empty too. A file that does
 * not exist yet is check_file's (QEMU will refuse to start without it). */
static void check_vnc_password(struct ctx *c, struct pos at)
{
	struct profile *p = c->p;
	struct stat st;
	if (!p->vnc || strcmp(p->vnc, "unix") == 0 || !p->vnc_password_file || stat(p->vnc_password_file, &st) < 0)
		return;
	if (!S_ISREG(st.st_mode))
		report(c, 0, at.line, at.col, "VNC password file %s is not a regular file: QEMU would read an empty "
		       "password, which lets anyone connect", p->vnc_password_file);
	else if (st.st_size == 0)
		report(c, 0, at.line, at.col, "VNC password file %s is empty: an empty password lets anyone connect; "
		       "put the password in it", p->vnc_password_file);
}

static void check_ids(struct ctx *c)
{
	struct profile *p = c->p;
	/* Everything shares QEMU's id namespace. */
	struct { const char *id; int line, col; } ids[2 * 64 + 1];
	size_t n = 0;
	for (size_t i = 0; i < p->n_disks + p->n_nics; i++) {
		bool disk = i < p->n_disks;
		const char *id = disk ? p->disks[i].id : p->nics[i - p->n_disks].id;
		int line = disk ? p->disks[i].line : p->nics[i - p->n_disks].line;
		int col = disk ? p->disks[i].col : p->nics[i - p->n_disks].col;
		if (strcmp(id, "install") == 0 || strncmp(id, "install-", 8) == 0 || strncmp(id, "vmdeck", 6) == 0) {
			report(c, 0, line, col, "id '%s' is reserved for vmdeck's own devices", id);
			continue;
		}
		for (size_t j = 0; j < n; j++)
			if (strcmp(ids[j].id, id) == 0)
				report(c, 0, line, col, "id '%s' is already used at line %d, column %d", id, ids[j].line,
				       ids[j].col);
		if (n < ARRAY_LEN(ids))
			ids[n++].id = id, ids[n - 1].line = line, ids[n - 1].col = col;
	}
}

static void finish(struct ctx *c, yaml_node_t *root)
{
	struct profile *p = c->p;
	struct pos r = { LINE(root), COL(root) };
	const struct seen *s;

	if (!p->name) {
		/* Also when given empty ("name:"): other errors may have left it unset too. */
		s = seen_find(c, root_fields, "name", p);
		if (!s)
			report(c, 0, r.line, r.col, "missing required key 'name'");
		else if (c->fatal == 0)
			report(c, 0, s->line, s->col, "'name' is empty: every profile needs a VM name");
		else
			c->fatal++; /* never load a nameless profile */
	} else if ((s = seen_find(c, root_fields, "name", p))) {
		p->name_line = s->line;
		p->name_col = s->col;
	}
	if (p->n_disks > 64 || p->n_nics > 64)
		report(c, 0, r.line, r.col, "too many disks or NICs (at most 64 each)");

	/* defaults */
	if (!p->qemu)
		p->qemu = xstrdup("qemu-system-x86_64");
	if (!p->accel)
		p->accel = xstrdup("kvm:tcg");
	if (!p->machine)
		p->machine = xstrdup("q35");
	if (!p->memory_mb)
		p->memory_mb = 1024;
	if (!p->stop_timeout_s)
		p->stop_timeout_s = 60;
	if (!seen_find(c, root_fields, "serial_log", p))
		p->serial_log = true;

	/* boot */
	if ((p->initrd || p->append) && !p->kernel) {
		struct pos at = pos_of(c, boot_fields, p->initrd ? "initrd" : "append", p, r);
		report(c, 0, at.line, at.col, "'%s' needs 'kernel' in the boot section", p->initrd ? "initrd" : "append");
	}
	if ((p->firmware_vars || p->firmware_vars_template) && !p->firmware_code) {
		struct pos at = pos_of(c, firmware_fields, p->firmware_vars ? "vars" : "vars_template", p, r);
		report(c, 0, at.line, at.col, "firmware vars need 'code' (the OVMF code image) too");
	}
	if (p->firmware_vars_template && !p->firmware_vars) {
		struct pos at = pos_of(c, firmware_fields, "vars_template", p, r);
		report(c, 0, at.line, at.col, "'vars_template' needs 'vars' (where the VM's own copy lives)");
	}
	if (p->audio_codec && !p->audio_device) {
		struct pos at = pos_of(c, audio_fields, "codec", p, r);
		report(c, 0, at.line, at.col, "audio 'codec' needs an audio 'device' (such as ich9-intel-hda)");
	}
	if (p->smp_cpus == 0 && (p->smp_sockets || p->smp_cores || p->smp_threads))
		p->smp_cpus = (p->smp_sockets ? p->smp_sockets : 1) * (p->smp_cores ? p->smp_cores : 1) *
			      (p->smp_threads ? p->smp_threads : 1);
	if (p->smp_sockets && p->smp_cores && p->smp_threads &&
	    p->smp_sockets * p->smp_cores * p->smp_threads < p->smp_cpus) {
		struct pos at = pos_of(c, root_fields, "smp", p, r);
		report(c, 0, at.line, at.col, "smp: sockets x cores x threads (%u) is less than cpus (%u)",
		       p->smp_sockets * p->smp_cores * p->smp_threads, p->smp_cpus);
	}

	/* disks */
	for (size_t i = 0; i < p->n_disks; i++) {
		struct profile_disk *d = &p->disks[i];
		if (!d->file)
			report(c, 0, d->line, d->col, "disk %zu has no 'file'", i + 1);
		if (!d->id)
			d->id = xasprintf("disk%zu", i);
		if (!d->format)
			d->format = xstrdup("raw");
		if (!d->interface)
			d->interface = xstrdup("virtio");
		/* QEMU refuses it at start-up ("Block node is read-only"). */
		if (d->readonly && (strcmp(d->interface, "ide") == 0 || strcmp(d->interface, "sata") == 0))
			report(c, 0, d->line, d->col,
			       "disk '%s': IDE/SATA disks cannot be read-only in QEMU; use interface virtio or scsi, or snapshot: true",
			       d->id);
		if (d->bus && strcmp(d->interface, "virtio") == 0)
			report(c, 0, d->line, d->col, "disk '%s': 'bus' applies to ide, sata and scsi disks only", d->id);
	}
	/* One image, two drives: QEMU's image locking refuses the second. */
	for (size_t i = 0; i < p->n_disks; i++)
		for (size_t j = 0; j < i; j++)
			if (p->disks[i].file && p->disks[j].file && strcmp(p->disks[i].file, p->disks[j].file) == 0 &&
			    !(p->disks[i].readonly && p->disks[j].readonly))
				report(c, 0, p->disks[i].line, p->disks[i].col, "disk '%s' uses the same image as disk '%s' (%s)",
				       p->disks[i].id, p->disks[j].id, p->disks[i].file);
	/* NICs */
	for (size_t i = 0; i < p->n_nics; i++) {
		struct profile_nic *n = &p->nics[i];
		if (!n->id)
			n->id = xasprintf("net%zu", i);
		if (!n->model)
			n->model = xstrdup("virtio-net-pci");
		if (n->user_net && (n->bridge || n->tap || n->has_tap_mac_policy))
			report(c, 0, n->line, n->col,
			       "NIC '%s' uses 'network: user': 'bridge', 'tap' and 'tap_mac_policy' do not apply", n->id);
		for (size_t j = 0; j < i; j++)
			if (n->has_mac && p->nics[j].has_mac && mac_cmp(n->mac, p->nics[j].mac) == 0)
				report(c, 0, n->line, n->col, "NIC '%s' has the same MAC as NIC '%s'", n->id, p->nics[j].id);
		struct pos tp = pos_of(c, nic_fields, "tap", n, (struct pos){ n->line, n->col });
		n->tap_line = tp.line;
		n->tap_col = tp.col;
	}
	/* TAP names, given or derived ("tap: vd-NAME-1" may be another NIC's
	 * derived name): one TAP, one NIC. */
	for (size_t i = 0; p->name && i < p->n_nics; i++) {
		struct profile_nic *n = &p->nics[i];
		if (n->user_net)
			continue;
		char *ti = profile_nic_tap_name(p, i);
		for (size_t j = 0; j < i; j++) {
			if (p->nics[j].user_net)
				continue;
			char *tj = profile_nic_tap_name(p, j);
			if (strcmp(ti, tj) == 0)
				report(c, 0, n->tap_line, n->tap_col, "NIC '%s' uses TAP '%s' like NIC '%s'", n->id, ti,
				       p->nics[j].id);
			free(tj);
		}
		free(ti);
	}
	check_ids(c);
	/* installer */
	if (p->install.present) {
		struct pos at = pos_of(c, root_fields, "install", p, r);
		p->install.line = at.line;
		p->install.col = at.col;
		if (!p->install.file)
			report(c, 0, at.line, at.col, "'install' needs 'file' (the installer ISO or image)");
		if (!p->install.format)
			p->install.format = xstrdup("raw");
		if (!p->install.interface)
			p->install.interface = xstrdup("ide");
	}
	check_vnc(c, r);

	/* Referenced files, each in its own words. Missing ones do not reject
	 * the profile (the media may come later) but are errors for check. */
	check_file(c, p->kernel, "kernel (boot loader) file", pos_of(c, boot_fields, "kernel", p, r));
	check_file(c, p->initrd, "initrd file", pos_of(c, boot_fields, "initrd", p, r));
	check_file(c, p->firmware_code, "firmware code file", pos_of(c, firmware_fields, "code", p, r));
	if (p->firmware_vars && !path_exists(p->firmware_vars) && p->firmware_vars_template)
		check_file(c, p->firmware_vars_template, "firmware vars template",
			   pos_of(c, firmware_fields, "vars_template", p, r));
	else
		check_file(c, p->firmware_vars, "firmware vars file", pos_of(c, firmware_fields, "vars", p, r));
	check_file(c, p->vnc_password_file, "VNC password file", pos_of(c, display_fields, "password_file", p, r));
	check_vnc_password(c, pos_of(c, display_fields, "password_file", p, r));
	for (size_t i = 0; i < p->n_disks; i++)
		check_file(c, p->disks[i].file, "disk image",
			   pos_of(c, disk_fields, "file", &p->disks[i], (struct pos){ p->disks[i].line, p->disks[i].col }));
	if (p->install.present)
		check_file(c, p->install.file, "installer medium",
			   pos_of(c, install_fields, "file", &p->install, (struct pos){ p->install.line, p->install.col }));
}

/* ---- loading ----------------------------------------------------------- */

/* yamldoc's problems are all fatal. */
static void yamldoc_report(void *ud, int line, int col, const char *msg)
{
	report(ud, 0, line, col, "%s", msg);
}

static char *dir_of(const char *path)
{
	char *abs = NULL;
	const char *slash = strrchr(path, '/');
	char *dir = slash ? xstrndup(path, slash == path ? 1 : (size_t)(slash - path)) : xstrdup(".");
	/* Absolute so that argv does not depend on the working directory. */
	if (dir[0] != '/') {
		char *cwd = getcwd(NULL, 0);
		if (cwd) {
			abs = strcmp(dir, ".") == 0 ? xstrdup(cwd) : path_join(cwd, dir);
			free(cwd);
			free(dir);
			dir = abs;
		}
	}
	return dir;
}

struct profile *profile_parse(const char *path, const char *buf, size_t len, struct profile_diag **diags,
			      size_t *n_diags)
{
	struct ctx c = { .file = path, .diags = diags, .n_diags = n_diags };
	struct profile *p = xcalloc(1, sizeof(*p));
	c.p = p;
	p->path = xstrdup(path);
	p->dir = dir_of(path);

	struct yamldoc *d = yamldoc_new(buf, len, PROFILE_MAX_SIZE, "a profile", yamldoc_report, &c);
	if (!d)
		goto fail;
	c.doc = yamldoc_document(d);
	yaml_node_t *root = yamldoc_root(d);
	if (!root || is_null(root)) {
		report(&c, 0, 1, 1, "empty profile: expected a mapping with at least 'name'");
	} else if (root->type != YAML_MAPPING_NODE) {
		err_at(&c, root, "a profile must be a mapping of keys (name: …, memory: …), not %s", node_kind(root));
	} else {
		walk_map(&c, root, root_fields, p, NULL);
		finish(&c, root);
	}
	/* One profile per file: a second document is a mistake. */
	if (c.fatal == 0 && root)
		yamldoc_single(d, "a second YAML document ('---'): a profile file holds one VM");
	yamldoc_free(d);
	if (c.fatal == 0)
		return p;
fail:
	profile_free(p);
	return NULL;
}

struct profile *profile_load(const char *path, struct profile_diag **diags, size_t *n_diags)
{
	struct ctx c = { .file = path, .diags = diags, .n_diags = n_diags };
	size_t len;
	char *buf = yamldoc_read(path, PROFILE_MAX_SIZE, "a profile", &len, yamldoc_report, &c);
	if (!buf)
		return NULL;
	struct profile *p = profile_parse(path, buf, len, diags, n_diags);
	free(buf);
	return p;
}

static void strvec_free(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

void profile_free(struct profile *p)
{
	if (!p)
		return;
	free(p->name);
	free(p->description);
	free(p->path);
	free(p->dir);
	free(p->qemu);
	free(p->accel);
	free(p->machine);
	free(p->cpu);
	free(p->kernel);
	free(p->initrd);
	free(p->append);
	free(p->firmware_code);
	free(p->firmware_vars);
	free(p->firmware_vars_template);
	free(p->applesmc_osk);
	strvec_free(p->smbios, p->n_smbios);
	strvec_free(p->usb_devices, p->n_usb_devices);
	free(p->audio_device);
	free(p->audio_codec);
	for (size_t i = 0; i < p->n_disks; i++) {
		struct profile_disk *d = &p->disks[i];
		free(d->id);
		free(d->file);
		free(d->format);
		free(d->interface);
		free(d->bus);
	}
	free(p->disks);
	for (size_t i = 0; i < p->n_nics; i++) {
		struct profile_nic *n = &p->nics[i];
		free(n->id);
		free(n->model);
		free(n->bridge);
		free(n->tap);
	}
	free(p->nics);
	free(p->install.file);
	free(p->install.format);
	free(p->install.interface);
	free(p->install.bus);
	free(p->vga);
	free(p->vnc);
	free(p->vnc_password_file);
	free(p->keyboard);
	strvec_free(p->extra_args, p->n_extra_args);
	free(p);
}

/* ---- sets -------------------------------------------------------------- */

static bool yaml_name(const char *n)
{
	size_t l = strlen(n);
	return n[0] != '.' && ((l > 5 && strcmp(n + l - 5, ".yaml") == 0) || (l > 4 && strcmp(n + l - 4, ".yml") == 0));
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }
static int cmp_profile(const void *a, const void *b)
{
	return strcmp((*(struct profile *const *)a)->name, (*(struct profile *const *)b)->name);
}

static void set_add_file(struct profile_set *s, const char *path)
{
	s->n_files++;
	struct profile *p = profile_load(path, &s->diags, &s->n_diags);
	if (!p)
		return;
	/* Files are taken in sorted order: the first one keeps the name. */
	for (size_t i = 0; i < s->n; i++) {
		if (strcmp(s->items[i]->name, p->name) == 0) {
			diag_add(&s->diags, &s->n_diags, path, p->name_line, p->name_col, false,
				 xasprintf("duplicate VM name '%s': already defined in %s:%d:%d (this file is ignored)",
					   p->name, s->items[i]->path, s->items[i]->name_line, s->items[i]->name_col));
			profile_free(p);
			return;
		}
	}
	s->items = xrealloc(s->items, (s->n + 1) * sizeof(*s->items));
	s->items[s->n++] = p;
}

struct mac_use {
	uint8_t mac[6];
	size_t item, nic; /* item: load order, so the earlier file is named */
};

static int cmp_mac_use(const void *a, const void *b)
{
	const struct mac_use *x = a, *y = b;
	int r = mac_cmp(x->mac, y->mac);
	if (r)
		return r;
	return x->item != y->item ? (x->item < y->item ? -1 : 1) : (x->nic < y->nic ? -1 : x->nic > y->nic);
}

/* Two VMs with one MAC break each other on a shared bridge: warn, naming
 * both. Sorting keeps 1,000 profiles cheap. Within one profile it is an
 * error already (finish). */
static void set_check_macs(struct profile_set *s)
{
	size_t n = 0;
	for (size_t i = 0; i < s->n; i++)
		n += s->items[i]->n_nics;
	if (n < 2)
		return;
	struct mac_use *u = xmalloc(n * sizeof(*u));
	n = 0;
	for (size_t i = 0; i < s->n; i++)
		for (size_t j = 0; j < s->items[i]->n_nics; j++) {
			profile_nic_guest_mac(s->items[i], j, u[n].mac);
			u[n].item = i;
			u[n++].nic = j;
		}
	qsort(u, n, sizeof(*u), cmp_mac_use);
	for (size_t k = 1, first = 0; k < n; k++) {
		if (mac_cmp(u[k].mac, u[first].mac) != 0) {
			first = k;
			continue;
		}
		if (u[k].item == u[first].item)
			continue;
		const struct profile *a = s->items[u[first].item], *b = s->items[u[k].item];
		char ms[18];
		mac_format(u[k].mac, ms);
		diag_add(&s->diags, &s->n_diags, b->path, b->nics[u[k].nic].line, b->nics[u[k].nic].col, true,
			 xasprintf("NIC '%s' has MAC %s, like NIC '%s' of VM '%s' (%s)", b->nics[u[k].nic].id, ms,
				   a->nics[u[first].nic].id, a->name, a->path));
	}
	free(u);
}

struct tap_use {
	char *tap;
	size_t item, nic;
};

static int cmp_tap_use(const void *a, const void *b)
{
	const struct tap_use *x = a, *y = b;
	int r = strcmp(x->tap, y->tap);
	if (r)
		return r;
	return x->item != y->item ? (x->item < y->item ? -1 : 1) : (x->nic < y->nic ? -1 : x->nic > y->nic);
}

/* Two VMs naming one TAP cannot run together: the second start would find
 * the first one's TAP (or take it over). An error for `check`, naming both
 * places, but both profiles load: they may be meant never to run at once
 * (keeping the second from starting while the first runs is the runtime's
 * job). Given and derived names both count. Within one profile finish()
 * reports it. */
static void set_check_taps(struct profile_set *s)
{
	size_t n = 0;
	for (size_t i = 0; i < s->n; i++)
		n += s->items[i]->n_nics;
	if (n < 2)
		return;
	struct tap_use *u = xmalloc(n * sizeof(*u));
	n = 0;
	for (size_t i = 0; i < s->n; i++)
		for (size_t j = 0; j < s->items[i]->n_nics; j++) {
			if (s->items[i]->nics[j].user_net)
				continue;
			u[n].tap = profile_nic_tap_name(s->items[i], j);
			u[n].item = i;
			u[n++].nic = j;
		}
	if (n > 1)
		qsort(u, n, sizeof(*u), cmp_tap_use);
	for (size_t k = 1, first = 0; k < n; k++) {
		if (strcmp(u[k].tap, u[first].tap) != 0) {
			first = k;
			continue;
		}
		if (u[k].item == u[first].item)
			continue;
		const struct profile *a = s->items[u[first].item], *b = s->items[u[k].item];
		const struct profile_nic *na = &a->nics[u[first].nic], *nb = &b->nics[u[k].nic];
		diag_add(&s->diags, &s->n_diags, b->path, nb->tap_line, nb->tap_col, false,
			 xasprintf("NIC '%s' uses TAP '%s', like NIC '%s' of VM '%s' (%s:%d:%d): two VMs cannot "
				   "share a TAP; give one of them another 'tap' (or none: vmdeck derives one per VM)",
				   nb->id, u[k].tap, na->id, a->name, a->path, na->tap_line, na->tap_col));
	}
	for (size_t k = 0; k < n; k++)
		free(u[k].tap);
	free(u);
}

struct profile_set *profile_set_load(const char *const *paths, size_t n_paths)
{
	struct profile_set *s = xcalloc(1, sizeof(*s));
	for (size_t i = 0; i < n_paths; i++) {
		struct stat st;
		if (stat(paths[i], &st) < 0) {
			diag_add(&s->diags, &s->n_diags, paths[i], 0, 0, false,
				 xasprintf("cannot open: %s", strerror(errno)));
			continue;
		}
		if (!S_ISDIR(st.st_mode)) {
			set_add_file(s, paths[i]);
			continue;
		}
		DIR *d = opendir(paths[i]);
		if (!d) {
			diag_add(&s->diags, &s->n_diags, paths[i], 0, 0, false,
				 xasprintf("cannot open directory: %s", strerror(errno)));
			continue;
		}
		char **names = NULL;
		size_t n = 0;
		struct dirent *e;
		while ((e = readdir(d))) {
			if (!yaml_name(e->d_name))
				continue;
			names = xrealloc(names, (n + 1) * sizeof(char *));
			names[n++] = path_join(paths[i], e->d_name);
		}
		closedir(d);
		if (n)
			qsort(names, n, sizeof(char *), cmp_str);
		for (size_t j = 0; j < n; j++) {
			set_add_file(s, names[j]);
			free(names[j]);
		}
		free(names);
	}
	set_check_macs(s);
	set_check_taps(s);
	if (s->n)
		qsort(s->items, s->n, sizeof(*s->items), cmp_profile);
	return s;
}

void profile_diags_free(struct profile_diag *d, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(d[i].file);
		free(d[i].msg);
	}
	free(d);
}

void profile_set_free(struct profile_set *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n; i++)
		profile_free(s->items[i]);
	free(s->items);
	profile_diags_free(s->diags, s->n_diags);
	free(s);
}

struct profile *profile_set_find(const struct profile_set *s, const char *name)
{
	size_t lo = 0, hi = s->n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int r = strcmp(s->items[mid]->name, name);
		if (r == 0)
			return s->items[mid];
		if (r < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

char *profile_diag_format(const struct profile_diag *d)
{
	const char *w = d->warning ? "warning: " : "";
	if (d->line > 0)
		return xasprintf("%s:%d:%d: %s%s", d->file, d->line, d->col, w, d->msg);
	return xasprintf("%s: %s%s", d->file, w, d->msg);
}

size_t profile_diag_errors(const struct profile_diag *d, size_t n)
{
	size_t e = 0;
	for (size_t i = 0; i < n; i++)
		e += !d[i].warning;
	return e;
}

/* ---- derived names ----------------------------------------------------- */

static uint32_t fnv1a(const char *s, uint32_t h)
{
	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 16777619u;
	}
	return h;
}

void profile_nic_guest_mac(const struct profile *p, size_t nic_index, uint8_t mac[6])
{
	if (nic_index < p->n_nics && p->nics[nic_index].has_mac) {
		memcpy(mac, p->nics[nic_index].mac, 6);
		return;
	}
	char idx[24];
	snprintf(idx, sizeof idx, "/%zu", nic_index);
	uint32_t h = fnv1a(idx, fnv1a(p->name, 2166136261u));
	/* FNV's low bits barely differ for names like web1/web2: mix (murmur3's
	 * finaliser) so that similar names get unrelated MACs. */
	h ^= h >> 16;
	h *= 0x85ebca6bu;
	h ^= h >> 13;
	h *= 0xc2b2ae35u;
	h ^= h >> 16;
	mac[0] = 0x52;
	mac[1] = 0x54;
	mac[2] = 0x00;
	mac[3] = (uint8_t)(h >> 16);
	mac[4] = (uint8_t)(h >> 8);
	mac[5] = (uint8_t)h;
}

char *profile_nic_tap_name(const struct profile *p, size_t nic_index)
{
	if (nic_index < p->n_nics && p->nics[nic_index].tap)
		return xstrdup(p->nics[nic_index].tap);
	/* "vd-NAME-I" when it fits in IFNAMSIZ-1; else a prefix of the name and
	 * a hash of all of it, so that long names sharing a prefix differ. */
	char *s = xasprintf("vd-%s-%zu", p->name, nic_index);
	if (strlen(s) <= 15)
		return s;
	free(s);
	char idx[24];
	int il = snprintf(idx, sizeof idx, "-%zu", nic_index);
	int frag = 15 - 3 - 4 - il;
	if (frag < 1)
		frag = 1;
	uint32_t h = fnv1a(p->name, 2166136261u);
	return xasprintf("vd-%.*s%04x%s", frag, p->name, (unsigned)((h ^ (h >> 16)) & 0xffff), idx);
}

int profile_firmware_vars_prepare(const struct profile *p, char **err)
{
	if (!p->firmware_vars || !p->firmware_vars_template || path_exists(p->firmware_vars))
		return 0;
	size_t len;
	char *data = file_read_all(p->firmware_vars_template, &len);
	if (!data)
		return error_set(err, "%s: cannot read firmware vars template %s: %s", p->name,
				 p->firmware_vars_template, strerror(errno));
	int r = file_write_atomic(p->firmware_vars, data, len, 0600, err);
	free(data);
	if (r < 0)
		return error_prefix(err, "%s: firmware vars", p->name);
	return 0;
}
