/* import: QEMU argv -> profile model, walking the options in order. Options
 * that pair up (-device with its -drive or -netdev, either order) are joined
 * here; the devices, disks and NICs themselves are core/import_dev.c's. */
#include "core/import.h"

#include "core/import_priv.h"
#include "core/profile.h"
#include "core/util.h"
#include "core/yamldoc.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- bookkeeping ------------------------------------------------------- */

void imp_note(struct imp *c, int line, int col, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *msg = xvasprintf(fmt, ap);
	va_end(ap);
	struct import_result *r = c->r;
	r->notes = xrealloc(r->notes, (r->n_notes + 1) * sizeof *r->notes);
	r->notes[r->n_notes++] = (struct import_note){ line, col, msg };
}

/* "line 3: -m 2048", shortened: the comment on what the option became. */
char *imp_src(const struct qopt *q)
{
	char *s = q->val ? xasprintf("-%s %s", q->name, q->val) : xasprintf("-%s", q->name);
	if (strlen(s) > 56)
		strcpy(s + utf8_prefix_len(s, strlen(s), 53), "…");
	char *out = q->line ? xasprintf("line %d: %s", q->line, s) : xstrdup(s);
	free(s);
	return out;
}

/* Each option counts once, where it is finally kept, modernised, moved or
 * dropped. */
void imp_kept(struct imp *c, struct qopt *q)
{
	if (q->done)
		return;
	q->done = true;
	if (q->modern)
		c->r->modernised++;
	else
		c->r->kept++;
}

void imp_modern(struct imp *c, struct qopt *q, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *msg = xvasprintf(fmt, ap);
	va_end(ap);
	imp_note(c, q->line, q->col, "-%s: %s", q->name, msg);
	free(msg);
	q->done = true;
	c->r->modernised++;
}

void imp_drop(struct imp *c, struct qopt *q, const char *why)
{
	imp_note(c, q->line, q->col, "-%s%s%s dropped: %s", q->name, q->val ? " " : "", q->val ? q->val : "", why);
	q->done = true;
	c->r->dropped++;
}

/* The option, verbatim, to extra_args; why goes on a comment above it. */
void imp_extra(struct imp *c, struct qopt *q, const char *why)
{
	struct imodel *m = &c->m;
	m->extra = xrealloc(m->extra, (m->n_extra + 2) * sizeof *m->extra);
	char *src = imp_src(q);
	m->extra[m->n_extra++] = (struct iextra){ xasprintf("-%s", q->name), xasprintf("%s — %s", src, why) };
	free(src);
	if (q->val)
		m->extra[m->n_extra++] = (struct iextra){ xstrdup(q->val), NULL };
	if (!q->done) {
		c->r->moved++;
		imp_note(c, q->line, q->col, "-%s moved to extra_args: %s", q->name, why);
	}
	q->done = true;
}

void imp_extra_raw(struct imp *c, const char *opt, const char *val, const char *why)
{
	struct imodel *m = &c->m;
	m->extra = xrealloc(m->extra, (m->n_extra + 2) * sizeof *m->extra);
	m->extra[m->n_extra++] = (struct iextra){ xstrdup(opt), why ? xstrdup(why) : NULL };
	if (val)
		m->extra[m->n_extra++] = (struct iextra){ xstrdup(val), NULL };
}

/* ---- option strings ---------------------------------------------------- */

/* QemuOpts syntax: "a=1,b,,c=2,flag,noflag" (",," is a comma); the first
 * item without '=' is the implied key when there is one. */
