/* config: config.yaml through the schema walker (see the header). */
#include "core/config.h"
#include "core/schema.h"
#include "core/util.h"
#include "core/yamldoc.h"

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CONFIG_MAX_SIZE (256 * 1024)

static bool uri_valid(const char *s) { return strstr(s, ":/") && !strpbrk(s, " \t\n"); }
static bool name_valid(const char *s) { return schema_chars(s, "-_.", 63); }

#define C(m) offsetof(struct config_conn, m)
static const struct schema_field conn_fields[] = {
	{ .key = "uri", .type = SCHEMA_STR, .off = C(uri), .valid = uri_valid,
	  .valid_what = "a libvirt URI (qemu:///system, qemu+ssh://user@host/system)" },
	{ .key = "name", .type = SCHEMA_STR, .off = C(name), .valid = name_valid,
	  .valid_what = "a host name (letters, digits, '-', '_', '.', at most 63)" },
	{ 0 },
};
static const struct schema_field root_fields[] = {
	{ .key = "connections", .type = SCHEMA_LIST, .off = offsetof(struct config, conns),
	  .flag_off = offsetof(struct config, n_conns), .sub = conn_fields, .item_size = sizeof(struct config_conn),
	  .item_pos_off = C(line) },
	{ 0 },
};

char *config_path(void)
{
	const char *v = getenv("VMDECK_CONFIG");
	if (v && *v)
		return xstrdup(v);
	if ((v = getenv("XDG_CONFIG_HOME")) && *v)
		return xasprintf("%s/vmdeck/config.yaml", v);
	if ((v = getenv("HOME")) && *v)
		return xasprintf("%s/.config/vmdeck/config.yaml", v);
	return xstrdup("/etc/vmdeck/config.yaml");
}

static int give(struct schema_text *k, struct config *c, char **err)
{
	config_clear(c);
	if (err)
		*err = k->err;
	else
		free(k->err);
	return -1;
}

int config_parse(const char *path, const char *buf, size_t len, struct config *c, char **err)
{
	memset(c, 0, sizeof(*c));
	struct schema_text k = { path, NULL };
	struct schema s;
	schema_init(&s, schema_text_add, &k);
	struct yamldoc *d = yamldoc_new(buf, len, CONFIG_MAX_SIZE, "vmdeck's configuration", schema_yamldoc_report, &s);
	if (d) {
		s.doc = yamldoc_document(d);
		yaml_node_t *root = yamldoc_root(d);
		if (root && schema_walk_root(&s, root, root_fields, c, "configuration", "'connections'",
					     "connections: [{uri: qemu:///system}]")) {
			for (size_t i = 0; i < c->n_conns; i++)
				if (!c->conns[i].uri)
					schema_report(&s, SCHEMA_ERROR, c->conns[i].line, c->conns[i].col,
						      "a connection needs 'uri'");
		}
		if (s.errors == 0)
			yamldoc_single(d, "a second YAML document ('---'): config.yaml holds one");
		yamldoc_free(d);
	}
	schema_clear(&s);
	if (s.errors)
		return give(&k, c, err);
	free(k.err);
	return 0;
}

int config_load(const char *path, struct config *c, char **err)
{
	memset(c, 0, sizeof(*c));
	if (access(path, F_OK) != 0 && errno == ENOENT)
		return 0;
	struct schema_text k = { path, NULL };
	struct schema s;
	schema_init(&s, schema_text_add, &k);
	size_t len;
	char *buf = yamldoc_read(path, CONFIG_MAX_SIZE, "vmdeck's configuration", &len, schema_yamldoc_report, &s);
	schema_clear(&s);
	if (!buf)
		return give(&k, c, err);
	free(k.err);
	int rc = config_parse(path, buf, len, c, err);
	free(buf);
	return rc;
}

void config_clear(struct config *c)
{
	for (size_t i = 0; i < c->n_conns; i++) {
		free(c->conns[i].uri);
		free(c->conns[i].name);
	}
	free(c->conns);
	memset(c, 0, sizeof(*c));
}
