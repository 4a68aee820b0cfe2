/* lvimport: libvirt domain XML -> profile model (core/import_int.h), the
 * machine part; the devices are core/lvimport_dev.c's. Written out by
 * core/import_yaml.c like a script import. */
#include "core/lvimport.h"

#include "core/lvexport.h"
#include "core/lvimport_priv.h"
#include "core/util.h"
#include "core/yamldoc.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- tree helpers ------------------------------------------------------ */

bool lvi_is(const xmlNode *n, const char *name)
{
	return n && n->type == XML_ELEMENT_NODE && !strcmp((const char *)n->name, name);
}

xmlNode *lvi_child(const xmlNode *n, const char *name)
{
	for (xmlNode *c = n ? n->children : NULL; c; c = c->next)
		if (lvi_is(c, name))
			return c;
	return NULL;
}

char *lvi_attr(const xmlNode *n, const char *name)
{
	xmlChar *v = n ? xmlGetProp(n, BAD_CAST name) : NULL;
	char *s = v ? xstrdup((const char *)v) : NULL;
	xmlFree(v);
	return s;
}

/* The text of an element, blanks around cut (NULL: no element or empty). */
char *lvi_text(const xmlNode *n)
{
	xmlChar *v = n ? xmlNodeGetContent(n) : NULL;
	if (!v)
		return NULL;
	const char *s = (const char *)v;
	s += strspn(s, " \t\r\n");
	size_t len = strlen(s);
	while (len && strchr(" \t\r\n", s[len - 1]))
		len--;
	char *out = len ? xstrndup(s, len) : NULL;
	xmlFree(v);
	return out;
}

char *lvi_child_attr(const xmlNode *n, const char *child, const char *attr)
{
	return lvi_attr(lvi_child(n, child), attr);
}

/* ---- report ------------------------------------------------------------ */

void lvi_note(struct lvi *c, const xmlNode *n, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *msg = xvasprintf(fmt, ap);
	va_end(ap);
	struct import_result *r = c->r;
	r->notes = xrealloc(r->notes, (r->n_notes + 1) * sizeof *r->notes);
	long line = n ? xmlGetLineNo(n) : 0;
	r->notes[r->n_notes++] = (struct import_note){ line > 0 ? (int)line : 0, 1, msg };
}

/* "line 12: <disk>": the comment on what an element became. */
char *lvi_src(const xmlNode *n)
{
	long line = xmlGetLineNo(n);
	return line > 0 ? xasprintf("line %ld: <%s>", line, (const char *)n->name) : xasprintf("<%s>", n->name);
}

void lvi_set(struct iv *v, char *val, const xmlNode *n)
{
	free(v->v);
	free(v->why);
	v->v = val;
	v->why = n ? lvi_src(n) : NULL;
}

void lvi_extra(struct lvi *c, const char *arg, const xmlNode *n, const char *why)
{
	struct imodel *m = &c->m;
	m->extra = xrealloc(m->extra, (m->n_extra + 1) * sizeof *m->extra);
	char *src = why ? lvi_src(n) : NULL;
	m->extra[m->n_extra++] = (struct iextra){ xstrdup(arg), why ? xasprintf("%s — %s", src, why) : NULL };
	free(src);
}

/* ---- the machine ------------------------------------------------------- */

/* libvirt's memory units -> MiB (0: not a size). */
static unsigned long long mem_mib(const char *val, const char *unit)
{
	unsigned long long n, bytes;
	if (!val || parse_uint(val, 1, 1ull << 50, &n) < 0)
		return 0;
	static const struct { const char *u; unsigned long long bytes; } units[] = {
		{ "b", 1 }, { "bytes", 1 }, { "KB", 1000 }, { "k", 1024 }, { "KiB", 1024 }, { "MB", 1000000 },
		{ "M", 1ull << 20 }, { "MiB", 1ull << 20 }, { "GB", 1000000000 }, { "G", 1ull << 30 }, { "GiB", 1ull << 30 },
		{ "TB", 1000000000000ull }, { "T", 1ull << 40 }, { "TiB", 1ull << 40 },
	};
	const char *u = unit ? unit : "KiB";
	for (size_t i = 0; i < ARRAY_LEN(units); i++)
		if (!strcmp(u, units[i].u))
			return __builtin_mul_overflow(n, units[i].bytes, &bytes) ? 0 : bytes >> 20;
	return 0;
}

static void do_memory(struct lvi *c, xmlNode *dom)
{
	xmlNode *n = lvi_child(dom, "memory");
	char *val = lvi_text(n), *unit = lvi_attr(n, "unit");
	unsigned long long mib = mem_mib(val, unit);
	if (mib) {
		lvi_set(&c->m.memory, mib % 1024 ? xasprintf("%lluM", mib) : xasprintf("%lluG", mib / 1024), n);
		c->r->kept++;
	} else if (n) {
		lvi_note(c, n, "<memory>%s %s</memory>: not a size vmdeck understands (give memory: yourself)",
			 val ? val : "", unit ? unit : "");
		c->r->dropped++;
	}
	free(val);
	free(unit);
	xmlNode *cur = lvi_child(dom, "currentMemory");
	char *cv = lvi_text(cur), *cu = lvi_attr(cur, "unit");
	if (cur && mem_mib(cv, cu) != mib)
		lvi_note(c, cur, "<currentMemory> below <memory> (a balloon target): vmdeck gives the guest all of it");
	free(cv);
	free(cu);
}

