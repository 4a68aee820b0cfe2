/* conkeys: the console pane's escape and scrollback keys (see conkeys.h). */
#include "tui/conkeys.h"
#include "tui/keys.h"

bool conkeys_expire(struct conkeys *k, uint64_t now_us)
{
	if (!k->esc_pending || now_us - k->esc_at_us < CONKEYS_ESC_US)
		return false;
	k->esc_pending = false;
	return true;
}

struct conkeys_verdict conkeys_feed(struct conkeys *k, int key, uint64_t now_us, int page, bool alt)
{
	struct conkeys_verdict v = { 0 };
	/* A held Esc whose time ran out is sent before anything else. */
	if (k->esc_pending && now_us - k->esc_at_us >= CONKEYS_ESC_US) {
		k->esc_pending = false;
		v.send_esc = true;
	}
	if (key == K_ESC) {
		if (k->esc_pending) {
			k->esc_pending = false;
			v.leave = true;
			return v;
		}
		k->esc_pending = true;
		k->esc_at_us = now_us;
		v.hold_esc = true;
		return v;
	}
	if (k->esc_pending) {
		k->esc_pending = false;
		v.send_esc = true;
	}
	if ((key == K_PGUP || key == K_PGDN) && !alt && !v.send_esc) {
		int n = page > 1 ? page - 1 : 1;
		v.scroll = key == K_PGUP ? n : -n;
		return v;
	}
	v.send_key = true;
	return v;
}
