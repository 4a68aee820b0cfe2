/* clone: the new profile's text, edited in place from the source's (clone.h). */
#include "core/clone.h"
#include "core/util.h"
#include "core/yamldoc.h"

#include <stdlib.h>
#include <string.h>
#include <yaml.h>

struct edit {
	size_t at, end; /* bytes of the source text replaced (at == end: inserted) */
	char *text;
	size_t seq;     /* insertions at one place keep the order they were made in */
};

struct edits {
	const char *buf;
	size_t len;
	yaml_document_t *doc;
	bool absolute; /* clone_plan.absolute_paths */
	struct edit *v;
	size_t n, cap;
};

/* libyaml's marks count characters: the byte offset of character ci. */
static size_t byte_at(const char *buf, size_t len, size_t ci)
{
	size_t b = 0;
	for (size_t c = 0; c < ci && b < len; c++) {
		b++;
		while (b < len && ((unsigned char)buf[b] & 0xC0) == 0x80)
			b++;
	}
	return b;
}

static void edit_add(struct edits *e, size_t at_ci, size_t end_ci, char *text)
{
	if (e->n == e->cap)
		e->v = xrealloc(e->v, (e->cap = e->cap ? e->cap * 2 : 16) * sizeof(*e->v));
	e->v[e->n] = (struct edit){ byte_at(e->buf, e->len, at_ci), byte_at(e->buf, e->len, end_ci), text, e->n };
	e->n++;
}

/* A YAML double-quoted string. */
static char *yq(const char *s)
{
	struct strbuf b = { 0 };
	strbuf_adds(&b, "\"");
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			strbuf_adds(&b, "\\");
		strbuf_add(&b, s, 1);
	}
	strbuf_adds(&b, "\"");
	return b.s;
}

static yaml_node_t *node(struct edits *e, int id) { return yaml_document_get_node(e->doc, id); }

/* The value of key in mapping map (and the key node), or NULL. */
static yaml_node_t *map_get(struct edits *e, yaml_node_t *map, const char *key, yaml_node_t **key_node)
{
	if (!map || map->type != YAML_MAPPING_NODE)
		return NULL;
	for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
		yaml_node_t *k = node(e, p->key);
		const char *t = k ? yamldoc_scalar(k) : NULL;
		if (t && strcmp(t, key) == 0) {
			if (key_node)
				*key_node = k;
			return node(e, p->value);
		}
	}
	return NULL;
}

static void replace(struct edits *e, yaml_node_t *v, char *text)
{
	if (v)
		edit_add(e, v->start_mark.index, v->end_mark.index, text);
	else
		free(text);
}

/* Set key in map: replace its value, or add "key: value" after the pair
 * whose value is after (block style: on a line of its own, at its key's
 * column; flow style: ", key: value"). */
static void set_key(struct edits *e, yaml_node_t *map, const char *key, char *value, yaml_node_t *after_key,
		    yaml_node_t *after)
{
	yaml_node_t *v = map_get(e, map, key, NULL);
	if (v) {
		replace(e, v, value);
		return;
	}
	if (map->data.mapping.style == YAML_FLOW_MAPPING_STYLE) {
		edit_add(e, after->end_mark.index, after->end_mark.index, xasprintf(", %s: %s", key, value));
	} else {
		/* After the line's end: a comment stays with its own value. */
		size_t b = byte_at(e->buf, e->len, after->end_mark.index);
		while (b < e->len && e->buf[b] != '\n')
			b++;
		edit_add(e, 0, 0, xasprintf("\n%*s%s: %s", (int)after_key->start_mark.column, "", key, value));
		e->v[e->n - 1].at = e->v[e->n - 1].end = b;
	}
	free(value);
}

static void edit_nics(struct edits *e, yaml_node_t *seq, const char *name)
{
	if (!seq || seq->type != YAML_SEQUENCE_NODE)
		return;
	struct profile fresh = { .name = (char *)name }; /* no NICs: every MAC and TAP derived */
	size_t i = 0;
	for (yaml_node_item_t *it = seq->data.sequence.items.start; it < seq->data.sequence.items.top; it++, i++) {
		yaml_node_t *nic = node(e, *it), *tap = map_get(e, nic, "tap", NULL);
		uint8_t mac[6];
		char ms[18];
		char *key = xasprintf("%s/%zu", name, i);
		mac_from_name(key, mac); /* = profile_nic_guest_mac of a NIC without its own */
		free(key);
		mac_format(mac, ms);
		replace(e, map_get(e, nic, "mac", NULL), yq(ms));
		if (tap && !yamldoc_is_null(tap)) {
			fresh.n_nics = 0;
			char *t = profile_nic_tap_name(&fresh, i);
			replace(e, tap, yq(t));
			free(t);
		}
	}
}

/* A relative path kept from the source, made absolute (the loaded source
 * has it resolved): the new profile may live elsewhere. */