void kvs_parse(struct kvs *o, const char *s, const char *implied)
{
	memset(o, 0, sizeof *o);
	if (!s)
		return;
	const char *p = s;
	bool first = true;
	while (*p) {
		struct buf_s { char *s; size_t n; } item = { xmalloc(strlen(p) + 1), 0 };
		while (*p && !(*p == ',' && p[1] != ',')) {
			if (*p == ',')
				p++;
			item.s[item.n++] = *p++;
		}
		item.s[item.n] = '\0';
		if (*p == ',')
			p++;
		struct kv kv = { 0 };
		char *eq = strchr(item.s, '=');
		if (eq) {
			kv.k = xstrndup(item.s, (size_t)(eq - item.s));
			kv.v = xstrdup(eq + 1);
		} else if (first && implied) {
			kv.k = xstrdup(implied);
			kv.v = xstrdup(item.s);
		} else if (!item.n) {
			free(item.s);
			first = false;
			continue; /* "a,,": an empty item, QEMU skips it too */
		} else {
			kv.shortform = true;
			bool no = !strncmp(item.s, "no", 2) && item.s[2];
			kv.k = xstrdup(item.s + (no ? 2 : 0));
			kv.v = xstrdup(no ? "off" : "on");
		}
		free(item.s);
		first = false;
		o->a = xrealloc(o->a, (o->n + 1) * sizeof *o->a);
		o->a[o->n++] = kv;
	}
}

void kvs_free(struct kvs *o)
{
	for (size_t i = 0; i < o->n; i++)
		free(o->a[i].k), free(o->a[i].v);
	free(o->a);
	memset(o, 0, sizeof *o);
}

/* The value of key (marked used), NULL if absent. */
const char *kvs_take(struct kvs *o, const char *key)
{
	for (size_t i = 0; i < o->n; i++)
		if (!strcmp(o->a[i].k, key)) {
			o->a[i].used = true;
			return o->a[i].v;
		}
	return NULL;
}

const char *kvs_peek(const struct kvs *o, const char *key)
{
	for (size_t i = 0; i < o->n; i++)
		if (!strcmp(o->a[i].k, key))
			return o->a[i].v;
	return NULL;
}

/* "a=1,b=2" of the items not taken (caller frees), NULL when none. */
char *kvs_rest(const struct kvs *o)
{
	char *s = NULL;
	for (size_t i = 0; i < o->n; i++) {
		if (o->a[i].used)
			continue;
		char *t = xasprintf("%s%s%s=%s", s ? s : "", s ? "," : "", o->a[i].k, o->a[i].v);
		free(s);
		s = t;
	}
	return s;
}

/* Short-form booleans ("readonly", "nowait") are deprecated: named here. */
void kvs_report_short(struct imp *c, struct qopt *q, const struct kvs *o)
{
	for (size_t i = 0; i < o->n; i++)
		if (o->a[i].shortform) {
			imp_note(c, q->line, q->col, "-%s: short-form boolean '%s%s' written as %s=%s (deprecated since QEMU 6.0)",
				 q->name, strcmp(o->a[i].v, "off") ? "" : "no", o->a[i].k, o->a[i].k, o->a[i].v);
			q->modern = true; /* counted where it is kept */
		}
}

bool imp_on(const char *v) { return v && (!strcmp(v, "on") || !strcmp(v, "yes") || !strcmp(v, "true")); }

/* ---- paths ------------------------------------------------------------- */

char *imp_path(const struct imp *c, const char *s, bool unresolved)
{
	if (unresolved || s[0] == '/' || !c->o->base_dir)
		return xstrdup(s);
	while (s[0] == '.' && s[1] == '/')
		for (s += 2; *s == '/'; s++)
			;
	return xasprintf("%s/%s", c->o->base_dir, s);
}

/* ---- the option table -------------------------------------------------- */

static void o_accel(struct imp *c, struct qopt *q)
{
	const char *a = NULL;
	if (!strcmp(q->name, "enable-kvm"))
		a = "kvm";
	else if (!strcmp(q->name, "no-kvm"))
		a = "tcg";
	else {
		struct kvs o;
		kvs_parse(&o, q->val, "accel");
		a = kvs_take(&o, "accel");
		char *rest = kvs_rest(&o);
		if (rest)
			imp_note(c, q->line, q->col, "-accel %s: options '%s' not kept (vmdeck's accel has none)", a ? a : "",
				 rest);
		free(rest);
		if (a && strcmp(a, "kvm") && strcmp(a, "tcg")) {
			imp_drop(c, q, "vmdeck runs QEMU with kvm or tcg");
			kvs_free(&o);
			return;
		}
		a = a ? (a[0] == 'k' ? "kvm" : "tcg") : NULL;
		kvs_free(&o);
	}
	if (!a)
		return imp_drop(c, q, "no accelerator named");
	imp_set_accel(c, a, q);
	imp_kept(c, q);
}

