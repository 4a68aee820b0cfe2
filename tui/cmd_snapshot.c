/* cmd_snapshot: `vmdeck snapshot NAME` lists a VM's internal snapshots;
 * create / revert / delete act on every disk the guest writes. A running
 * VM: QMP snapshot-save / snapshot-load / snapshot-delete jobs (memory and
 * disks), or a transaction of blockdev-snapshot-internal-sync (--disk-only);
 * a stopped VM: qemu-img snapshot. What cannot work is refused before
 * anything is touched, with the reason. */
#include "core/disk.h"
#include "core/util.h"
#include "tui/cmd.h"
#include "tui/cmd_list.h"
#include "tui/cmd_storage.h"

#include <getopt.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define SNAP_USAGE                                                                                                     \
	"NAME [--json] | NAME create TAG [--disk-only] | NAME revert TAG [--yes] | NAME delete TAG  [--timeout SECONDS]"
#define MAX_DISKS 64
#define LOST_WAIT_MS 3000

struct snapv {
	struct stor s;
	struct disk_image img[MAX_DISKS];
	bool have[MAX_DISKS]; /* img[i] was read (a disk not made yet has none) */
	unsigned timeout_s;
	bool lost; /* a job's QEMU stopped answering (killed, crashed) */
};

static void snapv_close(struct snapv *v)
{
	for (size_t i = 0; i < MAX_DISKS; i++)
		disk_image_clear(&v->img[i]);
	stor_close(&v->s);
}

/* Open the VM and read every disk's image. EXIT_OK or an exit code (said). */
static int snapv_open(struct snapv *v, const char *verb, const char *name)
{
	int rc = stor_open(&v->s, verb, name);
	for (size_t i = 0; rc == EXIT_OK && i < v->s.p->n_disks && i < MAX_DISKS; i++) {
		const struct profile_disk *d = &v->s.p->disks[i];
		if (!stor_live(&v->s) && disk_needs_create(d))
			continue;
		char *err = NULL;
		int r = stor_image(&v->s, d, &v->img[i], &err);
		if (r < 0) {
			cmd_error("%s: %s", verb, err);
			rc = cmd_exit_code(r) == EXIT_NOTFOUND ? EXIT_NOTFOUND : EXIT_FAIL;
		}
		v->have[i] = r == 0;
		free(err);
	}
	return rc;
}

/* ---- list ------------------------------------------------------------------ */

static void list_print(struct snapv *v, bool json)
{
	const struct profile *p = v->s.p;
	struct json_object *arr = json_object_new_array();
	for (size_t i = 0; i < p->n_disks && i < MAX_DISKS; i++)
		for (size_t k = 0; v->have[i] && k < v->img[i].n_snaps; k++) {
			const struct disk_snap *sn = &v->img[i].snaps[k];
			struct json_object *o = NULL, *disks;
			for (size_t j = 0; j < json_object_array_length(arr); j++) {
				struct json_object *e = json_object_array_get_idx(arr, j), *t;
				json_object_object_get_ex(e, "tag", &t);
				if (strcmp(json_object_get_string(t), sn->tag) == 0)
					o = e;
			}
			if (!o) {
				o = json_object_new_object();
				json_object_object_add(o, "tag", json_object_new_string(sn->tag));
				json_object_object_add(o, "date", json_object_new_int64(sn->date_sec));
				json_object_object_add(o, "vm_state_size", json_object_new_int64(0));
				json_object_object_add(o, "disks", json_object_new_array());
				json_object_array_add(arr, o);
			}
			if (sn->vm_state_size)
				json_object_object_add(o, "vm_state_size", json_object_new_int64((int64_t)sn->vm_state_size));
			json_object_object_get_ex(o, "disks", &disks);
			json_object_array_add(disks, json_object_new_string(p->disks[i].id));
		}
	if (json) {
		printf("%s\n", json_object_to_json_string_ext(arr, JSON_C_TO_STRING_PRETTY));
		json_object_put(arr);
		return;
	}
	size_t n = json_object_array_length(arr);
	printf("%s: %s, %zu snapshot%s\n", vm_name(v->s.vm), vm_status_text(v->s.vm), n, n == 1 ? "" : "s");
	for (size_t j = 0; j < n; j++) {
		struct json_object *e = json_object_array_get_idx(arr, j), *t, *d, *vs, *disks;
		json_object_object_get_ex(e, "tag", &t);
		json_object_object_get_ex(e, "date", &d);
		json_object_object_get_ex(e, "vm_state_size", &vs);
		json_object_object_get_ex(e, "disks", &disks);
		char when[32] = "-";
		time_t tt = (time_t)json_object_get_int64(d);
		struct tm tm;
		if (tt && localtime_r(&tt, &tm))
			strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S", &tm);
		char *sz = size_text((uint64_t)json_object_get_int64(vs));
		printf("%-24s %s  %-16s", json_object_get_string(t), when,
		       json_object_get_int64(vs) ? sz : "disk only");
		for (size_t k = 0; k < json_object_array_length(disks); k++)
			printf(" %s", json_object_get_string(json_object_array_get_idx(disks, k)));
		printf("\n");
		free(sz);
	}
	json_object_put(arr);
}

