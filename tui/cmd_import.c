/* cmd_import: `vmdeck import` — a launch script, a running QEMU or an argv
 * into a profile. The script is read (core/shscript.c), never run. */

#include "core/import.h"
#include "core/lvimport.h"
#include "core/modes.h"
#include "core/paths.h"
#include "core/profile.h"
#include "core/shscript.h"
#include "core/util.h"
#include "net/labnet.h"
#include "net/nlact.h"
#include "tui/cmd.h"
#include "tui/cmd_list.h"
#include "tui/cmd_import.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define USAGE                                                                                                         \
	"SCRIPT|-|--pid PID|--libvirt FILE.xml|--connect URI --domain NAME|-- QEMU ARGS... [--name NAME] [--out DIR] "      \
	"[--force] [--set VAR=VALUE]..."

static const char *probe_format(const char *path)
{
	unsigned char m[8] = { 0 };
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	struct stat st;
	ssize_t n = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) ? read(fd, m, sizeof m) : -1;
	close(fd);
	if (n < 0)
		return NULL;
	if (n >= 4 && !memcmp(m, "QFI\xfb", 4))
		return "qcow2";
	if (n >= 8 && !memcmp(m, "vhdxfile", 8))
		return "vhdx";
	if (n >= 4 && !memcmp(m, "KDMV", 4))
		return "vmdk";
	return "raw";
}

/* Read a script (or stdin), refusing more than the cap unread; with
 * regular_only, "-" and anything but a regular file are refused without
 * blocking. *missing tells "no such file" from the other failures. */
static char *read_script(const char *path, bool regular_only, size_t *len, bool *missing, char **err)
{
	*missing = false;
	if (regular_only && !strcmp(path, "-"))
		return error_set(err, "-: stdin is the terminal here: give a script's path"), NULL;
	int fd = strcmp(path, "-") ? open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK) : dup(0);
	*missing = fd < 0 && errno == ENOENT;
	if (fd < 0)
		return error_set(err, "%s: cannot open: %s", path, strerror(errno)), NULL;
	struct stat st;
	if (regular_only && (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))) {
		close(fd);
		return error_set(err, "%s: not a regular file (a FIFO, a device or a directory would not be read here)",
				 path),
		       NULL;
	}
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > SHSCRIPT_MAX_SIZE) {
		close(fd);
		return error_set(err, "%s:1:1: file too large: %lld bytes (a launch script may be at most %d bytes)", path,
				 (long long)st.st_size, SHSCRIPT_MAX_SIZE),
		       NULL;
	}
	if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		close(fd);
		return error_set(err, "%s: is a directory, not a script", path), NULL;
	}
	if (strcmp(path, "-"))
		fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	size_t cap = 65536, n = 0;
	char *buf = xmalloc(cap);
	for (;;) {
		if (n == cap)
			buf = xrealloc(buf, cap *= 2);
		ssize_t r = read(fd, buf + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			error_set(err, "%s: cannot read: %s", path, strerror(errno));
			free(buf);
			close(fd);
			return NULL;
		}
		if (r == 0)
			break;
		n += (size_t)r;
		if (n > SHSCRIPT_MAX_SIZE) {
			free(buf);
			close(fd);
			return error_set(err, "%s:1:1: file too large: more than %d bytes (a launch script may be at most %d "
					 "bytes)", path, SHSCRIPT_MAX_SIZE, SHSCRIPT_MAX_SIZE),
			       NULL;
		}
	}
	close(fd);
	*len = n;
	return buf;
}

/* The script's directory, absolute: $PWD when it runs, and the base of
 * relative paths (launch scripts are run from where they live). */
static char *script_dir(const char *path)
{
	char *cwd = getcwd(NULL, 0);
	if (!strcmp(path, "-"))
		return cwd ? cwd : xstrdup("/");
	char *copy = xstrdup(path);
	char *d = dirname(copy);
	char *abs = d[0] == '/' ? xstrdup(d) : !strcmp(d, ".") ? xstrdup(cwd ? cwd : "/") : xasprintf("%s/%s", cwd ? cwd : "", d);
	free(copy);
	free(cwd);
	return abs;
}

static char *stem(const char *path)
{
	if (!strcmp(path, "-"))
		return NULL;
	const char *b = strrchr(path, '/');
	char *s = xstrdup(b ? b + 1 : path);
	char *dot = strrchr(s, '.');
	if (dot && dot != s)
		*dot = '\0';
	return s;
}

