/* machist: bridge MAC history in <state>/mac-history/net-<dev>-<ino>.jsonl. */
#include "net/machist.h"
#include "core/paths.h"
#include "core/util.h"
#include "net/linkwatch.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#ifndef SO_NETNS_COOKIE
#define SO_NETNS_COOKIE 71
#endif
/* The kernel gives the initial namespace this fixed inode (PROC_NET_INIT_INO):
 * it is the one namespace that outlives a reboot, so its history may too. */
#define NETNS_INIT_INO 0xEFFFFFF9u
/* Dedupe looks this far back from the end of the file. */
#define TAIL_BYTES (64 * 1024)

/* Changes this process saw lately, for counting occurrences (dedupe). */
#define SEEN_MAX 64
struct seen {
	char bridge[IF_NAMESIZE];
	uint8_t old_mac[6], new_mac[6];
	uint64_t wall_us;
};

struct machist {
	char *dir, *path;
	struct machist_netns ns;
	size_t max_records;
	uint64_t dedupe_us;
	struct seen seen[SEEN_MAX];
	size_t n_seen, seen_next;
};

int machist_netns_self(struct machist_netns *out, char **err)
{
	memset(out, 0, sizeof(*out));
	struct stat st;
	if (stat("/proc/self/ns/net", &st) < 0)
		return error_set(err, "/proc/self/ns/net: %s", strerror(errno));
	out->dev = (uint64_t)st.st_dev;
	out->ino = (uint64_t)st.st_ino;
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd >= 0) {
		uint64_t c = 0;
		socklen_t len = sizeof(c);
		if (getsockopt(fd, SOL_SOCKET, SO_NETNS_COOKIE, &c, &len) == 0)
			out->cookie = c;
		close(fd);
	}
	char *b = file_read_all("/proc/sys/kernel/random/boot_id", NULL);
	if (b) {
		b[strcspn(b, "\n")] = '\0';
		snprintf(out->boot_id, sizeof(out->boot_id), "%s", b);
		free(b);
	}
	return 0;
}

json_object *machist_netns_json(const struct machist_netns *n)
{
	json_object *ns = json_object_new_object();
	json_object_object_add(ns, "dev", json_object_new_uint64(n->dev));
	json_object_object_add(ns, "ino", json_object_new_uint64(n->ino));
	json_object_object_add(ns, "cookie", json_object_new_uint64(n->cookie));
	json_object_object_add(ns, "boot_id", json_object_new_string(n->boot_id));
	return ns;
}

bool machist_netns_same(const struct machist_netns *self, const struct machist_netns *rec)
{
	if (self->dev != rec->dev || self->ino != rec->ino)
		return false;
	if (self->ino == NETNS_INIT_INO)
		return true;
	/* A reused inode: another boot, or another namespace of this boot. */
	if (strcmp(self->boot_id, rec->boot_id) != 0)
		return false;
	return !self->cookie || !rec->cookie || self->cookie == rec->cookie;
}

struct machist *machist_new(const struct machist_options *opts, char **err)
{
	struct machist_options o = { 0 };
	if (opts)
		o = *opts;
	struct machist *h = xcalloc(1, sizeof(*h));
	if (o.netns)
		h->ns = *o.netns;
	else if (machist_netns_self(&h->ns, err) < 0) {
		free(h);
		return NULL;
	}
	h->dir = o.dir ? xstrdup(o.dir) : path_join(paths_state_dir(), "mac-history");
	h->path = xasprintf("%s/net-%" PRIu64 "-%" PRIu64 ".jsonl", h->dir, h->ns.dev, h->ns.ino);
	h->max_records = o.max_records ? o.max_records : MACHIST_MAX_RECORDS;
	h->dedupe_us = o.dedupe_us ? o.dedupe_us : MACHIST_DEDUPE_US;
	return h;
}

void machist_free(struct machist *h)
{
	if (!h)
		return;
	free(h->dir);
	free(h->path);
	free(h);
}

const char *machist_path(const struct machist *h)
{
	return h->path;
}

const struct machist_netns *machist_netns(const struct machist *h)
{
	return &h->ns;
}