void imp_set_accel(struct imp *c, const char *a, const struct qopt *q)
{
	struct iv *v = &c->m.accel;
	const char *now = v->v;
	const char *want = a;
	if (now && strcmp(now, a) && !strcmp(now, "kvm") && !strcmp(a, "tcg"))
		want = "kvm:tcg"; /* -accel kvm -accel tcg: QEMU tries them in order */
	else if (now && !strcmp(now, "kvm:tcg"))
		want = now;
	char *w = xstrdup(want);
	free(v->v);
	v->v = w;
	free(v->why);
	v->why = imp_src(q);
}

static void set_iv(struct iv *v, char *val, const struct qopt *q)
{
	free(v->v);
	free(v->why);
	v->v = val;
	v->why = imp_src(q);
}

static void o_machine(struct imp *c, struct qopt *q)
{
	struct kvs o;
	kvs_parse(&o, q->val, "type");
	const char *type = kvs_take(&o, "type");
	const char *accel = kvs_take(&o, "accel");
	const char *usb = kvs_take(&o, "usb");
	if (type && strcmp(type, "?") && strcmp(type, "help"))
		set_iv(&c->m.machine, xstrdup(type), q);
	if (accel) {
		char *a = xstrdup(accel), *t = strtok(a, ":");
		for (; t; t = strtok(NULL, ":"))
			if (!strcmp(t, "kvm") || !strcmp(t, "tcg"))
				imp_set_accel(c, t, q);
			else
				imp_note(c, q->line, q->col, "-machine accel=%s not kept: vmdeck runs QEMU with kvm or tcg", t);
		free(a);
	}
	if (usb && imp_on(usb)) {
		c->m.usb = true;
		free(c->m.usb_why);
		c->m.usb_why = imp_src(q);
	}
	kvs_report_short(c, q, &o);
	char *rest = kvs_rest(&o);
	/* -machine options merge: vmdeck's -machine TYPE, then these. */
	if (rest)
		imp_extra_raw(c, "-machine", rest, "machine properties have no profile key ('machine' is the type alone)");
	if (type || accel || usb)
		imp_kept(c, q);
	else {
		q->done = true;
		c->r->moved++;
	}
	if (rest)
		imp_note(c, q->line, q->col, "-machine %s moved to extra_args (no profile key)", rest);
	free(rest);
	kvs_free(&o);
}

static void o_memory(struct imp *c, struct qopt *q)
{
	struct kvs o;
	kvs_parse(&o, q->val, "size");
	const char *s = kvs_take(&o, "size");
	char *rest = kvs_rest(&o);
	size_t n = s ? strspn(s, "0123456789") : 0;
	char unit = s && s[n] ? s[n] : 'M';
	if (unit >= 'a' && unit <= 'z')
		unit = (char)(unit - 32);
	bool ok = n > 0 && strchr("MGT", unit) && (!s[n] || !s[n + 1] || !strcmp(s + n + 1, "B") || !strcmp(s + n + 1, "iB"));
	if (!ok)
		imp_drop(c, q, "not a size vmdeck understands (give memory: yourself)");
	else {
		set_iv(&c->m.memory, xasprintf("%.*s%c", (int)n, s, unit), q);
		imp_kept(c, q);
	}
	if (rest)
		imp_note(c, q->line, q->col, "-m: '%s' not kept (no profile key for memory hotplug)", rest);
	free(rest);
	kvs_free(&o);
}

static void o_smp(struct imp *c, struct qopt *q)
{
	struct kvs o;
	kvs_parse(&o, q->val, "cpus");
	const char *keys[] = { "cpus", "sockets", "cores", "threads" };
	unsigned *dst[] = { &c->m.smp_cpus, &c->m.smp_sockets, &c->m.smp_cores, &c->m.smp_threads };
	for (size_t i = 0; i < ARRAY_LEN(keys); i++) {
		const char *v = kvs_take(&o, keys[i]);
		unsigned long long n;
		if (v && parse_uint(v, 1, 288, &n) == 0)
			*dst[i] = (unsigned)n;
		else if (v)
			imp_note(c, q->line, q->col, "-smp: %s=%s is not a number from 1 to 288: not kept", keys[i], v);
	}
	free(c->m.smp_why);
	c->m.smp_why = imp_src(q);
	char *rest = kvs_rest(&o);
	if (rest)
		imp_note(c, q->line, q->col, "-smp: '%s' not kept (the profile has cpus, sockets, cores, threads)", rest);
	free(rest);
	kvs_free(&o);
	imp_kept(c, q);
}

