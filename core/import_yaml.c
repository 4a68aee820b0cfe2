/* import_yaml: writes the imported model as a profile with comments. libyaml's
 * emitter cannot write comments, so the layout (block mappings, one key a
 * line, a comment after it) is ours, and every value goes through the
 * emitter so quoting is libyaml's. */
#include "core/import_int.h"

#include "core/import.h"

#include "core/util.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <yaml.h>

static int write_handler(void *data, unsigned char *buffer, size_t size)
{
	strbuf_add(data, (const char *)buffer, size);
	return 1;
}

char *import_yaml_scalar(const char *s)
{
	yaml_emitter_t e;
	yaml_event_t ev;
	struct strbuf b = { 0 };
	yaml_emitter_initialize(&e);
	yaml_emitter_set_output(&e, write_handler, &b);
	yaml_emitter_set_width(&e, -1);
	yaml_emitter_set_unicode(&e, 1);
	/* A one-item block sequence: the scalar comes out as a block value wants it. */
	yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING);
	yaml_emitter_emit(&e, &ev);
	yaml_document_start_event_initialize(&ev, NULL, NULL, NULL, 1);
	yaml_emitter_emit(&e, &ev);
	yaml_sequence_start_event_initialize(&ev, NULL, NULL, 1, YAML_BLOCK_SEQUENCE_STYLE);
	yaml_emitter_emit(&e, &ev);
	/* "52:54:00:…" is a string to vmdeck, but a YAML 1.1 reader could take
	 * it for a base-60 number: quoted. */
	bool num_colon = s[0] >= '0' && s[0] <= '9' && strchr(s, ':');
	/* Plain "", "~" and "null" mean "unset" to vmdeck (docs/yaml.md), and
	 * yes/no/on/off are booleans to YAML 1.1: a string that says so is quoted. */
	static const char *const special[] = { "", "~", "null", "yes", "no", "on", "off", "true", "false", "y", "n" };
	bool quote = num_colon;
	for (const char *p = s; *p && !quote; p++)
		quote = (unsigned char)*p < 0x20 || *p == 0x7f; /* escaped there: the value stays on its line */
	for (size_t i = 0; i < ARRAY_LEN(special) && !quote; i++)
		quote = !strcasecmp(s, special[i]);
	yaml_scalar_event_initialize(&ev, NULL, NULL, (yaml_char_t *)s, (int)strlen(s), 1, 1,
				     quote ? YAML_DOUBLE_QUOTED_SCALAR_STYLE : YAML_ANY_SCALAR_STYLE);
	yaml_emitter_emit(&e, &ev);
	yaml_sequence_end_event_initialize(&ev);
	yaml_emitter_emit(&e, &ev);
	yaml_document_end_event_initialize(&ev, 1);
	yaml_emitter_emit(&e, &ev);
	yaml_stream_end_event_initialize(&ev);
	yaml_emitter_emit(&e, &ev);
	yaml_emitter_flush(&e);
	yaml_emitter_delete(&e);
	/* "- VALUE\n" */
	char *out = NULL;
	if (b.s && !strncmp(b.s, "- ", 2)) {
		size_t n = strlen(b.s + 2);
		while (n && b.s[2 + n - 1] == '\n')
			n--;
		out = xstrndup(b.s + 2, n);
	}
	free(b.s);
	if (!out || strchr(out, '\n'))
		fatal("libyaml could not write a scalar on one line");
	return out;
}

/* "# why" after a value; newlines would end the comment early. */
static void comment(struct strbuf *b, const char *why)
{
	if (!why)
		return;
	strbuf_add(b, "  # ", 4);
	/* A comment ends at a line break and holds printable characters only. */
	for (const char *p = why; *p; p++)
		strbuf_add(b, *p == '\t' || ((unsigned char)*p >= 0x20 && *p != 0x7f) ? p : " ", 1);
}

