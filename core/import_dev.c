/* import_dev: -device, -drive, -hdX/-cdrom, -netdev/-nic/-net and -vnc into the
 * profile's disks, installer, NICs, sound, USB and display. A device the
 * schema cannot describe whole goes to extra_args whole, with its drive or
 * netdev, so nothing of it is lost on the way. */
#include "core/import_priv.h"

#include "core/profile.h"
#include "core/qemu_args.h"
#include "core/supervisor.h"
#include "core/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const usb_controllers[] = { "qemu-xhci", "nec-usb-xhci", "usb-ehci", "ich9-usb-ehci1",
					       "ich9-usb-ehci2", "piix3-usb-uhci", "piix4-usb-uhci", "pci-ohci",
					       "ich9-usb-uhci1", "ich9-usb-uhci2", "ich9-usb-uhci3", NULL };
static const char *const usb_inputs[] = { "usb-kbd", "usb-tablet", "usb-mouse", NULL };
static const char *const sound_cards[] = { "ich9-intel-hda", "intel-hda", "AC97", "ES1370", "sb16", NULL };
static const char *const hda_codecs[] = { "hda-duplex", "hda-output", "hda-micro", NULL };
static const struct { const char *dev, *vga; } displays[] = {
	{ "VGA", "std" }, { "vmware-svga", "vmware" }, { "virtio-vga", "virtio" }, { "qxl-vga", "qxl" },
	{ "cirrus-vga", "cirrus" },
};

static bool in(const char *s, const char *const *list)
{
	for (size_t i = 0; s && list[i]; i++)
		if (!strcmp(s, list[i]))
			return true;
	return false;
}