static void o_cpu(struct imp *c, struct qopt *q)
{
	char *v = xstrdup(q->val);
	size_t n = strlen(v);
	bool trailing = false;
	while (n && v[n - 1] == ',')
		v[--n] = '\0', trailing = true;
	if (!n || strchr(v, ' ')) {
		free(v);
		return imp_extra(c, q, "not a CPU model the profile's 'cpu' can hold");
	}
	set_iv(&c->m.cpu, v, q);
	if (trailing)
		imp_modern(c, q, "the trailing comma is gone");
	else
		imp_kept(c, q);
}

static void o_path(struct imp *c, struct qopt *q)
{
	struct iv *v = !strcmp(q->name, "kernel") ? &c->m.kernel : !strcmp(q->name, "initrd") ? &c->m.initrd : &c->m.append;
	set_iv(v, v == &c->m.append ? xstrdup(q->val) : imp_path(c, q->val, q->unresolved), q);
	imp_kept(c, q);
}

static void o_name(struct imp *c, struct qopt *q)
{
	imp_kept(c, q); /* read by prescan: the VM's name */
}

static void o_smbios(struct imp *c, struct qopt *q)
{
	struct imodel *m = &c->m;
	m->smbios = xrealloc(m->smbios, (m->n_smbios + 1) * sizeof *m->smbios);
	m->smbios[m->n_smbios++] = (struct iv){ xstrdup(q->val), imp_src(q) };
	imp_kept(c, q);
}

static void o_usb(struct imp *c, struct qopt *q)
{
	c->m.usb = true;
	free(c->m.usb_why);
	c->m.usb_why = imp_src(q);
	imp_kept(c, q);
}

static void o_usbdevice(struct imp *c, struct qopt *q)
{
	static const char *const map[][2] = { { "tablet", "usb-tablet" }, { "mouse", "usb-mouse" }, { "keyboard", "usb-kbd" } };
	for (size_t i = 0; i < ARRAY_LEN(map); i++)
		if (!strcmp(q->val, map[i][0])) {
			imp_usb_device(c, map[i][1], q);
			c->m.usb = true;
			imp_modern(c, q, "became usb: [%s] (-usbdevice is deprecated)", map[i][1]);
			return;
		}
	imp_extra(c, q, "a USB device the importer does not know");
}

static void o_keyboard(struct imp *c, struct qopt *q)
{
	set_iv(&c->m.keyboard, xstrdup(q->val), q);
	imp_kept(c, q);
}

static void o_snapshot(struct imp *c, struct qopt *q)
{
	c->snapshot_all = true;
	imp_modern(c, q, "every disk gets snapshot: true");
}

/* What vmdeck replaces, and with what. */
static const struct {
	const char *name;
	const char *why;
} replaced[] = {
	{ "monitor", "vmdeck has the monitor: 'vmdeck monitor NAME', or m in the TUI" },
	{ "qmp", "vmdeck keeps QMP on RUN/qmp.sock and RUN/ctl.sock" },
	{ "qmp-pretty", "vmdeck keeps QMP on RUN/qmp.sock and RUN/ctl.sock" },
	{ "mon", "vmdeck has the monitor: 'vmdeck monitor NAME', or m in the TUI" },
	{ "daemonize", "vmdeck supervises QEMU itself (it would lose sight of a forking QEMU)" },
	{ "pidfile", "vmdeck writes RUN/qemu.pid itself" },
	{ "nographic", "vmdeck shows the screen through VNC on RUN/vnc.sock; the serial console is 'vmdeck console NAME' (RUN/console.sock)" },
	{ "display", "vmdeck shows the screen through VNC (display.vnc)" },
	{ "sdl", "vmdeck shows the screen through VNC (display.vnc)" },
	{ "curses", "vmdeck shows the screen through VNC (display.vnc)" },
	{ "spice", "vmdeck's display is VNC (display.vnc)" },
	{ "runas", "QEMU runs as the user who runs vmdeck" },
	{ "chroot", "QEMU runs where vmdeck starts it" },
	{ "run-with", "QEMU runs as the user who runs vmdeck" },
	{ "no-shutdown", "vmdeck waits for QEMU to exit after a guest power-off" },
	{ "S", "vmdeck starts the CPUs; pause a VM with p in the TUI or 'vmdeck pause'" },
	{ "nodefaults", "vmdeck always passes -nodefaults" },
	{ "audiodev", "vmdeck gives the sound device a silent backend (-audiodev none,id=snd0)" },
};

