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

/* The current namespace's identity; -1 when /proc/self/ns/net is unreadable. */
static int machist_netns_self(struct machist_netns *out, char **err)
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

char *machist_record_json(const struct machist_record *r)
{
	json_object *o = json_object_new_object();
	time_t t = (time_t)(r->wall_us / 1000000);
	struct tm tm;
	gmtime_r(&t, &tm);
	char ts[40];
	size_t n = strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(ts + n, sizeof(ts) - n, ".%06uZ", (unsigned)(r->wall_us % 1000000));
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
	json_object *ns = json_object_new_object();
	json_object_object_add(ns, "dev", json_object_new_uint64(r->netns.dev));
	json_object_object_add(ns, "ino", json_object_new_uint64(r->netns.ino));
	json_object_object_add(ns, "cookie", json_object_new_uint64(r->netns.cookie));
	json_object_object_add(ns, "boot_id", json_object_new_string(r->netns.boot_id));
	json_object_object_add(o, "netns", ns);
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
static bool is_duplicate(const struct machist *h, const char *tail, size_t len, const struct machist_record *r,
			 size_t seen)
{
	char *copy = xmalloc(len + 1);
	memcpy(copy, tail, len);
	copy[len] = '\0';
	size_t n = 0, pos = 0;
	char new_mac[18];
	mac_format(r->new_mac, new_mac); /* vmdeck writes MACs this way: a cheap filter before parsing */
	for (char *line; (line = next_line(copy, len, &pos));) {
		struct machist_record o;
		if (!strstr(line, new_mac) || machist_record_parse(line, &o) < 0 || !machist_netns_same(&h->ns, &o.netns))
			continue;
		n += near(h, o.wall_us, r->wall_us) && same_change(o.bridge, o.old_mac, o.new_mac, r);
	}
	free(copy);
	return n >= seen;
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

int machist_append(struct machist *h, const struct machist_record *r, bool *written, char **err)
{
	if (written)
		*written = false;
	size_t seen = seen_count(h, r);
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
	char *nl = st.st_size > TAIL_BYTES && tail ? memchr(tail, '\n', len) : NULL; /* drop the partial first line */
	char *from = nl ? nl + 1 : tail;
	bool dup = tail && is_duplicate(h, from, len - (size_t)(from - tail), r, seen);
	/* After a torn last line (a writer died mid-line), start a fresh one. */
	bool torn = tail && len && tail[len - 1] != '\n';
	/* Lines in the file, estimated from the tail's mean line length:
	 * counting a file of a few MB on every append would cost a millisecond
	 * each. Only when the estimate reaches the limit does trim() count. */
	size_t tail_lines = 0;
	for (size_t i = 0; tail && i < len; i++)
		tail_lines += tail[i] == '\n';
	bool full = tail_lines && (uint64_t)st.st_size / (len / tail_lines) + 1 > h->max_records;
	free(tail);
	int rc = 0;
	if (!dup) {
		char *line = machist_record_json(r);
		char *s = xasprintf("%s%s\n", torn ? "\n" : "", line);
		size_t n = strlen(s);
		if (write(fd, s, n) != (ssize_t)n)
			rc = error_set(err, "MAC history %s: write: %s", h->path, strerror(errno));
		else if (written)
			*written = true;
		free(line);
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
