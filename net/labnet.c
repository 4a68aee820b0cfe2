/* labnet: lab network files -> struct labnet, read with core/schema.c's
 * walker (the rules and words every YAML file of vmdeck shares), and the
 * directory of them as a set. labnet_conf.c turns a network into dnsmasq's
 * and nftables' configuration, labnet_run.c brings it up and down. */
#include "net/labnet.h"
#include "net/labnet_conf.h"
#include "core/paths.h"
#include "core/schema.h"
#include "core/util.h"
#include "core/yamldoc.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

/* ---- values ---------------------------------------------------------------- */

/* The one rule for lab network names, like the VM name rule
 * (profile_name_problem): a name becomes a path component
 * (<runtime>/net/NAME), an nft table name and a command-line argument. */
const char *labnet_name_problem(const char *name)
{
	if (!name || !schema_chars(name, "_-", 32))
		return "is not a lab network name (1-32 letters, digits, '_' or '-')";
	if (name[0] == '-')
		return "is not a lab network name: it may not start with '-' (it would be read as an option)";
	return NULL;
}

static bool host_name_valid(const char *s) { return schema_chars(s, "-", 63); }

/* dnsmasq's syntax: a number with an optional s/m/h/d/w, or infinite. */
static bool lease_time_valid(const char *s)
{
	size_t n = strspn(s, "0123456789");
	return strcmp(s, "infinite") == 0 || (n > 0 && (s[n] == 0 || (strchr("smhdw", s[n]) && s[n + 1] == 0)));
}

static bool ip_parse(struct schema *s, yaml_node_t *v, const char *key, const char *text, struct in_addr *out)
{
	if (inet_pton(AF_INET, text, out) == 1)
		return true;
	schema_error(s, v, "'%s': '%s' is not an IPv4 address", key, text);
	return false;
}

/* ---- custom fields ------------------------------------------------------- */

static void f_name(struct schema *s, yaml_node_t *v, void *target, const struct schema_field *f)
{
	struct labnet *n = target;
	const char *t = yamldoc_is_null(v) ? NULL : schema_string(s, v, f->key);
	if (!t)
		return;
	if (labnet_name_problem(t)) {
		schema_error(s, v, "'%s': '%s' %s", f->key, t, labnet_name_problem(t));
		return;
	}
	free(n->name);
	n->name = xstrdup(t);
	n->name_line = YAMLDOC_LINE(v);
	n->name_col = YAMLDOC_COL(v);
}

/* address: 172.16.1.1/24, prefix 1-30. */
static void f_address(struct schema *s, yaml_node_t *v, void *target, const struct schema_field *f)
{
	struct labnet *n = target;
	const char *t = yamldoc_is_null(v) ? NULL : schema_string(s, v, f->key);
	if (!t)
		return;
	const char *slash = strchr(t, '/');
	if (!slash) {
		schema_error(s, v, "'%s': '%s' needs a prefix, e.g. 172.16.1.1/24", f->key, t);
		return;
	}
	char *ip = xstrndup(t, (size_t)(slash - t));
	bool ok = ip_parse(s, v, f->key, ip, &n->address);
	free(ip);
	if (!ok)
		return;
	unsigned long long p;
	if (parse_uint(slash + 1, 1, 30, &p) < 0) {
		schema_error(s, v, "'%s': bad prefix '%s' (expected 1-30)", f->key, slash + 1);
		return;
	}
	n->prefix = (unsigned)p;
}

/* range: FIRST-LAST */
static void f_range(struct schema *s, yaml_node_t *v, void *target, const struct schema_field *f)
{
	struct labnet *n = target;
	const char *t = yamldoc_is_null(v) ? NULL : schema_string(s, v, f->key);
	if (!t)
		return;
	const char *dash = strchr(t, '-');
	if (!dash) {
		schema_error(s, v, "'%s': '%s' should be FIRST-LAST, e.g. 172.16.1.100-172.16.1.199", f->key, t);
		return;
	}
	char *a = xstrndup(t, (size_t)(dash - t));
	if (ip_parse(s, v, f->key, a, &n->dhcp_start))
		ip_parse(s, v, f->key, dash + 1, &n->dhcp_end);
	free(a);
}

