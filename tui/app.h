/* app: the full-screen interface — one loop over the terminal, the VM
 * manager, the link watcher, inotify, timers and signals; keys become actions
 * through the key table; dirty views are drawn once per loop pass. */
#ifndef VMDECK_TUI_APP_H
#define VMDECK_TUI_APP_H

#include <stdbool.h>

struct app_options {
	bool read_only;
	bool no_mouse; /* --no-mouse: the terminal keeps its mouse (else VMDECK_MOUSE, default on) */
	unsigned interval_ms; /* traffic statistics interval; 0 = the default (1000) */
};

/* Runs until quit, SIGHUP, SIGTERM or SIGINT; VMs keep running. Returns an
 * exit code (tui/cmd.h). */
int app_run(const struct app_options *o);

#endif
