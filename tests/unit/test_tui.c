/* test_tui: the views, drawn into an in-memory grid from a hand-made model
 * (no terminal, no QEMU, no netlink): what the screen says, and that only
 * what changed is drawn differently. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/monitor.h"
#include "core/profile.h"
#include "core/util.h"
#include "tui/grid.h"
#include "tui/theme.h"
#include "tui/ui.h"

struct fixture {
	struct ui ui;
	struct grid *g;
	struct profile prof[2];
	struct profile_nic nic[2];
	struct monitor *mon;
	char sent[256];
	enum action acts[8]; /* what reached the app, in order */
	int n_acts;
};

static void fake_act(struct ui *ui, enum action a, void *arg)
{
	struct fixture *f = arg;
	(void)ui;
	assert_true(f->n_acts < 8);
	f->acts[f->n_acts++] = a;
}

static void fake_send(struct ui *ui, struct mvm *vm, const char *cmd, void *arg)
{
	struct fixture *f = arg;
	snprintf(f->sent, sizeof(f->sent), "%s", cmd);
	monitor_history_add(vm->mon, cmd);
	char *echo = xasprintf("(qemu) %s\nVM status: running\n", cmd);
	monitor_append(vm->mon, echo);
	free(echo);
	ui->dirty |= D_MONITOR;
}

static int setup(void **state)
{
	struct fixture *f = xcalloc(1, sizeof(*f));
	theme_init(false, THEME_MONO);
	ui_init(&f->ui);
	struct model *m = &f->ui.m;
	const char *names[2] = { "testguest1", "web2" };
	static const uint8_t mac1[6] = { 0x52, 0x54, 0x00, 0x11, 0x22, 0x33 };
	m->n_vms = 2;
	m->vms = xcalloc(2, sizeof(*m->vms));
	for (int i = 0; i < 2; i++) {
		struct profile *p = &f->prof[i];
		p->name = (char *)names[i];
		p->memory_mb = 256;
		p->smp_cpus = 1;
		f->nic[i].bridge = (char *)"virbr0";
		f->nic[i].tap = (char *)(i == 0 ? "vd-tg1-0" : "vd-web2-0");
		memcpy(f->nic[i].mac, mac1, 6);
		f->nic[i].mac[5] += (uint8_t)i;
		f->nic[i].has_mac = true;
		p->nics = &f->nic[i];
		p->n_nics = 1;
		m->vms[i].name = xstrdup(names[i]);
		m->vms[i].prof = p;
		lines_init(&m->vms[i].log, 20);
	}
	m->vms[0].state = MVM_RUNNING;
	m->vms[0].started_wall_s = 1000;
	m->vms[0].pid = 4242;
	f->mon = monitor_new(0, 0);
	m->vms[0].mon = f->mon;
	m->vms[1].state = MVM_EXITED;
	m->vms[1].cause = xstrdup("signal 9");
	m->vms[1].failed = true;
	lines_push(&m->vms[1].log, "qemu: terminating on signal 9");
	m->n_bridges = 1;
	m->bridges = xcalloc(1, sizeof(*m->bridges));
	struct mbridge *b = &m->bridges[0];
	snprintf(b->name, sizeof(b->name), "virbr0");
	b->present = true;
	b->at_risk = true;
	b->n_changes = 2;
	b->last_change = xstrdup("last 12:00:01 vd-tg1-0 joined");
	uint8_t bm[6] = { 0xfe, 0x54, 0, 0x11, 0x22, 0x33 };
	memcpy(b->mac, bm, 6);
	b->n_ports = 1;
	b->ports = xcalloc(1, sizeof(*b->ports));
	snprintf(b->ports[0].name, 16, "vd-tg1-0");
	memcpy(b->ports[0].mac, bm, 6);
	snprintf(b->ports[0].state, 12, "up");
	b->ports[0].rx_bps = 1500;
	f->ui.now_wall_s = 1000 + 3661;
	f->ui.now_us = 100000000ull;
	f->ui.monitor_send = fake_send;
	f->ui.monitor_arg = f;
	f->ui.act = fake_act;
	f->ui.act_arg = f;
	f->g = grid_new(80, 24);
	ui_layout(&f->ui, 80, 24);
	ui_render(&f->ui, f->g, true);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	f->ui.m.vms[0].mon = NULL;
	monitor_free(f->mon);
	ui_free(&f->ui);
	grid_free(f->g);
	free(f);
	return 0;
}

static bool has(struct fixture *f, const char *s)
{
	bool ok = grid_find(f->g, s) >= 0;
	if (!ok) { /* show the screen: the failure is then obvious */
		char *t = grid_text(f->g);
		fprintf(stderr, "screen without '%s':\n%s", s, t);
		free(t);
	}
	return ok;
}

static bool lacks(struct fixture *f, const char *s)
{
	return grid_find(f->g, s) < 0;
}

static void render(struct fixture *f)
{
	ui_render(&f->ui, f->g, false);
}