static void o_replaced(struct imp *c, struct qopt *q)
{
	for (size_t i = 0; i < ARRAY_LEN(replaced); i++)
		if (!strcmp(q->name, replaced[i].name))
			return imp_drop(c, q, replaced[i].why);
}

/* -serial: stdio and the monitor are replaced; others become extra ports. */
static void o_serial(struct imp *c, struct qopt *q)
{
	if (!strcmp(q->val, "none"))
		return imp_drop(c, q, "vmdeck's serial console is 'vmdeck console NAME' (RUN/console.sock)");
	if (strstr(q->val, "stdio") || !strncmp(q->val, "mon:", 4) || !strcmp(q->val, "vc"))
		return imp_drop(c, q, "the serial console is 'vmdeck console NAME', logged to RUN/serial.log");
	if (!strncmp(q->val, "chardev:", 8) && imp_chardev_is_vmdeck_console(c, q->val + 8))
		return imp_drop(c, q, "vmdeck's own serial console: the new VM gets its own (RUN/console.sock)");
	imp_extra(c, q, "another serial port (vmdeck's console is the first: 'vmdeck console NAME')");
}

static void o_chardev(struct imp *c, struct qopt *q)
{
	if (!strncmp(q->val, "stdio", 5) || strstr(q->val, "mux=on") || imp_chardev_is_monitor(c, q))
		return imp_drop(c, q, "the monitor and console are vmdeck's (RUN/ctl.sock, RUN/console.sock)");
	struct kvs o;
	kvs_parse(&o, q->val, "backend");
	bool mine = imp_chardev_is_vmdeck_console(c, kvs_peek(&o, "id"));
	kvs_free(&o);
	if (mine)
		return imp_drop(c, q, "vmdeck's own serial console: the new VM gets its own (RUN/console.sock)");
	imp_extra(c, q, "no profile key for character devices");
}

static void o_vga(struct imp *c, struct qopt *q)
{
	set_iv(&c->m.vga, xstrdup(q->val), q);
	imp_kept(c, q);
}

static void o_soundhw(struct imp *c, struct qopt *q)
{
	if (!strcmp(q->val, "hda") || !strcmp(q->val, "all")) {
		set_iv(&c->m.audio_dev, xstrdup(c->q35 ? "ich9-intel-hda" : "intel-hda"), q);
		set_iv(&c->m.audio_codec, xstrdup("hda-duplex"), q);
	} else if (!strcmp(q->val, "ac97"))
		set_iv(&c->m.audio_dev, xstrdup("AC97"), q);
	else
		return imp_extra(c, q, "a sound card the importer does not know");
	imp_modern(c, q, "became audio: (-soundhw is gone since QEMU 7.1)");
}

static void o_net_none(struct imp *c, struct qopt *q)
{
	if (q->val && !strcmp(q->val, "none")) {
		imp_kept(c, q);
		return;
	}
	imp_net_legacy_pairs(c);
}