void machist_record_from_change(const struct machist *h, const struct link_info *bridge,
				const struct bridge_mac_change *c, struct machist_record *out)
{
	memset(out, 0, sizeof(*out));
	out->wall_us = c->wall_us;
	snprintf(out->bridge, sizeof(out->bridge), "%s", bridge->name);
	out->ifindex = bridge->ifindex;
	memcpy(out->old_mac, c->old_mac, 6);
	memcpy(out->new_mac, c->new_mac, 6);
	snprintf(out->cause, sizeof(out->cause), "%s", bridge_mac_cause_name(c->cause));
	if (c->port[0]) {
		snprintf(out->port, sizeof(out->port), "%s", c->port);
		out->port_ifindex = c->port_ifindex;
		memcpy(out->port_mac, c->port_mac, 6);
	}
	snprintf(out->text, sizeof(out->text), "%s", c->text);
	out->pid = (long)getpid();
	out->netns = h->ns;
}

/* ---- JSON ---------------------------------------------------------------- */

static json_object *json_mac(const uint8_t mac[6])
{
	char s[18];
	mac_format(mac, s);
	return json_object_new_string(s);
}

static json_object *outage_json(const struct machist_outage *g)
{
	json_object *o = json_object_new_object();
	json_object_object_add(o, "port", json_object_new_string(g->port));
	json_object_object_add(o, "vm", g->vm[0] ? json_object_new_string(g->vm) : NULL);
	json_object_object_add(o, "frames", json_object_new_uint64(g->frames));
	json_object_object_add(o, "first_us", json_object_new_uint64(g->first_us));
	json_object_object_add(o, "last_us", json_object_new_uint64(g->last_us));
	json_object_object_add(o, "duration_us", json_object_new_uint64(g->duration_us));
	json_object_object_add(o, "duration", json_object_new_double((double)g->duration_us / 1e6));
	return o;
}

char *machist_record_json(const struct machist_record *r)
{
	json_object *o = json_object_new_object();
	char ts[40];
	time_iso_us(r->wall_us, ts);
	json_object_object_add(o, "time", json_object_new_string(ts));
	json_object_object_add(o, "ts_us", json_object_new_uint64(r->wall_us));
	json_object_object_add(o, "event", json_object_new_string("bridge-mac-changed"));
	json_object_object_add(o, "bridge", json_object_new_string(r->bridge));
	json_object_object_add(o, "ifindex", json_object_new_int(r->ifindex));
	json_object_object_add(o, "old_mac", json_mac(r->old_mac));
	json_object_object_add(o, "new_mac", json_mac(r->new_mac));
	json_object_object_add(o, "cause", json_object_new_string(r->cause));
	if (r->port[0]) {
		json_object_object_add(o, "port", json_object_new_string(r->port));
		json_object_object_add(o, "port_ifindex", json_object_new_int(r->port_ifindex));
		json_object_object_add(o, "port_mac", json_mac(r->port_mac));
	}
	json_object_object_add(o, "text", json_object_new_string(r->text));
	json_object_object_add(o, "pid", json_object_new_int64(r->pid));
	json_object_object_add(o, "netns", machist_netns_json(&r->netns));
	if (r->n_outages) {
		json_object *a = json_object_new_array();
		for (size_t i = 0; i < r->n_outages; i++)
			json_object_array_add(a, outage_json(&r->outages[i]));
		json_object_object_add(o, "outages", a);
	}
	char *s = xstrdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
	return s;
}

static const char *jstr(json_object *o, const char *key)
{
	json_object *v;
	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

static bool jnum(json_object *o, const char *key, uint64_t *out)
{
	json_object *v;
	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_int))
		return false;
	*out = json_object_get_uint64(v);
	return true;
}

static bool jmac(json_object *o, const char *key, uint8_t mac[6])
{
	const char *s = jstr(o, key);
	return s && mac_parse(s, mac) == 0;
}

static bool jcopy(json_object *o, const char *key, char *buf, size_t n, bool required)
{
	const char *s = jstr(o, key);
	if (!s)
		return !required;
	if (strlen(s) >= n)
		return false;
	snprintf(buf, n, "%s", s);
	return true;
}