static void test_list_and_details(void **state)
{
	struct fixture *f = *state;
	assert_true(has(f, "testguest1"));
	assert_true(has(f, "web2"));
	assert_true(has(f, "running"));
	assert_true(has(f, "exited (signal 9)"));
	assert_true(has(f, "01:01:01")); /* uptime */
	assert_true(has(f, "boot"));
	/* Details: pid, the NIC with its TAP and bridge. */
	assert_true(has(f, "pid 4242"));
	assert_true(has(f, "tap vd-tg1-0 > virbr0"));
	assert_true(has(f, "256 MiB"));
	/* The failed VM's details show its log lines. */
	f->ui.vm_sel = 1;
	f->ui.dirty |= D_ALL;
	render(f);
	assert_true(has(f, "-- QEMU log --"));
	assert_true(has(f, "terminating on signal 9"));
}

/* An autostart VM: "A" after its name in the list (dim), and its order
 * and delay in the details; the other VM has no mark. */
static void test_autostart_mark(void **state)
{
	struct fixture *f = *state;
	assert_true(lacks(f, "testguest1 A"));
	f->prof[0].autostart = true;
	f->prof[0].autostart_order = 7;
	f->prof[0].autostart_delay_s = 30;
	f->ui.dirty |= D_ALL;
	render(f);
	/* 80 columns: the name column has no room left; the name stays whole. */
	assert_true(has(f, "testguest1 running"));
	assert_true(has(f, "autostart order 7, then wait 30 s"));
	grid_free(f->g);
	f->g = grid_new(120, 30);
	ui_layout(&f->ui, 120, 30);
	ui_render(&f->ui, f->g, true);
	assert_true(has(f, "testguest1 A"));
	assert_true(lacks(f, "web2 A"));
}

static void test_network_pane(void **state)
{
	struct fixture *f = *state;
	assert_true(has(f, "virbr0 fe:54:00:11:22:33 AT RISK"));
	assert_true(has(f, "2 MAC changes, last 12:00:01"));
	assert_true(has(f, "vd-tg1-0"));
	assert_true(has(f, "rx 1.5K tx 0"));
	f->ui.m.bridges[0].pinned = true;
	f->ui.m.bridges[0].at_risk = false;
	f->ui.dirty |= D_ALL;
	render(f);
	assert_true(has(f, "pinned"));
	assert_true(lacks(f, "AT RISK"));
	/* History view. */
	struct mmac_event e = { .wall_us = 0, .cause = (char *)"vd-tg1-0 (fe:..) joined" };
	snprintf(e.bridge, sizeof(e.bridge), "virbr0");
	e.old_mac[0] = 0x62;
	e.new_mac[0] = 0xfe;
	model_history_push(&f->ui.m, &e);
	f->ui.history = true;
	f->ui.dirty |= D_NET;
	render(f);
	assert_true(has(f, "bridge MAC history (1)"));
	assert_true(has(f, "62:00:00:00:00:00 > fe:00:00:00:00:00"));
}

/* What a change cost the guests: under the bridge's last change, and under
 * the change in the history view; "healed" beside the pin state. */
static void test_network_cost(void **state)
{
	struct fixture *f = *state;
	assert_true(lacks(f, "cost:"));
	assert_true(lacks(f, "healed"));
	struct mbridge *b = &f->ui.m.bridges[0];
	b->cost = xstrdup("cost: testguest2: 13 frames lost, 6.4 s");
	b->cost_bad = true;
	b->healed = true;
	grid_free(f->g); /* a pane wide enough for the whole bridge line */
	f->g = grid_new(120, 30);
	ui_layout(&f->ui, 120, 30);
	ui_render(&f->ui, f->g, true);
	assert_true(has(f, "AT RISK healed"));
	assert_true(has(f, "cost: testguest2: 13 frames lost, 6.4 s"));
	assert_true(has(f, "vd-tg1-0")); /* the port still shows below it */
	struct mmac_event e = { .wall_us = 0, .cause = (char *)"vd-tg2-0 (fe:..) left",
				.cost = (char *)"testguest2: 13 frames lost, 6.4 s" };
	snprintf(e.bridge, sizeof(e.bridge), "virbr0");
	model_history_push(&f->ui.m, &e);
	f->ui.history = true;
	f->ui.dirty |= D_NET;
	render(f);
	assert_true(has(f, "vd-tg2-0 (fe:..) left"));
	assert_true(has(f, "  testguest2: 13 frames lost, 6.4 s"));
}

/* The in-memory MAC history keeps the newest MODEL_HISTORY_MAX, oldest first. */
static void test_history_bounded(void **state)
{
	(void)state;
	struct model m;
	model_init(&m);
	for (int round = 0; round < 2; round++) { /* refilled like every refresh */
		model_history_clear(&m);
		for (int64_t i = MODEL_HISTORY_MAX + 500; i > 0; i--) { /* newest first: finish sorts */
			struct mmac_event e = { .wall_us = i, .cause = (char *)"cause" };
			model_history_push(&m, &e);
		}
		model_history_finish(&m);
		assert_int_equal(m.n_history, MODEL_HISTORY_MAX);
		assert_true(m.history[0].wall_us == 501);
		assert_true(m.history[MODEL_HISTORY_MAX - 1].wall_us == MODEL_HISTORY_MAX + 500);
		assert_string_equal(m.history[0].cause, "cause");
	}
	model_clear(&m);
}

/* Entries of the same time keep the order they were pushed in (this
 * session's after the file's), whatever the list's length. */