static void keep_path(struct edits *e, yaml_node_t *v, const char *resolved)
{
	const char *t = v ? yamldoc_scalar(v) : NULL;
	if (e->absolute && t && *t && *t != '/' && resolved && !yamldoc_is_null(v))
		replace(e, v, yq(resolved));
}

static void edit_paths(struct edits *e, yaml_node_t *root, const struct profile *p)
{
	yaml_node_t *boot = map_get(e, root, "boot", NULL), *fw = map_get(e, root, "firmware", NULL);
	keep_path(e, map_get(e, boot, "kernel", NULL), p->kernel);
	keep_path(e, map_get(e, boot, "initrd", NULL), p->initrd);
	keep_path(e, map_get(e, fw, "code", NULL), p->firmware_code);
	keep_path(e, map_get(e, fw, "vars_template", NULL), p->firmware_vars_template);
	keep_path(e, map_get(e, map_get(e, root, "display", NULL), "password_file", NULL), p->vnc_password_file);
	keep_path(e, map_get(e, map_get(e, root, "install", NULL), "file", NULL), p->install.file);
}

static void edit_disks(struct edits *e, yaml_node_t *seq, const struct profile *src, const struct clone_plan *plan)
{
	if (!seq || seq->type != YAML_SEQUENCE_NODE)
		return;
	size_t i = 0;
	for (yaml_node_item_t *it = seq->data.sequence.items.start;
	     it < seq->data.sequence.items.top && i < src->n_disks; it++, i++) {
		yaml_node_t *d = node(e, *it), *fk = NULL, *f = map_get(e, d, "file", &fk);
		keep_path(e, map_get(e, d, "linked_base", NULL), src->disks[i].linked_base);
		if (!plan->disk_file[i]) {
			keep_path(e, f, src->disks[i].file);
			continue;
		}
		if (!f)
			continue;
		replace(e, f, yq(plan->disk_file[i]));
		if (plan->disk_linked && plan->disk_linked[i]) {
			set_key(e, d, "format", xstrdup("qcow2"), fk, f);
			set_key(e, d, "linked_base", yq(src->disks[i].file), fk, f);
		}
	}
}

static int edits_cmp(const void *a, const void *b)
{
	const struct edit *x = a, *y = b;
	if (x->at != y->at)
		return x->at < y->at ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static void no_report(void *ud, int line, int col, const char *msg)
{
	(void)line;
	(void)col;
	char **first = ud;
	if (!*first)
		*first = xstrdup(msg);
}

int clone_profile_yaml(const char *yaml, size_t len, const struct profile *src, const struct clone_plan *plan,
		       char **out, char **err)
{
	char *why = NULL;
	struct yamldoc *doc = yamldoc_new(yaml, len, PROFILE_MAX_SIZE, "a profile", no_report, &why);
	yaml_node_t *root = doc ? yamldoc_root(doc) : NULL;
	if (!root || root->type != YAML_MAPPING_NODE) {
		error_set(err, "%s: cannot read it again: %s", src->path, why ? why : "not a mapping");
		free(why);
		yamldoc_free(doc);
		return -1;
	}
	free(why);
	struct edits e = { .buf = yaml, .len = len, .doc = yamldoc_document(doc), .absolute = plan->absolute_paths };
	edit_paths(&e, root, src);
	replace(&e, map_get(&e, root, "name", NULL), yq(plan->name));
	edit_nics(&e, map_get(&e, root, "nics", NULL), plan->name);
	edit_disks(&e, map_get(&e, root, "disks", NULL), src, plan);
	if (plan->vars)
		replace(&e, map_get(&e, map_get(&e, root, "firmware", NULL), "vars", NULL), yq(plan->vars));
	yaml_node_t *vnc = map_get(&e, map_get(&e, root, "display", NULL), "vnc", NULL);
	if (vnc && yamldoc_scalar(vnc) && !yamldoc_is_null(vnc) && strcmp(yamldoc_scalar(vnc), "unix") != 0)
		replace(&e, vnc, xstrdup("unix"));
	/* Two VMs starting at boot from one disk set and one set of host ports:
	 * the clone starts at boot only when someone says so. */
	yaml_node_t *as = map_get(&e, root, "autostart", NULL);
	if (as && src->autostart)
		replace(&e, as, xstrdup("false"));
	qsort(e.v, e.n, sizeof(*e.v), edits_cmp);
	struct strbuf b = { 0 };
	size_t at = 0;
	for (size_t i = 0; i < e.n; i++) {
		strbuf_add(&b, yaml + at, e.v[i].at - at);
		strbuf_adds(&b, e.v[i].text);
		at = e.v[i].end;
		free(e.v[i].text);
	}
	strbuf_add(&b, yaml + at, len - at);
	free(e.v);
	yamldoc_free(doc);
	*out = b.s ? b.s : xstrdup("");
	return 0;
}