static void kv(struct strbuf *b, int indent, const char *key, const char *val, const char *why)
{
	if (!val)
		return;
	char *q = import_yaml_scalar(val);
	strbuf_addf(b, "%*s%s: %s", indent, "", key, q);
	free(q);
	comment(b, why);
	strbuf_add(b, "\n", 1);
}

static void kiv(struct strbuf *b, int indent, const char *key, const struct iv *v)
{
	kv(b, indent, key, v->v, v->why);
}

static void section(struct strbuf *b, int indent, const char *key, const char *why)
{
	strbuf_addf(b, "%*s%s:", indent, "", key);
	comment(b, why);
	strbuf_add(b, "\n", 1);
}

static void list(struct strbuf *b, const char *key, const struct iv *v, size_t n, const char *why)
{
	if (!n)
		return;
	section(b, 0, key, why);
	for (size_t i = 0; i < n; i++) {
		char *q = import_yaml_scalar(v[i].v);
		strbuf_addf(b, "  - %s", q);
		free(q);
		comment(b, v[i].why);
		strbuf_add(b, "\n", 1);
	}
}

static void disk(struct strbuf *b, int indent, const struct idisk *d, bool item)
{
	const struct { const char *k; const struct iv *v; } keys[] = {
		{ "id", &d->id }, { "file", &d->file }, { "format", &d->format },
		{ "interface", &d->interface }, { "bus", &d->bus },
	};
	bool first = true;
	for (size_t i = 0; i < ARRAY_LEN(keys); i++) {
		if (!keys[i].v->v)
			continue;
		if (item && first) {
			strbuf_addf(b, "%*s- ", indent, "");
			kv(b, 0, keys[i].k, keys[i].v->v, keys[i].v->why ? keys[i].v->why : d->why);
		} else
			kiv(b, indent + (item ? 2 : 0), keys[i].k, keys[i].v);
		first = false;
	}
	if (d->snapshot)
		strbuf_addf(b, "%*ssnapshot: true\n", indent + (item ? 2 : 0), "");
	if (d->readonly)
		strbuf_addf(b, "%*sreadonly: true\n", indent + (item ? 2 : 0), "");
}

static void nics(struct strbuf *b, const struct imodel *m)
{
	if (!m->n_nics)
		return;
	section(b, 0, "nics", NULL);
	for (size_t i = 0; i < m->n_nics; i++) {
		const struct inic *n = &m->nics[i];
		strbuf_add(b, "  - ", 4);
		kv(b, 0, "id", n->id, n->why);
		kv(b, 4, "model", n->model, NULL);
		kv(b, 4, "mac", n->mac, NULL);
		if (n->user)
			kv(b, 4, "network", "user", NULL);
		kv(b, 4, "bridge", n->bridge, NULL);
		kv(b, 4, "tap", n->tap, NULL);
	}
}

static void machine(struct strbuf *b, const struct imodel *m)
{
	kiv(b, 0, "name", &m->name);
	kiv(b, 0, "description", &m->description);
	kiv(b, 0, "qemu", &m->qemu);
	kiv(b, 0, "accel", &m->accel);
	kiv(b, 0, "machine", &m->machine);
	kiv(b, 0, "cpu", &m->cpu);
	if (m->smp_cpus && !m->smp_sockets && !m->smp_cores && !m->smp_threads) {
		char n[16];
		snprintf(n, sizeof n, "%u", m->smp_cpus);
		kv(b, 0, "smp", n, m->smp_why);
	} else if (m->smp_cpus || m->smp_sockets || m->smp_cores || m->smp_threads) {
		section(b, 0, "smp", m->smp_why);
		const struct { const char *k; unsigned v; } t[] = {
			{ "cpus", m->smp_cpus }, { "sockets", m->smp_sockets },
			{ "cores", m->smp_cores }, { "threads", m->smp_threads },
		};
		for (size_t i = 0; i < ARRAY_LEN(t); i++)
			if (t[i].v)
				strbuf_addf(b, "  %s: %u\n", t[i].k, t[i].v);
	}
	kiv(b, 0, "memory", &m->memory);
	if (m->kernel.v || m->initrd.v || m->append.v) {
		section(b, 0, "boot", NULL);
		kiv(b, 2, "kernel", &m->kernel);
		kiv(b, 2, "initrd", &m->initrd);
		kiv(b, 2, "append", &m->append);
	}
	if (m->fw_code.v || m->fw_vars.v) {
		section(b, 0, "firmware", NULL);
		kiv(b, 2, "code", &m->fw_code);
		kiv(b, 2, "vars", &m->fw_vars);
		kiv(b, 2, "vars_template", &m->fw_vars_template);
	}
	if (m->osk.v) {
		section(b, 0, "applesmc", NULL);
		kiv(b, 2, "osk", &m->osk);
	}
	list(b, "smbios", m->smbios, m->n_smbios, NULL);
	if (m->n_usbdev)
		list(b, "usb", m->usbdev, m->n_usbdev, m->usb_why);
	else if (m->usb) {
		strbuf_add(b, "usb: true", 9);
		comment(b, m->usb_why);
		strbuf_add(b, "\n", 1);
	}
	if (m->audio_dev.v) {
		section(b, 0, "audio", NULL);
		kiv(b, 2, "device", &m->audio_dev);
		kiv(b, 2, "codec", &m->audio_codec);
	}
}

