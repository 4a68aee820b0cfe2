/* labnet: lab networks from YAML (libyaml document API), brought up and down
 * with a record of every step in paths_net_dir(NAME)/state.json, so down
 * undoes exactly what up did and a failed up leaves nothing behind. */
#include "net/labnet.h"
#include "net/bridge.h"
#include "net/nlact.h"
#include "core/paths.h"
#include "core/util.h"
#include "core/yamldoc.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <yaml.h>

/* ---- parsing ------------------------------------------------------------- */

struct pctx {
	const char *file;
	struct yamldoc *doc;
	struct labnet *n;
	char *err;        /* every problem, one per line (at most PERR_MAX) */
	int n_err;
	/* Positions for cross-field checks. */
	int addr_line, addr_col, range_line, range_col;
};

#define LINE(x) YAMLDOC_LINE(x)
#define COL(x) YAMLDOC_COL(x)

/* Every problem is reported, like a profile's, so one run of 'vmdeck check'
 * shows them all; a file with any problem does not load. */
#define PERR_MAX 20

static void __attribute__((format(printf, 4, 5))) perr(struct pctx *c, int line, int col, const char *fmt, ...)
{
	if (++c->n_err > PERR_MAX + 1)
		return;
	va_list ap;
	va_start(ap, fmt);
	char *m = xvasprintf(fmt, ap);
	va_end(ap);
	/* Line 0: about the file as a whole (cannot open it, ...). */
	char *one = c->n_err > PERR_MAX ? xasprintf("%s: more problems not shown", c->file)
		    : line > 0		    ? xasprintf("%s:%d:%d: %s", c->file, line, col, m)
					    : xasprintf("%s: %s", c->file, m);
	free(m);
	if (!c->err) {
		c->err = one;
		return;
	}
	char *both = xasprintf("%s\n%s", c->err, one);
	free(c->err);
	free(one);
	c->err = both;
}

/* yamldoc's problems (a file that is not YAML at all: the first is enough). */
static void yamldoc_report(void *ud, int line, int col, const char *msg)
{
	struct pctx *c = ud;
	if (!c->err)
		perr(c, line, col, "%s", msg);
}

static const char *scalar_of(struct pctx *c, yaml_node_t *v, const char *key)
{
	const char *s = yamldoc_scalar(v);
	if (!s)
		perr(c, LINE(v), COL(v), "%s: expected a single value", key);
	return s;
}

static bool get_bool(struct pctx *c, yaml_node_t *v, const char *key, bool *out)
{
	const char *s = scalar_of(c, v, key);
	if (!s)
		return false;
	/* parse_bool: the one spelling profiles use too. */
	if (parse_bool(s, out) == 0)
		return true;
	perr(c, LINE(v), COL(v), "%s: expected true or false, not \"%s\"", key, s);
	return false;
}

static bool parse_ip(struct pctx *c, yaml_node_t *v, const char *key, const char *s, struct in_addr *out)
{
	if (inet_pton(AF_INET, s, out) != 1) {
		perr(c, LINE(v), COL(v), "%s: \"%s\" is not an IPv4 address", key, s);
		return false;
	}
	return true;
}

static bool name_ok(const char *s, size_t max, const char *extra)
{
	size_t n = strlen(s);
	if (n == 0 || n > max)
		return false;
	for (const char *p = s; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		      strchr(extra, *p)))
			return false;
	/* "." and ".." are no interface names (the kernel refuses them) and
	 * would leave /proc/sys/net/ipv4/conf/ as path components. */
	return strcmp(s, ".") != 0 && strcmp(s, "..") != 0;
}

/* The one rule for lab network names, like the VM name rule
 * (profile_name_problem): a name becomes a path component
 * (<runtime>/net/NAME), an nft table name and a command-line argument. */
const char *labnet_name_problem(const char *name)
{
	if (!name || !name_ok(name, 32, "_-"))
		return "is not a lab network name (1-32 letters, digits, '_' or '-')";
	if (name[0] == '-')
		return "is not a lab network name: it may not start with '-' (it would be read as an option)";
	return NULL;
}

typedef void (*key_fn)(struct pctx *c, yaml_node_t *v, const char *key);

static void k_name(struct pctx *c, yaml_node_t *v, const char *key)
{
	const char *s = scalar_of(c, v, key);
	if (!s)
		return;
	if (labnet_name_problem(s))
		return perr(c, LINE(v), COL(v), "name: \"%s\" %s", s, labnet_name_problem(s));
	free(c->n->name);
	c->n->name = xstrdup(s);
	c->n->name_line = LINE(v);
	c->n->name_col = COL(v);
}

static void k_description(struct pctx *c, yaml_node_t *v, const char *key)
{
	const char *s = scalar_of(c, v, key);
	if (s) {
		free(c->n->description);
		c->n->description = xstrdup(s);
	}
}

