/* test_mouse: the hit test (which view and which VM/bridge row a cell is)
 * and what a click or a wheel notch does, on a hand-made model drawn into
 * an in-memory grid: the rows asked about are found on that screen. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/monitor.h"
#include "core/util.h"
#include "tui/grid.h"
#include "tui/mouse.h"
#include "tui/theme.h"
#include "tui/ui.h"

#define NVMS 30

struct fixture {
	struct ui ui;
	struct grid *g;
};

static int setup(void **state)
{
	struct fixture *f = xcalloc(1, sizeof(*f));
	theme_init(false, THEME_MONO);
	ui_init(&f->ui);
	struct model *m = &f->ui.m;
	m->n_vms = NVMS;
	m->vms = xcalloc(NVMS, sizeof(*m->vms));
	for (int i = 0; i < NVMS; i++) {
		m->vms[i].name = xasprintf("vm%02d", i);
		lines_init(&m->vms[i].log, 4);
	}
	m->n_bridges = 2;
	m->bridges = xcalloc(2, sizeof(*m->bridges));
	for (int i = 0; i < 2; i++) {
		struct mbridge *b = &m->bridges[i];
		snprintf(b->name, sizeof(b->name), "br%d", i);
		b->present = true;
		b->n_ports = 2;
		b->ports = xcalloc(2, sizeof(*b->ports));
		for (int j = 0; j < 2; j++) {
			snprintf(b->ports[j].name, 16, "vd-%d-%d", i, j);
			snprintf(b->ports[j].state, 12, "up");
		}
	}
	f->ui.now_us = 1000000;
	f->g = grid_new(100, 30);
	ui_layout(&f->ui, 100, 30);
	ui_render(&f->ui, f->g, true);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	ui_free(&f->ui);
	grid_free(f->g);
	free(f);
	return 0;
}

/* The column where needle starts on row y, or -1. */
static int col_of(struct fixture *f, int y, const char *needle)
{
	char *row = grid_row_text(f->g, y);
	char *p = strstr(row, needle);
	int x = -1;
	if (p) { /* columns, not bytes: the row is ASCII in the C locale theme */
		x = 0;
		for (char *q = row; q < p;) {
			uint32_t cp;
			q += grid_utf8_decode(q, &cp);
			x++;
		}
	}
	free(row);
	return x;
}

static int press(struct fixture *f, int x, int y)
{
	struct mouse_event ev = { x, y, MOUSE_PRESS, 1, 0 };
	int k = mouse_apply(&f->ui, &ev);
	ui_render(&f->ui, f->g, false);
	return k;
}

static void notch(struct fixture *f, int x, int y, bool up)
{
	struct mouse_event ev = { x, y, up ? MOUSE_WHEEL_UP : MOUSE_WHEEL_DOWN, 0, 0 };
	assert_int_equal(mouse_apply(&f->ui, &ev), K_NONE);
	ui_render(&f->ui, f->g, false);
}

static void test_hit(void **state)
{
	struct fixture *f = *state;
	struct ui *ui = &f->ui;
	struct rect v = ui->rects[V_VMS];
	struct mouse_hit h = mouse_hit(ui, v.x + 3, v.y + 1);
	assert_int_equal(h.view, V_VMS);
	assert_int_equal(h.item, 0);
	h = mouse_hit(ui, v.x + 3, v.y + 2);
	assert_int_equal(h.item, 1);
	h = mouse_hit(ui, v.x + 3, v.y); /* the border */
	assert_int_equal(h.view, V_VMS);
	assert_int_equal(h.item, -1);
	assert_int_equal(mouse_hit(ui, 0, 0).view, V_HEADER);
	assert_int_equal(mouse_hit(ui, 5, 29).view, V_STATUS);
	assert_int_equal(mouse_hit(ui, 5, v.y + v.h).view, V_DETAILS);
	struct rect t = ui->rects[V_THUMB];
	assert_int_equal(mouse_hit(ui, t.x + 2, t.y + 2).view, V_THUMB);
	assert_int_equal(mouse_hit(ui, 100, 5).view, V__N);
	/* Bridges: every row of a block (the name, its ports) is that bridge. */
	int y0 = grid_find(f->g, "br0 "), y1 = grid_find(f->g, "br1 ");
	assert_true(y0 > 0 && y1 > y0);
	int x = ui->rects[V_NET].x + 3;
	assert_int_equal(mouse_hit(ui, x, y0).view, V_NET);
	assert_int_equal(mouse_hit(ui, x, y0).item, 0);
	assert_int_equal(mouse_hit(ui, x, y1 - 1).item, 0);
	assert_int_equal(mouse_hit(ui, x, y1).item, 1);
	/* The history view has no bridge rows. */
	ui->history = true;
	assert_int_equal(mouse_hit(ui, x, y1).item, -1);
}

