/* lvimport_dev: a domain's <cpu>, <devices> and <qemu:commandline> into the
 * profile model (mapping: core/lvimport.h). */
#include "core/lvexport.h"
#include "core/lvimport_priv.h"
#include "core/profile.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *lvi_path(const struct lvi *c, const char *s)
{
	if (s[0] == '/' || !c->o->base_dir)
		return xstrdup(s);
	return xasprintf("%s/%s", c->o->base_dir, s);
}

/* ---- CPU --------------------------------------------------------------- */

void lvi_cpu(struct lvi *c, xmlNode *dom)
{
	xmlNode *cpu = lvi_child(dom, "cpu");
	c->cpu_node = cpu;
	char *mode = lvi_attr(cpu, "mode");
	xmlNode *model = lvi_child(cpu, "model");
	if (mode && !strcmp(mode, "host-passthrough"))
		c->cpu_model = xstrdup("host");
	else if (mode && !strcmp(mode, "maximum"))
		c->cpu_model = xstrdup("max");
	else if (mode && !strcmp(mode, "host-model")) {
		c->cpu_model = xstrdup("host");
		lvi_note(c, cpu, "<cpu mode='host-model'>: became cpu: host (QEMU has no host-model)");
	} else
		c->cpu_model = lvi_text(model);
	free(mode);
	char *vendor = lvi_attr(model, "vendor_id");
	if (vendor)
		strv_pushf(&c->cpu_items, "vendor=%s", vendor);
	free(vendor);
	xmlNode *hidden = lvi_child(lvi_child(lvi_child(dom, "features"), "kvm"), "hidden");
	char *hs = lvi_attr(hidden, "state");
	if (hs && !strcmp(hs, "on"))
		strv_push(&c->cpu_items, "kvm=off");
	free(hs);
	for (xmlNode *f = cpu ? cpu->children : NULL; f; f = f->next) {
		if (!lvi_is(f, "feature"))
			continue;
		char *pol = lvi_attr(f, "policy"), *name = lvi_attr(f, "name");
		if (name) {
			bool off = pol && (!strcmp(pol, "disable") || !strcmp(pol, "forbid"));
			strv_pushf(&c->cpu_items, "%c%s", off ? '-' : '+', name);
		}
		free(pol);
		free(name);
	}
}

void lvi_cpu_finish(struct lvi *c)
{
	if (!c->cpu_model && !c->cpu_items.n)
		return;
	/* libvirt writes QEMU's default model out (TCG domains): no cpu: key. */
	if (c->cpu_model && !strcmp(c->cpu_model, "qemu64") && !c->cpu_items.n)
		return;
	struct strbuf b = { 0 };
	strbuf_adds(&b, c->cpu_model ? c->cpu_model : "qemu64");
	for (size_t i = 0; i < c->cpu_items.n; i++)
		strbuf_addf(&b, ",%s", c->cpu_items.v[i]);
	lvi_set(&c->m.cpu, b.s, c->cpu_node);
	c->r->kept++;
}

/* ---- disks ------------------------------------------------------------- */

static char *iface_of(const char *bus)
{
	static const char *const ok[] = { "virtio", "sata", "scsi", "ide" };
	for (size_t i = 0; bus && i < ARRAY_LEN(ok); i++)
		if (!strcmp(bus, ok[i]))
			return xstrdup(bus);
	return NULL;
}

/* <address type='drive' …> -> "ide.N" (AHCI: the unit is the port). */
static char *bus_of(const char *iface, xmlNode *disk)
{
	xmlNode *a = lvi_child(disk, "address");
	char *type = lvi_attr(a, "type"), *bus = lvi_attr(a, "bus"), *unit = lvi_attr(a, "unit");
	char *out = NULL;
	if (type && !strcmp(type, "drive") && iface && !strcmp(iface, "sata") && unit)
		out = xasprintf("ide.%s", unit);
	else if (type && !strcmp(type, "drive") && iface && !strcmp(iface, "ide") && bus)
		out = xasprintf("ide.%s", bus);
	free(type), free(bus), free(unit);
	return out;
}

