/* machist: the bridge MAC history on disk, so it outlives the vmdeck that saw
 * it and is shared by every vmdeck watching the same network namespace.
 *
 * One JSON-lines file per namespace: <state>/mac-history/net-<dev>-<ino>.jsonl
 * (dev and inode of /proc/self/ns/net), in a private (0700) directory, each
 * file 0600. Every record carries the namespace's identity: dev, inode, the
 * netns cookie (SO_NETNS_COOKIE, never reused within a boot) and the boot id,
 * because inodes are reused once a namespace is deleted: a record belongs to
 * this namespace only when all four match (the initial namespace, whose inode
 * the kernel fixes, matches across reboots). Appends hold an OFD write lock
 * and skip a change (bridge, old, new) when the file already holds, within
 * the dedupe window, as many records of it as this process has seen there:
 * two watchers record a change once, a flapping bridge's repeats stay. The
 * file is trimmed in
 * place to the newest max_records/2 records when it grows past max_records.
 * Never includes curses. */
#ifndef VMDECK_MACHIST_H
#define VMDECK_MACHIST_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct link_info;
struct bridge_mac_change;
struct machist;

#define MACHIST_MAX_RECORDS 10000     /* trim past this many lines … */
#define MACHIST_DEDUPE_US 2000000     /* dedupe window: 2 s either side */

/* Which network namespace, and which incarnation of it. */
struct machist_netns {
	uint64_t dev, ino; /* stat of /proc/self/ns/net */
	uint64_t cookie;   /* SO_NETNS_COOKIE (0: kernel too old) */
	char boot_id[40];  /* /proc/sys/kernel/random/boot_id ("" when unreadable) */
};

/* What one change cost one guest (net/outage.h), as recorded: a
 * "guest-outage" line after the change's line, written when the outage
 * ended, joined to its change when loading. */
struct machist_outage {
	char port[IF_NAMESIZE];
	char vm[64];             /* "" when unknown */
	uint64_t frames;         /* frames sent to a former MAC */
	uint64_t first_us, last_us, duration_us;
};

/* One recorded change. */
struct machist_record {
	uint64_t wall_us;
	char bridge[IF_NAMESIZE];
	int ifindex;
	uint8_t old_mac[6], new_mac[6];
	char cause[24];          /* bridge_mac_cause_name(): "port-joined", … */
	char port[IF_NAMESIZE];  /* "" when the cause names none */
	int port_ifindex;
	uint8_t port_mac[6];
	char text[160];          /* the human line linkwatch made */
	long pid;                /* the vmdeck that wrote it */
	struct machist_netns netns;
	/* machist_load: its guests' outages (owned; machist_records_free). */
	struct machist_outage *outages;
	size_t n_outages;
};

struct machist_options {
	const char *dir;                   /* NULL: <state>/mac-history */
	const struct machist_netns *netns; /* NULL: the current namespace (tests fake one) */
	size_t max_records;                /* 0: MACHIST_MAX_RECORDS */
	uint64_t dedupe_us;                /* 0: MACHIST_DEDUPE_US */
};

/* The current namespace's identity; -1 when /proc/self/ns/net is unreadable. */
int machist_netns_self(struct machist_netns *out, char **err);
/* The namespace's identity as the files keep it: {dev, ino, cookie, boot_id}. */
struct json_object *machist_netns_json(const struct machist_netns *ns);
/* Whether a record written in namespace `rec` belongs to namespace `self`. */
bool machist_netns_same(const struct machist_netns *self, const struct machist_netns *rec);

/* Identify the namespace and name the file; touches nothing on disk (the
 * directory is made on the first append). opts may be NULL. */
struct machist *machist_new(const struct machist_options *opts, char **err);
void machist_free(struct machist *h);
const char *machist_path(const struct machist *h); /* borrowed */
const struct machist_netns *machist_netns(const struct machist *h);

/* A record from a linkwatch change (netns and pid filled from h). */
void machist_record_from_change(const struct machist *h, const struct link_info *bridge,
				const struct bridge_mac_change *c, struct machist_record *out);
/* Append under the lock unless it duplicates a recent record; *written says
 * which (may be NULL). Refuses a symlinked or foreign-owned directory or file. */
int machist_append(struct machist *h, const struct machist_record *r, bool *written, char **err);

/* Append what change c (of bridge, seen at change_wall_us) cost a guest,
 * unless the file already holds this guest's outage of that change with as
 * many frames or more (another watcher wrote it). */
int machist_append_outage(struct machist *h, const char *bridge, const uint8_t old_mac[6], const uint8_t new_mac[6],
			  uint64_t change_wall_us, const struct machist_outage *g, char **err);

/* This namespace's records, oldest first, each with the outages recorded
 * for it (the guest-outage line within the dedupe window after it); bridge NULL = all, since_us 0 =
 * all. A missing file is an empty history. Caller frees *out. */
int machist_load(const struct machist *h, const char *bridge, uint64_t since_us, struct machist_record **out,
		 size_t *n, char **err);

void machist_records_free(struct machist_record *r, size_t n);

/* Record <-> one JSON line (no newline); the JSON has "outages" when the
 * record has any. parse: -1 on anything malformed or not a change. */
char *machist_record_json(const struct machist_record *r);
int machist_record_parse(const char *line, struct machist_record *r);

#endif
