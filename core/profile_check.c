/* profile_check: rules that span fields of one profile (see
 * profile_check.h): required keys, defaults, what needs what, one id / MAC /
 * TAP / image per use, VNC exposure, referenced files. */
#include "core/profile_check.h"
#include "core/profile.h"
#include "core/schema.h"
#include "core/util.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define E SCHEMA_ERROR

static void check_file(struct schema *s, const char *path, const char *what, struct schema_pos at)
{
	if (path && !path_exists(path))
		schema_report(s, SCHEMA_ERROR_SOFT, at.line, at.col, "%s %s does not exist", what, path);
}

/* The host of "HOST:DISPLAY": loopback or not. Every TCP VNC needs a
 * password (check_vnc); off loopback it also warns. */
static bool vnc_loopback(const char *host)
{
	/* An address, not a prefix: "127.0.0.1.example.net" is a host name
	 * that may resolve anywhere. */
	struct in_addr a;
	if (inet_pton(AF_INET, host, &a) == 1)
		return (ntohl(a.s_addr) >> 24) == 127;
	return strcmp(host, "localhost") == 0 || strcmp(host, "::1") == 0 || strcmp(host, "[::1]") == 0;
}

bool profile_vnc_public(const struct profile *p)
{
	if (!p || !p->vnc || strcmp(p->vnc, "unix") == 0)
		return false;
	const char *colon = strrchr(p->vnc, ':');
	if (!colon)
		return true; /* not loadable; err on the loud side */
	char *host = xstrndup(p->vnc, (size_t)(colon - p->vnc));
	bool pub = !vnc_loopback(host);
	free(host);
	return pub;
}

static void check_vnc(struct schema *s, struct profile *p, struct schema_pos root)
{
	struct schema_pos at = schema_pos(s, "vnc", p, root);
	if (!p->vnc || strcmp(p->vnc, "unix") == 0) {
		if (p->vnc_password_file)
			schema_report(s, SCHEMA_WARNING, at.line, at.col,
				      "'password_file' is ignored: VNC is on a UNIX socket");
		return;
	}
	const char *colon = strrchr(p->vnc, ':');
	char *end = NULL;
	long disp = colon ? strtol(colon + 1, &end, 10) : -1;
	if (!colon || colon == p->vnc || !end || end == colon + 1 || *end || disp < 0 || disp > 99 ||
	    strpbrk(p->vnc, ", ")) {
		schema_report(s, E, at.line, at.col, "'vnc' must be 'unix' or HOST:DISPLAY (display 0-99), got '%s'",
			      p->vnc);
		return;
	}
	bool loopback = !profile_vnc_public(p);
	/* Any local user may connect to a loopback port: without a password
	 * they would see and type into this VM. Only the UNIX socket in the
	 * user's 0700 runtime directory keeps them out without one. */
	if (loopback && !p->vnc_password_file)
		schema_report(s, E, at.line, at.col,
			      "VNC on %s has no password: every local user can connect to a TCP port, even on "
			      "loopback, and see and type into this VM; set display.password_file, or use 'unix' (the "
			      "default, reachable by you only)",
			      p->vnc);
	else if (!loopback && !p->vnc_password_file)
		schema_report(s, E, at.line, at.col,
			      "VNC on %s is reachable from the network: set display.password_file, or use 'unix' (the "
			      "default)",
			      p->vnc);
	else if (!loopback)
		schema_report(s, SCHEMA_WARNING, at.line, at.col,
			      "VNC on %s is reachable from the network (password only, no encryption)", p->vnc);
}

/* QEMU takes an empty secret as the password "", which any VNC client can
 * send: no password at all. /dev/null reads as empty too. A file that does
 * not exist yet is check_file's (QEMU will refuse to start without it). */
static void check_vnc_password(struct schema *s, struct profile *p, struct schema_pos at)
{
	struct stat st;
	if (!p->vnc || strcmp(p->vnc, "unix") == 0 || !p->vnc_password_file || stat(p->vnc_password_file, &st) < 0)
		return;
	if (!S_ISREG(st.st_mode))
		schema_report(s, E, at.line, at.col,
			      "VNC password file %s is not a regular file: QEMU would read an empty password, which "
			      "lets anyone connect",
			      p->vnc_password_file);
	else if (st.st_size == 0)
		schema_report(s, E, at.line, at.col,
			      "VNC password file %s is empty: an empty password lets anyone connect; put the password "
			      "in it",
			      p->vnc_password_file);
}

