/* lvexport: profile -> libvirt domain XML through libxml2's xmlTextWriter
 * (escaping and encoding are libxml2's). The mapping is in core/lvexport.h;
 * the devices are core/lvexport_dev.c's. */
#include "core/lvexport.h"

#include "core/lvexport_priv.h"
#include "core/qemu_args.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- writer helpers ---------------------------------------------------- */

void lvw_start(struct lvw *w, const char *name)
{
	if (xmlTextWriterStartElement(w->w, BAD_CAST name) < 0)
		w->failed = true;
}

void lvw_end(struct lvw *w)
{
	if (xmlTextWriterEndElement(w->w) < 0)
		w->failed = true;
}

void lvw_attr(struct lvw *w, const char *k, const char *v)
{
	if (v && xmlTextWriterWriteAttribute(w->w, BAD_CAST k, BAD_CAST v) < 0)
		w->failed = true;
}

void lvw_attrf(struct lvw *w, const char *k, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *v = xvasprintf(fmt, ap);
	va_end(ap);
	lvw_attr(w, k, v);
	free(v);
}

void lvw_text(struct lvw *w, const char *name, const char *text)
{
	if (!text)
		return;
	if (xmlTextWriterWriteElement(w->w, BAD_CAST name, BAD_CAST text) < 0)
		w->failed = true;
}

/* <name/> with attributes k1=v1, k2=v2, … (NULL-terminated). */
void lvw_empty(struct lvw *w, const char *name, ...)
{
	va_list ap;
	va_start(ap, name);
	lvw_start(w, name);
	for (const char *k = va_arg(ap, const char *); k; k = va_arg(ap, const char *))
		lvw_attr(w, k, va_arg(ap, const char *));
	va_end(ap);
	lvw_end(w);
}

void lvw_qemu_arg(struct lvw *w, const char *arg, const char *val, const char *why)
{
	strv_push(&w->qargs, arg);
	if (val)
		strv_push(&w->qargs, val);
	strv_pushf(&w->out->qemu_args, "%s%s%s: %s", arg, val ? " " : "", val ? val : "", why);
}

void lvw_note(struct lvw *w, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	strv_push_owned(&w->out->notes, xvasprintf(fmt, ap));
	va_end(ap);
}

/* ---- topology ---------------------------------------------------------- */

/* "pc-q35-2.4", "pc-i440fx-6.1": before 6.2 (QEMU's prefer_sockets). */
static bool prefers_sockets(const char *machine)
{
	const char *v = machine ? strrchr(machine, '-') : NULL;
	unsigned maj, min;
	if (!v || strncmp(machine, "pc-", 3) != 0 || sscanf(v + 1, "%u.%u", &maj, &min) != 2)
		return false;
	return maj < 6 || (maj == 6 && min < 2);
}

void lvexport_smp_topology(const char *machine, unsigned cpus, unsigned sockets, unsigned cores, unsigned threads,
			   unsigned out[4])
{
	unsigned s = sockets, c = cores, t = threads;
	if (!cpus) {
		s = s ? s : 1, c = c ? c : 1, t = t ? t : 1;
		cpus = s * c * t;
	} else if (prefers_sockets(machine)) {
		if (!s) {
			c = c ? c : 1, t = t ? t : 1;
			s = cpus / (c * t);
		} else if (!c) {
			t = t ? t : 1;
			c = cpus / (s * t);
		}
	} else {
		if (!c) {
			s = s ? s : 1, t = t ? t : 1;
			c = cpus / (s * t);
		} else if (!s) {
			t = t ? t : 1;
			s = cpus / (c * t);
		}
	}
	if (!t)
		t = cpus / (s * c);
	out[0] = cpus, out[1] = s ? s : 1, out[2] = c ? c : 1, out[3] = t ? t : 1;
}

/* ---- the machine ------------------------------------------------------- */

static void write_os(struct lvw *w, const struct profile *p)
{
	lvw_start(w, "os");
	lvw_start(w, "type");
	lvw_attr(w, "arch", "x86_64");
	lvw_attr(w, "machine", p->machine ? p->machine : "q35");
	if (xmlTextWriterWriteString(w->w, BAD_CAST "hvm") < 0)
		w->failed = true;
	lvw_end(w);
	if (p->firmware_code) {
		lvw_start(w, "loader");
		lvw_attr(w, "readonly", "yes");
		lvw_attr(w, "type", "pflash");
		if (xmlTextWriterWriteString(w->w, BAD_CAST p->firmware_code) < 0)
			w->failed = true;
		lvw_end(w);
	}
	if (p->firmware_vars) {
		lvw_start(w, "nvram");
		lvw_attr(w, "template", p->firmware_vars_template);
		if (xmlTextWriterWriteString(w->w, BAD_CAST p->firmware_vars) < 0)
			w->failed = true;
		lvw_end(w);
	}
	lvw_text(w, "kernel", p->kernel);
	lvw_text(w, "initrd", p->initrd);
	lvw_text(w, "cmdline", p->append);
	lvw_end(w);
}