static void test_click_selects_and_focuses(void **state)
{
	struct fixture *f = *state;
	struct ui *ui = &f->ui;
	ui->focus = PANE_NET;
	int y = grid_find(f->g, " vm03 ");
	assert_true(y > 0);
	assert_int_equal(press(f, 4, y), K_NONE);
	assert_int_equal(ui->vm_sel, 3);
	assert_int_equal(ui->focus, PANE_VMS);
	assert_true(grid_find(f->g, "monitor vm03") >= 0);
	/* A release, the right button: nothing. */
	struct mouse_event rel = { 4, y - 1, MOUSE_RELEASE, 1, 0 }, right = { 4, y - 1, MOUSE_PRESS, 3, 0 };
	mouse_apply(ui, &rel);
	mouse_apply(ui, &right);
	assert_int_equal(ui->vm_sel, 3);
	/* The network pane: focus, and the bridge under the pointer. */
	int b1 = grid_find(f->g, "br1 ");
	assert_int_equal(press(f, ui->rects[V_NET].x + 5, b1 + 1), K_NONE);
	assert_int_equal(ui->focus, PANE_NET);
	assert_int_equal(ui->net_sel, 1);
	/* Details: back to the VM list's focus, the selection stays. */
	press(f, 3, ui->rects[V_DETAILS].y + 2);
	assert_int_equal(ui->focus, PANE_VMS);
	assert_int_equal(ui->vm_sel, 3);
}

static void test_thumb_monitor_are_keys(void **state)
{
	struct fixture *f = *state;
	struct ui *ui = &f->ui;
	struct rect t = ui->rects[V_THUMB], m = ui->rects[V_MONITOR];
	ui->focus = PANE_NET;
	assert_int_equal(press(f, t.x + 3, t.y + 3), 'z');
	assert_int_equal(ui->focus, PANE_VMS); /* z applies to the selected VM */
	assert_int_equal(press(f, m.x + 3, m.y + 2), 'm');
	ui->focus = PANE_MONITOR;
	assert_int_equal(press(f, m.x + 3, m.y + 2), K_NONE); /* already typing there */
	assert_int_equal(ui->focus, PANE_MONITOR);
}

struct clicks {
	int n, x, y;
	unsigned buttons;
};

static void fake_click(struct ui *ui, int x, int y, unsigned buttons, void *arg)
{
	struct clicks *c = arg;
	(void)ui;
	c->n++;
	c->x = x;
	c->y = y;
	c->buttons = buttons;
}

/* Zoomed on a running VM a click gives the screen the keyboard (Enter);
 * while typing, presses and notches on it go to the guest with their RFB
 * button, releases and the rest of the window do nothing. Read-only (or
 * no screen): the click zooms back, as before. */
static void test_click_types_into_the_screen(void **state)
{
	struct fixture *f = *state;
	struct ui *ui = &f->ui;
	struct clicks c = { 0 };
	ui->guest = (struct ui_guest){ NULL, fake_click, &c };
	ui->m.vms[0].state = MVM_RUNNING;
	ui->zoom = true;
	ui_layout(ui, 100, 30);
	struct rect t = ui->rects[V_THUMB];
	assert_int_equal(press(f, t.x + 5, t.y + 5), K_ENTER);
	assert_int_equal(c.n, 0); /* that click only takes the keyboard */
	ui_key(ui, K_ENTER);
	assert_true(ui->typing);
	assert_int_equal(press(f, t.x + 7, t.y + 4), K_NONE);
	assert_int_equal(c.n, 1);
	assert_int_equal(c.x, t.x + 7);
	assert_int_equal(c.y, t.y + 4);
	assert_int_equal(c.buttons, 1);
	struct mouse_event right = { t.x + 2, t.y + 2, MOUSE_PRESS, 3, 0 };
	mouse_apply(ui, &right);
	assert_int_equal(c.buttons, 4);
	struct mouse_event middle = { t.x + 2, t.y + 2, MOUSE_PRESS, 2, 0 };
	mouse_apply(ui, &middle);
	assert_int_equal(c.buttons, 2);
	notch(f, t.x + 2, t.y + 2, true);
	assert_int_equal(c.buttons, 8);
	notch(f, t.x + 2, t.y + 2, false);
	assert_int_equal(c.buttons, 16);
	assert_int_equal(c.n, 5);
	struct mouse_event rel = { t.x + 2, t.y + 2, MOUSE_RELEASE, 1, 0 };
	mouse_apply(ui, &rel);
	struct rect st = ui->rects[V_STATUS];
	assert_int_equal(press(f, st.x + 2, st.y), K_NONE); /* the status line: nothing */
	assert_int_equal(c.n, 5);
	assert_true(ui->typing);
	/* Read-only: never sent; the click on the zoomed screen zooms back. */
	ui_typing_end(ui, NULL);
	ui->read_only = true;
	assert_int_equal(press(f, t.x + 5, t.y + 5), 'z');
	ui->typing = true; /* even if it were typing */
	press(f, t.x + 5, t.y + 5);
	assert_int_equal(c.n, 5);
	ui->typing = false;
	ui->read_only = false;
	/* No screen (a stopped VM): back, as before. */
	ui->m.vms[0].state = MVM_STOPPED;
	assert_int_equal(press(f, t.x + 5, t.y + 5), 'z');
}