int machist_record_parse(const char *line, struct machist_record *r)
{
	memset(r, 0, sizeof(*r));
	json_object *o = json_tokener_parse(line);
	if (!o)
		return -1;
	int rc = -1;
	uint64_t v = 0;
	json_object *ns;
	const char *event = json_object_is_type(o, json_type_object) ? jstr(o, "event") : NULL;
	if (event && strcmp(event, "bridge-mac-changed") != 0)
		goto out;
	if (!json_object_is_type(o, json_type_object) || !jnum(o, "ts_us", &r->wall_us) ||
	    !jcopy(o, "bridge", r->bridge, sizeof(r->bridge), true) || !r->bridge[0] || !jmac(o, "old_mac", r->old_mac) ||
	    !jmac(o, "new_mac", r->new_mac) || !jcopy(o, "cause", r->cause, sizeof(r->cause), true) ||
	    !jcopy(o, "port", r->port, sizeof(r->port), false) || !jcopy(o, "text", r->text, sizeof(r->text), false) ||
	    !json_object_object_get_ex(o, "netns", &ns) || !jnum(ns, "dev", &r->netns.dev) ||
	    !jnum(ns, "ino", &r->netns.ino) ||
	    !jcopy(ns, "boot_id", r->netns.boot_id, sizeof(r->netns.boot_id), false))
		goto out;
	jnum(ns, "cookie", &r->netns.cookie);
	if (jnum(o, "ifindex", &v))
		r->ifindex = (int)v;
	if (jnum(o, "pid", &v))
		r->pid = (long)v;
	if (r->port[0]) {
		if (jnum(o, "port_ifindex", &v))
			r->port_ifindex = (int)v;
		jmac(o, "port_mac", r->port_mac);
	}
	rc = 0;
out:
	json_object_put(o);
	return rc;
}

/* ---- the file ------------------------------------------------------------ */

static int lock_wait(int fd, short type)
{
	struct flock fl = { .l_type = type, .l_whence = SEEK_SET };
	while (fcntl(fd, F_OFD_SETLKW, &fl) < 0)
		if (errno != EINTR)
			return -1;
	return 0;
}

/* Open the file without following links; it must be ours and regular. */
static int file_open(const char *path, int flags, char **err)
{
	int fd = open(path, flags | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return error_set(err, "MAC history %s: %s", path, errno == ELOOP ? "is a symlink" : strerror(errno));
	struct stat st;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid()) {
		close(fd);
		return error_set(err, "MAC history %s: not a regular file owned by uid %u", path, (unsigned)geteuid());
	}
	return fd;
}

/* The bytes from `from` to the end. Caller frees. */
static char *read_from(int fd, off_t from, size_t *len)
{
	struct stat st;
	if (fstat(fd, &st) < 0)
		return NULL;
	size_t size = st.st_size > from ? (size_t)(st.st_size - from) : 0;
	char *buf = xcalloc(1, size + 1);
	size_t got = 0;
	while (got < size) {
		ssize_t k = pread(fd, buf + got, size - got, from + (off_t)got);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			break;
		got += (size_t)k;
	}
	buf[got] = '\0';
	*len = got;
	return buf;
}

/* The next line of buf[0..len) from *pos, NUL-terminated in place (buf has
 * a byte to spare at len, as read_from leaves it); NULL after the last. A line
 * holding a NUL byte is damaged (a crash can leave a zero-filled block where
 * lines were): it is skipped, and the lines after it are still read. */
static char *next_line(char *buf, size_t len, size_t *pos)
{
	while (*pos < len) {
		char *s = buf + *pos;
		char *nl = memchr(s, '\n', len - *pos);
		size_t n = nl ? (size_t)(nl - s) : len - *pos;
		*pos += n + (nl != NULL);
		s[n] = '\0';
		if (n && !memchr(s, '\0', n))
			return s;
	}
	return NULL;
}

static bool near(const struct machist *h, uint64_t a, uint64_t b)
{
	return (a > b ? a - b : b - a) <= h->dedupe_us;
}

static bool same_change(const char *bridge, const uint8_t *old_mac, const uint8_t *new_mac,
			const struct machist_record *r)
{
	return strcmp(bridge, r->bridge) == 0 && mac_cmp(old_mac, r->old_mac) == 0 && mac_cmp(new_mac, r->new_mac) == 0;
}

/* Remember r among this process's recent changes; how many of them, r
 * included, are the same change within the window. A bridge flapping
 * A->B->A->B inside the window is two A->B changes, not one. */
