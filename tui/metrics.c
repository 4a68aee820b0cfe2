/* metrics: the Prometheus exposition of VMs, links and bridges (tui/metrics.h). */
#include "tui/metrics.h"
#include "core/proc.h"
#include "core/profile.h"
#include "core/promtext.h"
#include "core/util.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- rendering (pure) ---------------------------------------------------- */

static void render_vms(const struct metrics_snap *s, struct strbuf *b)
{
	promtext_family(b, "vmdeck_vm_state", PROMTEXT_GAUGE,
			"VM state: 1 for the state the VM is in, 0 for the others");
	for (size_t i = 0; i < s->n_vms; i++)
		for (int st = 0; st < VM_STATE_COUNT; st++) {
			struct promtext_label l[] = { { "vm", s->vms[i].name }, { "state", vm_state_name(st) } };
			promtext_sample_u64(b, "vmdeck_vm_state", l, 2, s->vms[i].state == (enum vm_state)st);
		}
	promtext_family(b, "vmdeck_vm_uptime_seconds", PROMTEXT_GAUGE, "Seconds since the VM's QEMU started");
	for (size_t i = 0; i < s->n_vms; i++)
		if (s->vms[i].has_usage) {
			struct promtext_label l[] = { { "vm", s->vms[i].name } };
			promtext_sample_u64(b, "vmdeck_vm_uptime_seconds", l, 1, s->vms[i].uptime_s);
		}
	promtext_family(b, "vmdeck_vm_cpu_seconds_total", PROMTEXT_COUNTER,
			"CPU time (user + system) the VM's QEMU process used");
	for (size_t i = 0; i < s->n_vms; i++)
		if (s->vms[i].has_usage) {
			struct promtext_label l[] = { { "vm", s->vms[i].name } };
			promtext_sample_double(b, "vmdeck_vm_cpu_seconds_total", l, 1, s->vms[i].cpu_seconds);
		}
	promtext_family(b, "vmdeck_vm_resident_memory_bytes", PROMTEXT_GAUGE,
			"Resident memory of the VM's QEMU process");
	for (size_t i = 0; i < s->n_vms; i++)
		if (s->vms[i].has_usage) {
			struct promtext_label l[] = { { "vm", s->vms[i].name } };
			promtext_sample_u64(b, "vmdeck_vm_resident_memory_bytes", l, 1, s->vms[i].rss_bytes);
		}
}

static void render_links(const struct metrics_snap *s, struct strbuf *b)
{
	static const struct {
		const char *name, *help;
		size_t off;
	} fams[] = {
		{ "vmdeck_link_receive_bytes_total", "Bytes received by the link",
		  offsetof(struct metrics_link, rx_bytes) },
		{ "vmdeck_link_transmit_bytes_total", "Bytes sent by the link",
		  offsetof(struct metrics_link, tx_bytes) },
		{ "vmdeck_link_receive_packets_total", "Packets received by the link",
		  offsetof(struct metrics_link, rx_packets) },
		{ "vmdeck_link_transmit_packets_total", "Packets sent by the link",
		  offsetof(struct metrics_link, tx_packets) },
	};
	promtext_family(b, "vmdeck_links_watched", PROMTEXT_GAUGE,
			"1 while vmdeck watches this network namespace's links, 0 when it cannot");
	promtext_sample_u64(b, "vmdeck_links_watched", NULL, 0, s->links_ok);
	for (size_t f = 0; f < ARRAY_LEN(fams); f++) {
		promtext_family(b, fams[f].name, PROMTEXT_COUNTER, fams[f].help);
		for (size_t i = 0; i < s->n_links; i++) {
			const struct metrics_link *k = &s->links[i];
			struct promtext_label l[] = { { "link", k->name }, { "bridge", k->bridge }, { "vm", k->vm } };
			uint64_t v;
			memcpy(&v, (const char *)k + fams[f].off, sizeof(v));
			promtext_sample_u64(b, fams[f].name, l, 3, v);
		}
	}
}

