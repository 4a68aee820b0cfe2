/* qemu_args: the exact QEMU command line for a profile in a mode. Every value
 * pasted into a QEMU option string goes through qemu_args_escape; nothing is
 * ever joined into a shell string here. */
#include "core/qemu_args.h"
#include "core/recorder.h"
#include "core/supervisor.h"

#include <stdlib.h>
#include <string.h>

/* How each disk interface becomes devices. */
static const struct disk_iface {
	const char *name;
	const char *hd, *cd;   /* device models; cd NULL: cannot hold a CD */
	bool scsi;             /* needs vmdeck's virtio-scsi controller */
} disk_ifaces[] = {
	{ "virtio", "virtio-blk-pci", NULL, false },
	{ "ide", "ide-hd", "ide-cd", false },
	{ "sata", "ide-hd", "ide-cd", false }, /* q35's ICH9 AHCI: buses ide.0-ide.5 */
	{ "scsi", "scsi-hd", "scsi-cd", true },
};

/* Accelerator spellings -> -accel options, tried in order by QEMU. */
static const struct accel_map {
	const char *name;
	const char *opts[2];
} accels[] = {
	{ "kvm", { "kvm", NULL } },
	{ "tcg", { "tcg", NULL } },
	{ "kvm:tcg", { "kvm", "tcg" } },
};

#define SCSI_CONTROLLER_ID "vmdeck-scsi0"
#define AUDIODEV_ID "snd0"
#define SERIAL_ID "serial0"
#define VNC_SECRET_ID "vmdeck-vncpw"
#define STR_(x) #x
#define STR(x) STR_(x)
#define BOOTINDEX_STR STR(QEMU_INSTALL_BOOTINDEX)

const char *qemu_args_reserved_id(const char *id)
{
	static const struct {
		const char *id, *what;
	} ids[] = {
		{ SERIAL_ID, "the serial console's chardev (relayed on RUN/console.sock)" },
		{ RECORDER_CHARDEV_ID, "the supervisor's monitor (it records the run state in RUN/qemu-state)" },
		{ SCSI_CONTROLLER_ID, "the SCSI controller of scsi disks" },
		{ AUDIODEV_ID, "the audio backend" },
		{ VNC_SECRET_ID, "the VNC password's secret" },
		{ QEMU_INSTALL_DRIVE_ID, "the installer's drive" },
	};
	for (size_t i = 0; i < ARRAY_LEN(ids); i++)
		if (strcmp(id, ids[i].id) == 0)
			return ids[i].what;
	return NULL;
}

char *qemu_args_escape(const char *s)
{
	size_t n = strlen(s), commas = 0;
	for (const char *p = s; *p; p++)
		commas += *p == ',';
	char *out = xmalloc(n + commas + 1), *o = out;
	for (const char *p = s; *p; p++) {
		*o++ = *p;
		if (*p == ',')
			*o++ = ',';
	}
	*o = '\0';
	return out;
}

static const struct disk_iface *iface_find(const char *name)
{
	for (size_t i = 0; i < ARRAY_LEN(disk_ifaces); i++)
		if (strcmp(disk_ifaces[i].name, name ? name : "virtio") == 0)
			return &disk_ifaces[i];
	return NULL;
}

/* "-OPT" then "fmt…" with escaped file. */
static void push_opt(struct strv *a, const char *opt, char *value_owned)
{
	strv_push(a, opt);
	strv_push_owned(a, value_owned);
}

static void push_runtime(struct strv *a, const char *dir)
{
	char *d = qemu_args_escape(dir);
	push_opt(a, "-qmp", xasprintf("unix:%s/qmp.sock,server=on,wait=off", d));
	push_opt(a, "-qmp", xasprintf("unix:%s/ctl.sock,server=on,wait=off", d));
	strv_push(a, "-pidfile");
	strv_pushf(a, "%s/qemu.pid", dir);
	/* The serial port is a socketpair the supervisor holds the other end
	 * of: it writes serial.log (rotated; serial_log: false, none) and
	 * relays the console on RUN/console.sock (core/relay.h). */
	push_opt(a, "-chardev", xasprintf("socket,id=%s,fd=%d", SERIAL_ID, SUPERVISOR_SERIAL_FD));
	push_opt(a, "-serial", xasprintf("chardev:%s", SERIAL_ID));
	/* The supervisor's own monitor, another socketpair: it records the
	 * run state from QEMU's events (core/recorder.h: RUN/qemu-state). */
	push_opt(a, "-chardev", xasprintf("socket,id=%s,fd=%d", RECORDER_CHARDEV_ID, RECORDER_QEMU_FD));
	push_opt(a, "-mon", xasprintf("chardev=%s,mode=control", RECORDER_CHARDEV_ID));
	free(d);
}