static void test_history_sort_stable(void **state)
{
	(void)state;
	struct model m;
	model_init(&m);
	enum { N = 1500 };
	for (int i = 0; i < N; i++) { /* three times, interleaved: 3 2 1 3 2 1 ... */
		struct mmac_event e = { .wall_us = 3 - i % 3, .cause = (char *)"c" };
		snprintf(e.bridge, sizeof(e.bridge), "br%d", i);
		model_history_push(&m, &e);
	}
	model_history_finish(&m);
	assert_int_equal(m.n_history, N);
	for (size_t i = 1; i < m.n_history; i++) {
		const struct mmac_event *a = &m.history[i - 1], *b = &m.history[i];
		assert_true(a->wall_us <= b->wall_us);
		if (a->wall_us == b->wall_us)
			assert_true(atoi(a->bridge + 2) < atoi(b->bridge + 2));
	}
	model_clear(&m);
}

static void test_flash_is_visible_in_mono(void **state)
{
	struct fixture *f = *state;
	int y = grid_find(f->g, "virbr0 fe:54");
	assert_true(y >= 0);
	/* Not flashing: the bridge row is plain. Changed just now: flash role. */
	f->ui.m.bridges[0].changed_mono_us = f->ui.now_us - 1000;
	f->ui.focus = PANE_VMS;
	f->ui.dirty |= D_NET;
	render(f);
	bool flash = false;
	for (int x = 0; x < f->g->w; x++)
		flash |= grid_cget(f->g, x, y)->pen.role == ROLE_FLASH;
	assert_true(flash);
}

static void test_status_follows_context(void **state)
{
	struct fixture *f = *state;
	char *st = grid_row_text(f->g, 23);
	/* Running VM: stop applies, start does not. */
	assert_non_null(strstr(st, "x stop"));
	assert_null(strstr(st, "s start"));
	assert_non_null(strstr(st, "?/F1 help"));
	free(st);
	f->ui.vm_sel = 1; /* exited */
	f->ui.dirty |= D_ALL;
	render(f);
	st = grid_row_text(f->g, 23);
	assert_non_null(strstr(st, "s start"));
	assert_null(strstr(st, "x stop"));
	free(st);
	/* Read-only: nothing that changes anything is offered. */
	f->ui.read_only = true;
	f->ui.dirty |= D_ALL;
	render(f);
	st = grid_row_text(f->g, 23);
	assert_null(strstr(st, "s start"));
	assert_null(strstr(st, "install/boot"));
	free(st);
	assert_true(has(f, "[read-only]"));
	/* Network focus on an unpinned bridge: pin is offered. */
	f->ui.read_only = false;
	f->ui.focus = PANE_NET;
	f->ui.dirty |= D_ALL;
	render(f);
	st = grid_row_text(f->g, 23);
	assert_non_null(strstr(st, "P pin MAC"));
	free(st);
}

static void test_help_from_table(void **state)
{
	struct fixture *f = *state;
	f->ui.help = true;
	ui_layout(&f->ui, 100, 40);
	grid_resize(f->g, 100, 40);
	ui_render(&f->ui, f->g, true);
	for (size_t i = 0; i < keys_count; i++)
		assert_true(grid_find(f->g, keys_table[i].help) >= 0);
	/* At 80x24 the help scrolls: every line can be reached. */
	ui_layout(&f->ui, 80, 24);
	grid_resize(f->g, 80, 24);
	ui_render(&f->ui, f->g, true);
	bool seen_quit = grid_find(f->g, keys_for_action(ACT_QUIT)->help) >= 0;
	for (int i = 0; i < 40 && !seen_quit; i++) {
		ui_key(&f->ui, K_DOWN);
		ui_render(&f->ui, f->g, false);
		seen_quit = grid_find(f->g, keys_for_action(ACT_QUIT)->help) >= 0;
	}
	assert_true(seen_quit);
	/* Any key but the help keys is swallowed; ? closes it. */
	assert_int_equal(ui_key(&f->ui, 'x'), KEY_HANDLED);
	assert_true(f->ui.help);
	ui_key(&f->ui, '?');
	assert_false(f->ui.help);
}

static void test_too_small(void **state)
{
	struct fixture *f = *state;
	grid_resize(f->g, 40, 10);
	ui_layout(&f->ui, 40, 10);
	ui_render(&f->ui, f->g, true);
	assert_true(has(f, "terminal too small: 40x10"));
	assert_true(f->ui.too_small);
	/* Back to 80x24: the full screen again. */
	grid_resize(f->g, 80, 24);
	ui_layout(&f->ui, 80, 24);
	ui_render(&f->ui, f->g, true);
	assert_true(lacks(f, "too small"));
	assert_true(has(f, "testguest1"));
}

static bool in_rect(struct rect r, int x, int y)
{
	return x >= r.x && x < r.x + r.w && y >= r.y && y < r.y + r.h;
}

/* Moving the selection draws exactly the row it left and the row it
 * reached in the VM list, and the views that show the selected VM (its
 * details, monitor, screen, and the status line whose keys follow it) —
 * nothing else: not the list's frame or empty rows, not the header, not
 * the network pane. The grid is filled with a marker no view draws first,
 * so a cell that still holds it was not drawn on this pass. */