static size_t seen_count(struct machist *h, const struct machist_record *r)
{
	struct seen *e = &h->seen[h->seen_next];
	snprintf(e->bridge, sizeof(e->bridge), "%s", r->bridge);
	memcpy(e->old_mac, r->old_mac, 6);
	memcpy(e->new_mac, r->new_mac, 6);
	e->wall_us = r->wall_us;
	h->seen_next = (h->seen_next + 1) % SEEN_MAX;
	if (h->n_seen < SEEN_MAX)
		h->n_seen++;
	size_t n = 0;
	for (size_t i = 0; i < h->n_seen; i++)
		n += near(h, h->seen[i].wall_us, r->wall_us) &&
		     same_change(h->seen[i].bridge, h->seen[i].old_mac, h->seen[i].new_mac, r);
	return n;
}

/* A duplicate when the file already holds as many records of this change
 * within the window as this process has seen: another watcher wrote it. */
struct dup_change {
	const struct machist_record *r;
	size_t seen;
};

static bool dup_change(const struct machist *h, char *tail, size_t len, const void *arg)
{
	const struct dup_change *d = arg;
	size_t n = 0, pos = 0;
	char new_mac[18];
	mac_format(d->r->new_mac, new_mac); /* vmdeck writes MACs this way: a cheap filter before parsing */
	for (char *line; (line = next_line(tail, len, &pos));) {
		struct machist_record o;
		if (!strstr(line, new_mac) || machist_record_parse(line, &o) < 0 || !machist_netns_same(&h->ns, &o.netns))
			continue;
		n += near(h, o.wall_us, d->r->wall_us) && same_change(o.bridge, o.old_mac, o.new_mac, d->r);
	}
	return n >= d->seen;
}

/* Past max_records lines, keep the newest max_records/2: rewritten in place
 * (same inode, so the lock others wait on stays the file's). */
static int trim(struct machist *h, int fd, char **err)
{
	size_t len;
	char *all = read_from(fd, 0, &len);
	if (!all)
		return error_set(err, "MAC history %s: %s", h->path, strerror(errno));
	size_t lines = 0;
	for (size_t i = 0; i < len; i++)
		lines += all[i] == '\n';
	int rc = 0;
	if (lines > h->max_records) {
		size_t drop = lines - h->max_records / 2, i = 0;
		for (; i < len && drop; i++)
			drop -= all[i] == '\n';
		if (ftruncate(fd, 0) < 0 || write(fd, all + i, len - i) != (ssize_t)(len - i))
			rc = error_set(err, "MAC history %s: trim: %s", h->path, strerror(errno));
	}
	free(all);
	return rc;
}

typedef bool (*dup_fn)(const struct machist *h, char *tail, size_t len, const void *arg);

/* Append line under the lock unless dup says the file's tail already has it. */
static int append_line(struct machist *h, const char *line, dup_fn dup_check, const void *arg, bool *written,
		       char **err)
{
	if (written)
		*written = false;
	if (paths_private_dir(h->dir, err) < 0)
		return -1;
	int fd = file_open(h->path, O_WRONLY | O_APPEND | O_CREAT, err);
	if (fd < 0)
		return -1;
	/* The lock covers read-check-append, so of two watchers seeing the same
	 * kernel event the second finds the first's record. */
	if (lock_wait(fd, F_WRLCK) < 0) {
		int e = errno;
		close(fd);
		return error_set(err, "MAC history %s: lock: %s", h->path, strerror(e));
	}
	int rfd = file_open(h->path, O_RDONLY, err);
	if (rfd < 0) {
		close(fd);
		return -1;
	}
	struct stat st;
	fstat(rfd, &st);
	size_t len = 0;
	char *tail = read_from(rfd, st.st_size > TAIL_BYTES ? st.st_size - TAIL_BYTES : 0, &len);
	/* After a torn last line (a writer died mid-line), start a fresh one. */
	bool torn = tail && len && tail[len - 1] != '\n';
	/* Lines in the file, estimated from the tail's mean line length:
	 * counting a file of a few MB on every append would cost a millisecond
	 * each. Only when the estimate reaches the limit does trim() count. */
	size_t tail_lines = 0;
	for (size_t i = 0; tail && i < len; i++)
		tail_lines += tail[i] == '\n';
	bool full = tail_lines && (uint64_t)st.st_size / (len / tail_lines) + 1 > h->max_records;
	char *nl = st.st_size > TAIL_BYTES && tail ? memchr(tail, '\n', len) : NULL; /* drop the partial first line */
	char *from = nl ? nl + 1 : tail;
	bool dup = tail && dup_check(h, from, len - (size_t)(from - tail), arg); /* dup_check cuts tail into lines */
	free(tail);
	int rc = 0;
	if (!dup) {
		char *s = xasprintf("%s%s\n", torn ? "\n" : "", line);
		size_t n = strlen(s);
		if (write(fd, s, n) != (ssize_t)n)
			rc = error_set(err, "MAC history %s: write: %s", h->path, strerror(errno));
		else if (written)
			*written = true;
		free(s);
		if (rc == 0 && full) {
			close(rfd);
			rfd = file_open(h->path, O_RDWR, err);
			rc = rfd < 0 ? -1 : trim(h, rfd, err);
		}
	}
	if (rfd >= 0)
		close(rfd);
	close(fd); /* releases the lock */
	return rc;
}

