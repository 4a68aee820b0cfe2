/* view_vms: the VM list (state with cause, mode, uptime) and the details of
 * the selected VM (CPU, memory, disks, NICs with TAPs and bridges, runtime
 * paths, and the console or, after a failure, QEMU's last log lines). */
#include "tui/theme.h"
#include "tui/ui.h"
#include "core/forward.h"
#include "core/profile.h"
#include "core/util.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static enum role state_role(const struct mvm *v)
{
	switch (v->state) {
	case MVM_RUNNING: return ROLE_OK;
	case MVM_STARTING: case MVM_STOPPING: case MVM_PAUSED: return ROLE_WARN;
	case MVM_EXITED: return v->failed ? ROLE_BAD : ROLE_DIM;
	default: return ROLE_DIM;
	}
}

static enum glyph state_glyph(const struct mvm *v)
{
	static const enum glyph g[MVM__N] = {
		[MVM_STOPPED] = GL_STOPPED, [MVM_STARTING] = GL_BUSY, [MVM_RUNNING] = GL_RUNNING,
		[MVM_PAUSED] = GL_PAUSED, [MVM_STOPPING] = GL_BUSY, [MVM_EXITED] = GL_STOPPED,
	};
	return v->failed ? GL_FAILED : g[v->state];
}

/* "exited (signal 9)"; a libvirt domain of an unreachable host: "running?"
 * (its last known state, drawn grey). */
static void state_text(const struct mvm *v, char *buf, size_t n)
{
	if (v->cause && *v->cause)
		snprintf(buf, n, "%s (%s)%s", mvm_state_name(v->state), v->cause, v->stale ? "?" : "");
	else
		snprintf(buf, n, "%s%s", mvm_state_name(v->state), v->stale ? "?" : "");
}

static bool autostart(const struct mvm *v)
{
	return v->prof && v->prof->autostart;
}

static void keep_visible(size_t sel, size_t *top, int rows)
{
	if (rows < 1)
		rows = 1;
	if (sel < *top)
		*top = sel;
	else if (sel >= *top + (size_t)rows)
		*top = sel - (size_t)rows + 1;
}

/* Column widths: glyph, name, state (with the cause, or the uptime of a
 * live VM: one never has both), mode. The state gets what is left. */
struct cols {
	int namew, statew, modew;
	int usew; /* CPU %, memory and a CPU sparkline; 0: no live VM, or no room */
};

/* "100% 1.5G " before the sparkline. */
#define USE_TEXT_W 11

static struct cols vms_cols(const struct ui *ui, struct rect in)
{
	struct cols c = { 0, 0, 7, 0 };
	int need = 8;
	for (size_t i = 0; i < ui->m.n_vms; i++) {
		const struct mvm *v = &ui->m.vms[i];
		if (v->header)
			continue; /* drawn across the row */
		int l = grid_strwidth(v->name) + (autostart(v) ? 2 : 0);
		if (l > c.namew)
			c.namew = l;
		char st[128];
		state_text(v, st, sizeof(st));
		l = grid_strwidth(st) + (v->started_wall_s ? 9 : 0);
		if (l > need)
			need = l;
	}
	if (c.namew > 20)
		c.namew = 20;
	if (c.namew > in.w - 2 - 1 - c.modew - 1 - need)
		c.namew = in.w - 2 - 1 - c.modew - 1 - need;
	if (c.namew < 6)
		c.namew = 6;
	c.statew = in.w - 2 - c.namew - 1 - c.modew - 1;
	/* Live VMs: their CPU and memory take what the state does not need, when
	 * that fits the text and a sparkline of 4 or more. It depends on the
	 * state texts and the width only: a moving CPU never moves a column. */
	bool live = false;
	for (size_t i = 0; i < ui->m.n_vms; i++)
		live |= ui->m.vms[i].has_usage;
	int spare = c.statew - need - 1;
	if (live && spare >= USE_TEXT_W + 4) {
		c.usew = spare < USE_TEXT_W + SPARK_MAX ? spare : USE_TEXT_W + SPARK_MAX;
		c.statew -= c.usew + 1;
	}
	return c;
}