static void test_moving_selection_repaints_little(void **state)
{
	struct fixture *f = *state;
	const int n = 80 * 24;
	struct grid *before = grid_new(80, 24);
	memcpy(before->cells, f->g->cells, sizeof(*before->cells) * (size_t)n);
	/* Redrawing everything gives the same cells: the diff writes zero. */
	ui_render(&f->ui, f->g, true);
	assert_memory_equal(before->cells, f->g->cells, sizeof(*before->cells) * (size_t)n);
	grid_free(before);

	const struct grid_pen mpen = { 1, 2, 0, 0xffff };
	const uint32_t marker = 0xE000; /* private use: never drawn */
	grid_fill(f->g, (struct rect){ 0, 0, 80, 24 }, marker, mpen);
	/* An idle pass draws nothing. */
	render(f);
	for (int i = 0; i < n; i++)
		assert_int_equal(f->g->cells[i].ch, marker);

	assert_int_equal(ui_key(&f->ui, 'j'), KEY_HANDLED);
	assert_int_equal(f->ui.vm_sel, 1);
	render(f);
	struct rect list = ui_inner(f->ui.rects[V_VMS]);
	struct rect rows = { list.x, list.y, list.w, 2 }; /* testguest1 (left), web2 (reached) */
	const enum view_id follow[] = { V_DETAILS, V_CONSOLE, V_MONITOR, V_THUMB, V_STATUS };
	int drawn = 0, wrong = 0;
	for (int y = 0; y < 24; y++)
		for (int x = 0; x < 80; x++) {
			bool expect = in_rect(rows, x, y);
			for (size_t k = 0; k < sizeof(follow) / sizeof(follow[0]); k++)
				expect |= in_rect(f->ui.rects[follow[k]], x, y);
			bool was_drawn = grid_cget(f->g, x, y)->ch != marker;
			drawn += was_drawn;
			if (was_drawn != expect && wrong++ < 5)
				fprintf(stderr, "cell %d,%d: %s\n", x, y, was_drawn ? "drawn, should not be" : "not drawn");
		}
	assert_int_equal(wrong, 0);
	assert_true(drawn > 0);
	/* The two rows are right: the selection is on web2 now. */
	char *r0 = grid_row_text(f->g, list.y), *r1 = grid_row_text(f->g, list.y + 1);
	assert_non_null(strstr(r0, "testguest1"));
	assert_non_null(strstr(r1, "web2"));
	free(r0);
	free(r1);
	assert_int_not_equal(grid_cget(f->g, list.x + 2, list.y + 1)->pen.role, ROLE_NORMAL);
	assert_int_equal(grid_cget(f->g, list.x + 2, list.y)->pen.role, ROLE_NORMAL);
	/* Nothing moved: nothing is drawn. */
	grid_fill(f->g, (struct rect){ 0, 0, 80, 24 }, marker, mpen);
	assert_int_equal(ui_key(&f->ui, 'j'), KEY_HANDLED); /* already the last VM */
	render(f);
	for (int i = 0; i < n; i++)
		assert_int_equal(f->g->cells[i].ch, marker);
}

/* Issue 17: at 80x24 a list of 40 VMs scrolls with the selection, and the
 * pane's title says where it is ("VMs 31/40"), also when only the rows
 * the selection left and reached are drawn again. */
static void test_list_scrolls_with_position(void **state)
{
	struct fixture *f = *state;
	struct model *m = &f->ui.m;
	m->vms = xrealloc(m->vms, 40 * sizeof(*m->vms));
	for (size_t i = 2; i < 40; i++) {
		m->vms[i] = (struct mvm){ 0 };
		m->vms[i].name = xasprintf("vm%02zu", i);
		m->vms[i].prof = &f->prof[1];
		m->vms[i].state = MVM_STOPPED;
		lines_init(&m->vms[i].log, 20);
	}
	m->n_vms = 40;
	f->ui.dirty |= D_ALL;
	render(f);
	assert_true(has(f, "VMs 1/40"));
	for (int i = 0; i < 30; i++) {
		assert_int_equal(ui_key(&f->ui, 'j'), KEY_HANDLED);
		render(f);
	}
	assert_int_equal(f->ui.vm_sel, 30);
	assert_true(has(f, "VMs 31/40"));
	assert_true(has(f, "vm30"));     /* moved past the bottom: still in sight */
	assert_true(lacks(f, "testguest1"));
	assert_int_equal(ui_key(&f->ui, 'k'), KEY_HANDLED); /* one row up: no scroll */
	render(f);
	assert_true(has(f, "VMs 30/40"));
	assert_true(lacks(f, "VMs 31/40"));
	assert_true(has(f, "vm29"));
}

static void test_monitor_input(void **state)
{
	struct fixture *f = *state;
	f->ui.focus = PANE_MONITOR;
	const char *cmd = "info status";
	for (const char *c = cmd; *c; c++)
		assert_int_equal(ui_key(&f->ui, *c), KEY_HANDLED);
	assert_string_equal(f->ui.input, "info status");
	ui_key(&f->ui, K_BACKSPACE);
	ui_key(&f->ui, 's');
	ui_key(&f->ui, K_ENTER);
	assert_string_equal(f->sent, "info status");
	assert_string_equal(f->ui.input, "");
	render(f);
	assert_true(has(f, "VM status: running"));
	assert_true(has(f, "(qemu) info status"));
	/* History: Up recalls the last command. */
	ui_key(&f->ui, K_UP);
	assert_string_equal(f->ui.input, "info status");
	ui_key(&f->ui, K_DOWN);
	assert_string_equal(f->ui.input, "");
	/* A long line wraps instead of losing its end. */
	monitor_append(f->mon, "install (#block117): /a/very/long/path/that/does/not/fit/into/the/pane/initrd.img (raw)\n");
	f->ui.dirty |= D_MONITOR;
	render(f);
	assert_true(has(f, "img (raw)"));
	/* Esc leaves the monitor. */
	ui_key(&f->ui, K_ESC);
	assert_int_equal(f->ui.focus, PANE_VMS);
	/* Read-only: only "info" commands go out. */
	f->ui.read_only = true;
	f->ui.focus = PANE_MONITOR;
	f->sent[0] = '\0';
	for (const char *c = "quit"; *c; c++)
		ui_key(&f->ui, *c);
	ui_key(&f->ui, K_ENTER);
	assert_string_equal(f->sent, "");
}

