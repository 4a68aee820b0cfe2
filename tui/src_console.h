/* src_console: the selected VM's serial console as a source of the TUI: a
 * client of its supervisor's relay (core/console.h) in the loop, feeding a
 * tui/vtscreen.h terminal the console view draws. It watches the selected VM
 * whenever it runs (the relay replays the newest output first), reconnects
 * when the VM stops and starts again, and holds the console (the guest gets
 * this vmdeck's keys) only while the pane has the keyboard and vmdeck is not
 * read-only; another holder is named, never pushed out. */
#ifndef VMDECK_TUI_SRC_CONSOLE_H
#define VMDECK_TUI_SRC_CONSOLE_H

#include "tui/ui.h"

struct loop;
struct src_console;

struct src_console *src_console_new(struct loop *l, struct ui *ui);
void src_console_free(struct src_console *s);
/* The selection, the focus or the selected VM's state may have changed:
 * connect, reconnect, hold or let go to match. Cheap when nothing did. */
void src_console_select(struct src_console *s);
/* The pane changed size (layout, zoom): the terminal follows (the guest is
 * not told: a serial line has no size). */
void src_console_resize(struct src_console *s);
/* ui->console_key: a key while the pane has the keyboard. */
int src_console_key(struct ui *ui, int key, void *arg);

#endif
