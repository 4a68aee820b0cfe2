/* disk: a VM's disk images through qemu-img (see disk.h). */
#include "core/disk.h"
#include "core/loop.h"
#include "core/util.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif

char *disk_qemu_img(char **err)
{
	char *q = prog_find("qemu-img", "VMDECK_QEMU_IMG");
	if (!q) {
		const char *env = getenv("VMDECK_QEMU_IMG");
		error_kind_set(err, ERR_NOTFOUND, "qemu-img not found%s%s%s (Debian: apt install qemu-utils)",
			       env ? " (VMDECK_QEMU_IMG=" : "", env ? env : "", env ? ")" : "");
	}
	return q;
}

/* qemu-img's words on one line ("qemu-img: " cut, newlines as "; "). */
static char *one_line(const char *out, int status)
{
	if (!out || !*out)
		return xasprintf("qemu-img failed (exit status %d)", status);
	struct strbuf b = { 0 };
	for (const char *l = out; *l;) {
		const char *nl = strchr(l, '\n');
		size_t n = nl ? (size_t)(nl - l) : strlen(l);
		if (n >= 10 && strncmp(l, "qemu-img: ", 10) == 0) {
			l += 10;
			n -= 10;
		}
		if (n) {
			if (b.len)
				strbuf_adds(&b, "; ");
			strbuf_add(&b, l, n);
		}
		l += n + (nl ? 1 : 0);
	}
	return b.s ? b.s : xstrdup("qemu-img failed");
}

int disk_qemu_img_run(const char *const *args, size_t n, char **out, char **err)
{
	char *bin = disk_qemu_img(err);
	if (!bin)
		return -ERR_NOTFOUND;
	struct strv a;
	strv_init(&a);
	strv_push_owned(&a, bin);
	for (size_t i = 0; i < n; i++)
		strv_push(&a, args[i]);
	char *o = NULL;
	int st = prog_run(a.v, NULL, &o);
	strv_clear(&a);
	if (st == 0) {
		*out = o;
		return 0;
	}
	if (st < 0) {
		free(o);
		return error_set(err, "cannot run qemu-img: %s", strerror(errno));
	}
	*out = one_line(o, st);
	free(o);
	return -1;
}

bool disk_needs_create(const struct profile_disk *d) { return d->size && d->file && !path_exists(d->file); }

/* ---- creating a disk from its size: from the loop ----------------------
 * qemu-img create runs as a child; its exit is seen through a pidfd in the
 * loop (a 20 ms look when the kernel has no pidfd_open), its words read from
 * its pipe as they come, so a slow file system never holds the loop. */
struct disk_mk {
	struct loop *l;
	char *vm, *id, *file, *tmp;
	pid_t pid;
	int pidfd, out_fd;
	struct loop_timer *poll_timer;
	struct strbuf out;
	disk_mk_cb cb;
	void *arg;
};

static void mk_free(struct disk_mk *j)
{
	if (j->out_fd >= 0) {
		loop_fd_del(j->l, j->out_fd);
		close(j->out_fd);
	}
	if (j->pidfd >= 0) {
		loop_fd_del(j->l, j->pidfd);
		close(j->pidfd);
	}
	loop_timer_del(j->l, j->poll_timer);
	unlink(j->tmp); /* linked into place already, or never to be */
	free(j->out.s);
	free(j->vm);
	free(j->id);
	free(j->file);
	free(j->tmp);
	free(j);
}

static void mk_read(struct disk_mk *j)
{
	char buf[1024];
	ssize_t r;
	while (j->out_fd >= 0 && ((r = read(j->out_fd, buf, sizeof(buf))) > 0 || (r < 0 && errno == EINTR)))
		if (r > 0 && j->out.len < 16384)
			strbuf_add(&j->out, buf, (size_t)r);
}

static void on_mk_out(int fd, short rev, void *arg)
{
	(void)rev;
	struct disk_mk *j = arg;
	char buf[1024];
	ssize_t r = read(fd, buf, sizeof(buf));
	if (r > 0 && j->out.len < 16384)
		strbuf_add(&j->out, buf, (size_t)r);
	if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR)) {
		loop_fd_del(j->l, fd); /* the end of its output; the pidfd says when it exited */
		close(fd);
		j->out_fd = -1;
	}
}

/* qemu-img has exited (status st from waitpid): put the image in place,
 * or say why not; then report and go. */