struct import_in {
	const char *src_label;    /* prefix of messages: the script path, /proc/PID/cmdline */
	struct import_arg *argv;
	size_t argc;
	struct shscript *script;  /* owns the argv texts when from a script */
	char **owned;             /* owns them otherwise */
	char *base_dir, *source_name;
	struct import_note *pre;  /* the reader's warnings, for the profile's header */
	size_t n_pre;
	struct strv *msgs;        /* what the verb prints on stderr, one line each */
	char **err;               /* the job's err: why it failed, one line */
};

static void say(struct import_in *in, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(struct import_in *in, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	strv_push_owned(in->msgs, xvasprintf(fmt, ap));
	va_end(ap);
}

/* Why the job failed: said like say(), and kept as the job's err (the
 * first reason wins). */
static void fail(struct import_in *in, const char *prefix, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void fail(struct import_in *in, const char *prefix, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *msg = xvasprintf(fmt, ap);
	va_end(ap);
	strv_pushf(in->msgs, "%s%s", prefix, msg);
	if (in->err && !*in->err)
		*in->err = msg;
	else
		free(msg);
}

static void pre_note(struct import_in *in, int line, int col, char *msg)
{
	in->pre = xrealloc(in->pre, (in->n_pre + 1) * sizeof *in->pre);
	in->pre[in->n_pre++] = (struct import_note){ line, col, msg };
}

static void in_clear(struct import_in *in)
{
	shscript_free(in->script);
	for (size_t i = 0; in->owned && in->owned[i]; i++)
		free(in->owned[i]);
	free(in->owned);
	free(in->argv);
	free(in->base_dir);
	free(in->source_name);
	for (size_t i = 0; i < in->n_pre; i++)
		free(in->pre[i].msg);
	free(in->pre);
}

static int from_script(const char *path, bool regular_only, const char *const *set, size_t n_set,
		       struct import_in *in)
{
	size_t len = 0;
	bool missing = false;
	char *err = NULL;
	char *buf = read_script(path, regular_only, &len, &missing, &err);
	if (!buf) {
		fail(in, "vmdeck: import: ", "%s", err);
		free(err);
		return missing ? EXIT_NOTFOUND : EXIT_FAIL;
	}
	in->base_dir = script_dir(path);
	char *abs = strcmp(path, "-") && path[0] != '/' ? xasprintf("%s/%s", in->base_dir, basename((char *)path)) : NULL;
	struct shscript_env env = { .pwd = in->base_dir, .home = getenv("HOME"), .script = abs ? abs : path,
				    .set = set, .n_set = n_set };
	in->script = shscript_read(buf, len, &env);
	free(buf);
	free(abs);
	in->source_name = stem(path);
	const char *label = strcmp(path, "-") ? path : "(stdin)";
	in->src_label = label;
	for (size_t i = 0; i < in->script->n_diags; i++) {
		const struct shscript_diag *d = &in->script->diags[i];
		if (d->fatal)
			fail(in, "", "%s:%d:%d: %s", label, d->line, d->col, d->msg);
		else
			pre_note(in, d->line, d->col, xstrdup(d->msg));
	}
	if (in->script->failed)
		return EXIT_FAIL;
	size_t ci, wi;
	if (import_find_qemu(in->script, &ci, &wi) < 0) {
		fail(in, "", "%s:%d:1: no QEMU command in the script (qemu-system-…, qemu-kvm, kvm)", label,
		    in->script->last_line);
		return EXIT_FAIL;
	}
	const struct shscript_cmd *c = &in->script->cmds[ci];
	in->argc = c->n - wi;
	in->argv = xcalloc(in->argc, sizeof *in->argv);
	for (size_t k = 0; k < in->argc; k++) {
		const struct shscript_word *w = &c->words[wi + k];
		in->argv[k] = (struct import_arg){ w->text, w->line, w->col, w->unresolved };
	}
	/* One profile per VM: a later QEMU command is named, not merged. */
	struct shscript later = *in->script;
	later.cmds += ci + 1;
	later.n_cmds -= ci + 1;
	size_t ci2, wi2;
	if (import_find_qemu(&later, &ci2, &wi2) == 0)
		pre_note(in, later.cmds[ci2].words[wi2].line, later.cmds[ci2].words[wi2].col,
			 xstrdup("a second QEMU command is not imported: one profile holds one VM (give it a script "
				 "of its own, or 'vmdeck import -- ARGS')"));
	/* The seed's own trap: a line after the command that starts with an
	 * option ran as a command of its own (a '\' was missing). */
	if (ci + 1 < in->script->n_cmds) {
		const struct shscript_cmd *n = &in->script->cmds[ci + 1];
		if (n->words[0].text[0] == '-')
			pre_note(in, n->line, n->col,
				 xasprintf("'%s …' is a command of its own (the line before does not end in '\\'): bash "
					   "runs QEMU without it, then fails with '%s: command not found'; not imported",
					   n->words[0].text, n->words[0].text));
	}
	return EXIT_OK;
}

static int from_pid(const char *pid_s, struct import_in *in)
{
	unsigned long long pid;
	if (parse_uint(pid_s, 1, 4194304, &pid) < 0) {
		fail(in, "vmdeck: import: ", "--pid wants a process id, not '%s'", pid_s);
		return EXIT_USAGE;
	}
	char path[64];
	snprintf(path, sizeof path, "/proc/%llu/cmdline", pid);
	size_t len = 0;
	char *buf = file_read_all(path, &len);
	if (!buf || !len) {
		fail(in, "vmdeck: import: ", "%s: %s", path, buf ? "empty (a kernel thread or a zombie)" : strerror(errno));
		free(buf);
		return EXIT_NOTFOUND;
	}
	snprintf(path, sizeof path, "/proc/%llu/cwd", pid);
	char cwd[PATH_MAX];
	ssize_t n = readlink(path, cwd, sizeof cwd - 1);
	in->base_dir = n > 0 ? xstrndup(cwd, (size_t)n) : NULL;
	size_t count = 0;
	for (size_t i = 0; i < len; i++)
		count += buf[i] == '\0';
	in->owned = xcalloc(count + 2, sizeof *in->owned);
	in->argv = xcalloc(count + 1, sizeof *in->argv);
	for (size_t i = 0; i < len; i += strlen(buf + i) + 1) {
		in->owned[in->argc] = xstrdup(buf + i);
		in->argv[in->argc] = (struct import_arg){ in->owned[in->argc], 0, 0, false };
		in->argc++;
	}
	free(buf);
	in->source_name = xasprintf("qemu-%llu", pid);
	in->src_label = "";
	return EXIT_OK;
}

static int write_profile(struct import_in *in, const char *dir, const struct import_result *r, bool force,
			 char **out_path)
{
	char *err = NULL;
	if (mkdir_p(dir, 0755, &err) < 0) {
		fail(in, "vmdeck: import: ", "%s", err);
		free(err);
		return EXIT_FAIL;
	}
	char *file = xasprintf("%s.yaml", r->name);
	char *path = path_join(dir, file);
	free(file);
	int rc = EXIT_OK;
	/* Without --force the file appears whole or not at all, never over
	 * another: written aside, then linked into place (EEXIST: it exists). */
	char *tmp = force ? NULL : xasprintf("%s.new.%ld", path, (long)getpid());
	if (file_write_atomic(tmp ? tmp : path, r->yaml, strlen(r->yaml), 0644, &err) < 0) {
		fail(in, "vmdeck: import: ", "%s", err);
		rc = EXIT_FAIL;
	} else if (tmp && link(tmp, path) < 0) {
		if (errno == EEXIST)
			fail(in, "vmdeck: import: ", "%s exists: not overwritten (--force replaces it, --name picks another "
			     "name)", path);
		else
			fail(in, "vmdeck: import: ", "%s: %s", path, strerror(errno));
		rc = EXIT_FAIL;
	}
	if (tmp)
		unlink(tmp);
	free(tmp);
	free(err);
	*out_path = path;
	return rc;
}

/* What `check` would say about the new file (missing media, …). */
static size_t check_written(struct import_in *in, const char *path)
{
	struct profile_diag *d = NULL;
	size_t n = 0;
	struct profile *p = profile_load(path, &d, &n);
	for (size_t i = 0; i < n; i++) {
		strv_push_owned(in->msgs, profile_diag_format(&d[i]));
	}
	size_t errors = profile_diag_errors(d, n);
	profile_diags_free(d, n);
	profile_free(p);
	return errors;
}

static void help(void)
{
	printf("usage: vmdeck import " USAGE "\n"
	       "Write a profile from a QEMU launch script (SCRIPT, or - for stdin), a running QEMU\n"
	       "(--pid PID: its /proc/PID/cmdline) or a QEMU command line (after --).\n"
	       "The script is read, never run: variables, arrays, quotes and continuations are\n"
	       "followed as bash would; what cannot be resolved is reported with LINE:COL and\n"
	       "left in the profile for you (--set VAR=VALUE gives a value).\n"
	       "  --libvirt FILE.xml  a libvirt domain XML instead (virsh dumpxml, virt-manager,\n"
	       "                virt-install); --connect URI --domain NAME: the domain NAME of a\n"
	       "                libvirt (virsh -c URI dumpxml NAME). See docs/libvirt.md.\n"
	       "  --name NAME   the VM name (default: QEMU's -name, else the script's file name)\n"
	       "  --out DIR     where NAME.yaml goes (default: the profile directory)\n"
	       "  --force       overwrite an existing NAME.yaml\n"
	       "  --set VAR=VALUE  a value for a script variable (repeatable)\n"
	       "The report (kept, modernised, moved to extra_args, dropped) goes to stderr and\n"
	       "into the profile's comments. Exit: 0 written, 1 failed (the script is broken, the\n"
	       "file exists), 2 usage, 3 no such script or process.\n");
}

int import_job_run(struct import_job *j)
{
	struct import_in in = { .msgs = &j->msgs, .err = &j->err };
	const char *source = NULL;
	int rc = EXIT_OK;
	if (j->pid) {
		rc = from_pid(j->pid, &in);
		source = in.owned ? "a running QEMU" : NULL;
	} else if (j->argv) {
		in.argc = j->argc;
		in.argv = xcalloc(in.argc, sizeof *in.argv);
		for (size_t i = 0; i < in.argc; i++)
			in.argv[i] = (struct import_arg){ j->argv[i], 0, 0, false };
		in.base_dir = getcwd(NULL, 0);
		in.src_label = "";
		source = "a QEMU command line";
	} else if (j->libvirt_file || j->domain) {
		in.base_dir = getcwd(NULL, 0); /* relative paths in the XML */
	} else {
		rc = from_script(j->script, j->regular_only, j->set, j->n_set, &in);
		source = j->script;
	}
	char *src_desc = j->pid ? xasprintf("/proc/%s/cmdline", j->pid) : xstrdup(source ? source : "");
	struct import_result r = { 0 };
	char *err = NULL;
	if (rc == EXIT_OK && (j->libvirt_file || j->domain)) {
		size_t len = 0;
		free(src_desc);
		char *xml = import_lv_read(j, &len, &src_desc, &err, &rc);
		struct import_opts o = { .name = j->name, .source = src_desc, .base_dir = in.base_dir };
		if (!xml)
			fail(&in, "vmdeck: import: ", "%s", err);
		else if (lvimport_domain(xml, len, &o, &r, &err) < 0) {
			fail(&in, "", "%s:%s", src_desc, err);
			rc = EXIT_FAIL;
		}
		in.src_label = src_desc;
		free(xml);
	} else if (rc == EXIT_OK) {
		struct import_opts o = { .name = j->name, .source_name = in.source_name, .source = src_desc,
					 .base_dir = in.base_dir, .probe_format = probe_format,
					 .pre_notes = in.pre, .n_pre_notes = in.n_pre };
		if (import_qemu(in.argv, in.argc, &o, &r, &err) < 0) {
			fail(&in, "vmdeck: import: ", "%s: %s", src_desc, err);
			rc = EXIT_FAIL;
		}
	}
	if (rc == EXIT_OK) {
		for (size_t i = 0; i < r.n_notes; i++) {
			if (r.notes[i].line)
				say(&in, "%s:%d:%d: %s", in.src_label, r.notes[i].line, r.notes[i].col, r.notes[i].msg);
			else
				say(&in, "%s%s%s", in.src_label, *in.src_label ? ": " : "", r.notes[i].msg);
		}
		j->summary = import_summary(&r);
		say(&in, "%s", j->summary);
		rc = write_profile(&in, j->out ? j->out : paths_profiles_dir(), &r, j->force, &j->path);
		if (rc == EXIT_OK) {
			j->name_out = xstrdup(r.name);
			j->check_errors = check_written(&in, j->path);
			if (j->check_errors)
				say(&in, "wrote %s: %zu problem%s for 'vmdeck check' (above) before it can start", j->path,
				    j->check_errors, j->check_errors == 1 ? "" : "s");
			if (r.install)
				say(&in, "%s boots its installer: 'vmdeck mode %s install' does too", j->script ? "the script" : "it",
				    r.name);
		}
	}
	free(err);
	free(src_desc);
	import_result_clear(&r);
	in_clear(&in);
	return rc;
}

void import_job_clear(struct import_job *j)
{
	strv_clear(&j->msgs);
	free(j->path);
	free(j->name_out);
	free(j->summary);
	free(j->err);
	j->path = j->name_out = j->summary = j->err = NULL;
}

static int cmd_import(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "name", required_argument, NULL, 'n' }, { "out", required_argument, NULL, 'o' },
		{ "force", no_argument, NULL, 'f' },	  { "set", required_argument, NULL, 's' },
		{ "pid", required_argument, NULL, 'p' },  { "help", no_argument, NULL, 'h' },
		{ "libvirt", required_argument, NULL, 'l' }, { "connect", required_argument, NULL, 'c' },
		{ "domain", required_argument, NULL, 'd' }, { 0 },
	};
	struct import_job j = { 0 };
	struct strv set = { 0 };
	int c;
	/* Options may follow SCRIPT; after "--" everything is QEMU's. */
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'n': j.name = optarg; break;
		case 'o': j.out = optarg; break;
		case 'f': j.force = true; break;
		case 'p': j.pid = optarg; break;
		case 'l': j.libvirt_file = optarg; break;
		case 'c': j.connect = optarg; break;
		case 'd': j.domain = optarg; break;
		case 's':
			if (!strchr(optarg, '=') || optarg[0] == '=') {
				cmd_error("import: --set wants VAR=VALUE, not '%s'", optarg);
				strv_clear(&set);
				return EXIT_USAGE;
			}
			strv_push(&set, optarg);
			break;
		case 'h': help(); strv_clear(&set); return EXIT_OK;
		default: strv_clear(&set); return EXIT_USAGE;
		}
	}
	if (cmd_read_only) {
		cmd_error("import: refused in --read-only mode (it writes a profile)");
		strv_clear(&set);
		return EXIT_PERM;
	}
	bool dashdash = optind > 1 && !strcmp(argv[optind - 1], "--");
	int rest = argc - optind;
	bool lv = j.libvirt_file || j.connect || j.domain;
	if (lv && (rest || j.pid || (j.libvirt_file && (j.connect || j.domain)) ||
		   (!j.libvirt_file && !(j.connect && j.domain)))) {
		cmd_error("usage: vmdeck import --libvirt FILE.xml | --connect URI --domain NAME [--name NAME] [--out DIR] "
			  "[--force]");
		strv_clear(&set);
		return EXIT_USAGE;
	}
	if (!lv && ((j.pid && rest) || (!j.pid && rest < 1) || (!j.pid && !dashdash && rest != 1))) {
		cmd_error("usage: vmdeck import " USAGE);
		strv_clear(&set);
		return EXIT_USAGE;
	}
	if (j.name && !cmd_vm_name_ok("import", j.name)) {
		strv_clear(&set);
		return EXIT_USAGE;
	}
	if (lv)
		;
	else if (dashdash && !j.pid) {
		j.argv = (const char *const *)argv + optind;
		j.argc = (size_t)rest;
	} else if (!j.pid)
		j.script = argv[optind];
	j.set = (const char *const *)set.v;
	j.n_set = set.n;
	int rc = import_job_run(&j);
	for (size_t i = 0; i < j.msgs.n; i++)
		fprintf(stderr, "%s\n", j.msgs.v[i]);
	if (rc == EXIT_OK)
		printf("%s\n", j.path);
	import_job_clear(&j);
	strv_clear(&set);
	return rc;
}