static void k_bridge(struct pctx *c, yaml_node_t *v, const char *key)
{
	const char *s = scalar_of(c, v, key);
	if (!s)
		return;
	if (!name_ok(s, 15, "_-."))
		return perr(c, LINE(v), COL(v), "bridge: \"%s\" is not a valid interface name (1-15 of A-Z a-z 0-9 _ - .)",
			    s);
	free(c->n->bridge);
	c->n->bridge = xstrdup(s);
}

static void k_address(struct pctx *c, yaml_node_t *v, const char *key)
{
	const char *s = scalar_of(c, v, key);
	if (!s)
		return;
	c->addr_line = LINE(v);
	c->addr_col = COL(v);
	const char *slash = strchr(s, '/');
	if (!slash)
		return perr(c, LINE(v), COL(v), "address: \"%s\" needs a prefix, e.g. 172.16.1.1/24", s);
	char *ip = xstrndup(s, (size_t)(slash - s));
	bool ok = parse_ip(c, v, key, ip, &c->n->address);
	free(ip);
	if (!ok)
		return;
	char *end;
	errno = 0;
	long p = strtol(slash + 1, &end, 10);
	if (!slash[1] || *end || errno || p < 1 || p > 30)
		return perr(c, LINE(v), COL(v), "address: bad prefix \"%s\" (expected 1-30)", slash + 1);
	c->n->prefix = (unsigned)p;
}

static void k_mac(struct pctx *c, yaml_node_t *v, const char *key)
{
	const char *s = scalar_of(c, v, key);
	if (!s)
		return;
	uint8_t m[6];
	if (mac_parse(s, m) < 0)
		return perr(c, LINE(v), COL(v), "mac: \"%s\" is not a MAC address", s);
	static const uint8_t zero[6];
	if ((m[0] & 1) || mac_cmp(m, zero) == 0)
		return perr(c, LINE(v), COL(v), "mac: %s is not a unicast MAC", s);
	memcpy(c->n->mac, m, 6);
}

static void k_pin(struct pctx *c, yaml_node_t *v, const char *key) { get_bool(c, v, key, &c->n->pin); }
static void k_nat(struct pctx *c, yaml_node_t *v, const char *key) { get_bool(c, v, key, &c->n->nat); }

static void k_policy(struct pctx *c, yaml_node_t *v, const char *key)
{
	const char *s = scalar_of(c, v, key);
	if (s && mac_policy_parse(s, &c->n->tap_mac_policy) < 0)
		perr(c, LINE(v), COL(v), "tap_mac_policy: \"%s\" is not one of derived, fixed, kernel", s);
}

static void k_range(struct pctx *c, yaml_node_t *v, const char *key)
{
	const char *s = scalar_of(c, v, key);
	if (!s)
		return;
	c->range_line = LINE(v);
	c->range_col = COL(v);
	const char *dash = strchr(s, '-');
	if (!dash)
		return perr(c, LINE(v), COL(v), "range: \"%s\" should be FIRST-LAST, e.g. 172.16.1.100-172.16.1.199", s);
	char *a = xstrndup(s, (size_t)(dash - s));
	bool ok = parse_ip(c, v, key, a, &c->n->dhcp_start) && parse_ip(c, v, key, dash + 1, &c->n->dhcp_end);
	free(a);
	if (ok)
		c->n->dhcp = true;
}

static void k_lease_time(struct pctx *c, yaml_node_t *v, const char *key)
{
	const char *s = scalar_of(c, v, key);
	if (!s)
		return;
	/* dnsmasq's syntax: a number with an optional s/m/h/d/w, or infinite. */
	size_t n = strspn(s, "0123456789");
	if (!(strcmp(s, "infinite") == 0 || (n > 0 && (s[n] == 0 || (strchr("smhdw", s[n]) && s[n + 1] == 0)))))
		return perr(c, LINE(v), COL(v), "lease_time: \"%s\" should be like 3600, 45m, 1h, 1d or infinite", s);
	free(c->n->lease_time);
	c->n->lease_time = xstrdup(s);
}

/* keys is NULL-terminated, fns parallel to it. */
static void walk(struct pctx *c, yaml_node_t *map, const char *section, const char *const *keys, const key_fn *fns);

static struct labnet_host *cur_host;

static void h_mac(struct pctx *c, yaml_node_t *v, const char *key)
{
	const char *s = scalar_of(c, v, key);
	if (s && mac_parse(s, cur_host->mac) < 0)
		perr(c, LINE(v), COL(v), "hosts: mac \"%s\" is not a MAC address", s);
}

static void h_ip(struct pctx *c, yaml_node_t *v, const char *key)
{
	const char *s = scalar_of(c, v, key);
	if (s)
		parse_ip(c, v, "hosts: ip", s, &cur_host->ip);
}

static void h_name(struct pctx *c, yaml_node_t *v, const char *key)
{
	const char *s = scalar_of(c, v, key);
	if (!s)
		return;
	if (!name_ok(s, 63, "-"))
		return perr(c, LINE(v), COL(v), "hosts: name \"%s\" is not a valid host name", s);
	free(cur_host->name);
	cur_host->name = xstrdup(s);
}