static void read_disk(struct lvi *c, xmlNode *n, struct idisk *d, char **file)
{
	xmlNode *src = lvi_child(n, "source");
	*file = lvi_attr(src, "file");
	if (!*file)
		*file = lvi_attr(src, "dev");
	char *bus = lvi_child_attr(n, "target", "bus"), *alias = lvi_child_attr(n, "alias", "name");
	if (alias && !strncmp(alias, "ua-", 3))
		d->id.v = xstrdup(alias + 3);
	free(alias);
	d->interface.v = iface_of(bus);
	if (!d->interface.v)
		lvi_note(c, n, "<target bus='%s'>: vmdeck's interfaces are virtio, sata, scsi and ide: virtio", bus ? bus : "");
	d->bus.v = bus_of(d->interface.v, n);
	d->format.v = lvi_child_attr(n, "driver", "type");
	d->readonly = lvi_child(n, "readonly") != NULL;
	d->snapshot = lvi_child(n, "transient") != NULL;
	char *order = lvi_child_attr(n, "boot", "order");
	unsigned long long o;
	d->boot = order && parse_uint(order, 1, 1000, &o) == 0 ? (long)o : -1;
	free(order);
	free(bus);
}

static void do_disk(struct lvi *c, xmlNode *n)
{
	char *device = lvi_attr(n, "device");
	struct idisk d = { .boot = -1 };
	char *file = NULL;
	read_disk(c, n, &d, &file);
	bool cd = device && !strcmp(device, "cdrom");
	if (device && strcmp(device, "disk") && !cd) {
		lvi_note(c, n, "<disk device='%s'>: no profile key; dropped", device);
		c->r->dropped++;
	} else if (cd && c->m.has_install) {
		lvi_note(c, n, "a second CD drive: the profile has one installer; dropped");
		c->r->dropped++;
	} else if (cd) {
		c->m.has_install = true;
		c->install_mode = file && d.boot >= 0;
		if (!file && c->meta_install_file)
			file = xstrdup(c->meta_install_file), d.format.v = d.format.v ? d.format.v : xstrdup(c->meta_install_format ? c->meta_install_format : "raw");
		free(d.id.v), d.id.v = NULL;
		d.readonly = false;
		d.snapshot = c->meta_install_snapshot;
		d.file.v = file ? lvi_path(c, file) : xstrdup("INSTALLER.iso");
		d.file.why = file ? lvi_src(n) : xstrdup("the CD drive is empty: put the installer's path here");
		c->m.install = d;
		c->r->kept++;
		free(device);
		free(file);
		return;
	} else if (!file) {
		lvi_note(c, n, "<disk> with no file or block device (a network or pool volume): dropped");
		c->r->dropped++;
	} else {
		d.file.v = lvi_path(c, file);
		d.file.why = lvi_src(n);
		c->m.disks = xrealloc(c->m.disks, (c->m.n_disks + 1) * sizeof *c->m.disks);
		/* Kept in boot order: a profile's disks boot in the order listed. */
		size_t at = c->m.n_disks;
		while (at && d.boot >= 0 && (c->m.disks[at - 1].boot < 0 || c->m.disks[at - 1].boot > d.boot))
			at--;
		memmove(&c->m.disks[at + 1], &c->m.disks[at], (c->m.n_disks - at) * sizeof *c->m.disks);
		c->m.disks[at] = d;
		c->m.n_disks++;
		c->r->kept++;
		free(device);
		free(file);
		return;
	}
	free(device);
	free(file);
	free(d.id.v), free(d.interface.v), free(d.bus.v), free(d.format.v);
}

/* ---- NICs -------------------------------------------------------------- */

static void do_interface(struct lvi *c, xmlNode *n, size_t index)
{
	char *type = lvi_attr(n, "type");
	struct inic nic = { 0 };
	nic.why = lvi_src(n);
	nic.mac = lvi_child_attr(n, "mac", "address");
	char *model = lvi_child_attr(n, "model", "type");
	nic.model = !model || !strcmp(model, "virtio") ? xstrdup("virtio-net-pci") : xstrdup(model);
	free(model);
	char *alias = lvi_child_attr(n, "alias", "name");
	nic.id = alias && !strncmp(alias, "ua-", 3) ? xstrdup(alias + 3) : xasprintf("net%zu", index);
	free(alias);
	char *tap = lvi_child_attr(n, "target", "dev");
	struct profile tmp = { .name = c->m.name.v };
	char *def = profile_nic_tap_name(&tmp, index);
	/* libvirt's own names (vnetN, macvtapN) and vmdeck's default: not kept. */
	if (tap && strncmp(tap, "vnet", 4) && strncmp(tap, "macvtap", 7) && strcmp(tap, def))
		nic.tap = xstrdup(tap);
	free(def);
	free(tap);
	if (type && !strcmp(type, "bridge"))
		nic.bridge = lvi_child_attr(n, "source", "bridge");
	else if (type && !strcmp(type, "network")) {
		char *net = lvi_child_attr(n, "source", "network");
		lvi_note(c, n, "<interface type='network'> on libvirt network '%s': user networking here; give bridge: "
			       "its bridge ('virsh net-info %s') or a lab network's", net ? net : "", net ? net : "");
		free(net);
		nic.user = true;
	} else if (type && !strcmp(type, "user"))
		nic.user = true;
	else if (!type || strcmp(type, "ethernet")) {
		lvi_note(c, n, "<interface type='%s'>: vmdeck has TAPs (on a bridge) and user networking: user", type ? type : "");
		nic.user = true;
	}
	if (lvi_child(n, "portForward"))
		lvi_note(c, n, "<portForward>: vmdeck's user networking has no port forwards; dropped");
	free(type);
	c->m.nics = xrealloc(c->m.nics, (c->m.n_nics + 1) * sizeof *c->m.nics);
	c->m.nics[c->m.n_nics++] = nic;
	c->r->kept++;
}

