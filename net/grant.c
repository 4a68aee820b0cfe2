/* grant: TAPs made by root for a user (see grant.h) — names, MACs, the
 * per-namespace record, and what the kernel says about each TAP. */
#include "net/grant.h"
#include "net/bridge.h"
#include "net/labnet.h"
#include "net/machist.h"
#include "net/nlact.h"
#include "net/tap.h"
#include "core/paths.h"
#include "core/util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

void grant_tap_name(const char *user, unsigned index, char out[16])
{
	char idx[16], buf[64];
	int il = snprintf(idx, sizeof idx, "-%u", index);
	if (strlen(GRANT_PREFIX) + strlen(user) + (size_t)il <= 15) {
		snprintf(buf, sizeof buf, GRANT_PREFIX "%s%s", user, idx);
		memcpy(out, buf, 16);
		return;
	}
	/* As profile_nic_tap_name: a prefix of the name and a hash of all of
	 * it, so that long names sharing a prefix differ. */
	int frag = 15 - 4 - 4 - il;
	if (frag < 1)
		frag = 1;
	uint32_t h = name_hash(user);
	snprintf(buf, sizeof buf, GRANT_PREFIX "%.*s%04x%s", frag, user, (unsigned)((h ^ (h >> 16)) & 0xffff), idx);
	memcpy(out, buf, 15);
	out[15] = 0;
}

bool grant_tap_mac(enum mac_policy policy, const char *bridge, const char *user, unsigned index, uint8_t out[6])
{
	/* No guest is known when root grants: a stable stand-in for one. */
	char *key = xasprintf("grant/%s/%s/%u", bridge, user, index);
	uint8_t guest[6];
	mac_from_name(key, guest);
	free(key);
	return tap_mac_for_policy(policy, guest, out);
}

/* ---- the kernel's view (sysfs; ip netns exec remounts it) --------------- */

static char *sys_read(const char *name, const char *attr)
{
	char *path = xasprintf("/sys/class/net/%s/%s", name, attr);
	char *s = file_read_all(path, NULL);
	free(path);
	if (s)
		s[strcspn(s, "\n")] = 0;
	return s;
}

static long sys_long(const char *name, const char *attr, int base)
{
	char *s = sys_read(name, attr);
	if (!s)
		return -1;
	char *end;
	long v = strtol(s, &end, base);
	if (end == s)
		v = -1;
	free(s);
	return v;
}

/* Fill the live fields of t for TAP t->tap: false when no TAP of that name
 * is here (or /sys shows another namespace). */
static bool live_fill(struct grant_tap *t)
{
	int ifindex = nlact_ifindex(t->tap);
	long flags = sys_long(t->tap, "tun_flags", 16);
	if (ifindex <= 0 || flags < 0 || sys_long(t->tap, "ifindex", 10) != ifindex)
		return false;
	if (!t->ifindex)
		t->ifindex = ifindex;
	t->present = t->ifindex == ifindex;
	long owner = sys_long(t->tap, "owner", 10);
	if (!t->recorded)
		t->uid = (uid_t)owner;
	char *path = xasprintf("/sys/class/net/%s/master", t->tap), link[PATH_MAX];
	ssize_t n = readlink(path, link, sizeof(link) - 1);
	free(path);
	const char *master = "";
	if (n > 0) {
		link[n] = 0;
		master = strrchr(link, '/') ? strrchr(link, '/') + 1 : link;
	}
	if (!t->bridge[0])
		snprintf(t->bridge, sizeof(t->bridge), "%.15s", master);
	t->enslaved = strcmp(master, t->bridge) == 0;
	long iff = sys_long(t->tap, "flags", 16);
	t->up = iff >= 0 && (iff & 1);
	/* Attached (QEMU has it open): carrier on; read only while up. */
	t->in_use = t->up && sys_long(t->tap, "carrier", 10) == 1;
	if (!t->recorded)
		nlact_get_mac(t->tap, t->mac, NULL);
	return true;
}

const char *grant_tap_state(const struct grant_tap *t)
{
	if (!t->present)
		return "gone";
	if (!t->enslaved)
		return "not enslaved";
	if (!t->up)
		return "down";
	return t->in_use ? "in use" : "free";
}

json_object *grant_tap_json(const struct grant_tap *t)
{
	char ms[18];
	mac_format(t->mac, ms);
	json_object *o = json_object_new_object();
	json_object_object_add(o, "bridge", json_object_new_string(t->bridge));
	json_object_object_add(o, "tap", json_object_new_string(t->tap));
	json_object_object_add(o, "user", json_object_new_string(t->user));
	json_object_object_add(o, "uid", json_object_new_int64((int64_t)t->uid));
	json_object_object_add(o, "mac", json_object_new_string(ms));
	json_object_object_add(o, "state", json_object_new_string(grant_tap_state(t)));
	json_object_object_add(o, "recorded", json_object_new_boolean(t->recorded));
	return o;
}

