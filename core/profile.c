/* profile: YAML VM profiles -> struct profile. This file holds the
 * profile's schema (a table of fields per mapping, read by core/schema.c's
 * walker, so unknown keys, wrong types, duplicate keys and ranges read as in
 * every other YAML file) and the custom fields; profile_check.c checks
 * across fields, profile_set.c loads directories. All problems of a file
 * are collected, each with FILE:LINE:COL. */
#include "core/profile.h"
#include "core/profile_check.h"
#include "core/qemu_args.h"
#include "core/schema.h"
#include "core/util.h"
#include "core/yamldoc.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <yaml.h>

/* ---- small tables ---------------------------------------------------- */

static const char *const mode_names[] = { [VM_MODE_BOOT] = "boot", [VM_MODE_INSTALL] = "install" };
_Static_assert(sizeof(enum mac_policy) == sizeof(int), "SCHEMA_ENUM stores an int");
const char *const mac_policy_names[MAC_POLICY_COUNT] = {
	[MAC_POLICY_DERIVED] = "derived", [MAC_POLICY_FIXED] = "fixed", [MAC_POLICY_KERNEL] = "kernel",
};

const char *vm_mode_name(enum vm_mode m) { return (unsigned)m < ARRAY_LEN(mode_names) ? mode_names[m] : "?"; }

int vm_mode_parse(const char *s, enum vm_mode *out)
{
	int i = schema_lookup(mode_names, ARRAY_LEN(mode_names), s);
	if (i < 0)
		return -1;
	*out = (enum vm_mode)i;
	return 0;
}

const char *mac_policy_name(enum mac_policy p)
{
	return (unsigned)p < MAC_POLICY_COUNT ? mac_policy_names[p] : "?";
}

/* ---- value checks ----------------------------------------------------- */

/* The one rule for VM names: a name becomes a path component (the runtime
 * directory <runtime>/NAME, the state file <state>/modes/NAME), a QEMU
 * -name and a command-line argument. core/paths.c refuses what fails here. */
const char *profile_name_problem(const char *name)
{
	if (!name || !schema_chars(name, "_-", 32))
		return "is not a valid VM name (1-32 letters, digits, '_' or '-')";
	if (name[0] == '-')
		return "is not a valid VM name: it may not start with '-' (it would be read as an option)";
	/* <runtime>/net/ holds the lab networks (paths_net_dir). */
	if (strcmp(name, "net") == 0)
		return "is reserved: the runtime directory's net/ holds the lab networks; choose another VM name";
	return NULL;
}

bool profile_name_valid(const char *name) { return !profile_name_problem(name); }
/* Device models, drive formats, buses, ids: they are pasted into QEMU option
 * strings, so no commas or '=' may slip in. */
static bool word_valid(const char *s) { return schema_chars(s, "_.-", 64); }
static bool id_valid(const char *s) { return schema_chars(s, "_.-", 32) && isalpha((unsigned char)s[0]); }
static bool keyboard_valid(const char *s) { return schema_chars(s, "-", 16); }
static bool nonempty_valid(const char *s) { return *s != '\0'; }
/* A login for `vmdeck ssh`: it becomes ssh's argument, never an option. */
static bool login_valid(const char *s) { return schema_chars(s, "_.-", 32) && s[0] != '-'; }

#define P(m) offsetof(struct profile, m)
#define D(m) offsetof(struct profile_disk, m)
#define N(m) offsetof(struct profile_nic, m)
#define I(m) offsetof(struct profile_install, m)
#define is_null(n) yamldoc_is_null(n)
#define scalar(n) yamldoc_scalar(n)

/* ---- custom fields ----------------------------------------------------- */

static const char *const accel_names[] = { "kvm", "tcg", "kvm:tcg" };
static const char *const disk_if_names[] = { "virtio", "ide", "sata", "scsi" };
static const char *const cd_if_names[] = { "ide", "sata", "scsi" };
static const char *const network_names[] = { "tap", "user" };