/* ---- new --------------------------------------------------------------- */

#define NEW_USAGE                                                                                                     \
	"NAME [--iso FILE] [--disk SIZE] [--os " NEW_OS_NAMES "] [--memory SIZE] [--cpus N] "                        \
	"[--network user|BRIDGE|LAB] [--out DIR] [--force]"

/* "20G", "512M", "1T" -> bytes; 0 when not such a size. */
static unsigned long long size_bytes(const char *s)
{
	unsigned long long n, bytes;
	size_t d = strspn(s, "0123456789");
	char unit = s[d];
	if (!d || d > 12 || (unit && s[d + 1]) || !strchr("MGT", unit ? unit : 'M'))
		return 0;
	char *digits = xstrndup(s, d);
	int rc = parse_uint(digits, 1, 1ull << 40, &n);
	free(digits);
	/* 99999999T does not wrap to a small disk: it is no size. */
	if (rc < 0 || __builtin_mul_overflow(n, 1ull << (unit == 'T' ? 40 : unit == 'G' ? 30 : 20), &bytes) ||
	    bytes > (unsigned long long)INT64_MAX)
		return 0;
	return bytes;
}

/* Debian's ovmf package: the 4M images (bookworm and later), else the old
 * names; neither installed: the 4M names, which 'check' reports missing. */