/* The status line as drawn now. */
static char *status_row(struct fixture *f)
{
	render(f);
	return grid_row_text(f->g, f->g->h - 1);
}

static bool status_lacks(struct fixture *f, const char *s)
{
	char *st = status_row(f);
	bool ok = strstr(st, s) == NULL;
	free(st);
	return ok;
}

static bool status_has(struct fixture *f, const char *s)
{
	char *st = status_row(f);
	bool ok = strstr(st, s) != NULL;
	if (!ok)
		fprintf(stderr, "status line without '%s': %s\n", s, st);
	free(st);
	return ok;
}

/* Every key whose row carries a question asks it, naming the VM; y (or Y)
 * acts once, n cancels, and any other key cancels too without doing what
 * it would do (j does not move the selection under the question). */
static void test_keys_confirm(void **state)
{
	struct fixture *f = *state;
	int asked = 0;
	for (size_t i = 0; i < keys_count; i++) {
		const struct key_binding *b = &keys_table[i];
		if (!b->confirm)
			continue;
		/* The storage view's keys (v, d) apply on a snapshot row of the
		 * selected VM's open view. */
		struct ui_storage *st = &f->ui.storage;
		ui_storage_clear_rows(st);
		free(st->vm);
		st->vm = NULL;
		st->on = b->when & W_STORAGE;
		if (st->on) {
			st->vm = xstrdup("testguest1");
			st->rows = xcalloc(1, sizeof(*st->rows));
			st->rows[0] = (struct ui_storage_row){ xstrdup("  snapshot s1"), xstrdup("data"), xstrdup("s1"), false };
			st->n = 1;
		}
		asked++;
		assert_int_equal(ui_key(&f->ui, b->key), KEY_HANDLED);
		assert_int_equal(f->ui.confirm.action, b->action);
		assert_int_equal(f->n_acts, 0);
		char *q = xasprintf(b->confirm, "testguest1");
		assert_true(status_has(f, q));
		free(q);
		assert_true(status_has(f, "[y/n]"));
		assert_int_equal(ui_key(&f->ui, 'y') & KEY_HANDLED, KEY_HANDLED);
		assert_int_equal(f->n_acts, 1);
		assert_int_equal(f->acts[0], b->action);
		assert_int_equal(f->ui.confirm.action, ACT_NONE);
		assert_true(status_lacks(f, "[y/n]"));
		f->n_acts = 0;
	}
	f->ui.storage.on = false;
	assert_int_equal(asked, 4); /* X and R; the storage view's v and d */
	/* n cancels. */
	ui_key(&f->ui, 'X');
	ui_key(&f->ui, 'n');
	assert_int_equal(f->n_acts, 0);
	assert_int_equal(f->ui.confirm.action, ACT_NONE);
	assert_true(status_has(f, "cancelled"));
	/* Any other key cancels, and is not taken as itself. */
	ui_key(&f->ui, 'R');
	assert_int_equal(ui_key(&f->ui, 'j'), KEY_HANDLED);
	assert_int_equal(f->n_acts, 0);
	assert_int_equal(f->ui.vm_sel, 0);
	assert_int_equal(f->ui.confirm.action, ACT_NONE);
	/* q under a question cancels; it does not quit. */
	ui_key(&f->ui, 'X');
	assert_int_equal(ui_key(&f->ui, 'q') & KEY_QUIT, 0);
	assert_int_equal(f->n_acts, 0);
	/* Y works like y; a key without a question acts at once. */
	ui_key(&f->ui, 'X');
	ui_key(&f->ui, 'Y');
	assert_int_equal(f->n_acts, 1);
	assert_int_equal(f->acts[0], ACT_FORCE);
	ui_key(&f->ui, 'x');
	assert_int_equal(f->n_acts, 2);
	assert_int_equal(f->acts[1], ACT_STOP);
	assert_int_equal(f->ui.confirm.action, ACT_NONE);
}

/* News nobody asked for (the file watcher's reload) never hides an error
 * still on show (a failed import's LINE:COL was replaced within 250 ms). */