static void f_accel(struct schema *s, yaml_node_t *v, void *target, const struct schema_field *f)
{
	if (is_null(v))
		return;
	int i = schema_enum(s, v, f->key, accel_names, ARRAY_LEN(accel_names));
	if (i >= 0)
		schema_set_str(target, f->off, xstrdup(accel_names[i]));
}

/* name: the VM name rule (profile_name_problem), each reason in its words. */
static void f_name(struct schema *s, yaml_node_t *v, void *target, const struct schema_field *f)
{
	if (is_null(v))
		return; /* given but empty: profile_check says so */
	if (!schema_string(s, v, f->key))
		return;
	const char *why = profile_name_problem(scalar(v));
	if (why) {
		schema_error(s, v, "'%s': '%s' %s", f->key, scalar(v), why);
		return;
	}
	schema_set_str(target, f->off, xstrdup(scalar(v)));
}

/* QEMU options that open a display server; "--opt" is QEMU's "-opt" too.
 * In extra_args they would escape the VNC rule (loopback or a UNIX socket,
 * else display.vnc with a password and a warning: check_vnc). */
static const char *display_server_opt(const char *arg, const char *next)
{
	if (arg[0] != '-')
		return NULL;
	const char *o = arg[1] == '-' ? arg + 1 : arg;
	if (strcmp(o, "-vnc") == 0 || strcmp(o, "-spice") == 0)
		return o;
	if (strcmp(o, "-display") == 0 && next && strncmp(next, "vnc", 3) == 0 && strchr("=,", next[3]))
		return o; /* "vnc", "vnc=HOST:D", "vnc,..." (strchr finds the '\0' too) */
	return NULL;
}

/* QEMU options that break vmdeck's hold on QEMU (qemu_args.h lists what
 * vmdeck sets itself; docs/profiles.md explains each): the process it
 * watches, the pid file and monitors it relies on, the user and root QEMU
 * keep, and the rule that a powered-off guest ends the process. */
static const struct supervision_opt {
	const char *opt;
	const char *why;
} supervision_opts[] = {
	{ "-daemonize", "QEMU would fork and the process vmdeck watches would exit, leaving the VM running unseen" },
	{ "-pidfile", "vmdeck writes RUN/qemu.pid itself, and other vmdecks find QEMU through it" },
	{ "-qmp", "vmdeck's monitors are RUN/qmp.sock and RUN/ctl.sock; another one is a control channel vmdeck "
		  "neither guards nor sees (on TCP, anyone who connects owns the VM)" },
	{ "-qmp-pretty", "vmdeck's monitors are RUN/qmp.sock and RUN/ctl.sock; another one is a control channel "
			 "vmdeck neither guards nor sees (on TCP, anyone who connects owns the VM)" },
	{ "-monitor", "use 'vmdeck monitor NAME' or the TUI's monitor; another monitor is a control channel vmdeck "
		      "neither guards nor sees (on TCP, anyone who connects owns the VM)" },
	{ "-mon", "use 'vmdeck monitor NAME' or the TUI's monitor; another monitor is a control channel vmdeck "
		  "neither guards nor sees (on TCP, anyone who connects owns the VM)" },
	{ "-runas", "QEMU would go on as another user than vmdeck started it as, and open what vmdeck hands it later "
		    "(the installer medium on a mode switch) with that user's rights" },
	{ "-chroot", "QEMU would no longer see the paths vmdeck hands it while it runs (the installer medium on a mode "
		     "switch)" },
	{ "-run-with", "it changes QEMU's user or root (user=, chroot=), as -runas and -chroot would" },
	{ "-no-shutdown", "a guest that powers off would leave QEMU running, stopped, while vmdeck waits for QEMU to "
			  "exit (the VM would stay 'stopping')" },
};