/* ---- the record ------------------------------------------------------------ */

struct record {
	char *path;
	struct machist_netns ns;
	json_object *list; /* owned: array of grants of this namespace */
	int lock_fd;
};

static uint64_t jget_u64(json_object *o, const char *key)
{
	json_object *v;
	return json_object_object_get_ex(o, key, &v) ? json_object_get_uint64(v) : 0;
}

static const char *jget_str(json_object *o, const char *key)
{
	json_object *v;
	return json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_string)
		       ? json_object_get_string(v)
		       : "";
}

/* Open this namespace's record; with lock, hold the grants lock (a grant
 * or revoke at a time). */
static int record_open(const char *dir, bool lock, struct record *r, char **err)
{
	memset(r, 0, sizeof(*r));
	r->lock_fd = -1;
	if (machist_netns_self(&r->ns, err) < 0)
		return -1;
	char *d = dir ? xstrdup(dir) : path_join(paths_state_dir(), "grants");
	r->path = xasprintf("%s/net-%" PRIu64 "-%" PRIu64 ".json", d, r->ns.dev, r->ns.ino);
	if (lock) {
		if (paths_private_dir(d, err) < 0) {
			error_prefix(err, "grants");
			free(d);
			return -1;
		}
		char *lf = path_join(d, "grants.lock");
		r->lock_fd = open(lf, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
		if (r->lock_fd < 0 || flock(r->lock_fd, LOCK_EX) < 0) {
			error_set(err, "grants: cannot lock %s: %s", lf, strerror(errno));
			free(lf);
			free(d);
			return -1;
		}
		free(lf);
	}
	free(d);
	char *s = file_read_all(r->path, NULL);
	json_object *o = s ? json_tokener_parse(s) : NULL, *n, *g;
	free(s);
	struct machist_netns rec = { 0 };
	if (o && json_object_object_get_ex(o, "netns", &n) && json_object_object_get_ex(o, "grants", &g) &&
	    json_object_is_type(g, json_type_array)) {
		rec.dev = jget_u64(n, "dev");
		rec.ino = jget_u64(n, "ino");
		rec.cookie = jget_u64(n, "cookie");
		snprintf(rec.boot_id, sizeof(rec.boot_id), "%s", jget_str(n, "boot_id"));
		/* A record of an earlier namespace with the same inode (or of
		 * before a reboot) names TAPs that are not these. */
		if (machist_netns_same(&r->ns, &rec))
			r->list = json_object_get(g);
	}
	json_object_put(o);
	if (!r->list)
		r->list = json_object_new_array();
	return 0;
}

static int record_save(struct record *r, char **err)
{
	json_object *o = json_object_new_object();
	json_object_object_add(o, "netns", machist_netns_json(&r->ns));
	json_object_object_add(o, "grants", json_object_get(r->list));
	const char *s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE);
	int rc = file_write_atomic(r->path, s, strlen(s), 0600, err);
	json_object_put(o);
	return rc < 0 ? -1 : 0;
}

static void record_close(struct record *r)
{
	json_object_put(r->list);
	free(r->path);
	if (r->lock_fd >= 0)
		close(r->lock_fd);
	r->list = NULL;
	r->path = NULL;
}

/* A record entry as a grant_tap (live fields filled). */
static void entry_to_tap(json_object *e, struct grant_tap *t)
{
	memset(t, 0, sizeof(*t));
	t->recorded = true;
	snprintf(t->tap, sizeof(t->tap), "%s", jget_str(e, "tap"));
	snprintf(t->bridge, sizeof(t->bridge), "%s", jget_str(e, "bridge"));
	snprintf(t->user, sizeof(t->user), "%s", jget_str(e, "user"));
	t->uid = (uid_t)jget_u64(e, "uid");
	t->ifindex = (int)jget_u64(e, "ifindex");
	mac_parse(jget_str(e, "mac"), t->mac);
	live_fill(t);
}

static json_object *entry_new(const char *bridge, const char *user, uid_t uid, const char *tap, int ifindex,
			      const uint8_t mac[6])
{
	char ms[18];
	json_object *e = json_object_new_object();
	json_object_object_add(e, "bridge", json_object_new_string(bridge));
	json_object_object_add(e, "user", json_object_new_string(user));
	json_object_object_add(e, "uid", json_object_new_uint64(uid));
	json_object_object_add(e, "tap", json_object_new_string(tap));
	json_object_object_add(e, "ifindex", json_object_new_int(ifindex));
	mac_format(mac, ms);
	json_object_object_add(e, "mac", json_object_new_string(ms));
	return e;
}