static void vms_row(struct ui *ui, struct grid *g, struct rect in, struct cols c, size_t i)
{
	if (i < ui->vm_top || i >= ui->vm_top + (size_t)in.h || i >= ui->m.n_vms)
		return;
	const struct mvm *v = &ui->m.vms[i];
	bool sel = i == ui->vm_sel;
	enum role base = sel ? (ui->focus == PANE_VMS ? ROLE_SELECTED : ROLE_SELECTED_DIM)
			     : v->stale ? ROLE_DIM : ROLE_NORMAL;
	struct grid_pen pb = theme_pen(base);
	int y = in.y + (int)(i - ui->vm_top), x = in.x;
	grid_fill(g, (struct rect){ in.x, y, in.w, 1 }, ' ', pb);
	if (v->header) { /* a host: "lab2: unreachable: …" */
		grid_print(g, x, y, in.w, sel ? pb : theme_pen(v->failed ? ROLE_BAD : ROLE_TITLE), v->cause ? v->cause : v->name);
		return;
	}
	/* A stale row (its host unreachable) is grey, its last known state too. */
	struct grid_pen ps = sel || v->stale ? pb : theme_pen(state_role(v));
	grid_set(g, x, y, theme_glyph(state_glyph(v)), ps);
	x += 2;
	int nl = grid_print(g, x, y, c.namew, pb, v->name);
	/* "web1 A": the VM starts at boot (vmdeck autostart); dropped when the
	 * name fills its column. */
	if (autostart(v) && nl + 2 <= c.namew)
		grid_set(g, x + nl + 1, y, 'A', sel ? pb : theme_pen(ROLE_DIM));
	x += c.namew + 1;
	char st[128];
	state_text(v, st, sizeof(st));
	if (v->started_wall_s && (v->state == MVM_RUNNING || v->state == MVM_PAUSED || v->state == MVM_STOPPING)) {
		char up[32];
		size_t l = strlen(st);
		snprintf(st + l, sizeof(st) - l, " %s", model_uptime(ui->now_wall_s - v->started_wall_s, up, sizeof(up)));
	}
	grid_print(g, x, y, c.statew, ps, st);
	x += c.statew + 1;
	if (c.usew && v->has_usage) {
		char mem[16];
		grid_printf(g, x, y, USE_TEXT_W, sel ? pb : theme_pen(ROLE_DIM), "%3.0f%% %s", v->cpu_pct,
			    model_bytes(v->rss_bytes, mem, sizeof(mem)));
		spark_draw(g, x + USE_TEXT_W, y, c.usew - USE_TEXT_W, 100, sel ? pb : theme_pen(ROLE_OK), &v->cpu_hist);
	}
	if (c.usew)
		x += c.usew + 1;
	grid_print(g, x, y, c.modew, sel || v->stale ? pb : theme_pen(v->install ? ROLE_MODE_INSTALL : ROLE_NORMAL),
		   v->host ? "libvirt" : v->install ? "install" : "boot");
}

/* D_VMS draws the pane; D_VMS_SEL alone (the selection moved, nothing else
 * changed) only the row it left and the row it reached, unless the list
 * had to scroll. */
static void vms_draw(struct ui *ui, struct grid *g, struct rect r)
{
	struct rect in = ui_inner(r);
	size_t top = ui->vm_top;
	keep_visible(ui->vm_sel, &ui->vm_top, in.h);
	bool rows_only = !(ui->dirty & D_VMS) && ui->vm_top == top && ui->vm_drawn_sel < ui->m.n_vms &&
			 in.w >= 4 && in.h >= 1;
	size_t was = ui->vm_drawn_sel;
	ui->vm_drawn_sel = ui->vm_sel;
	/* A list longer than the pane says where the selection is ("VMs
	 * 12/40"): the rows above and below are out of sight. */
	char title[64];
	bool scrolls = ui->m.n_vms > (size_t)(in.h > 0 ? in.h : 0);
	if (scrolls)
		snprintf(title, sizeof(title), "VMs %zu/%zu", ui->vm_sel + 1, ui->m.n_vms);
	else
		snprintf(title, sizeof(title), "VMs %zu", ui->m.n_vms);
	if (rows_only) {
		struct cols c = vms_cols(ui, in);
		vms_row(ui, g, in, c, was);
		vms_row(ui, g, in, c, ui->vm_sel);
		if (scrolls)
			ui_box_title(g, r, title, ui->focus == PANE_VMS);
		return;
	}
	ui_box(g, r, title, ui->focus == PANE_VMS);
	if (in.w < 4 || in.h < 1)
		return;
	if (!ui->m.n_vms) {
		grid_print(g, in.x + 1, in.y, in.w - 1, theme_pen(ROLE_DIM), "no profiles in");
		grid_print(g, in.x + 1, in.y + 1, in.w - 1, theme_pen(ROLE_DIM),
			   ui->m.profiles_dir ? ui->m.profiles_dir : "(no profile directory)");
		return;
	}
	struct cols c = vms_cols(ui, in);
	for (size_t i = ui->vm_top; i < ui->m.n_vms && i < ui->vm_top + (size_t)in.h; i++)
		vms_row(ui, g, in, c, i);
}