static void test_wheel(void **state)
{
	struct fixture *f = *state;
	struct ui *ui = &f->ui;
	struct rect v = ui->rects[V_VMS];
	int rows = v.h - 2;
	notch(f, 5, v.y + 2, false);
	assert_int_equal(ui->vm_top, MOUSE_WHEEL_LINES);
	assert_int_equal(ui->vm_sel, MOUSE_WHEEL_LINES); /* dragged along: the list shows it */
	assert_true(grid_find(f->g, " vm03 ") == v.y + 1);
	assert_true(grid_find(f->g, " vm00 ") < 0);
	notch(f, 5, v.y + 2, true);
	assert_int_equal(ui->vm_top, 0);
	assert_int_equal(ui->vm_sel, MOUSE_WHEEL_LINES); /* still on screen: it stays */
	for (int i = 0; i < 20; i++)
		notch(f, 5, v.y + 2, false);
	assert_int_equal(ui->vm_top, NVMS - rows);
	assert_int_equal(ui->vm_sel, NVMS - rows);
	assert_true(grid_find(f->g, " vm29 ") > 0);
	/* Typing into the monitor: the list does not move under the wheel. */
	ui->focus = PANE_MONITOR;
	notch(f, 5, v.y + 2, true);
	assert_int_equal(ui->vm_sel, NVMS - rows);
	ui->focus = PANE_VMS;
	/* The monitor: up goes back, down never below the end. */
	struct monitor *mon = monitor_new(0, 0);
	for (int i = 0; i < 40; i++)
		monitor_append(mon, "line\n");
	ui_selected_vm(ui)->mon = mon;
	struct rect m = ui->rects[V_MONITOR];
	notch(f, m.x + 3, m.y + 2, true);
	assert_int_equal(ui->mon_scroll, MOUSE_WHEEL_LINES);
	notch(f, m.x + 3, m.y + 2, false);
	notch(f, m.x + 3, m.y + 2, false);
	assert_int_equal(ui->mon_scroll, 0);
	ui_selected_vm(ui)->mon = NULL;
	monitor_free(mon);
	/* The network pane moves one bridge a notch; the history scrolls. */
	struct rect n = ui->rects[V_NET];
	notch(f, n.x + 3, n.y + 2, false);
	assert_int_equal(ui->net_sel, 1);
	notch(f, n.x + 3, n.y + 2, false);
	assert_int_equal(ui->net_sel, 1);
	ui->history = true;
	for (int i = 0; i < 10; i++) {
		struct mmac_event e = { .wall_us = i, .cause = (char *)"x" };
		snprintf(e.bridge, sizeof(e.bridge), "br0");
		model_history_push(&ui->m, &e);
	}
	notch(f, n.x + 3, n.y + 2, false);
	assert_int_equal(ui->hist_top, MOUSE_WHEEL_LINES);
	notch(f, n.x + 3, n.y + 2, true);
	notch(f, n.x + 3, n.y + 2, true);
	assert_int_equal(ui->hist_top, 0);
}

