/* cmd_profile.c: placeholder until this area lands. */
#include "tui/cmd.h"
#include "tui/cmd_list.h"

static int not_yet(int argc, char **argv) { (void)argc; cmd_error("%s: not implemented yet", argv[0]); return EXIT_FAIL; }
const struct cmd_entry cmd_check_entry = { "check", "", "(not implemented yet)", not_yet };
const struct cmd_entry cmd_args_entry = { "args", "", "(not implemented yet)", not_yet };
const struct cmd_entry cmd_list_entry = { "list", "", "(not implemented yet)", not_yet };
