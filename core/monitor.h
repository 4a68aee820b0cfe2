/* monitor: the model behind the TUI's monitor pane — a bounded scrollback of
 * lines (commands echoed as "(qemu) CMD", then their output) and a bounded
 * command history. Pure data; vm_monitor_exec (core/vm.h) fills it. */
#ifndef VMDECK_MONITOR_H
#define VMDECK_MONITOR_H

#include <stdbool.h>
#include <stddef.h>

struct monitor;

/* The bounds (docs/tui.md, "Memory"): scrollback lines and commands kept by
 * default, and the bytes kept of one line (a longer one is cut there). */
#define MONITOR_LINES_MAX 2000
#define MONITOR_HISTORY_MAX 200
#define MONITOR_LINE_MAX 4096

/* Keep at most max_lines of scrollback and max_history commands (0 = defaults
 * MONITOR_LINES_MAX and MONITOR_HISTORY_MAX). */
struct monitor *monitor_new(size_t max_lines, size_t max_history);
void monitor_free(struct monitor *mon);

/* Append text, split at '\n' (a trailing newline adds no empty line; "\r" is
 * dropped; a line is cut at MONITOR_LINE_MAX bytes). Oldest lines fall off
 * the top. */
void monitor_append(struct monitor *mon, const char *text);
/* Record a command in the history (an empty line or a repeat of the newest
 * one is not recorded). */
void monitor_history_add(struct monitor *mon, const char *line);

/* Scrollback, index 0 = oldest kept line. Borrowed. */
size_t monitor_line_count(const struct monitor *mon);
const char *monitor_line(const struct monitor *mon, size_t i);
/* History, index 0 = oldest. Borrowed. For up/down recall, walk from
 * monitor_history_count()-1 downwards. */
size_t monitor_history_count(const struct monitor *mon);
const char *monitor_history_at(const struct monitor *mon, size_t i);
/* Whether an HMP reply (human-monitor-command's text) says the command
 * failed: HMP has no error channel there, only these forms (QEMU 7.2):
 * "unknown command: '...'", a parse error followed by 'Try "help CMD" for
 * more information', and a failed command's "Error: ..." as the first line.
 * Output that only mentions such words later on is not an error. */
bool monitor_reply_failed(const char *output);

#endif