static void f_ip(struct schema *s, yaml_node_t *v, void *target, const struct schema_field *f)
{
	const char *t = yamldoc_is_null(v) ? NULL : schema_string(s, v, f->key);
	if (t)
		ip_parse(s, v, f->key, t, (struct in_addr *)((char *)target + f->off));
}

/* ---- the schema ---------------------------------------------------------- */

#define L(m) offsetof(struct labnet, m)
#define H(m) offsetof(struct labnet_host, m)

static const struct schema_field host_fields[] = {
	{ .key = "mac", .type = SCHEMA_MAC, .off = H(mac) },
	{ .key = "ip", .type = SCHEMA_CUSTOM, .off = H(ip), .fn = f_ip },
	{ .key = "name", .type = SCHEMA_STR, .off = H(name), .valid = host_name_valid,
	  .valid_what = "a host name (letters, digits and '-', at most 63)" },
	{ 0 },
};

static const struct schema_field dhcp_fields[] = {
	{ .key = "range", .type = SCHEMA_CUSTOM, .fn = f_range },
	{ .key = "lease_time", .type = SCHEMA_STR, .off = L(lease_time), .valid = lease_time_valid,
	  .valid_what = "a lease time like 3600, 45m, 1h, 1d or infinite" },
	{ .key = "hosts", .type = SCHEMA_LIST, .off = L(hosts), .flag_off = L(n_hosts), .sub = host_fields,
	  .item_size = sizeof(struct labnet_host), .item_pos_off = H(line) },
	{ 0 },
};

static const struct schema_field root_fields[] = {
	{ .key = "name", .type = SCHEMA_CUSTOM, .fn = f_name },
	{ .key = "description", .type = SCHEMA_STR, .off = L(description) },
	{ .key = "bridge", .type = SCHEMA_STR, .off = L(bridge), .valid = schema_ifname_valid,
	  .valid_what = SCHEMA_IFNAME_WHAT },
	{ .key = "address", .type = SCHEMA_CUSTOM, .fn = f_address },
	{ .key = "mac", .type = SCHEMA_MAC, .off = L(mac), .flag_off = L(has_mac) },
	{ .key = "pin", .type = SCHEMA_BOOL, .off = L(pin) },
	{ .key = "heal", .type = SCHEMA_BOOL, .off = L(heal) },
	{ .key = "nat", .type = SCHEMA_BOOL, .off = L(nat) },
	{ .key = "dhcp", .type = SCHEMA_MAP, .sub = dhcp_fields, .flag_off = L(dhcp) },
	{ .key = "tap_mac_policy", .type = SCHEMA_ENUM, .off = L(tap_mac_policy), .names = mac_policy_names,
	  .n_names = MAC_POLICY_COUNT },
	{ 0 },
};

/* ---- checks across fields ------------------------------------------------ */

static bool in_subnet(struct in_addr a, struct in_addr net, unsigned prefix, bool host_only)
{
	uint32_t h = ntohl(a.s_addr), n = ntohl(net.s_addr), m = labnet_conf_mask(prefix);
	if ((h & m) != (n & m))
		return false;
	/* Neither the network nor the broadcast address. */
	return !host_only || ((h & ~m) != 0 && (h & ~m) != ~m);
}

