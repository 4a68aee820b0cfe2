/* keys: terminal-independent key codes and the one key table. The table
 * drives dispatch, the status bar and the help screen, so they never disagree. */
#ifndef VMDECK_TUI_KEYS_H
#define VMDECK_TUI_KEYS_H

#include <stdbool.h>
#include <stddef.h>

/* Printable keys are their Unicode code point; the rest live above Unicode. */
enum key_code {
	K_NONE = 0,
	K_CTRL_L = 12,
	K_BASE = 0x110000,
	K_UP, K_DOWN, K_LEFT, K_RIGHT, K_PGUP, K_PGDN, K_HOME, K_END,
	K_F1, K_ENTER, K_BACKSPACE, K_DELETE, K_ESC, K_TAB, K_BTAB, K_RESIZE,
	K_MOUSE, /* a click or wheel notch: term_last_mouse() says which */
	/* Only the console pane and typing into the guest's screen use these
	 * (they reach the guest). */
	K_F2, K_F3, K_F4, K_F5, K_F6, K_F7, K_F8, K_F9, K_F10, K_F11, K_F12, K_INSERT,
	K_CTRL_RBRACKET = 0x1d, /* Ctrl-]: leaves the guest's screen (virsh console's escape) */
};

enum action {
	ACT_NONE,
	ACT_UP, ACT_DOWN, ACT_PGUP, ACT_PGDN, ACT_TOP, ACT_BOTTOM, ACT_FOCUS_NEXT, ACT_FOCUS_PREV,
	ACT_START, ACT_STOP, ACT_FORCE, ACT_PAUSE, ACT_RESET, ACT_MODE,
	ACT_PIN, ACT_MONITOR, ACT_ZOOM, ACT_HISTORY, ACT_RELOAD, ACT_HELP, ACT_REDRAW, ACT_QUIT, ACT_IMPORT,
	ACT_NEW, ACT_HEAL, ACT_FORWARD, ACT_TYPE, ACT_CONSOLE,
	ACT_STORAGE, ACT_SNAP_CREATE, ACT_SNAP_REVERT, ACT_SNAP_DELETE, ACT_DISK_RESIZE, ACT_CLONE,
	ACT__N
};

/* When a binding applies: every bit set must hold now (0 = always). */
enum {
	W_VM = 1 << 0,       /* a VM is selected and the VM list has focus */
	W_VM_OFF = 1 << 1,   /* ... and it is stopped or exited */
	W_VM_ON = 1 << 2,    /* ... and QEMU is there (starting, running, paused, stopping) */
	W_VM_LIVE = 1 << 3,  /* ... running or paused */
	W_BRIDGE = 1 << 4,   /* a bridge is selected in the network pane */
	W_UNPINNED = 1 << 5, /* ... and its MAC is not pinned */
	W_WRITE = 1 << 6,    /* not --read-only */
	W_THUMB = 1 << 7,    /* the selected VM has a screen to show */
	W_STORAGE = 1 << 8,  /* the storage view (D) is open and no storage job runs */
	W_SNAP = 1 << 9,     /* ... on a snapshot row */
	W_DISK = 1 << 10,    /* ... on a disk row */
	W_ZOOM = 1 << 11,    /* the screen is zoomed (z) */
	W_LOCAL = 1 << 12,   /* the selected VM is this host's (not a libvirt domain) */
};

struct key_binding {
	int key, alt;        /* alt: a second key for the same action (vi keys), or 0 */
	const char *keyname; /* as shown: "s", "X", "?/F1" */
	const char *label;   /* one word for the status bar */
	const char *help;    /* one line for the help screen */
	enum action action;
	unsigned when;
	/* Something could be lost: the y/n question the dispatcher asks first
	 * ("%s": the selected VM's name). NULL: the key acts at once. */
	const char *confirm;
	bool status;         /* list it in the status bar when it applies */
};

extern const struct key_binding keys_table[];
extern const size_t keys_count;

/* The binding for key, or NULL. */
const struct key_binding *keys_lookup(int key);
/* The binding for an action (the first), or NULL. */
const struct key_binding *keys_for_action(enum action a);

#endif
