/* conkeys: what a key does while the console pane has the keyboard. Pure,
 * table-tested (tests/unit/test_console.c). Two Escs within CONKEYS_ESC_US
 * leave the pane; a single Esc is held that long and then sent, or sent
 * before the next key (Alt+x arrives as Esc, x and stays Alt+x). PgUp/PgDn
 * scroll back, unless a full-screen program has the alternate screen: then
 * they are its keys. Everything else goes to the guest. */
#ifndef VMDECK_TUI_CONKEYS_H
#define VMDECK_TUI_CONKEYS_H

#include <stdbool.h>
#include <stdint.h>

#define CONKEYS_ESC_US 300000ull

struct conkeys {
	bool esc_pending;
	uint64_t esc_at_us;
};

struct conkeys_verdict {
	bool leave;      /* Esc Esc: leave the pane (nothing is sent) */
	bool send_esc;   /* send the held Esc first */
	bool send_key;   /* then send this key */
	int scroll;      /* lines to scroll back (+) or forward (-); 0: none */
	bool hold_esc;   /* this Esc is held: call conkeys_expire after CONKEYS_ESC_US */
};

/* page: the pane's rows (a page of scrollback); alt: a full-screen program
 * has the alternate screen. */
struct conkeys_verdict conkeys_feed(struct conkeys *k, int key, uint64_t now_us, int page, bool alt);
/* True when a held Esc's time is up: it is to be sent now (and is no longer held). */
bool conkeys_expire(struct conkeys *k, uint64_t now_us);

#endif
