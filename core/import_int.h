/* import_int: the model core/import.c builds from a QEMU command line and
 * core/import_yaml.c writes as a commented profile. Internal to import. */
#ifndef VMDECK_IMPORT_INT_H
#define VMDECK_IMPORT_INT_H

#include <stdbool.h>
#include <stddef.h>

/* A value and why it is there (the comment on its line; NULL for none). */
struct iv {
	char *v;
	char *why;
};

struct idisk {
	struct iv id, file, format, interface, bus;
	bool snapshot, readonly;
	char *why;           /* comment on the item */
	long boot;           /* the script's bootindex, -1: none (disks are listed in its order) */
};

struct inic {
	char *id, *model, *mac, *tap, *bridge;
	bool user;
	char *why;
};

struct iextra {
	char *arg;
	char *why;           /* comment before the option (NULL: same option) */
};

struct imodel {
	struct iv name, description, qemu, accel, machine, cpu, memory;
	unsigned smp_cpus, smp_sockets, smp_cores, smp_threads;
	char *smp_why;
	struct iv kernel, initrd, append, fw_code, fw_vars, fw_vars_template, osk;
	struct iv *smbios;
	size_t n_smbios;
	bool usb;
	char *usb_why;
	struct iv *usbdev;
	size_t n_usbdev;
	struct iv audio_dev, audio_codec;
	struct idisk *disks;
	size_t n_disks;
	struct idisk install;
	bool has_install;
	struct inic *nics;
	size_t n_nics;
	struct iv vga, vnc, password_file, keyboard;
	struct iv stop_timeout; /* seconds; NULL: vmdeck's default */
	struct iextra *extra;
	size_t n_extra;
};

/* The profile text: header (comment lines, '\n'-separated) then the keys. */
char *import_yaml_write(const struct imodel *m, const char *header);
/* A scalar as libyaml's emitter would write it as a block value (quoted when
 * it must be). Caller frees. */
char *import_yaml_scalar(const char *s);
void import_model_clear(struct imodel *m);

#endif