static void check_ids(struct schema *s, struct profile *p)
{
	/* Everything shares QEMU's id namespace. */
	struct { const char *id; int line, col; } ids[2 * 64 + 1];
	size_t n = 0;
	for (size_t i = 0; i < p->n_disks + p->n_nics; i++) {
		bool disk = i < p->n_disks;
		const char *id = disk ? p->disks[i].id : p->nics[i - p->n_disks].id;
		int line = disk ? p->disks[i].line : p->nics[i - p->n_disks].line;
		int col = disk ? p->disks[i].col : p->nics[i - p->n_disks].col;
		if (strcmp(id, "install") == 0 || strncmp(id, "install-", 8) == 0 || strncmp(id, "vmdeck", 6) == 0) {
			schema_report(s, E, line, col, "id '%s' is reserved for vmdeck's own devices", id);
			continue;
		}
		for (size_t j = 0; j < n; j++)
			if (strcmp(ids[j].id, id) == 0)
				schema_report(s, E, line, col, "id '%s' is already used at line %d, column %d", id,
					      ids[j].line, ids[j].col);
		if (n < ARRAY_LEN(ids))
			ids[n++].id = id, ids[n - 1].line = line, ids[n - 1].col = col;
	}
}

static void check_name(struct schema *s, struct profile *p, struct schema_pos r)
{
	const struct schema_seen *seen = schema_seen_find(s, "name", p);
	if (p->name) {
		p->name_line = seen ? seen->line : 0;
		p->name_col = seen ? seen->col : 0;
		return;
	}
	/* Also when given empty ("name:"): other errors may have left it unset too. */
	if (!seen)
		schema_report(s, E, r.line, r.col, "missing required key 'name'");
	else if (s->errors == 0) /* else an error already keeps it from loading */
		schema_report(s, E, seen->line, seen->col, "'name' is empty: every profile needs a VM name");
}

static void set_defaults(struct schema *s, struct profile *p)
{
	if (!p->qemu)
		p->qemu = xstrdup("qemu-system-x86_64");
	if (!p->accel)
		p->accel = xstrdup("kvm:tcg");
	if (!p->machine)
		p->machine = xstrdup("q35");
	if (!p->memory_mb)
		p->memory_mb = 1024;
	if (!p->stop_timeout_s)
		p->stop_timeout_s = 60;
	if (!schema_seen_find(s, "serial_log", p))
		p->serial_log = true;
	if (p->smp_cpus == 0 && (p->smp_sockets || p->smp_cores || p->smp_threads))
		p->smp_cpus = (p->smp_sockets ? p->smp_sockets : 1) * (p->smp_cores ? p->smp_cores : 1) *
			      (p->smp_threads ? p->smp_threads : 1);
}

/* Keys that need another key of their section. */
static void check_needs(struct schema *s, struct profile *p, struct schema_pos r)
{
	struct schema_pos at;
	if ((p->initrd || p->append) && !p->kernel) {
		at = schema_pos(s, p->initrd ? "initrd" : "append", p, r);
		schema_report(s, E, at.line, at.col, "'%s' needs 'kernel' in the boot section",
			      p->initrd ? "initrd" : "append");
	}
	if ((p->firmware_vars || p->firmware_vars_template) && !p->firmware_code) {
		at = schema_pos(s, p->firmware_vars ? "vars" : "vars_template", p, r);
		schema_report(s, E, at.line, at.col, "firmware vars need 'code' (the OVMF code image) too");
	}
	if (p->firmware_vars_template && !p->firmware_vars) {
		at = schema_pos(s, "vars_template", p, r);
		schema_report(s, E, at.line, at.col, "'vars_template' needs 'vars' (where the VM's own copy lives)");
	}
	if (p->audio_codec && !p->audio_device) {
		at = schema_pos(s, "codec", p, r);
		schema_report(s, E, at.line, at.col, "audio 'codec' needs an audio 'device' (such as ich9-intel-hda)");
	}
	if (p->smp_sockets && p->smp_cores && p->smp_threads &&
	    p->smp_sockets * p->smp_cores * p->smp_threads < p->smp_cpus) {
		at = schema_pos(s, "smp", p, r);
		schema_report(s, E, at.line, at.col, "smp: sockets x cores x threads (%u) is less than cpus (%u)",
			      p->smp_sockets * p->smp_cores * p->smp_threads, p->smp_cpus);
	}
}

