/* lvexport_dev: the <devices> of an exported domain, and the -cpu string
 * taken apart into libvirt's <cpu> (mapping: core/lvexport.h). */
#include "core/lvexport_priv.h"
#include "core/forward.h"

#include "core/qemu_args.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- CPU --------------------------------------------------------------- */

/* -cpu properties that are no CPUID feature: libvirt's <feature> cannot
 * carry them (prefix match for the hv- family). */
static const char *const cpu_props[] = {
	"vmware-cpuid-freq", "l3-cache", "host-phys-bits", "migratable", "tsc-frequency", "level", "xlevel",
	"model-id", "family", "model", "stepping", "phys-bits", "host-cache-info", "enforce", "check", "hv-",
	"kvm-no-smi-migration", "full-cpuid-auto-level", "min-level", "min-xlevel",
};

static bool is_cpu_prop(const char *k)
{
	for (size_t i = 0; i < ARRAY_LEN(cpu_props); i++)
		if (!strcmp(k, cpu_props[i]) || (cpu_props[i][strlen(cpu_props[i]) - 1] == '-' &&
						   !strncmp(k, cpu_props[i], strlen(cpu_props[i]))))
			return true;
	return false;
}

static int cpu_item(struct lvcpu *c, const char *it, char **err)
{
	if ((it[0] == '+' || it[0] == '-') && it[1]) {
		strv_push(&c->features, it);
		return 0;
	}
	const char *eq = strchr(it, '=');
	char *k = eq ? xstrndup(it, (size_t)(eq - it)) : xstrdup(it);
	const char *v = eq ? eq + 1 : "on";
	bool on = !strcmp(v, "on") || !strcmp(v, "true") || !strcmp(v, "yes");
	bool off = !strcmp(v, "off") || !strcmp(v, "false") || !strcmp(v, "no");
	int rc = 0;
	if (!strcmp(k, "kvm") && (on || off))
		c->kvm_hidden = off;
	else if (!strcmp(k, "vendor")) {
		if (strlen(v) != 12)
			rc = error_set(err, "vendor=%s: libvirt's vendor_id is exactly 12 characters", v);
		free(c->vendor_id);
		c->vendor_id = xstrdup(v);
	} else if (is_cpu_prop(k) || (!on && !off))
		strv_pushf(&c->globals, "%s-x86_64-cpu.%s=%s", c->model, k, v);
	else
		strv_pushf(&c->features, "%c%s", on ? '+' : '-', k);
	free(k);
	return rc;
}

int lvcpu_parse(const char *cpu, struct lvcpu *c, char **err)
{
	memset(c, 0, sizeof *c);
	if (!cpu)
		return 0;
	char *s = xstrdup(cpu), *save = NULL;
	int rc = 0;
	for (char *it = strtok_r(s, ",", &save); it && rc == 0; it = strtok_r(NULL, ",", &save)) {
		if (!c->model)
			c->model = xstrdup(it);
		else
			rc = cpu_item(c, it, err);
	}
	free(s);
	if (rc < 0)
		lvcpu_clear(c);
	return rc;
}

void lvcpu_clear(struct lvcpu *c)
{
	free(c->model);
	free(c->vendor_id);
	strv_clear(&c->features);
	strv_clear(&c->globals);
	memset(c, 0, sizeof *c);
}

/* ---- disks ------------------------------------------------------------- */

struct lvbus {
	const char *bus, *prefix; /* libvirt's bus, the target's dev prefix */
};

/* <alias name='ua-ID'/>: the profile's id kept for a round trip (libvirt's
 * user aliases are "ua-" and [A-Za-z0-9_-]). */