/* ---- the rest ---------------------------------------------------------- */

static void add_usbdev(struct lvi *c, const char *dev, const xmlNode *n)
{
	struct imodel *m = &c->m;
	m->usbdev = xrealloc(m->usbdev, (m->n_usbdev + 1) * sizeof *m->usbdev);
	m->usbdev[m->n_usbdev++] = (struct iv){ xstrdup(dev), lvi_src(n) };
	m->usb = true;
}

static void do_controller(struct lvi *c, xmlNode *n)
{
	char *type = lvi_attr(n, "type"), *model = lvi_attr(n, "model"), *index = lvi_attr(n, "index");
	if (type && !strcmp(type, "usb")) {
		bool first = !index || !strcmp(index, "0");
		if (model && !strcmp(model, "none"))
			;
		else if (model && (!strcmp(model, "qemu-xhci") || !strcmp(model, "nec-xhci")))
			add_usbdev(c, !strcmp(model, "qemu-xhci") ? "qemu-xhci" : "nec-usb-xhci", n);
		else if (first && !c->m.usb) {
			c->m.usb = true;
			free(c->m.usb_why);
			c->m.usb_why = lvi_src(n);
		}
		c->r->kept++;
	} else if (type && !strcmp(type, "scsi") && model && strcmp(model, "virtio-scsi"))
		lvi_note(c, n, "SCSI controller model '%s': vmdeck's scsi disks sit on virtio-scsi", model);
	free(type), free(model), free(index);
}

static void do_input(struct lvi *c, xmlNode *n)
{
	char *type = lvi_attr(n, "type"), *bus = lvi_attr(n, "bus");
	static const char *const map[][2] = { { "tablet", "usb-tablet" }, { "keyboard", "usb-kbd" }, { "mouse", "usb-mouse" } };
	for (size_t i = 0; bus && !strcmp(bus, "usb") && type && i < ARRAY_LEN(map); i++)
		if (!strcmp(type, map[i][0]))
			add_usbdev(c, map[i][1], n);
	free(type), free(bus);
}

static void do_sound(struct lvi *c, xmlNode *n)
{
	static const char *const models[][2] = { { "ich9", "ich9-intel-hda" }, { "ich6", "intel-hda" }, { "ac97", "AC97" },
						  { "es1370", "ES1370" }, { "sb16", "sb16" }, { "usb", "usb-audio" } };
	char *model = lvi_attr(n, "model"), *codec = lvi_child_attr(n, "codec", "type");
	const char *dev = NULL;
	for (size_t i = 0; model && i < ARRAY_LEN(models); i++)
		if (!strcmp(model, models[i][0]))
			dev = models[i][1];
	if (!dev) {
		lvi_note(c, n, "<sound model='%s'>: no QEMU device vmdeck knows; dropped", model ? model : "");
		c->r->dropped++;
	} else {
		lvi_set(&c->m.audio_dev, xstrdup(dev), n);
		if (!strncmp(model, "ich", 3)) /* libvirt's default codec is hda-duplex */
			c->m.audio_codec.v = xasprintf("hda-%s", codec ? codec : "duplex");
		c->r->kept++;
	}
	free(model), free(codec);
}

