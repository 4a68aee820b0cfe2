/* schema: the table-driven walker every YAML format shares (see schema.h);
 * the formats keep only their tables, value rules and cross-field checks. */
#include "core/schema.h"
#include "core/util.h"
#include "core/yamldoc.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LINE(n) YAMLDOC_LINE(n)
#define COL(n) YAMLDOC_COL(n)
#define scalar(n) yamldoc_scalar(n)
#define node_kind(n) yamldoc_kind(n)
#define AT(t, off, type) ((type *)((char *)(t) + (off)))

void schema_init(struct schema *s, schema_sink_fn sink, void *ud)
{
	*s = (struct schema){ .sink = sink, .ud = ud };
}

void schema_text_add(void *ud, enum schema_level level, int line, int col, char *msg)
{
	(void)level;
	struct schema_text *k = ud;
	char *one = line > 0 ? xasprintf("%s:%d:%d: %s", k->file, line, col, msg) : xasprintf("%s: %s", k->file, msg);
	free(msg);
	if (k->err) {
		char *both = xasprintf("%s\n%s", k->err, one);
		free(k->err);
		free(one);
		one = both;
	}
	k->err = one;
}

void schema_clear(struct schema *s)
{
	free(s->seen);
	s->seen = NULL;
	s->n_seen = s->cap_seen = 0;
}

static void vreport(struct schema *s, enum schema_level level, int line, int col, const char *fmt, va_list ap)
{
	if (level == SCHEMA_ERROR)
		s->errors++;
	if (s->n_problems >= SCHEMA_MAX_PROBLEMS)
		return;
	char *msg = ++s->n_problems == SCHEMA_MAX_PROBLEMS ? xstrdup("too many problems; giving up on this file")
							    : xvasprintf(fmt, ap);
	s->sink(s->ud, level, line, col, msg);
}

void schema_report(struct schema *s, enum schema_level level, int line, int col, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vreport(s, level, line, col, fmt, ap);
	va_end(ap);
}

void schema_error(struct schema *s, const yaml_node_t *n, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vreport(s, SCHEMA_ERROR, LINE(n), COL(n), fmt, ap);
	va_end(ap);
}

void schema_yamldoc_report(void *ud, int line, int col, const char *msg)
{
	schema_report(ud, SCHEMA_ERROR, line, col, "%s", msg);
}

/* ---- where keys were given ----------------------------------------------- */

static void seen_add(struct schema *s, const char *key, const void *target, const yaml_node_t *v)
{
	if (s->n_seen == s->cap_seen) {
		s->cap_seen = s->cap_seen ? 2 * s->cap_seen : 32;
		s->seen = xrealloc(s->seen, s->cap_seen * sizeof(*s->seen));
	}
	s->seen[s->n_seen++] = (struct schema_seen){ key, target, LINE(v), COL(v) };
}

const struct schema_seen *schema_seen_find(const struct schema *s, const char *key, const void *target)
{
	for (size_t i = 0; i < s->n_seen; i++)
		if (s->seen[i].target == target && strcmp(s->seen[i].key, key) == 0)
			return &s->seen[i];
	return NULL;
}

struct schema_pos schema_pos(const struct schema *s, const char *key, const void *target, struct schema_pos dflt)
{
	const struct schema_seen *seen = schema_seen_find(s, key, target);
	return seen ? (struct schema_pos){ seen->line, seen->col } : dflt;
}

struct schema_pos schema_node_pos(const yaml_node_t *n)
{
	return (struct schema_pos){ LINE(n), COL(n) };
}

/* ---- values -------------------------------------------------------------- */

int schema_lookup(const char *const *names, size_t n, const char *s)
{
	for (size_t i = 0; s && i < n; i++)
		if (names[i] && strcmp(names[i], s) == 0)
			return (int)i;
	return -1;
}

bool schema_chars(const char *s, const char *extra, size_t max)
{
	size_t n = strlen(s);
	if (n == 0 || n > max)
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr(extra, *s))
			return false;
	return true;
}

/* "." and ".." pass the character test but are no interface names (the
 * kernel refuses them) and would be path components under /sys and /proc. */
bool schema_ifname_valid(const char *s)
{
	return schema_chars(s, "_.-", 15) && strcmp(s, ".") && strcmp(s, "..");
}