static const struct opt_entry {
	const char *name;
	void (*fn)(struct imp *c, struct qopt *q);
} opt_table[] = {
	{ "enable-kvm", o_accel }, { "no-kvm", o_accel }, { "accel", o_accel },
	{ "machine", o_machine }, { "M", o_machine }, { "m", o_memory }, { "smp", o_smp }, { "cpu", o_cpu },
	{ "kernel", o_path }, { "initrd", o_path }, { "append", o_path }, { "name", o_name },
	{ "smbios", o_smbios }, { "usb", o_usb }, { "usbdevice", o_usbdevice }, { "k", o_keyboard },
	{ "snapshot", o_snapshot }, { "serial", o_serial }, { "chardev", o_chardev }, { "vga", o_vga },
	{ "soundhw", o_soundhw }, { "device", imp_device }, { "drive", imp_drive }, { "hda", imp_hdx },
	{ "hdb", imp_hdx }, { "hdc", imp_hdx }, { "hdd", imp_hdx }, { "cdrom", imp_hdx }, { "netdev", imp_netdev },
	{ "nic", imp_nic }, { "net", o_net_none }, { "vnc", imp_vnc },
	{ "monitor", o_replaced }, { "qmp", o_replaced }, { "qmp-pretty", o_replaced }, { "mon", o_replaced },
	{ "daemonize", o_replaced }, { "pidfile", o_replaced }, { "nographic", o_replaced },
	{ "display", o_replaced }, { "sdl", o_replaced }, { "curses", o_replaced }, { "spice", o_replaced },
	{ "runas", o_replaced }, { "chroot", o_replaced }, { "run-with", o_replaced }, { "no-shutdown", o_replaced },
	{ "S", o_replaced }, { "nodefaults", o_replaced }, { "audiodev", o_replaced },
};

/* Options QEMU takes without a value; every other one takes one. */
static const char *const flags[] = {
	"enable-kvm", "no-kvm", "usb", "nographic", "daemonize", "S", "s", "snapshot", "no-reboot", "no-shutdown",
	"nodefaults", "no-hpet", "no-acpi", "no-fd-bootchk", "full-screen", "no-quit", "enable-fips", "mem-prealloc",
	"win2k-hack", "rtc-td-hack", "no-user-config", "alt-grab", "ctrl-grab", "sdl", "curses", "preconfig",
	"only-migratable", "version", "help", "h", "no-frame", "enable-sync-profile", "old-param", "semihosting",
};

static bool is_flag(const char *name)
{
	for (size_t i = 0; i < ARRAY_LEN(flags); i++)
		if (!strcmp(flags[i], name))
			return true;
	return false;
}

static void split_options(struct imp *c, const struct import_arg *argv, size_t argc)
{
	for (size_t i = 1; i < argc; i++) {
		const struct import_arg *a = &argv[i];
		struct qopt q = { .line = a->line, .col = a->col, .unresolved = a->unresolved };
		if (a->text[0] == '-' && a->text[1]) {
			const char *n = a->text + 1 + (a->text[1] == '-');
			q.name = xstrdup(n);
			if (!is_flag(n)) {
				if (i + 1 < argc) {
					q.val = xstrdup(argv[i + 1].text);
					q.unresolved |= argv[i + 1].unresolved;
					i++;
				} else
					imp_note(c, a->line, a->col, "%s has no value (it ends the command): dropped", a->text);
			}
			if (!q.val && !is_flag(n)) {
				free(q.name);
				c->r->dropped++;
				continue;
			}
		} else { /* a bare image name is -hda */
			q.name = xstrdup("hda");
			q.val = xstrdup(a->text);
		}
		c->q = xrealloc(c->q, (c->nq + 1) * sizeof *c->q);
		c->q[c->nq++] = q;
	}
}

/* What the rest depends on: the machine family, defaults, USB. */
static void prescan(struct imp *c)
{
	for (size_t i = 0; i < c->nq; i++) {
		struct qopt *q = &c->q[i];
		if ((!strcmp(q->name, "machine") || !strcmp(q->name, "M")) && q->val) {
			struct kvs o;
			kvs_parse(&o, q->val, "type");
			const char *t = kvs_peek(&o, "type");
			if (t)
				c->q35 = strstr(t, "q35") != NULL;
			if (imp_on(kvs_peek(&o, "usb")))
				c->has_usb = true;
			kvs_free(&o);
		}
		if (!strcmp(q->name, "nodefaults"))
			c->nodefaults = true;
		if (!strcmp(q->name, "netdev") || !strcmp(q->name, "net") || !strcmp(q->name, "nic"))
			c->has_net = true;
		if (!strcmp(q->name, "usb"))
			c->has_usb = true;
		if (!strcmp(q->name, "vga") || (!strcmp(q->name, "device") && imp_is_display_device(q->val)))
			c->has_vga = true;
		if (!strcmp(q->name, "device"))
			imp_prescan_device(c, q);
		if (!strcmp(q->name, "name") && q->val && !c->qemu_name) {
			struct kvs o;
			kvs_parse(&o, q->val, "guest");
			const char *g = kvs_peek(&o, "guest");
			if (g)
				c->qemu_name = xstrdup(g);
			kvs_free(&o);
		}
	}
}

