/* model: what the TUI shows, as plain data (bmon's element model). Sources
 * (tui/src_*.c: the VM manager, the link watcher, the thumbnail) fill it; views
 * only read it. Unit tests fill it by hand and inspect what the views draw. */
#ifndef VMDECK_TUI_MODEL_H
#define VMDECK_TUI_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tui/spark.h"

struct profile;
struct monitor;

/* MVM_UNKNOWN: vmdeck cannot watch the VM (out of file descriptors); its
 * note says why. Never shown as stopped. */
enum mvm_state { MVM_STOPPED, MVM_STARTING, MVM_RUNNING, MVM_PAUSED, MVM_STOPPING, MVM_EXITED, MVM_UNKNOWN, MVM__N };
const char *mvm_state_name(enum mvm_state s);

/* A line list with a cap: scrollback, log tails, history. Owns its strings. */
struct lines {
	char **v;
	size_t n, cap, max;
};
void lines_init(struct lines *l, size_t max);
void lines_clear(struct lines *l);
void lines_push(struct lines *l, const char *s); /* drops the oldest beyond max */
/* Split text on newlines and push each line (a trailing newline adds nothing). */
void lines_push_text(struct lines *l, const char *text);

/* Bounds of the per-VM and model line lists (docs/tui.md, "Memory"). */
#define MVM_LOG_MAX 64      /* a VM's log tail / its progress notes */
#define MODEL_DIAGS_MAX 200 /* profile problems */

struct mvm {
	char *name;           /* a libvirt domain: "HOST/NAME"; a header: "HOST/" */
	char *host;           /* the libvirt host (tui/src_lv.c); NULL: this host's VM */
	bool header;          /* a host's header row (name: its text), no VM: shown when connections exist */
	bool stale;           /* a libvirt domain's last known state: its host is unreachable */
	const struct profile *prof; /* borrowed from the source's profile set; NULL: no profile (found running) */
	enum mvm_state state;
	char *cause;          /* "guest shutdown", "signal 9", "exit code 1"...; NULL: none */
	bool failed;          /* exited with a failure: details show log lines */
	bool install;         /* install mode */
	int64_t started_wall_s; /* 0: not running */
	int pid;
	char *runtime_dir;
	char *note;           /* the latest step of a running action ("stop: sent quit") */
	struct lines log;     /* QEMU's log tail when failed, the serial console otherwise; MVM_LOG_MAX */
	/* Monitor pane: scrollback and history (core/monitor.h; borrowed from
	 * the VM manager, NULL when there is none). */
	struct monitor *mon;
	bool mon_busy;        /* a command is in flight */
	/* QEMU's CPU and memory, sampled once a second (src_vm_sample). */
	bool has_usage;
	double cpu_pct;       /* of one CPU, over the last second */
	uint64_t rss_bytes;
	struct spark cpu_hist;
	/* Port forwards (core/forward.h), filled for the selected VM only (a
	 * running one's from RUN/forwards, read again only when it changed). */
	struct forward *fwd;
	size_t n_fwd;
	bool fwd_live;        /* as QEMU has them now, live changes included */
};

struct mport {
	char name[16];
	int ifindex;
	uint8_t mac[6];
	char state[12];       /* "up", "down", "no-carrier" */
	double rx_bps, tx_bps;
	char vm[33];          /* the VM the TAP belongs to, "" if none */
	struct spark rx_hist, tx_hist; /* rates of the last SPARK_MAX intervals */
};

struct mbridge {
	char name[16];
	int ifindex;
	uint8_t mac[6];
	bool pinned;
	bool at_risk;         /* unpinned with VM ports */
	bool present;         /* false: a configured bridge that vanished (degraded) */
	unsigned n_changes;
	char *last_change;    /* "12:03:04 aa -> bb (vd-x-0 joined)" */
	char *cost;           /* what the last change cost its guests ("guesta: 13 frames lost, 6.4 s"),
	                       * or why it cannot be measured; NULL: nothing to say */
	bool cost_bad;        /* cost names lost frames (drawn as a warning) */
	bool healed;          /* heal is on: vmdeck announces its MAC after each change */
	uint64_t changed_mono_us; /* 0: never; the view highlights recent changes */
	struct mport *ports;
	size_t n_ports;
	char *prediction;     /* "starting X will change the MAC to m", or NULL */
};

struct mmac_event {
	int64_t wall_us;
	char bridge[16];
	uint8_t old_mac[6], new_mac[6];
	char *cause;
	char *cost;           /* what it cost the guests, or NULL */
};

/* The bridge MAC changes the TUI keeps in memory (the H view): the newest
 * this many, this session's and those loaded from the history file together
 * (`vmdeck net history` reads the file for older ones). docs/tui.md. */
#define MODEL_HISTORY_MAX 2000

struct model {
	struct mvm *vms;
	size_t n_vms;
	struct mbridge *bridges;
	size_t n_bridges;
	struct mmac_event *history; /* oldest first, at most MODEL_HISTORY_MAX */
	size_t n_history, cap_history;
	struct lines diags;   /* profile problems, "file:line:col: message" */
	char *vm_degraded;    /* the VM manager is unavailable: why (NULL: fine) */
	char *net_degraded;   /* the link watcher is unavailable: why */
	char *profiles_dir;
};

void model_init(struct model *m);
void model_clear(struct model *m);
struct mvm *model_vm_find(struct model *m, const char *name);
void mvm_clear(struct mvm *v);
void model_bridges_clear(struct model *m);
void model_history_push(struct model *m, const struct mmac_event *e); /* copies */
void model_history_clear(struct model *m); /* keeps the array for the next fill */
/* Sort oldest first and keep the newest MODEL_HISTORY_MAX. */
void model_history_finish(struct model *m);
/* Uptime "1d 02:03:04" / "02:03:04" into buf. */
const char *model_uptime(int64_t secs, char *buf, size_t n);
/* Rate "1.2M" bits per second style, 5 columns max. */
const char *model_rate(double bps, char *buf, size_t n);
/* Memory "512K", "256M", "1.5G" (1024-based), 5 columns max. */
const char *model_bytes(uint64_t bytes, char *buf, size_t n);

#endif
