/* yamldoc: checks and helpers shared by the YAML formats; see yamldoc.h. The
 * texts of the messages are those the profile parser has always printed:
 * tests compare them exactly. */
#include "core/yamldoc.h"
#include "core/util.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct yamldoc {
	const char *buf;
	yaml_parser_t parser;
	yaml_document_t doc;
	yamldoc_report_fn report;
	void *ud;
};

static void __attribute__((format(printf, 4, 5)))
say(struct yamldoc *d, int line, int col, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *msg = xvasprintf(fmt, ap);
	va_end(ap);
	d->report(d->ud, line, col, msg);
	free(msg);
}

void yamldoc_offset_pos(const char *buf, size_t off, int *line, int *col)
{
	*line = 1;
	*col = 1;
	for (size_t i = 0; i < off; i++) {
		if (buf[i] == '\n')
			(*line)++, *col = 1;
		else if (((unsigned char)buf[i] & 0xC0) != 0x80)
			(*col)++;
	}
}

/* Overlongs and surrogates count as invalid. libyaml would name the byte
 * after the bad one. */
size_t yamldoc_utf8_invalid_at(const char *buf, size_t len)
{
	const unsigned char *s = (const unsigned char *)buf;
	for (size_t i = 0; i < len;) {
		unsigned char c = s[i];
		size_t n;
		uint32_t cp, min;
		if (c < 0x80) {
			i++;
			continue;
		} else if ((c & 0xE0) == 0xC0)
			n = 2, cp = c & 0x1F, min = 0x80;
		else if ((c & 0xF0) == 0xE0)
			n = 3, cp = c & 0x0F, min = 0x800;
		else if ((c & 0xF8) == 0xF0)
			n = 4, cp = c & 0x07, min = 0x10000;
		else
			return i;
		if (i + n > len)
			return i;
		for (size_t k = 1; k < n; k++) {
			if ((s[i + k] & 0xC0) != 0x80)
				return i;
			cp = cp << 6 | (s[i + k] & 0x3F);
		}
		if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
			return i;
		i += n;
	}
	return len;
}

/* Problems libyaml would report confusingly: NUL bytes (binary files), bad
 * UTF-8 and tabs in indentation. Returns false when the text must not be
 * parsed. */
static bool precheck(struct yamldoc *d, const char *buf, size_t len)
{
	const char *nul = memchr(buf, '\0', len);
	if (nul) {
		int line, col;
		yamldoc_offset_pos(buf, (size_t)(nul - buf), &line, &col);
		say(d, line, col, "binary data (a NUL byte at offset %zu): not a YAML text file", (size_t)(nul - buf));
		return false;
	}
	size_t bad = yamldoc_utf8_invalid_at(buf, len);
	if (bad < len) {
		int line, col;
		yamldoc_offset_pos(buf, bad, &line, &col);
		say(d, line, col, "not valid UTF-8 text: byte 0x%02x at offset %zu (save the file as UTF-8)",
		    (unsigned char)buf[bad], bad);
		return false;
	}
	bool ok = true;
	int line = 1;
	for (size_t i = 0; i < len;) {
		size_t j = i;
		while (j < len && buf[j] == ' ')
			j++;
		if (j < len && buf[j] == '\t') {
			say(d, line, (int)(j - i) + 1, "tab character in indentation: YAML indents with spaces only");
			ok = false;
		}
		while (j < len && buf[j] != '\n')
			j++;
		i = j + 1;
		line++;
	}
	return ok;
}

/* libyaml keeps a simple-key slot per flow level and walks every slot on
 * each token, so "[[[…]]]" n deep costs n² (100,000 deep, 200 KB: over 30 s
 * in yaml_parser_load). Walk the event stream first and stop at the first
 * collection deeper than YAMLDOC_MAX_DEPTH: the scanner never gets deep
 * enough for the quadratic part to matter. Syntax errors are left to the
 * load, which reports them in its own words. */
static bool depth_check(struct yamldoc *d, const char *buf, size_t len, const char *what)
{
	yaml_parser_t y;
	yaml_parser_initialize(&y);
	yaml_parser_set_input_string(&y, (const unsigned char *)buf, len);
	int depth = 0;
	bool ok = true, done = false;
	while (ok && !done) {
		yaml_event_t ev;
		if (!yaml_parser_parse(&y, &ev))
			break;
		switch (ev.type) {
		case YAML_SEQUENCE_START_EVENT:
		case YAML_MAPPING_START_EVENT:
			if (++depth > YAMLDOC_MAX_DEPTH) {
				say(d, (int)ev.start_mark.line + 1, (int)ev.start_mark.column + 1,
				    "lists and mappings nested more than %d levels deep: not read further "
				    "(%s needs only a few)",
				    YAMLDOC_MAX_DEPTH, what);
				ok = false;
			}
			break;
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT:
			depth--;
			break;
		case YAML_STREAM_END_EVENT:
			done = true;
			break;
		default:
			break;
		}
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&y);
	return ok;
}