static void push_display(struct strv *a, const struct profile *p, const char *dir)
{
	push_opt(a, "-vga", xstrdup(p->vga ? p->vga : "std"));
	push_opt(a, "-display", xstrdup("none"));
	if (!p->vnc || strcmp(p->vnc, "unix") == 0) {
		char *d = qemu_args_escape(dir);
		push_opt(a, "-vnc", xasprintf("unix:%s/vnc.sock", d));
		free(d);
	} else if (p->vnc_password_file) {
		char *f = qemu_args_escape(p->vnc_password_file);
		push_opt(a, "-object", xasprintf("secret,id=%s,file=%s", VNC_SECRET_ID, f));
		push_opt(a, "-vnc", xasprintf("%s,password-secret=%s", p->vnc, VNC_SECRET_ID));
		free(f);
	} else
		push_opt(a, "-vnc", xstrdup(p->vnc));
	if (p->keyboard)
		push_opt(a, "-k", xstrdup(p->keyboard));
}

static int push_disks(struct strv *a, const struct profile *p, enum vm_mode mode, char **err)
{
	bool scsi = false;
	const struct disk_iface *cd = NULL;
	for (size_t i = 0; i < p->n_disks; i++) {
		const struct disk_iface *di = iface_find(p->disks[i].interface);
		if (!di)
			return error_set(err, "%s: disk '%s': unknown interface '%s'", p->name, p->disks[i].id,
					 p->disks[i].interface);
		scsi |= di->scsi;
	}
	if (p->install.present) {
		cd = iface_find(p->install.interface ? p->install.interface : "ide");
		if (!cd || !cd->cd)
			return error_set(err, "%s: the installer cannot attach to interface '%s'", p->name,
					 p->install.interface);
		scsi |= cd->scsi;
	}
	if (scsi)
		push_opt(a, "-device", xasprintf("virtio-scsi-pci,id=%s", SCSI_CONTROLLER_ID));

	for (size_t i = 0; i < p->n_disks; i++) {
		const struct profile_disk *d = &p->disks[i];
		const struct disk_iface *di = iface_find(d->interface);
		char *f = qemu_args_escape(d->file);
		push_opt(a, "-drive", xasprintf("id=%s,if=none,file=%s,format=%s%s%s", d->id, f, d->format,
						d->snapshot ? ",snapshot=on" : "", d->readonly ? ",readonly=on" : ""));
		free(f);
		char *bus = d->bus ? xasprintf(",bus=%s", d->bus)
			    : di->scsi ? xstrdup(",bus=" SCSI_CONTROLLER_ID ".0") : xstrdup("");
		push_opt(a, "-device", xasprintf("%s%s,drive=%s,id=%s,bootindex=%zu", di->hd, bus, d->id, d->id,
						 i + QEMU_DISK_BOOTINDEX));
		free(bus);
	}

	if (cd) {
		/* Always present; empty in boot mode so the medium can be inserted live. */
		if (mode == VM_MODE_INSTALL) {
			char *f = qemu_args_escape(p->install.file);
			push_opt(a, "-drive", xasprintf("id=%s,if=none,media=cdrom,file=%s,format=%s%s", QEMU_INSTALL_DRIVE_ID,
							f, p->install.format, p->install.snapshot ? ",snapshot=on" : ""));
			free(f);
		} else
			push_opt(a, "-drive", xasprintf("id=%s,if=none,media=cdrom", QEMU_INSTALL_DRIVE_ID));
		char *bus = p->install.bus ? xasprintf(",bus=%s", p->install.bus)
			    : cd->scsi ? xstrdup(",bus=" SCSI_CONTROLLER_ID ".0") : xstrdup("");
		push_opt(a, "-device", xasprintf("%s%s,drive=%s,id=%s%s", cd->cd, bus, QEMU_INSTALL_DRIVE_ID,
						 QEMU_INSTALL_CD_ID, mode == VM_MODE_INSTALL ? ",bootindex=" BOOTINDEX_STR : ""));
		free(bus);
	}
	return 0;
}

static void push_nics(struct strv *a, const struct profile *p, const struct strv *taps)
{
	for (size_t i = 0; i < p->n_nics; i++) {
		const struct profile_nic *n = &p->nics[i];
		if (n->user_net) {
			struct strbuf b = { 0 };
			strbuf_addf(&b, "user,id=%s", n->id);
			for (size_t k = 0; k < n->n_forwards; k++) {
				char *r = forward_qemu(&n->forwards[k]);
				strbuf_addf(&b, ",hostfwd=%s", r);
				free(r);
			}
			push_opt(a, "-netdev", b.s);
		} else {
			char *tap = taps && i < taps->n && taps->v[i][0] ? xstrdup(taps->v[i])
								       : profile_nic_tap_name(p, i);
			push_opt(a, "-netdev", xasprintf("tap,id=%s,ifname=%s,script=no,downscript=no", n->id, tap));
			free(tap);
		}
		uint8_t mac[6];
		char macs[18];
		profile_nic_guest_mac(p, i, mac);
		mac_format(mac, macs);
		push_opt(a, "-device", xasprintf("%s,netdev=%s,id=%s,mac=%s", n->model, n->id, n->id, macs));
	}
}

