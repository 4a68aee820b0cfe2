/* cmd_disk: `vmdeck disk NAME` lists a VM's disks (format, sizes, backing
 * chain, snapshots); `vmdeck disk resize NAME DISK SIZE` grows one, offline
 * with qemu-img, live with QMP block_resize. */
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

#define DISK_USAGE "NAME [--json] | resize NAME DISK [+]SIZE"

static struct json_object *image_json(const struct disk_image *img)
{
	struct json_object *o = json_object_new_object();
	json_object_object_add(o, "file", json_object_new_string(img->filename));
	json_object_object_add(o, "format", json_object_new_string(img->format));
	json_object_object_add(o, "virtual_size", json_object_new_int64((int64_t)img->virtual_size));
	json_object_object_add(o, "actual_size", json_object_new_int64((int64_t)img->actual_size));
	struct json_object *a = json_object_new_array();
	for (size_t i = 0; i < img->n_snaps; i++) {
		const struct disk_snap *s = &img->snaps[i];
		struct json_object *so = json_object_new_object();
		json_object_object_add(so, "tag", json_object_new_string(s->tag));
		json_object_object_add(so, "id", json_object_new_string(s->id ? s->id : ""));
		json_object_object_add(so, "date", json_object_new_int64(s->date_sec));
		json_object_object_add(so, "vm_state_size", json_object_new_int64((int64_t)s->vm_state_size));
		json_object_array_add(a, so);
	}
	json_object_object_add(o, "snapshots", a);
	if (img->backing)
		json_object_object_add(o, "backing", image_json(img->backing));
	return o;
}

static void print_snaps(const struct disk_image *img, const char *indent)
{
	for (size_t i = 0; i < img->n_snaps; i++) {
		const struct disk_snap *s = &img->snaps[i];
		char when[32] = "-";
		time_t t = (time_t)s->date_sec;
		struct tm tm;
		if (s->date_sec && localtime_r(&t, &tm))
			strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S", &tm);
		char *vs = size_text(s->vm_state_size);
		printf("%ssnapshot %-24s %s  %s\n", indent, s->tag, when,
		       s->vm_state_size ? vs : "disk only");
		free(vs);
	}
}

static void print_image(const struct disk_image *img)
{
	char *v = size_text(img->virtual_size), *a = size_text(img->actual_size);
	printf("  format %s, virtual size %s, on the host %s%s\n", img->format, v, a,
	       img->dirty ? " (dirty: not closed cleanly)" : "");
	free(v);
	free(a);
	print_snaps(img, "  ");
	for (const struct disk_image *b = img->backing; b; b = b->backing) {
		char *bv = size_text(b->virtual_size), *ba = size_text(b->actual_size);
		printf("  backing %s (%s, virtual %s, on the host %s)\n", b->filename, b->format, bv, ba);
		free(bv);
		free(ba);
		print_snaps(b, "    ");
	}
}