static void write_memory(struct lvw *w, const struct profile *p)
{
	char mem[24];
	snprintf(mem, sizeof mem, "%u", p->memory_mb ? p->memory_mb : 1024);
	lvw_start(w, "memory");
	lvw_attr(w, "unit", "MiB");
	xmlTextWriterWriteString(w->w, BAD_CAST mem);
	lvw_end(w);
	lvw_start(w, "currentMemory");
	lvw_attr(w, "unit", "MiB");
	xmlTextWriterWriteString(w->w, BAD_CAST mem);
	lvw_end(w);
	unsigned topo[4] = { 1, 1, 1, 1 };
	if (p->smp_cpus || p->smp_sockets || p->smp_cores || p->smp_threads)
		lvexport_smp_topology(p->machine, p->smp_cpus, p->smp_sockets, p->smp_cores, p->smp_threads, topo);
	char n[16];
	snprintf(n, sizeof n, "%u", topo[0]);
	lvw_start(w, "vcpu");
	lvw_attr(w, "placement", "static");
	xmlTextWriterWriteString(w->w, BAD_CAST n);
	lvw_end(w);
	w->topo[0] = topo[0], w->topo[1] = topo[1], w->topo[2] = topo[2], w->topo[3] = topo[3];
}

static void write_features(struct lvw *w, const struct lvcpu *c)
{
	lvw_start(w, "features");
	lvw_empty(w, "acpi", NULL);
	lvw_empty(w, "apic", NULL);
	if (c->kvm_hidden) {
		lvw_start(w, "kvm");
		lvw_empty(w, "hidden", "state", "on", NULL);
		lvw_end(w);
	}
	lvw_end(w);
}

static void write_cpu(struct lvw *w, const struct profile *p, const struct lvcpu *c)
{
	lvw_start(w, "cpu");
	if (c->model && !strcmp(c->model, "host"))
		lvw_attr(w, "mode", "host-passthrough");
	else if (c->model && !strcmp(c->model, "max"))
		lvw_attr(w, "mode", "maximum");
	else if (c->model) {
		lvw_attr(w, "mode", "custom");
		lvw_attr(w, "match", "exact");
	}
	lvw_attr(w, "check", "none");
	if (c->model && strcmp(c->model, "host") && strcmp(c->model, "max")) {
		lvw_start(w, "model");
		lvw_attr(w, "fallback", "forbid");
		lvw_attr(w, "vendor_id", c->vendor_id);
		xmlTextWriterWriteString(w->w, BAD_CAST c->model);
		lvw_end(w);
	}
	char s[4][16];
	for (int i = 1; i < 4; i++)
		snprintf(s[i], sizeof s[i], "%u", w->topo[i]);
	if (p->smp_cpus || p->smp_sockets || p->smp_cores || p->smp_threads)
		lvw_empty(w, "topology", "sockets", s[1], "dies", "1", "cores", s[2], "threads", s[3], NULL);
	for (size_t i = 0; i < c->features.n; i++) {
		const char *f = c->features.v[i];
		lvw_empty(w, "feature", "policy", f[0] == '+' ? "require" : "disable", "name", f + 1, NULL);
	}
	lvw_end(w);
}

static void write_qemu_commandline(struct lvw *w)
{
	if (!w->qargs.n)
		return;
	if (xmlTextWriterStartElementNS(w->w, BAD_CAST "qemu", BAD_CAST "commandline", NULL) < 0)
		w->failed = true;
	for (size_t i = 0; i < w->qargs.n; i++) {
		xmlTextWriterStartElementNS(w->w, BAD_CAST "qemu", BAD_CAST "arg", NULL);
		lvw_attr(w, "value", w->qargs.v[i]);
		lvw_end(w);
	}
	lvw_end(w);
}

/* What only QEMU's command line says: collected before <devices> is
 * written, emitted after it (libvirt's schema order). */
static void collect_qemu_args(struct lvw *w, const struct profile *p, const struct lvcpu *c)
{
	if (p->applesmc_osk) {
		char *o = qemu_args_escape(p->applesmc_osk);
		char *v = xasprintf("isa-applesmc,osk=%s", o);
		lvw_qemu_arg(w, "-device", v, "libvirt has no element for the Apple SMC");
		free(v);
		free(o);
	}
	for (size_t i = 0; i < p->n_smbios; i++)
		lvw_qemu_arg(w, "-smbios", p->smbios[i], "an SMBIOS table as given (libvirt's <sysinfo> fills named fields)");
	for (size_t i = 0; i < c->globals.n; i++)
		lvw_qemu_arg(w, "-global", c->globals.v[i], "a CPU property that is no CPUID feature (no <cpu> element)");
	for (size_t i = 0; i < w->extra_devices.n; i++)
		lvw_qemu_arg(w, "-device", w->extra_devices.v[i], "a USB device libvirt has no element for");
	for (size_t i = 0; i < p->n_extra_args; i++)
		lvw_qemu_arg(w, p->extra_args[i], NULL, "extra_args, verbatim");
}

/* What the profile says that libvirt has no word for but a round trip
 * needs: kept in vmdeck's own <metadata> element (libvirt keeps it). */