/* ---- jobs ------------------------------------------------------------------ */

/* Run a snapshot-* job to its end, by its events (cmd_snapjob.c). */
static int run_job(struct snapv *v, const char *cmd, struct json_object *args, const char *what, char **err)
{
	bool lost = false;
	char *sock = path_join(vm_dir(v->s.vm), "ctl.sock");
	int rc = snapjob_run(v->s.l, vm_name(v->s.vm), sock, cmd, args, what, v->timeout_s, &lost, err);
	free(sock);
	v->lost = lost;
	return rc;
}

/* The block nodes of the picked disks, for a job's "devices" (and the
 * vmstate disk's in *vmstate_node when vmstate >= 0). NULL with err when
 * the running QEMU lacks one. */
static struct json_object *devices_json(struct snapv *v, const bool *pick, int vmstate, const char **vmstate_node,
					char **err)
{
	const struct profile *p = v->s.p;
	struct json_object *a = json_object_new_array();
	for (size_t i = 0; i < p->n_disks && i < MAX_DISKS; i++) {
		if (!pick[i] && (int)i != vmstate)
			continue;
		const char *node = stor_node(&v->s, p->disks[i].id);
		if (!node) {
			json_object_put(a);
			error_set(err, "VM %s: disk '%s' (%s): the running QEMU has no such drive", vm_name(v->s.vm),
				  p->disks[i].id, p->disks[i].file);
			return NULL;
		}
		if ((int)i == vmstate)
			*vmstate_node = node;
		if (pick[i])
			json_object_array_add(a, json_object_new_string(node));
	}
	return a;
}

/* The arguments of a snapshot job: {tag, vmstate (the vmstate disk's node,
 * when vmstate >= 0), devices (the picked disks' nodes)}; NULL with err. */
static struct json_object *job_args(struct snapv *v, const char *tag, const bool *pick, int vmstate, char **err)
{
	const char *vm_node = NULL;
	struct json_object *devs = devices_json(v, pick, vmstate, &vm_node, err);
	if (!devs)
		return NULL;
	struct json_object *args = json_object_new_object();
	json_object_object_add(args, "tag", json_object_new_string(tag));
	if (vm_node)
		json_object_object_add(args, "vmstate", json_object_new_string(vm_node));
	json_object_object_add(args, "devices", devs);
	return args;
}

/* ---- create ---------------------------------------------------------------- */

/* Which disks a snapshot covers; refused (-1, *err) when one cannot keep
 * snapshots or the tag is taken. */
