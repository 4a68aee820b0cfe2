/* import_priv: what core/import.c (options) and core/import_dev.c (devices,
 * disks, NICs, display) share while turning one command line into a model. */
#ifndef VMDECK_IMPORT_PRIV_H
#define VMDECK_IMPORT_PRIV_H

#include "core/import.h"
#include "core/import_int.h"

/* One QEMU option occurrence: "-drive" "id=x,…" (name without dashes). */
struct qopt {
	char *name, *val;  /* val NULL for a flag */
	int line, col;
	bool unresolved;
	bool done;         /* accounted for (kept, modernised, moved or dropped) */
	bool modern;       /* written in a modern form (short-form booleans): kept counts as modernised */
};

/* A QemuOpts string split into items. */
struct kv {
	char *k, *v;
	bool shortform;    /* "readonly" for readonly=on, "nowait" for wait=off */
	bool used;
};
struct kvs {
	struct kv *a;
	size_t n;
};

struct imp {
	const struct import_opts *o;
	struct import_result *r;
	struct imodel m;
	struct qopt *q;
	size_t nq;
	char *qemu_name;   /* from -name */
	bool q35, nodefaults, has_net, has_usb, has_vga, usb_ctrl, snapshot_all;
	unsigned mac_index; /* QEMU's default MACs count up per NIC without one */
	char *ahci_id, *scsi_id; /* the script's own controllers vmdeck replaces */
};

void imp_note(struct imp *c, int line, int col, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
char *imp_src(const struct qopt *q);
void imp_kept(struct imp *c, struct qopt *q);
void imp_modern(struct imp *c, struct qopt *q, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void imp_drop(struct imp *c, struct qopt *q, const char *why);
void imp_extra(struct imp *c, struct qopt *q, const char *why);
/* Append "-OPT VALUE" to extra_args without counting an option. */
void imp_extra_raw(struct imp *c, const char *opt, const char *val, const char *why);
void imp_set_accel(struct imp *c, const char *a, const struct qopt *q);
char *imp_path(const struct imp *c, const char *s, bool unresolved);
bool imp_on(const char *v);

void kvs_parse(struct kvs *o, const char *s, const char *implied);
void kvs_free(struct kvs *o);
const char *kvs_take(struct kvs *o, const char *key);
const char *kvs_peek(const struct kvs *o, const char *key);
char *kvs_rest(const struct kvs *o);
void kvs_report_short(struct imp *c, struct qopt *q, const struct kvs *o);

/* import_dev.c */
void imp_device(struct imp *c, struct qopt *q);
void imp_drive(struct imp *c, struct qopt *q);
void imp_hdx(struct imp *c, struct qopt *q);
void imp_netdev(struct imp *c, struct qopt *q);
void imp_nic(struct imp *c, struct qopt *q);
/* Every -net nic,… with its -net user|tap|bridge,…, paired in order. */
void imp_net_legacy_pairs(struct imp *c);
void imp_vnc(struct imp *c, struct qopt *q);
void imp_usb_device(struct imp *c, const char *dev, const struct qopt *q);
bool imp_is_display_device(const char *device_val);
bool imp_chardev_is_monitor(const struct imp *c, const struct qopt *q);
bool imp_chardev_is_vmdeck_console(const struct imp *c, const char *id);
void imp_prescan_device(struct imp *c, const struct qopt *q);
void imp_finish_devices(struct imp *c);

#endif