static int disk_list(const char *name, bool json)
{
	struct stor s;
	int rc = stor_open(&s, "disk", name);
	if (rc != EXIT_OK) {
		stor_close(&s);
		return rc;
	}
	struct json_object *arr = json ? json_object_new_array() : NULL;
	if (!json)
		printf("%s: %s, %zu disk%s\n", name, vm_status_text(s.vm), s.p->n_disks, s.p->n_disks == 1 ? "" : "s");
	for (size_t i = 0; i < s.p->n_disks; i++) {
		const struct profile_disk *d = &s.p->disks[i];
		struct disk_image img;
		char *err = NULL;
		int r = stor_image(&s, d, &img, &err);
		bool later = r < 0 && !stor_live(&s) && disk_needs_create(d);
		if (r < 0 && !later) {
			cmd_error("disk: %s", err);
			rc = EXIT_FAIL;
		}
		free(err);
		if (json) {
			struct json_object *o = r == 0 ? image_json(&img) : json_object_new_object();
			json_object_object_add(o, "id", json_object_new_string(d->id));
			json_object_object_add(o, "interface", json_object_new_string(d->interface));
			json_object_object_add(o, "profile_file", json_object_new_string(d->file));
			if (later)
				json_object_object_add(o, "will_be_created", json_object_new_int64((int64_t)d->size));
			json_object_array_add(arr, o);
		} else {
			printf("%s  %s  %s%s\n", d->id, d->interface, d->file, d->readonly ? "  (readonly)" : "");
			if (later) {
				char *sz = size_text(d->size);
				printf("  will be created at the first start (%s, %s)\n", d->format, sz);
				free(sz);
			} else if (r == 0)
				print_image(&img);
		}
		disk_image_clear(&img);
	}
	if (json) {
		printf("%s\n", json_object_to_json_string_ext(arr, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(arr);
	}
	stor_close(&s);
	return rc;
}

/* "+10G" grows by, "64G" grows to. */
static int resize_target(const char *arg, uint64_t cur, uint64_t *out)
{
	bool rel = arg[0] == '+';
	uint64_t v;
	if (parse_size(arg + rel, &v) < 0 || (rel && v > UINT64_MAX / 2 - cur))
		return -1;
	*out = rel ? cur + v : v;
	return 0;
}

static int resize_live(struct stor *s, const struct profile_disk *d, const char *arg, char **err)
{
	const char *why = disk_resize_problem(d);
	if (why)
		return error_kind_set(err, ERR_INVALID, "VM %s: disk '%s' (%s): not resized: %s", vm_name(s->vm), d->id,
				      d->file, why);
	struct disk_image img;
	if (stor_image(s, d, &img, err) < 0)
		return -1;
	uint64_t cur = img.virtual_size, size;
	disk_image_clear(&img);
	if (resize_target(arg, cur, &size) < 0)
		return error_kind_set(err, ERR_INVALID, "'%s' is not a size such as 64G or +10G", arg);
	if (size < cur) {
		char *a = size_text(cur), *b = size_text(size);
		error_kind_set(err, ERR_INVALID,
			       "VM %s: disk '%s' (%s): shrinking from %s to %s refused: it would cut off whatever the "
			       "guest keeps at the end of the disk; vmdeck only grows disks",
			       vm_name(s->vm), d->id, d->file, a, b);
		free(a);
		free(b);
		return -ERR_INVALID;
	}
	if (size == cur)
		return 0;
	struct json_object *args = json_object_new_object();
	json_object_object_add(args, "device", json_object_new_string(d->id));
	json_object_object_add(args, "size", json_object_new_int64((int64_t)size));
	json_object_put(s->blocks); /* what query-block said is old now */
	s->blocks = NULL;
	return stor_qmp(s, "block_resize", args, NULL, err) < 0
		       ? error_prefix(err, "disk '%s' (%s)", d->id, d->file)
		       : 0;
}

static int resize_offline(struct stor *s, const struct profile_disk *d, const char *arg, char **err)
{
	uint64_t size, cur = 0;
	if (arg[0] == '+') {
		struct disk_image img;
		if (disk_info_read(vm_name(s->vm), d, &img, err) < 0)
			return -1;
		cur = img.virtual_size;
		disk_image_clear(&img);
	}
	if (resize_target(arg, cur, &size) < 0)
		return error_kind_set(err, ERR_INVALID, "'%s' is not a size such as 64G or +10G", arg);
	return disk_resize_offline(vm_name(s->vm), d, size, err);
}

static int disk_resize(const char *name, const char *which, const char *arg)
{
	if (cmd_read_only) {
		cmd_error("disk resize: refused in --read-only mode");
		return EXIT_PERM;
	}
	uint64_t probe;
	if (parse_size(arg + (arg[0] == '+'), &probe) < 0) {
		cmd_error("disk resize: '%s' is not a size such as 64G, 512M or +10G", arg);
		return EXIT_USAGE;
	}
	struct stor s;
	int rc = stor_open(&s, "disk resize", name);
	const struct profile_disk *d = rc == EXIT_OK ? disk_find(s.p, which) : NULL;
	if (rc == EXIT_OK && !d) {
		cmd_error("disk resize: VM %s has no disk '%s' (its disks: see 'vmdeck disk %s')", name, which, name);
		rc = EXIT_NOTFOUND;
	}
	if (rc == EXIT_OK) {
		char *err = NULL;
		bool live = stor_live(&s);
		int r = live ? resize_live(&s, d, arg, &err) : resize_offline(&s, d, arg, &err);
		if (r < 0) {
			cmd_error("disk resize: %s", err);
			rc = cmd_exit_code(r);
		} else {
			struct disk_image img;
			if (stor_image(&s, d, &img, NULL) == 0) {
				char *sz = size_text(img.virtual_size);
				printf("%s: disk '%s' (%s): %s%s\n", name, d->id, d->file, sz,
				       live ? " (live: the guest sees it now)" : "");
				free(sz);
				disk_image_clear(&img);
			}
		}
		free(err);
	}
	stor_close(&s);
	return rc;
}

static int cmd_disk(int argc, char **argv)
{
	static const struct option opts[] = { { "json", no_argument, NULL, 'j' }, { "help", no_argument, NULL, 'h' },
					      { 0 } };
	bool json = false;
	int c;
	while ((c = getopt_long(argc, argv, "jh", opts, NULL)) != -1) {
		switch (c) {
		case 'j': json = true; break;
		case 'h': printf("usage: vmdeck disk " DISK_USAGE "\n"); return EXIT_OK;
		default: return EXIT_USAGE;
		}
	}
	int n = argc - optind;
	char **a = argv + optind;
	if (n == 1 && strcmp(a[0], "resize") != 0)
		return cmd_vm_name_ok("disk", a[0]) ? disk_list(a[0], json) : EXIT_USAGE;
	if (n == 4 && strcmp(a[0], "resize") == 0 && !json)
		return cmd_vm_name_ok("disk resize", a[1]) ? disk_resize(a[1], a[2], a[3]) : EXIT_USAGE;
	cmd_error("usage: vmdeck disk " DISK_USAGE);
	return EXIT_USAGE;
}

const struct cmd_entry cmd_disk_entry = {
	"disk", DISK_USAGE, "a VM's disks: format, sizes, backing chain, snapshots; grow one (offline or live)",
	cmd_disk,
};