static void ovmf_paths(const char **code, const char **vars)
{
	static const char *const c[] = { "/usr/share/OVMF/OVMF_CODE_4M.fd", "/usr/share/OVMF/OVMF_CODE.fd" };
	static const char *const v[] = { "/usr/share/OVMF/OVMF_VARS_4M.fd", "/usr/share/OVMF/OVMF_VARS.fd" };
	size_t i = !path_exists(c[0]) && path_exists(c[1]) ? 1 : 0;
	*code = c[i];
	*vars = v[i];
}

/* --network: "user"; a lab network of that name (its bridge); else a bridge
 * that exists. *bridge NULL for user; *why the NIC's comment. */
static int new_network(struct new_job *j, struct import_in *in, char **bridge, char **why)
{
	*bridge = *why = NULL;
	if (!j->network || !strcmp(j->network, "user"))
		return EXIT_OK;
	struct labnet *ln = NULL;
	char *err = NULL;
	int rc = labnet_find(j->network, &ln, &err);
	if (rc == 0) {
		*bridge = xstrdup(ln->bridge);
		*why = xasprintf("lab network %s: a TAP on its bridge ('vmdeck net up %s' first)", ln->name, ln->name);
		labnet_free(ln);
		free(err);
		return EXIT_OK;
	}
	/* A network file that is there but broken is not quietly a bridge. */
	if (error_kind(rc) != ERR_NOTFOUND && error_kind(rc) != ERR_INVALID) {
		fail(in, "vmdeck: new: ", "--network %s: %s", j->network, err);
		free(err);
		return EXIT_FAIL;
	}
	free(err);
	char kind[32];
	if (nlact_link_kind(j->network, kind, sizeof kind) == 0 && !strcmp(kind, "bridge")) {
		*bridge = xstrdup(j->network);
		*why = xasprintf("bridge %s: a TAP on it (vmdeck makes it at start)", j->network);
		return EXIT_OK;
	}
	fail(in, "vmdeck: new: ", "--network %s: no lab network and no bridge of that name (user, a bridge, or one of "
	     "'vmdeck net list')", j->network);
	return EXIT_NOTFOUND;
}

