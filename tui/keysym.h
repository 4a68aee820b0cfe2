/* keysym: vmdeck's key codes (tui/keys.h) as X11 keysyms, the names RFB
 * key events carry, for typing into a guest's screen (tui/src_thumb.c).
 * Pure: a table, no I/O. */
#ifndef VMDECK_TUI_KEYSYM_H
#define VMDECK_TUI_KEYSYM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define KEYSYM_CHORD_MAX 4

/* X11 keysyms vmdeck sends as modifiers. */
#define XK_SHIFT_L 0xffe1u
#define XK_CONTROL_L 0xffe3u
#define XK_ALT_L 0xffe9u

/* The chord a key becomes: modifiers first, then the key (press in order,
 * release in reverse: vnc_send_chord). alt: the key came right after an
 * ESC (how terminals send Alt-x). A control character is Control_L and its
 * letter; a character a US keyboard types with Shift gets Shift_L (QEMU
 * turns a keysym into the scancode of its key and does not press Shift
 * itself, so "$" alone would arrive as "4"). Returns the number of keysyms
 * (0: nothing to send, e.g. K_RESIZE). */
size_t keysym_chord(int key, bool alt, uint32_t out[KEYSYM_CHORD_MAX]);

#endif
