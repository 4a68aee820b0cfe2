/* keysym: key codes to X11 keysyms for RFB key events. */
#include "tui/keysym.h"
#include "tui/keys.h"
#include "core/util.h"

#include <string.h>

static const struct {
	int key;
	uint32_t sym;
	bool shift;
} special[] = {
	{ K_ENTER, 0xff0d, false }, { K_TAB, 0xff09, false }, { K_BTAB, 0xff09, true },
	{ K_BACKSPACE, 0xff08, false }, { K_DELETE, 0xffff, false }, { K_INSERT, 0xff63, false },
	{ K_ESC, 0xff1b, false }, { K_HOME, 0xff50, false }, { K_LEFT, 0xff51, false }, { K_UP, 0xff52, false },
	{ K_RIGHT, 0xff53, false }, { K_DOWN, 0xff54, false }, { K_PGUP, 0xff55, false }, { K_PGDN, 0xff56, false },
	{ K_END, 0xff57, false }, { K_F1, 0xffbe, false }, { K_F2, 0xffbf, false }, { K_F3, 0xffc0, false },
	{ K_F4, 0xffc1, false }, { K_F5, 0xffc2, false }, { K_F6, 0xffc3, false }, { K_F7, 0xffc4, false },
	{ K_F8, 0xffc5, false }, { K_F9, 0xffc6, false }, { K_F10, 0xffc7, false }, { K_F11, 0xffc8, false },
	{ K_F12, 0xffc9, false },
};

/* Typed with Shift on a US keyboard (QEMU's default keymap, en-us). */
static bool shifted(int c)
{
	return (c >= 'A' && c <= 'Z') || (c && strchr("~!@#$%^&*()_+{}|:\"<>?", c));
}

size_t keysym_chord(int key, bool alt, uint32_t out[KEYSYM_CHORD_MAX])
{
	size_t n = 0;
	if (alt)
		out[n++] = XK_ALT_L;
	for (size_t i = 0; i < ARRAY_LEN(special); i++)
		if (special[i].key == key) {
			if (special[i].shift)
				out[n++] = XK_SHIFT_L;
			out[n++] = special[i].sym;
			return n;
		}
	if (key >= 0 && key < 0x20) {
		/* Ctrl-a..Ctrl-z are 1..26; 0 is Ctrl-Space; 27..31 Ctrl-[ \ ] ^ _. */
		out[n++] = XK_CONTROL_L;
		out[n++] = key == 0 ? ' ' : key <= 26 ? (uint32_t)('a' + key - 1) : (uint32_t)("[\\]^_"[key - 27]);
		return n;
	}
	if (key >= 0x20 && key < 0x7f) {
		if (shifted(key))
			out[n++] = XK_SHIFT_L;
		out[n++] = (uint32_t)key;
		return n;
	}
	if (key >= 0xa0 && key <= 0xff) { /* Latin-1: the keysym is the code point */
		out[n++] = (uint32_t)key;
		return n;
	}
	if (key > 0xff && key < K_BASE) { /* other Unicode: X11's 0x01000000 plane */
		out[n++] = 0x01000000u | (uint32_t)key;
		return n;
	}
	return 0;
}