static void do_vcpu(struct lvi *c, xmlNode *dom)
{
	xmlNode *n = lvi_child(dom, "vcpu");
	char *v = lvi_text(n), *cur = lvi_attr(n, "current");
	unsigned long long cpus = 0;
	if (v && parse_uint(v, 1, 288, &cpus) < 0)
		lvi_note(c, n, "<vcpu>%s</vcpu>: not a number from 1 to 288: not kept", v);
	if (cur)
		lvi_note(c, n, "<vcpu current='%s'>: vmdeck starts every vCPU (no CPU hotplug)", cur);
	free(v);
	free(cur);
	xmlNode *t = lvi_child(lvi_child(dom, "cpu"), "topology");
	unsigned s = 0, k = 0, th = 0;
	const struct { const char *a; unsigned *dst; } ts[] = { { "sockets", &s }, { "cores", &k }, { "threads", &th } };
	for (size_t i = 0; t && i < ARRAY_LEN(ts); i++) {
		char *a = lvi_attr(t, ts[i].a);
		unsigned long long x;
		if (a && parse_uint(a, 1, 288, &x) == 0)
			*ts[i].dst = (unsigned)x;
		free(a);
	}
	if (!cpus)
		return;
	c->r->kept++;
	c->m.smp_why = lvi_src(n);
	c->m.smp_cpus = (unsigned)cpus;
	/* The topology QEMU would pick from the count alone is left to it. */
	unsigned def[4];
	lvexport_smp_topology(c->m.machine.v, (unsigned)cpus, 0, 0, 0, def);
	if (t && (s != def[1] || k != def[2] || th != def[3]))
		c->m.smp_sockets = s, c->m.smp_cores = k, c->m.smp_threads = th;
	if (cpus == 1 && !c->m.smp_sockets)
		c->m.smp_cpus = 0; /* QEMU's default */
}

static void do_os(struct lvi *c, xmlNode *dom)
{
	xmlNode *os = lvi_child(dom, "os");
	xmlNode *type = lvi_child(os, "type");
	char *machine = lvi_attr(type, "machine"), *arch = lvi_attr(type, "arch");
	if (arch && strcmp(arch, "x86_64"))
		lvi_note(c, type, "arch %s: vmdeck runs qemu-system-x86_64; check the machine", arch);
	lvi_set(&c->m.machine, machine ? machine : xstrdup("pc"), type ? type : os);
	free(arch);
	const struct { const char *el; struct iv *dst; bool path; } map[] = {
		{ "loader", &c->m.fw_code, true }, { "nvram", &c->m.fw_vars, true }, { "kernel", &c->m.kernel, true },
		{ "initrd", &c->m.initrd, true }, { "cmdline", &c->m.append, false },
	};
	for (size_t i = 0; i < ARRAY_LEN(map); i++) {
		xmlNode *n = lvi_child(os, map[i].el);
		char *v = lvi_text(n);
		if (!v)
			continue;
		lvi_set(map[i].dst, map[i].path ? lvi_path(c, v) : xstrdup(v), n);
		free(v);
		c->r->kept++;
	}
	char *tmpl = lvi_child_attr(os, "nvram", "template");
	if (tmpl)
		lvi_set(&c->m.fw_vars_template, lvi_path(c, tmpl), lvi_child(os, "nvram"));
	free(tmpl);
	char *fw = lvi_attr(os, "firmware");
	if (fw && !c->m.fw_code.v)
		lvi_note(c, os, "<os firmware='%s'>: libvirt picks the firmware; give firmware.code (OVMF) yourself", fw);
	free(fw);
	for (xmlNode *b = os ? os->children : NULL; b; b = b->next)
		if (lvi_is(b, "boot")) {
			lvi_note(c, b, "<boot dev=…>: vmdeck boots the installer CD first in install mode, then the disks "
				       "in their order");
			c->r->dropped++;
			break;
		}
}

/* <vmdeck:vm> in <metadata>: what vmdeck's own export kept there. */
static void do_metadata(struct lvi *c, xmlNode *dom)
{
	xmlNode *vm = NULL;
	for (xmlNode *n = lvi_child(dom, "metadata") ? lvi_child(dom, "metadata")->children : NULL; n && !vm; n = n->next)
		if (lvi_is(n, "vm") && n->ns && !strcmp((const char *)n->ns->href, LVEXPORT_VMDECK_NS))
			vm = n;
	if (!vm)
		return;
	char *accel = lvi_attr(vm, "accel"), *st = lvi_attr(vm, "stop_timeout");
	if (accel)
		lvi_set(&c->m.accel, accel, vm);
	if (st)
		lvi_set(&c->m.stop_timeout, st, vm);
	c->meta_install_file = lvi_attr(vm, "install_file");
	c->meta_install_format = lvi_attr(vm, "install_format");
	char *snap = lvi_attr(vm, "install_snapshot");
	c->meta_install_snapshot = snap && !strcmp(snap, "true");
	free(snap);
}

