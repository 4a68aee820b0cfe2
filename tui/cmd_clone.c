/* cmd_clone: `vmdeck clone SRC NEW [--linked] [--out DIR] [--from-snapshot
 * TAG]` — a new VM from SRC: its own name, MACs, TAPs and runtime dir, its
 * own copies of the disks the guest writes (qemu-img convert; or qcow2
 * overlays on SRC's disks with --linked) and of the UEFI vars. Everything
 * is made under temporary names and linked into place (never over an
 * existing file), the profile last; a failure removes what this clone
 * made. SRC is only read. */
#include "core/clone.h"
#include "core/disk.h"
#include "core/util.h"
#include "tui/cmd.h"
#include "tui/cmd_list.h"
#include "tui/cmd_storage.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CLONE_USAGE "SRC NEW [--linked] [--out DIR] [--from-snapshot TAG]"

struct clone_job {
	const struct profile *src;
	const char *name, *tag;
	bool linked, live;
	char *dir;
	char **files;   /* per source disk: the new file, or NULL (shared: readonly / snapshot: true) */
	bool *linked_v; /* per source disk */
	char *vars;
	struct strv made; /* files in place so far (removed on failure) */
};

static void job_clear(struct clone_job *j, bool failed)
{
	for (size_t i = 0; failed && i < j->made.n; i++)
		unlink(j->made.v[i]);
	strv_clear(&j->made);
	for (size_t i = 0; j->src && i < j->src->n_disks; i++)
		free(j->files[i]);
	free(j->files);
	free(j->linked_v);
	free(j->vars);
	free(j->dir);
}

/* tmp (ours) into place at path, never over an existing file. */
static int put_in_place(struct clone_job *j, const char *tmp, const char *path, char **err)
{
	int rc = link(tmp, path) < 0 ? error_set(err, "cannot put %s in place: %s", path, strerror(errno)) : 0;
	unlink(tmp);
	if (rc == 0)
		strv_push(&j->made, path);
	return rc;
}

static int copy_disk(struct clone_job *j, size_t i, char **err)
{
	const struct profile_disk *d = &j->src->disks[i];
	char *tmp = xasprintf("%s.vmdeck-new.%ld", j->files[i], (long)getpid());
	unlink(tmp);
	struct strv a;
	strv_init(&a);
	if (j->linked) {
		const char *v[] = { "create", "-q", "-f", "qcow2", "-b", d->file, "-F", d->format, tmp };
		for (size_t k = 0; k < ARRAY_LEN(v); k++)
			strv_push(&a, v[k]);
	} else {
		const char *v[] = { "convert", "-f", d->format, "-O", d->format };
		for (size_t k = 0; k < ARRAY_LEN(v); k++)
			strv_push(&a, v[k]);
		if (j->tag) {
			/* SRC may run: read its image without taking its lock. */
			strv_push(&a, "-U");
			strv_push(&a, "-l");
			strv_pushf(&a, "snapshot.name=%s", j->tag);
		}
		strv_push(&a, d->file);
		strv_push(&a, tmp);
	}
	fprintf(stderr, "%s: disk '%s': %s %s\n", j->name, d->id, j->linked ? "overlay on" : "copying", d->file);
	char *out = NULL;
	int rc = disk_qemu_img_run((const char *const *)a.v, a.n, &out, err);
	if (rc == -1 && out)
		error_set(err, "qemu-img %s: %s", a.v[0], out);
	strv_clear(&a);
	free(out);
	if (rc == 0)
		rc = put_in_place(j, tmp, j->files[i], err);
	unlink(tmp); /* a failed or interrupted qemu-img's part */
	free(tmp);
	if (rc < 0)
		return error_prefix(err, "VM %s: disk '%s' (%s)", j->src->name, d->id, d->file), rc;
	return 0;
}