static const char *supervision_why(const char *arg)
{
	if (arg[0] != '-')
		return NULL;
	const char *o = arg[1] == '-' ? arg + 1 : arg;
	for (size_t i = 0; i < ARRAY_LEN(supervision_opts); i++)
		if (strcmp(o, supervision_opts[i].opt) == 0)
			return supervision_opts[i].why;
	return NULL;
}

/* A character device on QEMU's own stdio ("-serial stdio", "-chardev
 * stdio,id=…", "-serial mon:stdio"): vmdeck gives QEMU /dev/null and
 * RUN/qemu.log there. */
static bool stdio_backend(const char *value)
{
	return strcmp(value, "stdio") == 0 || strncmp(value, "stdio,", 6) == 0 || strncmp(value, "mon:stdio", 9) == 0;
}

/* The id= an option's value defines ("socket,id=serial0,path=…"), copied
 * into buf; NULL when it has none. */
static const char *value_id(const char *value, char *buf, size_t n)
{
	for (const char *p = value; p; p = strchr(p, ',')) {
		if (*p == ',')
			p++;
		if (strncmp(p, "id=", 3) == 0) {
			size_t l = strcspn(p + 3, ",");
			if (l >= n)
				l = n - 1;
			memcpy(buf, p + 3, l);
			buf[l] = '\0';
			return buf;
		}
	}
	return NULL;
}

/* extra_args: strings appended verbatim, but no display server, nothing
 * that breaks vmdeck's supervision and no id vmdeck gives its own objects. */
static void f_extra_args(struct schema *s, yaml_node_t *v, void *target, const struct schema_field *f)
{
	struct profile *p = target;
	if (is_null(v))
		return;
	schema_strv(s, v, f->key, &p->extra_args, &p->n_extra_args);
	if (v->type != YAML_SEQUENCE_NODE)
		return;
	for (yaml_node_item_t *it = v->data.sequence.items.start; it < v->data.sequence.items.top; it++) {
		yaml_node_t *e = yaml_document_get_node(s->doc, *it);
		yaml_node_t *nx = it + 1 < v->data.sequence.items.top ? yaml_document_get_node(s->doc, it[1]) : NULL;
		if (!e || e->type != YAML_SCALAR_NODE)
			continue;
		const char *next = nx && nx->type == YAML_SCALAR_NODE ? scalar(nx) : NULL;
		const char *why = supervision_why(scalar(e));
		if (why) {
			schema_error(s, e, "'%s': '%s' would break vmdeck's supervision of QEMU: %s", f->key, scalar(e),
				     why);
			continue;
		}
		if (scalar(e)[0] == '-' && next && stdio_backend(next)) {
			schema_error(s, e,
				     "'%s': '%s %s' would put a device on QEMU's stdin/stdout, which vmdeck sets to "
				     "/dev/null and RUN/qemu.log (where it reads why a start failed); the serial console "
				     "is 'vmdeck console NAME', the monitor 'vmdeck monitor NAME'",
				     f->key, scalar(e), next);
			continue;
		}
		char idbuf[64];
		const char *id = scalar(e)[0] != '-' ? value_id(scalar(e), idbuf, sizeof(idbuf)) : NULL;
		const char *mine = id ? qemu_args_reserved_id(id) : NULL;
		if (mine) {
			schema_error(s, e, "'%s': id '%s' is vmdeck's own, for %s: QEMU would refuse a second; rename it",
				     f->key, id, mine);
			continue;
		}
		const char *o = display_server_opt(scalar(e), next);
		if (!o)
			continue;
		bool display = strcmp(o, "-display") == 0;
		schema_error(s, e,
			     "'%s': '%s%s%s' would open a display server past vmdeck's VNC rule (off loopback only with "
			     "a password, and a warning); use the 'display:' section instead (display.vnc, "
			     "display.password_file)",
			     f->key, scalar(e), display ? " " : "", display ? next : "");
	}
}

