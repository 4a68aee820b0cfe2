/* labnet_run: lab networks brought up and down (see labnet_run.h), with a
 * record of every step in paths_net_dir(NAME)/state.json, so down undoes
 * exactly what up did and a failed up leaves nothing behind; and their live
 * status. */
#include "net/labnet_run.h"
#include "net/heal.h"
#include "net/bridge.h"
#include "net/labnet.h"
#include "net/labnet_conf.h"
#include "net/grant.h"
#include "net/nlact.h"
#include "core/paths.h"
#include "core/proc.h"
#include "core/util.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* ---- helpers for acting -------------------------------------------------- */

static int sysctl_read(const char *path)
{
	char *s = file_read_all(path, NULL);
	if (!s)
		return -1;
	int v = atoi(s);
	free(s);
	return v;
}

static int sysctl_write(const char *path, int v)
{
	FILE *f = fopen(path, "w");
	if (!f)
		return -1;
	int r = fprintf(f, "%d\n", v) < 0 ? -1 : 0;
	if (fclose(f) != 0)
		r = -1;
	return r;
}

static const char ip_forward[] = "/proc/sys/net/ipv4/ip_forward";

/* ---- state record -------------------------------------------------------- */

static char *state_path(const char *name)
{
	char *dir = paths_net_dir(name);
	char *p = path_join(dir, "state.json");
	free(dir);
	return p;
}

static json_object *state_load(const char *name)
{
	char *p = state_path(name);
	json_object *o = path_exists(p) ? json_object_from_file(p) : NULL;
	free(p);
	return o;
}

static int state_save(const char *name, json_object *st, char **err)
{
	char *p = state_path(name);
	const char *s = json_object_to_json_string_ext(st, JSON_C_TO_STRING_PRETTY);
	int r = file_write_atomic(p, s, strlen(s), 0600, err);
	free(p);
	return r;
}

static const char *st_str(json_object *st, const char *k)
{
	json_object *v;
	return json_object_object_get_ex(st, k, &v) ? json_object_get_string(v) : NULL;
}

static int64_t st_int(json_object *st, const char *k)
{
	json_object *v;
	return json_object_object_get_ex(st, k, &v) ? json_object_get_int64(v) : 0;
}

static bool st_bool(json_object *st, const char *k)
{
	json_object *v;
	return json_object_object_get_ex(st, k, &v) && json_object_get_boolean(v);
}

bool labnet_is_up(const char *name)
{
	if (labnet_name_problem(name))
		return false; /* never a path outside the runtime dir */
	char *p = state_path(name);
	bool r = path_exists(p);
	free(p);
	return r;
}

/* Alive and not a zombie: dnsmasq daemonised, so once it exits it waits
 * for init to reap it (which can take over a second here), but a zombie
 * holds no socket any more. */
static bool pid_is_ours(pid_t pid, unsigned long long start)
{
	return proc_alive(pid) && proc_start_ticks(pid) == start;
}

/* Does pid run with the argument --conf-file=CONF (its /proc cmdline)? */
static bool runs_conf(pid_t pid, const char *conf)
{
	char path[48];
	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	size_t len = 0;
	char *s = file_read_all(path, &len);
	char *want = xasprintf("--conf-file=%s", conf);
	bool r = false;
	for (size_t off = 0; s && off < len && !r; off += strlen(s + off) + 1)
		r = strcmp(s + off, want) == 0;
	free(want);
	free(s);
	return r;
}

/* The dnsmasq an up started, or 0: the pid recorded once it was up; else
 * (the up was interrupted while dnsmasq started: the record names only its
 * conf and pid files) the pid in its pid file, if that process runs our
 * conf file. */
static pid_t recorded_dnsmasq(json_object *st)
{
	pid_t pid = (pid_t)st_int(st, "dnsmasq_pid");
	if (pid)
		return pid_is_ours(pid, (unsigned long long)st_int(st, "dnsmasq_start")) ? pid : 0;
	const char *pidf = st_str(st, "dnsmasq_pidfile"), *conf = st_str(st, "dnsmasq_conf");
	char *s = pidf && conf ? file_read_all(pidf, NULL) : NULL;
	pid = s ? (pid_t)atoi(s) : 0;
	free(s);
	return pid > 0 && proc_alive(pid) && runs_conf(pid, conf) ? pid : 0;
}