static void do_graphics(struct lvi *c, xmlNode *n)
{
	char *type = lvi_attr(n, "type"), *port = lvi_attr(n, "port"), *keymap = lvi_attr(n, "keymap");
	char *listen = lvi_attr(n, "listen"), *ltype = lvi_child_attr(n, "listen", "type");
	char *laddr = lvi_child_attr(n, "listen", "address"), *pw = lvi_attr(n, "passwd");
	unsigned long long p;
	if (type && strcmp(type, "vnc")) {
		lvi_note(c, n, "<graphics type='%s'>: vmdeck's display is VNC (on RUN/vnc.sock)", type);
		c->r->dropped++;
	} else {
		if (keymap)
			lvi_set(&c->m.keyboard, xstrdup(keymap), n);
		if (port && parse_uint(port, 5900, 65535, &p) == 0 && !(ltype && !strcmp(ltype, "socket"))) {
			const char *host = laddr ? laddr : listen ? listen : "127.0.0.1";
			lvi_set(&c->m.vnc, xasprintf(strchr(host, ':') ? "[%s]:%llu" : "%s:%llu", host, p - 5900), n);
			char *f = xasprintf("%s.vnc-password", c->m.name.v);
			c->m.password_file.v = lvi_path(c, f);
			c->m.password_file.why = xstrdup("vmdeck wants a password on TCP: write it into this file");
			lvi_note(c, n, "VNC on TCP: display.password_file %s%s", f,
				 pw ? " (the XML's passwd= is not copied into the profile)" : "");
			free(f);
		} else if (port && strcmp(port, "-1"))
			lvi_note(c, n, "VNC port '%s': vmdeck's VNC is on RUN/vnc.sock", port);
		c->r->kept++;
	}
	free(type), free(port), free(keymap), free(listen), free(ltype), free(laddr), free(pw);
}

static void do_video(struct lvi *c, xmlNode *n)
{
	static const char *const map[][2] = { { "cirrus", "cirrus" }, { "vmvga", "vmware" }, { "qxl", "qxl" },
					      { "virtio", "virtio" }, { "none", "none" }, { "vga", NULL } };
	char *t = lvi_child_attr(n, "model", "type");
	bool known = false;
	for (size_t i = 0; t && i < ARRAY_LEN(map); i++)
		if (!strcmp(t, map[i][0])) {
			known = true;
			if (map[i][1])
				lvi_set(&c->m.vga, xstrdup(map[i][1]), n);
		}
	if (!known)
		lvi_note(c, n, "<video model='%s'>: not a -vga vmdeck knows: std", t ? t : "");
	c->r->kept++;
	free(t);
}

/* libvirt's own (or replaced by vmdeck's) and devices with no profile key. */
static const struct {
	const char *el, *why;
	bool quiet;
} dropped[] = {
	{ "serial", "vmdeck's serial console is relayed on RUN/console.sock and logged to RUN/serial.log", false },
	{ "console", "vmdeck's serial console is RUN/console.sock ('vmdeck console', c in the TUI)", true },
	{ "memballoon", "vmdeck adds no balloon", true },
	{ "audio", "vmdeck gives sound a silent backend (-audiodev none)", true },
	{ "emulator", NULL, true },
	{ "channel", "no profile key (guest agent, SPICE channels)", false },
	{ "rng", "no profile key (add -device virtio-rng-pci to extra_args)", false },
	{ "tpm", "no profile key", false },
	{ "watchdog", "no profile key", false },
	{ "hostdev", "no profile key (host device passthrough)", false },
	{ "filesystem", "no profile key", false },
	{ "redirdev", "no profile key (SPICE USB redirection)", false },
	{ "smartcard", "no profile key", false },
	{ "panic", "no profile key", false },
	{ "shmem", "no profile key", false },
	{ "hub", "no profile key", false },
};

static void do_other(struct lvi *c, xmlNode *n)
{
	for (size_t i = 0; i < ARRAY_LEN(dropped); i++)
		if (lvi_is(n, dropped[i].el)) {
			if (!dropped[i].quiet) {
				lvi_note(c, n, "<%s> dropped: %s", dropped[i].el, dropped[i].why);
				c->r->dropped++;
			}
			return;
		}
	lvi_note(c, n, "<%s> dropped: no profile key", (const char *)n->name);
	c->r->dropped++;
}