static void parser_error(struct yamldoc *d)
{
	yaml_parser_t *y = &d->parser;
	int line = (int)y->problem_mark.line + 1, col = (int)y->problem_mark.column + 1;
	const char *problem = y->problem ? y->problem : "unknown problem";
	switch (y->error) {
	case YAML_READER_ERROR:
		yamldoc_offset_pos(d->buf, y->problem_offset, &line, &col);
		say(d, line, col, "not valid UTF-8 text: %s (byte 0x%02x at offset %zu)", problem,
		    (unsigned)y->problem_value & 0xff, y->problem_offset);
		break;
	case YAML_SCANNER_ERROR:
	case YAML_PARSER_ERROR:
	case YAML_COMPOSER_ERROR:
		if (y->context)
			say(d, line, col, "YAML syntax error: %s (%s at line %d, column %d)", problem, y->context,
			    (int)y->context_mark.line + 1, (int)y->context_mark.column + 1);
		else
			say(d, line, col, "YAML syntax error: %s", problem);
		break;
	default:
		say(d, line, col, "YAML error: %s", problem);
	}
}

struct yamldoc *yamldoc_new(const char *buf, size_t len, size_t max, const char *what, yamldoc_report_fn report,
			    void *ud)
{
	struct yamldoc tmp = { .buf = buf, .report = report, .ud = ud };
	if (len > max) {
		say(&tmp, 1, 1, "file too large: %zu bytes (%s may be at most %zu bytes)", len, what, max);
		return NULL;
	}
	if (!precheck(&tmp, buf, len) || !depth_check(&tmp, buf, len, what))
		return NULL;
	struct yamldoc *d = xmalloc(sizeof(*d));
	*d = tmp;
	yaml_parser_initialize(&d->parser);
	yaml_parser_set_input_string(&d->parser, (const unsigned char *)buf, len);
	if (!yaml_parser_load(&d->parser, &d->doc)) {
		parser_error(d);
		yaml_parser_delete(&d->parser);
		free(d);
		return NULL;
	}
	return d;
}

/* Running as root, a file that another user can change is a file that
 * lets that user choose what root runs: a profile names the QEMU binary,
 * kernels and disks; a lab network, addresses and dnsmasq's settings. Like
 * sshd's StrictModes, refuse it unless the file and its directory belong
 * to root or to the user who ran sudo, and no one else may write to them
 * (group root, or the sudo user's group, may; a world-writable directory
 * only with the sticky bit, as /tmp). */
static uid_t sudo_id(const char *var)
{
	const char *s = getenv(var);
	char *end;
	if (!s || !*s)
		return (uid_t)0;
	errno = 0;
	unsigned long v = strtoul(s, &end, 10);
	return errno || *end || v > 0x7fffffffUL ? (uid_t)0 : (uid_t)v;
}

static const char *untrusted_why(const struct stat *st, bool is_dir, char *buf, size_t len)
{
	uid_t su = sudo_id("SUDO_UID");
	gid_t sg = (gid_t)sudo_id("SUDO_GID");
	const char *what = is_dir ? "its directory" : "the file";
	if (st->st_uid != 0 && st->st_uid != su) {
		snprintf(buf, len, "%s is owned by uid %u, not root%s", what, (unsigned)st->st_uid,
			 su ? " or the sudo user" : "");
		return buf;
	}
	if ((st->st_mode & S_IWOTH) && !(is_dir && (st->st_mode & S_ISVTX))) {
		snprintf(buf, len, "%s is writable by everyone (mode %04o)", what, (unsigned)(st->st_mode & 07777));
		return buf;
	}
	if ((st->st_mode & S_IWGRP) && st->st_gid != 0 && !(sg && st->st_gid == sg)) {
		snprintf(buf, len, "%s is writable by group %u (mode %04o)", what, (unsigned)st->st_gid,
			 (unsigned)(st->st_mode & 07777));
		return buf;
	}
	return NULL;
}

static const char *root_refusal(const char *path, const struct stat *st, char *buf, size_t len)
{
	if (geteuid() != 0)
		return NULL;
	const char *why = untrusted_why(st, false, buf, len);
	if (why)
		return why;
	char *dir = xstrdup(path);
	char *slash = strrchr(dir, '/');
	if (!slash)
		strcpy(dir, ".");
	else if (slash == dir)
		dir[1] = '\0';
	else
		*slash = '\0';
	struct stat dst;
	if (stat(dir, &dst) == 0)
		why = untrusted_why(&dst, true, buf, len);
	free(dir);
	return why;
}