static void run_table(struct imp *c)
{
	for (size_t i = 0; i < c->nq; i++) {
		struct qopt *q = &c->q[i];
		if (q->done)
			continue;
		const struct opt_entry *e = NULL;
		for (size_t k = 0; k < ARRAY_LEN(opt_table) && !e; k++)
			if (!strcmp(opt_table[k].name, q->name))
				e = &opt_table[k];
		if (e)
			e->fn(c, q);
		else
			imp_extra(c, q, "no profile key for this option");
	}
	imp_finish_devices(c);
}

/* ---- names ------------------------------------------------------------- */

char *import_name_from(const char *s)
{
	char out[33];
	size_t n = 0;
	for (const char *p = s; *p && n < 32; p++) {
		bool ok = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '_';
		if (ok || (n && out[n - 1] != '-'))
			out[n++] = ok ? *p : '-';
	}
	while (n && out[n - 1] == '-')
		n--;
	out[n] = '\0';
	if (!n)
		return xstrdup("imported");
	if (!profile_name_valid(out))
		return xasprintf("%s-vm", out);
	return xstrdup(out);
}

static void choose_name(struct imp *c)
{
	const struct import_opts *o = c->o;
	const char *from = o->name ? o->name : c->qemu_name ? c->qemu_name : o->source_name ? o->source_name : "imported";
	char *n = o->name ? xstrdup(o->name) : import_name_from(from);
	if (strcmp(n, from))
		imp_note(c, 0, 0, "VM name '%s' (from '%s': a VM name is 1-32 of A-Z a-z 0-9 _ -)", n, from);
	c->m.name.v = n;
	c->m.name.why = o->name ? xstrdup("--name") : c->qemu_name ? xstrdup("QEMU's -name") : xstrdup("the file name");
	c->r->name = xstrdup(n);
}

/* ---- entry points ------------------------------------------------------ */

bool import_is_qemu(const char *argv0)
{
	const char *b = strrchr(argv0, '/');
	b = b ? b + 1 : argv0;
	return !strncmp(b, "qemu-system-", 12) || !strcmp(b, "qemu-kvm") || !strcmp(b, "kvm");
}

/* "qemu-system-x86_64 --version", "-machine help": a script asking QEMU,
 * not starting a VM. */
static bool qemu_query(const struct shscript_cmd *c, size_t k)
{
	static const char *const info[] = { "-version", "--version", "-help", "--help", "-h", "help", "?" };
	if (k + 1 >= c->n)
		return true;
	for (size_t i = k + 1; i < c->n; i++)
		for (size_t j = 0; j < ARRAY_LEN(info); j++)
			if (!strcmp(c->words[i].text, info[j]))
				return true;
	return false;
}

int import_find_qemu(const struct shscript *s, size_t *cmd, size_t *word)
{
	static const char *const wrappers[] = { "exec", "sudo", "env", "nice", "nohup", "time", "command", "doas" };
	for (size_t i = 0; i < s->n_cmds; i++) {
		const struct shscript_cmd *c = &s->cmds[i];
		for (size_t k = 0; k < c->n; k++) {
			const char *w = c->words[k].text;
			if (import_is_qemu(w)) {
				if (qemu_query(c, k))
					break;
				*cmd = i;
				*word = k;
				return 0;
			}
			/* command -v NAME looks a program up, runs nothing */
			if (!strcmp(w, "-v") || !strcmp(w, "-V"))
				break;
			bool wrapper = w[0] == '-' || strchr(w, '=') != NULL;
			for (size_t j = 0; j < ARRAY_LEN(wrappers) && !wrapper; j++)
				wrapper = !strcmp(w, wrappers[j]);
			/* sudo -u USER, nice -n 10: the option's value */
			if (!wrapper && k && c->words[k - 1].text[0] == '-' && !strchr(c->words[k - 1].text, '='))
				wrapper = true;
			if (!wrapper)
				break;
		}
	}
	return -1;
}