static bool record_has_tap(json_object *list, const char *tap)
{
	for (size_t i = 0; i < json_object_array_length(list); i++)
		if (strcmp(jget_str(json_object_array_get_idx(list, i), "tap"), tap) == 0)
			return true;
	return false;
}

/* ---- grant / revoke ----------------------------------------------------- */

static enum mac_policy bridge_policy(const char *bridge)
{
	struct labnet_set *nets = labnet_set_load(NULL);
	const struct labnet *n = labnet_set_find_bridge(nets, bridge);
	enum mac_policy p = n ? n->tap_mac_policy : MAC_POLICY_DERIVED;
	labnet_set_free(nets);
	return p;
}

/* Make one granted TAP (the lowest free index) and record it. */
static int grant_one(struct record *r, const char *bridge, const struct passwd *pw, enum mac_policy pol,
		     struct strv *made, char **err)
{
	char tap[16];
	unsigned i = 0;
	for (;; i++) {
		grant_tap_name(pw->pw_name, i, tap);
		if (!record_has_tap(r->list, tap) && nlact_ifindex(tap) == 0)
			break;
		if (i > 4 * GRANT_TAPS_MAX)
			return error_set(err, "grant: no free TAP name for user %s", pw->pw_name);
	}
	uint8_t mac[6];
	bool has_mac = grant_tap_mac(pol, bridge, pw->pw_name, i, mac);
	struct tap_spec spec = { .name = tap, .mac = has_mac ? mac : NULL, .owner = pw->pw_uid,
				 .group = (gid_t)-1, .bridge = bridge };
	int rc = tap_create(&spec, err);
	if (rc < 0)
		return error_prefix(err, "grant %s to %s", bridge, pw->pw_name), rc;
	int ifindex = nlact_ifindex(tap);
	if (!has_mac)
		nlact_get_mac(tap, mac, NULL);
	json_object_array_add(r->list, entry_new(bridge, pw->pw_name, pw->pw_uid, tap, ifindex, mac));
	if (record_save(r, err) < 0) {
		/* Unrecorded, revoke could never find it: not made at all. */
		tap_delete(tap, NULL);
		json_object_array_del_idx(r->list, json_object_array_length(r->list) - 1, 1);
		return error_prefix(err, "grant %s to %s", bridge, pw->pw_name);
	}
	strv_push(made, tap);
	return 0;
}

int grant_add(const char *dir, const char *bridge, const char *user, unsigned n, struct strv *made, char **err)
{
	if (n < 1 || n > GRANT_TAPS_MAX)
		return error_kind_set(err, ERR_INVALID, "grant: --taps must be 1 to %d", GRANT_TAPS_MAX);
	char kind[16];
	if (nlact_link_kind(bridge, kind, sizeof(kind)) < 0)
		return error_kind_set(err, ERR_NOTFOUND, "grant: no bridge %s in this network namespace", bridge);
	if (strcmp(kind, "bridge") != 0)
		return error_kind_set(err, ERR_INVALID, "grant: %s is not a bridge (kind \"%s\")", bridge, kind);
	errno = 0;
	struct passwd *pw = getpwnam(user);
	if (!pw)
		return error_kind_set(err, ERR_NOTFOUND, "grant: no user %s%s%s", user, errno ? ": " : "",
				      errno ? strerror(errno) : "");
	if (!nlact_have_net_admin())
		return error_kind_set(err, ERR_PERM, "grant: making TAPs for a user needs root (or CAP_NET_ADMIN)");
	struct passwd pwc = *pw; /* getpwnam's buffer may be reused */
	pwc.pw_name = xstrdup(pw->pw_name);
	struct record r;
	int rc = record_open(dir, true, &r, err);
	size_t have = 0;
	/* Records of TAPs that are gone (or whose name is another
	 * interface's now) are dropped: nothing of them is left to revoke. */
	json_object *live = json_object_new_array();
	for (size_t i = 0; rc == 0 && i < json_object_array_length(r.list); i++) {
		json_object *e = json_object_array_get_idx(r.list, i);
		struct grant_tap t;
		entry_to_tap(e, &t);
		if (!t.present)
			continue;
		json_object_array_add(live, json_object_get(e));
		if (t.uid == pwc.pw_uid && strcmp(t.bridge, bridge) == 0)
			have++;
	}
	json_object_put(r.list);
	r.list = live;
	enum mac_policy pol = bridge_policy(bridge);
	while (rc == 0 && have < n) {
		rc = grant_one(&r, bridge, &pwc, pol, made, err);
		have++;
	}
	record_close(&r);
	free(pwc.pw_name);
	return rc;
}

