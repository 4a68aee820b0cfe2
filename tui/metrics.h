/* metrics: what `vmdeck metrics` exports, in the Prometheus text format.
 *
 * Two halves. metrics_render() is pure: a snapshot of plain values in, the
 * exposition text out (unit-tested). struct metrics is the exporter's state
 * between snapshots: link counters carried across kernel resets so every
 * counter it exports only goes up, bridge MAC changes counted by cause from
 * linkwatch's events, and the last sample of what no model holds (QEMU's
 * CPU and memory, sysfs pinned). metrics_sample() reads those files once per
 * statistics interval; metrics_collect() renders from memory — after each
 * sample, and at most every METRICS_RENDER_MS after other changes; never
 * per scrape. */
#ifndef VMDECK_METRICS_H
#define VMDECK_METRICS_H

#include "core/vm.h"
#include "net/linkwatch.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct strbuf;

/* A change between samples (a VM state, a bridge MAC) is rendered after at
 * most this long: an event storm is not a render per event. */
#define METRICS_RENDER_MS 100

/* ---- the pure half ---- */

struct metrics_vm {
	const char *name;
	enum vm_state state;
	uint64_t uptime_s;
	bool has_usage;        /* a live QEMU whose /proc/PID/stat was read */
	double cpu_seconds;    /* utime + stime of QEMU */
	uint64_t rss_bytes;
};

struct metrics_link {
	const char *name, *type; /* type: link_type_name() */
	const char *bridge;      /* its master's name, "" when none */
	const char *vm;          /* the VM whose TAP it is, "" when none */
	uint64_t rx_bytes, tx_bytes, rx_packets, tx_packets; /* monotonic */
};

struct metrics_bridge {
	const char *name;
	bool pinned, pinned_known;
	size_t n_ports, n_vm_ports;
	uint64_t changes[BRIDGE_MAC_CAUSE_SET + 1]; /* by enum bridge_mac_cause */
};

struct metrics_snap {
	const char *version;
	const struct metrics_vm *vms;
	size_t n_vms;
	const struct metrics_link *links;
	size_t n_links;
	const struct metrics_bridge *bridges;
	size_t n_bridges;
	bool links_ok;         /* false: the link watcher is down (vmdeck_links_watched 0) */
	uint64_t snapshots;    /* snapshots published so far, this one included */
};

/* Append the whole exposition for s to out. */
void metrics_render(const struct metrics_snap *s, struct strbuf *out);

/* ---- the exporter's state ---- */

struct metrics;
struct metrics *metrics_new(void);
void metrics_free(struct metrics *m);
/* Feed every linkwatch event (counts bridge MAC changes by cause). */
void metrics_link_event(struct metrics *m, const struct linkwatch_event *ev);
/* Read the files the models do not hold: each live VM's /proc/PID/stat and,
 * for unpinned bridges, sysfs addr_assign_type (pinning to the same MAC
 * sends no event). Once per statistics interval, never per event. */
void metrics_sample(struct metrics *m, struct vmm *vmm, const struct linkwatch *lw);
/* Render the models and the last sample into out; reads no file. vmm and
 * lw may be NULL (not watched: no VM, or no link families). */
void metrics_collect(struct metrics *m, struct vmm *vmm, const struct linkwatch *lw, struct strbuf *out);

#endif
