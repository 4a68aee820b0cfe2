/* Bridge MAC cause attribution (net/macause.c), table-driven: each case is
 * the events linkwatch would feed, in the order a netlink reader sees them,
 * with times, and what macause_next must say at given moments. No kernel. */
#include "net/linkwatch.h"
#include "net/macause.h"
#include "core/util.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

enum op {
	END = 0,
	PRESENT, /* port enslaved when watching began */
	JOIN,
	LEAVE,   /* left, or deleted while enslaved */
	PMAC,    /* port MAC old -> mac */
	BMAC,    /* bridge MAC old -> mac */
	BPIN,    /* bridge MAC old -> mac, sysfs says pinned */
	GONE,    /* bridge deleted */
	EXPECT,  /* macause_next at t gives this change */
	FORCED,  /* the same, with force */
	NOTHING, /* macause_next at t gives nothing */
};

struct step {
	enum op op;
	uint64_t t;          /* µs */
	const char *port;    /* port events, EXPECT: the port named ("" = none) */
	const char *old;     /* PMAC, BMAC, BPIN, EXPECT */
	const char *mac;     /* port's (new) MAC, bridge's new MAC; EXPECT: the new MAC */
	const char *cause;   /* EXPECT */
	int bridge;          /* 0 = bridge 1 */
};

#define MS 1000ull
/* MACs: "10" is 02:00:00:00:00:10, "0" is 00:00:00:00:00:00, else as written. */
#define P(port, mac) { PRESENT, 0, port, NULL, mac, NULL, 0 }
#define J(t, port, mac) { JOIN, t, port, NULL, mac, NULL, 0 }
#define L(t, port, mac) { LEAVE, t, port, NULL, mac, NULL, 0 }
#define PM(t, port, old, mac) { PMAC, t, port, old, mac, NULL, 0 }
#define B(t, old, mac) { BMAC, t, NULL, old, mac, NULL, 0 }
#define BP(t, old, mac) { BPIN, t, NULL, old, mac, NULL, 0 }
#define X(t, cause, port, old, mac) { EXPECT, t, port, old, mac, cause, 0 }
#define XF(t, cause, port, old, mac) { FORCED, t, port, old, mac, cause, 0 }
#define NONE(t) { NOTHING, t, NULL, NULL, NULL, NULL, 0 }

struct mcase {
	const char *name;
	struct step steps[16];
};

static const char *const seed_tap101 = "62:93:b7:8a:03:b7", *const seed_tap102 = "2e:fa:07:80:c6:23";