static int pick_disks(struct snapv *v, const char *tag, bool *pick, char **err)
{
	const struct profile *p = v->s.p;
	size_t n = 0;
	for (size_t i = 0; i < p->n_disks && i < MAX_DISKS; i++) {
		const struct profile_disk *d = &p->disks[i];
		pick[i] = disk_snap_covers(d);
		if (!pick[i])
			continue;
		if (strcmp(d->format, "qcow2") != 0)
			return error_set(err,
					 "VM %s: disk '%s' (%s) is %s: only qcow2 images keep snapshots (convert it "
					 "with the VM stopped: qemu-img convert -O qcow2 %s NEW.qcow2, then point the "
					 "profile at NEW.qcow2)",
					 vm_name(v->s.vm), d->id, d->file, d->format, d->file);
		if (!v->have[i])
			return error_set(err, "VM %s: disk '%s' (%s) does not exist yet", vm_name(v->s.vm), d->id,
					 d->file);
		if (disk_snap_find(&v->img[i], tag))
			return error_set(err, "VM %s: disk '%s' (%s) already has a snapshot '%s': pick another tag, or "
					      "delete it first (vmdeck snapshot %s delete %s)",
					 vm_name(v->s.vm), d->id, d->file, tag, vm_name(v->s.vm), tag);
		n++;
	}
	if (!n)
		return error_set(err, "VM %s has no disk the guest writes: nothing to snapshot", vm_name(v->s.vm));
	return 0;
}

/* Why the VM's memory cannot be saved with its disks, or 0. */
static int live_blockers(struct snapv *v, char **err)
{
	const struct profile *p = v->s.p;
	if (p->firmware_vars)
		return error_set(err,
				 "VM %s: its UEFI vars (%s) are a raw pflash image, which cannot keep a snapshot: "
				 "QEMU could not restore them with the VM's memory",
				 vm_name(v->s.vm), p->firmware_vars);
	struct json_object *m = NULL, *br;
	if (stor_qmp(&v->s, "query-migrate", NULL, &m, err) < 0)
		return -1;
	int rc = 0;
	if (json_object_object_get_ex(m, "blocked-reasons", &br) && json_object_array_length(br) > 0) {
		struct strbuf b = { 0 };
		for (size_t i = 0; i < json_object_array_length(br); i++)
			strbuf_addf(&b, "%s%s", i ? "; " : "", json_object_get_string(json_object_array_get_idx(br, i)));
		rc = error_set(err, "VM %s: QEMU cannot save its state: %s", vm_name(v->s.vm), b.s);
		free(b.s);
	}
	json_object_put(m);
	return rc;
}

/* The disks of pick that hold tag after QEMU died (qemu-img info: QEMU's
 * image locks go with the process, retried for LOST_WAIT_MS while the
 * kernel closes its files), as "'id' (file)" items; *unread the ones not
 * read. */
static void lost_scan(struct snapv *v, const char *tag, const bool *pick, struct strbuf *left, struct strbuf *unread)
{
	const struct profile *p = v->s.p;
	for (size_t i = 0; i < p->n_disks && i < MAX_DISKS; i++) {
		if (!pick[i])
			continue;
		const struct profile_disk *d = &p->disks[i];
		struct disk_image im;
		char *e = NULL;
		uint64_t until = now_mono_us() + LOST_WAIT_MS * 1000ull;
		int r;
		while ((r = disk_info_read(vm_name(v->s.vm), d, &im, &e)) < 0 && now_mono_us() < until) {
			free(e);
			e = NULL;
			loop_run_once(v->s.l, 50);
		}
		struct strbuf *b = r < 0 ? unread : disk_snap_find(&im, tag) ? left : NULL;
		if (b)
			strbuf_addf(b, "%s'%s' (%s)", b->s ? ", " : "", d->id, d->file);
		if (r == 0)
			disk_image_clear(&im);
		free(e);
	}
}

/* QEMU went away in the middle of snapshot-save: say so, naming the VM and
 * the tag, and what it left on the disks — no snapshot, or one that may lack
 * part of its VM state (QEMU writes the state first, then the disks'
 * snapshot entries). */
