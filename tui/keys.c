/* keys: the key table. One key per action; confirm only where work could be lost. */
#include "tui/keys.h"

#include <stdio.h>

const struct key_binding keys_table[] = {
	{ K_UP, 'k', "Up/k", "up", "move the selection up", ACT_UP, 0, false, false },
	{ K_DOWN, 'j', "Down/j", "down", "move the selection down", ACT_DOWN, 0, false, false },
	{ K_PGUP, 0, "PgUp", "page up", "a page up (scrolls back in the monitor)", ACT_PGUP, 0, false, false },
	{ K_PGDN, 0, "PgDn", "page down", "a page down", ACT_PGDN, 0, false, false },
	{ K_HOME, 'g', "Home/g", "top", "first row", ACT_TOP, 0, false, false },
	{ K_END, 'G', "End/G", "bottom", "last row", ACT_BOTTOM, 0, false, false },
	{ K_TAB, 'l', "Tab/l", "pane", "focus the next pane (VMs, network)", ACT_FOCUS_NEXT, 0, false, true },
	{ K_BTAB, 'h', "S-Tab/h", "back", "focus the previous pane", ACT_FOCUS_PREV, 0, false, false },
	{ K_RIGHT, 0, "Right", "pane", "focus the next pane", ACT_FOCUS_NEXT, 0, false, false },
	{ K_LEFT, 0, "Left", "back", "focus the previous pane", ACT_FOCUS_PREV, 0, false, false },
	{ 's', 0, "s", "start", "start the selected VM (in its mode)", ACT_START, W_VM | W_VM_OFF | W_WRITE, false, true },
	{ 'x', 0, "x", "stop", "graceful stop: ACPI power button, then escalate", ACT_STOP, W_VM | W_VM_ON | W_WRITE, false, true },
	{ 'X', 0, "X", "force", "force stop now (confirm: the guest gets no chance to sync)", ACT_FORCE, W_VM | W_VM_ON | W_WRITE, true, true },
	{ 'p', 0, "p", "pause", "pause / resume the selected VM", ACT_PAUSE, W_VM | W_VM_LIVE | W_WRITE, false, true },
	{ 'R', 0, "R", "reset", "hard reset (confirm)", ACT_RESET, W_VM | W_VM_LIVE | W_WRITE, true, true },
	{ 'i', 0, "i", "install/boot", "toggle install/boot mode (live on a running VM: inserts/ejects the installer)", ACT_MODE, W_VM | W_WRITE, false, true },
	{ 'P', 0, "P", "pin MAC", "pin the selected bridge's MAC (set it explicitly: it stops flipping)", ACT_PIN, W_BRIDGE | W_UNPINNED | W_WRITE, false, true },
	{ 'm', ':', "m/:", "monitor", "type into the selected VM's QEMU monitor (Esc leaves)", ACT_MONITOR, W_VM | W_VM_LIVE, false, true },
	{ 'z', 0, "z", "zoom", "zoom the screen thumbnail to the whole window (z again: back)", ACT_ZOOM, W_VM, false, true },
	{ 'H', 0, "H", "history", "bridge MAC change history (H again: back)", ACT_HISTORY, 0, false, true },
	{ 'I', 0, "I", "import", "import a QEMU launch script as a new VM (asks for its path; Tab completes)", ACT_IMPORT, W_WRITE, false, false },
	{ 'r', 0, "r", "reload", "reload profiles now (also automatic when the files change)", ACT_RELOAD, 0, false, false },
	{ '?', K_F1, "?/F1", "help", "this help", ACT_HELP, 0, false, true },
	{ K_CTRL_L, 0, "^L", "redraw", "redraw the whole screen", ACT_REDRAW, 0, false, false },
	{ 'q', 0, "q", "quit", "quit vmdeck; VMs keep running and a new vmdeck re-attaches", ACT_QUIT, 0, false, true },
};
const size_t keys_count = sizeof(keys_table) / sizeof(keys_table[0]);

const struct key_binding *keys_lookup(int key)
{
	for (size_t i = 0; i < keys_count; i++)
		if (keys_table[i].key == key || (keys_table[i].alt && keys_table[i].alt == key))
			return &keys_table[i];
	return NULL;
}

const struct key_binding *keys_for_action(enum action a)
{
	for (size_t i = 0; i < keys_count; i++)
		if (keys_table[i].action == a)
			return &keys_table[i];
	return NULL;
}

static const struct {
	int key;
	const char *name;
} names[] = {
	{ K_UP, "Up" }, { K_DOWN, "Down" }, { K_LEFT, "Left" }, { K_RIGHT, "Right" }, { K_PGUP, "PgUp" },
	{ K_PGDN, "PgDn" }, { K_HOME, "Home" }, { K_END, "End" }, { K_F1, "F1" }, { K_ENTER, "Enter" },
	{ K_BACKSPACE, "BS" }, { K_DELETE, "Del" }, { K_ESC, "Esc" }, { K_TAB, "Tab" }, { K_BTAB, "S-Tab" },
	{ K_RESIZE, "resize" }, { K_MOUSE, "mouse" },
};

const char *keys_name(int key, char buf[16])
{
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].key == key) {
			snprintf(buf, 16, "%s", names[i].name);
			return buf;
		}
	if (key > 0 && key < 32)
		snprintf(buf, 16, "^%c", '@' + key);
	else if (key >= 32 && key < 127)
		snprintf(buf, 16, "%c", key);
	else
		snprintf(buf, 16, "U+%04X", (unsigned)key);
	return buf;
}