static void write_metadata(struct lvw *w, const struct profile *p, const struct lvexport_opts *o)
{
	lvw_start(w, "metadata");
	if (xmlTextWriterStartElementNS(w->w, BAD_CAST "vmdeck", BAD_CAST "vm", BAD_CAST LVEXPORT_VMDECK_NS) < 0)
		w->failed = true;
	if (p->accel && !strcmp(p->accel, "kvm:tcg"))
		lvw_attr(w, "accel", p->accel);
	lvw_attrf(w, "stop_timeout", "%u", p->stop_timeout_s);
	if (p->install.present && o->mode != VM_MODE_INSTALL) { /* the CD is empty: its medium */
		lvw_attr(w, "install_file", p->install.file);
		lvw_attr(w, "install_format", p->install.format);
	}
	if (p->install.present && p->install.snapshot)
		lvw_attr(w, "install_snapshot", "true");
	lvw_end(w);
	lvw_end(w);
}

/* A UUID of the VM's name (FNV of NAME/0..3, RFC 4122 version 5 and variant
 * bits): exporting again and defining replaces the same domain. */
static void write_uuid(struct lvw *w, const char *name)
{
	uint8_t u[16];
	for (int i = 0; i < 4; i++) {
		char *k = xasprintf("%s/%d", name, i);
		uint32_t h = name_hash(k);
		free(k);
		for (int j = 0; j < 4; j++)
			u[i * 4 + j] = (uint8_t)(h >> (8 * j));
	}
	u[6] = (uint8_t)((u[6] & 0x0f) | 0x50);
	u[8] = (uint8_t)((u[8] & 0x3f) | 0x80);
	char s[37];
	snprintf(s, sizeof s, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", u[0], u[1], u[2],
		 u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12], u[13], u[14], u[15]);
	lvw_text(w, "uuid", s);
}

static int write_domain(struct lvw *w, const struct profile *p, const struct lvexport_opts *o, char **err)
{
	struct lvcpu c = { 0 };
	if (lvcpu_parse(p->cpu, &c, err) < 0)
		return error_prefix(err, "%s: cpu", p->name);
	xmlTextWriterStartDocument(w->w, NULL, NULL, NULL);
	lvw_start(w, "domain");
	const char *accel = p->accel ? p->accel : "kvm:tcg";
	lvw_attr(w, "type", !strcmp(accel, "tcg") ? "qemu" : "kvm");
	if (!strcmp(accel, "kvm:tcg"))
		lvw_note(w, "accel kvm:tcg: libvirt has no fallback; exported as <domain type='kvm'> ('qemu' is TCG)");
	xmlTextWriterWriteAttribute(w->w, BAD_CAST "xmlns:qemu", BAD_CAST LVEXPORT_QEMU_NS);
	lvw_text(w, "name", p->name);
	write_uuid(w, p->name);
	lvw_text(w, "title", p->description);
	char *desc = xasprintf("exported by 'vmdeck export --libvirt' from %s", p->path ? p->path : p->name);
	lvw_text(w, "description", desc);
	free(desc);
	write_metadata(w, p, o);
	write_memory(w, p);
	write_os(w, p);
	write_features(w, &c);
	write_cpu(w, p, &c);
	lvw_empty(w, "clock", "offset", "utc", NULL);
	lvw_text(w, "on_poweroff", "destroy");
	lvw_text(w, "on_reboot", "restart");
	lvw_text(w, "on_crash", "destroy");
	int rc = lvexport_devices(w, p, o, err);
	if (rc == 0) {
		collect_qemu_args(w, p, &c);
		write_qemu_commandline(w);
		lvw_end(w);
		xmlTextWriterEndDocument(w->w);
	}
	lvcpu_clear(&c);
	return rc;
}

int lvexport_domain(const struct profile *p, const struct lvexport_opts *o, struct lvexport *out, char **err)
{
	memset(out, 0, sizeof *out);
	if (xmlso_load(err) < 0)
		return -1;
	if (o->mode == VM_MODE_INSTALL && !p->install.present)
		return error_set(err, "%s: install mode needs an 'install:' section in %s", p->name, p->path);
	xmlBufferPtr buf = xmlBufferCreate();
	if (!buf)
		fatal("out of memory");
	struct lvw w = { .w = xmlNewTextWriterMemory(buf, 0), .out = out };
	if (!w.w)
		fatal("out of memory");
	xmlTextWriterSetIndent(w.w, 1);
	xmlTextWriterSetIndentString(w.w, BAD_CAST "  ");
	int rc = write_domain(&w, p, o, err);
	xmlFreeTextWriter(w.w);
	if (rc == 0 && w.failed)
		rc = error_set(err, "%s: libxml2 could not write the domain XML", p->name);
	if (rc == 0)
		out->xml = xstrdup((const char *)xmlBufferContent(buf));
	else
		lvexport_clear(out);
	xmlBufferFree(buf);
	strv_clear(&w.qargs);
	strv_clear(&w.extra_devices);
	return rc;
}

void lvexport_clear(struct lvexport *e)
{
	if (!e)
		return;
	free(e->xml);
	strv_clear(&e->qemu_args);
	strv_clear(&e->notes);
	memset(e, 0, sizeof *e);
}