static void after_lost(struct snapv *v, const char *tag, const bool *pick, char **err)
{
	struct strbuf left = { 0 }, unread = { 0 };
	lost_scan(v, tag, pick, &left, &unread);
	const char *vm = vm_name(v->s.vm);
	char *why = *err;
	*err = NULL;
	if (left.s)
		error_set(err,
			  "VM %s: QEMU exited during snapshot '%s' (%s); the VM is not running (vmdeck start %s). It "
			  "left a snapshot '%s' on disk %s that may be incomplete: delete it (vmdeck snapshot %s delete "
			  "%s)",
			  vm, tag, why, vm, tag, left.s, vm, tag);
	else if (unread.s)
		error_set(err,
			  "VM %s: QEMU exited during snapshot '%s' (%s); the VM is not running (vmdeck start %s). Disk "
			  "%s could not be read: look for a snapshot '%s' there (vmdeck snapshot %s)",
			  vm, tag, why, vm, unread.s, tag, vm);
	else
		error_set(err,
			  "VM %s: QEMU exited during snapshot '%s' (%s); the VM is not running (vmdeck start %s). No "
			  "snapshot '%s' was made",
			  vm, tag, why, vm, tag);
	free(why);
	free(left.s);
	free(unread.s);
}

static int create_live(struct snapv *v, const char *tag, const bool *pick, bool disk_only, char **err)
{
	const struct profile *p = v->s.p;
	if (disk_only) {
		struct json_object *acts = json_object_new_array();
		for (size_t i = 0; i < p->n_disks && i < MAX_DISKS; i++) {
			if (!pick[i])
				continue;
			struct json_object *a = json_object_new_object(), *d = json_object_new_object();
			json_object_object_add(d, "device", json_object_new_string(p->disks[i].id));
			json_object_object_add(d, "name", json_object_new_string(tag));
			json_object_object_add(a, "type", json_object_new_string("blockdev-snapshot-internal-sync"));
			json_object_object_add(a, "data", d);
			json_object_array_add(acts, a);
		}
		struct json_object *args = json_object_new_object();
		json_object_object_add(args, "actions", acts);
		return stor_qmp(&v->s, "transaction", args, NULL, err);
	}
	if (live_blockers(v, err) < 0) {
		char *why = *err;
		*err = NULL;
		error_set(err, "a snapshot with the VM's memory cannot work: %s. A disk-only snapshot can: vmdeck snapshot %s "
			       "create %s --disk-only",
			  why, vm_name(v->s.vm), tag);
		free(why);
		return -1;
	}
	int first = 0;
	while (!pick[first])
		first++;
	struct json_object *args = job_args(v, tag, pick, first, err);
	if (!args)
		return -1;
	/* The VM state goes to the first disk: a full file system shows there. */
	char *what = xasprintf("snapshot-save (VM state to disk '%s', %s)", p->disks[first].id, p->disks[first].file);
	int rc = run_job(v, "snapshot-save", args, what, err);
	free(what);
	if (rc < 0 && v->lost)
		after_lost(v, tag, pick, err);
	return rc;
}

/* Stopped: each disk in turn; a failure deletes the tag again from the
 * disks done before it (all or nothing). */
static int create_offline(struct snapv *v, const char *tag, const bool *pick, char **err)
{
	const struct profile *p = v->s.p;
	for (size_t i = 0; i < p->n_disks && i < MAX_DISKS; i++) {
		if (!pick[i] || disk_snap_offline(vm_name(v->s.vm), &p->disks[i], 'c', tag, err) == 0)
			continue;
		for (size_t j = 0; j < i; j++)
			if (pick[j])
				disk_snap_offline(vm_name(v->s.vm), &p->disks[j], 'd', tag, NULL);
		return -1;
	}
	return 0;
}

