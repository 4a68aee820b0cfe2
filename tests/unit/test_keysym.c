/* test_keysym: vmdeck's key codes as the X11 keysym chords sent to a
 * guest's screen (tui/keysym.c): characters, Shift where a US keyboard
 * needs it, the special keys, F1-F12, Ctrl-letter, Alt (ESC-prefixed). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tui/keys.h"
#include "tui/keysym.h"

/* chord(key, alt) as a 0-terminated list, for short assertions. */
static void expect(int key, bool alt, uint32_t a, uint32_t b, uint32_t c)
{
	uint32_t out[KEYSYM_CHORD_MAX] = { 0 };
	uint32_t want[3] = { a, b, c };
	size_t n = keysym_chord(key, alt, out), nw = a ? b ? c ? 3 : 2 : 1 : 0;
	if (n != nw)
		fail_msg("key %#x alt %d: %zu keysyms, want %zu", key, alt, n, nw);
	for (size_t i = 0; i < n; i++)
		if (out[i] != want[i])
			fail_msg("key %#x alt %d: keysym %zu is %#x, want %#x", key, alt, i, out[i], want[i]);
}

static void test_printable(void **state)
{
	(void)state;
	expect('a', false, 'a', 0, 0);
	expect('z', false, 'z', 0, 0);
	expect('0', false, '0', 0, 0);
	expect(' ', false, ' ', 0, 0);
	expect('-', false, '-', 0, 0);
	expect('\'', false, '\'', 0, 0);
	/* Shifted on a US keyboard: QEMU would type the unshifted key. */
	expect('A', false, XK_SHIFT_L, 'A', 0);
	expect('$', false, XK_SHIFT_L, '$', 0);
	expect('(', false, XK_SHIFT_L, '(', 0);
	expect('*', false, XK_SHIFT_L, '*', 0);
	expect('|', false, XK_SHIFT_L, '|', 0);
	expect('~', false, XK_SHIFT_L, '~', 0);
	expect('"', false, XK_SHIFT_L, '"', 0);
	expect(0xe9, false, 0xe9, 0, 0);          /* é: Latin-1 keysym */
	expect(0x20ac, false, 0x010020ac, 0, 0);  /* €: the Unicode plane */
}

static void test_special(void **state)
{
	(void)state;
	expect(K_ENTER, false, 0xff0d, 0, 0);
	expect(K_TAB, false, 0xff09, 0, 0);
	expect(K_BTAB, false, XK_SHIFT_L, 0xff09, 0);
	expect(K_BACKSPACE, false, 0xff08, 0, 0);
	expect(K_DELETE, false, 0xffff, 0, 0);
	expect(K_INSERT, false, 0xff63, 0, 0);
	expect(K_ESC, false, 0xff1b, 0, 0);
	expect(K_UP, false, 0xff52, 0, 0);
	expect(K_DOWN, false, 0xff54, 0, 0);
	expect(K_LEFT, false, 0xff51, 0, 0);
	expect(K_RIGHT, false, 0xff53, 0, 0);
	expect(K_HOME, false, 0xff50, 0, 0);
	expect(K_END, false, 0xff57, 0, 0);
	expect(K_PGUP, false, 0xff55, 0, 0);
	expect(K_PGDN, false, 0xff56, 0, 0);
	expect(K_F1, false, 0xffbe, 0, 0);
	/* F2..F12 follow on in both tables. */
	static const int fk[] = { K_F2, K_F3, K_F4, K_F5, K_F6, K_F7, K_F8, K_F9, K_F10, K_F11, K_F12 };
	for (int i = 0; i < 11; i++)
		expect(fk[i], false, 0xffbf + (uint32_t)i, 0, 0);
	/* Nothing to send. */
	expect(K_RESIZE, false, 0, 0, 0);
	expect(K_MOUSE, false, 0, 0, 0);
	expect(K_BASE, false, 0, 0, 0);
}

static void test_ctrl_alt(void **state)
{
	(void)state;
	expect(3, false, XK_CONTROL_L, 'c', 0);   /* Ctrl-C */
	expect(1, false, XK_CONTROL_L, 'a', 0);
	expect(26, false, XK_CONTROL_L, 'z', 0);
	expect(4, false, XK_CONTROL_L, 'd', 0);
	expect(0, false, XK_CONTROL_L, ' ', 0);   /* Ctrl-Space */
	expect(28, false, XK_CONTROL_L, '\\', 0);
	expect(31, false, XK_CONTROL_L, '_', 0);
	expect('x', true, XK_ALT_L, 'x', 0);      /* ESC x */
	expect('F', true, XK_ALT_L, XK_SHIFT_L, 'F');
	expect(K_F2, true, XK_ALT_L, 0xffbf, 0);  /* Alt-F2 */
	expect(3, true, XK_ALT_L, XK_CONTROL_L, 'c');
	expect(K_UP, true, XK_ALT_L, 0xff52, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_printable),
		cmocka_unit_test(test_special),
		cmocka_unit_test(test_ctrl_alt),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