static const struct mcase cases[] = {
	{ "lower-MAC port joins (the seed: tap102 under tap101)", {
		P("tap101", seed_tap101),
		J(1000 * MS, "tap102", seed_tap102),
		B(1000 * MS + 40, seed_tap101, seed_tap102),
		X(1000 * MS + 50, "port-joined", "tap102", seed_tap101, seed_tap102),
	} },
	{ "a higher-MAC port joins: no change, nothing to attribute", {
		P("up0", "20"), J(10 * MS, "tapx", "30"), NONE(10 * MS), XF(10 * MS, "", "", "", ""),
	} },
	{ "the lowest port leaves (bridge message first, as the kernel sends it)", {
		P("up0", "20"), P("tapx", "10"),
		B(5 * MS, "10", "20"), NONE(5 * MS + 10),
		L(5 * MS + 30, "tapx", "10"), X(5 * MS + 40, "port-left", "tapx", "10", "20"),
	} },
	{ "a port deleted while enslaved counts as port-left (DELLINK read in the next dispatch)", {
		P("up0", "20"), P("tapx", "10"),
		B(5 * MS, "10", "20"), NONE(5 * MS + 10), NONE(6 * MS),
		L(6 * MS + 100, "tapx", "10"), X(6 * MS + 200, "port-left", "tapx", "10", "20"),
	} },
	{ "a port's MAC drops below the bridge's", {
		P("up0", "20"), P("tapx", "10"),
		PM(1 * MS, "up0", "20", "05"), B(1 * MS + 20, "10", "05"),
		X(1 * MS + 30, "port-mac-changed", "up0", "10", "05"),
	} },
	{ "the lowest port's MAC rises above another's", {
		P("up0", "05"), P("tapx", "10"),
		B(1 * MS, "05", "10"), PM(1 * MS + 20, "up0", "05", "30"),
		X(1 * MS + 30, "port-mac-changed", "up0", "05", "10"),
	} },
	{ "the last port leaves: 00:00:00:00:00:00", {
		P("tapx", "10"),
		B(2 * MS, "10", "0"), L(2 * MS + 10, "tapx", "10"),
		X(2 * MS + 20, "port-left", "tapx", "10", "0"),
	} },
	{ "out of order: the bridge's change read before the join that caused it", {
		P("up0", "20"),
		B(3 * MS, "20", "10"), NONE(3 * MS + 5), J(3 * MS + 10, "tapx", "10"),
		X(3 * MS + 20, "port-joined", "tapx", "20", "10"),
	} },
	{ "a fresh bridge (random MAC) gets its first port", {
		J(1 * MS, "up0", "20"), B(1 * MS + 10, "9a:bc:de:f0:12:34", "20"),
		X(1 * MS + 20, "port-joined", "up0", "9a:bc:de:f0:12:34", "20"),
	} },
	{ "pinned: a lower-MAC port joins, no flip; an explicit set is 'set'", {
		P("up0", "20"), J(1 * MS, "tapx", "10"), NONE(1 * MS + 10), XF(1 * MS + 10, "", "", "", ""),
		BP(2 * MS, "aa:00:00:00:00:01", "aa:00:00:00:00:02"),
		X(2 * MS + 10, "set", "", "aa:00:00:00:00:01", "aa:00:00:00:00:02"),
	} },
	{ "set to no port's MAC without sysfs (another namespace): 'set' once it waited", {
		P("up0", "20"),
		B(1 * MS, "20", "aa:00:00:00:00:01"), NONE(1 * MS + 10), NONE(100 * MS),
		X(1 * MS + MACAUSE_TIMEOUT_US, "set", "", "20", "aa:00:00:00:00:01"),
	} },
	{ "the cause's event comes late: after the timeout, up to the window", {
		P("up0", "20"),
		J(0, "tapx", "10"), B(100 * MS, "20", "10"), NONE(100 * MS + 10),
		X(100 * MS + MACAUSE_TIMEOUT_US, "port-joined", "tapx", "20", "10"),
	} },
	{ "no event explains it: unknown, by force", {
		P("up0", "20"), P("tapx", "10"),
		B(1 * MS, "10", "20"), NONE(1 * MS + 10), XF(1 * MS + 20, "unknown", "", "10", "20"),
	} },
	{ "two changes within the window, each to its own event", {
		P("up0", "05"),
		J(1 * MS, "tapy", "01"), B(1 * MS + 10, "05", "01"),
		B(1 * MS + 900, "01", "05"), L(1 * MS + 910, "tapy", "01"),
		J(2 * MS, "tapz", "01"), B(2 * MS + 10, "05", "01"),
		X(2 * MS + 20, "port-joined", "tapy", "05", "01"),
		X(2 * MS + 20, "port-left", "tapy", "01", "05"),
		X(2 * MS + 20, "port-joined", "tapz", "05", "01"),
		NONE(2 * MS + 20),
	} },
	{ "quick flips (history_net): deleting tapx, 10 -> 20, is not up0's join of 20 ms ago", {
		J(0, "up0", "20"), B(100, "9a:bc:de:f0:12:34", "20"),
		X(200, "port-joined", "up0", "9a:bc:de:f0:12:34", "20"),
		J(5 * MS, "tapx", "10"), B(5 * MS + 100, "20", "10"), X(5 * MS + 200, "port-joined", "tapx", "20", "10"),
		B(20 * MS, "10", "20"), NONE(20 * MS + 10),
		L(20 * MS + 200, "tapx", "10"), X(20 * MS + 300, "port-left", "tapx", "10", "20"),
	} },
	{ "a join that changed nothing explains no later change", {
		P("tapl", "10"),
		J(0, "up0", "20"), B(20 * MS, "10", "20"), NONE(20 * MS + 10),
		L(20 * MS + 100, "tapl", "10"), X(20 * MS + 200, "port-left", "tapl", "10", "20"),
	} },
	/* The first scan's ports are fed at t = 0, just before tapx leaves: up0
	 * (20) counted as joined now would take the blame at once. */
	{ "a watcher started mid-way: ports of the first scan did not join now", {
		P("up0", "20"), P("tapx", "10"),
		B(1 * MS, "10", "20"), NONE(1 * MS + 10), X(1 * MS + MACAUSE_TIMEOUT_US, "unknown", "", "10", "20"),
	} },
	{ "a port that is not the lowest leaves or changes its MAC: no change, nothing explained", {
		P("up0", "20"), P("tapx", "10"), P("tapy", "30"),
		L(1 * MS, "tapy", "30"), PM(2 * MS, "up0", "20", "40"),
		B(3 * MS, "10", "40"), XF(3 * MS + 10, "unknown", "", "10", "40"),
	} },
	{ "two bridges: a port event on one explains nothing on the other", {
		P("up0", "20"), { PRESENT, 0, "up1", NULL, "20", NULL, 2 },
		{ JOIN, 1 * MS, "tapb", NULL, "10", NULL, 2 },
		B(1 * MS + 10, "20", "10"), NONE(1 * MS + 20),
		{ BMAC, 1 * MS + 30, NULL, "20", "10", NULL, 2 },
		J(1 * MS + 40, "tapa", "10"),
		X(1 * MS + 50, "port-joined", "tapa", "20", "10"),
		{ EXPECT, 1 * MS + 50, "tapb", "20", "10", "port-joined", 2 },
	} },
	{ "a port moves to another bridge: left one, joined the other", {
		P("up0", "20"), P("tapx", "10"), { PRESENT, 0, "up1", NULL, "30", NULL, 2 },
		B(1 * MS, "10", "20"), L(1 * MS + 10, "tapx", "10"),
		{ JOIN, 1 * MS + 20, "tapx", NULL, "10", NULL, 2 }, { BMAC, 1 * MS + 30, NULL, "30", "10", NULL, 2 },
		X(1 * MS + 40, "port-left", "tapx", "10", "20"),
		{ EXPECT, 1 * MS + 40, "tapx", "30", "10", "port-joined", 2 },
	} },
	{ "a deleted bridge's waiting change is dropped", {
		P("tapx", "10"), B(1 * MS, "10", "0"), { GONE, 1 * MS + 5, NULL, NULL, NULL, NULL, 0 },
		XF(1 * MS + 10, "", "", "", ""),
	} },
};

