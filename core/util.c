/* util: allocation, string vectors, errors, MACs, clocks and small file helpers. */
#include "core/util.h"

#include <ctype.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void (*fatal_hook)(void);

void util_set_fatal_hook(void (*hook)(void)) { fatal_hook = hook; }

void fatal(const char *fmt, ...)
{
	if (fatal_hook)
		fatal_hook();
	va_list ap;
	va_start(ap, fmt);
	fputs("vmdeck: fatal: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	abort();
}

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		fatal("out of memory (%zu bytes)", n);
	return p;
}

void *xcalloc(size_t nmemb, size_t size)
{
	void *p = calloc(nmemb ? nmemb : 1, size ? size : 1);
	if (!p)
		fatal("out of memory (%zu x %zu bytes)", nmemb, size);
	return p;
}

void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		fatal("out of memory (%zu bytes)", n);
	return p;
}

char *xstrdup(const char *s)
{
	return s ? xstrndup(s, strlen(s)) : NULL;
}

char *xstrndup(const char *s, size_t n)
{
	char *p = xmalloc(n + 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *xvasprintf(const char *fmt, va_list ap)
{
	char *p = NULL;
	if (vasprintf(&p, fmt, ap) < 0)
		fatal("out of memory (vasprintf)");
	return p;
}

char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *p = xvasprintf(fmt, ap);
	va_end(ap);
	return p;
}

void strbuf_add(struct strbuf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		b->cap = (b->len + n + 1) * 2;
		b->s = xrealloc(b->s, b->cap);
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

void strbuf_adds(struct strbuf *b, const char *s) { strbuf_add(b, s, strlen(s)); }

void strbuf_addf(struct strbuf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *s = xvasprintf(fmt, ap);
	va_end(ap);
	strbuf_adds(b, s);
	free(s);
}

static int error_vset(char **err, enum err_kind kind, const char *fmt, va_list ap)
{
	if (err) {
		char *msg = xvasprintf(fmt, ap);
		free(*err);
		*err = msg;
	}
	return -(int)kind;
}

int error_set(char **err, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = error_vset(err, ERR_FAILED, fmt, ap);
	va_end(ap);
	return r;
}

int error_kind_set(char **err, enum err_kind kind, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = error_vset(err, kind, fmt, ap);
	va_end(ap);
	return r;
}

enum err_kind error_kind(int rc)
{
	switch (rc) {
	case -ERR_INVALID: return ERR_INVALID;
	case -ERR_NOTFOUND: return ERR_NOTFOUND;
	case -ERR_PERM: return ERR_PERM;
	case -ERR_BUSY: return ERR_BUSY;
	default: return ERR_FAILED;
	}
}

int error_prefix(char **err, const char *fmt, ...)
{
	if (!err)
		return -1;
	va_list ap;
	va_start(ap, fmt);
	char *pre = xvasprintf(fmt, ap);
	va_end(ap);
	char *msg = *err ? xasprintf("%s: %s", pre, *err) : pre;
	if (*err) {
		free(pre);
		free(*err);
	}
	*err = msg;
	return -1;
}

void strv_init(struct strv *s)
{
	s->n = 0;
	s->cap = 8;
	s->v = xcalloc(s->cap, sizeof(char *));
}

void strv_push_owned(struct strv *s, char *str)
{
	if (!s->v)
		strv_init(s);
	if (s->n + 2 > s->cap) {
		s->cap *= 2;
		s->v = xrealloc(s->v, s->cap * sizeof(char *));
	}
	s->v[s->n++] = str;
	s->v[s->n] = NULL;
}

void strv_push(struct strv *s, const char *str) { strv_push_owned(s, xstrdup(str)); }

void strv_pushf(struct strv *s, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	strv_push_owned(s, xvasprintf(fmt, ap));
	va_end(ap);
}

void strv_clear(struct strv *s)
{
	if (!s->v)
		return;
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
	s->v = NULL;
	s->n = s->cap = 0;
}

char *shell_quote(const char *s)
{
	bool plain = *s != '\0';
	for (const char *p = s; *p; p++)
		if (!(isalnum((unsigned char)*p) || strchr("@%+=:,./-_", *p)))
			plain = false;
	if (plain)
		return xstrdup(s);
	size_t n = 2;
	for (const char *p = s; *p; p++)
		n += *p == '\'' ? 4 : 1;
	char *out = xmalloc(n + 1), *o = out;
	*o++ = '\'';
	for (const char *p = s; *p; p++) {
		if (*p == '\'') {
			memcpy(o, "'\\''", 4);
			o += 4;
		} else
			*o++ = *p;
	}
	*o++ = '\'';
	*o = '\0';
	return out;
}

char *strv_shell_join(const struct strv *s)
{
	size_t cap = 64, len = 0;
	char *out = xmalloc(cap);
	out[0] = '\0';
	for (size_t i = 0; i < s->n; i++) {
		char *q = shell_quote(s->v[i]);
		size_t ql = strlen(q);
		if (len + ql + 2 > cap) {
			while (len + ql + 2 > cap)
				cap *= 2;
			out = xrealloc(out, cap);
		}
		if (i)
			out[len++] = ' ';
		memcpy(out + len, q, ql + 1);
		len += ql;
		free(q);
	}
	return out;
}

int mac_parse(const char *s, uint8_t mac[6])
{
	unsigned v[6];
	char tail;
	if (!s || strlen(s) != 17)
		return -1;
	for (int i = 0; i < 17; i++) {
		if (i % 3 == 2) {
			if (s[i] != ':')
				return -1;
		} else if (!isxdigit((unsigned char)s[i]))
			return -1;
	}
	if (sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &tail) != 6)
		return -1;
	for (int i = 0; i < 6; i++)
		mac[i] = (uint8_t)v[i];
	return 0;
}

void mac_format(const uint8_t mac[6], char out[18])
{
	snprintf(out, 18, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
}

int mac_cmp(const uint8_t a[6], const uint8_t b[6]) { return memcmp(a, b, 6); }

uint32_t name_hash(const char *s)
{
	uint32_t h = 2166136261u; /* FNV-1a, 32 bits */
	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 16777619u;
	}
	return h;
}

void mac_from_name(const char *name, uint8_t mac[6])
{
	uint32_t h = name_hash(name);
	/* FNV's low bits barely differ for names like web1/web2, and a MAC keeps
	 * only 24 of them: mix (murmur3's finaliser) so that similar names get
	 * unrelated MACs. */
	h ^= h >> 16;
	h *= 0x85ebca6bu;
	h ^= h >> 13;
	h *= 0xc2b2ae35u;
	h ^= h >> 16;
	mac[0] = 0x52;
	mac[1] = 0x54;
	mac[2] = 0x00;
	mac[3] = (uint8_t)(h >> 16);
	mac[4] = (uint8_t)(h >> 8);
	mac[5] = (uint8_t)h;
}

uint64_t now_mono_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

uint64_t now_wall_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

int mkdir_p(const char *path, unsigned mode, char **err)
{
	char *p = xstrdup(path);
	for (char *s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, 0755) < 0 && errno != EEXIST) {
			error_set(err, "cannot create directory %s: %s", p, strerror(errno));
			free(p);
			return -1;
		}
		*s = '/';
	}
	if (mkdir(p, mode) < 0 && errno != EEXIST) {
		error_set(err, "cannot create directory %s: %s", p, strerror(errno));
		free(p);
		return -1;
	}
	free(p);
	return 0;
}

