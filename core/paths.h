/* paths: where vmdeck keeps things.
 *   runtime  --runtime-dir, $VMDECK_RUNTIME_DIR, $XDG_RUNTIME_DIR/vmdeck,
 *            /run/vmdeck as root, else /tmp/vmdeck-UID
 *   state    $VMDECK_STATE_DIR, $XDG_STATE_HOME/vmdeck, ~/.local/state/vmdeck
 *   profiles --profiles DIR, $VMDECK_PROFILES, $XDG_CONFIG_HOME/vmdeck/profiles
 *            (~/.config/vmdeck/profiles), then /etc/vmdeck/profiles
 * Lab networks live in the "networks" subdirectory of the profile directory. */
#ifndef VMDECK_PATHS_H
#define VMDECK_PATHS_H

/* Overrides from the command line; NULL leaves the default. Copies. */
void paths_set_runtime_dir(const char *dir);
void paths_set_profiles_dir(const char *dir);

/* Borrowed strings, valid for the process lifetime. */
const char *paths_runtime_dir(void);
const char *paths_state_dir(void);
/* The profile directory to use: the first candidate that exists, else the
 * first candidate. */
const char *paths_profiles_dir(void);

/* Per-VM runtime directory: <runtime>/<name>. Caller frees. */
char *paths_vm_dir(const char *vm_name);
/* Per-network runtime directory: <runtime>/net/<name>. Caller frees. */
char *paths_net_dir(const char *net_name);

#endif
