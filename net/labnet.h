/* labnet: lab networks — the seed's virbr0 as data. One YAML file per network
 * in the "networks" subdirectory of the profile directory (NAME.yaml):
 *
 *   name: virbr0                 # default: the file name without .yaml
 *   bridge: virbr0               # default: name
 *   address: 172.16.1.1/24       # the host's address on the bridge
 *   mac: 52:54:00:ac:10:01       # pinned MAC (default: derived from the name)
 *   pin: true                    # false = leave the bridge unpinned (demo only)
 *   heal: false                  # true = announce its MAC after each change (net/heal.h)
 *   nat: true                    # masquerade the subnet out of the namespace
 *   dhcp:
 *     range: 172.16.1.100-172.16.1.199
 *     lease_time: 1h             # dnsmasq syntax, default 1h
 *     hosts:
 *       - { mac: 00:16:3e:eb:ca:65, ip: 172.16.1.101, name: mac101 }
 *   tap_mac_policy: derived      # derived | fixed | kernel
 *
 * This module reads the files (with core/schema.c's walker: the same rules
 * and words as profiles) and keeps the directory of them as a set. Every
 * diagnostic names FILE:LINE:COL. */
#ifndef VMDECK_LABNET_H
#define VMDECK_LABNET_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/profile.h"

struct labnet_host {
	uint8_t mac[6];
	struct in_addr ip;
	char *name;        /* optional */
	int line, col;
};

struct labnet {
	char *name;
	int name_line, name_col; /* where name: was given; 0: from the file name */
	char *path;        /* the YAML file (or "<memory>") */
	char *description;
	char *bridge;
	struct in_addr address;
	unsigned prefix;   /* 1..30 */
	uint8_t mac[6];    /* the MAC the bridge is pinned to */
	bool has_mac;      /* mac: given; else mac_from_name(name) */
	bool pin;          /* default true */
	bool heal;         /* default false: net up turns heal on for the bridge (net/heal.h) */
	bool nat;          /* default true */
	bool dhcp;         /* a dhcp: section is present */
	struct in_addr dhcp_start, dhcp_end;
	char *lease_time;  /* default "1h" */
	struct labnet_host *hosts; size_t n_hosts;
	enum mac_policy tap_mac_policy; /* default derived */
};

/* NULL when name follows the lab network name rule (1-32 of A-Z a-z 0-9 _ -,
 * not starting with '-'), else why not ("is not a lab network name (...)"),
 * to follow the quoted name in a message. Checked before a name from a
 * file or the command line is looked up or becomes a path. */
const char *labnet_name_problem(const char *name);

/* A lab network file is a few lines; anything larger is a mistake. */
#define LABNET_MAX_SIZE (64 * 1024)

/* Parse; on failure NULL and *err = "FILE:LINE:COL: message". */
struct labnet *labnet_parse(const char *path, const char *buf, size_t len, char **err);
struct labnet *labnet_load(const char *path, char **err);
void labnet_free(struct labnet *n);

/* <profiles>/networks, caller frees. */
char *labnet_dir(void);
/* Load <profiles>/networks/NAME.yaml (or the file whose name: is NAME)
 * into *out: 0. Else *out = NULL and < 0 with err: -ERR_NOTFOUND when there
 * is no such network, -ERR_INVALID for a NAME that is no network name. */
int labnet_find(const char *name, struct labnet **out, char **err);
/* The lab networks of a directory, loaded once: lookups in it read no file.
 * The TUI loads it with the profiles and again when they change (one
 * inotify), so link events never read a network's file. Files that do not
 * load are left out (labnet_problems says why), as in every lookup here. */
struct labnet_set;
/* dir NULL: labnet_dir(). A missing directory is an empty set; never NULL. */
struct labnet_set *labnet_set_load(const char *dir);
void labnet_set_free(struct labnet_set *set); /* NULL is a no-op */
/* The network whose bridge is `bridge` (borrowed from set), or NULL; a NULL
 * set holds nothing (no error: most bridges are not lab networks). Used
 * for the TAP MAC policy. */
const struct labnet *labnet_set_find_bridge(const struct labnet_set *set, const char *bridge);
/* The networks of a set in name order: labnet_set_at(set, i) for i below
 * labnet_set_count(set) (borrowed from set; NULL past the end). */
size_t labnet_set_count(const struct labnet_set *set);
const struct labnet *labnet_set_at(const struct labnet_set *set, size_t i);
/* The problems of the set's files that do not load, as labnet_problems gives
 * them (NULL-terminated, borrowed from set); *n_files: the files looked at
 * (labnet_set_count of them loaded). */
const char *const *labnet_set_problems(const struct labnet_set *set, size_t *n_files);
/* Names of all lab networks (sorted, NULL-terminated, caller frees with
 * free() of each and the array). Files that do not parse are skipped. */
char **labnet_list(void);
/* Check every *.yaml / *.yml in `dir` (NULL: labnet_dir()). Returns the
 * problems of the files that do not load (each "FILE:LINE:COL: message";
 * a file may add several lines), NULL-terminated, sorted by file; counts
 * the files in *n_files and those that load in *n_ok. Caller frees. */
char **labnet_problems(const char *dir, size_t *n_files, size_t *n_ok);

/* Bringing networks up and down and their status: net/labnet_run.h. The
 * texts handed to dnsmasq and nftables: net/labnet_conf.h. */

#endif