static void check_dhcp(struct schema *s, struct labnet *n, const char *sub, struct schema_pos r)
{
	struct schema_pos at = schema_pos(s, "range", n, r);
	if (!schema_seen_find(s, "range", n)) {
		at = schema_pos(s, "dhcp", n, r);
		schema_report(s, SCHEMA_ERROR, at.line, at.col, "'dhcp' needs 'range' (FIRST-LAST)");
		return;
	}
	char a[16], b[16], ad[16];
	inet_ntop(AF_INET, &n->dhcp_start, a, sizeof(a));
	inet_ntop(AF_INET, &n->dhcp_end, b, sizeof(b));
	inet_ntop(AF_INET, &n->address, ad, sizeof(ad));
	if (!in_subnet(n->dhcp_start, n->address, n->prefix, true) || !in_subnet(n->dhcp_end, n->address, n->prefix, true))
		schema_report(s, SCHEMA_ERROR, at.line, at.col, "dhcp range %s-%s is outside the subnet %s", a, b, sub);
	else if (ntohl(n->dhcp_start.s_addr) > ntohl(n->dhcp_end.s_addr))
		schema_report(s, SCHEMA_ERROR, at.line, at.col, "dhcp range %s-%s: first is after last", a, b);
	uint32_t addr = ntohl(n->address.s_addr);
	if (addr >= ntohl(n->dhcp_start.s_addr) && addr <= ntohl(n->dhcp_end.s_addr))
		schema_report(s, SCHEMA_ERROR, at.line, at.col, "dhcp range %s-%s contains the bridge address %s", a, b,
			      ad);
	for (size_t i = 0; i < n->n_hosts; i++) {
		struct labnet_host *h = &n->hosts[i];
		char ip[16];
		inet_ntop(AF_INET, &h->ip, ip, sizeof(ip));
		if (!schema_seen_find(s, "mac", h) || !schema_seen_find(s, "ip", h))
			schema_report(s, SCHEMA_ERROR, h->line, h->col, "each item of 'hosts' needs 'mac' and 'ip'");
		else if (!in_subnet(h->ip, n->address, n->prefix, true))
			schema_report(s, SCHEMA_ERROR, h->line, h->col, "host %s is outside the subnet %s", ip, sub);
	}
}

static char *stem(const char *path)
{
	const char *b = strrchr(path, '/');
	b = b ? b + 1 : path;
	const char *dot = strrchr(b, '.');
	return dot && dot != b ? xstrndup(b, (size_t)(dot - b)) : xstrdup(b);
}

/* Run when the walk found nothing wrong: the values are all there. */
static void check(struct schema *s, struct labnet *n, yaml_node_t *root)
{
	struct schema_pos r = schema_node_pos(root);
	if (!n->prefix) {
		schema_report(s, SCHEMA_ERROR, r.line, r.col, "missing required key 'address' (e.g. address: 172.16.1.1/24)");
		return;
	}
	struct schema_pos at = schema_pos(s, "address", n, r);
	char ad[16], sub[20];
	inet_ntop(AF_INET, &n->address, ad, sizeof(ad));
	labnet_conf_subnet(n, sub);
	if (!in_subnet(n->address, n->address, n->prefix, true))
		schema_report(s, SCHEMA_ERROR, at.line, at.col, "'address': %s is the network or broadcast address of /%u",
			      ad, n->prefix);
	if (n->dhcp)
		check_dhcp(s, n, sub, r);
	if (!n->name) {
		n->name = stem(n->path);
		if (labnet_name_problem(n->name))
			schema_report(s, SCHEMA_ERROR, 1, 1, "the network's name '%s' (from the file name) %s", n->name,
				      labnet_name_problem(n->name));
	}
	if (!n->bridge && strlen(n->name) > 15)
		schema_report(s, SCHEMA_ERROR, n->name_line ? n->name_line : 1, n->name_line ? n->name_col : 1,
			      "name '%s' is too long for a bridge name (at most 15 characters): give 'bridge'", n->name);
}

/* ---- loading ----------------------------------------------------------- */

/* Every problem, one "FILE:LINE:COL: message" line each (schema_text). */
static void sink_give(struct schema_text *k, char **err)
{
	if (err) {
		free(*err);
		*err = k->err;
	} else {
		free(k->err);
	}
}

struct labnet *labnet_parse(const char *path, const char *buf, size_t len, char **err)
{
	struct schema_text k = { path, NULL };
	struct schema s;
	schema_init(&s, schema_text_add, &k);
	struct labnet *n = xcalloc(1, sizeof(*n));
	n->path = xstrdup(path);
	n->pin = true;
	n->nat = true;
	n->tap_mac_policy = MAC_POLICY_DERIVED;