/* Decide every new file; refuse what cannot work before anything is made. */
static int plan(struct clone_job *j, char **err)
{
	const struct profile *p = j->src;
	j->files = xcalloc(p->n_disks + 1, sizeof(*j->files));
	j->linked_v = xcalloc(p->n_disks + 1, sizeof(*j->linked_v));
	for (size_t i = 0; i < p->n_disks; i++) {
		const struct profile_disk *d = &p->disks[i];
		if (!disk_snap_covers(d))
			continue; /* read-only for the guest: both VMs share it */
		const char *ext = j->linked ? "qcow2" : strcmp(d->format, "raw") == 0 ? "img" : d->format;
		j->files[i] = xasprintf("%s/%s-%s.%s", j->dir, j->name, d->id, ext);
		j->linked_v[i] = j->linked;
		if (path_exists(j->files[i]))
			return error_set(err, "%s exists: vmdeck never overwrites a disk", j->files[i]);
		if (!path_exists(d->file) && !(d->size && !j->linked))
			return error_kind_set(err, ERR_NOTFOUND, "VM %s: disk '%s': %s does not exist", p->name, d->id,
					      d->file);
		if (j->tag && strcmp(d->format, "qcow2") != 0)
			return error_set(err, "VM %s: disk '%s' (%s) is %s: it has no snapshot '%s'", p->name, d->id,
					 d->file, d->format, j->tag);
	}
	if (p->firmware_vars) {
		j->vars = xasprintf("%s/%s-vars.fd", j->dir, j->name);
		if (path_exists(j->vars))
			return error_set(err, "%s exists: vmdeck never overwrites UEFI vars", j->vars);
	}
	return 0;
}

static int write_new(struct clone_job *j, const char *path, const char *data, size_t len, char **err)
{
	char *tmp = xasprintf("%s.vmdeck-new.%ld", path, (long)getpid());
	unlink(tmp);
	int rc = file_write_atomic(tmp, data, len, 0600, err);
	if (rc == 0)
		rc = put_in_place(j, tmp, path, err);
	unlink(tmp);
	free(tmp);
	return rc;
}

static int make_clone(struct clone_job *j, const char *yaml_path, char **err)
{
	const struct profile *p = j->src;
	for (size_t i = 0; i < p->n_disks; i++)
		if (j->files[i] && path_exists(p->disks[i].file) && copy_disk(j, i, err) < 0)
			return -1;
	if (j->vars && path_exists(p->firmware_vars)) {
		size_t len;
		char *data = file_read_all(p->firmware_vars, &len);
		if (!data)
			return error_set(err, "VM %s: cannot read its UEFI vars %s: %s", p->name, p->firmware_vars,
					 strerror(errno));
		int rc = write_new(j, j->vars, data, len, err);
		free(data);
		if (rc < 0)
			return -1;
	}
	size_t len;
	char *text = file_read_all(p->path, &len), *out = NULL;
	if (!text)
		return error_set(err, "cannot read %s: %s", p->path, strerror(errno));
	char *sd = xstrdup(p->path), *real = realpath(dirname(sd), NULL);
	struct clone_plan cp = { .name = j->name, .disk_file = (const char *const *)j->files,
				 .disk_linked = j->linked_v, .vars = j->vars,
				 .absolute_paths = !real || strcmp(real, j->dir) != 0 };
	free(real);
	free(sd);
	int rc = clone_profile_yaml(text, len, p, &cp, &out, err);
	free(text);
	if (rc == 0)
		rc = write_new(j, yaml_path, out, strlen(out), err);
	free(out);
	return rc;
}

