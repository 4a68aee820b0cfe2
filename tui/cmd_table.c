/* cmd_table: the verbs in the order --help lists them. */
#include "tui/cmd_list.h"

#include <stddef.h>

const struct cmd_entry *const cmd_table[] = {
	&cmd_list_entry, &cmd_check_entry, &cmd_args_entry, &cmd_import_entry, &cmd_export_entry, &cmd_new_entry,
	&cmd_start_entry, &cmd_stop_entry, &cmd_kill_entry, &cmd_pause_entry, &cmd_resume_entry,
	&cmd_reset_entry, &cmd_status_entry, &cmd_mode_entry, &cmd_monitor_entry, &cmd_console_entry, &cmd_disk_entry, &cmd_snapshot_entry, &cmd_clone_entry,
	&cmd_forward_entry, &cmd_ssh_entry,
	&cmd_net_entry, &cmd_watch_entry, &cmd_metrics_entry, &cmd_screenshot_entry,
	&cmd_autostart_entry,
	NULL,
};