/* interface: min 1 marks the installer's drive, which must take a CD. */
static void f_interface(struct schema *s, yaml_node_t *v, void *target, const struct schema_field *f)
{
	if (is_null(v))
		return;
	bool cd = f->min == 1;
	const char *const *names = cd ? cd_if_names : disk_if_names;
	int i = schema_enum(s, v, f->key, names, cd ? ARRAY_LEN(cd_if_names) : ARRAY_LEN(disk_if_names));
	if (i >= 0)
		schema_set_str(target, f->off, xstrdup(names[i]));
}

/* size: a disk's size in bytes ("64G"), for creating it (core/disk.h). */
static void f_disk_size(struct schema *s, yaml_node_t *v, void *target, const struct schema_field *f)
{
	if (is_null(v))
		return;
	const char *t = schema_string(s, v, f->key);
	uint64_t b;
	if (!t)
		return;
	if (parse_size(t, &b) < 0 || b < 1024 * 1024)
		schema_error(s, v, "'%s' must be a disk size of at least 1M such as 64G, 512M or 2T, not '%s'", f->key, t);
	else
		((struct profile_disk *)target)->size = b;
}

static void f_network(struct schema *s, yaml_node_t *v, void *target, const struct schema_field *f)
{
	struct profile_nic *nic = target;
	if (is_null(v))
		return;
	int i = schema_enum(s, v, f->key, network_names, ARRAY_LEN(network_names));
	if (i >= 0)
		nic->user_net = i == 1;
}

/* forwards: ["tcp:2222:22", "udp:127.0.0.1:5353:53", …]. A rule without a
 * host gets the NIC's 'host:' (which may come later in the mapping) in
 * profile_check. */
static void f_forwards(struct schema *s, yaml_node_t *v, void *target, const struct schema_field *f)
{
	struct profile_nic *nic = target;
	if (is_null(v))
		return;
	if (v->type != YAML_SEQUENCE_NODE) {
		schema_error(s, v, "'%s' must be a list of rules like [\"tcp:2222:22\"], not %s", f->key,
			     yamldoc_kind(v));
		return;
	}
	for (yaml_node_item_t *it = v->data.sequence.items.start; it < v->data.sequence.items.top; it++) {
		yaml_node_t *e = yaml_document_get_node(s->doc, *it);
		if (!e || !schema_string(s, e, f->key))
			continue;
		struct forward fw;
		char *err = NULL;
		if (forward_parse(scalar(e), "", &fw, &err) < 0) {
			schema_error(s, e, "%s", err);
			free(err);
			continue;
		}
		struct schema_pos at = schema_node_pos(e);
		fw.line = at.line;
		fw.col = at.col;
		nic->forwards = xrealloc(nic->forwards, (nic->n_forwards + 1) * sizeof(*nic->forwards));
		nic->forwards[nic->n_forwards++] = fw;
	}
}

struct cpu_spec {
	char *model;
	char **flags;
	size_t n_flags;
};

static const struct schema_field cpu_fields[] = {
	{ .key = "model", .type = SCHEMA_STR, .off = offsetof(struct cpu_spec, model), .valid = word_valid,
	  .valid_what = "a CPU model name such as Penryn" },
	{ .key = "flags", .type = SCHEMA_STRV, .off = offsetof(struct cpu_spec, flags),
	  .flag_off = offsetof(struct cpu_spec, n_flags) },
	{ 0 },
};