/* Emit one details line; returns the next row. */
static int line(struct grid *g, struct rect in, int y, enum role role, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
static int line(struct grid *g, struct rect in, int y, enum role role, const char *fmt, ...)
{
	if (y >= in.y + in.h)
		return y;
	va_list ap;
	va_start(ap, fmt);
	char *s = xvasprintf(fmt, ap);
	va_end(ap);
	grid_print(g, in.x + 1, y, in.w - 1, theme_pen(role), s);
	free(s);
	return y + 1;
}

/* Problems: this profile's own, and those of files that did not load at
 * all (a bad profile: its file:line message; the others still load).
 * Returns the next row. */
static int details_problems(const struct ui *ui, const struct mvm *v, struct grid *g, struct rect in, int y)
{
	size_t shown = 0, other = 0;
	for (size_t i = 0; i < ui->m.diags.n; i++) {
		const char *d = ui->m.diags.v[i];
		bool own = v && v->prof && v->prof->path && strncmp(d, v->prof->path, strlen(v->prof->path)) == 0 &&
			   d[strlen(v->prof->path)] == ':';
		bool loaded = false;
		for (size_t j = 0; j < ui->m.n_vms && !own; j++) {
			const struct profile *q = ui->m.vms[j].prof;
			if (q && q->path && strncmp(d, q->path, strlen(q->path)) == 0 && d[strlen(q->path)] == ':')
				loaded = true;
		}
		if ((own || !loaded) && shown < 3) {
			/* The file's base name is enough on screen; vmdeck check has the path. */
			const char *colon = strchr(d, ':'), *base = d;
			for (const char *q = d; colon && q < colon; q++)
				if (*q == '/')
					base = q + 1;
			y = line(g, in, y, own ? ROLE_WARN : ROLE_BAD, "%s", base);
			shown++;
		} else if (own || !loaded)
			other++;
	}
	if (other)
		y = line(g, in, y, ROLE_BAD, "(%zu more: vmdeck check)", other);
	return y;
}

/* The state with its cause and pid, and the note under it. */
static int details_state(const struct mvm *v, struct grid *g, struct rect in, int y)
{
	char st[160];
	state_text(v, st, sizeof(st));
	if (v->pid > 0)
		y = line(g, in, y, state_role(v), "state   %s, pid %d", st, v->pid);
	else
		y = line(g, in, y, state_role(v), "state   %s", st);
	if (v->note)
		y = line(g, in, y, ROLE_WARN, "        %s", v->note);
	return y;
}

/* The profile's description, mode, CPU, memory, VNC display and disks. */
static int details_hardware(const struct mvm *v, const struct profile *p, struct grid *g, struct rect in, int y)
{
	if (p->description)
		y = line(g, in, y, ROLE_DIM, "%s", p->description);
	y = line(g, in, y, v->install ? ROLE_MODE_INSTALL : ROLE_NORMAL, "mode    %s%s%s",
		 v->install ? "install" : "boot", p->install.present ? "  installer " : "",
		 p->install.present && p->install.file ? p->install.file : "");
	y = line(g, in, y, ROLE_NORMAL, "cpu     %u x %s, %s, %s", p->smp_cpus ? p->smp_cpus : 1,
		 p->cpu ? p->cpu : "default", p->machine ? p->machine : "pc", p->accel ? p->accel : "kvm:tcg");
	y = line(g, in, y, ROLE_NORMAL, "memory  %u MiB", p->memory_mb);
	if (p->autostart)
		y = line(g, in, y, ROLE_NORMAL, "autostart order %u, then wait %u s (vmdeck autostart)", p->autostart_order,
			 p->autostart_delay_s);
	/* A VNC display off the UNIX socket: where; loudly when the network reaches it. */
	if (p->vnc && strcmp(p->vnc, "unix") != 0) {
		if (profile_vnc_public(p))
			y = line(g, in, y, ROLE_BAD, "display VNC on %s: reachable from the network (password only, no encryption)",
				 p->vnc);
		else
			y = line(g, in, y, ROLE_NORMAL, "display VNC on %s", p->vnc);
	}
	for (size_t i = 0; i < p->n_disks; i++) {
		const struct profile_disk *d = &p->disks[i];
		y = line(g, in, y, ROLE_NORMAL, "disk    %s %s (%s, %s%s)", d->id ? d->id : "", d->file ? d->file : "",
			 d->format ? d->format : "raw", d->interface ? d->interface : "virtio",
			 d->snapshot ? ", snapshot" : "");
	}
	return y;
}

/* A user-mode NIC's forwards: host -> guest port; red when every address
 * (the network) reaches it, as a public VNC display is. */
static int details_forwards(const struct mvm *v, const char *nic, struct grid *g, struct rect in, int y)
{
	for (size_t k = 0; k < v->n_fwd; k++) {
		const struct forward *f = &v->fwd[k];
		if (strcmp(f->nic, nic) != 0)
			continue;
		bool pub = forward_public(f);
		y = line(g, in, y, pub ? ROLE_BAD : ROLE_NORMAL, "        fwd %s %s:%u %s guest %u%s",
			 forward_proto_name(f->proto), f->host, f->host_port, theme_glyph_str(GL_ARROW), f->guest_port,
			 pub ? "  reachable from the network" : "");
	}
	return y;
}

/* Each NIC: its guest MAC and model, then user-mode (and its forwards) or
 * its TAP and bridge. */
static int details_nics(const struct mvm *v, const struct profile *p, struct grid *g, struct rect in, int y)
{
	for (size_t i = 0; i < p->n_nics; i++) {
		const struct profile_nic *n = &p->nics[i];
		uint8_t mac[6];
		char macs[18];
		profile_nic_guest_mac(p, i, mac);
		mac_format(mac, macs);
		if (n->user_net) {
			y = line(g, in, y, ROLE_NORMAL, "nic     %s %s user-mode%s", macs, n->model ? n->model : "",
				 v->fwd_live ? ", forwards as running" : "");
			y = details_forwards(v, n->id ? n->id : "", g, in, y);
		} else {
			char *tap = profile_nic_tap_name(p, i);
			y = line(g, in, y, ROLE_NORMAL, "nic     %s %s", macs, n->model ? n->model : "");
			y = line(g, in, y, ROLE_NORMAL, "        tap %s %s %s%s%s", tap, theme_glyph_str(GL_ARROW),
				 n->bridge ? n->bridge : "(no bridge)", n->has_tap_mac_policy ? ", TAP MAC " : "",
				 n->has_tap_mac_policy ? mac_policy_name(n->tap_mac_policy) : "");
			free(tap);
		}
	}
	return y;
}

/* The console, or after a failure QEMU's log: its last lines, filling the
 * rest of the pane (needs room for the heading and one line). */
static void details_log(const struct mvm *v, struct grid *g, struct rect in, int y)
{
	if (!v->log.n || y >= in.y + in.h - 1)
		return;
	y = line(g, in, y, v->failed ? ROLE_BAD : ROLE_TITLE, "%s", v->failed ? "-- QEMU log --" : "-- console --");
	int rows = in.y + in.h - y;
	size_t first = v->log.n > (size_t)rows ? v->log.n - (size_t)rows : 0;
	for (size_t i = first; i < v->log.n; i++) {
		/* Console lines end in what matters (ping ... ok / LOST):
		 * when one is too long, keep its end. */
		const char *l = v->log.v[i];
		int w = grid_strwidth(l), room = in.w - 1;
		if (w > room && room > 4) {
			for (int skip = w - room + 1; skip > 0 && *l; skip--) {
				uint32_t cp;
				l += grid_utf8_decode(l, &cp);
			}
			grid_set(g, in.x + 1, y, theme_glyph(GL_ELLIPSIS), theme_pen(ROLE_DIM));
			grid_print(g, in.x + 2, y++, room - 1, theme_pen(v->failed ? ROLE_BAD : ROLE_NORMAL), l);
		} else {
			y = line(g, in, y, v->failed ? ROLE_BAD : ROLE_NORMAL, "%s", l);
		}
	}
}

static void details_draw(struct ui *ui, struct grid *g, struct rect r)
{
	if (ui->storage.on) {
		view_storage_draw(ui, g, r);
		return;
	}
	struct mvm *v = ui_selected_vm(ui);
	char title[80];
	snprintf(title, sizeof(title), "%s", v ? v->name : "details");
	ui_box(g, r, title, false);
	struct rect in = ui_inner(r);
	if (in.w < 4 || in.h < 1)
		return;
	int y = details_problems(ui, v, g, in, in.y);
	if (!v)
		return;
	const struct profile *p = v->prof;
	y = details_state(v, g, in, y);
	if (v->host) {
		line(g, in, y, ROLE_DIM, "keys s x X p R, the monitor (m) and the screen (z) go through libvirt; console: not yet");
		return;
	}
	if (p) {
		y = details_hardware(v, p, g, in, y);
		y = details_nics(v, p, g, in, y);
	} else {
		y = line(g, in, y, ROLE_BAD, "no profile: found running, or its profile went away");
	}
	if (v->runtime_dir)
		y = line(g, in, y, ROLE_DIM, "run     %s", v->runtime_dir);
	details_log(v, g, in, y);
}

/* No keys of its own: the key table acts on the selected VM. */
const struct view_ops view_vms_ops = { "vms", D_VMS | D_VMS_SEL, vms_draw, NULL, NULL };
const struct view_ops view_details_ops = { "details", D_DETAILS, details_draw, NULL, NULL };