/* ifindex by port name, in the order a case names them. */
static const char *names[32];
static size_t n_names;

static int ifindex_of(const char *name)
{
	for (size_t i = 0; i < n_names; i++)
		if (strcmp(names[i], name) == 0)
			return (int)i + 10;
	assert_true(n_names < 32);
	names[n_names++] = name;
	return (int)n_names - 1 + 10;
}

static void mac_of(const char *s, uint8_t out[6])
{
	char buf[18];
	if (!s || !*s) {
		memset(out, 0, 6);
		return;
	}
	if (strcmp(s, "0") == 0)
		s = "00:00:00:00:00:00";
	else if (strlen(s) <= 2)
		s = (snprintf(buf, sizeof(buf), "02:00:00:00:00:%s", s), buf);
	assert_int_equal(mac_parse(s, out), 0);
}

static bool mac_is(const uint8_t m[6], const char *want, const char *where)
{
	uint8_t w[6];
	char a[18], b[18];
	mac_of(want, w);
	mac_format(m, a);
	mac_format(w, b);
	if (strcmp(a, b) != 0)
		print_error("%s: MAC %s, want %s\n", where, a, b);
	return strcmp(a, b) == 0;
}

/* Every case runs; each failure is printed (case and step) and counted. */
#define CHECK(cond, ...)                           \
	do {                                       \
		if (!(cond)) {                     \
			print_error(__VA_ARGS__); \
			ok = false;                \
			goto out;                  \
		}                                  \
	} while (0)