char *import_yaml_write(const struct imodel *m, const char *header)
{
	struct strbuf b = { 0 };
	for (const char *p = header; p && *p;) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		strbuf_add(&b, n ? "# " : "#", n ? 2 : 1);
		for (size_t i = 0; i < n; i++) /* printable only: a CR would end the comment */
			strbuf_add(&b, p[i] == '\t' || ((unsigned char)p[i] >= 0x20 && p[i] != 0x7f) ? p + i : " ", 1);
		strbuf_add(&b, "\n", 1);
		p += n + (nl != NULL);
	}
	machine(&b, m);
	if (m->n_disks) {
		section(&b, 0, "disks", NULL);
		for (size_t i = 0; i < m->n_disks; i++)
			disk(&b, 2, &m->disks[i], true);
	}
	nics(&b, m);
	if (m->has_install) {
		section(&b, 0, "install", m->install.why);
		disk(&b, 2, &m->install, false);
	}
	if (m->vga.v || m->vnc.v || m->keyboard.v || m->password_file.v) {
		section(&b, 0, "display", NULL);
		kiv(&b, 2, "vnc", &m->vnc);
		kiv(&b, 2, "password_file", &m->password_file);
		kiv(&b, 2, "vga", &m->vga);
		kiv(&b, 2, "keyboard", &m->keyboard);
	}
	kiv(&b, 0, "stop_timeout", &m->stop_timeout);
	if (m->n_extra) {
		section(&b, 0, "extra_args", "no profile key for these: passed to QEMU last, as they are");
		for (size_t i = 0; i < m->n_extra; i++) {
			if (m->extra[i].why) {
				strbuf_add(&b, " ", 1); /* comment() indents by two and adds "# " */
				comment(&b, m->extra[i].why);
				strbuf_add(&b, "\n", 1);
			}
			char *q = import_yaml_scalar(m->extra[i].arg);
			strbuf_addf(&b, "  - %s\n", q);
			free(q);
		}
	}
	return b.s ? b.s : xstrdup("");
}

static const char *const os_names[] = { "linux", "windows", "macos", "other" };

int import_new_os_parse(const char *s, enum new_os *out)
{
	for (size_t i = 0; i < ARRAY_LEN(os_names); i++)
		if (!strcmp(s, os_names[i])) {
			*out = (enum new_os)i;
			return 0;
		}
	return -1;
}

const char *import_new_os_name(enum new_os os) { return os_names[os]; }

const char *import_new_default_memory(enum new_os os)
{
	return os == NEW_OS_WINDOWS || os == NEW_OS_MACOS ? "4G" : "2G";
}

bool import_new_uefi(enum new_os os) { return os != NEW_OS_OTHER; }