static void test_note_keeps_error(void **state)
{
	struct fixture *f = *state;
	f->ui.now_us = 1000000;
	ui_message(&f->ui, true, "import: x.sh:1:31: unterminated double quote");
	ui_note(&f->ui, "profiles reloaded: 3 VMs");
	assert_string_equal(f->ui.message, "import: x.sh:1:31: unterminated double quote");
	f->ui.now_us = f->ui.message_until_us + 1; /* once it has had its time */
	ui_note(&f->ui, "profiles reloaded: 3 VMs");
	assert_string_equal(f->ui.message, "profiles reloaded: 3 VMs");
	ui_message(&f->ui, false, "cancelled"); /* and an info note gives way */
	ui_note(&f->ui, "profiles reloaded: 4 VMs");
	assert_string_equal(f->ui.message, "profiles reloaded: 4 VMs");
	/* A key's answer holds the bar against news for UI_ANSWER_US: QEMU
	 * answers a reset after its RESET event, and that late "done" must not
	 * wipe the "cancelled" of the next question. */
	f->ui.in_key = true;
	ui_key(&f->ui, 'X');
	ui_key(&f->ui, 'n');
	f->ui.in_key = false;
	assert_string_equal(f->ui.message, "cancelled");
	f->ui.now_us += UI_ANSWER_US - 1;
	ui_note(&f->ui, "k1: reset (QMP system_reset) done");
	assert_string_equal(f->ui.message, "cancelled");
	f->ui.answer_until_us = 0; /* the next key ends the hold (the app does) */
	ui_note(&f->ui, "k1: RESET");
	assert_string_equal(f->ui.message, "k1: RESET");
	ui_message(&f->ui, true, "VM k2: exited, signal 9"); /* an error is not held off */
	assert_string_equal(f->ui.message, "VM k2: exited, signal 9");
	f->ui.now_us = f->ui.message_until_us;
	f->ui.in_key = true;
	ui_key(&f->ui, 'X');
	ui_key(&f->ui, 'n');
	f->ui.in_key = false;
	f->ui.now_us += UI_ANSWER_US; /* its hold over, news shows again */
	ui_note(&f->ui, "k1: RESET");
	assert_string_equal(f->ui.message, "k1: RESET");
}

/* A question is about one run of one VM: when its QEMU ended (and maybe
 * started again) before the answer, y acts on nothing. */
static void test_keys_confirm_same_run(void **state)
{
	struct fixture *f = *state;
	struct mvm *v = ui_selected_vm(&f->ui);
	assert_non_null(v);
	assert_true(v->pid > 0);
	int pid = v->pid;
	ui_key(&f->ui, 'X');
	v->pid = pid + 1; /* the VM was killed and started anew meanwhile */
	ui_key(&f->ui, 'y');
	assert_int_equal(f->n_acts, 0);
	assert_true(status_has(f, "changed meanwhile"));
	v->pid = pid; /* the same run: y acts */
	ui_key(&f->ui, 'X');
	ui_key(&f->ui, 'y');
	assert_int_equal(f->n_acts, 1);
	assert_int_equal(f->acts[0], ACT_FORCE);
}

/* --read-only: a key that changes something is refused with the reason and
 * never reaches the app; keys that only look work; the monitor sends
 * 'info ...' and refuses the rest with a message. */
static void test_keys_read_only(void **state)
{
	struct fixture *f = *state;
	f->ui.read_only = true;
	assert_int_equal(ui_key(&f->ui, 'x'), KEY_HANDLED); /* testguest1 runs: stop would apply */
	assert_true(status_has(f, "read-only: stop is off (started with --read-only)"));
	assert_int_equal(ui_key(&f->ui, 'X'), KEY_HANDLED);
	assert_int_equal(f->ui.confirm.action, ACT_NONE); /* refused before it asks */
	ui_key(&f->ui, 'i');
	assert_true(status_has(f, "read-only: install/boot is off"));
	ui_key(&f->ui, 'j');
	assert_int_equal(f->ui.vm_sel, 1); /* navigation works */
	ui_key(&f->ui, 's');                /* web2 exited: start would apply */
	assert_true(status_has(f, "read-only: start is off"));
	ui_key(&f->ui, K_TAB);
	ui_key(&f->ui, 'P');
	assert_true(status_has(f, "read-only: pin MAC is off"));
	assert_int_equal(f->n_acts, 0);
	/* Looking is fine: reload reaches the app, H shows the history. */
	ui_key(&f->ui, 'r');
	assert_int_equal(f->n_acts, 1);
	assert_int_equal(f->acts[0], ACT_RELOAD);
	ui_key(&f->ui, 'H');
	assert_true(f->ui.history);
	/* The monitor: m works on the running VM; info goes out, quit does not. */
	ui_key(&f->ui, K_TAB);
	ui_key(&f->ui, 'k');
	assert_int_equal(ui_key(&f->ui, 'm'), KEY_HANDLED);
	assert_int_equal(f->ui.focus, PANE_MONITOR);
	for (const char *c = "info status"; *c; c++)
		ui_key(&f->ui, *c);
	ui_key(&f->ui, K_ENTER);
	assert_string_equal(f->sent, "info status");
	f->sent[0] = '\0';
	for (const char *c = "quit"; *c; c++)
		assert_int_equal(ui_key(&f->ui, *c), KEY_HANDLED); /* q is typed, not quit */
	ui_key(&f->ui, K_ENTER);
	assert_string_equal(f->sent, "");
	assert_true(status_has(f, "read-only: only 'info ...' monitor commands"));
	assert_int_equal(f->n_acts, 1);
}