/* cpu: "Penryn,kvm=off" or { model: Penryn, flags: [kvm=off, …] } */
static void f_cpu(struct schema *s, yaml_node_t *v, void *target, const struct schema_field *f)
{
	if (is_null(v))
		return;
	if (v->type == YAML_SCALAR_NODE) {
		if (!*scalar(v) || strchr(scalar(v), ' ')) {
			schema_error(s, v, "'cpu' must be a CPU model with optional flags, like Penryn,kvm=off; got '%s'",
				     scalar(v));
			return;
		}
		schema_set_str(target, f->off, xstrdup(scalar(v)));
		return;
	}
	if (v->type != YAML_MAPPING_NODE) {
		schema_error(s, v, "'cpu' must be a string or a mapping with 'model' and 'flags', not %s",
			     yamldoc_kind(v));
		return;
	}
	struct cpu_spec cpu = { 0 };
	schema_walk(s, v, cpu_fields, &cpu, "cpu");
	if (!cpu.model) {
		if (cpu.n_flags)
			schema_error(s, v, "'cpu' has flags but no 'model'");
	} else {
		char *t = xstrdup(cpu.model);
		for (size_t i = 0; i < cpu.n_flags; i++) {
			char *u = xasprintf("%s,%s", t, cpu.flags[i]);
			free(t);
			t = u;
		}
		schema_set_str(target, f->off, t);
	}
	free(cpu.model);
	for (size_t i = 0; i < cpu.n_flags; i++)
		free(cpu.flags[i]);
	free(cpu.flags);
}

static const struct schema_field smp_fields[] = {
	{ .key = "cpus", .type = SCHEMA_UINT, .off = P(smp_cpus), .min = 1, .max = 288 },
	{ .key = "sockets", .type = SCHEMA_UINT, .off = P(smp_sockets), .min = 1, .max = 64 },
	{ .key = "cores", .type = SCHEMA_UINT, .off = P(smp_cores), .min = 1, .max = 288 },
	{ .key = "threads", .type = SCHEMA_UINT, .off = P(smp_threads), .min = 1, .max = 8 },
	{ 0 },
};

/* smp: 2, or { cpus: 2, sockets: 1, cores: 2, threads: 1 } */
static void f_smp(struct schema *s, yaml_node_t *v, void *target, const struct schema_field *f)
{
	struct profile *p = target;
	if (is_null(v))
		return;
	if (v->type == YAML_SCALAR_NODE)
		schema_uint(s, v, "smp", 1, 288, &p->smp_cpus);
	else if (v->type == YAML_MAPPING_NODE)
		schema_walk(s, v, smp_fields, p, "smp");
	else
		schema_error(s, v, "'smp' must be a CPU count or a mapping (cpus, sockets, cores, threads), not %s",
			     yamldoc_kind(v));
}

/* usb: true | false | [usb-kbd, usb-tablet] (a list implies true) */
static void f_usb(struct schema *s, yaml_node_t *v, void *target, const struct schema_field *f)
{
	struct profile *p = target;
	if (is_null(v))
		return;
	if (v->type == YAML_SEQUENCE_NODE) {
		p->usb = true;
		schema_strv(s, v, "usb", &p->usb_devices, &p->n_usb_devices);
		for (size_t i = 0; i < p->n_usb_devices; i++)
			if (!word_valid(p->usb_devices[i]))
				schema_error(s, v, "'usb': '%s' is not a USB device model such as usb-tablet",
					     p->usb_devices[i]);
		return;
	}
	if (v->type == YAML_SCALAR_NODE) {
		schema_bool(s, v, "usb", &p->usb);
		return;
	}
	schema_error(s, v, "'usb' must be true, false or a list of USB devices, not %s", yamldoc_kind(v));
}

/* ---- the schema ---------------------------------------------------------- */

#define ID_WHAT "an id (a letter, then letters, digits, '_', '-', '.'; at most 32)"
#define STR(k, field, fn, what) { .key = k, .type = SCHEMA_STR, .off = field, .valid = fn, .valid_what = what }
#define PATH(k, field) { .key = k, .type = SCHEMA_PATH, .off = field }
#define BOOL(k, field) { .key = k, .type = SCHEMA_BOOL, .off = field }
#define CUSTOM(k, field, f) { .key = k, .type = SCHEMA_CUSTOM, .off = field, .fn = f }
#define MAP(k, fields) { .key = k, .type = SCHEMA_MAP, .sub = fields }

