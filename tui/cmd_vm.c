/* cmd_vm.c: placeholder until this area lands. */
#include "tui/cmd.h"
#include "tui/cmd_list.h"

static int not_yet(int argc, char **argv) { (void)argc; cmd_error("%s: not implemented yet", argv[0]); return EXIT_FAIL; }
const struct cmd_entry cmd_start_entry = { "start", "", "(not implemented yet)", not_yet };
const struct cmd_entry cmd_stop_entry = { "stop", "", "(not implemented yet)", not_yet };
const struct cmd_entry cmd_kill_entry = { "kill", "", "(not implemented yet)", not_yet };
const struct cmd_entry cmd_pause_entry = { "pause", "", "(not implemented yet)", not_yet };
const struct cmd_entry cmd_resume_entry = { "resume", "", "(not implemented yet)", not_yet };
const struct cmd_entry cmd_reset_entry = { "reset", "", "(not implemented yet)", not_yet };
const struct cmd_entry cmd_status_entry = { "status", "", "(not implemented yet)", not_yet };
const struct cmd_entry cmd_mode_entry = { "mode", "", "(not implemented yet)", not_yet };
const struct cmd_entry cmd_monitor_entry = { "monitor", "", "(not implemented yet)", not_yet };