/* Everything but the checks that need the file system: the answers. */
static int new_validate(struct new_job *j, struct import_in *in, enum new_os *os)
{
	if (!j->name || !*j->name || profile_name_problem(j->name)) {
		fail(in, "vmdeck: new: ", "\"%s\" %s", j->name ? j->name : "", profile_name_problem(j->name ? j->name : ""));
		return EXIT_USAGE;
	}
	*os = NEW_OS_LINUX;
	if (j->os && import_new_os_parse(j->os, os) < 0) {
		fail(in, "vmdeck: new: ", "--os wants one of " NEW_OS_NAMES ", not '%s'", j->os);
		return EXIT_USAGE;
	}
	const char *disk = j->disk_size ? j->disk_size : "20G";
	const char *mem = j->memory ? j->memory : import_new_default_memory(*os);
	if (!size_bytes(disk) || !size_bytes(mem)) {
		bool d = !size_bytes(disk);
		fail(in, "vmdeck: new: ", "%s must be a size such as 20G or 512M, not '%s'", d ? "--disk" : "--memory",
		     d ? disk : mem);
		return EXIT_USAGE;
	}
	return EXIT_OK;
}

int new_job_begin(struct new_job *j)
{
	struct import_in in = { .msgs = &j->msgs, .err = &j->err };
	enum new_os os;
	int rc = new_validate(j, &in, &os);
	char *bridge = NULL, *why = NULL;
	if (rc == EXIT_OK)
		rc = new_network(j, &in, &bridge, &why);
	const char *dir = j->out ? j->out : paths_profiles_dir();
	char *disk_file = xasprintf("%s.qcow2", j->name);
	j->disk = path_join(dir, disk_file);
	char *qemu_img = NULL;
	if (rc == EXIT_OK && !path_exists(j->disk) && !(qemu_img = prog_find("qemu-img", "VMDECK_QEMU_IMG"))) {
		fail(&in, "vmdeck: new: ", "qemu-img not found (Debian: apt install qemu-utils): it makes the disk");
		rc = EXIT_FAIL;
	}
	char *iso = NULL;
	if (rc == EXIT_OK && j->iso && *j->iso) {
		char *cwd = getcwd(NULL, 0);
		iso = j->iso[0] == '/' || !cwd ? xstrdup(j->iso) : xasprintf("%s/%s", cwd, j->iso);
		free(cwd);
	}
	if (rc == EXIT_OK) {
		const char *code, *vars;
		ovmf_paths(&code, &vars);
		struct profile mac_of = { .name = (char *)j->name };
		uint8_t m[6];
		char mac[18];
		profile_nic_guest_mac(&mac_of, 0, m);
		mac_format(m, mac);
		struct import_new n = { .name = j->name, .iso = iso, .os = os, .disk_file = disk_file,
					.memory = j->memory ? j->memory : import_new_default_memory(os),
					.cpus = j->cpus ? j->cpus : 2, .fw_code = code, .fw_vars_template = vars,
					.mac = mac, .bridge = bridge, .network_why = why };
		struct import_result r = { .name = xstrdup(j->name), .yaml = import_new_yaml(&n) };
		rc = write_profile(&in, dir, &r, j->force, &j->path);
		import_result_clear(&r);
	}
	if (rc == EXIT_OK) {
		/* The name is claimed before qemu-img runs: an existing disk is
		 * never overwritten, even one made just now by someone else. */
		int fd = open(j->disk, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (fd >= 0) {
			close(fd);
			const char *size = j->disk_size ? j->disk_size : "20G";
			strv_push(&j->qemu_img, qemu_img);
			const char *args[] = { "create", "-q", "-f", "qcow2", j->disk, size };
			for (size_t i = 0; i < ARRAY_LEN(args); i++)
				strv_push(&j->qemu_img, args[i]);
		} else if (errno == EEXIST)
			say(&in, "kept the existing disk %s", j->disk);
		else {
			fail(&in, "vmdeck: new: ", "%s: %s", j->disk, strerror(errno));
			rc = EXIT_FAIL;
		}
	}
	if (rc == EXIT_OK) {
		/* The VM's own UEFI variables, as a start would make them. */
		struct profile_diag *d = NULL;
		size_t nd = 0;
		char *err = NULL;
		struct profile *p = profile_load(j->path, &d, &nd);
		if (p && p->firmware_vars_template && path_exists(p->firmware_vars_template) &&
		    !path_exists(p->firmware_vars)) {
			if (profile_firmware_vars_prepare(p, &err) < 0)
				say(&in, "vmdeck: new: %s", err);
			else
				say(&in, "copied %s to %s", p->firmware_vars_template, p->firmware_vars);
		}
		profile_free(p);
		profile_diags_free(d, nd);
		if (j->iso && *j->iso) {
			if (modes_set(j->name, VM_MODE_INSTALL, &err) < 0)
				say(&in, "vmdeck: new: mode: %s", err);
			else
				say(&in, "mode: install (the installer boots first; 'vmdeck mode %s boot' once installed)",
				    j->name);
		}
		free(err);
	}
	free(qemu_img);
	free(iso);
	free(disk_file);
	free(bridge);
	free(why);
	return rc;
}

int new_job_finish(struct new_job *j, int status, const char *output)
{
	struct import_in in = { .msgs = &j->msgs, .err = &j->err };
	int rc = EXIT_OK;
	if (j->qemu_img.n) {
		if (status != 0) {
			char *o = output && *output ? xstrdup(output) : xasprintf("exit status %d", status);
			for (char *c = o; *c; c++)
				if (*c == '\n')
					*c = ' ';
			fail(&in, "vmdeck: new: ", "qemu-img create %s: %s", j->disk, o);
			free(o);
			unlink(j->disk); /* the empty file claimed for it */
			rc = EXIT_FAIL;
		} else
			say(&in, "created %s (qcow2, %s)", j->disk, j->qemu_img.v[j->qemu_img.n - 1]);
	}
	j->check_errors = check_written(&in, j->path);
	if (j->check_errors)
		say(&in, "wrote %s: %zu problem%s for 'vmdeck check' (above) before it can start", j->path,
		    j->check_errors, j->check_errors == 1 ? "" : "s");
	return rc;
}

int new_job_run(struct new_job *j)
{
	int rc = new_job_begin(j);
	if (rc != EXIT_OK)
		return rc;
	char *out = NULL;
	int st = j->qemu_img.n ? prog_run(j->qemu_img.v, NULL, &out) : 0;
	rc = new_job_finish(j, st, out);
	free(out);
	return rc;
}

void new_job_clear(struct new_job *j)
{
	strv_clear(&j->msgs);
	strv_clear(&j->qemu_img);
	free(j->err);
	free(j->path);
	free(j->disk);
	j->err = j->path = j->disk = NULL;
}

static int cmd_new(int argc, char **argv)
{
	/* --disk-size: the old spelling of --disk, kept for who uses it. */
	static const struct option opts[] = {
		{ "iso", required_argument, NULL, 'i' },     { "memory", required_argument, NULL, 'm' },
		{ "cpus", required_argument, NULL, 'c' },    { "disk", required_argument, NULL, 'd' },
		{ "disk-size", required_argument, NULL, 'd' }, { "os", required_argument, NULL, 's' },
		{ "network", required_argument, NULL, 'n' }, { "out", required_argument, NULL, 'o' },
		{ "force", no_argument, NULL, 'f' },	     { "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct new_job j = { 0 };
	unsigned long long cpus = 2;
	int c;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'i': j.iso = optarg; break;
		case 'm': j.memory = optarg; break;
		case 'd': j.disk_size = optarg; break;
		case 's': j.os = optarg; break;
		case 'n': j.network = optarg; break;
		case 'o': j.out = optarg; break;
		case 'f': j.force = true; break;
		case 'c':
			if (!cmd_uint_opt("new", "--cpus", optarg, 1, 288, &cpus))
				return EXIT_USAGE;
			break;
		case 'h':
			printf("usage: vmdeck new " NEW_USAGE "\n"
			       "Write a commented profile NAME.yaml (default: into the profile directory) with\n"
			       "current defaults for the OS, make its disk NAME.qcow2 next to it (qemu-img; an\n"
			       "existing one is kept) and, with --iso, set its mode to install: 's' boots the\n"
			       "installer. Without --iso: the profile and the disk only.\n"
			       "  --iso FILE      the installer (an ISO; for macos the recovery image)\n"
			       "  --disk SIZE     the new disk's size (20G); --disk-size is an old name for it\n"
			       "  --os OS         linux (default): q35, UEFI (OVMF, per-VM vars), virtio disk and NIC\n"
			       "                  windows: q35, UEFI, SATA disk, e1000, 4G (no virtio drivers)\n"
			       "                  macos: OpenCore layout (Penryn, applesmc, AHCI, vmxnet3, 4G);\n"
			       "                    OpenCore.qcow2 next to the profile is yours to put there\n"
			       "                  other: q35, BIOS, SATA disk, e1000\n"
			       "  --memory SIZE   (2G; windows and macos 4G)   --cpus N (2)\n"
			       "  --network NET   user (default): QEMU's user networking; else a lab network\n"
			       "                  of that name (networks/NET.yaml: a TAP on its bridge), else\n"
			       "                  an existing bridge of that name (a TAP on it)\n"
			       "  --out DIR       where NAME.yaml and the disk go   --force  overwrite NAME.yaml\n"
			       "The NIC's MAC is derived from the name. Exit: 0 written, 1 failed (the file\n"
			       "exists, qemu-img failed), 2 usage, 3 no such network or bridge.\n");
			return EXIT_OK;
		default: return EXIT_USAGE;
		}
	}
	if (argc - optind != 1) {
		cmd_error("usage: vmdeck new " NEW_USAGE);
		return EXIT_USAGE;
	}
	if (cmd_read_only) {
		cmd_error("new: refused in --read-only mode (it writes a profile, a disk and the mode)");
		return EXIT_PERM;
	}
	j.name = argv[optind];
	j.cpus = (unsigned)cpus;
	int rc = new_job_run(&j);
	for (size_t i = 0; i < j.msgs.n; i++)
		fprintf(stderr, "%s\n", j.msgs.v[i]);
	if (rc == EXIT_OK)
		printf("%s\n", j.path);
	new_job_clear(&j);
	return rc;
}

const struct cmd_entry cmd_new_entry = { "new", NEW_USAGE, "write a profile and a disk for a new VM (installs from an ISO; --disk-size: old name of --disk)",
					 cmd_new };
const struct cmd_entry cmd_import_entry = { "import", USAGE, "write a profile from a QEMU launch script", cmd_import };