static const struct schema_field disk_fields[] = {
	STR("id", D(id), id_valid, ID_WHAT),
	PATH("file", D(file)),
	STR("format", D(format), word_valid, "an image format such as raw or qcow2"),
	CUSTOM("size", D(size), f_disk_size),
	PATH("linked_base", D(linked_base)),
	CUSTOM("interface", D(interface), f_interface),
	STR("bus", D(bus), word_valid, "a bus name such as ide.2"),
	BOOL("snapshot", D(snapshot)),
	BOOL("readonly", D(readonly)),
	{ 0 },
};

static const struct schema_field nic_fields[] = {
	STR("id", N(id), id_valid, ID_WHAT),
	STR("model", N(model), word_valid, "a NIC model such as e1000-82545em or virtio-net-pci"),
	{ .key = "mac", .type = SCHEMA_MAC, .off = N(mac), .flag_off = N(has_mac) },
	CUSTOM("network", 0, f_network),
	BOOL("user", N(user_key)),
	CUSTOM("forwards", 0, f_forwards),
	STR("host", N(fwd_host), forward_host_valid, "an IPv4 address such as 127.0.0.1 or 0.0.0.0"),
	STR("bridge", N(bridge), schema_ifname_valid, SCHEMA_IFNAME_WHAT),
	STR("tap", N(tap), schema_ifname_valid, SCHEMA_IFNAME_WHAT),
	{ .key = "tap_mac_policy", .type = SCHEMA_ENUM, .off = N(tap_mac_policy), .names = mac_policy_names,
	  .n_names = MAC_POLICY_COUNT, .flag_off = N(has_tap_mac_policy) },
	{ 0 },
};

static const struct schema_field boot_fields[] = {
	PATH("kernel", P(kernel)),
	PATH("initrd", P(initrd)),
	STR("append", P(append), NULL, NULL),
	{ 0 },
};

static const struct schema_field firmware_fields[] = {
	PATH("code", P(firmware_code)),
	PATH("vars", P(firmware_vars)),
	PATH("vars_template", P(firmware_vars_template)),
	{ 0 },
};

static const struct schema_field applesmc_fields[] = {
	STR("osk", P(applesmc_osk), nonempty_valid, "an OSK string"),
	{ 0 },
};

static const struct schema_field audio_fields[] = {
	STR("device", P(audio_device), word_valid, "a sound device model such as ich9-intel-hda"),
	STR("codec", P(audio_codec), word_valid, "a codec model such as hda-duplex"),
	{ 0 },
};

static const struct schema_field display_fields[] = {
	STR("vnc", P(vnc), nonempty_valid, "'unix' or HOST:DISPLAY"),
	PATH("password_file", P(vnc_password_file)),
	STR("keyboard", P(keyboard), keyboard_valid, "a keyboard layout such as en-us"),
	STR("vga", P(vga), word_valid, "a VGA type such as std, virtio or none"),
	{ 0 },
};

static const struct schema_field install_fields[] = {
	PATH("file", I(file)),
	STR("format", I(format), word_valid, "an image format such as raw"),
	{ .key = "interface", .type = SCHEMA_CUSTOM, .off = I(interface), .min = 1, .fn = f_interface },
	STR("bus", I(bus), word_valid, "a bus name such as ide.0"),
	BOOL("snapshot", I(snapshot)),
	{ 0 },
};