static struct iv iv2(const char *v, const char *why) { return (struct iv){ xstrdup(v), why ? xstrdup(why) : NULL }; }

static void new_disk(struct idisk *d, const char *id, const char *file, const char *iface, const char *bus,
		     const char *why)
{
	d->id = iv2(id, NULL);
	d->file = iv2(file, why);
	d->format = iv2("qcow2", NULL);
	d->interface = iv2(iface, NULL);
	if (bus)
		d->bus = iv2(bus, NULL);
}

/* The OS's hardware: machine, CPU, firmware, disks and the NIC model. */
static void new_hardware(struct imodel *m, const struct import_new *n)
{
	m->machine = iv2("q35", n->os == NEW_OS_OTHER ? "BIOS: no firmware section" : NULL);
	if (import_new_uefi(n->os)) {
		m->fw_code = iv2(n->fw_code, "OVMF (Debian: apt install ovmf), read-only");
		char *vars = xasprintf("%s-vars.fd", n->name);
		m->fw_vars = iv2(vars, "this VM's own UEFI variables");
		free(vars);
		m->fw_vars_template = iv2(n->fw_vars_template, "copied to vars when they do not exist");
	}
	char *disk_why = xstrdup("qcow2: grows as the guest writes");
	switch (n->os) {
	case NEW_OS_LINUX:
		new_disk(&m->disks[0], "disk0", n->disk_file, "virtio", NULL, disk_why);
		break;
	case NEW_OS_WINDOWS:
	case NEW_OS_OTHER:
		/* Ports named: QEMU would put the disk and the CD on one AHCI port. */
		new_disk(&m->disks[0], "disk0", n->disk_file, "sata", "ide.0",
			 n->os == NEW_OS_WINDOWS ? "SATA: Windows' installer has no virtio drivers" : disk_why);
		break;
	case NEW_OS_MACOS:
		m->cpu = iv2("Penryn,kvm=on,vendor=GenuineIntel,+invtsc,vmware-cpuid-freq=on,+ssse3,+sse4.2,+popcnt,"
			     "+avx,+aes,+xsave,+xsaveopt,check", "what macOS expects (OSX-KVM's OpenCore-Boot.sh)");
		m->osk = iv2("ourhardworkbythesewordsguardedpleasedontsteal(c)AppleComputerInc", NULL);
		m->smbios = xcalloc(1, sizeof *m->smbios);
		m->smbios[0] = iv2("type=2", NULL);
		m->n_smbios = 1;
		new_disk(&m->disks[0], "OpenCore", "OpenCore.qcow2", "sata", "ide.2",
			 "the OpenCore boot loader image: yours to put here (OSX-KVM's OpenCore/OpenCore.qcow2)");
		new_disk(&m->disks[1], "MacHDD", n->disk_file, "sata", "ide.4", disk_why);
		break;
	}
	free(disk_why);
}