static void mk_finish(struct disk_mk *j, int st)
{
	mk_read(j);
	char *err = NULL;
	int rc = 0;
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		char *words = j->out.len ? one_line(j->out.s, WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st))
					 : NULL;
		if (WIFSIGNALED(st))
			rc = error_set(&err, "qemu-img create: killed by signal %d", WTERMSIG(st));
		else
			rc = words ? error_set(&err, "qemu-img create: %s", words)
				   : error_set(&err, "qemu-img create: exit status %d, no message", WEXITSTATUS(st));
		free(words);
	} else if (link(j->tmp, j->file) < 0 && errno != EEXIST) {
		rc = error_set(&err, "cannot put it in place: %s", strerror(errno));
	}
	if (rc < 0)
		error_prefix(&err, "VM %s: disk '%s' (%s)", j->vm, j->id, j->file);
	disk_mk_cb cb = j->cb;
	void *arg = j->arg;
	mk_free(j);
	cb(rc, err, arg);
	free(err);
}

static void mk_check(struct disk_mk *j)
{
	int st;
	pid_t r = waitpid(j->pid, &st, WNOHANG); /* by its pid only: other children are others' */
	if (r == j->pid || (r < 0 && errno == ECHILD)) {
		if (r < 0)
			st = 0x7f00; /* reaped by someone else: exit 127, unknown */
		mk_finish(j, st);
	}
}

static void on_mk_pidfd(int fd, short rev, void *arg)
{
	(void)fd;
	(void)rev;
	mk_check(arg);
}

static void on_mk_tick(struct loop_timer *t, void *arg)
{
	(void)t;
	mk_check(arg);
}

int disk_mk_start(struct loop *l, const char *vm, const struct profile_disk *d, disk_mk_cb cb, void *arg,
		  struct disk_mk **out, char **err)
{
	*out = NULL;
	char *bin = disk_qemu_img(err);
	if (!bin) {
		error_prefix(err, "VM %s: disk '%s' (%s)", vm, d->id, d->file);
		return -ERR_NOTFOUND;
	}
	struct disk_mk *j = xcalloc(1, sizeof(*j));
	*j = (struct disk_mk){ .l = l, .vm = xstrdup(vm), .id = xstrdup(d->id), .file = xstrdup(d->file),
			       .pidfd = -1, .out_fd = -1, .cb = cb, .arg = arg };
	j->tmp = xasprintf("%s.vmdeck-new.%ld", d->file, (long)getpid());
	unlink(j->tmp); /* our own leftover of a killed run, if any */
	char size[24];
	snprintf(size, sizeof(size), "%llu", (unsigned long long)d->size);
	char *argv[] = { bin, "create", "-q", "-f", (char *)d->format, j->tmp, size, NULL };
	j->pid = prog_spawn(argv, &j->out_fd);
	free(bin);
	if (j->pid < 0) {
		int e = errno;
		j->out_fd = -1;
		mk_free(j);
		return error_set(err, "VM %s: disk '%s' (%s): cannot run qemu-img: %s", vm, d->id, d->file,
				 strerror(e));
	}
	loop_fd_add(l, j->out_fd, POLLIN, on_mk_out, j);
	j->pidfd = (int)syscall(SYS_pidfd_open, j->pid, 0);
	if (j->pidfd >= 0) {
		fcntl(j->pidfd, F_SETFD, FD_CLOEXEC);
		loop_fd_add(l, j->pidfd, POLLIN, on_mk_pidfd, j);
	} else {
		j->poll_timer = loop_timer_add(l, 20, true, on_mk_tick, j);
	}
	*out = j;
	return 0;
}

void disk_mk_cancel(struct disk_mk *j)
{
	if (!j)
		return;
	kill(j->pid, SIGKILL); /* our own child, by its pid */
	while (waitpid(j->pid, NULL, 0) < 0 && errno == EINTR)
		;
	mk_free(j); /* and its temporary file with it */
}

/* ---- ImageInfo --------------------------------------------------------- */

static const char *jstr(struct json_object *o, const char *key)
{
	struct json_object *v;
	return json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_string)
		       ? json_object_get_string(v)
		       : NULL;
}

static int64_t jint(struct json_object *o, const char *key)
{
	struct json_object *v;
	return json_object_object_get_ex(o, key, &v) ? json_object_get_int64(v) : 0;
}

static char *dup_or_null(const char *s) { return s ? xstrdup(s) : NULL; }