int qemu_args_build(const struct profile *p, enum vm_mode mode, const struct qemu_runtime *rt, struct strv *argv,
		    char **err)
{
	if (!rt || !rt->dir || !*rt->dir)
		return error_set(err, "%s: no runtime directory for the QEMU command line", p->name);
	if (mode == VM_MODE_INSTALL && !p->install.present)
		return error_set(err, "%s: install mode needs an 'install:' section in %s", p->name, p->path);
	const char *accel = rt->accel ? rt->accel : p->accel ? p->accel : "kvm:tcg";
	const struct accel_map *am = NULL;
	for (size_t i = 0; i < ARRAY_LEN(accels); i++)
		if (strcmp(accels[i].name, accel) == 0)
			am = &accels[i];
	if (!am)
		return error_set(err, "%s: unknown accelerator '%s' (kvm, tcg or kvm:tcg)", p->name, accel);

	struct strv *a = argv;
	strv_push(a, p->qemu ? p->qemu : "qemu-system-x86_64");
	push_opt(a, "-name", xasprintf("guest=%s,process=vmdeck-%s", p->name, p->name));
	strv_push(a, "-nodefaults");
	push_opt(a, "-machine", xstrdup(p->machine ? p->machine : "q35"));
	for (size_t i = 0; i < ARRAY_LEN(am->opts) && am->opts[i]; i++)
		push_opt(a, "-accel", xstrdup(am->opts[i]));
	if (p->cpu)
		push_opt(a, "-cpu", xstrdup(p->cpu));
	if (p->smp_cpus) {
		char *s = xasprintf("%u", p->smp_cpus);
		const struct { const char *k; unsigned v; } topo[] = {
			{ "sockets", p->smp_sockets }, { "cores", p->smp_cores }, { "threads", p->smp_threads },
		};
		for (size_t i = 0; i < ARRAY_LEN(topo); i++) {
			if (!topo[i].v)
				continue;
			char *t = xasprintf("%s,%s=%u", s, topo[i].k, topo[i].v);
			free(s);
			s = t;
		}
		push_opt(a, "-smp", s);
	}
	push_opt(a, "-m", xasprintf("%u", p->memory_mb ? p->memory_mb : 1024));

	if (p->firmware_code) {
		char *f = qemu_args_escape(p->firmware_code);
		push_opt(a, "-drive", xasprintf("if=pflash,format=raw,readonly=on,file=%s", f));
		free(f);
	}
	if (p->firmware_vars) {
		char *f = qemu_args_escape(p->firmware_vars);
		push_opt(a, "-drive", xasprintf("if=pflash,format=raw,file=%s", f));
		free(f);
	}
	if (p->kernel)
		push_opt(a, "-kernel", xstrdup(p->kernel));
	if (p->initrd)
		push_opt(a, "-initrd", xstrdup(p->initrd));
	if (p->append)
		push_opt(a, "-append", xstrdup(p->append));

	if (p->applesmc_osk) {
		char *o = qemu_args_escape(p->applesmc_osk);
		push_opt(a, "-device", xasprintf("isa-applesmc,osk=%s", o));
		free(o);
	}
	for (size_t i = 0; i < p->n_smbios; i++)
		push_opt(a, "-smbios", xstrdup(p->smbios[i]));
	if (p->usb) {
		strv_push(a, "-usb");
		for (size_t i = 0; i < p->n_usb_devices; i++)
			push_opt(a, "-device", xstrdup(p->usb_devices[i]));
	}
	if (p->audio_device) {
		/* A silent backend: a lab host has no sound card to play to. HDA
		 * controllers take no audiodev; their codec does. */
		push_opt(a, "-audiodev", xstrdup("none,id=" AUDIODEV_ID));
		if (p->audio_codec) {
			push_opt(a, "-device", xstrdup(p->audio_device));
			push_opt(a, "-device", xasprintf("%s,audiodev=%s", p->audio_codec, AUDIODEV_ID));
		} else
			push_opt(a, "-device", xasprintf("%s,audiodev=%s", p->audio_device, AUDIODEV_ID));
	}

	if (push_disks(a, p, mode, err) < 0)
		return -1;
	push_nics(a, p, rt->taps);
	push_display(a, p, rt->dir);
	push_runtime(a, rt->dir);

	for (size_t i = 0; i < p->n_extra_args; i++)
		strv_push(a, p->extra_args[i]);
	return 0;
}