const char *schema_string(struct schema *s, yaml_node_t *v, const char *key)
{
	if (v->type != YAML_SCALAR_NODE) {
		schema_error(s, v, "'%s' must be a string, not %s", key, node_kind(v));
		return NULL;
	}
	return scalar(v);
}

bool schema_uint(struct schema *s, yaml_node_t *v, const char *key, unsigned min, unsigned max, unsigned *out)
{
	if (v->type != YAML_SCALAR_NODE) {
		schema_error(s, v, "'%s' must be a whole number, not %s", key, node_kind(v));
		return false;
	}
	const char *t = scalar(v);
	unsigned long long n;
	if (parse_uint(t, 0, ULLONG_MAX, &n) < 0) {
		schema_error(s, v, "'%s' must be a whole number, got '%s'", key, t);
		return false;
	}
	if (n < min || n > max) {
		schema_error(s, v, "'%s' must be between %u and %u, got %s", key, min, max, t);
		return false;
	}
	*out = (unsigned)n;
	return true;
}

bool schema_bool(struct schema *s, yaml_node_t *v, const char *key, bool *out)
{
	if (v->type != YAML_SCALAR_NODE)
		schema_error(s, v, "'%s' must be true or false, not %s", key, node_kind(v));
	else if (parse_bool(scalar(v), out) == 0)
		return true;
	else
		schema_error(s, v, "'%s' must be true or false, got '%s'", key, scalar(v));
	return false;
}

int schema_enum(struct schema *s, yaml_node_t *v, const char *key, const char *const *choices, size_t n)
{
	if (!schema_string(s, v, key))
		return -1;
	int i = schema_lookup(choices, n, scalar(v));
	if (i >= 0)
		return i;
	char list[256] = "";
	for (size_t j = 0; j < n; j++)
		if (choices[j])
			snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", *list ? ", " : "", choices[j]);
	schema_error(s, v, "'%s' must be one of %s; got '%s'", key, list, scalar(v));
	return -1;
}

void schema_strv(struct schema *s, yaml_node_t *v, const char *key, char ***out, size_t *n)
{
	if (v->type != YAML_SEQUENCE_NODE) {
		schema_error(s, v, "'%s' must be a list of strings, not %s", key, node_kind(v));
		return;
	}
	for (size_t i = 0; i < *n; i++)
		free((*out)[i]);
	free(*out);
	*out = NULL;
	*n = 0;
	for (yaml_node_item_t *it = v->data.sequence.items.start; it < v->data.sequence.items.top; it++) {
		yaml_node_t *e = yaml_document_get_node(s->doc, *it);
		if (!e)
			continue;
		if (e->type != YAML_SCALAR_NODE) {
			schema_error(s, e, "each item of '%s' must be a string, not %s", key, node_kind(e));
			continue;
		}
		*out = xrealloc(*out, (*n + 1) * sizeof(char *));
		(*out)[(*n)++] = xstrdup(scalar(e));
	}
}

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
	unsigned long long unit_kib, kib;
	switch (toupper((unsigned char)*end)) {
	case '\0': *mb = v; return 0;
	case 'K': unit_kib = 1; break;
	case 'M': unit_kib = 1024ull; break;
	case 'G': unit_kib = 1024ull * 1024ull; break;
	case 'T': unit_kib = 1024ull * 1024ull * 1024ull; break;
	default: return -1;
	}
	/* Checked before use: 17179869185T times 2^30 wraps to 1T. */
	if (__builtin_mul_overflow(v, unit_kib, &kib))
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

/* Lexically drop "." and "dir/.." from an absolute path, so command lines
 * read /src/tests/x instead of /src/profiles/../tests/x. Symlinks are left
 * alone (no realpath): the file's spelling is what the user chose. */
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

static char *resolve(const struct schema *s, const char *path)
{
	if (path[0] == '/' || !s->dir)
		return normalize(xstrdup(path));
	return normalize(path_join(s->dir, path));
}

void schema_set_str(void *target, size_t off, char *v)
{
	char **slot = AT(target, off, char *);
	free(*slot);
	*slot = v;
}

