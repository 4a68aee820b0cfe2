/* paths: where vmdeck keeps things.
 *   runtime  --runtime-dir, $VMDECK_RUNTIME_DIR, $XDG_RUNTIME_DIR/vmdeck,
 *            /run/vmdeck as root, else /tmp/vmdeck-UID
 *   state    $VMDECK_STATE_DIR, $XDG_STATE_HOME/vmdeck, ~/.local/state/vmdeck
 *   profiles --profiles DIR, $VMDECK_PROFILES, $XDG_CONFIG_HOME/vmdeck/profiles
 *            (~/.config/vmdeck/profiles), then /etc/vmdeck/profiles
 * Lab networks live in the "networks" subdirectory of the profile directory. */
#ifndef VMDECK_PATHS_H
#define VMDECK_PATHS_H

#include <stdbool.h>

/* Overrides from the command line; NULL leaves the default. Copies. */
void paths_set_runtime_dir(const char *dir);
void paths_set_profiles_dir(const char *dir);

/* Borrowed strings, valid for the process lifetime. */
const char *paths_runtime_dir(void);
const char *paths_state_dir(void);
/* The profile directory to use: the first candidate that exists, else the
 * first candidate. */
const char *paths_profiles_dir(void);

/* Make sure `dir` is a private directory vmdeck may use: created 0700 if
 * absent (parents too, 0755), else it must be a real directory (never a
 * symlink: it is not followed), owned by the effective user and not
 * writable by group or others — otherwise -1 with err naming the directory
 * and the problem. A mode that only lets others read is tightened to 0700.
 * Used for the runtime root and each VM's and network's directory. */
int paths_private_dir(const char *dir, char **err);
/* The same check without creating or changing anything (rescans). */
bool paths_private_dir_ok(const char *dir);

/* Per-VM runtime directory: <runtime>/<name>. Caller frees. NULL (errno
 * EINVAL) when vm_name breaks the VM name rule (profile_name_problem):
 * no path is ever built from "../x", "-x" or "net". */
char *paths_vm_dir(const char *vm_name);
/* The VM's saved mode: <state>/modes/<name>; NULL like paths_vm_dir. */
char *paths_mode_file(const char *vm_name);
/* Per-network runtime directory: <runtime>/net/<name>. Caller frees. */
char *paths_net_dir(const char *net_name);

#endif