/* A key that does not apply says why, and nothing happens. */
static void test_keys_not_applicable(void **state)
{
	struct fixture *f = *state;
	ui_key(&f->ui, 's'); /* testguest1 is running */
	assert_true(status_has(f, "start: does not apply to the selected VM now"));
	ui_key(&f->ui, 'P'); /* the VM list has focus, not a bridge */
	assert_true(status_has(f, "pin MAC: select an unpinned bridge in the network pane"));
	assert_int_equal(f->n_acts, 0);
	ui_key(&f->ui, K_TAB);
	ui_key(&f->ui, 'P');
	assert_int_equal(f->n_acts, 1);
	assert_int_equal(f->acts[0], ACT_PIN);
	/* A key in no table is left to the caller. */
	assert_int_equal(ui_key(&f->ui, 'Q'), KEY_UNHANDLED);
}

/* Too small: the screen says so and how to leave; q quits and ^L redraws
 * whoever had the keyboard (the monitor, the help, a question); every other
 * key is dropped. */
static void test_keys_too_small(void **state)
{
	struct fixture *f = *state;
	grid_resize(f->g, 40, 10);
	ui_layout(&f->ui, 40, 10);
	ui_render(&f->ui, f->g, true);
	assert_true(has(f, "terminal too small: 40x10"));
	assert_true(has(f, "need 60x16; q quits"));
	assert_int_equal(ui_key(&f->ui, 'x'), KEY_HANDLED);
	assert_int_equal(ui_key(&f->ui, 'X'), KEY_HANDLED);
	assert_int_equal(ui_key(&f->ui, 'j'), KEY_HANDLED);
	assert_int_equal(ui_key(&f->ui, '?'), KEY_HANDLED);
	assert_int_equal(f->n_acts, 0);
	assert_int_equal(f->ui.vm_sel, 0);
	assert_false(f->ui.help);
	assert_int_equal(f->ui.confirm.action, ACT_NONE);
	assert_true(ui_key(&f->ui, K_CTRL_L) & KEY_REDRAW);
	assert_true(ui_key(&f->ui, 'q') & KEY_QUIT);
	f->ui.focus = PANE_MONITOR;
	assert_true(ui_key(&f->ui, 'q') & KEY_QUIT);
	assert_string_equal(f->ui.input, "");
	/* A question asked before the terminal shrank waits: y cannot act on
	 * a screen that does not show it. */
	f->ui.focus = PANE_VMS;
	ui_layout(&f->ui, 80, 24);
	ui_key(&f->ui, 'X');
	ui_layout(&f->ui, 40, 10);
	ui_key(&f->ui, 'y');
	assert_int_equal(f->n_acts, 0);
	assert_int_equal(f->ui.confirm.action, ACT_FORCE);
	assert_true(ui_key(&f->ui, 'q') & KEY_QUIT);
	/* Back to size: the question is answered as usual. */
	ui_layout(&f->ui, 80, 24);
	ui_key(&f->ui, 'y');
	assert_int_equal(f->n_acts, 1);
	assert_int_equal(f->acts[0], ACT_FORCE);
}

/* Help is modal and toggles: ? opens, ? closes, and it asks for a new layout. */
static void test_keys_help_toggles(void **state)
{
	struct fixture *f = *state;
	assert_true(ui_key(&f->ui, '?') & KEY_RELAYOUT);
	assert_true(f->ui.help);
	assert_int_equal(ui_key(&f->ui, 's'), KEY_HANDLED);
	assert_int_equal(ui_key(&f->ui, 'q') & KEY_QUIT, 0); /* q closes the help */
	assert_false(f->ui.help);
	assert_int_equal(f->n_acts, 0);
	assert_true(ui_key(&f->ui, K_F1) & KEY_RELAYOUT);
	assert_true(ui_key(&f->ui, K_ESC) & KEY_RELAYOUT);
	assert_false(f->ui.help);
	assert_true(ui_key(&f->ui, 'z') & KEY_RELAYOUT);
	assert_true(f->ui.zoom);
	assert_true(ui_key(&f->ui, 'z') & KEY_RELAYOUT);
	assert_false(f->ui.zoom);
	assert_true(ui_key(&f->ui, 'q') & KEY_QUIT);
}

struct typed {
	int keys[16];
	int n;
	int cx, cy;
	unsigned buttons;
};

static void fake_guest_key(struct ui *ui, int key, void *arg)
{
	struct typed *t = arg;
	(void)ui;
	assert_true(t->n < 16);
	t->keys[t->n++] = key;
}

static void fake_guest_click(struct ui *ui, int x, int y, unsigned buttons, void *arg)
{
	struct typed *t = arg;
	(void)ui;
	t->cx = x;
	t->cy = y;
	t->buttons = buttons;
}

/* Zoomed, Enter hands every key to the guest (even q, x and Ctrl-C) until
 * Ctrl-]; the title and the status line say so; not zoomed or read-only,
 * Enter says why not and nothing is sent. */