static void apply_str(struct schema *s, const struct schema_field *f, yaml_node_t *v, void *target)
{
	if (!schema_string(s, v, f->key))
		return;
	if (f->type == SCHEMA_STR && f->valid && !f->valid(scalar(v))) {
		schema_error(s, v, "'%s': '%s' is not %s", f->key, scalar(v), f->valid_what);
		return;
	}
	if (f->type == SCHEMA_PATH && !*scalar(v)) {
		schema_error(s, v, "'%s' must name a file, got an empty string", f->key);
		return;
	}
	schema_set_str(target, f->off, f->type == SCHEMA_PATH ? resolve(s, scalar(v)) : xstrdup(scalar(v)));
}

static void apply_mem(struct schema *s, const struct schema_field *f, yaml_node_t *v, void *target)
{
	unsigned long long mb;
	if (v->type != YAML_SCALAR_NODE)
		schema_error(s, v, "'%s' must be a size such as 2G or 2048M, not %s", f->key, node_kind(v));
	else if (size_parse_mb(scalar(v), &mb) < 0)
		schema_error(s, v, "'%s' must be a size such as 2G or 2048M (whole MiB), got '%s'", f->key, scalar(v));
	else if (mb < f->min || mb > f->max)
		schema_error(s, v, "'%s' must be between %uM and %uM, got '%s'", f->key, f->min, f->max, scalar(v));
	else
		*AT(target, f->off, unsigned) = (unsigned)mb;
}

static void apply_mac(struct schema *s, const struct schema_field *f, yaml_node_t *v, void *target)
{
	static const uint8_t zero[6];
	uint8_t mac[6];
	if (v->type != YAML_SCALAR_NODE || mac_parse(scalar(v), mac) < 0)
		schema_error(s, v, "'%s': malformed MAC address '%s' (expected six hex pairs like 52:54:00:12:34:56)",
			     f->key, v->type == YAML_SCALAR_NODE ? scalar(v) : node_kind(v));
	else if (mac[0] & 1)
		schema_error(s, v, "'%s': %s is a multicast address; an interface needs a unicast MAC (even first byte)",
			     f->key, scalar(v));
	else if (mac_cmp(mac, zero) == 0)
		schema_error(s, v, "'%s': %s is no interface's MAC (all zero)", f->key, scalar(v));
	else {
		memcpy(AT(target, f->off, uint8_t), mac, 6);
		if (f->flag_off)
			*AT(target, f->flag_off, bool) = true;
	}
}

/* A list of mappings. All items are allocated first: positions recorded
 * while walking are keyed by the item's address, which must not move. */
static void apply_list(struct schema *s, const struct schema_field *f, yaml_node_t *v, void *target)
{
	if (v->type != YAML_SEQUENCE_NODE) {
		schema_error(s, v, "'%s' must be a list (items start with '- '), not %s", f->key, node_kind(v));
		return;
	}
	void **items = AT(target, f->off, void *);
	size_t *n = AT(target, f->flag_off, size_t);
	size_t more = (size_t)(v->data.sequence.items.top - v->data.sequence.items.start);
	*items = xrealloc(*items, (*n + more + 1) * f->item_size);
	for (yaml_node_item_t *it = v->data.sequence.items.start; it < v->data.sequence.items.top; it++) {
		yaml_node_t *e = yaml_document_get_node(s->doc, *it);
		if (!e)
			continue;
		if (e->type != YAML_MAPPING_NODE) {
			schema_error(s, e, "each item of '%s' must be a mapping, not %s", f->key, node_kind(e));
			continue;
		}
		char *item = (char *)*items + (*n)++ * f->item_size;
		memset(item, 0, f->item_size);
		AT(item, f->item_pos_off, int)[0] = LINE(e);
		AT(item, f->item_pos_off, int)[1] = COL(e);
		schema_walk(s, e, f->sub, item, f->key);
	}
}