static void snaps_from_json(struct json_object *a, struct disk_image *out)
{
	if (!a || !json_object_is_type(a, json_type_array))
		return;
	size_t n = json_object_array_length(a);
	out->snaps = n ? xcalloc(n, sizeof(*out->snaps)) : NULL;
	for (size_t i = 0; i < n; i++) {
		struct json_object *s = json_object_array_get_idx(a, i);
		struct disk_snap *d = &out->snaps[out->n_snaps++];
		d->id = dup_or_null(jstr(s, "id"));
		d->tag = xstrdup(jstr(s, "name") ? jstr(s, "name") : "");
		d->vm_state_size = (uint64_t)jint(s, "vm-state-size");
		d->date_sec = jint(s, "date-sec");
		d->vm_clock_ns = (uint64_t)jint(s, "vm-clock-sec") * 1000000000ull + (uint64_t)jint(s, "vm-clock-nsec");
	}
}

int disk_image_from_json(struct json_object *o, struct disk_image *out, char **err)
{
	memset(out, 0, sizeof(*out));
	struct json_object *v;
	if (!o || !json_object_is_type(o, json_type_object) || !json_object_object_get_ex(o, "virtual-size", &v))
		return error_set(err, "not an image description (no virtual-size)");
	out->virtual_size = (uint64_t)json_object_get_int64(v);
	out->actual_size = (uint64_t)jint(o, "actual-size");
	out->filename = xstrdup(jstr(o, "filename") ? jstr(o, "filename") : "");
	out->format = xstrdup(jstr(o, "format") ? jstr(o, "format") : "");
	out->dirty = json_object_object_get_ex(o, "dirty-flag", &v) && json_object_get_boolean(v);
	out->backing_filename = dup_or_null(jstr(o, "backing-filename"));
	if (json_object_object_get_ex(o, "snapshots", &v))
		snaps_from_json(v, out);
	if (json_object_object_get_ex(o, "backing-image", &v)) {
		out->backing = xcalloc(1, sizeof(*out->backing));
		if (disk_image_from_json(v, out->backing, err) < 0) {
			disk_image_clear(out);
			return -1;
		}
	}
	return 0;
}

int disk_image_parse(const char *json, struct disk_image *out, char **err)
{
	memset(out, 0, sizeof(*out));
	struct json_object *o = json ? json_tokener_parse(json) : NULL;
	if (!o)
		return error_set(err, "qemu-img info printed no JSON: %.200s", json ? json : "");
	int rc = 0;
	if (json_object_is_type(o, json_type_array)) {
		/* Top first: link each to the next as its backing image. */
		size_t n = json_object_array_length(o);
		struct disk_image *at = out;
		for (size_t i = 0; i < n && rc == 0; i++) {
			if (i > 0)
				at = at->backing = xcalloc(1, sizeof(*at));
			rc = disk_image_from_json(json_object_array_get_idx(o, i), at, err);
		}
		if (n == 0)
			rc = error_set(err, "qemu-img info described no image");
	} else
		rc = disk_image_from_json(o, out, err);
	json_object_put(o);
	if (rc < 0)
		disk_image_clear(out);
	return rc;
}

void disk_image_clear(struct disk_image *img)
{
	if (!img)
		return;
	for (size_t i = 0; i < img->n_snaps; i++) {
		free(img->snaps[i].id);
		free(img->snaps[i].tag);
	}
	free(img->snaps);
	free(img->filename);
	free(img->format);
	free(img->backing_filename);
	if (img->backing) {
		disk_image_clear(img->backing);
		free(img->backing);
	}
	memset(img, 0, sizeof(*img));
}

int disk_info_read(const char *vm, const struct profile_disk *d, struct disk_image *out, char **err)
{
	memset(out, 0, sizeof(*out));
	if (!path_exists(d->file))
		return error_kind_set(err, ERR_NOTFOUND, "VM %s: disk '%s': %s does not exist%s", vm, d->id, d->file,
				      d->size ? " yet (it is created at the first start)" : "");
	const char *args[] = { "info", "--output=json", "--backing-chain", "-f", d->format, d->file };
	char *o = NULL;
	int rc = disk_qemu_img_run(args, ARRAY_LEN(args), &o, err);
	if (rc == -1 && o)
		error_set(err, "%s", o);
	else if (rc == 0)
		rc = disk_image_parse(o, out, err);
	free(o);
	if (rc < 0)
		return error_prefix(err, "VM %s: disk '%s' (%s)", vm, d->id, d->file), rc;
	return 0;
}