/* The bridge says whose it is: its alias names the lab network, for every
 * user who can see the bridge. The record of what up did lives in the
 * runtime directory of whoever ran it, which nobody else can read; without
 * the mark another user's `net status` said "down" and `net up` took the
 * bridge for a foreign one. */
static char *bridge_mark(const struct labnet *n)
{
	return xasprintf("vmdeck lab network %s", n->name);
}

static bool bridge_marked(const struct labnet *n)
{
	char alias[256];
	if (nlact_get_alias(n->bridge, alias, sizeof(alias)) < 0)
		return false;
	char *m = bridge_mark(n);
	bool r = strcmp(alias, m) == 0;
	free(m);
	return r;
}

/* The network is up, but not by us (no record here): someone else's to
 * change. Without CAP_NET_ADMIN that is a permission error (-ERR_PERM). */
static int refuse_not_ours(const struct labnet *n, const char *verb, char **err)
{
	if (!nlact_have_net_admin())
		return error_kind_set(err, ERR_PERM,
				      "net %s %s: it is up, brought up by another user (who has the record of what "
				      "was done); changing it needs root or CAP_NET_ADMIN",
				      verb, n->name);
	char *dir = paths_net_dir(n->name);
	error_set(err, "net %s %s: bridge %s is this network's, brought up by vmdeck with another runtime directory "
		       "(no record in %s): take it down with that runtime directory ('vmdeck net down %s')",
		  verb, n->name, n->bridge, dir, n->name);
	free(dir);
	return -1;
}

/* Undo what st records, newest step first. Keeps going past failures (and
 * reports the first): down must remove as much as it can. */
static int undo(const char *name, json_object *st, char **err)
{
	int rc = 0;
	char *e = NULL;
	pid_t pid = recorded_dnsmasq(st);
	if (pid) {
		kill(pid, SIGTERM);
		for (int i = 0; i < 100 && proc_alive(pid); i++) {
			/* dnsmasq is not our child (it daemonised): poll its exit. */
			struct timespec ts = { 0, 20 * 1000 * 1000 };
			nanosleep(&ts, NULL);
		}
		if (proc_alive(pid))
			kill(pid, SIGKILL);
	}
	const char *table = st_str(st, "nft_table");
	if (table) {
		char *nft = prog_find("nft", "VMDECK_NFT");
		if (nft) {
			char *cmd = xasprintf("table ip %s {}\ndelete table ip %s\n", table, table);
			char *argv[] = { nft, "-f", "-", NULL };
			char *out = NULL;
			if (prog_run(argv, cmd, &out) != 0 && !rc)
				rc = error_set(err, "nft: could not delete table ip %s: %s", table, out ? out : "");
			free(out);
			free(cmd);
			free(nft);
		}
	}
	if (st_bool(st, "forwarding_enabled")) {
		/* Restore only if no other vmdeck network still relies on it. */
		char *base = path_join(paths_runtime_dir(), "net");
		DIR *d = opendir(base);
		bool others = false;
		struct dirent *de;
		while (d && (de = readdir(d)))
			if (de->d_name[0] != '.' && strcmp(de->d_name, name) != 0 && labnet_is_up(de->d_name))
				others = true;
		if (d)
			closedir(d);
		free(base);
		if (!others)
			sysctl_write(ip_forward, 0);
	}
	const char *br = st_str(st, "bridge");
	int idx = (int)st_int(st, "bridge_ifindex");
	if (br && st_bool(st, "bridge_created") && idx && nlact_ifindex(br) == idx) {
		int r = nlact_delete(br, &e);
		if (r < 0 && !rc) {
			rc = r;
			if (err) {
				free(*err);
				*err = e;
				e = NULL;
			}
		}
	}
	free(e);
	/* Our files, then the directory (only if nothing else is in it). */
	char *dir = paths_net_dir(name);
	static const char *const files[] = { "dnsmasq.conf", "dnsmasq.pid", "leases", "dnsmasq.log", "state.json" };
	for (size_t i = 0; i < ARRAY_LEN(files); i++) {
		char *p = path_join(dir, files[i]);
		unlink(p);
		free(p);
	}
	rmdir(dir);
	free(dir);
	return rc;
}