static void field_apply(struct schema *s, const struct schema_field *f, yaml_node_t *v, void *target)
{
	/* Given but empty ("key:", "~"): unset. Custom fields decide. */
	if (f->type != SCHEMA_CUSTOM && yamldoc_is_null(v))
		return;
	switch (f->type) {
	case SCHEMA_STR:
	case SCHEMA_PATH:
		apply_str(s, f, v, target);
		break;
	case SCHEMA_BOOL:
		schema_bool(s, v, f->key, AT(target, f->off, bool));
		break;
	case SCHEMA_UINT:
		schema_uint(s, v, f->key, f->min, f->max, AT(target, f->off, unsigned));
		break;
	case SCHEMA_MEM:
		apply_mem(s, f, v, target);
		break;
	case SCHEMA_STRV:
		schema_strv(s, v, f->key, AT(target, f->off, char **), AT(target, f->flag_off, size_t));
		break;
	case SCHEMA_MAC:
		apply_mac(s, f, v, target);
		break;
	case SCHEMA_ENUM: {
		int i = schema_enum(s, v, f->key, f->names, f->n_names);
		if (i < 0)
			break;
		*AT(target, f->off, int) = i;
		if (f->flag_off)
			*AT(target, f->flag_off, bool) = true;
		break;
	}
	case SCHEMA_MAP:
		if (v->type != YAML_MAPPING_NODE) {
			schema_error(s, v, "'%s' must be a mapping of keys, not %s", f->key, node_kind(v));
			return;
		}
		if (f->flag_off)
			*AT(target, f->flag_off, bool) = true;
		schema_walk(s, v, f->sub, (char *)target + f->sub_off, f->key);
		break;
	case SCHEMA_LIST:
		apply_list(s, f, v, target);
		break;
	case SCHEMA_CUSTOM:
		f->fn(s, v, target, f);
		break;
	}
}

/* ---- the walk -------------------------------------------------------------- */

static void unknown_key(struct schema *s, yaml_node_t *k, const struct schema_field *fields, size_t n,
			const char *section)
{
	const char **keys = xcalloc(n + 1, sizeof(*keys));
	for (size_t i = 0; i < n; i++)
		keys[i] = fields[i].key;
	const char *best = yamldoc_nearest(scalar(k), keys);
	char *where = section ? xasprintf(" in '%s'", section) : xstrdup("");
	if (best) {
		schema_error(s, k, "unknown key '%s'%s; did you mean '%s'?", scalar(k), where, best);
	} else {
		/* No near miss: list what is allowed here. */
		char *list = yamldoc_key_list(keys);
		schema_error(s, k, "unknown key '%s'%s (known keys: %s)", scalar(k), where, list);
		free(list);
	}
	free(where);
	free(keys);
}

void schema_walk(struct schema *s, yaml_node_t *map, const struct schema_field *fields, void *target,
		 const char *section)
{
	size_t n = 0;
	while (fields[n].key)
		n++;
	yaml_node_t **first = xcalloc(n + 1, sizeof(*first)); /* where each key was given */
	for (yaml_node_pair_t *pr = map->data.mapping.pairs.start; pr < map->data.mapping.pairs.top; pr++) {
		yaml_node_t *k = yaml_document_get_node(s->doc, pr->key);
		yaml_node_t *v = yaml_document_get_node(s->doc, pr->value);
		if (!k || !v)
			continue;
		if (k->type != YAML_SCALAR_NODE) {
			schema_error(s, k, "keys must be plain words, not %s", node_kind(k));
			continue;
		}
		size_t i = 0;
		while (i < n && strcmp(fields[i].key, scalar(k)) != 0)
			i++;
		if (i == n) {
			unknown_key(s, k, fields, n, section);
			continue;
		}
		/* A second value would silently win. */
		if (first[i]) {
			schema_error(s, k, "duplicate key '%s' (first given at line %d, column %d)", fields[i].key,
				     LINE(first[i]), COL(first[i]));
			continue;
		}
		first[i] = k;
		seen_add(s, fields[i].key, target, v);
		field_apply(s, &fields[i], v, target);
	}
	free(first);
}

bool schema_walk_root(struct schema *s, yaml_node_t *root, const struct schema_field *fields, void *target,
		      const char *noun, const char *needs, const char *example)
{
	if (!root || yamldoc_is_null(root)) {
		schema_report(s, SCHEMA_ERROR, 1, 1, "empty %s: expected a mapping with at least %s", noun, needs);
		return false;
	}
	if (root->type != YAML_MAPPING_NODE) {
		schema_error(s, root, "a %s must be a mapping of keys (%s), not %s", noun, example, node_kind(root));
		return false;
	}
	schema_walk(s, root, fields, target, NULL);
	return true;
}
