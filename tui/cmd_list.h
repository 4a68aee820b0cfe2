/* cmd_list: every verb's entry. Add a verb here and in cmd_table (cmd_table.c). */
#ifndef VMDECK_CMD_LIST_H
#define VMDECK_CMD_LIST_H

#include "tui/cmd.h"

/* Profiles (cmd_profile.c) */
extern const struct cmd_entry cmd_check_entry, cmd_args_entry, cmd_list_entry;
/* Lifecycle (cmd_vm.c) */
extern const struct cmd_entry cmd_start_entry, cmd_stop_entry, cmd_kill_entry, cmd_pause_entry,
	cmd_resume_entry, cmd_reset_entry, cmd_status_entry, cmd_mode_entry, cmd_monitor_entry;
/* The serial console (cmd_console.c) */
extern const struct cmd_entry cmd_console_entry;
/* Network (cmd_net.c) */
extern const struct cmd_entry cmd_net_entry, cmd_watch_entry;
/* Prometheus exporter (cmd_metrics.c) */
extern const struct cmd_entry cmd_metrics_entry;
/* Thumbnail (cmd_screenshot.c) */
extern const struct cmd_entry cmd_screenshot_entry;
/* Import a launch script, or a new VM from an ISO (cmd_import.c) */
extern const struct cmd_entry cmd_import_entry, cmd_new_entry;
/* The full-screen interface (cmd_tui.c) */
extern const struct cmd_entry cmd_tui_entry;

extern const struct cmd_entry *const cmd_table[];

#endif
