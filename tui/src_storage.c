/* src_storage: the storage view's child jobs (src_storage.h). */
#include "tui/src_storage.h"
#include "core/paths.h"
#include "core/util.h"

#include <errno.h>
#include <json-c/json.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct src_storage {
	struct loop *l;
	struct ui *ui;
	src_storage_done_fn done;
	void *arg;
	pid_t pid; /* 0: none */
	int fd;
	bool eof, reaped, load;
	int status;
	struct strbuf out;
	char *what;
	char *load_vm; /* whose storage the running listing reads */
};

struct src_storage *src_storage_new(struct loop *l, struct ui *ui, src_storage_done_fn done, void *arg)
{
	struct src_storage *s = xcalloc(1, sizeof(*s));
	s->l = l;
	s->ui = ui;
	s->done = done;
	s->arg = arg;
	s->fd = -1;
	return s;
}

void src_storage_free(struct src_storage *s)
{
	if (!s)
		return;
	if (s->fd >= 0) {
		loop_fd_del(s->l, s->fd);
		close(s->fd);
	}
	free(s->out.s);
	free(s->what);
	free(s->load_vm);
	free(s);
}

static void set_busy(struct src_storage *s, char *text)
{
	free(s->ui->storage.busy);
	s->ui->storage.busy = text;
	s->ui->dirty |= D_DETAILS | D_STATUS;
}

static void row_add(struct ui_storage *st, const char *disk, const char *tag, bool head, char *text)
{
	st->rows = xrealloc(st->rows, (st->n + 1) * sizeof(*st->rows));
	st->rows[st->n++] = (struct ui_storage_row){ text, xstrdup(disk), tag ? xstrdup(tag) : NULL, head };
}

static const char *js(struct json_object *o, const char *k)
{
	struct json_object *v;
	return json_object_object_get_ex(o, k, &v) ? json_object_get_string(v) : NULL;
}

static int64_t ji(struct json_object *o, const char *k)
{
	struct json_object *v;
	return json_object_object_get_ex(o, k, &v) ? json_object_get_int64(v) : 0;
}

static void snaps_rows(struct ui_storage *st, const char *id, struct json_object *img, const char *indent)
{
	struct json_object *a;
	if (!json_object_object_get_ex(img, "snapshots", &a))
		return;
	for (size_t k = 0; k < json_object_array_length(a); k++) {
		struct json_object *sn = json_object_array_get_idx(a, k);
		char when[24] = "-";
		time_t t = (time_t)ji(sn, "date");
		struct tm tm;
		if (t && localtime_r(&t, &tm))
			strftime(when, sizeof when, "%Y-%m-%d %H:%M", &tm);
		char *vs = size_text((uint64_t)ji(sn, "vm_state_size"));
		char *state = ji(sn, "vm_state_size") ? xasprintf("VM state %s", vs) : xstrdup("disk only");
		const char *tag = js(sn, "tag") ? js(sn, "tag") : "";
		/* Only the top image's snapshots are this VM's to revert. */
		row_add(st, id, *indent ? NULL : tag, false,
			xasprintf("%s  snapshot %-20s %s  %s", indent, tag, when, state));
		free(vs);
		free(state);
	}
}

void src_storage_rows(struct ui_storage *st, const char *json)
{
	ui_storage_clear_rows(st);
	struct json_object *a = json ? json_tokener_parse(json) : NULL;
	for (size_t i = 0; a && json_object_is_type(a, json_type_array) && i < json_object_array_length(a); i++) {
		struct json_object *d = json_object_array_get_idx(a, i), *b;
		const char *id = js(d, "id") ? js(d, "id") : "?";
		if (ji(d, "will_be_created")) {
			char *sz = size_text((uint64_t)ji(d, "will_be_created"));
			row_add(st, id, NULL, false, xasprintf("%s  will be created at the first start (%s)", id, sz));
			free(sz);
			continue;
		}
		if (!js(d, "format")) {
			row_add(st, id, NULL, false, xasprintf("%s  %s: not readable (see the message)", id,
							       js(d, "profile_file") ? js(d, "profile_file") : ""));
			continue;
		}
		char *v = size_text((uint64_t)ji(d, "virtual_size")), *u = size_text((uint64_t)ji(d, "actual_size"));
		row_add(st, id, NULL, true, xasprintf("%s  %s  %s, %s on the host", id, js(d, "format"), v, u));
		row_add(st, id, NULL, false, xasprintf("   file %s", js(d, "file") ? js(d, "file") : "?"));
		free(v);
		free(u);
		snaps_rows(st, id, d, "");
		for (struct json_object *img = d; json_object_object_get_ex(img, "backing", &b); img = b) {
			row_add(st, id, NULL, false,
				xasprintf("   backing %s (%s)", js(b, "file") ? js(b, "file") : "?",
					  js(b, "format") ? js(b, "format") : "?"));
			snaps_rows(st, id, b, "   ");
		}
	}
	json_object_put(a);
}

