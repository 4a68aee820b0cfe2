/* ui: the TUI's state apart from the model (selection, focus, overlays, the
 * monitor's input line), the layout, and the views as const view_ops tables.
 * Nothing here touches the terminal: ui_render draws into a grid. */
#ifndef VMDECK_TUI_UI_H
#define VMDECK_TUI_UI_H

#include "tui/grid.h"
#include "tui/keys.h"
#include "tui/model.h"
#include "tui/prompt.h"

#include <stdbool.h>
#include <stdint.h>

#define UI_MIN_W 60
#define UI_MIN_H 16

enum pane { PANE_VMS, PANE_NET, PANE_MONITOR, PANE__N };

/* Dirty bits: which views must be drawn again on this loop pass. */
enum {
	D_HEADER = 1 << 0, D_VMS = 1 << 1, D_DETAILS = 1 << 2, D_NET = 1 << 3, D_MONITOR = 1 << 4,
	D_THUMB = 1 << 5, D_STATUS = 1 << 6, D_ALL = 0xff,
};

/* Results of a key handler (htop's bitmask): the loop decides what to do. */
enum { KEY_UNHANDLED = 0, KEY_HANDLED = 1, KEY_QUIT = 2 };

enum view_id { V_HEADER, V_VMS, V_DETAILS, V_NET, V_MONITOR, V_THUMB, V_STATUS, V_HELP, V_SMALL, V__N };

struct ui;
struct view_ops {
	const char *name;
	unsigned dirty_bit;
	void (*draw)(struct ui *ui, struct grid *g, struct rect r);
	/* Keys the focused view takes before the global table (the monitor's input). */
	int (*key)(struct ui *ui, int key);
	/* The view got a new rectangle (scroll offsets follow it). */
	void (*resize)(struct ui *ui, struct rect r);
};
extern const struct view_ops view_header_ops, view_vms_ops, view_details_ops, view_net_ops, view_monitor_ops,
	view_thumb_ops, view_status_ops, view_help_ops, view_small_ops;

/* The thumbnail as the pixel module delivers it: cells with glyph and colours. */
struct ui_thumb {
	struct grid *cells;   /* NULL: no picture */
	char *message;        /* "no screen", "VM is gone", "connecting..." */
	char *vm;             /* whose screen */
	char *mode;           /* zoomed: "text 80x25", "pixels 1024x768 ..." (src_thumb) */
};

/* Where the status bar drew a key hint (columns x0..x1-1), for clicks. */
struct ui_hint {
	int x0, x1, key;
};

/* A pending action waiting for y/n. */
struct ui_confirm {
	enum action action;
	char *question;
};

/* Monitor requests go out through this hook (set by the app; tests record). */
typedef void (*ui_monitor_send_fn)(struct ui *ui, struct mvm *vm, const char *cmd, void *arg);

struct ui {
	struct model m;
	bool read_only;
	enum pane focus;
	size_t vm_sel, vm_top;
	size_t net_sel, net_top;   /* over the bridges */
	size_t hist_top;
	int mon_scroll;            /* lines scrolled back from the end */
	bool help, history, zoom;
	int help_top;              /* help screen scroll */
	char input[512];
	size_t input_len;
	bool input_cut;            /* a key did not fit: Enter refuses to send the cut line */
	int hist_pos;              /* -1: editing a new line */
	struct ui_confirm confirm;
	struct prompt prompt;      /* a line being typed in the status bar (I: a script path) */
	char *message;
	bool message_error;
	uint64_t message_until_us;
	uint64_t now_us;           /* monotonic, set by the app each pass (tests set it) */
	int64_t now_wall_s;
	unsigned dirty;
	bool too_small;
	struct rect rects[V__N];
	bool visible[V__N];
	struct ui_thumb thumb;
	struct ui_hint hints[24];  /* as the status bar last drew them (tui/mouse.c) */
	int n_hints;
	ui_monitor_send_fn monitor_send;
	void *monitor_arg;
	int w, h;
};

void ui_init(struct ui *ui);
void ui_free(struct ui *ui);
/* Compute the layout for a w x h screen; marks everything dirty. */
void ui_layout(struct ui *ui, int w, int h);
/* Draw the dirty views (or all with force) into g, which has the screen's size. */
void ui_render(struct ui *ui, struct grid *g, bool force);
/* Borrowed: the selected VM / bridge, or NULL. */
struct mvm *ui_selected_vm(struct ui *ui);
struct mbridge *ui_selected_bridge(struct ui *ui);
/* W_* bits that hold now. */
unsigned ui_context(struct ui *ui);
bool ui_binding_applies(struct ui *ui, const struct key_binding *b);
/* Show a message in the status bar for a few seconds. */
void ui_message(struct ui *ui, bool error, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Keep the selection valid after the model changed. */
void ui_clamp(struct ui *ui);
/* Pane-local keys (the focused view's key op, overlays); KEY_UNHANDLED: use the table. */
int ui_key_local(struct ui *ui, int key);
/* Navigation actions that only change UI state; false: not a navigation action. */
bool ui_navigate(struct ui *ui, enum action a);

/* The bridge whose block holds screen row y of the network pane as last
 * drawn (tui/view_net.c), or -1 (no bridge there, the history is shown). */
long view_net_bridge_at(const struct ui *ui, int y);

/* Shared drawing helpers. */
void ui_box(struct grid *g, struct rect r, const char *title, bool focus);
struct rect ui_inner(struct rect r);
/* Flash period: a bridge whose MAC changed this recently is highlighted. */
#define UI_FLASH_US (5ull * 1000000ull)

#endif
