/* cmd_tui.c: placeholder until this area lands. */
#include "tui/cmd.h"
#include "tui/cmd_list.h"

static int not_yet(int argc, char **argv) { (void)argc; cmd_error("%s: not implemented yet", argv[0]); return EXIT_FAIL; }
const struct cmd_entry cmd_tui_entry = { "tui", "", "(not implemented yet)", not_yet };
