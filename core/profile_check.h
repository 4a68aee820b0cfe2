/* profile_check: the checks across fields of one walked profile, and its
 * defaults (qemu, accel, machine, memory, disk and NIC ids, …). Called by
 * profile_parse once core/schema.c has walked the root mapping; reports
 * through the same walk (struct schema), positions from schema_pos. Not
 * for other callers: profile.h is the profile's public contract. */
#ifndef VMDECK_PROFILE_CHECK_H
#define VMDECK_PROFILE_CHECK_H

#include <yaml.h>

struct profile;
struct schema;

void profile_check(struct schema *s, struct profile *p, yaml_node_t *root);

#endif