static void check_disks(struct schema *s, struct profile *p)
{
	for (size_t i = 0; i < p->n_disks; i++) {
		struct profile_disk *d = &p->disks[i];
		if (!d->file)
			schema_report(s, E, d->line, d->col, "disk %zu has no 'file'", i + 1);
		if (!d->id)
			d->id = xasprintf("disk%zu", i);
		if (!d->format)
			d->format = xstrdup(d->size ? "qcow2" : "raw");
		if (!d->interface)
			d->interface = xstrdup("virtio");
		/* QEMU refuses it at start-up ("Block node is read-only"). */
		if (d->readonly && (strcmp(d->interface, "ide") == 0 || strcmp(d->interface, "sata") == 0))
			schema_report(s, E, d->line, d->col,
				      "disk '%s': IDE/SATA disks cannot be read-only in QEMU; use interface virtio or "
				      "scsi, or snapshot: true",
				      d->id);
		if (d->bus && strcmp(d->interface, "virtio") == 0)
			schema_report(s, E, d->line, d->col, "disk '%s': 'bus' applies to ide, sata and scsi disks only",
				      d->id);
	}
	/* One image, two drives: QEMU's image locking refuses the second. */
	for (size_t i = 0; i < p->n_disks; i++)
		for (size_t j = 0; j < i; j++)
			if (p->disks[i].file && p->disks[j].file && strcmp(p->disks[i].file, p->disks[j].file) == 0 &&
			    !(p->disks[i].readonly && p->disks[j].readonly))
				schema_report(s, E, p->disks[i].line, p->disks[i].col,
					      "disk '%s' uses the same image as disk '%s' (%s)", p->disks[i].id,
					      p->disks[j].id, p->disks[i].file);
}

/* 'user:' and 'network:' say the same thing: they may not disagree. */
static void check_user_key(struct schema *s, struct profile_nic *n)
{
	const struct schema_seen *u = schema_seen_find(s, "user", n);
	if (!u)
		return;
	if (schema_seen_find(s, "network", n) && n->user_key != n->user_net)
		schema_report(s, E, u->line, u->col, "NIC '%s': 'user: %s' contradicts 'network: %s'", n->id,
			      n->user_key ? "true" : "false", n->user_net ? "user" : "tap");
	else
		n->user_net = n->user_key;
}

/* Forwards: user networking only; hosts filled in; no two rules of the
 * profile on one host port (QEMU would fail to start, naming neither). */
static void check_forwards(struct schema *s, struct profile *p, struct profile_nic *n)
{
	const struct schema_seen *at = schema_seen_find(s, "forwards", n);
	const struct schema_seen *h = schema_seen_find(s, "host", n);
	if (!n->user_net && (n->n_forwards || h)) {
		const struct schema_seen *w = n->n_forwards ? at : h;
		schema_report(s, E, w ? w->line : n->line, w ? w->col : n->col,
			      "NIC '%s': '%s' needs user networking ('user: true'); a TAP NIC is reached on its bridge",
			      n->id, n->n_forwards ? "forwards" : "host");
		return;
	}
	for (size_t k = 0; k < n->n_forwards; k++) {
		struct forward *f = &n->forwards[k];
		if (!f->host[0])
			snprintf(f->host, sizeof(f->host), "%s", n->fwd_host ? n->fwd_host : FORWARD_DEFAULT_HOST);
	}
	for (size_t k = 0; k < n->n_forwards; k++) {
		struct forward *f = &n->forwards[k];
		/* Every earlier rule of the profile: other NICs, then this one's. */
		for (struct profile_nic *o = p->nics; o <= n; o++)
			for (size_t j = 0; j < (o == n ? k : o->n_forwards); j++) {
				if (!forward_clash(f, &o->forwards[j]))
					continue;
				char *a = forward_format(f), *b = forward_format(&o->forwards[j]);
				schema_report(s, E, f->line, f->col,
					      "NIC '%s': forward %s uses %s port %u like forward %s at line %d, column %d",
					      n->id, a, forward_proto_name(f->proto), f->host_port, b, o->forwards[j].line,
					      o->forwards[j].col);
				free(a);
				free(b);
			}
	}
}