char *path_join(const char *dir, const char *name)
{
	if (!dir || !*dir || name[0] == '/')
		return xstrdup(name);
	size_t dl = strlen(dir);
	return xasprintf("%s%s%s", dir, dir[dl - 1] == '/' ? "" : "/", name);
}

char *file_read_all(const char *path, size_t *len_out)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	size_t cap = 4096, len = 0;
	char *buf = xmalloc(cap);
	for (;;) {
		if (len + 1 >= cap) {
			cap *= 2;
			buf = xrealloc(buf, cap);
		}
		ssize_t r = read(fd, buf + len, cap - len - 1);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			int e = errno;
			free(buf);
			close(fd);
			errno = e;
			return NULL;
		}
		if (r == 0)
			break;
		len += (size_t)r;
	}
	close(fd);
	buf[len] = '\0';
	if (len_out)
		*len_out = len;
	return buf;
}

int file_write_atomic(const char *path, const char *data, size_t len, unsigned mode, char **err)
{
	char *tmp = xasprintf("%s.tmp.%ld", path, (long)getpid());
	/* The name is predictable: in a shared dir (/tmp) another user may have
	 * planted a symlink or a hard link there. Remove our own leftover, then
	 * only ever create a new file. */
	unlink(tmp);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode);
	if (fd < 0) {
		error_set(err, "cannot write %s: %s", tmp, strerror(errno));
		free(tmp);
		return -1;
	}
	size_t off = 0;
	while (off < len) {
		ssize_t w = write(fd, data + off, len - off);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			error_set(err, "cannot write %s: %s", tmp, strerror(errno));
			close(fd);
			unlink(tmp);
			free(tmp);
			return -1;
		}
		off += (size_t)w;
	}
	if (close(fd) < 0 || rename(tmp, path) < 0) {
		error_set(err, "cannot write %s: %s", path, strerror(errno));
		unlink(tmp);
		free(tmp);
		return -1;
	}
	free(tmp);
	return 0;
}