static int snap_create(struct snapv *v, const char *tag, bool disk_only, char **err)
{
	bool pick[MAX_DISKS];
	if (pick_disks(v, tag, pick, err) < 0)
		return -1;
	bool live = stor_live(&v->s);
	int rc = live ? create_live(v, tag, pick, disk_only, err) : create_offline(v, tag, pick, err);
	if (rc == 0)
		printf("%s: snapshot '%s' created (%s)\n", vm_name(v->s.vm), tag,
		       live && !disk_only ? "memory and disks" : "disks only");
	return rc;
}

/* ---- revert, delete -------------------------------------------------------- */

/* The covered disks that have tag (pick); -ERR_NOTFOUND when none has it.
 * all: every covered disk must have it (a revert of half the disks would
 * leave a guest whose disks disagree). *vmstate: the disk holding the VM
 * state, or -1. */
static int find_tag(struct snapv *v, const char *tag, bool all, bool *pick, int *vmstate, char **err)
{
	const struct profile *p = v->s.p;
	size_t n = 0;
	*vmstate = -1;
	for (size_t i = 0; i < p->n_disks && i < MAX_DISKS; i++) {
		const struct disk_snap *sn = v->have[i] && disk_snap_covers(&p->disks[i]) ? disk_snap_find(&v->img[i], tag)
											     : NULL;
		pick[i] = sn != NULL;
		n += pick[i];
		if (sn && sn->vm_state_size && *vmstate < 0)
			*vmstate = (int)i;
	}
	if (!n)
		return error_kind_set(err, ERR_NOTFOUND, "VM %s has no snapshot '%s' (list them: vmdeck snapshot %s)",
				      vm_name(v->s.vm), tag, vm_name(v->s.vm));
	for (size_t i = 0; all && i < p->n_disks && i < MAX_DISKS; i++)
		if (disk_snap_covers(&p->disks[i]) && !pick[i])
			return error_set(err, "VM %s: disk '%s' (%s) has no snapshot '%s': reverting the others alone would "
					      "leave disks that disagree; nothing was changed",
					 vm_name(v->s.vm), p->disks[i].id, p->disks[i].file, tag);
	return 0;
}

static bool confirm(const char *q)
{
	if (!isatty(0))
		return false;
	fprintf(stderr, "%s [y/N] ", q);
	char line[16] = "";
	if (!fgets(line, sizeof line, stdin))
		return false;
	return line[0] == 'y' || line[0] == 'Y';
}

static int snap_revert(struct snapv *v, const char *tag, bool yes, char **err)
{
	bool pick[MAX_DISKS];
	int vmstate, rc = find_tag(v, tag, true, pick, &vmstate, err);
	if (rc < 0)
		return rc;
	const struct profile *p = v->s.p;
	if (!stor_live(&v->s)) {
		for (size_t i = 0; i < p->n_disks && i < MAX_DISKS; i++)
			if (pick[i] && disk_snap_offline(vm_name(v->s.vm), &p->disks[i], 'a', tag, err) < 0)
				return -1;
		printf("%s: disks reverted to snapshot '%s'\n", vm_name(v->s.vm), tag);
		return 0;
	}
	if (vmstate < 0)
		return error_set(err, "VM %s: '%s' is a disk-only snapshot: revert it with the VM stopped (vmdeck stop %s)",
				 vm_name(v->s.vm), tag, vm_name(v->s.vm));
	char *q = xasprintf("Revert running VM %s to snapshot '%s'? Its memory and disk writes since then are lost.",
			    vm_name(v->s.vm), tag);
	bool ok = yes || confirm(q);
	free(q);
	if (!ok)
		return error_set(err, "VM %s: revert of a running VM not confirmed (answer y, or pass --yes)",
				 vm_name(v->s.vm));
	struct json_object *args = job_args(v, tag, pick, vmstate, err);
	if (!args)
		return -1;
	if (run_job(v, "snapshot-load", args, "snapshot-load", err) < 0)
		return -1;
	printf("%s: reverted to snapshot '%s' (memory and disks)\n", vm_name(v->s.vm), tag);
	return 0;
}