static void render_bridges(const struct metrics_snap *s, struct strbuf *b)
{
	promtext_family(b, "vmdeck_bridge_mac_changes_total", PROMTEXT_COUNTER,
			"Changes of the bridge's MAC address seen while watching, by cause");
	for (size_t i = 0; i < s->n_bridges; i++)
		for (int c = 0; c <= BRIDGE_MAC_CAUSE_SET; c++) {
			struct promtext_label l[] = { { "bridge", s->bridges[i].name },
						      { "cause", bridge_mac_cause_name(c) } };
			promtext_sample_u64(b, "vmdeck_bridge_mac_changes_total", l, 2, s->bridges[i].changes[c]);
		}
	promtext_family(b, "vmdeck_bridge_pinned", PROMTEXT_GAUGE,
			"1 when the bridge's MAC was set explicitly (cannot change when ports come and go)");
	for (size_t i = 0; i < s->n_bridges; i++)
		if (s->bridges[i].pinned_known) {
			struct promtext_label l[] = { { "bridge", s->bridges[i].name } };
			promtext_sample_u64(b, "vmdeck_bridge_pinned", l, 1, s->bridges[i].pinned);
		}
	promtext_family(b, "vmdeck_bridge_ports", PROMTEXT_GAUGE, "Ports of the bridge");
	for (size_t i = 0; i < s->n_bridges; i++) {
		struct promtext_label l[] = { { "bridge", s->bridges[i].name } };
		promtext_sample_u64(b, "vmdeck_bridge_ports", l, 1, s->bridges[i].n_ports);
	}
	promtext_family(b, "vmdeck_bridge_vm_ports", PROMTEXT_GAUGE, "Ports of the bridge that are VM TAPs");
	for (size_t i = 0; i < s->n_bridges; i++) {
		struct promtext_label l[] = { { "bridge", s->bridges[i].name } };
		promtext_sample_u64(b, "vmdeck_bridge_vm_ports", l, 1, s->bridges[i].n_vm_ports);
	}
	/* ---- OUTAGE METRICS GO HERE (issue 15, the outage observer's half) ----
	 * Reserved names, labels {vm, port, bridge}:
	 *   vmdeck_guest_stale_frames_total  counter: frames a guest sent to a former bridge MAC
	 *   vmdeck_guest_outage_seconds_total counter: summed outage (flip -> last stale frame)
	 *   vmdeck_bridge_heals_total{bridge} counter: gratuitous ARP / NA announcements made
	 * Add them to struct metrics_snap / metrics_collect from the observer's
	 * per-guest counters once it lands on main. */
}

void metrics_render(const struct metrics_snap *s, struct strbuf *b)
{
	promtext_family(b, "vmdeck_build_info", PROMTEXT_GAUGE, "vmdeck's version; always 1");
	struct promtext_label v[] = { { "version", s->version } };
	promtext_sample_u64(b, "vmdeck_build_info", v, 1, 1);
	/* Moves once per statistics interval: a scraper sees the loop is alive. */
	promtext_family(b, "vmdeck_metrics_snapshots_total", PROMTEXT_COUNTER,
			"Snapshots the exporter's loop has published (one per statistics interval and change)");
	promtext_sample_u64(b, "vmdeck_metrics_snapshots_total", NULL, 0, s->snapshots);
	render_vms(s, b);
	render_links(s, b);
	render_bridges(s, b);
}

/* ---- the exporter's state ------------------------------------------------ */

/* One link's counters as exported: the kernel's first reading, then summed
 * deltas (linkwatch_counter_delta: a wrap or a reset never goes backwards). */
struct acc {
	int ifindex;
	bool seen;
	struct link_stats last;
	uint64_t v[4]; /* rx_bytes, tx_bytes, rx_packets, tx_packets */
};

struct bridge_count {
	char name[IF_NAMESIZE];
	uint64_t changes[BRIDGE_MAC_CAUSE_SET + 1];
	int pinned_ifindex; /* sysfs said pinned (metrics_sample) for this ifindex; 0: no */
};

/* A live VM's QEMU as the last sample read it. */
struct vm_usage {
	char *name;
	pid_t pid;
	double cpu_seconds;
	uint64_t rss_bytes;
};

struct metrics {
	struct acc *accs; /* sorted by ifindex */
	size_t n_accs, cap_accs;
	struct bridge_count *counts; /* by bridge name: a re-created bridge keeps counting up */
	size_t n_counts;
	long clk_tck, page_size;
	uint64_t snapshots;
	struct vm_usage *use; /* metrics_sample's readings */
	size_t n_use;
};

static void use_clear(struct metrics *m)
{
	for (size_t i = 0; i < m->n_use; i++)
		free(m->use[i].name);
	free(m->use);
	m->use = NULL;
	m->n_use = 0;
}

struct metrics *metrics_new(void)
{
	struct metrics *m = xcalloc(1, sizeof(*m));
	m->clk_tck = sysconf(_SC_CLK_TCK);
	m->page_size = sysconf(_SC_PAGESIZE);
	if (m->clk_tck <= 0)
		m->clk_tck = 100;
	return m;
}

void metrics_free(struct metrics *m)
{
	if (!m)
		return;
	free(m->accs);
	free(m->counts);
	use_clear(m);
	free(m);
}

