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
/* Rows under the VM list from which the details and the console pane
 * share them; fewer: the console takes the details' place while it has
 * the keyboard. */
#define UI_CONSOLE_SPLIT_MIN 18

enum pane { PANE_VMS, PANE_NET, PANE_MONITOR, PANE_CONSOLE, PANE__N };

/* Dirty bits: which views must be drawn again on this loop pass.
 * D_VMS_SEL: only the VM selection moved (two rows of the list). */
enum {
	D_HEADER = 1 << 0, D_VMS = 1 << 1, D_DETAILS = 1 << 2, D_NET = 1 << 3, D_MONITOR = 1 << 4,
	D_THUMB = 1 << 5, D_STATUS = 1 << 6, D_VMS_SEL = 1 << 7, D_CONSOLE = 1 << 8, D_ALL = 0x1ff,
	/* What shows the selected VM: redrawn when the selection moves. */
	D_SELECTED_VM = D_VMS_SEL | D_DETAILS | D_MONITOR | D_THUMB | D_STATUS | D_CONSOLE,
};

/* Results of a key handler (htop's bitmask): the loop decides what to do.
 * KEY_RELAYOUT: the layout changed (help, zoom): size the screen again;
 * KEY_REDRAW: repaint every cell (^L). */
enum { KEY_UNHANDLED = 0, KEY_HANDLED = 1, KEY_QUIT = 2, KEY_RELAYOUT = 4, KEY_REDRAW = 8 };

enum view_id { V_HEADER, V_VMS, V_DETAILS, V_NET, V_MONITOR, V_THUMB, V_CONSOLE, V_STATUS, V_HELP, V_SMALL, V__N };

struct ui;
struct view_ops {
	const char *name;
	unsigned dirty_bits;  /* draw when one of these is set */
	void (*draw)(struct ui *ui, struct grid *g, struct rect r);
	/* Keys the view takes while it has the keyboard (ui_key), before the
	 * key table; KEY_UNHANDLED (or no key op): the table decides. */
	int (*key)(struct ui *ui, int key);
	/* The view got a new rectangle (scroll offsets follow it). */
	void (*resize)(struct ui *ui, struct rect r);
};
extern const struct view_ops view_header_ops, view_vms_ops, view_details_ops, view_net_ops, view_monitor_ops,
	view_thumb_ops, view_console_ops, view_status_ops, view_help_ops, view_small_ops;

struct vtscreen;
/* The console pane (tui/src_console.c fills it, tui/view_console.c draws). */
struct ui_console {
	struct vtscreen *vt;  /* the selected VM's serial console as a screen; NULL: none */
	char *vm;             /* whose */
	char *note;           /* "not running", "held by vmdeck console (pid 12)"; NULL: connected */
	bool connected;
	bool held;            /* this vmdeck's keys reach the guest */
	int scroll;           /* lines scrolled back */
};

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

/* A pending action waiting for y/n (its question is the binding's confirm). */
struct ui_confirm {
	enum action action;
	char *question;
	/* The VM it is about, as it was when asked (name and QEMU's pid): the
	 * answer acts only on that same run of that VM. */
	char *vm;
	int pid;
};

/* The storage view (D): the selected VM's disks and snapshots as rows, read
 * by a child `vmdeck disk NAME --json` (tui/src_storage.c); its actions run
 * as child verbs too, one at a time, never blocking the loop. */
struct ui_storage_row {
	char *text;
	char *disk;  /* the disk id of this row */
	char *tag;   /* a snapshot row: its tag; NULL for a disk row */
	bool head;   /* a disk's first row (+ grows it) */
};
struct ui_storage {
	bool on;
	char *vm;                  /* whose storage */
	struct ui_storage_row *rows;
	size_t n, sel, top;
	char *busy;                /* a job runs: what it says last ("snapshot-save: running") */
	char *error;               /* the listing failed: why */
};
void ui_storage_clear_rows(struct ui_storage *s);

/* Monitor requests go out through this hook (set by the app; tests record). */
typedef void (*ui_monitor_send_fn)(struct ui *ui, struct mvm *vm, const char *cmd, void *arg);
/* Typing into the guest's screen (ui->typing): keys and clicks go out
 * through these hooks (set by the app: tui/src_thumb.c; tests record).
 * click: x,y the screen cell; buttons the RFB mask (1 left, 2 middle,
 * 4 right, 8/16 wheel up/down). */