static const struct schema_field root_fields[] = {
	CUSTOM("name", P(name), f_name),
	STR("description", P(description), NULL, NULL),
	STR("qemu", P(qemu), nonempty_valid, "a QEMU binary"),
	CUSTOM("accel", P(accel), f_accel),
	STR("machine", P(machine), word_valid, "a machine type such as q35 or pc-q35-2.4"),
	CUSTOM("cpu", P(cpu), f_cpu),
	CUSTOM("smp", 0, f_smp),
	{ .key = "memory", .type = SCHEMA_MEM, .off = P(memory_mb), .min = 16, .max = 4u * 1024 * 1024 },
	MAP("boot", boot_fields),
	MAP("firmware", firmware_fields),
	MAP("applesmc", applesmc_fields),
	{ .key = "smbios", .type = SCHEMA_STRV, .off = P(smbios), .flag_off = P(n_smbios) },
	CUSTOM("usb", 0, f_usb),
	MAP("audio", audio_fields),
	{ .key = "disks", .type = SCHEMA_LIST, .off = P(disks), .flag_off = P(n_disks), .sub = disk_fields,
	  .item_size = sizeof(struct profile_disk), .item_pos_off = D(line) },
	{ .key = "nics", .type = SCHEMA_LIST, .off = P(nics), .flag_off = P(n_nics), .sub = nic_fields,
	  .item_size = sizeof(struct profile_nic), .item_pos_off = N(line) },
	{ .key = "install", .type = SCHEMA_MAP, .sub = install_fields, .sub_off = P(install),
	  .flag_off = P(install.present) },
	MAP("display", display_fields),
	BOOL("serial_log", P(serial_log)),
	CUSTOM("extra_args", P(extra_args), f_extra_args),
	{ .key = "stop_timeout", .type = SCHEMA_UINT, .off = P(stop_timeout_s), .min = 1, .max = 3600 },
	STR("ssh_user", P(ssh_user), login_valid, "a login name (letters, digits, '_', '.', '-'; not starting with '-')"),
	BOOL("autostart", P(autostart)),
	{ .key = "autostart_order", .type = SCHEMA_UINT, .off = P(autostart_order), .min = 0, .max = 9999 },
	{ .key = "autostart_delay", .type = SCHEMA_UINT, .off = P(autostart_delay_s), .min = 0, .max = 3600 },
	{ 0 },
};

/* ---- loading ----------------------------------------------------------- */

struct sink {
	const char *file;
	struct profile_diag **diags;
	size_t *n_diags;
};

static void sink_add(void *ud, enum schema_level level, int line, int col, char *msg)
{
	struct sink *k = ud;
	profile_diag_add(k->diags, k->n_diags, k->file, line, col, level == SCHEMA_WARNING, msg);
}

static char *dir_of(const char *path)
{
	char *abs = NULL;
	const char *slash = strrchr(path, '/');
	char *dir = slash ? xstrndup(path, slash == path ? 1 : (size_t)(slash - path)) : xstrdup(".");
	/* Absolute so that argv does not depend on the working directory. */
	if (dir[0] != '/') {
		char *cwd = getcwd(NULL, 0);
		if (cwd) {
			abs = strcmp(dir, ".") == 0 ? xstrdup(cwd) : path_join(cwd, dir);
			free(cwd);
			free(dir);
			dir = abs;
		}
	}
	return dir;
}

struct profile *profile_parse(const char *path, const char *buf, size_t len, struct profile_diag **diags,
			      size_t *n_diags)
{
	struct sink k = { path, diags, n_diags };
	struct schema s;
	schema_init(&s, sink_add, &k);
	struct profile *p = xcalloc(1, sizeof(*p));
	p->path = xstrdup(path);
	p->dir = dir_of(path);
	s.dir = p->dir;

	struct yamldoc *d = yamldoc_new(buf, len, PROFILE_MAX_SIZE, "a profile", schema_yamldoc_report, &s);
	if (d) {
		s.doc = yamldoc_document(d);
		yaml_node_t *root = yamldoc_root(d);
		if (schema_walk_root(&s, root, root_fields, p, "profile", "'name'", "name: …, memory: …"))
			profile_check(&s, p, root);
		/* One profile per file: a second document is a mistake. */
		if (s.errors == 0 && root)
			yamldoc_single(d, "a second YAML document ('---'): a profile file holds one VM");
		yamldoc_free(d);
	}
	schema_clear(&s);
	if (s.errors == 0)
		return p;
	profile_free(p);
	return NULL;
}