size_t utf8_prefix_len(const char *s, size_t len, size_t max)
{
	if (len <= max)
		return len;
	while (max && ((unsigned char)s[max] & 0xC0) == 0x80)
		max--;
	return max;
}

bool path_exists(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0;
}

char *prog_find(const char *name, const char *env)
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

/* fork and exec argv with stdin from in_fd (closed here), stdout and
 * stderr into a new pipe (*out_fd: its read end). */
static pid_t spawn_piped(char *const argv[], int in_fd, int *out_fd)
{
	int pout[2];
	if (pipe2(pout, O_CLOEXEC) < 0) {
		close(in_fd);
		return -1;
	}
	pid_t pid = fork();
	if (pid == 0) {
		/* The loop blocks the signals it takes through a signalfd: the
		 * child starts with none blocked. */
		sigset_t none;
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		dup2(in_fd, 0);
		dup2(pout[1], 1);
		dup2(pout[1], 2);
		execv(argv[0], argv);
		_exit(127);
	}
	close(in_fd);
	close(pout[1]);
	if (pid < 0) {
		close(pout[0]);
		return -1;
	}
	*out_fd = pout[0];
	return pid;
}

pid_t prog_spawn(char *const argv[], int *out_fd)
{
	int in = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return -1;
	pid_t pid = spawn_piped(argv, in, out_fd);
	if (pid > 0)
		fcntl(*out_fd, F_SETFL, fcntl(*out_fd, F_GETFL) | O_NONBLOCK);
	return pid;
}