static void k_hosts(struct pctx *c, yaml_node_t *v, const char *key)
{
	static const char *const keys[] = { "mac", "ip", "name", NULL };
	static const key_fn fns[] = { h_mac, h_ip, h_name };
	if (v->type != YAML_SEQUENCE_NODE)
		return perr(c, LINE(v), COL(v), "hosts: expected a list of {mac, ip, name}");
	for (yaml_node_item_t *it = v->data.sequence.items.start; it < v->data.sequence.items.top; it++) {
		yaml_node_t *e = yamldoc_node(c->doc, *it);
		struct labnet *n = c->n;
		n->hosts = xrealloc(n->hosts, (n->n_hosts + 1) * sizeof(*n->hosts));
		cur_host = &n->hosts[n->n_hosts++];
		memset(cur_host, 0, sizeof(*cur_host));
		cur_host->line = LINE(e);
		cur_host->col = COL(e);
		if (e->type != YAML_MAPPING_NODE)
			return perr(c, LINE(e), COL(e), "hosts: each entry is a mapping {mac, ip, name}");
		int before = c->n_err;
		walk(c, e, "hosts", keys, fns);
		if (c->n_err != before)
			continue; /* a misspelt key was reported already */
		bool has_mac = false, has_ip = false;
		for (yaml_node_pair_t *p = e->data.mapping.pairs.start; p < e->data.mapping.pairs.top; p++) {
			const char *k = yamldoc_scalar(yamldoc_node(c->doc, p->key));
			has_mac |= k && strcmp(k, "mac") == 0;
			has_ip |= k && strcmp(k, "ip") == 0;
		}
		if (!has_mac || !has_ip)
			perr(c, LINE(e), COL(e), "hosts: an entry needs both mac and ip");
	}
}

static void k_dhcp(struct pctx *c, yaml_node_t *v, const char *key)
{
	static const char *const keys[] = { "range", "lease_time", "hosts", NULL };
	static const key_fn fns[] = { k_range, k_lease_time, k_hosts };
	if (v->type != YAML_MAPPING_NODE)
		return perr(c, LINE(v), COL(v), "dhcp: expected a mapping with range, lease_time, hosts");
	int before = c->n_err;
	walk(c, v, "dhcp", keys, fns);
	if (!c->n->dhcp && c->n_err == before) /* a misspelt range was reported already */
		perr(c, LINE(v), COL(v), "dhcp: needs a range (FIRST-LAST)");
}

static void walk(struct pctx *c, yaml_node_t *map, const char *section, const char *const *keys, const key_fn *fns)
{
	yaml_node_t *first[16] = { 0 }; /* where each key was given (duplicates) */
	for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
		yaml_node_t *k = yamldoc_node(c->doc, p->key);
		yaml_node_t *v = yamldoc_node(c->doc, p->value);
		if (!k || !v)
			continue;
		const char *ks = yamldoc_scalar(k);
		if (!ks) {
			perr(c, LINE(k), COL(k), "%s: keys must be plain words", section);
			continue;
		}
		size_t i;
		for (i = 0; keys[i]; i++)
			if (strcmp(ks, keys[i]) == 0)
				break;
		if (!keys[i]) {
			const char *near = yamldoc_nearest(ks, keys);
			if (near) {
				perr(c, LINE(k), COL(k), "%s: unknown key \"%s\"; did you mean \"%s\"?", section, ks, near);
			} else {
				char *list = yamldoc_key_list(keys);
				perr(c, LINE(k), COL(k), "%s: unknown key \"%s\" (known keys: %s)", section, ks, list);
				free(list);
			}
			continue;
		}
		/* As in profiles: a second value would silently win. */
		if (i < ARRAY_LEN(first) && first[i]) {
			perr(c, LINE(k), COL(k), "%s: duplicate key \"%s\" (first given at line %d, column %d)", section, ks,
			     LINE(first[i]), COL(first[i]));
			continue;
		}
		if (i < ARRAY_LEN(first))
			first[i] = k;
		fns[i](c, v, ks);
	}
}

static uint32_t mask_of(unsigned prefix)
{
	return prefix ? ~0u << (32 - prefix) : 0;
}

static bool in_subnet(struct in_addr a, struct in_addr net, unsigned prefix, bool host_only)
{
	uint32_t h = ntohl(a.s_addr), n = ntohl(net.s_addr), m = mask_of(prefix);
	if ((h & m) != (n & m))
		return false;
	/* Neither the network nor the broadcast address. */
	return !host_only || ((h & ~m) != 0 && (h & ~m) != ~m);
}

