/* cmd_net.c: placeholder until this area lands. */
#include "tui/cmd.h"
#include "tui/cmd_list.h"

static int not_yet(int argc, char **argv) { (void)argc; cmd_error("%s: not implemented yet", argv[0]); return EXIT_FAIL; }
const struct cmd_entry cmd_net_entry = { "net", "", "(not implemented yet)", not_yet };
const struct cmd_entry cmd_watch_entry = { "watch", "", "(not implemented yet)", not_yet };