/* One lock per network, <runtime>/net/NAME.lock (flock), held for a whole
 * up or down: without it a down during an up undoes a half-written record
 * and the up then starts a dnsmasq no record names, and two ups both build.
 * The file is never removed: a lock on an unlinked file excludes no one.
 * O_CLOEXEC: dnsmasq (which daemonises) must not inherit and hold it. */
static int net_lock(const char *name, char **err)
{
	char *base = path_join(paths_runtime_dir(), "net");
	if (paths_private_dir(paths_runtime_dir(), err) < 0 || paths_private_dir(base, err) < 0) {
		free(base);
		return -1;
	}
	char *p = xasprintf("%s/%s.lock", base, name);
	free(base);
	int fd = open(p, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		error_set(err, "lock %s: %s", p, strerror(errno));
		free(p);
		return -1;
	}
	int r;
	while ((r = flock(fd, LOCK_EX)) < 0 && errno == EINTR)
		;
	if (r < 0) {
		error_set(err, "lock %s: %s", p, strerror(errno));
		close(fd);
		fd = -1;
	}
	free(p);
	return fd;
}

int labnet_down(const char *name, char **err)
{
	/* The name becomes a directory whose recorded files are removed. */
	if (labnet_name_problem(name))
		return error_set(err, "net down: \"%s\" %s", name, labnet_name_problem(name));
	int lock = net_lock(name, err);
	if (lock < 0)
		return error_prefix(err, "net down %s", name);
	json_object *st = state_load(name);
	int r = 0; /* nothing recorded: nothing of ours to undo */
	if (st) {
		r = undo(name, st, err);
		r = r < 0 ? r : 1;
		json_object_put(st);
	} else {
		/* Unless the bridge says it is up by someone else: say so. */
		struct labnet *n;
		labnet_find(name, &n, NULL);
		if (n && nlact_ifindex(n->bridge) && bridge_marked(n))
			r = refuse_not_ours(n, "down", err);
		labnet_free(n);
	}
	close(lock);
	return r;
}

static int up_fail(const struct labnet *n, json_object *st, int rc, char **err)
{
	undo(n->name, st, NULL);
	json_object_put(st);
	error_prefix(err, "net up %s", n->name);
	return rc;
}

static int up_locked(const struct labnet *n, char **err);

int labnet_up(const struct labnet *n, char **err)
{
	int lock = net_lock(n->name, err);
	if (lock < 0)
		return error_prefix(err, "net up %s", n->name);
	int r = up_locked(n, err);
	close(lock);
	return r;
}

/* The steps of an up, in order. Each records what it does in st (saved
 * before the step where it can be, else at once: a crash leaves a record
 * down can undo) and returns 0, or < 0 (the failure's kind) with *err set —
 * a record that cannot be saved too; the caller then undoes everything
 * recorded. */

/* 1. the bridge, pinned at creation unless pin: false, and its mark */
static int up_bridge(const struct labnet *n, json_object *st, char **err)
{
	int r = nlact_bridge_add(n->bridge, n->pin ? n->mac : NULL, err);
	if (r < 0)
		return r;
	json_object_object_add(st, "bridge_created", json_object_new_boolean(true));
	json_object_object_add(st, "bridge_ifindex", json_object_new_int(nlact_ifindex(n->bridge)));
	json_object_object_add(st, "pinned", json_object_new_boolean(n->pin));
	if (state_save(n->name, st, err) < 0)
		return -1;
	char *mark = bridge_mark(n);
	r = nlact_set_alias(n->bridge, mark, err);
	free(mark);
	/* Heal lasts as long as this bridge: down needs to undo nothing. */
	if (r >= 0 && n->heal)
		r = heal_set(NULL, n->bridge, true, err);
	return r;
}