static bool run_case(const struct mcase *c)
{
	bool ok = true;
	struct macause *m = macause_new();
	n_names = 0;
	for (size_t i = 0; i < ARRAY_LEN(c->steps) && c->steps[i].op != END; i++) {
		const struct step *s = &c->steps[i];
		char where[160];
		snprintf(where, sizeof(where), "case \"%s\", step %zu", c->name, i + 1);
		struct macause_event ev = { .mono_us = s->t, .wall_us = 1514059702000000ull + s->t,
					    .bridge = s->bridge ? s->bridge : 1 };
		int bridge = 0;
		struct bridge_mac_change ch;
		bool got;
		switch (s->op) {
		case PRESENT: case JOIN: case LEAVE: case PMAC:
			ev.type = s->op == PRESENT ? MACAUSE_PORT_PRESENT : s->op == JOIN ? MACAUSE_PORT_JOINED
				: s->op == LEAVE ? MACAUSE_PORT_LEFT : MACAUSE_PORT_MAC;
			ev.port = ifindex_of(s->port);
			ev.port_name = s->port;
			mac_of(s->old, ev.old_mac);
			mac_of(s->mac, ev.mac);
			macause_feed(m, &ev);
			break;
		case BMAC: case BPIN:
			ev.type = MACAUSE_BRIDGE_MAC;
			ev.pinned = s->op == BPIN;
			mac_of(s->old, ev.old_mac);
			mac_of(s->mac, ev.mac);
			macause_feed(m, &ev);
			break;
		case GONE:
			ev.type = MACAUSE_BRIDGE_GONE;
			macause_feed(m, &ev);
			break;
		case EXPECT: case FORCED: case NOTHING:
			got = macause_next(m, s->t, s->op == FORCED, &bridge, &ch);
			if (s->op == NOTHING || !*s->cause) {
				CHECK(!got, "%s: want nothing yet, got %s port \"%s\" (%s)\n", where,
				      bridge_mac_cause_name(ch.cause), ch.port, ch.text);
				break;
			}
			CHECK(got, "%s: want %s %s, got nothing\n", where, s->cause, s->port);
			CHECK(strcmp(bridge_mac_cause_name(ch.cause), s->cause) == 0 && strcmp(ch.port, s->port) == 0,
			      "%s: want %s port \"%s\", got %s port \"%s\" (%s)\n", where, s->cause, s->port,
			      bridge_mac_cause_name(ch.cause), ch.port, ch.text);
			CHECK(bridge == ev.bridge, "%s: bridge %d\n", where, bridge);
			CHECK(mac_is(ch.old_mac, s->old, where) && mac_is(ch.new_mac, s->mac, where), "%s: MACs\n", where);
			CHECK(!*s->port || ch.port_ifindex == ifindex_of(s->port), "%s: port ifindex %d\n", where,
			      ch.port_ifindex);
			break;
		case END:
			break;
		}
	}
out:
	macause_free(m);
	return ok;
}

static void test_cases(void **state)
{
	size_t failed = 0;
	for (size_t i = 0; i < ARRAY_LEN(cases); i++)
		failed += !run_case(&cases[i]);
	assert_int_equal(failed, 0);
}