char *yamldoc_read(const char *path, size_t max, const char *what, size_t *len, yamldoc_report_fn report, void *ud)
{
	struct yamldoc tmp = { .report = report, .ud = ud };
	/* O_NONBLOCK: opening a FIFO must not wait for a writer; it is then
	 * refused as not a regular file. */
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0) {
		say(&tmp, 0, 0, "cannot open: %s", strerror(errno));
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		say(&tmp, 0, 0, "not a regular file");
		return NULL;
	}
	char why_buf[160];
	const char *why = root_refusal(path, &st, why_buf, sizeof(why_buf));
	if (why) {
		close(fd);
		say(&tmp, 0, 0, "not read as root: %s (anyone who can change it chooses what root runs; "
				"chown root and chmod go-w, or run vmdeck as that user)", why);
		return NULL;
	}
	if ((unsigned long long)st.st_size > max) {
		close(fd);
		say(&tmp, 1, 1, "file too large: %lld bytes (%s may be at most %zu bytes)", (long long)st.st_size, what,
		    max);
		return NULL;
	}
	/* Read at most one byte past the cap, in case the file grew. */
	char *buf = xmalloc(max + 2);
	size_t n = 0;
	for (;;) {
		ssize_t r = read(fd, buf + n, max + 1 - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			say(&tmp, 0, 0, "cannot read: %s", strerror(errno));
			free(buf);
			close(fd);
			return NULL;
		}
		if (r == 0 || (n += (size_t)r) > max)
			break;
	}
	close(fd);
	buf[n] = '\0';
	*len = n;
	return buf;
}

void yamldoc_free(struct yamldoc *d)
{
	if (!d)
		return;
	yaml_document_delete(&d->doc);
	yaml_parser_delete(&d->parser);
	free(d);
}

yaml_document_t *yamldoc_document(struct yamldoc *d) { return &d->doc; }
yaml_node_t *yamldoc_root(struct yamldoc *d) { return yaml_document_get_root_node(&d->doc); }

void yamldoc_single(struct yamldoc *d, const char *msg)
{
	yaml_document_t doc2;
	if (!yaml_parser_load(&d->parser, &doc2)) {
		parser_error(d);
		return;
	}
	yaml_node_t *r2 = yaml_document_get_root_node(&doc2);
	if (r2)
		d->report(d->ud, YAMLDOC_LINE(r2), YAMLDOC_COL(r2), msg);
	yaml_document_delete(&doc2);
}

const char *yamldoc_scalar(const yaml_node_t *n)
{
	return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

bool yamldoc_is_null(const yaml_node_t *n)
{
	if (n->type != YAML_SCALAR_NODE || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return false;
	const char *s = yamldoc_scalar(n);
	return !*s || strcmp(s, "~") == 0 || strcmp(s, "null") == 0 || strcmp(s, "Null") == 0 ||
	       strcmp(s, "NULL") == 0;
}

const char *yamldoc_kind(const yaml_node_t *n)
{
	static const char *const kinds[] = {
		[YAML_MAPPING_NODE] = "a mapping", [YAML_SEQUENCE_NODE] = "a list", [YAML_SCALAR_NODE] = "a scalar",
	};
	return (unsigned)n->type < ARRAY_LEN(kinds) && kinds[n->type] ? kinds[n->type] : "a scalar";
}

size_t yamldoc_levenshtein(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	if (la > 64 || lb > 64)
		return SIZE_MAX;
	size_t row[65];
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t diag = row[0];
		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t up = row[j];
			size_t cost = tolower((unsigned char)a[i - 1]) == tolower((unsigned char)b[j - 1]) ? 0 : 1;
			size_t best = diag + cost;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			if (up + 1 < best)
				best = up + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[lb];
}

const char *yamldoc_nearest(const char *key, const char *const *keys)
{
	const char *best = NULL;
	size_t best_d = SIZE_MAX, klen = strlen(key);
	for (const char *const *k = keys; *k; k++) {
		size_t d = yamldoc_levenshtein(key, *k);
		if (d < best_d)
			best_d = d, best = *k;
	}
	size_t limit = klen / 3 > 2 ? klen / 3 : 2;
	return best && best_d <= limit ? best : NULL;
}

char *yamldoc_key_list(const char *const *keys)
{
	size_t cap = 256, len = 0;
	char *list = xmalloc(cap);
	list[0] = '\0';
	for (const char *const *k = keys; *k; k++) {
		size_t kl = strlen(*k);
		if (len + kl + 3 >= cap)
			list = xrealloc(list, cap = cap * 2 + kl);
		len += (size_t)sprintf(list + len, "%s%s", len ? ", " : "", *k);
	}
	return list;
}

/* ---- directories of YAML files ------------------------------------------ */

static bool yaml_file_name(const char *n)
{
	size_t l = strlen(n);
	return n[0] != '.' && ((l > 5 && strcmp(n + l - 5, ".yaml") == 0) || (l > 4 && strcmp(n + l - 4, ".yml") == 0));
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int yamldoc_dir_files(const char *dir, struct strv *out, char **err)
{
	DIR *d = opendir(dir);
	if (!d) {
		int e = errno;
		error_set(err, "cannot open directory: %s", strerror(e));
		errno = e;
		return -1;
	}
	size_t first = out->n;
	struct dirent *e;
	while ((e = readdir(d)))
		if (yaml_file_name(e->d_name))
			strv_push_owned(out, path_join(dir, e->d_name));
	closedir(d);
	if (out->n > first)
		qsort(out->v + first, out->n - first, sizeof(*out->v), cmp_str);
	return 0;
}