/* 2. address, up */
static int up_address(const struct labnet *n, json_object *st, char **err)
{
	char addr[24];
	snprintf(addr, sizeof(addr), "%s/%u", inet_ntoa(n->address), n->prefix);
	int r = nlact_addr4(n->bridge, n->address.s_addr, n->prefix, true, err);
	if (r < 0 || (r = nlact_set_up(n->bridge, true, err)) < 0)
		return r;
	json_object_object_add(st, "address", json_object_new_string(addr));
	return state_save(n->name, st, err);
}

/* 3. forwarding and NAT */
static int up_nat(const struct labnet *n, const char *nft, json_object *st, char **err)
{
	int fwd = sysctl_read(ip_forward);
	/* Each recorded before it is done: an up killed in the middle leaves
	 * a record down can undo (deleting a table never made is harmless). */
	if (fwd == 0) {
		json_object_object_add(st, "forwarding_enabled", json_object_new_boolean(true));
		if (state_save(n->name, st, err) < 0)
			return -1;
		if (sysctl_write(ip_forward, 1) < 0)
			return error_kind_set(err, errno == EACCES || errno == EPERM ? ERR_PERM : ERR_FAILED,
					      "cannot enable %s: %s", ip_forward, strerror(errno));
	}
	char *t = labnet_conf_nft_table(n);
	json_object_object_add(st, "nft_table", json_object_new_string(t));
	free(t);
	if (state_save(n->name, st, err) < 0)
		return -1;
	char *rules = labnet_conf_nft(n);
	char *argv[] = { (char *)nft, "-f", "-", NULL };
	char *outp = NULL;
	int r = prog_run(argv, rules, &outp);
	free(rules);
	if (r != 0)
		error_set(err, "nft failed (%d): %s", r, outp ? outp : "");
	free(outp);
	return r != 0 ? -1 : 0;
}

/* 4. dnsmasq, bound to this bridge only */
static int up_dnsmasq(const struct labnet *n, const char *dnsmasq, const char *dir, json_object *st, char **err)
{
	char *conf = labnet_conf_dnsmasq(n, dir);
	char *cpath = path_join(dir, "dnsmasq.conf");
	int r = file_write_atomic(cpath, conf, strlen(conf), 0600, err);
	free(conf);
	if (r < 0) {
		free(cpath);
		return -1;
	}
	/* Recorded before it starts: an up killed while dnsmasq starts leaves
	 * the pid file for down to find it by (recorded_dnsmasq). */
	char *pidp = path_join(dir, "dnsmasq.pid");
	json_object_object_add(st, "dnsmasq_conf", json_object_new_string(cpath));
	json_object_object_add(st, "dnsmasq_pidfile", json_object_new_string(pidp));
	if (state_save(n->name, st, err) < 0) {
		free(pidp);
		free(cpath);
		return -1;
	}
	char *cfarg = xasprintf("--conf-file=%s", cpath);
	char *argv[] = { (char *)dnsmasq, cfarg, NULL };
	char *outp = NULL;
	/* dnsmasq daemonises; its parent exits non-zero with the reason
	 * when the child cannot start (address in use, bad option). */
	r = prog_run(argv, NULL, &outp);
	free(cfarg);
	free(cpath);
	char *pids = r == 0 ? file_read_all(pidp, NULL) : NULL;
	free(pidp);
	pid_t pid = pids ? (pid_t)atoi(pids) : 0;
	free(pids);
	if (r != 0 || pid <= 0) {
		error_set(err, "dnsmasq failed to start (%d): %s", r, outp && *outp ? outp : "no pid file");
		free(outp);
		return -1;
	}
	free(outp);
	json_object_object_add(st, "dnsmasq_pid", json_object_new_int(pid));
	json_object_object_add(st, "dnsmasq_start", json_object_new_int64((int64_t)proc_start_ticks(pid)));
	return state_save(n->name, st, err);
}