static struct bridge_count *count_get(struct metrics *m, const char *bridge)
{
	for (size_t i = 0; i < m->n_counts; i++)
		if (strcmp(m->counts[i].name, bridge) == 0)
			return &m->counts[i];
	m->counts = xrealloc(m->counts, (m->n_counts + 1) * sizeof(*m->counts));
	struct bridge_count *c = &m->counts[m->n_counts++];
	memset(c, 0, sizeof(*c));
	snprintf(c->name, sizeof(c->name), "%s", bridge);
	return c;
}

void metrics_link_event(struct metrics *m, const struct linkwatch_event *ev)
{
	if (ev->type != LINKWATCH_EV_BRIDGE_MAC_CHANGED || !ev->change || !ev->link)
		return;
	enum bridge_mac_cause c = ev->change->cause;
	if ((int)c < 0 || c > BRIDGE_MAC_CAUSE_SET)
		c = BRIDGE_MAC_CAUSE_UNKNOWN;
	count_get(m, ev->link->name)->changes[c]++;
}

static struct acc *acc_get(struct metrics *m, int ifindex, bool *fresh)
{
	size_t lo = 0, hi = m->n_accs;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (m->accs[mid].ifindex < ifindex)
			lo = mid + 1;
		else
			hi = mid;
	}
	*fresh = !(lo < m->n_accs && m->accs[lo].ifindex == ifindex);
	if (*fresh) {
		if (m->n_accs == m->cap_accs) {
			m->cap_accs = m->cap_accs ? m->cap_accs * 2 : 64;
			m->accs = xrealloc(m->accs, m->cap_accs * sizeof(*m->accs));
		}
		memmove(&m->accs[lo + 1], &m->accs[lo], (m->n_accs - lo) * sizeof(*m->accs));
		memset(&m->accs[lo], 0, sizeof(*m->accs));
		m->accs[lo].ifindex = ifindex;
		m->n_accs++;
	}
	return &m->accs[lo];
}

static void acc_update(struct metrics *m, const struct link_info *l, struct metrics_link *out)
{
	bool fresh;
	struct acc *a = acc_get(m, l->ifindex, &fresh);
	a->seen = true;
	if (l->has_stats) {
		const struct link_stats *s = &l->stats;
		const uint64_t now[4] = { s->rx_bytes, s->tx_bytes, s->rx_packets, s->tx_packets };
		const uint64_t old[4] = { a->last.rx_bytes, a->last.tx_bytes, a->last.rx_packets, a->last.tx_packets };
		for (int i = 0; i < 4; i++)
			a->v[i] = fresh ? now[i] : a->v[i] + linkwatch_counter_delta(old[i], now[i]);
		a->last = *s;
	}
	out->rx_bytes = a->v[0];
	out->tx_bytes = a->v[1];
	out->rx_packets = a->v[2];
	out->tx_packets = a->v[3];
}

/* Drop the counters of links that are gone (mark and sweep). */
static void acc_sweep(struct metrics *m)
{
	size_t k = 0;
	for (size_t i = 0; i < m->n_accs; i++)
		if (m->accs[i].seen) {
			m->accs[i].seen = false;
			m->accs[k++] = m->accs[i];
		}
	m->n_accs = k;
}

/* A TAP's VM: the running VMs' NIC TAP names, made once per collect. */
struct tap_owner {
	char *tap;
	const char *vm;
};

static size_t tap_owners(struct vmm *vmm, struct tap_owner **out)
{
	size_t n = 0, cap = 0;
	*out = NULL;
	for (size_t i = 0; vmm && i < vmm_count(vmm); i++) {
		struct vm *vm = vmm_at(vmm, i);
		const struct profile *p = vm_profile(vm);
		if (!p || !vm_pid(vm))
			continue;
		for (size_t j = 0; j < p->n_nics; j++) {
			if (p->nics[j].user_net)
				continue;
			if (n == cap)
				*out = xrealloc(*out, (cap = cap ? cap * 2 : 8) * sizeof(**out));
			(*out)[n++] = (struct tap_owner){ profile_nic_tap_name(p, j), vm_name(vm) };
		}
	}
	return n;
}

static void collect_vms(struct metrics *m, struct vmm *vmm, struct metrics_snap *s)
{
	size_t n = vmm ? vmm_count(vmm) : 0;
	struct metrics_vm *vms = xcalloc(n ? n : 1, sizeof(*vms));
	for (size_t i = 0; i < n; i++) {
		struct vm *vm = vmm_at(vmm, i);
		vms[i].name = vm_name(vm);
		vms[i].state = vm_state(vm);
		vms[i].uptime_s = vm_uptime_s(vm);
		for (size_t k = 0; k < m->n_use && vm_pid(vm); k++)
			if (m->use[k].pid == vm_pid(vm) && strcmp(m->use[k].name, vm_name(vm)) == 0) {
				vms[i].has_usage = true;
				vms[i].cpu_seconds = m->use[k].cpu_seconds;
				vms[i].rss_bytes = m->use[k].rss_bytes;
			}
	}
	s->vms = vms;
	s->n_vms = n;
}