int grant_revoke(const char *dir, const char *bridge, const char *user, struct strv *removed, struct strv *kept,
		 char **err)
{
	if (!nlact_have_net_admin())
		return error_kind_set(err, ERR_PERM, "revoke: deleting granted TAPs needs root (or CAP_NET_ADMIN)");
	struct record r;
	if (record_open(dir, true, &r, err) < 0) {
		record_close(&r);
		return -1;
	}
	json_object *left = json_object_new_array();
	int rc = 0;
	for (size_t i = 0; i < json_object_array_length(r.list); i++) {
		json_object *e = json_object_array_get_idx(r.list, i);
		struct grant_tap t;
		entry_to_tap(e, &t);
		if (strcmp(t.bridge, bridge) != 0 || (user && strcmp(t.user, user) != 0)) {
			json_object_array_add(left, json_object_get(e));
			continue;
		}
		if (!t.present)
			continue; /* gone (or another interface has the name now): only the record goes */
		char *e2 = NULL;
		if (tap_delete_unused(t.tap, &e2) < 0) {
			strv_pushf(kept, "%s (%s)", t.tap, e2 ? e2 : "failed");
			json_object_array_add(left, json_object_get(e));
			rc = error_kind_set(err, ERR_BUSY, "revoke: %s", e2 ? e2 : t.tap);
		} else {
			strv_push(removed, t.tap);
		}
		free(e2);
	}
	json_object_put(r.list);
	r.list = left;
	char *e3 = NULL;
	if (record_save(&r, rc < 0 ? &e3 : err) < 0 && rc == 0)
		rc = -1;
	free(e3);
	record_close(&r);
	return rc;
}

/* ---- what there is ------------------------------------------------------- */

static void list_push(struct grant_tap **v, size_t *n, const struct grant_tap *t)
{
	*v = xrealloc(*v, (*n + 1) * sizeof(**v));
	(*v)[(*n)++] = *t;
}

static size_t list_all(const char *dir, bool records, const char *bridge, struct grant_tap **out)
{
	*out = NULL;
	size_t n = 0;
	struct record r;
	if (records && record_open(dir, false, &r, NULL) == 0) {
		for (size_t i = 0; i < json_object_array_length(r.list); i++) {
			struct grant_tap t;
			entry_to_tap(json_object_array_get_idx(r.list, i), &t);
			if (!bridge || strcmp(t.bridge, bridge) == 0)
				list_push(out, &n, &t);
		}
		record_close(&r);
	}
	DIR *d = opendir("/sys/class/net");
	struct dirent *de;
	while (d && (de = readdir(d))) {
		if (strncmp(de->d_name, GRANT_PREFIX, strlen(GRANT_PREFIX)) != 0 || strlen(de->d_name) > 15)
			continue;
		bool seen = false;
		for (size_t i = 0; i < n && !seen; i++)
			seen = strcmp((*out)[i].tap, de->d_name) == 0;
		struct grant_tap t = { 0 };
		snprintf(t.tap, sizeof(t.tap), "%s", de->d_name);
		if (seen || !live_fill(&t) || (bridge && strcmp(t.bridge, bridge) != 0))
			continue;
		struct passwd *pw = getpwuid(t.uid);
		snprintf(t.user, sizeof(t.user), "%s", pw ? pw->pw_name : "?");
		list_push(out, &n, &t);
	}
	if (d)
		closedir(d);
	return n;
}

size_t grant_list(const char *dir, const char *bridge, struct grant_tap **out)
{
	return list_all(dir, true, bridge, out);
}

int grant_find_free(const char *bridge, uid_t uid, const struct strv *exclude, char out[16], size_t *n_granted)
{
	struct grant_tap *v;
	/* Only the kernel's view: a user has no record of what root granted. */
	size_t n = list_all(NULL, false, bridge, &v), granted = 0;
	int rc = -1;
	for (size_t i = 0; i < n; i++) {
		if (v[i].uid != uid || !v[i].present || !v[i].enslaved)
			continue;
		granted++;
		bool excluded = false;
		for (size_t k = 0; exclude && k < exclude->n && !excluded; k++)
			excluded = strcmp(exclude->v[k], v[i].tap) == 0;
		if (rc < 0 && !excluded && v[i].up && !v[i].in_use) {
			memcpy(out, v[i].tap, 16);
			rc = 0;
		}
	}
	free(v);
	if (n_granted)
		*n_granted = granted;
	return rc;
}