/* 5. the record says the up finished */
static int up_complete(const struct labnet *n, json_object *st, char **err)
{
	json_object_object_add(st, "complete", json_object_new_boolean(true));
	return state_save(n->name, st, err);
}

/* Up already, by this record: 1. A stale record (crash, reboot, someone
 * deleted the bridge) is cleaned up: 0, start over. */
static int up_already(const struct labnet *n)
{
	json_object *old = state_load(n->name);
	if (!old)
		return 0;
	int idx = (int)st_int(old, "bridge_ifindex");
	pid_t pid = (pid_t)st_int(old, "dnsmasq_pid");
	bool br_ok = idx && nlact_ifindex(n->bridge) == idx;
	bool dns_ok = !n->dhcp || pid_is_ours(pid, (unsigned long long)st_int(old, "dnsmasq_start"));
	if (!br_ok || !dns_ok)
		undo(n->name, old, NULL);
	json_object_put(old);
	return br_ok && dns_ok;
}

/* The bridge is free to create and the runtime directory safe: 0. */
static int up_may(const struct labnet *n, const char *dir, char **err)
{
	if (nlact_ifindex(n->bridge) && bridge_marked(n))
		return refuse_not_ours(n, "up", err);
	if (nlact_ifindex(n->bridge)) {
		char kind[16] = "";
		nlact_link_kind(n->bridge, kind, sizeof(kind));
		return error_set(err, "net up %s: an interface %s (%s) already exists and was not created by vmdeck; "
				      "refusing to touch it (rename the network's bridge, or remove it)",
				 n->name, n->bridge, kind[0] ? kind : "no kind");
	}
	/* dnsmasq's config, pid and leases live here and root acts on them:
	 * never a symlink, another user's or a group-writable directory. */
	char *base = path_join(paths_runtime_dir(), "net");
	int r = paths_private_dir(paths_runtime_dir(), err) < 0 || paths_private_dir(base, err) < 0 ||
			paths_private_dir(dir, err) < 0
		? -1
		: 0;
	free(base);
	return r < 0 ? error_prefix(err, "net up %s", n->name) : 0;
}

static int up_locked(const struct labnet *n, char **err)
{
	if (up_already(n))
		return 1; /* nothing to do */
	char *dnsmasq = n->dhcp ? prog_find("dnsmasq", "VMDECK_DNSMASQ") : NULL;
	char *nft = n->nat ? prog_find("nft", "VMDECK_NFT") : NULL;
	char *dir = paths_net_dir(n->name);
	int rc = -1;
	if (n->dhcp && !dnsmasq)
		error_set(err, "net up %s: dnsmasq not found (install dnsmasq-base, or set VMDECK_DNSMASQ)", n->name);
	else if (n->nat && !nft)
		error_set(err, "net up %s: nft not found (install nftables, or set VMDECK_NFT)", n->name);
	else if ((rc = up_may(n, dir, err)) == 0) {
		json_object *st = json_object_new_object();
		json_object_object_add(st, "name", json_object_new_string(n->name));
		json_object_object_add(st, "bridge", json_object_new_string(n->bridge));
		json_object_object_add(st, "started", json_object_new_int64((int64_t)time(NULL)));
		if ((rc = state_save(n->name, st, err)) < 0) {
			json_object_put(st);
			rmdir(dir);
		} else if ((rc = up_bridge(n, st, err)) < 0 || (rc = up_address(n, st, err)) < 0 ||
			   (n->nat && (rc = up_nat(n, nft, st, err)) < 0) ||
			   (n->dhcp && (rc = up_dnsmasq(n, dnsmasq, dir, st, err)) < 0) ||
			   (rc = up_complete(n, st, err)) < 0) {
			rc = up_fail(n, st, rc, err);
		} else {
			json_object_put(st);
		}
	}
	free(dir);
	free(dnsmasq);
	free(nft);
	return rc;
}

/* ---- status -------------------------------------------------------------- */