/* The last non-empty line of text (a job's latest progress or its error). */
static char *last_line(const char *text)
{
	const char *end = text ? text + strlen(text) : NULL;
	while (end && end > text && end[-1] == '\n')
		end--;
	if (!end || end == text)
		return xstrdup("");
	const char *b = end;
	while (b > text && b[-1] != '\n')
		b--;
	return xstrndup(b, (size_t)(end - b));
}

static void load_start(struct src_storage *s);

static void job_finish(struct src_storage *s)
{
	char *out = s->out.s ? s->out.s : xstrdup("");
	s->out = (struct strbuf){ 0 };
	s->pid = 0;
	struct ui_storage *st = &s->ui->storage;
	bool load = s->load;
	char *what = s->what;
	s->what = NULL;
	set_busy(s, NULL);
	if (load) {
		/* Errors (stderr) come before the JSON (stdout), in one pipe. */
		const char *j = strstr(out, "[\n");
		j = j && (j == out || j[-1] == '\n') ? j : NULL;
		free(st->error);
		st->error = s->status != 0 ? (j ? xstrndup(out, (size_t)(j - out)) : xstrdup(out)) : NULL;
		size_t sel = st->sel;
		src_storage_rows(st, j);
		st->sel = sel < st->n ? sel : st->n ? st->n - 1 : 0;
	} else if (s->done)
		s->done(s->arg, what, s->status, out);
	free(what);
	free(out);
	/* After an action, or when the view moved to another VM meanwhile. */
	bool stale = load && (!st->vm || !s->load_vm || strcmp(st->vm, s->load_vm) != 0);
	if (st->on && (!load || stale))
		load_start(s);
}

static void try_finish(struct src_storage *s)
{
	if (s->eof && s->reaped)
		job_finish(s);
}

static void on_out(int fd, short rev, void *arg)
{
	(void)rev;
	struct src_storage *s = arg;
	char buf[4096];
	ssize_t r;
	while ((r = read(fd, buf, sizeof buf)) > 0)
		strbuf_add(&s->out, buf, (size_t)r);
	if (r < 0 && (errno == EAGAIN || errno == EINTR)) {
		if (!s->load && s->out.s) {
			char *l = last_line(s->out.s);
			set_busy(s, xasprintf("%s: %s", s->what, *l ? l : "working …"));
			free(l);
		}
		return;
	}
	loop_fd_del(s->l, fd);
	close(fd);
	s->fd = -1;
	s->eof = true;
	try_finish(s);
}

void src_storage_child(struct src_storage *s)
{
	int st;
	if (!s || !s->pid || s->reaped || waitpid(s->pid, &st, WNOHANG) != s->pid)
		return;
	s->reaped = true;
	s->status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
	try_finish(s);
}

static int spawn(struct src_storage *s, const char *what, bool load, const char *const *args, size_t n, char **err)
{
	if (s->pid)
		return error_set(err, "busy: %s is still running", s->what ? s->what : "a storage job");
	char exe[PATH_MAX];
	ssize_t len = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (len <= 0)
		return error_set(err, "cannot find vmdeck's own binary: %s", strerror(errno));
	exe[len] = '\0';
	struct strv a;
	strv_init(&a);
	const char *head[] = { exe, "-p", paths_profiles_dir(), "-r", paths_runtime_dir() };
	for (size_t i = 0; i < ARRAY_LEN(head); i++)
		strv_push(&a, head[i]);
	for (size_t i = 0; i < n; i++)
		strv_push(&a, args[i]);
	int fd;
	pid_t pid = prog_spawn(a.v, &fd);
	strv_clear(&a);
	if (pid < 0)
		return error_set(err, "cannot run %s: %s", exe, strerror(errno));
	s->pid = pid;
	s->fd = fd;
	s->eof = s->reaped = false;
	s->load = load;
	free(s->what);
	s->what = xstrdup(what);
	loop_fd_add(s->l, fd, POLLIN, on_out, s);
	set_busy(s, load ? xstrdup("reading …") : xasprintf("%s: started", what));
	src_storage_child(s); /* it may have ended already */
	return 0;
}

static void load_start(struct src_storage *s)
{
	const char *args[] = { "disk", s->ui->storage.vm, "--json" };
	char *err = NULL;
	free(s->load_vm);
	s->load_vm = xstrdup(s->ui->storage.vm);
	if (spawn(s, "read", true, args, ARRAY_LEN(args), &err) < 0) {
		free(s->ui->storage.error);
		s->ui->storage.error = err;
		s->ui->dirty |= D_DETAILS;
	}
}

void src_storage_open(struct src_storage *s, const char *vm)
{
	struct ui_storage *st = &s->ui->storage;
	ui_storage_clear_rows(st);
	free(st->vm);
	st->vm = xstrdup(vm);
	free(st->error);
	st->error = NULL;
	st->on = true;
	s->ui->dirty |= D_DETAILS | D_STATUS;
	if (!s->pid)
		load_start(s);
}

void src_storage_close(struct src_storage *s)
{
	s->ui->storage.on = false;
	s->ui->dirty |= D_DETAILS | D_STATUS;
}

int src_storage_run(struct src_storage *s, const char *what, const char *const *args, size_t n, char **err)
{
	return spawn(s, what, false, args, n, err);
}