static const char *bridge_name(const struct linkwatch *lw, int ifindex)
{
	for (size_t i = 0; ifindex && i < linkwatch_bridge_count(lw); i++)
		if (linkwatch_bridge(lw, i)->ifindex == ifindex)
			return linkwatch_bridge(lw, i)->name;
	return "";
}

/* A bridge pinned to the MAC it already had sends no netlink event, so
 * linkwatch's flag can be stale: metrics_sample reads sysfs again (when it
 * is this namespace's: pinned_known). */
static bool sysfs_pinned(const char *bridge)
{
	char path[64 + IF_NAMESIZE], buf[8] = "";
	snprintf(path, sizeof(path), "/sys/class/net/%s/addr_assign_type", bridge);
	FILE *f = fopen(path, "re");
	if (!f)
		return false;
	bool ok = fgets(buf, sizeof(buf), f) != NULL;
	fclose(f);
	return ok && atoi(buf) == 3;
}

void metrics_sample(struct metrics *m, struct vmm *vmm, const struct linkwatch *lw)
{
	use_clear(m);
	size_t n = vmm ? vmm_count(vmm) : 0;
	m->use = xcalloc(n ? n : 1, sizeof(*m->use));
	for (size_t i = 0; i < n; i++) {
		struct vm *vm = vmm_at(vmm, i);
		struct proc_usage u;
		if (!vm_pid(vm) || proc_usage_read(vm_pid(vm), &u) < 0)
			continue;
		struct vm_usage *e = &m->use[m->n_use++];
		e->name = xstrdup(vm_name(vm));
		e->pid = vm_pid(vm);
		e->cpu_seconds = (double)u.cpu_ticks / (double)m->clk_tck;
		e->rss_bytes = u.rss_pages * (uint64_t)m->page_size;
	}
	for (size_t i = 0; lw && i < linkwatch_bridge_count(lw); i++) {
		const struct link_info *b = linkwatch_bridge(lw, i);
		if (b->pinned_known && !b->pinned)
			count_get(m, b->name)->pinned_ifindex = sysfs_pinned(b->name) ? b->ifindex : 0;
	}
}

static void collect_links(struct metrics *m, struct vmm *vmm, const struct linkwatch *lw, struct metrics_snap *s)
{
	struct tap_owner *own;
	size_t n_own = tap_owners(vmm, &own);
	size_t n = lw ? linkwatch_count(lw) : 0;
	struct metrics_link *links = xcalloc(n ? n : 1, sizeof(*links));
	for (size_t i = 0; i < n; i++) {
		const struct link_info *l = linkwatch_link(lw, i);
		links[i].name = l->name;
		links[i].type = link_type_name(l->type);
		links[i].bridge = bridge_name(lw, l->master);
		links[i].vm = "";
		for (size_t k = 0; k < n_own; k++)
			if (strcmp(own[k].tap, l->name) == 0)
				links[i].vm = own[k].vm;
		acc_update(m, l, &links[i]);
	}
	acc_sweep(m);
	size_t nb = lw ? linkwatch_bridge_count(lw) : 0;
	struct metrics_bridge *br = xcalloc(nb ? nb : 1, sizeof(*br));
	for (size_t i = 0; i < nb; i++) {
		const struct link_info *b = linkwatch_bridge(lw, i);
		br[i].name = b->name;
		br[i].pinned = b->pinned || count_get(m, b->name)->pinned_ifindex == b->ifindex;
		br[i].pinned_known = b->pinned_known;
		br[i].n_ports = b->n_ports;
		br[i].n_vm_ports = b->n_vm_ports;
		memcpy(br[i].changes, count_get(m, b->name)->changes, sizeof(br[i].changes));
	}
	/* links[].vm points into the VMs, not into own[]: free the names now. */
	for (size_t k = 0; k < n_own; k++)
		free(own[k].tap);
	free(own);
	s->links = links;
	s->n_links = n;
	s->bridges = br;
	s->n_bridges = nb;
	s->links_ok = lw != NULL;
}

void metrics_collect(struct metrics *m, struct vmm *vmm, const struct linkwatch *lw, struct strbuf *out)
{
	struct metrics_snap s = { .version = VMDECK_VERSION, .snapshots = ++m->snapshots };
	collect_vms(m, vmm, &s);
	collect_links(m, vmm, lw, &s);
	metrics_render(&s, out);
	free((void *)s.vms);
	free((void *)s.links);
	free((void *)s.bridges);
}