struct profile *profile_load(const char *path, struct profile_diag **diags, size_t *n_diags)
{
	struct sink k = { path, diags, n_diags };
	struct schema s;
	schema_init(&s, sink_add, &k);
	size_t len;
	char *buf = yamldoc_read(path, PROFILE_MAX_SIZE, "a profile", &len, schema_yamldoc_report, &s);
	if (!buf)
		return NULL;
	struct profile *p = profile_parse(path, buf, len, diags, n_diags);
	free(buf);
	return p;
}

static void strvec_free(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

void profile_free(struct profile *p)
{
	if (!p)
		return;
	free(p->name);
	free(p->description);
	free(p->path);
	free(p->dir);
	free(p->qemu);
	free(p->accel);
	free(p->machine);
	free(p->cpu);
	free(p->kernel);
	free(p->initrd);
	free(p->append);
	free(p->firmware_code);
	free(p->firmware_vars);
	free(p->firmware_vars_template);
	free(p->applesmc_osk);
	strvec_free(p->smbios, p->n_smbios);
	strvec_free(p->usb_devices, p->n_usb_devices);
	free(p->audio_device);
	free(p->audio_codec);
	for (size_t i = 0; i < p->n_disks; i++) {
		struct profile_disk *d = &p->disks[i];
		free(d->id);
		free(d->file);
		free(d->format);
		free(d->interface);
		free(d->bus);
		free(d->linked_base);
	}
	free(p->disks);
	for (size_t i = 0; i < p->n_nics; i++) {
		struct profile_nic *n = &p->nics[i];
		free(n->id);
		free(n->model);
		free(n->bridge);
		free(n->tap);
		free(n->forwards);
		free(n->fwd_host);
	}
	free(p->nics);
	free(p->install.file);
	free(p->install.format);
	free(p->install.interface);
	free(p->install.bus);
	free(p->vga);
	free(p->vnc);
	free(p->vnc_password_file);
	free(p->keyboard);
	strvec_free(p->extra_args, p->n_extra_args);
	free(p->ssh_user);
	free(p);
}

/* ---- derived names ----------------------------------------------------- */

void profile_nic_guest_mac(const struct profile *p, size_t nic_index, uint8_t mac[6])
{
	if (nic_index < p->n_nics && p->nics[nic_index].has_mac) {
		memcpy(mac, p->nics[nic_index].mac, 6);
		return;
	}
	char *key = xasprintf("%s/%zu", p->name, nic_index);
	mac_from_name(key, mac);
	free(key);
}

char *profile_nic_tap_name(const struct profile *p, size_t nic_index)
{
	if (nic_index < p->n_nics && p->nics[nic_index].tap)
		return xstrdup(p->nics[nic_index].tap);
	/* "vd-NAME-I" when it fits in IFNAMSIZ-1; else a prefix of the name and
	 * a hash of all of it, so that long names sharing a prefix differ. */
	char *s = xasprintf("vd-%s-%zu", p->name, nic_index);
	if (strlen(s) <= 15)
		return s;
	free(s);
	char idx[24];
	int il = snprintf(idx, sizeof idx, "-%zu", nic_index);
	int frag = 15 - 3 - 4 - il;
	if (frag < 1)
		frag = 1;
	uint32_t h = name_hash(p->name);
	return xasprintf("vd-%.*s%04x%s", frag, p->name, (unsigned)((h ^ (h >> 16)) & 0xffff), idx);
}

int profile_firmware_vars_prepare(const struct profile *p, char **err)
{
	if (!p->firmware_vars || !p->firmware_vars_template || path_exists(p->firmware_vars))
		return 0;
	size_t len;
	char *data = file_read_all(p->firmware_vars_template, &len);
	if (!data)
		return error_set(err, "%s: cannot read firmware vars template %s: %s", p->name,
				 p->firmware_vars_template, strerror(errno));
	int r = file_write_atomic(p->firmware_vars, data, len, 0600, err);
	free(data);
	if (r < 0)
		return error_prefix(err, "%s: firmware vars", p->name);
	return 0;
}