int prog_run(char *const argv[], const char *in, char **out)
{
	int pin[2], out_fd;
	if (pipe2(pin, O_CLOEXEC) < 0)
		return -1;
	pid_t pid = spawn_piped(argv, pin[0], &out_fd);
	if (pid < 0) {
		close(pin[1]);
		return -1;
	}
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
	while ((r = read(out_fd, buf + len, cap - len - 1)) > 0 || (r < 0 && errno == EINTR)) {
		if (r < 0)
			continue;
		len += (size_t)r;
		if (cap - len < 64)
			buf = xrealloc(buf, cap *= 2);
	}
	close(out_fd);
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

bool file_stamp_changed(const char *path, const struct file_stamp *seen, struct file_stamp *now)
{
	struct stat st;
	struct file_stamp cur = { 0 };
	if (stat(path, &st) == 0)
		cur = (struct file_stamp){ true, st.st_dev, st.st_ino, st.st_mtim };
	bool changed = cur.have != seen->have ||
		       (cur.have && (cur.dev != seen->dev || cur.ino != seen->ino ||
				     cur.mtime.tv_sec != seen->mtime.tv_sec || cur.mtime.tv_nsec != seen->mtime.tv_nsec));
	*now = cur;
	return changed;
}

int parse_bool(const char *s, bool *out)
{
	static const struct { const char *word; bool value; } words[] = {
		{ "true", true }, { "yes", true }, { "on", true }, { "false", false }, { "no", false }, { "off", false },
	};
	for (size_t i = 0; s && i < ARRAY_LEN(words); i++) {
		const char *w = words[i].word;
		size_t n = strlen(w);
		if (strlen(s) != n || strcasecmp(s, w) != 0)
			continue;
		/* All lower, all upper, or only the first letter upper. */
		bool lower = true, upper = true, cap = isupper((unsigned char)s[0]) != 0;
		for (size_t k = 0; k < n; k++) {
			lower &= islower((unsigned char)s[k]) != 0;
			upper &= isupper((unsigned char)s[k]) != 0;
			cap &= k == 0 || islower((unsigned char)s[k]);
		}
		if (!lower && !upper && !cap)
			return -1;
		*out = words[i].value;
		return 0;
	}
	return -1;
}

int parse_uint(const char *s, unsigned long long min, unsigned long long max, unsigned long long *out)
{
	if (!s || !isdigit((unsigned char)*s))
		return -1; /* also refuses "", "-1", "+1", " 1" (strtoull would take them) */
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

int parse_size(const char *s, uint64_t *out)
{
	if (!s || !isdigit((unsigned char)*s))
		return -1;
	uint64_t v = 0;
	const char *p = s;
	for (; isdigit((unsigned char)*p); p++) {
		if (v > (UINT64_MAX >> 1) / 10)
			return -1;
		v = v * 10 + (uint64_t)(*p - '0');
	}
	static const char units[] = "kmgtp";
	unsigned shift = 0;
	if (*p) {
		const char *u = strchr(units, tolower((unsigned char)*p));
		if (!u)
			return -1;
		shift = 10 * (unsigned)(u - units + 1);
		p++;
		if (strcmp(p, "iB") == 0 || strcmp(p, "B") == 0 || strcmp(p, "b") == 0)
			p += strlen(p);
	}
	if (*p || v == 0 || v > ((UINT64_MAX >> 1) >> shift))
		return -1;
	*out = v << shift;
	return 0;
}

char *size_text(uint64_t b)
{
	static const char *const u[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB" };
	size_t i = 0;
	uint64_t whole = b;
	while (whole >= 1024 && i + 1 < ARRAY_LEN(u)) {
		whole >>= 10;
		i++;
	}
	if (i == 0)
		return xasprintf("%llu B", (unsigned long long)b);
	uint64_t unit = 1ull << (10 * i);
	if (b % unit == 0)
		return xasprintf("%llu %s", (unsigned long long)(b / unit), u[i]);
	return xasprintf("%.1f %s", (double)b / (double)unit, u[i]);
}

void time_iso_us(uint64_t wall_us, char out[40])
{
	time_t t = (time_t)(wall_us / 1000000);
	struct tm tm;
	gmtime_r(&t, &tm);
	size_t n = strftime(out, 40, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out + n, 40 - n, ".%06uZ", (unsigned)(wall_us % 1000000));
}

int dl_load(const char *soname, const char *what, const struct dl_sym *syms, size_t n, char **err)
{
	void *h = dlopen(soname, RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		const char *e = dlerror();
		return error_set(err, "cannot load %s: %s", what, e ? e : soname);
	}
	for (size_t i = 0; i < n; i++)
		if (!(*syms[i].to = dlsym(h, syms[i].name))) {
			for (size_t j = 0; j < n; j++)
				*syms[j].to = NULL;
			return error_set(err, "cannot load %s: %s has no %s", what, soname, syms[i].name);
		}
	return 0;
}
