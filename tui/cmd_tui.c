/* cmd_tui: `vmdeck` with no verb opens the full-screen interface. */
#include "tui/app.h"
#include "tui/cmd.h"
#include "tui/cmd_list.h"

#include <stdio.h>
#include <string.h>

static int tui_exec(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			printf("usage: vmdeck [--profiles DIR] [--runtime-dir DIR] [--read-only] [--no-mouse]\n"
			       "Opens the full-screen interface; press ? inside for the keys. See docs/tui.md.\n");
			return EXIT_OK;
		}
		cmd_error("tui: unexpected argument '%s'", argv[i]);
		return EXIT_USAGE;
	}
	struct app_options o = { .read_only = cmd_read_only, .no_mouse = cmd_no_mouse, .interval_ms = cmd_interval_ms };
	return app_run(&o);
}

const struct cmd_entry cmd_tui_entry = { "tui", "", "the full-screen interface (the default)", tui_exec };