static int clone_run(const char *src, const char *name, const char *out_dir, const char *tag, bool linked)
{
	struct stor s;
	int rc = stor_open(&s, "clone", src);
	struct clone_job j = { .name = name, .tag = tag, .linked = linked };
	strv_init(&j.made);
	char *err = NULL, *yaml = NULL;
	if (rc == EXIT_OK) {
		j.src = s.p;
		char *pd = xstrdup(s.p->path);
		/* Absolute: the new profile names its disks by full path. */
		if (out_dir && mkdir_p(out_dir, 0755, &err) < 0)
			rc = -1;
		j.dir = realpath(out_dir ? out_dir : dirname(pd), NULL);
		if (!j.dir && rc == EXIT_OK)
			rc = error_set(&err, "%s: %s", out_dir ? out_dir : pd, strerror(errno));
		free(pd);
		if (!j.dir)
			j.dir = xstrdup("."); /* for the messages below; nothing is made */
		yaml = xasprintf("%s/%s.yaml", j.dir, name);
		if (rc < 0)
			; /* the out dir: said below */
		else if (stor_live(&s) && !tag)
			rc = error_set(&err, "VM %s is running: its disks change under a copy; stop it, or clone a "
					     "snapshot of it (--from-snapshot TAG)", src);
		else if (vmm_find(s.m, name) || profile_set_find(vmm_profiles(s.m), name))
			rc = error_set(&err, "a VM named '%s' exists already", name);
		else if (path_exists(yaml))
			rc = error_set(&err, "%s exists: vmdeck never overwrites a profile", yaml);
		else if (plan(&j, &err) < 0 || make_clone(&j, yaml, &err) < 0)
			rc = -1;
		if (rc < 0) {
			cmd_error("clone: %s", err);
			rc = EXIT_FAIL;
		}
	}
	if (rc == EXIT_OK) {
		printf("%s: wrote %s (%s clone of %s%s%s)\n", name, yaml, linked ? "linked" : "full", src,
		       tag ? ", snapshot " : "", tag ? tag : "");
		if (s.p->vnc && strcmp(s.p->vnc, "unix") != 0)
			printf("%s: its VNC display is on a UNIX socket (%s's TCP display %s would clash)\n", name, src,
			       s.p->vnc);
		if (s.p->autostart)
			printf("%s: autostart is off (%s starts at boot; say autostart: true in %s when %s should too)\n",
			       name, src, yaml, name);
		for (size_t i = 0; i < s.p->n_nics; i++)
			if (s.p->nics[i].n_forwards)
				printf("%s: NIC '%s' keeps %s's %zu port forward(s): the two cannot run at the same time "
				       "until %s's host ports change\n",
				       name, s.p->nics[i].id, src, s.p->nics[i].n_forwards, name);
	}
	job_clear(&j, rc != EXIT_OK);
	free(yaml);
	free(err);
	stor_close(&s);
	return rc;
}

static int cmd_clone(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "linked", no_argument, NULL, 'l' },		 { "out", required_argument, NULL, 'o' },
		{ "from-snapshot", required_argument, NULL, 's' }, { "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	bool linked = false;
	const char *out = NULL, *tag = NULL;
	int c;
	while ((c = getopt_long(argc, argv, "lo:s:h", opts, NULL)) != -1) {
		switch (c) {
		case 'l': linked = true; break;
		case 'o': out = optarg; break;
		case 's': tag = optarg; break;
		case 'h': printf("usage: vmdeck clone " CLONE_USAGE "\n"); return EXIT_OK;
		default: return EXIT_USAGE;
		}
	}
	if (argc - optind != 2) {
		cmd_error("usage: vmdeck clone " CLONE_USAGE);
		return EXIT_USAGE;
	}
	const char *src = argv[optind], *name = argv[optind + 1];
	if (!cmd_vm_name_ok("clone", src) || !cmd_vm_name_ok("clone", name))
		return EXIT_USAGE;
	const char *why = tag ? disk_snap_tag_problem(tag) : NULL;
	if (why) {
		cmd_error("clone: --from-snapshot: tag '%s' %s", tag, why);
		return EXIT_USAGE;
	}
	if (linked && tag) {
		cmd_error("clone: --linked and --from-snapshot do not go together: an overlay sees its base as it is "
			  "now, not a snapshot of it; make a full clone of the snapshot");
		return EXIT_USAGE;
	}
	if (cmd_read_only) {
		cmd_error("clone: refused in --read-only mode");
		return EXIT_PERM;
	}
	return clone_run(src, name, out, tag, linked);
}

const struct cmd_entry cmd_clone_entry = {
	"clone", CLONE_USAGE, "a new VM from another: own name, MACs, TAPs; disks copied or linked (qcow2 overlay)",
	cmd_clone,
};
