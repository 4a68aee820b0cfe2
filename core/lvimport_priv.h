/* lvimport_priv: what core/lvimport.c (the machine) and core/lvimport_dev.c
 * (CPU, devices, <qemu:commandline>) share while reading one domain. */
#ifndef VMDECK_LVIMPORT_PRIV_H
#define VMDECK_LVIMPORT_PRIV_H

#include "core/import_int.h"
#include "core/lvimport.h"
#include "core/util.h"

#include <libxml/parser.h>
#include <libxml/tree.h>
#include "core/xmlso.h"

struct lvi {
	const struct import_opts *o;
	struct import_result *r;
	struct imodel m;
	char *meta_install_file, *meta_install_format;
	bool meta_install_snapshot;
	bool install_mode;       /* the CD holds a medium and boots first */
	/* The CPU as read: model, then items ("+ssse3", "kvm=off", "vendor=…"). */
	char *cpu_model;
	struct strv cpu_items;
	const xmlNode *cpu_node;
	unsigned usb_index_max;  /* qemu-xhci … on index > 0 */
};

bool lvi_is(const xmlNode *n, const char *name);
xmlNode *lvi_child(const xmlNode *n, const char *name);
char *lvi_attr(const xmlNode *n, const char *name);
char *lvi_text(const xmlNode *n);
char *lvi_child_attr(const xmlNode *n, const char *child, const char *attr);
void lvi_note(struct lvi *c, const xmlNode *n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
char *lvi_src(const xmlNode *n);
void lvi_set(struct iv *v, char *val, const xmlNode *n);
void lvi_extra(struct lvi *c, const char *arg, const xmlNode *n, const char *why);
char *lvi_path(const struct lvi *c, const char *s);

/* lvimport_dev.c */
void lvi_cpu(struct lvi *c, xmlNode *dom);
void lvi_cpu_finish(struct lvi *c);
void lvi_devices(struct lvi *c, xmlNode *devices);
void lvi_qemu_commandline(struct lvi *c, xmlNode *dom);
void lvi_clear(struct lvi *c);

#endif