char *import_new_yaml(const struct import_new *n)
{
	struct imodel m = { 0 };
	bool mac = n->os == NEW_OS_MACOS;
	m.name = iv2(n->name, NULL);
	m.description = (struct iv){ n->iso ? xasprintf("new %s VM, installing from %s", os_names[n->os], n->iso)
					    : xasprintf("new %s VM", os_names[n->os]), NULL };
	m.smp_cpus = n->cpus;
	m.memory = iv2(n->memory, NULL);
	m.n_disks = mac ? 2 : 1;
	m.disks = xcalloc(m.n_disks, sizeof *m.disks);
	new_hardware(&m, n);
	if (mac) {
		m.usbdev = xcalloc(3, sizeof *m.usbdev);
		m.usbdev[0] = iv2("qemu-xhci", NULL);
		m.usbdev[1] = iv2("usb-kbd", NULL);
		m.usbdev[2] = iv2("usb-tablet", NULL);
		m.n_usbdev = 3;
	} else {
		m.usbdev = xcalloc(1, sizeof *m.usbdev);
		m.usbdev[0] = iv2("usb-tablet", NULL);
		m.n_usbdev = 1;
		m.usb_why = xstrdup("the pointer follows the VNC cursor");
	}
	static const char *const nic_model[] = { "virtio-net-pci", "e1000", "vmxnet3", "e1000" };
	m.nics = xcalloc(1, sizeof *m.nics);
	m.n_nics = 1;
	m.nics[0] = (struct inic){ .id = xstrdup("net0"), .model = xstrdup(nic_model[n->os]), .mac = xstrdup(n->mac),
				   .user = !n->bridge, .bridge = n->bridge ? xstrdup(n->bridge) : NULL,
				   .why = xstrdup(n->network_why ? n->network_why
						  : n->bridge ? "a TAP on the bridge (vmdeck makes it at start)"
						  : "QEMU's user networking: no TAP or bridge needed") };
	if (n->iso) {
		m.has_install = true;
		m.install.file = iv2(n->iso, NULL);
		if (n->os != NEW_OS_LINUX) { /* an AHCI port of its own, after the disks' */
			m.install.interface = iv2("sata", NULL);
			m.install.bus = iv2(mac ? "ide.3" : "ide.1", NULL);
		}
		m.install.why = xasprintf("it boots first in install mode ('vmdeck mode %s boot' once installed)", n->name);
	}
	m.vga = iv2(n->os == NEW_OS_LINUX ? "virtio" : n->os == NEW_OS_MACOS ? "vmware" : "std", NULL);
	char *h = xasprintf("%s: made by 'vmdeck new' for %s. Edit freely: 'vmdeck check' says what is wrong.%s",
			    n->name, os_names[n->os],
			    mac ? "\nPut OpenCore.qcow2 (the OpenCore boot loader, e.g. from OSX-KVM) next to this file;\n"
				  "the installer is the recovery image (BaseSystem.img)."
			    : n->os == NEW_OS_WINDOWS
				? "\nWindows 11 also wants a TPM (swtpm, in extra_args) and Secure Boot (OVMF_CODE_4M.ms.fd)."
				: "");
	char *y = import_yaml_write(&m, h);
	free(h);
	import_model_clear(&m);
	return y;
}

static void iv_clear(struct iv *v)
{
	free(v->v);
	free(v->why);
}

static void idisk_clear(struct idisk *d)
{
	iv_clear(&d->id);
	iv_clear(&d->file);
	iv_clear(&d->format);
	iv_clear(&d->interface);
	iv_clear(&d->bus);
	free(d->why);
}

void import_model_clear(struct imodel *m)
{
	struct iv *ivs[] = { &m->name, &m->description, &m->qemu, &m->accel, &m->machine, &m->cpu, &m->memory,
			     &m->kernel, &m->initrd, &m->append, &m->fw_code, &m->fw_vars, &m->fw_vars_template, &m->osk, &m->audio_dev,
			     &m->audio_codec, &m->vga, &m->vnc, &m->password_file, &m->keyboard, &m->stop_timeout };
	for (size_t i = 0; i < ARRAY_LEN(ivs); i++)
		iv_clear(ivs[i]);
	free(m->smp_why);
	free(m->usb_why);
	for (size_t i = 0; i < m->n_smbios; i++)
		iv_clear(&m->smbios[i]);
	free(m->smbios);
	for (size_t i = 0; i < m->n_usbdev; i++)
		iv_clear(&m->usbdev[i]);
	free(m->usbdev);
	for (size_t i = 0; i < m->n_disks; i++)
		idisk_clear(&m->disks[i]);
	free(m->disks);
	idisk_clear(&m->install);
	for (size_t i = 0; i < m->n_nics; i++) {
		struct inic *n = &m->nics[i];
		free(n->id), free(n->model), free(n->mac), free(n->tap), free(n->bridge), free(n->why);
	}
	free(m->nics);
	for (size_t i = 0; i < m->n_extra; i++)
		free(m->extra[i].arg), free(m->extra[i].why);
	free(m->extra);
	memset(m, 0, sizeof *m);
}