void lvi_devices(struct lvi *c, xmlNode *devices)
{
	size_t nics = 0;
	char *emu = lvi_text(lvi_child(devices, "emulator"));
	if (emu && strcmp(emu, "/usr/bin/qemu-system-x86_64"))
		lvi_set(&c->m.qemu, xstrdup(emu), lvi_child(devices, "emulator"));
	free(emu);
	static const struct {
		const char *el;
		void (*fn)(struct lvi *c, xmlNode *n);
	} table[] = {
		{ "disk", do_disk }, { "controller", do_controller }, { "input", do_input }, { "sound", do_sound },
		{ "graphics", do_graphics }, { "video", do_video },
	};
	for (xmlNode *n = devices ? devices->children : NULL; n; n = n->next) {
		if (n->type != XML_ELEMENT_NODE)
			continue;
		if (lvi_is(n, "interface")) {
			do_interface(c, n, nics++);
			continue;
		}
		bool done = false;
		for (size_t i = 0; i < ARRAY_LEN(table) && !done; i++)
			if ((done = lvi_is(n, table[i].el)))
				table[i].fn(c, n);
		if (!done)
			do_other(c, n);
	}
}

/* ---- <qemu:commandline> ------------------------------------------------ */

/* "a,,b" -> "a,b" (QEMU's option-value escape). */
static char *unescape(const char *s)
{
	char *out = xstrdup(s), *o = out;
	for (const char *p = s; *p; p++) {
		*o++ = *p;
		if (*p == ',' && p[1] == ',')
			p++;
	}
	*o = '\0';
	return out;
}

/* A comma that ends an option item (",," is an escaped one). */
static bool has_item_comma(const char *s)
{
	for (; *s; s++)
		if (*s == ',' && *++s != ',')
			return true;
	return false;
}

/* -device/-smbios/-global V that the profile has a key for: true when taken. */
static bool qemu_pair(struct lvi *c, const char *opt, const char *val, const xmlNode *n)
{
	if (!strcmp(opt, "-device") && !strncmp(val, "isa-applesmc,osk=", 17) && !has_item_comma(val + 17)) {
		lvi_set(&c->m.osk, unescape(val + 17), n);
		return true;
	}
	if (!strcmp(opt, "-device") && !strncmp(val, "usb-", 4)) {
		add_usbdev(c, val, n);
		return true;
	}
	if (!strcmp(opt, "-smbios")) {
		struct imodel *m = &c->m;
		m->smbios = xrealloc(m->smbios, (m->n_smbios + 1) * sizeof *m->smbios);
		m->smbios[m->n_smbios++] = (struct iv){ xstrdup(val), lvi_src(n) };
		return true;
	}
	size_t ml = c->cpu_model ? strlen(c->cpu_model) : 0;
	if (!strcmp(opt, "-global") && ml && !strncmp(val, c->cpu_model, ml) && !strncmp(val + ml, "-x86_64-cpu.", 12)) {
		strv_push(&c->cpu_items, val + ml + 12); /* back into the -cpu string */
		return true;
	}
	return false;
}

void lvi_qemu_commandline(struct lvi *c, xmlNode *dom)
{
	for (xmlNode *cl = dom->children; cl; cl = cl->next) {
		if (!lvi_is(cl, "commandline") || !cl->ns || strcmp((const char *)cl->ns->href, LVEXPORT_QEMU_NS))
			continue;
		struct strv args = { 0 };
		for (xmlNode *a = cl->children; a; a = a->next)
			if (lvi_is(a, "arg")) {
				char *v = lvi_attr(a, "value");
				strv_push(&args, v ? v : "");
				free(v);
			}
		for (size_t i = 0; i < args.n; i++) {
			if (i + 1 < args.n && args.v[i][0] == '-' && qemu_pair(c, args.v[i], args.v[i + 1], cl)) {
				c->r->kept++;
				i++;
				continue;
			}
			bool opt = args.v[i][0] == '-';
			lvi_extra(c, args.v[i], cl, opt ? "<qemu:commandline>: no profile key" : NULL);
			if (opt) {
				c->r->moved++;
				lvi_note(c, cl, "<qemu:arg value='%s'> moved to extra_args", args.v[i]);
			}
		}
		strv_clear(&args);
		for (xmlNode *e = cl->children; e; e = e->next)
			if (lvi_is(e, "env"))
				lvi_note(c, e, "<qemu:env>: QEMU's environment is vmdeck's; dropped");
	}
}

void lvi_clear(struct lvi *c)
{
	free(c->meta_install_file);
	free(c->meta_install_format);
	free(c->cpu_model);
	strv_clear(&c->cpu_items);
	import_model_clear(&c->m);
}
