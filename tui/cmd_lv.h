/* cmd_lv: libvirt hosts for the verbs and the TUI — the connections given
 * with --connect and in config.yaml's `connections:` (core/config.h), the
 * HOST/NAME a verb names a remote domain with, and what status and the
 * lifecycle verbs do with one (tui/cmd_lv.c). */
#ifndef VMDECK_CMD_LV_H
#define VMDECK_CMD_LV_H

#include <stdbool.h>
#include <stddef.h>

#include "core/lvhost.h"

struct json_object;
struct loop;

/* --connect URI (main.c), in the order given. */
void cmd_lv_add(const char *uri, const char *name);
/* The connections: --connect's, then config.yaml's (loaded once; its
 * problems said on stderr as FILE:LINE:COL: …). */
size_t cmd_lv_count(void);
const char *cmd_lv_uri(size_t i);
const char *cmd_lv_name(size_t i); /* the config's name, else the URI's host part */

/* One lvhost per connection, on l. */
struct lvset {
	struct lvhost **h;
	size_t n;
};
void lvset_open(struct lvset *s, struct loop *l);
void lvset_close(struct lvset *s);
bool lvset_settled(const struct lvset *s);
struct lvhost *lvset_find(const struct lvset *s, const char *name);

/* "HOST/NAME" is a remote domain's name on the command line. */
bool cmd_lv_is_remote(const char *target);

/* status: remote domains as rows, or into the JSON array; says each
 * unreachable host on stderr and returns how many were. */
size_t cmd_lv_status(const struct lvset *s, struct json_object *json_array);
/* The lifecycle verbs on HOST/NAME; the exit code. */
int cmd_lv_action(const char *verb, const char *target, enum lvhost_action a);
/* monitor HOST/NAME 'HMP COMMAND': the reply on stdout, an HMP error on
 * stderr (exit 1), as for a local VM; the exit code. */
int cmd_lv_monitor(const char *target, const char *line);
/* vmdeck's state words for a domain ("running", "stopped", …: status's). */
const char *cmd_lv_state_word(int lvdom_state);

#endif