int machist_append(struct machist *h, const struct machist_record *r, bool *written, char **err)
{
	struct dup_change d = { r, seen_count(h, r) };
	char *line = machist_record_json(r);
	int rc = append_line(h, line, dup_change, &d, written, err);
	free(line);
	return rc;
}

/* ---- guest outages ------------------------------------------------------- */

struct outage_line {
	char bridge[IF_NAMESIZE];
	uint8_t old_mac[6], new_mac[6];
	uint64_t change_us;
	struct machist_outage g;
	struct machist_netns netns;
};


static int outage_line_parse(const char *line, struct outage_line *l)
{
	memset(l, 0, sizeof(*l));
	if (!strstr(line, "\"guest-outage\""))
		return -1; /* the cheap test first: most lines are changes */
	json_object *o = json_tokener_parse(line), *ns;
	const char *ev = o && json_object_is_type(o, json_type_object) ? jstr(o, "event") : NULL;
	int rc = -1;
	if (!ev || strcmp(ev, "guest-outage") != 0 || !jnum(o, "ts_us", &l->change_us) ||
	    !jcopy(o, "bridge", l->bridge, sizeof(l->bridge), true) || !jmac(o, "old_mac", l->old_mac) ||
	    !jmac(o, "new_mac", l->new_mac) || !jcopy(o, "port", l->g.port, sizeof(l->g.port), true) ||
	    !jcopy(o, "vm", l->g.vm, sizeof(l->g.vm), false) || !jnum(o, "frames", &l->g.frames) ||
	    !jnum(o, "duration_us", &l->g.duration_us) || !json_object_object_get_ex(o, "netns", &ns) ||
	    !jnum(ns, "dev", &l->netns.dev) || !jnum(ns, "ino", &l->netns.ino) ||
	    !jcopy(ns, "boot_id", l->netns.boot_id, sizeof(l->netns.boot_id), false))
		goto out;
	jnum(ns, "cookie", &l->netns.cookie);
	jnum(o, "first_us", &l->g.first_us);
	jnum(o, "last_us", &l->g.last_us);
	rc = 0;
out:
	json_object_put(o);
	return rc;
}

static bool dup_outage(const struct machist *h, char *tail, size_t len, const void *arg)
{
	const struct outage_line *want = arg;
	size_t pos = 0;
	for (char *line; (line = next_line(tail, len, &pos));) {
		struct outage_line l;
		if (outage_line_parse(line, &l) == 0 && machist_netns_same(&h->ns, &l.netns) &&
		    strcmp(l.bridge, want->bridge) == 0 && strcmp(l.g.port, want->g.port) == 0 &&
		    !mac_cmp(l.old_mac, want->old_mac) && !mac_cmp(l.new_mac, want->new_mac) &&
		    near(h, l.change_us, want->change_us) && l.g.frames >= want->g.frames)
			return true;
	}
	return false;
}