	struct yamldoc *d = yamldoc_new(buf, len, LABNET_MAX_SIZE, "a lab network", schema_yamldoc_report, &s);
	if (d) {
		s.doc = yamldoc_document(d);
		yaml_node_t *root = yamldoc_root(d);
		if (schema_walk_root(&s, root, root_fields, n, "lab network", "'address'", "name: …, address: …") &&
		    s.errors == 0)
			check(&s, n, root);
		/* One network per file: a second document is a mistake. */
		if (s.errors == 0)
			yamldoc_single(d, "a second YAML document ('---'): a lab network file holds one network");
		yamldoc_free(d);
	}
	schema_clear(&s);
	if (s.errors) {
		sink_give(&k, err);
		labnet_free(n);
		return NULL;
	}
	free(k.err); /* warnings: none yet */
	if (!n->bridge)
		n->bridge = xstrdup(n->name);
	if (!n->has_mac)
		mac_from_name(n->name, n->mac);
	if (!n->lease_time)
		n->lease_time = xstrdup("1h");
	return n;
}

struct labnet *labnet_load(const char *path, char **err)
{
	struct schema_text k = { path, NULL };
	struct schema s;
	schema_init(&s, schema_text_add, &k);
	size_t len;
	char *buf = yamldoc_read(path, LABNET_MAX_SIZE, "a lab network", &len, schema_yamldoc_report, &s);
	if (!buf) {
		sink_give(&k, err);
		return NULL;
	}
	struct labnet *n = labnet_parse(path, buf, len, err);
	free(buf);
	return n;
}

void labnet_free(struct labnet *n)
{
	if (!n)
		return;
	for (size_t i = 0; i < n->n_hosts; i++)
		free(n->hosts[i].name);
	free(n->hosts);
	free(n->name);
	free(n->path);
	free(n->description);
	free(n->bridge);
	free(n->lease_time);
	free(n);
}

char *labnet_dir(void)
{
	return path_join(paths_profiles_dir(), "networks");
}

/* One directory of lab networks as a set, like the profile set: files in
 * sorted order, and the first file with a name keeps it; a later file with
 * the same name is ignored with an error naming both (else `net list`
 * printed the name twice and one of them could never be reached). */
struct netset {
	struct labnet **v; /* loaded, names unique, file order */
	size_t n;
	size_t n_files;
	struct strv problems; /* one string per file that does not load */
};

static char *dup_message(const struct labnet *later, const struct labnet *first)
{
	return xasprintf("%s:%d:%d: duplicate lab network name \"%s\": already defined in %s:%d:%d (this file is "
			 "ignored)",
			 later->path, later->name_line ? later->name_line : 1, later->name_line ? later->name_col : 1,
			 later->name, first->path, first->name_line ? first->name_line : 1,
			 first->name_line ? first->name_col : 1);
}

static const struct labnet *netset_by_name(const struct netset *set, const char *name)
{
	for (size_t i = 0; i < set->n; i++)
		if (strcmp(set->v[i]->name, name) == 0)
			return set->v[i];
	return NULL;
}

static void netset_load(struct netset *set, const char *dir)
{
	memset(set, 0, sizeof(*set));
	strv_init(&set->problems);
	struct strv files;
	strv_init(&files);
	yamldoc_dir_files(dir, &files, NULL); /* a missing directory is an empty set */
	set->n_files = files.n;
	for (size_t i = 0; i < files.n; i++) {
		char *err = NULL;
		struct labnet *ln = labnet_load(files.v[i], &err);
		const struct labnet *first = ln ? netset_by_name(set, ln->name) : NULL;
		if (first) {
			free(err);
			err = dup_message(ln, first);
			labnet_free(ln);
			ln = NULL;
		}
		if (!ln) {
			strv_push_owned(&set->problems, err ? err : xasprintf("%s: does not load", files.v[i]));
			continue;
		}
		free(err);
		set->v = xrealloc(set->v, (set->n + 1) * sizeof(*set->v));
		set->v[set->n++] = ln;
	}
	strv_clear(&files);
}

/* Take one network out of the set (the caller owns it), free the rest. */
static struct labnet *netset_take(struct netset *set, const struct labnet *keep)
{
	struct labnet *r = NULL;
	for (size_t i = 0; i < set->n; i++) {
		if (set->v[i] == keep)
			r = set->v[i];
		else
			labnet_free(set->v[i]);
	}
	free(set->v);
	strv_clear(&set->problems);
	return r;
}

