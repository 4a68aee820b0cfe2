/* modes: each VM's install/boot mode, kept in vmdeck's state directory
 * (paths_state_dir()/modes/NAME, one word), never in the user's YAML. */
#ifndef VMDECK_MODES_H
#define VMDECK_MODES_H

#include "core/profile.h"

/* The saved mode; VM_MODE_BOOT when none is saved. Returns -1 only when a
 * saved file exists but is unreadable or garbled, or when name breaks the
 * VM name rule (then no path is built; *out is boot either way). modes_set
 * refuses such a name with err saying why. */
int modes_get(const char *name, enum vm_mode *out);
int modes_set(const char *name, enum vm_mode m, char **err);

#endif