int machist_append_outage(struct machist *h, const char *bridge, const uint8_t old_mac[6], const uint8_t new_mac[6],
			  uint64_t change_wall_us, const struct machist_outage *g, char **err)
{
	struct outage_line l = { .change_us = change_wall_us, .g = *g, .netns = h->ns };
	snprintf(l.bridge, sizeof(l.bridge), "%s", bridge);
	memcpy(l.old_mac, old_mac, 6);
	memcpy(l.new_mac, new_mac, 6);
	json_object *o = json_object_new_object();
	json_object_object_add(o, "ts_us", json_object_new_uint64(change_wall_us));
	json_object_object_add(o, "event", json_object_new_string("guest-outage"));
	json_object_object_add(o, "bridge", json_object_new_string(bridge));
	json_object_object_add(o, "old_mac", json_mac(old_mac));
	json_object_object_add(o, "new_mac", json_mac(new_mac));
	json_object *go = outage_json(g);
	json_object_object_foreach(go, k, v) json_object_object_add(o, k, json_object_get(v));
	json_object_put(go);
	json_object_object_add(o, "pid", json_object_new_int64((int64_t)getpid()));
	json_object_object_add(o, "netns", machist_netns_json(&h->ns));
	char *line = xstrdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
	int rc = append_line(h, line, dup_outage, &l, NULL, err);
	free(line);
	return rc;
}

/* The outage joins the newest change of its bridge and MACs within the
 * window; a later line for the same guest replaces an earlier one. */
static void outage_attach(const struct machist *h, struct machist_record *r, size_t n, const struct outage_line *l)
{
	for (size_t i = n; i-- > 0;) {
		struct machist_record *c = &r[i];
		if (strcmp(c->bridge, l->bridge) || mac_cmp(c->old_mac, l->old_mac) || mac_cmp(c->new_mac, l->new_mac) ||
		    !near(h, c->wall_us, l->change_us))
			continue;
		for (size_t k = 0; k < c->n_outages; k++)
			if (strcmp(c->outages[k].port, l->g.port) == 0) {
				c->outages[k] = l->g;
				return;
			}
		c->outages = xrealloc(c->outages, (c->n_outages + 1) * sizeof(*c->outages));
		c->outages[c->n_outages++] = l->g;
		return;
	}
}

void machist_records_free(struct machist_record *r, size_t n)
{
	for (size_t i = 0; r && i < n; i++)
		free(r[i].outages);
	free(r);
}

int machist_load(const struct machist *h, const char *bridge, uint64_t since_us, struct machist_record **out,
		 size_t *n, char **err)
{
	*out = NULL;
	*n = 0;
	/* The same trust as for writing: a planted directory's "history" is not ours. */
	if (path_exists(h->dir) && !paths_private_dir_ok(h->dir))
		return error_set(err, "MAC history directory %s is not a private directory of yours "
				      "(a symlink, another user's, or writable by others)", h->dir);
	int fd = open(h->path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT)
		return 0;
	close(fd);
	fd = file_open(h->path, O_RDONLY, err);
	if (fd < 0)
		return -1;
	/* A shared lock: never read a trim half done. */
	if (lock_wait(fd, F_RDLCK) < 0) {
		int e = errno;
		close(fd);
		return error_set(err, "MAC history %s: lock: %s", h->path, strerror(e));
	}
	size_t len;
	char *all = read_from(fd, 0, &len);
	close(fd);
	if (!all)
		return error_set(err, "MAC history %s: %s", h->path, strerror(errno));
	size_t cap = 0, pos = 0;
	for (char *line; (line = next_line(all, len, &pos));) {
		struct machist_record r;
		struct outage_line ol;
		if (outage_line_parse(line, &ol) == 0) {
			if (machist_netns_same(&h->ns, &ol.netns))
				outage_attach(h, *out, *n, &ol);
			continue;
		}
		if (machist_record_parse(line, &r) < 0 || !machist_netns_same(&h->ns, &r.netns))
			continue; /* a torn, damaged or foreign line costs that line only */
		if ((bridge && strcmp(bridge, r.bridge) != 0) || r.wall_us < since_us)
			continue;
		if (*n == cap) {
			cap = cap ? cap * 2 : 64;
			*out = xrealloc(*out, cap * sizeof(**out));
		}
		(*out)[(*n)++] = r;
	}
	free(all);
	return 0;
}