static json_object *leases_json(const char *name)
{
	json_object *a = json_object_new_array();
	char *dir = paths_net_dir(name);
	char *p = path_join(dir, "leases");
	free(dir);
	FILE *f = fopen(p, "r");
	free(p);
	if (!f)
		return a;
	/* dnsmasq's lease file: "EXPIRY MAC IP HOSTNAME CLIENTID" per line. */
	char line[512];
	while (fgets(line, sizeof(line), f)) {
		unsigned long long exp;
		char mac[64], ip[64], host[256];
		if (sscanf(line, "%llu %63s %63s %255s", &exp, mac, ip, host) < 3)
			continue;
		json_object *o = json_object_new_object();
		json_object_object_add(o, "mac", json_object_new_string(mac));
		json_object_object_add(o, "ip", json_object_new_string(ip));
		json_object_object_add(o, "hostname", json_object_new_string(strcmp(host, "*") ? host : ""));
		json_object_object_add(o, "expires", json_object_new_int64((int64_t)exp));
		json_object_array_add(a, o);
	}
	fclose(f);
	return a;
}

json_object *labnet_status_object(const struct labnet *n)
{
	json_object *o = json_object_new_object();
	json_object *st = state_load(n->name);
	char sub[20], a[16], b[16], mac[18];
	labnet_conf_subnet(n, sub);
	json_object_object_add(o, "name", json_object_new_string(n->name));
	json_object_object_add(o, "file", json_object_new_string(n->path));
	json_object_object_add(o, "bridge", json_object_new_string(n->bridge));
	/* Up: recorded here, or the bridge is marked as this network's (up by
	 * another user or runtime directory: what it did is recorded there). */
	json_object_object_add(o, "up", json_object_new_boolean(st != NULL || bridge_marked(n)));
	json_object_object_add(o, "recorded", json_object_new_boolean(st != NULL));
	char addr[24];
	snprintf(addr, sizeof(addr), "%s/%u", inet_ntoa(n->address), n->prefix);
	json_object_object_add(o, "address", json_object_new_string(addr));
	json_object_object_add(o, "subnet", json_object_new_string(sub));
	json_object_object_add(o, "nat", json_object_new_boolean(n->nat));
	json_object_object_add(o, "pin", json_object_new_boolean(n->pin));
	json_object_object_add(o, "heal", json_object_new_boolean(n->heal));
	json_object_object_add(o, "tap_mac_policy", json_object_new_string(mac_policy_name(n->tap_mac_policy)));
	if (n->dhcp) {
		inet_ntop(AF_INET, &n->dhcp_start, a, sizeof(a));
		inet_ntop(AF_INET, &n->dhcp_end, b, sizeof(b));
		char *r = xasprintf("%s-%s", a, b);
		json_object_object_add(o, "dhcp_range", json_object_new_string(r));
		free(r);
	}
	int idx = nlact_ifindex(n->bridge);
	json_object_object_add(o, "bridge_exists", json_object_new_boolean(idx != 0));
	if (idx) {
		uint8_t m[6];
		if (nlact_get_mac(n->bridge, m, NULL) == 0) {
			mac_format(m, mac);
			json_object_object_add(o, "mac", json_object_new_string(mac));
		}
		int pin = bridge_read_pinned(n->bridge, idx);
		if (pin >= 0)
			json_object_object_add(o, "pinned", json_object_new_boolean(pin == 1));
		json_object_object_add(o, "healed", json_object_new_boolean(heal_get(NULL, n->bridge, idx)));
		/* TAPs root granted users on this bridge (net grant). */
		struct grant_tap *g;
		size_t ng = grant_list(NULL, n->bridge, &g);
		json_object *ga = json_object_new_array();
		for (size_t i = 0; i < ng; i++)
			json_object_array_add(ga, grant_tap_json(&g[i]));
		free(g);
		json_object_object_add(o, "grants", ga);
	}
	json_object_object_add(o, "forwarding", json_object_new_boolean(sysctl_read(ip_forward) == 1));
	if (st) {
		pid_t pid = (pid_t)st_int(st, "dnsmasq_pid");
		if (pid) {
			json_object_object_add(o, "dnsmasq_pid", json_object_new_int(pid));
			json_object_object_add(o, "dnsmasq_running",
					       json_object_new_boolean(pid_is_ours(pid, (unsigned long long)st_int(st, "dnsmasq_start"))));
		}
		json_object_object_add(o, "leases", leases_json(n->name));
		json_object *created = json_object_new_object();
		json_object_object_add(created, "bridge", json_object_new_boolean(st_bool(st, "bridge_created")));
		if (st_str(st, "address"))
			json_object_object_add(created, "address", json_object_new_string(st_str(st, "address")));
		if (st_str(st, "nft_table"))
			json_object_object_add(created, "nft_table", json_object_new_string(st_str(st, "nft_table")));
		json_object_object_add(created, "forwarding", json_object_new_boolean(st_bool(st, "forwarding_enabled")));
		json_object_object_add(created, "dnsmasq", json_object_new_boolean(st_int(st, "dnsmasq_pid") != 0));
		json_object_object_add(o, "created", created);
		char *dir = paths_net_dir(n->name);
		json_object_object_add(o, "runtime_dir", json_object_new_string(dir));
		free(dir);
		json_object_put(st);
	}
	return o;
}