int labnet_find(const char *name, struct labnet **out, char **err)
{
	*out = NULL;
	/* The name becomes a file name: never one outside the networks dir. */
	if (labnet_name_problem(name))
		return error_kind_set(err, ERR_INVALID, "\"%s\" %s", name, labnet_name_problem(name));
	char *dir = labnet_dir();
	char *p = xasprintf("%s/%s.yaml", dir, name);
	struct netset set;
	netset_load(&set, dir);
	/* By name first; else the file NAME.yaml, whatever name it gives. */
	const struct labnet *found = netset_by_name(&set, name);
	int rc = -1;
	for (size_t i = 0; i < set.n && !found; i++)
		if (strcmp(set.v[i]->path, p) == 0)
			found = set.v[i];
	if (!found) {
		/* NAME.yaml that is not in the set: say why (its own problems, or
		 * the duplicate name); else there is no such network. */
		struct labnet *ln = NULL;
		if (!path_exists(p)) {
			rc = error_kind_set(err, ERR_NOTFOUND, "no lab network %s (looked for %s/%s.yaml)", name, dir, name);
		} else if ((ln = labnet_load(p, err))) {
			const struct labnet *first = netset_by_name(&set, ln->name);
			char *m = first ? dup_message(ln, first) : xasprintf("%s: changed while it was read", p);
			error_set(err, "%s", m);
			free(m);
		}
		labnet_free(ln);
	}
	*out = netset_take(&set, found);
	free(p);
	free(dir);
	return *out ? 0 : rc;
}

static const struct labnet *netset_by_bridge(const struct netset *set, const char *bridge)
{
	for (size_t i = 0; i < set->n; i++)
		if (strcmp(set->v[i]->bridge, bridge) == 0)
			return set->v[i];
	return NULL;
}

struct labnet_set {
	struct netset s;
	const struct labnet **by_name; /* s.v sorted by name */
};

static int cmp_net_name(const void *a, const void *b)
{
	return strcmp((*(const struct labnet *const *)a)->name, (*(const struct labnet *const *)b)->name);
}

struct labnet_set *labnet_set_load(const char *dir)
{
	struct labnet_set *set = xcalloc(1, sizeof(*set));
	char *own = dir ? NULL : labnet_dir();
	netset_load(&set->s, dir ? dir : own);
	free(own);
	set->by_name = xcalloc(set->s.n + 1, sizeof(*set->by_name));
	for (size_t i = 0; i < set->s.n; i++)
		set->by_name[i] = set->s.v[i];
	qsort(set->by_name, set->s.n, sizeof(*set->by_name), cmp_net_name);
	return set;
}

void labnet_set_free(struct labnet_set *set)
{
	if (!set)
		return;
	netset_take(&set->s, NULL);
	free(set->by_name);
	free(set);
}

size_t labnet_set_count(const struct labnet_set *set)
{
	return set ? set->s.n : 0;
}

const struct labnet *labnet_set_at(const struct labnet_set *set, size_t i)
{
	return set && i < set->s.n ? set->by_name[i] : NULL;
}

const char *const *labnet_set_problems(const struct labnet_set *set, size_t *n_files)
{
	*n_files = set->s.n_files;
	return (const char *const *)set->s.problems.v;
}

const struct labnet *labnet_set_find_bridge(const struct labnet_set *set, const char *bridge)
{
	return set && bridge ? netset_by_bridge(&set->s, bridge) : NULL;
}

char **labnet_problems(const char *dir, size_t *n_files, size_t *n_ok)
{
	char *own = dir ? NULL : labnet_dir();
	struct netset set;
	netset_load(&set, dir ? dir : own);
	free(own);
	*n_files = set.n_files;
	*n_ok = set.n;
	char **errs = set.problems.v; /* strv_init made it NULL-terminated even when empty */
	set.problems.v = NULL;
	set.problems.n = 0;
	netset_take(&set, NULL);
	return errs;
}

char **labnet_list(void)
{
	struct labnet_set *set = labnet_set_load(NULL);
	size_t n = labnet_set_count(set);
	char **names = xcalloc(n + 1, sizeof(*names));
	for (size_t i = 0; i < n; i++)
		names[i] = xstrdup(labnet_set_at(set, i)->name);
	labnet_set_free(set);
	return names;
}
