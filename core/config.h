/* config: vmdeck's own settings file, $XDG_CONFIG_HOME/vmdeck/config.yaml
 * (~/.config/vmdeck/config.yaml; VMDECK_CONFIG names another), read through
 * the one schema walker (core/schema.h). Today it holds the libvirt hosts:
 *
 *   connections:
 *     - uri: qemu+ssh://me@lab2/system
 *       name: lab2            # optional: else the URI's host part
 *
 * A missing file is an empty configuration. */
#ifndef VMDECK_CONFIG_H
#define VMDECK_CONFIG_H

#include <stddef.h>

struct config_conn {
	char *uri, *name; /* name NULL: not given */
	int line, col;
};

struct config {
	struct config_conn *conns;
	size_t n_conns;
};

/* The file's path (caller frees). */
char *config_path(void);
/* 0 (also for a missing file), or -1 with *err: every problem as
 * "FILE:LINE:COL: message", one a line; c is then empty. */
int config_load(const char *path, struct config *c, char **err);
int config_parse(const char *path, const char *buf, size_t len, struct config *c, char **err);
void config_clear(struct config *c);

#endif