static bool id_ok(const char *s)
{
	if (!s || !*s || strlen(s) > 32 || !((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z')))
		return false;
	for (const char *p = s; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || strchr("_.-", *p)))
			return false;
	return strncmp(s, "install", 7) && strncmp(s, "vmdeck", 6);
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);
	return n >= k && !strcasecmp(s + n - k, suffix);
}

/* An installer: a CD, an ISO, or macOS's BaseSystem image. */
static bool installer_file(const char *file)
{
	const char *b = strrchr(file, '/');
	b = b ? b + 1 : file;
	return ends_with(b, ".iso") || ends_with(b, ".dmg") || ends_with(b, ".cdr") || !strncmp(b, "BaseSystem", 10);
}

/* The first option named `name` whose "id" is id. */
static struct qopt *find_by_id(struct imp *c, const char *name, const char *id)
{
	for (size_t i = 0; id && i < c->nq; i++) {
		struct qopt *q = &c->q[i];
		if (strcmp(q->name, name) || !q->val)
			continue;
		struct kvs o;
		kvs_parse(&o, q->val, !strcmp(name, "netdev") ? "type" : NULL);
		const char *qid = kvs_peek(&o, "id");
		bool hit = qid && !strcmp(qid, id);
		kvs_free(&o);
		if (hit)
			return q;
	}
	return NULL;
}

static void lines_why(char **why, const struct qopt *a, const struct qopt *b)
{
	free(*why);
	if (b && b->line && b->line != a->line)
		*why = xasprintf("lines %d and %d: -%s %.*s… -%s", a->line, b->line, a->name,
				 (int)utf8_prefix_len(a->val ? a->val : "", a->val ? strlen(a->val) : 0, 30),
				 a->val ? a->val : "", b->name);
	else
		*why = imp_src(a);
}

/* A device and its partner (drive, netdev) verbatim to extra_args. */
static void pair_extra(struct imp *c, struct qopt *a, struct qopt *b, const char *why)
{
	if (b && !b->done) {
		imp_extra(c, b, why);
	}
	imp_extra(c, a, why);
}

/* ---- disks ------------------------------------------------------------- */

struct disk_in {
	const char *file, *format, *interface, *bus, *id, *media;
	bool cd, snapshot, readonly, unresolved;
	bool generic;        /* ide-drive: hard disk or CD by its medium (modernised, reported there) */
	long boot;           /* bootindex, -1: none */
};

static const char *guess_format(struct imp *c, const char *path, const struct qopt *q)
{
	const char *f = c->o->probe_format ? c->o->probe_format(path) : NULL;
	const char *how = "read from the image";
	if (!f) {
		how = "from the file name";
		f = ends_with(path, ".qcow2") || ends_with(path, ".qcow") ? "qcow2"
		    : ends_with(path, ".vmdk")			  ? "vmdk"
		    : ends_with(path, ".vdi")			  ? "vdi"
		    : ends_with(path, ".vhdx")			  ? "vhdx"
								  : "raw";
	}
	imp_note(c, q->line, q->col, "%s: no format= (QEMU guesses from the contents); vmdeck names it: %s (%s)", path,
		 f, how);
	return f;
}

static void add_disk(struct imp *c, const struct disk_in *d, const struct qopt *a, const struct qopt *b)
{
	struct imodel *m = &c->m;
	bool install = d->cd || (d->media && !strcmp(d->media, "cdrom")) || installer_file(d->file);
	struct idisk x = { .boot = d->boot };
	char *file = imp_path(c, d->file, d->unresolved);
	x.file.v = file;
	x.format.v = xstrdup(d->format ? d->format : guess_format(c, file, a));
	x.interface.v = xstrdup(d->interface);
	x.bus.v = d->bus ? xstrdup(d->bus) : NULL;
	x.snapshot = d->snapshot;
	x.readonly = d->readonly && !install;
	lines_why(&x.why, a, b);
	if (install && !m->has_install) {
		if (!d->cd && !d->generic && !(d->media && !strcmp(d->media, "cdrom")))
			imp_note(c, a->line, a->col, "%s was a hard disk in the script; as the installer it becomes a CD "
				 "(ide-cd, read-only)", file);
		m->install = x;
		m->has_install = true;
		imp_note(c, a->line, a->col, "%s is the installer: install: (its CD boots first in install mode: "
			 "'vmdeck mode %s install')", file, c->m.name.v);
		return;
	}
	if (install)
		imp_note(c, a->line, a->col, "%s looks like a second installer: kept as a disk", file);
	if (d->id && id_ok(d->id))
		x.id.v = xstrdup(d->id);
	else
		x.id.v = xasprintf("disk%zu", m->n_disks);
	for (size_t i = 0; i < m->n_disks; i++)
		if (!strcmp(m->disks[i].id.v, x.id.v)) {
			free(x.id.v);
			x.id.v = xasprintf("disk%zu", m->n_disks);
		}
	m->disks = xrealloc(m->disks, (m->n_disks + 1) * sizeof *m->disks);
	m->disks[m->n_disks++] = x;
}

/* -drive options every disk takes; tuning without a key is named. */
static int drive_in(struct imp *c, struct qopt *q, struct kvs *o, struct disk_in *d)
{
	d->file = kvs_take(o, "file");
	d->format = kvs_take(o, "format");
	d->media = kvs_take(o, "media");
	d->id = kvs_take(o, "id");
	d->snapshot = imp_on(kvs_take(o, "snapshot")) || c->snapshot_all;
	d->readonly = imp_on(kvs_take(o, "readonly"));
	d->unresolved = q->unresolved;
	kvs_take(o, "if");
	static const char *const tuning[] = { "cache", "aio", "discard", "detect-zeroes", "werror", "rerror", NULL };
	for (size_t i = 0; i < o->n; i++)
		if (in(o->a[i].k, tuning)) {
			o->a[i].used = true;
			imp_note(c, q->line, q->col, "-drive: %s=%s not kept (the profile has no key for it)", o->a[i].k,
				 o->a[i].v);
		}
	kvs_report_short(c, q, o);
	return d->file && *d->file ? 0 : -1;
}

/* -device ide-hd|ide-drive|ide-cd|scsi-*|virtio-blk* with its -drive. */
static void disk_device(struct imp *c, struct qopt *q, struct kvs *o, const char *driver)
{
	const char *drive_id = kvs_take(o, "drive");
	const char *bus = kvs_take(o, "bus");
	const char *boot = kvs_take(o, "bootindex");
	kvs_take(o, "id");
	struct qopt *dq = find_by_id(c, "drive", drive_id);
	char *rest = kvs_rest(o);
	struct kvs dk;
	kvs_parse(&dk, dq ? dq->val : NULL, NULL);
	struct disk_in d = { .boot = -1 };
	if (!dq || dq->done || rest || drive_in(c, dq, &dk, &d) < 0) {
		char *why = rest ? xasprintf("device properties without a profile key (%s)", rest)
			  : !dq	  ? xstrdup("its drive is not on the command line")
				  : xstrdup("a drive without a file");
		pair_extra(c, q, dq && !dq->done ? dq : NULL, why);
		free(why);
		free(rest);
		kvs_free(&dk);
		return;
	}
	char *drest = kvs_rest(&dk);
	if (drest)
		imp_note(c, dq->line, dq->col, "-drive: '%s' not kept (the profile has no key for it)", drest);
	free(drest);
	d.cd = strstr(driver, "-cd") != NULL;
	d.generic = !strcmp(driver, "ide-drive");
	d.interface = !strncmp(driver, "ide", 3) ? (bus && !strncmp(bus, "sata", 4) ? "sata" : "ide")
		      : !strncmp(driver, "scsi", 4) ? "scsi" : "virtio";
	char *newbus = NULL;
	if (bus && c->ahci_id && !strncmp(bus, c->ahci_id, strlen(c->ahci_id)) && bus[strlen(c->ahci_id)] == '.') {
		newbus = xasprintf("ide.%s", bus + strlen(c->ahci_id) + 1);
		imp_note(c, q->line, q->col, "bus=%s became bus=%s: q35's own AHCI controller instead of a second ich9-ahci",
			 bus, newbus);
		d.interface = "sata";
	} else if (bus && !strcmp(d.interface, "ide"))
		newbus = xstrdup(bus);
	else if (bus && !strcmp(d.interface, "sata"))
		newbus = xstrdup(bus);
	d.bus = newbus;
	unsigned long long bi;
	d.boot = boot && parse_uint(boot, 0, 1000, &bi) == 0 ? (long)bi : -1;
	if (boot)
		imp_note(c, q->line, q->col, "bootindex=%s: vmdeck numbers the disks 2, 3, … in list order (the "
			 "installer 1), so the disks are listed in the script's boot order", boot);
	bool install = d.cd || (d.media && !strcmp(d.media, "cdrom")) || installer_file(d.file);
	add_disk(c, &d, q, dq);
	imp_kept(c, dq);
	if (!strcmp(driver, "ide-drive"))
		imp_modern(c, q, "ide-drive became %s (ide-drive is gone since QEMU 6.0)", install ? "ide-cd" : "ide-hd");
	else
		imp_kept(c, q);
	free(newbus);
	free(rest);
	kvs_free(&dk);
}

void imp_drive(struct imp *c, struct qopt *q)
{
	struct kvs o;
	kvs_parse(&o, q->val, NULL);
	const char *iface = kvs_peek(&o, "if");
	if (iface && !strcmp(iface, "none")) { /* its -device takes it (imp_finish_devices: orphans) */
		kvs_free(&o);
		return;
	}
	if (iface && !strcmp(iface, "pflash")) {
		kvs_take(&o, "if");
		kvs_take(&o, "format");
		kvs_take(&o, "unit");
		bool ro = imp_on(kvs_take(&o, "readonly"));
		const char *file = kvs_take(&o, "file");
		char *rest = kvs_rest(&o);
		struct iv *v = ro ? &c->m.fw_code : &c->m.fw_vars;
		if (!file || v->v || rest) {
			imp_extra(c, q, "a flash drive the firmware keys cannot describe");
		} else {
			v->v = imp_path(c, file, q->unresolved);
			v->why = imp_src(q);
			kvs_report_short(c, q, &o);
			imp_kept(c, q);
		}
		free(rest);
		kvs_free(&o);
		return;
	}
	struct disk_in d = { .boot = -1 };
	const char *index = kvs_take(&o, "index");
	if (drive_in(c, q, &o, &d) < 0 || (iface && strcmp(iface, "ide") && strcmp(iface, "virtio") &&
					   strcmp(iface, "scsi"))) {
		imp_extra(c, q, "a drive the profile's disks cannot describe");
		kvs_free(&o);
		return;
	}
	char *rest = kvs_rest(&o);
	if (rest)
		imp_note(c, q->line, q->col, "-drive: '%s' not kept (the profile has no key for it)", rest);
	free(rest);
	d.interface = iface ? iface : "ide";
	char *bus = NULL;
	unsigned long long ix;
	if (index && !strcmp(d.interface, "ide") && parse_uint(index, 0, 5, &ix) == 0)
		bus = xasprintf("ide.%llu", c->q35 ? ix : ix / 2);
	d.bus = bus;
	add_disk(c, &d, q, NULL);
	free(bus);
	imp_kept(c, q);
	kvs_free(&o);
}

/* -hda … -hdd, -cdrom, and a bare image name: IDE index 0-3 (CD: 2). */
void imp_hdx(struct imp *c, struct qopt *q)
{
	unsigned ix = !strcmp(q->name, "cdrom") ? 2 : (unsigned)(q->name[2] - 'a');
	char *bus = xasprintf("ide.%u", c->q35 ? ix : ix / 2);
	char id[8];
	snprintf(id, sizeof id, "hd%c", 'a' + ix);
	struct disk_in d = { .boot = -1, .file = q->val, .interface = "ide", .bus = bus, .id = id,
			     .cd = !strcmp(q->name, "cdrom"), .snapshot = c->snapshot_all, .unresolved = q->unresolved };
	add_disk(c, &d, q, NULL);
	imp_kept(c, q);
	free(bus);
}

/* ---- NICs -------------------------------------------------------------- */

struct nic_in {
	const char *model, *mac, *id;
	struct kvs *back;  /* the netdev's options, "type" first */
};

static char *default_mac(struct imp *c)
{
	/* What QEMU gives a NIC without mac=: 52:54:00:12:34:56, then :57, … */
	return xasprintf("52:54:00:12:34:%02x", 0x56 + c->mac_index++);
}

/* 0 when the NIC fits the profile (added), -1 when it must go to extra_args. */
static int add_nic(struct imp *c, const struct nic_in *n, const struct qopt *a, const struct qopt *b, char **why)
{
	const char *type = kvs_take(n->back, "type");
	const char *ifname = NULL, *br = NULL;
	kvs_take(n->back, "id");
	if (type && !strcmp(type, "tap")) {
		ifname = kvs_take(n->back, "ifname");
		const char *sc = kvs_take(n->back, "script"), *dsc = kvs_take(n->back, "downscript");
		if (sc && strcmp(sc, "no"))
			imp_note(c, a->line, a->col, "script=%s is not run: vmdeck creates the TAP itself; name the bridge it "
				 "joins with 'bridge:'", sc);
		if (dsc && strcmp(dsc, "no"))
			imp_note(c, a->line, a->col, "downscript=%s is not run: vmdeck removes the TAP itself", dsc);
		const char *vh = kvs_take(n->back, "vhost");
		if (vh)
			imp_note(c, a->line, a->col, "vhost=%s not kept (the profile has no key for it)", vh);
	} else if (type && !strcmp(type, "bridge")) {
		br = kvs_take(n->back, "br");
		if (!br)
			br = "br0";
		kvs_take(n->back, "helper");
		imp_note(c, a->line, a->col, "bridge %s: vmdeck creates a TAP and joins it to %s (no qemu-bridge-helper)",
			 br, br);
	} else if (!type || strcmp(type, "user")) {
		*why = xasprintf("a %s network backend has no profile key", type ? type : "missing");
		return -1;
	}
	char *rest = kvs_rest(n->back);
	if (rest) {
		*why = xasprintf("'%s' has no profile key (a profile's NIC has model, mac, network, bridge, tap)", rest);
		free(rest);
		return -1;
	}
	if (!n->model || strchr(n->model, ',') || (ifname && strlen(ifname) > 15)) {
		*why = xstrdup("a NIC the profile cannot describe");
		return -1;
	}
	struct imodel *m = &c->m;
	struct inic x = { 0 };
	x.id = id_ok(n->id) ? xstrdup(n->id) : xasprintf("net%zu", m->n_nics);
	x.model = xstrdup(n->model);
	uint8_t mac[6];
	if (n->mac && mac_parse(n->mac, mac) == 0)
		x.mac = xstrdup(n->mac);
	else {
		x.mac = default_mac(c);
		imp_note(c, a->line, a->col, "NIC %s: no mac= in the script: QEMU's default %s kept (leave 'mac' out "
			 "for a MAC of this VM's own)", x.id, x.mac);
	}
	x.user = type && !strcmp(type, "user");
	x.tap = ifname ? xstrdup(ifname) : NULL;
	x.bridge = br ? xstrdup(br) : NULL;
	lines_why(&x.why, a, b);
	m->nics = xrealloc(m->nics, (m->n_nics + 1) * sizeof *m->nics);
	m->nics[m->n_nics++] = x;
	return 0;
}

static void nic_device(struct imp *c, struct qopt *q, struct kvs *o, const char *driver)
{
	const char *nd = kvs_take(o, "netdev");
	struct nic_in n = { .model = driver, .mac = kvs_take(o, "mac"), .id = nd };
	const char *devid = kvs_take(o, "id");
	struct qopt *bq = find_by_id(c, "netdev", nd);
	char *rest = kvs_rest(o);
	char *why = NULL;
	struct kvs back;
	kvs_parse(&back, bq ? bq->val : NULL, "type");
	n.back = &back;
	if (!bq || bq->done)
		why = xstrdup("its -netdev is not on the command line");
	else if (rest)
		why = xasprintf("device properties without a profile key (%s)", rest);
	if (why || add_nic(c, &n, q, bq, &why) < 0) {
		if (!n.mac)
			c->mac_index++;
		pair_extra(c, q, bq, why);
	} else {
		if (devid && strcmp(devid, nd))
			imp_note(c, q->line, q->col, "device id=%s became %s: vmdeck names a NIC's device like its netdev",
				 devid, nd);
		imp_kept(c, bq);
		imp_kept(c, q);
	}
	free(why);
	free(rest);
	kvs_free(&back);
}

void imp_netdev(struct imp *c, struct qopt *q)
{
	(void)c;
	(void)q; /* its -device takes it; orphans: imp_finish_devices */
}

/* -nic TYPE,model=…,mac=…: backend and device in one. */
void imp_nic(struct imp *c, struct qopt *q)
{
	struct kvs o;
	kvs_parse(&o, q->val, "type");
	if (!strcmp(kvs_peek(&o, "type") ? kvs_peek(&o, "type") : "", "none")) {
		imp_kept(c, q);
		kvs_free(&o);
		return;
	}
	const char *model = kvs_take(&o, "model");
	struct nic_in n = { .model = model ? model : c->q35 ? "e1000e" : "e1000", .mac = kvs_take(&o, "mac"),
			    .id = kvs_peek(&o, "id"), .back = &o };
	char *why = NULL;
	if (add_nic(c, &n, q, NULL, &why) < 0)
		imp_extra(c, q, why);
	else
		imp_kept(c, q);
	free(why);
	kvs_free(&o);
}

/* -net nic,… with -net user|tap|bridge,…: all paired in order at the first. */
void imp_net_legacy_pairs(struct imp *c)
{
	struct qopt *nics[8], *backs[8];
	size_t nn = 0, nb = 0;
	for (size_t i = 0; i < c->nq; i++) {
		struct qopt *q = &c->q[i];
		if (strcmp(q->name, "net") || q->done || !q->val)
			continue;
		if (!strncmp(q->val, "nic", 3) && (!q->val[3] || q->val[3] == ',') && nn < 8)
			nics[nn++] = q;
		else if (nb < 8)
			backs[nb++] = q;
	}
	for (size_t i = 0; i < nn; i++) {
		struct kvs dev, back;
		kvs_parse(&dev, nics[i]->val, "type");
		kvs_parse(&back, i < nb ? backs[i]->val : "user", "type");
		kvs_take(&dev, "type");
		const char *model = kvs_take(&dev, "model");
		struct nic_in n = { .model = model ? model : c->q35 ? "e1000e" : "e1000",
				    .mac = kvs_take(&dev, "macaddr"), .back = &back };
		char *rest = kvs_rest(&dev), *why = NULL;
		struct qopt *b = i < nb ? backs[i] : NULL;
		if (rest || add_nic(c, &n, nics[i], b, &why) < 0) {
			if (!why)
				why = xasprintf("'%s' has no profile key", rest);
			pair_extra(c, nics[i], b, why);
		} else {
			imp_modern(c, nics[i], "-net nic became a NIC of the profile (-net is the legacy form of -netdev)");
			if (b)
				imp_modern(c, b, "-net %s became the NIC's network", b->val);
		}
		free(rest);
		free(why);
		kvs_free(&dev);
		kvs_free(&back);
	}
	for (size_t i = nn; i < nb; i++)
		imp_extra(c, backs[i], "a -net backend without a -net nic");
}

/* ---- -device ----------------------------------------------------------- */

bool imp_is_display_device(const char *val)
{
	for (size_t i = 0; val && i < ARRAY_LEN(displays); i++) {
		size_t n = strlen(displays[i].dev);
		if (!strncmp(val, displays[i].dev, n) && (!val[n] || val[n] == ','))
			return true;
	}
	return false;
}

void imp_prescan_device(struct imp *c, const struct qopt *q)
{
	struct kvs o;
	kvs_parse(&o, q->val, "driver");
	const char *d = kvs_peek(&o, "driver"), *id = kvs_peek(&o, "id");
	if (in(d, usb_controllers))
		c->usb_ctrl = true;
	if (d && !strcmp(d, "ich9-ahci") && id && c->q35 && !c->ahci_id)
		c->ahci_id = xstrdup(id);
	if (d && !strcmp(d, "virtio-scsi-pci") && id && !c->scsi_id)
		c->scsi_id = xstrdup(id);
	kvs_free(&o);
}

void imp_usb_device(struct imp *c, const char *dev, const struct qopt *q)
{
	struct imodel *m = &c->m;
	m->usbdev = xrealloc(m->usbdev, (m->n_usbdev + 1) * sizeof *m->usbdev);
	m->usbdev[m->n_usbdev++] = (struct iv){ xstrdup(dev), imp_src(q) };
}

static void simple_device(struct imp *c, struct qopt *q, struct kvs *o, const char *d)
{
	struct imodel *m = &c->m;
	kvs_take(o, "id");
	if (!strcmp(d, "isa-applesmc")) {
		const char *osk = kvs_take(o, "osk");
		char *rest = kvs_rest(o);
		if (!osk || rest || m->osk.v) {
			free(rest);
			return imp_extra(c, q, "an applesmc the profile's applesmc.osk cannot describe");
		}
		m->osk = (struct iv){ xstrdup(osk), imp_src(q) };
		return imp_kept(c, q);
	}
	if (in(d, usb_inputs)) {
		const char *bus = kvs_take(o, "bus");
		char *rest = kvs_rest(o);
		bool own = (c->usb_ctrl && !c->has_usb) || rest;
		free(rest);
		if (own)
			return imp_extra(c, q, "on the script's own USB controller (the profile's usb: is QEMU's -usb)");
		if (bus)
			imp_note(c, q->line, q->col, "bus=%s not kept: the device goes on QEMU's -usb controller", bus);
		imp_usb_device(c, d, q);
		if (!c->has_usb)
			imp_note(c, q->line, q->col, "%s needs a USB controller: usb: adds QEMU's -usb", d);
		m->usb = true;
		return imp_kept(c, q);
	}
	bool codec = in(d, hda_codecs);
	if (in(d, sound_cards) || codec) {
		const char *ad = kvs_take(o, "audiodev");
		kvs_take(o, "bus");
		char *rest = kvs_rest(o);
		struct iv *v = codec ? &m->audio_codec : &m->audio_dev;
		if (rest || v->v || (codec && !m->audio_dev.v)) {
			free(rest);
			return imp_extra(c, q, "a sound device the profile's audio: cannot describe");
		}
		*v = (struct iv){ xstrdup(d), imp_src(q) };
		if (ad)
			imp_note(c, q->line, q->col, "audiodev=%s: vmdeck's sound backend is silent (none, id snd0)", ad);
		return imp_kept(c, q);
	}
	for (size_t i = 0; i < ARRAY_LEN(displays); i++)
		if (!strcmp(d, displays[i].dev)) {
			char *rest = kvs_rest(o);
			if (rest || m->vga.v) {
				free(rest);
				return imp_extra(c, q, "a display device 'display.vga' cannot describe");
			}
			m->vga = (struct iv){ xstrdup(displays[i].vga), imp_src(q) };
			if (strcmp(d, "VGA"))
				return imp_modern(c, q, "%s became display.vga: %s (-vga %s)", d, displays[i].vga,
						  displays[i].vga);
			return imp_kept(c, q);
		}
	if (c->ahci_id && !strcmp(d, "ich9-ahci"))
		return imp_drop(c, q, "q35 has this AHCI controller built in (buses ide.0-ide.5): its disks moved there");
	if (c->scsi_id && !strcmp(d, "virtio-scsi-pci"))
		return imp_drop(c, q, "vmdeck adds its own virtio-scsi controller for SCSI disks");
	imp_extra(c, q, "a device the profile has no key for");
}

void imp_device(struct imp *c, struct qopt *q)
{
	struct kvs o;
	kvs_parse(&o, q->val, "driver");
	const char *d = kvs_take(&o, "driver");
	if (!d)
		imp_extra(c, q, "a -device without a driver");
	else if (!strcmp(d, "ide-drive") || !strcmp(d, "ide-hd") || !strcmp(d, "ide-cd") || !strcmp(d, "scsi-hd") ||
		 !strcmp(d, "scsi-cd") || !strcmp(d, "virtio-blk-pci") || !strcmp(d, "virtio-blk"))
		disk_device(c, q, &o, !strcmp(d, "virtio-blk") ? "virtio-blk-pci" : d);
	else if (kvs_peek(&o, "netdev"))
		nic_device(c, q, &o, d);
	else
		simple_device(c, q, &o, d);
	kvs_free(&o);
}

bool imp_chardev_is_monitor(const struct imp *c, const struct qopt *q)
{
	struct kvs o;
	kvs_parse((struct kvs *)&o, q->val, "backend");
	const char *id = kvs_peek(&o, "id");
	bool mon = false;
	for (size_t i = 0; id && i < c->nq && !mon; i++) {
		const struct qopt *m = &c->q[i];
		if (!strcmp(m->name, "mon") && m->val) {
			struct kvs mo;
			kvs_parse(&mo, m->val, "chardev");
			const char *ch = kvs_peek(&mo, "chardev");
			mon = ch && !strcmp(ch, id);
			kvs_free(&mo);
		}
	}
	kvs_free(&o);
	return mon;
}

/* The chardev ID is the serial console a vmdeck gave a QEMU it started
 * (socket,id=serial0,fd=3 — the supervisor's socketpair — or, from vmdeck
 * before the console relay, socket,id=serial0,path=…/serial.sock): the argv
 * of `import --pid` of a vmdeck VM. The new VM gets its own; a copy would be
 * a duplicate id. */
bool imp_chardev_is_vmdeck_console(const struct imp *c, const char *id)
{
	if (!id || !qemu_args_reserved_id(id))
		return false;
	bool console = false;
	for (size_t i = 0; i < c->nq && !console; i++) {
		const struct qopt *q = &c->q[i];
		if (strcmp(q->name, "chardev") != 0 || !q->val)
			continue;
		struct kvs o;
		kvs_parse(&o, q->val, "backend");
		const char *cid = kvs_peek(&o, "id"), *be = kvs_peek(&o, "backend"), *path = kvs_peek(&o, "path");
		const char *fd = kvs_peek(&o, "fd");
		size_t pl = path ? strlen(path) : 0;
		bool ours = (pl >= 12 && !strcmp(path + pl - 12, "/serial.sock")) ||
			    (fd && atoi(fd) == SUPERVISOR_SERIAL_FD);
		console = cid && !strcmp(cid, id) && be && !strcmp(be, "socket") && ours;
		kvs_free(&o);
	}
	return console;
}

/* ---- display ----------------------------------------------------------- */

void imp_vnc(struct imp *c, struct qopt *q)
{
	struct kvs o;
	kvs_parse(&o, q->val, "vnc");
	const char *v = kvs_take(&o, "vnc");
	const char *pw = kvs_take(&o, "password");
	kvs_report_short(c, q, &o);
	char *rest = kvs_rest(&o);
	if (!v || !strcmp(v, "none") || !strncmp(v, "unix:", 5)) {
		imp_drop(c, q, "vmdeck's VNC is on RUN/vnc.sock");
	} else if (c->m.vnc.v) {
		imp_drop(c, q, "a second VNC server: the profile has one (display.vnc)");
	} else if (imp_on(pw)) {
		const char *colon = strrchr(v, ':');
		char *addr = colon == v ? xasprintf("0.0.0.0%s", v) : xstrdup(v);
		c->m.vnc = (struct iv){ addr, imp_src(q) };
		c->m.password_file = (struct iv){ xasprintf("%s.vnc-password", c->m.name.v),
						 xstrdup("put the VNC password here (the script set it through the monitor)") };
		imp_note(c, q->line, q->col, "VNC on %s with a password: put the password in %s.vnc-password next to "
			 "the profile (the script set it at run time through the monitor)", addr, c->m.name.v);
		imp_kept(c, q);
	} else {
		imp_note(c, q->line, q->col, "-vnc %s had no password, so anyone who can reach it owns the VM: the "
			 "screen is on vmdeck's UNIX socket RUN/vnc.sock instead (set display.vnc with "
			 "display.password_file for TCP)", v);
		q->done = true;
		c->r->dropped++;
	}
	if (rest)
		imp_note(c, q->line, q->col, "-vnc: '%s' not kept (the profile has no key for it)", rest);
	free(rest);
	kvs_free(&o);
}

/* ---- the end ----------------------------------------------------------- */

void imp_finish_devices(struct imp *c)
{
	struct imodel *m = &c->m;
	imp_net_legacy_pairs(c);
	for (size_t i = 0; i < c->nq; i++) {
		struct qopt *q = &c->q[i];
		if (q->done)
			continue;
		if (!strcmp(q->name, "drive"))
			imp_extra(c, q, "a drive no device of the command line uses");
		else if (!strcmp(q->name, "netdev"))
			imp_extra(c, q, "a network backend no NIC uses");
	}
	if (c->snapshot_all)
		for (size_t i = 0; i < m->n_disks; i++)
			m->disks[i].snapshot = true;
	/* The script's boot order: disks with a bootindex first, by it (stable:
	 * an insertion sort over a handful of disks). */
	for (size_t i = 1; i < m->n_disks; i++)
		for (size_t k = i; k > 0; k--) {
			long a = m->disks[k - 1].boot, b = m->disks[k].boot;
			if (!(b >= 0 && (a < 0 || b < a)))
				break;
			struct idisk t = m->disks[k - 1];
			m->disks[k - 1] = m->disks[k];
			m->disks[k] = t;
		}
	if (!c->has_net && !c->nodefaults) {
		struct inic x = { .id = xstrdup("net0"), .model = xstrdup(c->q35 ? "e1000e" : "e1000"), .user = true,
				  .why = xstrdup("QEMU's default NIC: the script names none (delete nics: for none)") };
		x.mac = default_mac(c);
		m->nics = xrealloc(m->nics, (m->n_nics + 1) * sizeof *m->nics);
		m->nics[m->n_nics++] = x;
		imp_note(c, 0, 0, "the script names no network: QEMU's default NIC (%s, user networking) kept", x.model);
	}
	if (c->nodefaults && !c->has_vga && !m->vga.v)
		m->vga = (struct iv){ xstrdup("none"), xstrdup("-nodefaults and no -vga: no display device") };
	if (m->n_usbdev && !c->has_usb)
		m->usb = true;
}