static void check(struct pctx *c)
{
	struct labnet *n = c->n;
	if (!n->prefix)
		return perr(c, 1, 1, "address: missing (e.g. address: 172.16.1.1/24)");
	if (!in_subnet(n->address, n->address, n->prefix, true))
		perr(c, c->addr_line, c->addr_col, "address: %s is the network or broadcast address of /%u",
		     inet_ntoa(n->address), n->prefix);
	char s[20];
	struct in_addr net = { htonl(ntohl(n->address.s_addr) & mask_of(n->prefix)) };
	inet_ntop(AF_INET, &net, s, sizeof(s));
	if (n->dhcp) {
		char a[16], b[16];
		inet_ntop(AF_INET, &n->dhcp_start, a, sizeof(a));
		inet_ntop(AF_INET, &n->dhcp_end, b, sizeof(b));
		if (!in_subnet(n->dhcp_start, n->address, n->prefix, true) ||
		    !in_subnet(n->dhcp_end, n->address, n->prefix, true))
			perr(c, c->range_line, c->range_col, "dhcp range %s-%s is outside the subnet %s/%u", a, b, s,
			     n->prefix);
		else if (ntohl(n->dhcp_start.s_addr) > ntohl(n->dhcp_end.s_addr))
			perr(c, c->range_line, c->range_col, "dhcp range %s-%s: first is after last", a, b);
		uint32_t ad = ntohl(n->address.s_addr);
		if (ad >= ntohl(n->dhcp_start.s_addr) && ad <= ntohl(n->dhcp_end.s_addr))
			perr(c, c->range_line, c->range_col, "dhcp range %s-%s contains the bridge address %s", a, b,
			     inet_ntoa(n->address));
	} else if (n->n_hosts) {
		perr(c, n->hosts[0].line, n->hosts[0].col, "hosts need a dhcp range");
	}
	for (size_t i = 0; n->dhcp && i < n->n_hosts; i++)
		if (!in_subnet(n->hosts[i].ip, n->address, n->prefix, true))
			perr(c, n->hosts[i].line, n->hosts[i].col, "hosts: %s is outside the subnet %s/%u",
			     inet_ntoa(n->hosts[i].ip), s, n->prefix);
}

/* A stable, locally administered MAC from the name (libvirt uses 52:54:00
 * plus random; stable is better: the bridge keeps it across re-creation). */
static void mac_from_name(const char *name, uint8_t mac[6])
{
	uint32_t h = 2166136261u;
	for (const char *p = name; *p; p++)
		h = (h ^ (uint8_t)*p) * 16777619u;
	mac[0] = 0x52, mac[1] = 0x54, mac[2] = 0x00;
	mac[3] = (uint8_t)(h >> 16), mac[4] = (uint8_t)(h >> 8), mac[5] = (uint8_t)h;
}

static char *stem(const char *path)
{
	const char *b = strrchr(path, '/');
	b = b ? b + 1 : path;
	const char *dot = strrchr(b, '.');
	return dot && dot != b ? xstrndup(b, (size_t)(dot - b)) : xstrdup(b);
}

struct labnet *labnet_parse(const char *path, const char *buf, size_t len, char **err)
{
	static const char *const keys[] = { "name", "description", "bridge", "address", "mac", "pin", "nat", "dhcp",
					    "tap_mac_policy", NULL };
	static const key_fn fns[] = { k_name, k_description, k_bridge, k_address, k_mac, k_pin, k_nat, k_dhcp,
				      k_policy };
	struct pctx c = { .file = path };
	struct labnet *n = xcalloc(1, sizeof(*n));
	n->path = xstrdup(path);
	n->pin = true;
	n->nat = true;
	n->tap_mac_policy = MAC_POLICY_DERIVED;
	c.n = n;

	c.doc = yamldoc_new(buf, len, LABNET_MAX_SIZE, "a lab network", yamldoc_report, &c);
	if (!c.doc)
		goto out;
	yaml_node_t *root = yamldoc_root(c.doc);
	if (!root || yamldoc_is_null(root))
		perr(&c, 1, 1, "empty file: a lab network needs at least address:");
	else if (root->type != YAML_MAPPING_NODE)
		perr(&c, LINE(root), COL(root), "expected a mapping of keys (name, bridge, address, …)");
	else
		walk(&c, root, "network", keys, fns);
	if (!c.err)
		check(&c);
	/* One network per file: a second document is a mistake. */
	if (!c.err)
		yamldoc_single(c.doc, "a second YAML document ('---'): a lab network file holds one network");
	yamldoc_free(c.doc);
out:
	if (c.err) {
		if (err) {
			free(*err);
			*err = c.err;
		} else {
			free(c.err);
		}
		labnet_free(n);
		return NULL;
	}
	if (!n->name)
		n->name = stem(path);
	if (labnet_name_problem(n->name)) {
		error_set(err, "%s:1:1: the network's name \"%s\" (from the file name) %s", path, n->name,
			  labnet_name_problem(n->name));
		labnet_free(n);
		return NULL;
	}
	if (!n->bridge) {
		if (strlen(n->name) > 15) {
			error_set(err, "%s:1:1: name %s is too long for a bridge name: give bridge:", path, n->name);
			labnet_free(n);
			return NULL;
		}
		n->bridge = xstrdup(n->name);
	}
	static const uint8_t zero[6];
	if (mac_cmp(n->mac, zero) == 0)
		mac_from_name(n->name, n->mac);
	if (!n->lease_time)
		n->lease_time = xstrdup("1h");
	return n;
}