static void test_help_and_confirm(void **state)
{
	struct fixture *f = *state;
	struct ui *ui = &f->ui;
	/* A pending y/n names a VM: the mouse changes nothing under it. */
	ui->confirm.action = ACT_FORCE;
	int y = grid_find(f->g, " vm05 ");
	press(f, 4, y);
	notch(f, 4, y, false);
	assert_int_equal(ui->vm_sel, 0);
	assert_int_equal(ui->vm_top, 0);
	ui->confirm.action = ACT_NONE;
	/* Help: the wheel scrolls it, a click in it does nothing. */
	ui->help = true;
	grid_resize(f->g, 100, 16); /* a help longer than the screen */
	ui_layout(ui, 100, 16);
	ui_render(ui, f->g, true);
	notch(f, 10, 10, false);
	assert_int_equal(ui->help_top, MOUSE_WHEEL_LINES);
	notch(f, 10, 10, true);
	notch(f, 10, 10, true);
	assert_int_equal(ui->help_top, 0);
	assert_int_equal(press(f, 10, 10), K_NONE);
	/* ... but its status bar hint closes it, as ? would. */
	int x = col_of(f, 15, "?/F1 help");
	assert_true(x > 0);
	assert_int_equal(press(f, x + 2, 15), '?');
}

/* The I prompt open: clicks and the wheel change nothing, and no click
 * comes back as a key (it would be typed into the path). */
static void test_prompt_open(void **state)
{
	struct fixture *f = *state;
	struct ui *ui = &f->ui;
	ui->focus = PANE_NET;
	prompt_open(&ui->prompt, ACT_IMPORT, "import script: ");
	ui_render(ui, f->g, true);
	int y = grid_find(f->g, " vm05 ");
	assert_true(y > 0);
	assert_int_equal(press(f, 4, y), K_NONE);
	notch(f, 4, y, false);
	assert_int_equal(ui->vm_sel, 0);
	assert_int_equal(ui->vm_top, 0);
	assert_int_equal(ui->focus, PANE_NET);
	struct rect t = ui->rects[V_THUMB], m = ui->rects[V_MONITOR];
	assert_int_equal(press(f, t.x + 3, t.y + 3), K_NONE);
	assert_int_equal(press(f, m.x + 3, m.y + 2), K_NONE);
	for (int x = 0; x < 100; x++)
		assert_int_equal(press(f, x, 29), K_NONE);
	assert_int_equal(ui->focus, PANE_NET);
	assert_true(ui->prompt.active);
	assert_string_equal(ui->prompt.text, "");
	prompt_close(&ui->prompt);
	assert_int_equal(press(f, t.x + 3, t.y + 3), 'z'); /* closed: clicks again */
}

static void test_status_hints(void **state)
{
	struct fixture *f = *state;
	struct ui *ui = &f->ui;
	int x = col_of(f, 29, "z zoom");
	assert_true(x > 0);
	assert_int_equal(press(f, x, 29), 'z');
	assert_int_equal(press(f, x + 3, 29), 'z');
	x = col_of(f, 29, "q quit");
	assert_int_equal(press(f, x + 1, 29), 'q');
	/* Starting stays on the keyboard: the click says so and does nothing. */
	x = col_of(f, 29, "s start");
	assert_true(x > 0);
	assert_int_equal(press(f, x + 2, 29), K_NONE);
	assert_non_null(ui->message);
	assert_non_null(strstr(ui->message, "press s"));
	/* Between hints: nothing. */
	assert_int_equal(press(f, 0, 29), K_NONE);
}

static void test_env(void **state)
{
	(void)state;
	bool on = false;
	char *err = NULL;
	assert_int_equal(mouse_env(NULL, &on, &err), 0);
	assert_true(on);
	assert_int_equal(mouse_env("0", &on, &err), 0);
	assert_false(on);
	assert_int_equal(mouse_env("OFF", &on, &err), 0);
	assert_false(on);
	assert_int_equal(mouse_env("1", &on, &err), 0);
	assert_true(on);
	assert_int_equal(mouse_env("maybe", &on, &err), -1);
	assert_non_null(strstr(err, "VMDECK_MOUSE"));
	free(err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_hit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_click_selects_and_focuses, setup, teardown),
		cmocka_unit_test_setup_teardown(test_thumb_monitor_are_keys, setup, teardown),
		cmocka_unit_test_setup_teardown(test_click_types_into_the_screen, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wheel, setup, teardown),
		cmocka_unit_test_setup_teardown(test_help_and_confirm, setup, teardown),
		cmocka_unit_test_setup_teardown(test_status_hints, setup, teardown),
		cmocka_unit_test_setup_teardown(test_prompt_open, setup, teardown),
		cmocka_unit_test(test_env),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