static void test_typing_into_the_screen(void **state)
{
	struct fixture *f = *state;
	struct typed t = { 0 };
	f->ui.guest = (struct ui_guest){ fake_guest_key, fake_guest_click, &t };
	f->ui.mouse = true;
	ui_key(&f->ui, K_ENTER);
	assert_false(f->ui.typing);
	assert_non_null(strstr(f->ui.message, "zoom the screen first (z)"));
	ui_key(&f->ui, 'z');
	ui_layout(&f->ui, 80, 24);
	ui_render(&f->ui, f->g, true);
	assert_true(has(f, "[Enter: type]"));
	assert_int_equal(ui_key(&f->ui, K_ENTER), KEY_HANDLED);
	assert_true(f->ui.typing);
	ui_render(&f->ui, f->g, true);
	assert_true(has(f, "[input: keyboard and mouse - Ctrl-] leaves]"));
	assert_true(has(f, "Ctrl-] leave"));
	assert_false(has(f, "(z: back)"));
	const int keys[] = { 'q', 'x', 3, 'z', K_ESC, K_F1, '?', K_ENTER };
	for (size_t i = 0; i < ARRAY_LEN(keys); i++)
		assert_int_equal(ui_key(&f->ui, keys[i]), KEY_HANDLED); /* no quit, no relayout */
	assert_int_equal(t.n, (int)ARRAY_LEN(keys));
	for (size_t i = 0; i < ARRAY_LEN(keys); i++)
		assert_int_equal(t.keys[i], keys[i]);
	assert_int_equal(f->n_acts, 0);
	assert_true(f->ui.zoom);
	assert_false(f->ui.help);
	/* Ctrl-] leaves: keys are vmdeck's again. */
	ui_key(&f->ui, K_CTRL_RBRACKET);
	assert_false(f->ui.typing);
	assert_int_equal(t.n, (int)ARRAY_LEN(keys));
	ui_render(&f->ui, f->g, true);
	assert_true(has(f, "[Enter: type]"));
	/* Leaving the zoom ends typing too. */
	ui_key(&f->ui, K_ENTER);
	assert_true(f->ui.typing);
	ui_act(&f->ui, ACT_ZOOM);
	assert_false(f->ui.typing);
	/* Read-only: Enter is off, nothing is sent. */
	ui_act(&f->ui, ACT_ZOOM);
	f->ui.read_only = true;
	t.n = 0;
	ui_key(&f->ui, K_ENTER);
	assert_false(f->ui.typing);
	assert_non_null(strstr(f->ui.message, "read-only: type is off"));
	ui_act(&f->ui, ACT_TYPE); /* even asked directly */
	assert_false(f->ui.typing);
	ui_render(&f->ui, f->g, true);
	assert_true(has(f, "[read-only: no input]"));
	assert_int_equal(t.n, 0);
	/* A stopped VM has no screen to type into. */
	f->ui.read_only = false;
	f->ui.m.vms[0].state = MVM_STOPPED;
	ui_key(&f->ui, K_ENTER);
	assert_false(f->ui.typing);
}

static void test_degraded_and_diags(void **state)
{
	struct fixture *f = *state;
	lines_push(&f->ui.m.diags, "/p/bad.yaml:3:5: unknown key 'memroy'");
	f->ui.m.net_degraded = xstrdup("network watch unavailable: permission denied");
	f->ui.dirty |= D_ALL;
	render(f);
	assert_true(has(f, "bad.yaml:3:5"));
	assert_true(has(f, "DEGRADED"));
	assert_true(has(f, "network watch unavailable"));
}

static void test_ascii_only_in_c_locale(void **state)
{
	struct fixture *f = *state;
	for (int i = 0; i < f->g->w * f->g->h; i++)
		assert_true(f->g->cells[i].ch < 0x80);
	theme_init(true, THEME_256);
	ui_render(&f->ui, f->g, true);
	bool box = false;
	for (int i = 0; i < f->g->w * f->g->h; i++)
		box |= f->g->cells[i].ch == 0x2500;
	assert_true(box);
	theme_init(false, THEME_MONO);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_list_and_details, setup, teardown),
		cmocka_unit_test_setup_teardown(test_network_cost, setup, teardown),
		cmocka_unit_test_setup_teardown(test_autostart_mark, setup, teardown),
		cmocka_unit_test_setup_teardown(test_network_pane, setup, teardown),
		cmocka_unit_test_setup_teardown(test_flash_is_visible_in_mono, setup, teardown),
		cmocka_unit_test(test_history_bounded),
		cmocka_unit_test(test_history_sort_stable),
		cmocka_unit_test_setup_teardown(test_status_follows_context, setup, teardown),
		cmocka_unit_test_setup_teardown(test_help_from_table, setup, teardown),
		cmocka_unit_test_setup_teardown(test_too_small, setup, teardown),
		cmocka_unit_test_setup_teardown(test_moving_selection_repaints_little, setup, teardown),
		cmocka_unit_test_setup_teardown(test_list_scrolls_with_position, setup, teardown),
		cmocka_unit_test_setup_teardown(test_monitor_input, setup, teardown),
		cmocka_unit_test_setup_teardown(test_keys_confirm, setup, teardown),
		cmocka_unit_test_setup_teardown(test_keys_confirm_same_run, setup, teardown),
		cmocka_unit_test_setup_teardown(test_note_keeps_error, setup, teardown),
		cmocka_unit_test_setup_teardown(test_keys_read_only, setup, teardown),
		cmocka_unit_test_setup_teardown(test_keys_not_applicable, setup, teardown),
		cmocka_unit_test_setup_teardown(test_keys_too_small, setup, teardown),
		cmocka_unit_test_setup_teardown(test_keys_help_toggles, setup, teardown),
		cmocka_unit_test_setup_teardown(test_degraded_and_diags, setup, teardown),
		cmocka_unit_test_setup_teardown(test_typing_into_the_screen, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ascii_only_in_c_locale, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