struct labnet *labnet_load(const char *path, char **err)
{
	struct pctx c = { .file = path };
	size_t len;
	char *buf = yamldoc_read(path, LABNET_MAX_SIZE, "a lab network", &len, yamldoc_report, &c);
	if (!buf) {
		if (err) {
			free(*err);
			*err = c.err;
		} else {
			free(c.err);
		}
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

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool yaml_file_name(const char *n)
{
	size_t l = strlen(n);
	return n[0] != '.' && ((l > 5 && strcmp(n + l - 5, ".yaml") == 0) || (l > 4 && strcmp(n + l - 4, ".yml") == 0));
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
	DIR *dh = opendir(dir);
	struct dirent *e;
	while (dh && (e = readdir(dh)))
		if (yaml_file_name(e->d_name))
			strv_push_owned(&files, path_join(dir, e->d_name));
	if (dh)
		closedir(dh);
	if (files.n)
		qsort(files.v, files.n, sizeof(*files.v), cmp_str);
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

struct labnet *labnet_find(const char *name, char **err)
{
	/* The name becomes a file name: never one outside the networks dir. */
	if (labnet_name_problem(name)) {
		error_set(err, "\"%s\" %s", name, labnet_name_problem(name));
		return NULL;
	}
	char *dir = labnet_dir();
	char *p = xasprintf("%s/%s.yaml", dir, name);
	struct netset set;
	netset_load(&set, dir);
	/* By name first; else the file NAME.yaml, whatever name it gives. */
	const struct labnet *found = netset_by_name(&set, name);
	for (size_t i = 0; i < set.n && !found; i++)
		if (strcmp(set.v[i]->path, p) == 0)
			found = set.v[i];
	if (!found) {
		/* NAME.yaml that is not in the set: say why (its own problems, or
		 * the duplicate name); else there is no such network. */
		struct labnet *ln = NULL;
		if (!path_exists(p)) {
			error_set(err, "no lab network %s (looked for %s/%s.yaml)", name, dir, name);
		} else if ((ln = labnet_load(p, err))) {
			const struct labnet *first = netset_by_name(&set, ln->name);
			char *m = first ? dup_message(ln, first) : xasprintf("%s: changed while it was read", p);
			error_set(err, "%s", m);
			free(m);
		}
		labnet_free(ln);
	}
	struct labnet *n = netset_take(&set, found);
	free(p);
	free(dir);
	return n;
}

struct labnet *labnet_find_by_bridge(const char *bridge)
{
	char *dir = labnet_dir();
	struct netset set;
	netset_load(&set, dir);
	free(dir);
	const struct labnet *found = NULL;
	for (size_t i = 0; i < set.n && !found; i++)
		if (strcmp(set.v[i]->bridge, bridge) == 0)
			found = set.v[i];
	return netset_take(&set, found);
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
	char *dir = labnet_dir();
	struct netset set;
	netset_load(&set, dir);
	free(dir);
	char **names = xcalloc(set.n + 1, sizeof(*names));
	for (size_t i = 0; i < set.n; i++)
		names[i] = xstrdup(set.v[i]->name);
	qsort(names, set.n, sizeof(*names), cmp_str);
	netset_take(&set, NULL);
	return names;
}

/* ---- generated configuration --------------------------------------------- */

static void subnet_str(const struct labnet *n, char out[20])
{
	struct in_addr net = { htonl(ntohl(n->address.s_addr) & mask_of(n->prefix)) };
	char a[16];
	inet_ntop(AF_INET, &net, a, sizeof(a));
	snprintf(out, 20, "%s/%u", a, n->prefix);
}

static char *nft_table(const struct labnet *n)
{
	return xasprintf("vmdeck-%s", n->name);
}

char *labnet_nft_rules(const struct labnet *n)
{
	char sub[20];
	subnet_str(n, sub);
	char *t = nft_table(n);
	/* "table {}; delete table" first: idempotent even after a crash. */
	char *s = xasprintf("table ip %s {}\n"
			    "delete table ip %s\n"
			    "table ip %s {\n"
			    "\tchain postrouting {\n"
			    "\t\ttype nat hook postrouting priority srcnat; policy accept;\n"
			    "\t\tip saddr %s ip daddr != %s masquerade\n"
			    "\t}\n"
			    "}\n",
			    t, t, t, sub, sub);
	free(t);
	return s;
}

char *labnet_dnsmasq_conf(const struct labnet *n, const char *dir)
{
	char a[16], b[16], mask[16];
	inet_ntop(AF_INET, &n->dhcp_start, a, sizeof(a));
	inet_ntop(AF_INET, &n->dhcp_end, b, sizeof(b));
	struct in_addr m = { htonl(mask_of(n->prefix)) };
	inet_ntop(AF_INET, &m, mask, sizeof(mask));
	struct strv lines;
	strv_init(&lines);
	strv_pushf(&lines, "# written by vmdeck for lab network %s; removed by vmdeck net down", n->name);
	/* Bound to this bridge only: a host (or namespace) may run other
	 * dnsmasqs, and we must never answer on other interfaces. */
	strv_pushf(&lines, "interface=%s", n->bridge);
	strv_push(&lines, "bind-interfaces");
	strv_push(&lines, "except-interface=lo");
	strv_push(&lines, "no-hosts");
	strv_push(&lines, "dhcp-authoritative");
	strv_pushf(&lines, "dhcp-range=%s,%s,%s,%s", a, b, mask, n->lease_time);
	for (size_t i = 0; i < n->n_hosts; i++) {
		char mac[18], ip[16];
		mac_format(n->hosts[i].mac, mac);
		inet_ntop(AF_INET, &n->hosts[i].ip, ip, sizeof(ip));
		if (n->hosts[i].name)
			strv_pushf(&lines, "dhcp-host=%s,%s,%s", mac, ip, n->hosts[i].name);
		else
			strv_pushf(&lines, "dhcp-host=%s,%s", mac, ip);
	}
	strv_pushf(&lines, "dhcp-leasefile=%s/leases", dir);
	strv_pushf(&lines, "pid-file=%s/dnsmasq.pid", dir);
	/* dnsmasq drops root after opening its lease and pid files (which
	 * live in vmdeck's 0700 directory); run it as nobody. */
	strv_push(&lines, "user=nobody");
	struct strv out;
	strv_init(&out);
	size_t total = 0;
	for (size_t i = 0; i < lines.n; i++)
		total += strlen(lines.v[i]) + 1;
	char *s = xmalloc(total + 1), *p = s;
	for (size_t i = 0; i < lines.n; i++)
		p += sprintf(p, "%s\n", lines.v[i]);
	*p = 0;
	strv_clear(&lines);
	strv_clear(&out);
	return s;
}

/* ---- helpers for acting -------------------------------------------------- */

/* A program by name: an override variable, then PATH, then /usr/sbin, /sbin. */
static char *find_prog(const char *name, const char *env)
{
	const char *o = getenv(env);
	if (o && *o)
		return access(o, X_OK) == 0 ? xstrdup(o) : NULL;
	const char *path = getenv("PATH");
	char *all = xasprintf("%s:/usr/sbin:/sbin:/usr/bin:/bin", path ? path : "");
	char *save = NULL, *res = NULL;
	for (char *d = strtok_r(all, ":", &save); d && !res; d = strtok_r(NULL, ":", &save)) {
		if (!*d)
			continue;
		char *p = path_join(d, name);
		if (access(p, X_OK) == 0)
			res = p;
		else
			free(p);
	}
	free(all);
	return res;
}

/* Run argv, feeding in (may be NULL) on stdin; collect stderr+stdout into
 * *out (may be NULL). Returns the exit status, or -1. */
static int run(char *const argv[], const char *in, char **out)
{
	int pin[2], pout[2];
	if (pipe2(pin, O_CLOEXEC) < 0)
		return -1;
	if (pipe2(pout, O_CLOEXEC) < 0) {
		close(pin[0]);
		close(pin[1]);
		return -1;
	}
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		dup2(pin[0], 0);
		dup2(pout[1], 1);
		dup2(pout[1], 2);
		execv(argv[0], argv);
		_exit(127);
	}
	close(pin[0]);
	close(pout[1]);
	if (in) {
		size_t len = strlen(in), off = 0;
		signal(SIGPIPE, SIG_IGN);
		while (off < len) {
			ssize_t w = write(pin[1], in + off, len - off);
			if (w <= 0)
				break;
			off += (size_t)w;
		}
	}
	close(pin[1]);
	size_t cap = 256, len = 0;
	char *buf = xmalloc(cap);
	ssize_t r;
	while ((r = read(pout[0], buf + len, cap - len - 1)) > 0) {
		len += (size_t)r;
		if (cap - len < 64)
			buf = xrealloc(buf, cap *= 2);
	}
	close(pout[0]);
	buf[len] = 0;
	while (len && (buf[len - 1] == '\n'))
		buf[--len] = 0;
	int st;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (out)
		*out = buf;
	else
		free(buf);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

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

/* Process start time (field 22 of /proc/PID/stat): a pid alone may be reused. */
static unsigned long long proc_start(pid_t pid)
{
	char *p = xasprintf("/proc/%d/stat", (int)pid);
	char *s = file_read_all(p, NULL);
	free(p);
	if (!s)
		return 0;
	unsigned long long v = 0;
	char *q = strrchr(s, ')');
	if (q) {
		/* After "comm)": state is field 3; starttime is field 22. */
		int field = 2;
		for (char *t = q + 1; *t && field < 22; t++)
			if (*t == ' ' && ++field == 22)
				v = strtoull(t + 1, NULL, 10);
	}
	free(s);
	return v;
}

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
static bool proc_alive(pid_t pid)
{
	if (pid <= 0 || kill(pid, 0) < 0)
		return false;
	char *p = xasprintf("/proc/%d/stat", (int)pid);
	char *s = file_read_all(p, NULL);
	free(p);
	char *q = s ? strrchr(s, ')') : NULL;
	bool alive = !q || (q[1] != ' ' || (q[2] != 'Z' && q[2] != 'X'));
	free(s);
	return alive;
}

static bool pid_is_ours(pid_t pid, unsigned long long start)
{
	return proc_alive(pid) && proc_start(pid) == start;
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

/* CAP_NET_ADMIN in the effective set (capability 12 of CapEff). */
static bool have_net_admin(void)
{
	char *s = file_read_all("/proc/self/status", NULL);
	char *c = s ? strstr(s, "\nCapEff:") : NULL;
	bool r = c && (strtoull(c + 8, NULL, 16) >> 12 & 1);
	free(s);
	return r;
}

/* The network is up, but not by us (no record here): someone else's to
 * change. Without CAP_NET_ADMIN that is a permission error. */
static int refuse_not_ours(const struct labnet *n, const char *verb, char **err)
{
	if (!have_net_admin())
		return error_set(err, "net %s %s: it is up, brought up by another user (who has the record of what was "
				      "done); changing it needs root or CAP_NET_ADMIN",
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
	pid_t pid = (pid_t)st_int(st, "dnsmasq_pid");
	if (pid && pid_is_ours(pid, (unsigned long long)st_int(st, "dnsmasq_start"))) {
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
		char *nft = find_prog("nft", "VMDECK_NFT");
		if (nft) {
			char *cmd = xasprintf("table ip %s {}\ndelete table ip %s\n", table, table);
			char *argv[] = { nft, "-f", "-", NULL };
			char *out = NULL;
			if (run(argv, cmd, &out) != 0 && !rc)
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
		if (nlact_delete(br, &e) < 0 && !rc) {
			rc = -1;
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
		r = undo(name, st, err) < 0 ? -1 : 1;
		json_object_put(st);
	} else {
		/* Unless the bridge says it is up by someone else: say so. */
		struct labnet *n = labnet_find(name, NULL);
		if (n && nlact_ifindex(n->bridge) && bridge_marked(n))
			r = refuse_not_ours(n, "down", err);
		labnet_free(n);
	}
	close(lock);
	return r;
}

static int up_fail(const struct labnet *n, json_object *st, char **err)
{
	undo(n->name, st, NULL);
	json_object_put(st);
	return error_prefix(err, "net up %s", n->name);
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

static int up_locked(const struct labnet *n, char **err)
{
	json_object *old = state_load(n->name);
	if (old) {
		int idx = (int)st_int(old, "bridge_ifindex");
		pid_t pid = (pid_t)st_int(old, "dnsmasq_pid");
		bool br_ok = idx && nlact_ifindex(n->bridge) == idx;
		bool dns_ok = !n->dhcp || pid_is_ours(pid, (unsigned long long)st_int(old, "dnsmasq_start"));
		if (br_ok && dns_ok) {
			json_object_put(old);
			return 1; /* already up: nothing to do */
		}
		/* A stale record (crash, reboot, someone deleted the bridge):
		 * clean what is left, then start over. */
		undo(n->name, old, NULL);
		json_object_put(old);
	}

	char *dnsmasq = n->dhcp ? find_prog("dnsmasq", "VMDECK_DNSMASQ") : NULL;
	char *nft = n->nat ? find_prog("nft", "VMDECK_NFT") : NULL;
	if (n->dhcp && !dnsmasq) {
		free(nft);
		return error_set(err, "net up %s: dnsmasq not found (install dnsmasq-base, or set VMDECK_DNSMASQ)",
				 n->name);
	}
	if (n->nat && !nft) {
		free(dnsmasq);
		return error_set(err, "net up %s: nft not found (install nftables, or set VMDECK_NFT)", n->name);
	}
	int rc = -1;
	char *dir = paths_net_dir(n->name);
	if (nlact_ifindex(n->bridge) && bridge_marked(n)) {
		refuse_not_ours(n, "up", err);
		goto out;
	}
	if (nlact_ifindex(n->bridge)) {
		char kind[16] = "";
		nlact_link_kind(n->bridge, kind, sizeof(kind));
		error_set(err, "net up %s: an interface %s (%s) already exists and was not created by vmdeck; "
			       "refusing to touch it (rename the network's bridge, or remove it)",
			  n->name, n->bridge, kind[0] ? kind : "no kind");
		goto out;
	}
	/* dnsmasq's config, pid and leases live here and root acts on them:
	 * never a symlink, another user's or a group-writable directory. */
	char *base = path_join(paths_runtime_dir(), "net");
	int dr = paths_private_dir(paths_runtime_dir(), err) < 0 || paths_private_dir(base, err) < 0 ||
			 paths_private_dir(dir, err) < 0
		 ? -1
		 : 0;
	free(base);
	if (dr < 0) {
		error_prefix(err, "net up %s", n->name);
		goto out;
	}
	json_object *st = json_object_new_object();
	json_object_object_add(st, "name", json_object_new_string(n->name));
	json_object_object_add(st, "bridge", json_object_new_string(n->bridge));
	json_object_object_add(st, "started", json_object_new_int64((int64_t)time(NULL)));
	if (state_save(n->name, st, err) < 0) {
		json_object_put(st);
		rmdir(dir);
		goto out;
	}

	/* 1. the bridge, pinned at creation unless pin: false */
	if (nlact_bridge_add(n->bridge, n->pin ? n->mac : NULL, err) < 0) {
		rc = up_fail(n, st, err);
		goto out;
	}
	json_object_object_add(st, "bridge_created", json_object_new_boolean(true));
	json_object_object_add(st, "bridge_ifindex", json_object_new_int(nlact_ifindex(n->bridge)));
	json_object_object_add(st, "pinned", json_object_new_boolean(n->pin));
	state_save(n->name, st, NULL);
	char *mark = bridge_mark(n);
	int mr = nlact_set_alias(n->bridge, mark, err);
	free(mark);
	if (mr < 0) {
		rc = up_fail(n, st, err);
		goto out;
	}

	/* 2. address, up */
	char addr[24];
	snprintf(addr, sizeof(addr), "%s/%u", inet_ntoa(n->address), n->prefix);
	if (nlact_addr4(n->bridge, n->address.s_addr, n->prefix, true, err) < 0 ||
	    nlact_set_up(n->bridge, true, err) < 0) {
		rc = up_fail(n, st, err);
		goto out;
	}
	json_object_object_add(st, "address", json_object_new_string(addr));
	state_save(n->name, st, NULL);

	/* 3. forwarding and NAT */
	if (n->nat) {
		int fwd = sysctl_read(ip_forward);
		if (fwd == 0) {
			if (sysctl_write(ip_forward, 1) < 0) {
				error_set(err, "cannot enable %s: %s", ip_forward, strerror(errno));
				rc = up_fail(n, st, err);
				goto out;
			}
			json_object_object_add(st, "forwarding_enabled", json_object_new_boolean(true));
			state_save(n->name, st, NULL);
		}
		char *rules = labnet_nft_rules(n);
		char *argv[] = { nft, "-f", "-", NULL };
		char *outp = NULL;
		int r = run(argv, rules, &outp);
		free(rules);
		char *t = nft_table(n);
		/* Record before checking: a partly applied ruleset is removed too. */
		json_object_object_add(st, "nft_table", json_object_new_string(t));
		free(t);
		state_save(n->name, st, NULL);
		if (r != 0) {
			error_set(err, "nft failed (%d): %s", r, outp ? outp : "");
			free(outp);
			rc = up_fail(n, st, err);
			goto out;
		}
		free(outp);
	}

	/* 4. dnsmasq, bound to this bridge only */
	if (n->dhcp) {
		char *conf = labnet_dnsmasq_conf(n, dir);
		char *cpath = path_join(dir, "dnsmasq.conf");
		int r = file_write_atomic(cpath, conf, strlen(conf), 0600, err);
		free(conf);
		if (r < 0) {
			free(cpath);
			rc = up_fail(n, st, err);
			goto out;
		}
		json_object_object_add(st, "dnsmasq_conf", json_object_new_string(cpath));
		state_save(n->name, st, NULL);
		char *cfarg = xasprintf("--conf-file=%s", cpath);
		char *argv[] = { dnsmasq, cfarg, NULL };
		char *outp = NULL;
		/* dnsmasq daemonises; its parent exits non-zero with the reason
		 * when the child cannot start (address in use, bad option). */
		r = run(argv, NULL, &outp);
		free(cfarg);
		free(cpath);
		char *pidp = path_join(dir, "dnsmasq.pid");
		char *pids = r == 0 ? file_read_all(pidp, NULL) : NULL;
		free(pidp);
		pid_t pid = pids ? (pid_t)atoi(pids) : 0;
		free(pids);
		if (r != 0 || pid <= 0) {
			error_set(err, "dnsmasq failed to start (%d): %s", r, outp && *outp ? outp : "no pid file");
			free(outp);
			rc = up_fail(n, st, err);
			goto out;
		}
		free(outp);
		json_object_object_add(st, "dnsmasq_pid", json_object_new_int(pid));
		json_object_object_add(st, "dnsmasq_start", json_object_new_int64((int64_t)proc_start(pid)));
		state_save(n->name, st, NULL);
	}
	json_object_object_add(st, "complete", json_object_new_boolean(true));
	rc = state_save(n->name, st, err);
	json_object_put(st);
out:
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

static json_object *status_obj(const struct labnet *n)
{
	json_object *o = json_object_new_object();
	json_object *st = state_load(n->name);
	char sub[20], a[16], b[16], mac[18];
	subnet_str(n, sub);
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

json_object *labnet_status_object(const struct labnet *n)
{
	return status_obj(n);
}

char *labnet_status_json(const struct labnet *n)
{
	json_object *o = status_obj(n);
	char *s = xstrdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
	return s;
}

char *labnet_status_text(const struct labnet *n)
{
	json_object *o = status_obj(n);
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
