/* keys: the key table. One key per action; a confirmation question only
 * where work could be lost, in the row of the key that asks it. */
#include "tui/keys.h"

const struct key_binding keys_table[] = {
	{ K_UP, 'k', "Up/k", "up", "move the selection up", ACT_UP, 0, NULL, false },
	{ K_DOWN, 'j', "Down/j", "down", "move the selection down", ACT_DOWN, 0, NULL, false },
	{ K_PGUP, 0, "PgUp", "page up", "a page up (scrolls back in the monitor)", ACT_PGUP, 0, NULL, false },
	{ K_PGDN, 0, "PgDn", "page down", "a page down", ACT_PGDN, 0, NULL, false },
	{ K_HOME, 'g', "Home/g", "top", "first row", ACT_TOP, 0, NULL, false },
	{ K_END, 'G', "End/G", "bottom", "last row", ACT_BOTTOM, 0, NULL, false },
	{ K_TAB, 'l', "Tab/l", "pane", "focus the next pane (VMs, network)", ACT_FOCUS_NEXT, 0, NULL, true },
	{ K_BTAB, 'h', "S-Tab/h", "back", "focus the previous pane", ACT_FOCUS_PREV, 0, NULL, false },
	{ K_RIGHT, 0, "Right", "pane", "focus the next pane", ACT_FOCUS_NEXT, 0, NULL, false },
	{ K_LEFT, 0, "Left", "back", "focus the previous pane", ACT_FOCUS_PREV, 0, NULL, false },
	{ 's', 0, "s", "start", "start the selected VM (in its mode)", ACT_START, W_VM | W_VM_OFF | W_WRITE, NULL, true },
	{ 'x', 0, "x", "stop", "graceful stop: ACPI power button, then escalate", ACT_STOP, W_VM | W_VM_ON | W_WRITE, NULL, true },
	{ 'X', 0, "X", "force", "force stop now (confirm: the guest gets no chance to sync)", ACT_FORCE, W_VM | W_VM_ON | W_WRITE, "Force stop %s now? The guest cannot sync its disks.", true },
	{ 'p', 0, "p", "pause", "pause / resume the selected VM", ACT_PAUSE, W_VM | W_VM_LIVE | W_WRITE, NULL, true },
	{ 'R', 0, "R", "reset", "hard reset (confirm)", ACT_RESET, W_VM | W_VM_LIVE | W_WRITE, "Reset %s now? Unsaved work in the guest is lost.", true },
	{ 'i', 0, "i", "install/boot", "toggle install/boot mode (live on a running VM: inserts/ejects the installer)", ACT_MODE, W_VM | W_LOCAL | W_WRITE, NULL, true },
	{ 'P', 0, "P", "pin MAC", "pin the selected bridge's MAC (set it explicitly: it stops flipping)", ACT_PIN, W_BRIDGE | W_UNPINNED | W_WRITE, NULL, true },
	{ 'A', 0, "A", "heal", "heal on/off: after each MAC change announce the new MAC to the guests", ACT_HEAL, W_BRIDGE | W_WRITE, NULL, true },
	{ 'm', ':', "m/:", "monitor", "type into the selected VM's QEMU monitor (Esc leaves)", ACT_MONITOR, W_VM | W_VM_LIVE, NULL, true },
	{ 'f', 0, "f", "forward", "add/remove a port forward live (asks: add|remove RULE, e.g. add tcp:8080:80)", ACT_FORWARD, W_VM | W_LOCAL | W_VM_LIVE | W_WRITE, NULL, false },
	{ 'c', 0, "c", "console", "type into the selected VM's serial console (Esc Esc leaves)", ACT_CONSOLE, W_VM | W_LOCAL, NULL, true },
	{ 'z', 0, "z", "zoom", "zoom the screen thumbnail to the whole window (z again: back)", ACT_ZOOM, W_VM, NULL, true },
	{ K_ENTER, 0, "Enter", "type", "zoomed: type into the guest's screen - keys and clicks go to the VM (Ctrl-] leaves)", ACT_TYPE, W_VM | W_THUMB | W_ZOOM | W_WRITE, NULL, true },
	{ 'H', 0, "H", "history", "bridge MAC change history (H again: back)", ACT_HISTORY, 0, NULL, true },
	{ 'I', 0, "I", "import", "import a QEMU launch script as a new VM (asks for its path; Tab completes)", ACT_IMPORT, W_WRITE, NULL, false },
	{ 'N', 0, "N", "new", "new VM: asks its name, installer ISO (Tab completes), disk size and OS", ACT_NEW, W_WRITE, NULL, false },
	{ 'D', 0, "D", "storage", "storage of the selected VM: disks, snapshots (D again: back)", ACT_STORAGE, W_VM | W_LOCAL, NULL, true },
	{ 'S', 0, "S", "snapshot", "storage view: snapshot the VM (asks a tag; default the time)", ACT_SNAP_CREATE, W_STORAGE | W_WRITE, NULL, true },
	{ 'v', 0, "v", "revert", "storage view: revert to the selected snapshot (confirm)", ACT_SNAP_REVERT, W_STORAGE | W_SNAP | W_WRITE, "Revert %s to this snapshot? Later changes are lost.", true },
	{ 'd', 0, "d", "delete", "storage view: delete the selected snapshot (confirm)", ACT_SNAP_DELETE, W_STORAGE | W_SNAP | W_WRITE, "Delete this snapshot of %s? It cannot be undone.", true },
	{ '+', 0, "+", "grow", "storage view: grow the selected disk (asks the size: 64G, or +10G)", ACT_DISK_RESIZE, W_STORAGE | W_DISK | W_WRITE, NULL, true },
	{ 'C', 0, "C", "clone", "clone the selected stopped VM (asks the new name)", ACT_CLONE, W_VM | W_LOCAL | W_VM_OFF | W_WRITE, NULL, false },
	{ 'r', 0, "r", "reload", "reload profiles now (also automatic when the files change)", ACT_RELOAD, 0, NULL, false },
	{ '?', K_F1, "?/F1", "help", "this help", ACT_HELP, 0, NULL, true },
	{ K_CTRL_L, 0, "^L", "redraw", "redraw the whole screen", ACT_REDRAW, 0, NULL, false },
	{ 'q', 0, "q", "quit", "quit vmdeck; VMs keep running and a new vmdeck re-attaches", ACT_QUIT, 0, NULL, true },
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