static void do_domain_type(struct lvi *c, xmlNode *dom)
{
	char *t = lvi_attr(dom, "type");
	if (!c->m.accel.v) {
		if (t && !strcmp(t, "kvm"))
			lvi_set(&c->m.accel, xstrdup("kvm"), dom);
		else if (t && !strcmp(t, "qemu"))
			lvi_set(&c->m.accel, xstrdup("tcg"), dom);
		else
			lvi_note(c, dom, "<domain type='%s'>: vmdeck runs QEMU with kvm or tcg (kvm:tcg kept)", t ? t : "");
	}
	free(t);
	xmlNode *f = lvi_child(dom, "features");
	if (!lvi_child(f, "acpi"))
		lvi_note(c, f ? f : dom, "no <acpi/>: libvirt ran it with -no-acpi; vmdeck keeps ACPI (a graceful stop "
					 "needs the power button)");
}

static void choose_name(struct lvi *c, xmlNode *dom)
{
	const struct import_opts *o = c->o;
	char *xname = lvi_text(lvi_child(dom, "name"));
	const char *from = o->name ? o->name : xname ? xname : o->source_name ? o->source_name : "imported";
	char *n = o->name ? xstrdup(o->name) : import_name_from(from);
	if (strcmp(n, from))
		lvi_note(c, NULL, "VM name '%s' (from '%s': a VM name is 1-32 of A-Z a-z 0-9 _ -)", n, from);
	c->m.name.v = n;
	c->m.name.why = xstrdup(o->name ? "--name" : xname ? "the domain's <name>" : "the file name");
	c->r->name = xstrdup(n);
	free(xname);
	char *title = lvi_text(lvi_child(dom, "title"));
	c->m.description.v = title ? title : xasprintf("imported from %s", o->source ? o->source : "a libvirt domain");
}

static char *header(const struct lvi *c)
{
	struct strbuf b = { 0 };
	strbuf_addf(&b, "%s: imported by 'vmdeck import --libvirt' from %s.\n", c->m.name.v,
		    c->o->source ? c->o->source : "a libvirt domain XML");
	char *sum = import_summary(c->r);
	strbuf_addf(&b, "%s%s\n", sum, c->r->n_notes ? ":" : ".");
	free(sum);
	for (size_t i = 0; i < c->r->n_notes; i++) {
		const struct import_note *n = &c->r->notes[i];
		if (n->line)
			strbuf_addf(&b, "  %d: %s\n", n->line, n->msg);
		else
			strbuf_addf(&b, "  %s\n", n->msg);
	}
	return b.s;
}

int lvimport_domain(const char *xml, size_t len, const struct import_opts *o, struct import_result *r, char **err)
{
	memset(r, 0, sizeof *r);
	if (xmlso_load(err) < 0)
		return -1;
	if (len > LVIMPORT_MAX_SIZE)
		return error_set(err, "1: too large: %zu bytes (a domain XML may be at most %d)", len, LVIMPORT_MAX_SIZE);
	if (yamldoc_utf8_invalid_at(xml, len) < len)
		return error_set(err, "not UTF-8 text (a profile is)");
	/* No network, no entities expanded, no DTD loaded: a domain XML is data. */
	xmlDocPtr doc = xmlReadMemory(xml, (int)len, o->source ? o->source : "domain.xml", NULL,
				      XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	if (!doc) {
		const xmlError *e = xmlGetLastError();
		return error_set(err, "%d: not XML: %s", e ? e->line : 0,
				 e && e->message ? strtok(e->message, "\n") : "libxml2 could not parse it");
	}
	xmlNode *dom = xmlDocGetRootElement(doc);
	if (!lvi_is(dom, "domain")) {
		int line = dom ? (int)xmlGetLineNo(dom) : 1;
		xmlFreeDoc(doc);
		return error_set(err, "%d: no <domain> element: not a libvirt domain XML", line);
	}
	struct lvi c = { .o = o, .r = r };
	choose_name(&c, dom);
	do_metadata(&c, dom);
	do_domain_type(&c, dom);
	do_os(&c, dom);
	do_memory(&c, dom);
	do_vcpu(&c, dom);
	lvi_cpu(&c, dom);
	lvi_devices(&c, lvi_child(dom, "devices"));
	lvi_qemu_commandline(&c, dom);
	lvi_cpu_finish(&c);
	r->install = c.install_mode;
	char *h = header(&c);
	r->yaml = import_yaml_write(&c.m, h);
	free(h);
	lvi_clear(&c);
	xmlFreeDoc(doc);
	return 0;
}