char *labnet_status_text(const struct labnet *n)
{
	json_object *o = labnet_status_object(n);
	json_object *v;
#define S(k) (json_object_object_get_ex(o, k, &v) ? json_object_get_string(v) : "-")
#define B(k) (json_object_object_get_ex(o, k, &v) && json_object_get_boolean(v))
	char *s = xasprintf("%s: %s%s\n  bridge   %s%s  mac %s  %s\n  address  %s  nat %s  forwarding %s\n"
			    "  dhcp     %s  dnsmasq %s\n  taps     MAC policy %s\n",
			    n->name, B("up") ? "up" : "down",
			    B("up") && !B("recorded") ? " (by another user or runtime directory: no record here)" : "",
			    n->bridge, B("bridge_exists") ? "" : " (absent)", S("mac"),
			    json_object_object_get_ex(o, "pinned", &v) ? (json_object_get_boolean(v) ? "pinned" : "NOT pinned")
									 : "",
			    S("address"), n->nat ? "on" : "off", B("forwarding") ? "on" : "off",
			    n->dhcp ? S("dhcp_range") : "off",
			    json_object_object_get_ex(o, "dnsmasq_pid", &v)
				    ? (B("dnsmasq_running") ? "running" : "NOT running")
				    : "-",
			    S("tap_mac_policy"));
	json_object *grants;
	for (size_t i = 0; json_object_object_get_ex(o, "grants", &grants) && i < json_object_array_length(grants); i++) {
		json_object *g = json_object_array_get_idx(grants, i), *x;
		const char *f[4] = { "tap", "user", "mac", "state" }, *val[4];
		for (int k = 0; k < 4; k++)
			val[k] = json_object_object_get_ex(g, f[k], &x) ? json_object_get_string(x) : "";
		char *t = xasprintf("%s  grant    %s to %s, MAC %s, %s\n", s, val[0], val[1], val[2], val[3]);
		free(s);
		s = t;
	}
	json_object *leases;
	if (json_object_object_get_ex(o, "leases", &leases)) {
		for (size_t i = 0; i < json_object_array_length(leases); i++) {
			json_object *l = json_object_array_get_idx(leases, i), *x;
			const char *ip = json_object_object_get_ex(l, "ip", &x) ? json_object_get_string(x) : "";
			const char *mac = json_object_object_get_ex(l, "mac", &x) ? json_object_get_string(x) : "";
			const char *h = json_object_object_get_ex(l, "hostname", &x) ? json_object_get_string(x) : "";
			char *t = xasprintf("%s  lease    %s %s %s\n", s, ip, mac, h);
			free(s);
			s = t;
		}
	}
#undef S
#undef B
	json_object_put(o);
	return s;
}