static void test_text(void **state)
{
	struct macause *m = macause_new();
	struct macause_event ev = { .type = MACAUSE_PORT_JOINED, .mono_us = 100, .bridge = 3, .port = 7,
				    .port_name = "tapx" };
	mac_of("10", ev.mac);
	macause_feed(m, &ev);
	ev = (struct macause_event){ .type = MACAUSE_BRIDGE_MAC, .mono_us = 110, .wall_us = 5, .bridge = 3 };
	mac_of("20", ev.old_mac);
	mac_of("10", ev.mac);
	macause_feed(m, &ev);
	assert_int_equal(macause_pending(m), 1);
	int bridge;
	struct bridge_mac_change c;
	assert_true(macause_next(m, 120, false, &bridge, &c));
	assert_int_equal(bridge, 3);
	assert_true(c.wall_us == 5 && c.mono_us == 110);
	assert_string_equal(c.text, "02:00:00:00:00:20 -> 02:00:00:00:00:10: port tapx (02:00:00:00:00:10) joined");
	assert_true(mac_is(c.port_mac, "10", "port_mac"));
	assert_int_equal(macause_pending(m), 0);
	macause_free(m);
	macause_free(NULL);
}

/* Bounded: a burst of port events elsewhere, or more waiting changes than
 * MACAUSE_PENDING_MAX, neither grows it nor loses the newest. */
static void test_bounds(void **state)
{
	struct macause *m = macause_new();
	struct macause_event ev = { .type = MACAUSE_PORT_JOINED, .bridge = 1, .port = 7, .port_name = "tapx" };
	mac_of("10", ev.mac);
	macause_feed(m, &ev);
	/* 2,000 joins on another bridge in the same instant: every other one
	 * lowers its MAC (kept as a candidate), the rest change nothing. */
	for (int i = 0; i < 2000; i++) {
		ev = (struct macause_event){ .type = MACAUSE_PORT_JOINED, .mono_us = 1, .bridge = 2, .port = 100 + i,
					     .port_name = "noise" };
		int v = i % 2 ? 0xffff : 0xffff - i;
		ev.mac[0] = 2;
		ev.mac[4] = (uint8_t)(v >> 8);
		ev.mac[5] = (uint8_t)v;
		macause_feed(m, &ev);
	}
	for (int i = 0; i <= MACAUSE_PENDING_MAX; i++) {
		ev = (struct macause_event){ .type = MACAUSE_BRIDGE_MAC, .mono_us = 2 + (uint64_t)i, .bridge = 1 };
		mac_of(i == 0 ? "30" : "20", ev.old_mac);
		mac_of(i == MACAUSE_PENDING_MAX ? "10" : "20", ev.mac);
		macause_feed(m, &ev);
	}
	assert_int_equal(macause_pending(m), MACAUSE_PENDING_MAX);
	int bridge, n = 0;
	struct bridge_mac_change c;
	while (macause_next(m, 10, true, &bridge, &c)) {
		n++;
		assert_true(mac_is(c.old_mac, "20", "oldest dropped"));
	}
	assert_int_equal(n, MACAUSE_PENDING_MAX);
	assert_int_equal(c.cause, BRIDGE_MAC_CAUSE_PORT_JOINED); /* the newest: tapx, still known */
	assert_string_equal(c.port, "tapx");
	macause_free(m);
}

static void test_lowest(void **state)
{
	static const struct {
		const char *ports[3];
		size_t n;
		const char *want;
	} rows[] = {
		{ { "62:93:b7:8a:03:b7", "2e:fa:07:80:c6:23", "fe:ff:ff:ff:ff:ff" }, 3, "2e:fa:07:80:c6:23" },
		{ { "62:93:b7:8a:03:b7" }, 1, "62:93:b7:8a:03:b7" },
		{ { "03:00:00:00:00:00", "02:ff:ff:ff:ff:ff" }, 2, "02:ff:ff:ff:ff:ff" },
		{ { NULL }, 0, "0" },
	};
	for (size_t r = 0; r < ARRAY_LEN(rows); r++) {
		uint8_t macs[3][6], out[6];
		for (size_t i = 0; i < rows[r].n; i++)
			mac_of(rows[r].ports[i], macs[i]);
		memset(out, 0xaa, 6);
		macause_lowest_mac((const uint8_t(*)[6])macs, rows[r].n, out);
		assert_true(mac_is(out, rows[r].want, "lowest"));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cases),
		cmocka_unit_test(test_text),
		cmocka_unit_test(test_bounds),
		cmocka_unit_test(test_lowest),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