static int snap_delete(struct snapv *v, const char *tag, char **err)
{
	bool pick[MAX_DISKS];
	int vmstate, rc = find_tag(v, tag, false, pick, &vmstate, err);
	if (rc < 0)
		return rc;
	const struct profile *p = v->s.p;
	if (stor_live(&v->s)) {
		struct json_object *args = job_args(v, tag, pick, -1, err);
		if (!args)
			return -1;
		rc = run_job(v, "snapshot-delete", args, "snapshot-delete", err);
	} else {
		for (size_t i = 0; rc == 0 && i < p->n_disks && i < MAX_DISKS; i++)
			if (pick[i])
				rc = disk_snap_offline(vm_name(v->s.vm), &p->disks[i], 'd', tag, err);
	}
	if (rc == 0)
		printf("%s: snapshot '%s' deleted\n", vm_name(v->s.vm), tag);
	return rc;
}

/* ---- the verb ------------------------------------------------------------- */

struct snap_opts {
	bool json, disk_only, yes;
	unsigned long long timeout_s;
};

static int snap_act(const char *name, const char *act, const char *tag, const struct snap_opts *o)
{
	const char *why = disk_snap_tag_problem(tag);
	if (why) {
		cmd_error("snapshot: tag '%s' %s", tag, why);
		return EXIT_USAGE;
	}
	if (cmd_read_only) {
		cmd_error("snapshot %s: refused in --read-only mode", act);
		return EXIT_PERM;
	}
	struct snapv v = { .timeout_s = (unsigned)o->timeout_s };
	int rc = snapv_open(&v, "snapshot", name);
	if (rc == EXIT_OK) {
		char *err = NULL;
		int r = strcmp(act, "create") == 0   ? snap_create(&v, tag, o->disk_only, &err)
			: strcmp(act, "revert") == 0 ? snap_revert(&v, tag, o->yes, &err)
						     : snap_delete(&v, tag, &err);
		if (r < 0) {
			cmd_error("snapshot %s: %s", act, err ? err : "failed");
			rc = cmd_exit_code(r);
		}
		free(err);
	}
	snapv_close(&v);
	return rc;
}

static int cmd_snapshot(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },	 { "disk-only", no_argument, NULL, 'd' },
		{ "yes", no_argument, NULL, 'y' },	 { "timeout", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },	 { 0 },
	};
	struct snap_opts o = { .timeout_s = 600 };
	int c;
	while ((c = getopt_long(argc, argv, "jdyt:h", opts, NULL)) != -1) {
		switch (c) {
		case 'j': o.json = true; break;
		case 'd': o.disk_only = true; break;
		case 'y': o.yes = true; break;
		case 't':
			if (!cmd_uint_opt("snapshot", "--timeout", optarg, 1, 86400, &o.timeout_s))
				return EXIT_USAGE;
			break;
		case 'h': printf("usage: vmdeck snapshot " SNAP_USAGE "\n"); return EXIT_OK;
		default: return EXIT_USAGE;
		}
	}
	int n = argc - optind;
	char **a = argv + optind;
	if (n >= 1 && !cmd_vm_name_ok("snapshot", a[0]))
		return EXIT_USAGE;
	if (n == 1) {
		struct snapv v = { 0 };
		int rc = snapv_open(&v, "snapshot", a[0]);
		if (rc == EXIT_OK)
			list_print(&v, o.json);
		snapv_close(&v);
		return rc;
	}
	if (n == 3 && (strcmp(a[1], "create") == 0 || strcmp(a[1], "revert") == 0 || strcmp(a[1], "delete") == 0))
		return snap_act(a[0], a[1], a[2], &o);
	cmd_error("usage: vmdeck snapshot " SNAP_USAGE);
	return EXIT_USAGE;
}

const struct cmd_entry cmd_snapshot_entry = {
	"snapshot", SNAP_USAGE, "a VM's snapshots: list, create (live with memory, or disk-only), revert, delete",
	cmd_snapshot,
};
