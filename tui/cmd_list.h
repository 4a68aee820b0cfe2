/* cmd_list: every verb's entry. Add a verb here and in cmd_table (cmd_table.c). */
#ifndef VMDECK_CMD_LIST_H
#define VMDECK_CMD_LIST_H

#include "tui/cmd.h"

#include <stdbool.h>
#include <stddef.h>

/* Profiles (cmd_profile.c) */
extern const struct cmd_entry cmd_check_entry, cmd_args_entry, cmd_list_entry;
/* Lifecycle (cmd_vm.c) */
extern const struct cmd_entry cmd_start_entry, cmd_stop_entry, cmd_kill_entry, cmd_pause_entry,
	cmd_resume_entry, cmd_reset_entry, cmd_status_entry, cmd_mode_entry, cmd_monitor_entry;
/* Port forwards and ssh (cmd_forward.c) */
extern const struct cmd_entry cmd_forward_entry, cmd_ssh_entry;
/* The serial console (cmd_console.c) */
extern const struct cmd_entry cmd_console_entry;
/* Network (cmd_net.c) */
extern const struct cmd_entry cmd_net_entry, cmd_watch_entry;
/* net's sub-verb i (its name; its usage in *usage), NULL past the last. */
const char *cmd_net_sub(size_t i, const char **usage);
/* net grant|revoke|grants, parsed by cmd_net.c (cmd_grant.c); exit codes. */
int cmd_net_grant(const char *bridge, const char *user, unsigned taps);
int cmd_net_revoke(const char *bridge, const char *user);
int cmd_net_grants(const char *bridge, bool json);
/* Prometheus exporter (cmd_metrics.c) */
extern const struct cmd_entry cmd_metrics_entry;
/* Thumbnail (cmd_screenshot.c) */
extern const struct cmd_entry cmd_screenshot_entry;
/* Import a launch script, or a new VM from an ISO (cmd_import.c) */
extern const struct cmd_entry cmd_import_entry, cmd_new_entry;
/* Storage: disks (cmd_disk.c), snapshots (cmd_snapshot.c), clones (cmd_clone.c) */
extern const struct cmd_entry cmd_disk_entry, cmd_snapshot_entry, cmd_clone_entry;
/* A VM as a libvirt domain (cmd_export.c) */
extern const struct cmd_entry cmd_export_entry;
/* Start and stop the autostart VMs at boot and shutdown (cmd_autostart.c) */
extern const struct cmd_entry cmd_autostart_entry;
/* The full-screen interface (cmd_tui.c) */
extern const struct cmd_entry cmd_tui_entry;

extern const struct cmd_entry *const cmd_table[];

/* `vmdeck __complete CWORD WORD...`: the shell completion's candidates for
 * word CWORD, one a line (cmd_complete.c). Hidden: not in cmd_table. */
int cmd_complete(int argc, char **argv);

#endif
