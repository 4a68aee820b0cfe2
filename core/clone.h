/* clone: a new VM's profile from another's. The source's YAML text is
 * kept — comments, order, every key — and only what must differ is
 * rewritten in place: the name, explicit MACs and TAP names (derived from
 * the new name instead: mac_from_name, profile_nic_tap_name), the disks'
 * files (and format + linked_base for a linked clone's overlays), the UEFI
 * vars file, and a TCP VNC display (its port would clash: "unix"). */
#ifndef VMDECK_CLONE_H
#define VMDECK_CLONE_H

#include "core/profile.h"

#include <stdbool.h>
#include <stddef.h>

struct clone_plan {
	const char *name;           /* the new VM's name */
	const char *const *disk_file; /* per source disk: the new absolute path, or NULL (kept) */
	const bool *disk_linked;    /* per source disk: an overlay on the source's file */
	const char *vars;           /* the new vars file, or NULL */
	/* The new profile is in another directory: relative paths kept from
	 * the source (kernel, media, shared disks, …) are written absolute. */
	bool absolute_paths;
};

/* The new profile's text in *out (caller frees). src is the loaded source
 * (its disks' order is the YAML's). -1 with err when the text cannot be
 * read as the profile it was loaded from. */
int clone_profile_yaml(const char *yaml, size_t len, const struct profile *src, const struct clone_plan *plan,
		       char **out, char **err);

#endif
