/* lvexport_priv: what core/lvexport.c (the machine) and core/lvexport_dev.c
 * (devices, CPU string) share while writing one domain. */
#ifndef VMDECK_LVEXPORT_PRIV_H
#define VMDECK_LVEXPORT_PRIV_H

#include "core/lvexport.h"

#include <libxml/xmlwriter.h>
#include "core/xmlso.h"
#include <stdarg.h>
#include <stdbool.h>

struct lvw {
	xmlTextWriterPtr w;
	bool failed;
	struct lvexport *out;
	struct strv qargs;         /* <qemu:arg value=…/>, in order */
	struct strv extra_devices; /* -device values for <qemu:commandline> */
	unsigned topo[4];          /* cpus, sockets, cores, threads */
};

void lvw_start(struct lvw *w, const char *name);
void lvw_end(struct lvw *w);
void lvw_attr(struct lvw *w, const char *k, const char *v);
void lvw_attrf(struct lvw *w, const char *k, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void lvw_text(struct lvw *w, const char *name, const char *text);
void lvw_empty(struct lvw *w, const char *name, ...) __attribute__((sentinel));
void lvw_qemu_arg(struct lvw *w, const char *arg, const char *val, const char *why);
void lvw_note(struct lvw *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* A QEMU -cpu string taken apart (lvexport_dev.c). */
struct lvcpu {
	char *model;           /* NULL: QEMU's default */
	char *vendor_id;       /* vendor=GenuineIntel */
	bool kvm_hidden;       /* kvm=off */
	struct strv features;  /* "+ssse3", "-x2apic" */
	struct strv globals;   /* "Penryn-x86_64-cpu.vmware-cpuid-freq=on" */
};
int lvcpu_parse(const char *cpu, struct lvcpu *c, char **err);
void lvcpu_clear(struct lvcpu *c);

/* <devices>…</devices> (lvexport_dev.c). */
int lvexport_devices(struct lvw *w, const struct profile *p, const struct lvexport_opts *o, char **err);

#endif