struct ui_guest {
	void (*key)(struct ui *ui, int key, void *arg);
	void (*click)(struct ui *ui, int x, int y, unsigned buttons, void *arg);
	void *arg;
};

/* Actions beyond the screen (start, stop, pin, reload...) go out through
 * this hook, after the table's checks and any y/n (set by the app; tests record). */
typedef void (*ui_act_fn)(struct ui *ui, enum action a, void *arg);

struct ui {
	struct model m;
	bool read_only;
	enum pane focus;
	size_t vm_sel, vm_top;
	size_t vm_drawn_sel;       /* the selected row as the VM list last drew it */
	size_t net_sel, net_top;   /* over the bridges */
	size_t hist_top;
	int mon_scroll;            /* lines scrolled back from the end */
	bool help, history, zoom;
	/* Zoomed, Enter (or a click) gave the guest's screen the keyboard (and
	 * the mouse): every key goes to the guest but Ctrl-], which leaves. */
	bool typing;
	bool mouse;                /* the terminal reports clicks (for the title) */
	struct ui_guest guest;
	int help_top;              /* help screen scroll */
	char input[512];
	size_t input_len;
	bool input_cut;            /* a key did not fit: Enter refuses to send the cut line */
	int hist_pos;              /* -1: editing a new line */
	struct ui_confirm confirm;
	struct ui_storage storage;
	struct prompt prompt;      /* a line being typed in the status bar (I: a script path) */
	char *message;
	bool message_error;
	uint64_t message_until_us;
	uint64_t answer_until_us;  /* the message answers a key: news waits until then */
	bool in_key;               /* the app is handling a key or click (its messages are answers) */
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
	ui_act_fn act;
	void *act_arg;
	struct ui_console con;
	/* Keys while the console pane has the keyboard (set by the app; NULL: dropped). */
	int (*console_key)(struct ui *ui, int key, void *arg);
	void *console_arg;
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
/* Does the binding apply now (its W_* bits all hold)? */
bool ui_binding_applies(struct ui *ui, const struct key_binding *b);
/* Show a message in the status bar for a few seconds. Said while a key is
 * handled (in_key), it is that key's answer ("cancelled", a refusal) and
 * holds the status bar for UI_ANSWER_US against news, or until the next key. */
void ui_message(struct ui *ui, bool error, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* The same for news nobody asked for just now (the file watcher's reload, a
 * VM's log line, an action's success arriving later): it never replaces an
 * error still on show, which the user has to read first, nor a key's answer
 * younger than UI_ANSWER_US (QEMU's reply to a reset comes after its RESET
 * event, and must not wipe the "cancelled" of the next question). */
void ui_note(struct ui *ui, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Keep the selection valid after the model changed. */
void ui_clamp(struct ui *ui);
/* The one key dispatcher. The view that has the keyboard gets the key
 * first through its view_ops.key: the "too small" screen while the terminal
 * is too small, the status bar while a y/n question is pending, the help
 * while it is open, else the focused pane. What it leaves goes to the key
 * table: a binding that does not apply says why, one with a confirm question
 * asks it, the rest act (ui_act). Returns KEY_* bits for the loop. */
int ui_key(struct ui *ui, int key);
/* Stop typing into the guest's screen (Ctrl-], zoom off, the VM gone);
 * why: the status bar's note, or NULL. */
void ui_typing_end(struct ui *ui, const char *why);
/* Do an action now, without the table's checks or a question: navigation
 * and what only changes the screen here, the rest through ui->act. */
int ui_act(struct ui *ui, enum action a);

/* The bridge whose block holds screen row y of the network pane as last
 * drawn (tui/view_net.c), or -1 (no bridge there, the history is shown). */
long view_net_bridge_at(const struct ui *ui, int y);

/* The storage view in the details pane's place (tui/view_storage.c). */
void view_storage_draw(struct ui *ui, struct grid *g, struct rect r);

/* Shared drawing helpers. */
void ui_box(struct grid *g, struct rect r, const char *title, bool focus);
/* Only the top edge and its title again (a title that changes alone). */
void ui_box_title(struct grid *g, struct rect r, const char *title, bool focus);
struct rect ui_inner(struct rect r);
/* Flash period: a bridge whose MAC changed this recently is highlighted. */
#define UI_FLASH_US (5ull * 1000000ull)
#define UI_ANSWER_US (2ull * 1000000ull)

#endif