static char *header(const struct imp *c)
{
	char *h = xasprintf("%s: imported by 'vmdeck import' from %s.\n", c->m.name.v,
			    c->o->source ? c->o->source : "a QEMU command line");
	char *sum = import_summary(c->r);
	char *t = xasprintf("%s%s%s\n", h, sum, c->r->n_notes ? ":" : ".");
	free(h);
	free(sum);
	h = t;
	for (size_t i = 0; i < c->r->n_notes; i++) {
		const struct import_note *n = &c->r->notes[i];
		t = n->line ? xasprintf("%s  %d:%d: %s\n", h, n->line, n->col, n->msg) : xasprintf("%s  %s\n", h, n->msg);
		free(h);
		h = t;
	}
	if (c->o->base_dir) {
		t = xasprintf("%sRelative paths were taken from %s.\n", h, c->o->base_dir);
		free(h);
		h = t;
	}
	return h;
}

int import_qemu(const struct import_arg *argv, size_t argc, const struct import_opts *o, struct import_result *r,
		char **err)
{
	memset(r, 0, sizeof *r);
	if (!argc || !import_is_qemu(argv[0].text))
		return error_set(err, "no QEMU command (qemu-system-…, qemu-kvm)");
	for (size_t i = 0; i < argc; i++) { /* a profile is UTF-8 text */
		size_t n = strlen(argv[i].text);
		if (yamldoc_utf8_invalid_at(argv[i].text, n) < n)
			return error_set(err, "argument %zu ('%.20s…') is not valid UTF-8 text", i, argv[i].text);
	}
	struct imp c = { .o = o, .r = r };
	for (size_t i = 0; i < o->n_pre_notes; i++)
		imp_note(&c, o->pre_notes[i].line, o->pre_notes[i].col, "%s", o->pre_notes[i].msg);
	if (strcmp(argv[0].text, "qemu-system-x86_64"))
		c.m.qemu = (struct iv){ xstrdup(argv[0].text), argv[0].line ? xasprintf("line %d", argv[0].line) : NULL };
	split_options(&c, argv, argc);
	prescan(&c);
	choose_name(&c);
	run_table(&c);
	if (!c.m.machine.v)
		c.m.machine = (struct iv){ xstrdup("pc"), xstrdup("no -machine: QEMU's default PC (vmdeck's own default is q35)") };
	if (!c.m.accel.v)
		c.m.accel = (struct iv){ xstrdup("tcg"), xstrdup("no -enable-kvm or -accel: QEMU's default is TCG (kvm:tcg "
							 "would use KVM where there is one)") };
	c.m.description.v = xasprintf("imported from %s", o->source ? o->source : "a QEMU command line");
	r->install = c.m.has_install;
	char *h = header(&c);
	r->yaml = import_yaml_write(&c.m, h);
	free(h);
	for (size_t i = 0; i < c.nq; i++)
		free(c.q[i].name), free(c.q[i].val);
	free(c.q);
	free(c.qemu_name);
	free(c.ahci_id);
	free(c.scsi_id);
	import_model_clear(&c.m);
	return 0;
}

char *import_summary(const struct import_result *r)
{
	return xasprintf("kept %u option%s, modernised %u, moved %u to extra_args, dropped %u", r->kept,
			 r->kept == 1 ? "" : "s", r->modernised, r->moved, r->dropped);
}

void import_result_clear(struct import_result *r)
{
	if (!r)
		return;
	free(r->name);
	free(r->yaml);
	for (size_t i = 0; i < r->n_notes; i++)
		free(r->notes[i].msg);
	free(r->notes);
	memset(r, 0, sizeof *r);
}