static void write_alias(struct lvw *w, const char *id)
{
	if (!id || !*id || strspn(id, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-") != strlen(id))
		return;
	char *a = xasprintf("ua-%s", id);
	lvw_empty(w, "alias", "name", a, NULL);
	free(a);
}

static bool is_q35(const struct profile *p) { return strstr(p->machine ? p->machine : "q35", "q35") != NULL; }

static struct lvbus disk_bus(const struct profile *p, const char *iface)
{
	if (!iface || !strcmp(iface, "virtio"))
		return (struct lvbus){ "virtio", "vd" };
	if (!strcmp(iface, "scsi"))
		return (struct lvbus){ "scsi", "sd" };
	/* q35's "ide" is its ICH9 AHCI: libvirt calls that sata (and has no IDE there). */
	if (!strcmp(iface, "sata") || is_q35(p))
		return (struct lvbus){ "sata", "sd" };
	return (struct lvbus){ "ide", "hd" };
}

struct disk_ctx {
	unsigned n_vd, n_sd, n_hd;
	unsigned ide_units[4];  /* per PIIX IDE bus, units given */
	bool scsi;
};

static void write_target(struct lvw *w, struct disk_ctx *dc, struct lvbus b, char dev[8])
{
	unsigned *n = !strcmp(b.prefix, "vd") ? &dc->n_vd : !strcmp(b.prefix, "sd") ? &dc->n_sd : &dc->n_hd;
	snprintf(dev, 8, "%s%c", b.prefix, 'a' + (char)(*n % 26));
	(*n)++;
	lvw_empty(w, "target", "dev", dev, "bus", b.bus, NULL);
}

/* "ide.2" -> the controller's port/bus as libvirt's drive address. */
static void write_address(struct lvw *w, struct disk_ctx *dc, struct lvbus b, const char *bus, const char *what)
{
	unsigned n;
	if (!bus)
		return;
	if (sscanf(bus, "ide.%u", &n) != 1 || (!strcmp(b.bus, "ide") && n > 3)) {
		lvw_note(w, "%s: bus '%s' not kept: libvirt places it", what, bus);
		return;
	}
	char sb[12], su[12];
	if (!strcmp(b.bus, "sata")) /* AHCI: one port per unit */
		snprintf(sb, sizeof sb, "0"), snprintf(su, sizeof su, "%u", n);
	else if (!strcmp(b.bus, "ide"))
		snprintf(sb, sizeof sb, "%u", n), snprintf(su, sizeof su, "%u", dc->ide_units[n]++);
	else {
		lvw_note(w, "%s: bus '%s' not kept: libvirt places it", what, bus);
		return;
	}
	lvw_empty(w, "address", "type", "drive", "controller", "0", "bus", sb, "target", "0", "unit", su, NULL);
}

static void write_disk(struct lvw *w, const struct profile *p, struct disk_ctx *dc, size_t i)
{
	const struct profile_disk *d = &p->disks[i];
	struct lvbus b = disk_bus(p, d->interface);
	dc->scsi |= !strcmp(b.bus, "scsi");
	lvw_start(w, "disk");
	lvw_attr(w, "type", "file");
	lvw_attr(w, "device", "disk");
	lvw_empty(w, "driver", "name", "qemu", "type", d->format ? d->format : "raw", NULL);
	lvw_empty(w, "source", "file", d->file, NULL);
	char dev[8];
	write_target(w, dc, b, dev);
	char order[16];
	snprintf(order, sizeof order, "%zu", i + QEMU_DISK_BOOTINDEX);
	lvw_empty(w, "boot", "order", order, NULL);
	if (d->readonly)
		lvw_empty(w, "readonly", NULL);
	if (d->snapshot)
		lvw_empty(w, "transient", NULL);
	char *what = xasprintf("disk '%s'", d->id);
	write_alias(w, d->id);
	write_address(w, dc, b, d->bus, what);
	free(what);
	lvw_end(w);
	if (d->interface && !strcmp(d->interface, "ide") && !strcmp(b.bus, "sata"))
		lvw_note(w, "disk '%s': interface ide on %s is its AHCI controller: libvirt's bus='sata'", d->id,
			 p->machine ? p->machine : "q35");
	if (d->size && access(d->file, F_OK) != 0)
		lvw_note(w, "disk '%s': %s does not exist yet and libvirt will not make it (size: is vmdeck's): "
			    "'qemu-img create -f %s %s %" PRIu64 "' first",
			 d->id, d->file, d->format ? d->format : "qcow2", d->file, d->size);
	if (d->linked_base)
		lvw_note(w, "disk '%s': a linked clone over %s: libvirt follows the image's backing chain; the base "
			    "must stay where it is",
			 d->id, d->linked_base);
}

static void write_cd(struct lvw *w, const struct profile *p, struct disk_ctx *dc, enum vm_mode mode)
{
	const struct profile_install *in = &p->install;
	struct lvbus b = disk_bus(p, in->interface ? in->interface : "ide");
	dc->scsi |= !strcmp(b.bus, "scsi");
	lvw_start(w, "disk");
	lvw_attr(w, "type", "file");
	lvw_attr(w, "device", "cdrom");
	lvw_empty(w, "driver", "name", "qemu", "type", in->format ? in->format : "raw", NULL);
	if (mode == VM_MODE_INSTALL)
		lvw_empty(w, "source", "file", in->file, NULL);
	char dev[8];
	write_target(w, dc, b, dev);
	lvw_empty(w, "readonly", NULL);
	if (mode == VM_MODE_INSTALL)
		lvw_empty(w, "boot", "order", "1", NULL);
	write_address(w, dc, b, in->bus, "the installer CD");
	lvw_end(w);
	if (mode != VM_MODE_INSTALL)
		lvw_note(w, "the installer CD is there, empty (boot mode): 'virsh change-media %s %s %s' inserts it", p->name,
			 dev, in->file);
	if (in->snapshot)
		lvw_note(w, "install.snapshot: no libvirt element (a CD is read-only anyway); kept in vmdeck's <metadata>");
}

/* ---- USB, sound, display, serial, NICs --------------------------------- */

static void write_usb(struct lvw *w, const struct profile *p)
{
	if (!p->usb) {
		lvw_empty(w, "controller", "type", "usb", "index", "0", "model", "none", NULL);
		return;
	}
	if (is_q35(p)) { /* -usb on q35: ICH9 EHCI with its three UHCI companions */
		lvw_empty(w, "controller", "type", "usb", "index", "0", "model", "ich9-ehci1", NULL);
		static const char *const comp[][2] = { { "ich9-uhci1", "0" }, { "ich9-uhci2", "2" }, { "ich9-uhci3", "4" } };
		for (size_t i = 0; i < ARRAY_LEN(comp); i++) {
			lvw_start(w, "controller");
			lvw_attr(w, "type", "usb");
			lvw_attr(w, "index", "0");
			lvw_attr(w, "model", comp[i][0]);
			lvw_empty(w, "master", "startport", comp[i][1], NULL);
			lvw_end(w);
		}
	} else
		lvw_empty(w, "controller", "type", "usb", "index", "0", "model", "piix3-uhci", NULL);
	static const char *const inputs[][2] = { { "usb-tablet", "tablet" }, { "usb-kbd", "keyboard" }, { "usb-mouse", "mouse" } };
	static const char *const ctrls[][2] = { { "qemu-xhci", "qemu-xhci" }, { "nec-usb-xhci", "nec-xhci" } };
	unsigned next_index = 1;
	for (size_t i = 0; i < p->n_usb_devices; i++) {
		const char *d = p->usb_devices[i];
		bool done = false;
		for (size_t k = 0; k < ARRAY_LEN(inputs) && !done; k++)
			if ((done = !strcmp(d, inputs[k][0])))
				lvw_empty(w, "input", "type", inputs[k][1], "bus", "usb", NULL);
		for (size_t k = 0; k < ARRAY_LEN(ctrls) && !done; k++)
			if ((done = !strcmp(d, ctrls[k][0]))) {
				char idx[12];
				snprintf(idx, sizeof idx, "%u", next_index++);
				lvw_empty(w, "controller", "type", "usb", "index", idx, "model", ctrls[k][1], NULL);
			}
		if (!done)
			strv_push(&w->extra_devices, d);
	}
}

static void write_sound(struct lvw *w, const struct profile *p)
{
	static const char *const models[][2] = { { "ich9-intel-hda", "ich9" }, { "intel-hda", "ich6" }, { "AC97", "ac97" },
						  { "ES1370", "es1370" }, { "sb16", "sb16" }, { "usb-audio", "usb" } };
	static const char *const codecs[][2] = { { "hda-duplex", "duplex" }, { "hda-micro", "micro" }, { "hda-output", "output" } };
	if (!p->audio_device)
		return;
	const char *model = NULL, *codec = NULL;
	for (size_t i = 0; i < ARRAY_LEN(models); i++)
		if (!strcmp(p->audio_device, models[i][0]))
			model = models[i][1];
	for (size_t i = 0; p->audio_codec && i < ARRAY_LEN(codecs); i++)
		if (!strcmp(p->audio_codec, codecs[i][0]))
			codec = codecs[i][1];
	if (!model) {
		lvw_note(w, "audio device '%s': libvirt has no sound model for it; not exported", p->audio_device);
		return;
	}
	lvw_start(w, "sound");
	lvw_attr(w, "model", model);
	if (codec)
		lvw_empty(w, "codec", "type", codec, NULL);
	else if (p->audio_codec)
		lvw_note(w, "audio codec '%s': libvirt knows duplex, micro and output; libvirt's default is used",
			 p->audio_codec);
	lvw_empty(w, "audio", "id", "1", NULL);
	lvw_end(w);
	lvw_empty(w, "audio", "id", "1", "type", "none", NULL); /* silent, as vmdeck's -audiodev none */
}

static const char *video_model(const char *vga)
{
	static const char *const map[][2] = { { "std", "vga" }, { "cirrus", "cirrus" }, { "vmware", "vmvga" },
					      { "qxl", "qxl" }, { "virtio", "virtio" }, { "none", "none" } };
	for (size_t i = 0; i < ARRAY_LEN(map); i++)
		if (!strcmp(vga ? vga : "std", map[i][0]))
			return map[i][1];
	return NULL;
}

static void write_display(struct lvw *w, const struct profile *p, const struct lvexport_opts *o)
{
	lvw_start(w, "graphics");
	lvw_attr(w, "type", "vnc");
	lvw_attr(w, "keymap", p->keyboard);
	const char *colon = p->vnc ? strrchr(p->vnc, ':') : NULL;
	unsigned disp;
	if (!p->vnc || !strcmp(p->vnc, "unix") || !colon || sscanf(colon + 1, "%u", &disp) != 1 || disp > 59635) {
		if (p->vnc && strcmp(p->vnc, "unix"))
			lvw_note(w, "display.vnc '%s': not HOST:DISPLAY; exported as libvirt's own UNIX socket", p->vnc);
		lvw_empty(w, "listen", "type", "socket", NULL);
	} else {
		char *host = xstrndup(p->vnc, (size_t)(colon - p->vnc));
		if (host[0] == '[' && host[strlen(host) - 1] == ']')
			memmove(host, host + 1, strlen(host)), host[strlen(host) - 1] = '\0';
		lvw_attrf(w, "port", "%u", 5900 + disp);
		lvw_attr(w, "autoport", "no");
		lvw_attr(w, "passwd", o->vnc_password);
		if (!o->vnc_password)
			lvw_note(w, "display.vnc %s: no password exported (libvirt keeps it as passwd= in the XML)", p->vnc);
		lvw_empty(w, "listen", "type", "address", "address", *host ? host : "0.0.0.0", NULL);
		free(host);
	}
	lvw_end(w);
	const char *vm = video_model(p->vga);
	lvw_start(w, "video");
	if (!vm)
		lvw_note(w, "display.vga '%s': libvirt has no such video model; VGA exported", p->vga);
	lvw_empty(w, "model", "type", vm ? vm : "vga", NULL);
	lvw_end(w);
}

static void write_serial(struct lvw *w, const struct profile *p)
{
	lvw_start(w, "serial");
	lvw_attr(w, "type", "pty");
	if (p->serial_log) {
		char *log = xasprintf("/var/log/libvirt/qemu/%s-serial0.log", p->name);
		lvw_empty(w, "log", "file", log, "append", "off", NULL);
		free(log);
	}
	lvw_empty(w, "target", "port", "0", NULL);
	lvw_end(w);
	lvw_start(w, "console");
	lvw_attr(w, "type", "pty");
	lvw_empty(w, "target", "type", "serial", "port", "0", NULL);
	lvw_end(w);
}

static void write_nic(struct lvw *w, const struct profile *p, size_t i)
{
	const struct profile_nic *n = &p->nics[i];
	uint8_t mac[6];
	char macs[18];
	profile_nic_guest_mac(p, i, mac);
	mac_format(mac, macs);
	lvw_start(w, "interface");
	lvw_attr(w, "type", n->user_net ? "user" : n->bridge ? "bridge" : "ethernet");
	lvw_empty(w, "mac", "address", macs, NULL);
	if (n->bridge && !n->user_net)
		lvw_empty(w, "source", "bridge", n->bridge, NULL);
	if (!n->user_net) {
		char *tap = profile_nic_tap_name(p, i);
		lvw_empty(w, "target", "dev", tap, NULL);
		free(tap);
	}
	lvw_empty(w, "model", "type", !strcmp(n->model, "virtio-net-pci") ? "virtio" : n->model, NULL);
	write_alias(w, n->id);
	lvw_end(w);
	/* libvirt 9 has <portForward> only for the passt backend, not for the
	 * slirp user networking QEMU gives this NIC: say so, rule by rule. */
	for (size_t k = 0; k < n->n_forwards; k++) {
		char *f = forward_format(&n->forwards[k]);
		lvw_note(w, "NIC '%s': forward %s does not cross over: libvirt's user networking (slirp) has no port "
			 "forwards (<portForward> needs the passt backend); add it live with HMP hostfwd_add",
			 n->id, f);
		free(f);
	}
	if (!n->user_net && n->has_tap_mac_policy && n->tap_mac_policy != MAC_POLICY_DERIVED)
		lvw_note(w, "NIC '%s': tap_mac_policy %s does not cross over: libvirt always derives the TAP's MAC", n->id,
			 mac_policy_name(n->tap_mac_policy));
}

/* What only vmdeck does with a profile: said, so nobody expects it of libvirt. */
static void write_vmdeck_only(struct lvw *w, const struct profile *p)
{
	if (p->autostart)
		lvw_note(w, "autostart: vmdeck's own (vmdeck-autostart.service); libvirt's is 'virsh autostart %s', "
			    "with no order or delay (autostart_order %u, autostart_delay %us not exported)",
			 p->name, p->autostart_order, p->autostart_delay_s);
	if (p->ssh_user)
		lvw_note(w, "ssh_user '%s': vmdeck ssh's login; libvirt has no such setting", p->ssh_user);
}

int lvexport_devices(struct lvw *w, const struct profile *p, const struct lvexport_opts *o, char **err)
{
	(void)err;
	lvw_start(w, "devices");
	lvw_text(w, "emulator", p->qemu && p->qemu[0] == '/' ? p->qemu : "/usr/bin/qemu-system-x86_64");
	if (p->qemu && p->qemu[0] != '/' && strcmp(p->qemu, "qemu-system-x86_64"))
		lvw_note(w, "qemu '%s': libvirt wants an absolute <emulator>; /usr/bin/qemu-system-x86_64 exported", p->qemu);
	struct disk_ctx dc = { 0 };
	for (size_t i = 0; i < p->n_disks; i++)
		write_disk(w, p, &dc, i);
	if (p->install.present)
		write_cd(w, p, &dc, o->mode);
	if (dc.scsi)
		lvw_empty(w, "controller", "type", "scsi", "index", "0", "model", "virtio-scsi", NULL);
	write_usb(w, p);
	bool taps = false;
	for (size_t i = 0; i < p->n_nics; i++) {
		write_nic(w, p, i);
		taps |= !p->nics[i].user_net;
	}
	if (taps)
		lvw_note(w, "TAP MACs: libvirt gives each TAP the guest's MAC with the first byte 0xFE (0xFA when it is "
			    "0xFE already) before it joins the bridge: vmdeck's tap_mac_policy 'derived'");
	write_serial(w, p);
	write_display(w, p, o);
	write_sound(w, p);
	lvw_empty(w, "memballoon", "model", "none", NULL);
	lvw_end(w);
	write_vmdeck_only(w, p);
	return 0;
}