static void check_nics(struct schema *s, struct profile *p)
{
	for (size_t i = 0; i < p->n_nics; i++) {
		struct profile_nic *n = &p->nics[i];
		if (!n->id)
			n->id = xasprintf("net%zu", i);
		if (!n->model)
			n->model = xstrdup("virtio-net-pci");
		check_user_key(s, n);
		check_forwards(s, p, n);
		if (n->user_net && (n->bridge || n->tap || n->has_tap_mac_policy))
			schema_report(s, E, n->line, n->col,
				      "NIC '%s' uses 'network: user': 'bridge', 'tap' and 'tap_mac_policy' do not apply",
				      n->id);
		for (size_t j = 0; j < i; j++)
			if (n->has_mac && p->nics[j].has_mac && mac_cmp(n->mac, p->nics[j].mac) == 0)
				schema_report(s, E, n->line, n->col, "NIC '%s' has the same MAC as NIC '%s'", n->id,
					      p->nics[j].id);
		struct schema_pos tp = schema_pos(s, "tap", n, (struct schema_pos){ n->line, n->col });
		n->tap_line = tp.line;
		n->tap_col = tp.col;
	}
	/* TAP names, given or derived ("tap: vd-NAME-1" may be another NIC's
	 * derived name): one TAP, one NIC. */
	for (size_t i = 0; p->name && i < p->n_nics; i++) {
		struct profile_nic *n = &p->nics[i];
		if (n->user_net)
			continue;
		char *ti = profile_nic_tap_name(p, i);
		for (size_t j = 0; j < i; j++) {
			if (p->nics[j].user_net)
				continue;
			char *tj = profile_nic_tap_name(p, j);
			if (strcmp(ti, tj) == 0)
				schema_report(s, E, n->tap_line, n->tap_col, "NIC '%s' uses TAP '%s' like NIC '%s'", n->id,
					      ti, p->nics[j].id);
			free(tj);
		}
		free(ti);
	}
}

static void check_install(struct schema *s, struct profile *p, struct schema_pos r)
{
	if (!p->install.present)
		return;
	struct schema_pos at = schema_pos(s, "install", p, r);
	p->install.line = at.line;
	p->install.col = at.col;
	if (!p->install.file)
		schema_report(s, E, at.line, at.col, "'install' needs 'file' (the installer ISO or image)");
	if (!p->install.format)
		p->install.format = xstrdup("raw");
	if (!p->install.interface)
		p->install.interface = xstrdup("ide");
}

/* Referenced files, each in its own words. Missing ones do not reject the
 * profile (the media may come later) but are errors for check. */
static void check_files(struct schema *s, struct profile *p, struct schema_pos r)
{
	check_file(s, p->kernel, "kernel (boot loader) file", schema_pos(s, "kernel", p, r));
	check_file(s, p->initrd, "initrd file", schema_pos(s, "initrd", p, r));
	check_file(s, p->firmware_code, "firmware code file", schema_pos(s, "code", p, r));
	if (p->firmware_vars && !path_exists(p->firmware_vars) && p->firmware_vars_template)
		check_file(s, p->firmware_vars_template, "firmware vars template", schema_pos(s, "vars_template", p, r));
	else
		check_file(s, p->firmware_vars, "firmware vars file", schema_pos(s, "vars", p, r));
	struct schema_pos pw = schema_pos(s, "password_file", p, r);
	check_file(s, p->vnc_password_file, "VNC password file", pw);
	check_vnc_password(s, p, pw);
	for (size_t i = 0; i < p->n_disks; i++) {
		struct profile_disk *d = &p->disks[i];
		struct schema_pos at = schema_pos(s, "file", d, (struct schema_pos){ d->line, d->col });
		if (d->size && d->file && !path_exists(d->file)) {
			char *sz = size_text(d->size);
			schema_report(s, SCHEMA_WARNING, at.line, at.col,
				      "disk '%s': %s will be created (%s, %s) at the first start", d->id, d->file,
				      d->format, sz);
			free(sz);
		} else
			check_file(s, d->file, "disk image", at);
	}
	if (p->install.present)
		check_file(s, p->install.file, "installer medium",
			   schema_pos(s, "file", &p->install, (struct schema_pos){ p->install.line, p->install.col }));
}

void profile_check(struct schema *s, struct profile *p, yaml_node_t *root)
{
	struct schema_pos r = schema_node_pos(root);
	check_name(s, p, r);
	if (p->n_disks > 64 || p->n_nics > 64)
		schema_report(s, E, r.line, r.col, "too many disks or NICs (at most 64 each)");
	set_defaults(s, p);
	check_needs(s, p, r);
	check_disks(s, p);
	check_nics(s, p);
	check_ids(s, p);
	check_install(s, p, r);
	check_vnc(s, p, r);
	check_files(s, p, r);
}