const char *disk_resize_problem(const struct profile_disk *d)
{
	if (d->readonly)
		return "it is readonly: true in the profile";
	if (d->snapshot)
		return "it is snapshot: true in the profile (QEMU throws its writes away)";
	return NULL;
}

int disk_resize_offline(const char *vm, const struct profile_disk *d, uint64_t size, char **err)
{
	const char *why = disk_resize_problem(d);
	if (why)
		return error_kind_set(err, ERR_INVALID, "VM %s: disk '%s' (%s): not resized: %s", vm, d->id, d->file,
				      why);
	struct disk_image img;
	int rc = disk_info_read(vm, d, &img, err);
	if (rc < 0)
		return rc;
	uint64_t cur = img.virtual_size;
	disk_image_clear(&img);
	if (size < cur) {
		char *a = size_text(cur), *b = size_text(size);
		error_kind_set(err, ERR_INVALID,
			       "VM %s: disk '%s' (%s): shrinking from %s to %s refused: it would cut off whatever the "
			       "guest keeps at the end of the disk; vmdeck only grows disks",
			       vm, d->id, d->file, a, b);
		free(a);
		free(b);
		return -ERR_INVALID;
	}
	if (size == cur)
		return 0;
	char *sz = xasprintf("%llu", (unsigned long long)size);
	const char *args[] = { "resize", "-q", "-f", d->format, d->file, sz };
	char *o = NULL;
	rc = disk_qemu_img_run(args, ARRAY_LEN(args), &o, err);
	if (rc == -1 && o)
		error_set(err, "qemu-img resize: %s", o);
	free(o);
	free(sz);
	if (rc < 0)
		return error_prefix(err, "VM %s: disk '%s' (%s)", vm, d->id, d->file), rc;
	return 0;
}

const struct profile_disk *disk_find(const struct profile *p, const char *which)
{
	for (size_t i = 0; i < p->n_disks; i++)
		if (p->disks[i].id && strcmp(p->disks[i].id, which) == 0)
			return &p->disks[i];
	for (size_t i = 0; i < p->n_disks; i++) {
		const char *f = p->disks[i].file;
		const char *base = f ? strrchr(f, '/') : NULL;
		if (f && (strcmp(f, which) == 0 || (base && strcmp(base + 1, which) == 0)))
			return &p->disks[i];
	}
	return NULL;
}

bool disk_snap_covers(const struct profile_disk *d) { return !d->readonly && !d->snapshot; }

const char *disk_snap_tag_problem(const char *tag)
{
	if (!tag || !*tag)
		return "is empty";
	if (strlen(tag) > 64)
		return "is longer than 64 characters";
	if (!isalnum((unsigned char)tag[0]))
		return "must start with a letter or a digit";
	for (const char *c = tag; *c; c++)
		if (!isalnum((unsigned char)*c) && !strchr("_-.:+", *c))
			return "may hold only letters, digits and _ - . : +";
	return NULL;
}

const struct disk_snap *disk_snap_find(const struct disk_image *img, const char *tag)
{
	for (size_t i = 0; img && i < img->n_snaps; i++)
		if (strcmp(img->snaps[i].tag, tag) == 0)
			return &img->snaps[i];
	return NULL;
}

int disk_snap_offline(const char *vm, const struct profile_disk *d, char op, const char *tag, char **err)
{
	const char *flag = op == 'c' ? "-c" : op == 'a' ? "-a" : "-d";
	/* qemu-img snapshot takes no -f: it probes, which is safe here (only
	 * qcow2 disks get this far; a raw image never reaches qemu-img). */
	if (strcmp(d->format, "qcow2") != 0)
		return error_set(err, "VM %s: disk '%s' (%s) is %s: only qcow2 images keep snapshots", vm, d->id, d->file,
				 d->format);
	const char *args[] = { "snapshot", "-q", flag, tag, d->file };
	char *o = NULL;
	int rc = disk_qemu_img_run(args, ARRAY_LEN(args), &o, err);
	if (rc == -1 && o)
		error_set(err, "qemu-img snapshot %s %s: %s", flag, tag, o);
	free(o);
	if (rc < 0)
		return error_prefix(err, "VM %s: disk '%s' (%s)", vm, d->id, d->file), rc;
	return 0;
}
