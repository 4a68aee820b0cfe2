/* disk: a VM's disk images through qemu-img — sizes, creating a disk a
 * profile gives a size: for, reading what an image is (format, sizes,
 * backing chain, internal snapshots) from qemu-img's or QMP's JSON, growing
 * one. Every message names the VM, the disk id and the file. The qemu-img
 * calls block (prog_run), for verbs, except the creation at a start, which
 * runs from the loop (disk_mk_*); the TUI runs longer work through
 * prog_spawn on its loop. QEMU's image
 * locking decides whether an image is in use: its message is passed on. */
#ifndef VMDECK_DISK_H
#define VMDECK_DISK_H

#include "core/profile.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct json_object;

/* qemu-img: VMDECK_QEMU_IMG, else PATH; NULL with "qemu-img not found
 * (Debian: apt install qemu-utils)" in *err. Caller frees. */
char *disk_qemu_img(char **err);

/* The disk has a size: and its file does not exist yet. */
bool disk_needs_create(const struct profile_disk *d);
/* Create it (qemu-img create -f FORMAT) from the loop: qemu-img runs as a
 * child, watched through a pidfd, never waited for. It writes under a
 * temporary name in the same directory (FILE.vmdeck-new.PID), which is
 * linked into place (never over an existing file) when qemu-img succeeded
 * and removed in any case — a full disk or a failing qemu-img leaves
 * nothing behind. cb gets 0, or -1 with err naming the VM (vm), the disk and
 * the file and giving qemu-img's words; the job is gone after cb. < 0 with
 * err (qemu-img missing: -ERR_NOTFOUND) when it cannot begin; else 0 and
 * the job in *out (for disk_mk_cancel). */
struct loop;
struct disk_mk;
typedef void (*disk_mk_cb)(int status, const char *err, void *arg);
int disk_mk_start(struct loop *l, const char *vm, const struct profile_disk *d, disk_mk_cb cb, void *arg,
		  struct disk_mk **out, char **err);
/* Stop it: qemu-img killed (by its pid) and reaped, the temporary file
 * removed, cb never called. NULL is a no-op. */
void disk_mk_cancel(struct disk_mk *j);

/* One internal snapshot of an image (qemu-img / QMP SnapshotInfo). */
struct disk_snap {
	char *id, *tag;
	uint64_t vm_state_size; /* 0: disk only; > 0: the VM's memory and devices too */
	int64_t date_sec;
	uint64_t vm_clock_ns;
};

/* One image of a chain (qemu-img / QMP ImageInfo); backing: the next one. */
struct disk_image {
	char *filename, *format;
	uint64_t virtual_size;
	uint64_t actual_size; /* bytes on the host; 0 when unknown */
	bool dirty;
	char *backing_filename; /* as written in the image, NULL: none */
	struct disk_snap *snaps;
	size_t n_snaps;
	struct disk_image *backing; /* owned; NULL at the end of the chain */
};
/* Fill *out from one ImageInfo object (with its "backing-image", if any).
 * -1 with err when it is not one. */
int disk_image_from_json(struct json_object *o, struct disk_image *out, char **err);
/* From qemu-img info --output=json --backing-chain's text (an array, top
 * first, or one object). */
int disk_image_parse(const char *json, struct disk_image *out, char **err);
void disk_image_clear(struct disk_image *img);

/* Run qemu-img info --output=json --backing-chain on a stopped VM's disk.
 * An image QEMU has open fails with QEMU's own locking message. */
int disk_info_read(const char *vm, const struct profile_disk *d, struct disk_image *out, char **err);
/* Grow an image offline to size (qemu-img resize). A size smaller than the
 * current one is refused (-ERR_INVALID) with the reason, and so is a disk
 * that is read-only, a snapshot: true disk or one with a backing file
 * shared as a linked base. */
int disk_resize_offline(const char *vm, const struct profile_disk *d, uint64_t size, char **err);
/* Why a disk cannot be resized at all (readonly, snapshot: true), or NULL. */
const char *disk_resize_problem(const struct profile_disk *d);

/* Run qemu-img with the given arguments after the binary; its output (or
 * the exit status) in *out. 0 on exit 0, else -1 with *out set. */
int disk_qemu_img_run(const char *const *args, size_t n, char **out, char **err);

/* ---- internal snapshots (qcow2) ---- */
/* The disks a snapshot covers: those the guest writes (not readonly, not
 * snapshot: true). */
bool disk_snap_covers(const struct profile_disk *d);
/* A tag is 1-64 of A-Z a-z 0-9 _ - . : +, starting with a letter or digit.
 * NULL when valid, else why not. */
const char *disk_snap_tag_problem(const char *tag);
/* The snapshot called tag in an image's own list, or NULL. */
const struct disk_snap *disk_snap_find(const struct disk_image *img, const char *tag);
/* qemu-img snapshot on a stopped VM's disk: op 'c' create, 'a' apply
 * (revert), 'd' delete. */
int disk_snap_offline(const char *vm, const struct profile_disk *d, char op, const char *tag, char **err);

/* The profile disk with this id or file name (basename or path), or NULL. */
const struct profile_disk *disk_find(const struct profile *p, const char *which);

#endif
