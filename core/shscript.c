/* shscript: a reader for the bash subset launch scripts use. It tokenises and
 * expands like bash (quotes, escapes, continuations, parameter expansion,
 * field splitting of unquoted expansions, arrays) and records commands; it
 * never executes anything. Control flow is not followed: every simple
 * command is recorded in order, assignments take effect in order. */
#include "core/shscript.h"

#include "core/shscript_priv.h"

#include "core/util.h"
#include "core/yamldoc.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- diagnostics ------------------------------------------------------- */

void sh_diag(struct rd *r, int line, int col, bool fatal, const char *fmt, ...)
{
	struct shscript *s = r->out;
	if (s->failed)
		return;
	va_list ap;
	va_start(ap, fmt);
	char *msg = xvasprintf(fmt, ap);
	va_end(ap);
	s->diags = xrealloc(s->diags, (s->n_diags + 1) * sizeof *s->diags);
	s->diags[s->n_diags++] = (struct shscript_diag){ line, col, fatal, msg };
	if (fatal)
		s->failed = true;
}

/* ---- input ------------------------------------------------------------- */

bool sh_at_end(const struct rd *r) { return r->i >= r->n || r->out->failed; }

void sh_adv(struct rd *r)
{
	if (r->i >= r->n)
		return;
	if (r->b[r->i] == '\n') {
		r->line++;
		r->col = 1;
	} else if (r->i + 1 >= r->n || ((unsigned char)r->b[r->i + 1] & 0xC0) != 0x80)
		r->col++;
	r->i++;
}

/* Backslash-newline is removed before anything else (outside single quotes);
 * a backslash ending the file is dropped the same way. */
static void skip_cont(struct rd *r)
{
	while (r->i < r->n && r->b[r->i] == '\\' &&
	       (r->i + 1 == r->n || r->b[r->i + 1] == '\n' ||
		(r->b[r->i + 1] == '\r' && r->i + 2 < r->n && r->b[r->i + 2] == '\n'))) {
		sh_adv(r);
		if (r->i < r->n && r->b[r->i] == '\r')
			sh_adv(r);
		sh_adv(r);
	}
}

int sh_cur(struct rd *r)
{
	skip_cont(r);
	return sh_at_end(r) ? -1 : (unsigned char)r->b[r->i];
}

int sh_peek_raw(const struct rd *r, size_t k)
{
	return r->i + k < r->n ? (unsigned char)r->b[r->i + k] : -1;
}


/* ---- variables --------------------------------------------------------- */

struct var *sh_var_find(struct rd *r, const char *name)
{
	for (struct var *v = r->vars[name_hash(name) % NBUCKETS]; v; v = v->next)
		if (strcmp(v->name, name) == 0)
			return v;
	return NULL;
}

static void words_free(struct shscript_word *w, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(w[i].text);
	free(w);
}

/* Set (append: add to) a variable, taking the words over. */
static void var_set(struct rd *r, const char *name, struct shscript_word *w, size_t n, bool append, bool user)
{
	struct var *v = sh_var_find(r, name);
	if (v && v->user && !user) {
		words_free(w, n);
		return;
	}
	if (!v) {
		v = xcalloc(1, sizeof *v);
		v->name = xstrdup(name);
		size_t h = name_hash(name) % NBUCKETS;
		v->next = r->vars[h];
		r->vars[h] = v;
	} else if (!append) {
		words_free(v->vals, v->n);
		v->vals = NULL;
		v->n = 0;
	}
	v->user = user;
	v->vals = xrealloc(v->vals, (v->n + n + 1) * sizeof *v->vals);
	if (n)
		memcpy(v->vals + v->n, w, n * sizeof *w);
	v->n += n;
	free(w);
}

void sh_var_set_str(struct rd *r, const char *name, const char *val, int line, int col, bool user)
{
	struct shscript_word *w = xmalloc(sizeof *w);
	*w = (struct shscript_word){ xstrdup(val), line, col, r->unres_value };
	r->unres_value = false;
	var_set(r, name, w, 1, false, user);
}

/* ---- fields ------------------------------------------------------------ */

void sh_fb_open(struct fb *f, int line, int col)
{
	if (!f->open) {
		f->open = true;
		f->line = line;
		f->col = col;
	}
}

void sh_fb_put(struct rd *r, struct fb *f, const char *s, size_t n, int line, int col)
{
	sh_fb_open(f, line, col);
	r->produced += n;
	if (r->produced > MAX_EXPANSION) {
		sh_diag(r, line, col, true, "expansions produce more than %u MiB: not a launch script",
		     MAX_EXPANSION >> 20);
		return;
	}
	if (f->len + n + 1 > f->cap) {
		f->cap = (f->len + n + 1) * 2;
		f->s = xrealloc(f->s, f->cap);
	}
	memcpy(f->s + f->len, s, n);
	f->len += n;
	f->s[f->len] = '\0';
}

void sh_fb_end(struct fb *f)
{
	if (!f->open)
		return;
	if (f->n + 1 > f->wcap) {
		f->wcap = (f->n + 1) * 2;
		f->w = xrealloc(f->w, f->wcap * sizeof *f->w);
	}
	f->w[f->n++] = (struct shscript_word){ f->s ? f->s : xstrdup(""), f->line, f->col, f->unres };
	f->s = NULL;
	f->len = f->cap = 0;
	f->open = f->unres = false;
}

/* An unquoted expansion's value: split on blanks (the default IFS). */
void sh_fb_put_split(struct rd *r, struct fb *f, const char *s, int line, int col)
{
	if (f->nosplit) {
		sh_fb_put(r, f, s, strlen(s), line, col);
		return;
	}
	for (const char *p = s; *p; p++) {
		if (*p == ' ' || *p == '\t' || *p == '\n')
			sh_fb_end(f);
		else
			sh_fb_put(r, f, p, 1, line, col);
	}
}

void sh_fb_clear(struct fb *f)
{
	free(f->s);
	words_free(f->w, f->n);
	memset(f, 0, sizeof *f);
}

/* The fields joined by spaces (caller frees). */
char *sh_fb_join(struct fb *f, bool *unres)
{
	sh_fb_end(f);
	size_t len = 0;
	for (size_t i = 0; i < f->n; i++)
		len += strlen(f->w[i].text) + 1;
	char *s = xmalloc(len + 1), *o = s;
	*o = '\0';
	for (size_t i = 0; i < f->n; i++) {
		if (i)
			*o++ = ' ';
		o = stpcpy(o, f->w[i].text);
		if (unres && f->w[i].unresolved)
			*unres = true;
	}
	return s;
}

/* ---- words ------------------------------------------------------------- */

static bool ends_word(int c, enum ctx ctx)
{
	if (c < 0)
		return true;
	if (ctx == CTX_BRACE)
		return c == '}';
	return sh_is_blank(c) || c == '\n' || (c > 0 && strchr(";&|<>()", c));
}

static void single_quoted(struct rd *r, struct fb *f, int wl, int wc)
{
	int line = r->line, col = r->col;
	sh_adv(r);
	size_t start = r->i;
	while (r->i < r->n && r->b[r->i] != '\'')
		sh_adv(r);
	if (r->i >= r->n) {
		sh_diag(r, line, col, true, "unterminated single quote (opened here)");
		return;
	}
	sh_fb_put(r, f, r->b + start, r->i - start, wl, wc);
	sh_adv(r);
}

/* `...`: a command substitution, reported (never run) by sh_cmdsub. */
static void backtick(struct rd *r, struct fb *f)
{
	size_t from = r->i;
	int l = r->line, cl = r->col;
	sh_adv(r);
	sh_cmdsub(r, f, from, l, cl, true);
}

static void double_quoted(struct rd *r, struct fb *f, int wl, int wc)
{
	int line = r->line, col = r->col;
	sh_adv(r);
	r->empty_at = false;
	for (;;) {
		int c = sh_cur(r);
		if (c < 0) {
			sh_diag(r, line, col, true, "unterminated double quote (opened here)");
			return;
		}
		if (c == '"') {
			sh_adv(r);
			if (!r->empty_at)
				sh_fb_open(f, wl, wc);
			return;
		}
		if (c == '\\') {
			int n = sh_peek_raw(r, 1);
			sh_adv(r);
			if (n == '$' || n == '`' || n == '"' || n == '\\') {
				char ch = (char)n;
				sh_fb_put(r, f, &ch, 1, wl, wc);
				sh_adv(r);
			} else
				sh_fb_put(r, f, "\\", 1, wl, wc);
		} else if (c == '$')
			sh_dollar(r, f, true);
		else if (c == '`')
			backtick(r, f);
		else {
			char ch = (char)c;
			sh_fb_put(r, f, &ch, 1, wl, wc);
			sh_adv(r);
		}
	}
}

/* One shell word into f (several fields when expansions split). Returns 0,
 * -1 on a fatal problem. */
int sh_read_word(struct rd *r, struct fb *f, enum ctx ctx, bool dq)
{
	int wl = r->line, wc = r->col;
	if (ctx != CTX_BRACE && sh_cur(r) == '~' && r->env->home &&
	    (sh_peek_raw(r, 1) == '/' || ends_word(sh_peek_raw(r, 1), ctx))) {
		sh_fb_put(r, f, r->env->home, strlen(r->env->home), wl, wc);
		sh_adv(r);
	}
	for (;;) {
		int c = sh_cur(r);
		if (r->out->failed)
			return -1;
		if (ends_word(c, ctx))
			break;
		if (c == '\\') {
			sh_adv(r);
			if (sh_at_end(r))
				break;
			sh_fb_put(r, f, r->b + r->i, 1, wl, wc);
			sh_adv(r);
		} else if (c == '\'' && !dq)
			single_quoted(r, f, wl, wc);
		else if (c == '"' && !dq)
			double_quoted(r, f, wl, wc);
		else if (c == '$')
			sh_dollar(r, f, dq);
		else if (c == '`')
			backtick(r, f);
		else {
			sh_fb_put(r, f, r->b + r->i, 1, wl, wc);
			sh_adv(r);
		}
	}
	return r->out->failed ? -1 : 0;
}

/* ---- commands ---------------------------------------------------------- */

/* Length of "NAME=" or "NAME+=" at the read position, 0 if none. */
static size_t assignment_at(struct rd *r, bool *append)
{
	skip_cont(r);
	size_t k = r->i;
	if (k >= r->n || !sh_is_name_start((unsigned char)r->b[k]))
		return 0;
	while (k < r->n && sh_is_name((unsigned char)r->b[k]))
		k++;
	*append = k + 1 < r->n && r->b[k] == '+' && r->b[k + 1] == '=';
	if (*append)
		k++;
	return k < r->n && r->b[k] == '=' ? k + 1 - r->i : 0;
}

static void skip_comment(struct rd *r)
{
	while (r->i < r->n && r->b[r->i] != '\n')
		sh_adv(r);
}

static void assignment(struct rd *r, size_t len, bool append)
{
	int line = r->line, col = r->col;
	char *name = xstrndup(r->b + r->i, len - 1 - append);
	for (size_t k = 0; k < len; k++)
		sh_adv(r);
	struct fb f = { 0 };
	if (sh_cur(r) == '(') {
		sh_adv(r);
		for (;;) {
			int c = sh_cur(r);
			if (c == '#') {
				skip_comment(r);
				continue;
			}
			if (sh_is_blank(c) || c == '\n') {
				sh_adv(r);
				continue;
			}
			if (c == ')') {
				sh_adv(r);
				break;
			}
			if (c < 0) {
				sh_diag(r, line, col, true, "unterminated array: '%s=(' has no ')'", name);
				break;
			}
			if (ends_word(c, CTX_ARRAY)) { /* a stray ; & | < > ( inside the list */
				sh_diag(r, r->line, r->col, true, "'%c' inside the array '%s=( … )'", c, name);
				break;
			}
			sh_read_word(r, &f, CTX_ARRAY, false);
			sh_fb_end(&f);
			if (r->out->failed)
				break;
		}
		sh_fb_end(&f);
		var_set(r, name, f.w, f.n, append, false);
		f.w = NULL;
		f.n = 0;
	} else {
		f.nosplit = true;
		sh_fb_open(&f, line, col);
		sh_read_word(r, &f, CTX_CMD, false);
		bool unres = false;
		char *v = sh_fb_join(&f, &unres);
		if (append) {
			struct var *old = sh_var_find(r, name);
			char *t = xasprintf("%s%s", old && old->n ? old->vals[0].text : "", v);
			free(v);
			v = t;
		}
		r->unres_value = unres;
		sh_var_set_str(r, name, v, line, col, false);
		free(v);
	}
	sh_fb_clear(&f);
	free(name);
}

static void push_cmd(struct rd *r, struct fb *f)
{
	sh_fb_end(f);
	if (f->n) {
		struct shscript *s = r->out;
		s->cmds = xrealloc(s->cmds, (s->n_cmds + 1) * sizeof *s->cmds);
		s->cmds[s->n_cmds++] = (struct shscript_cmd){ f->w, f->n, f->w[0].line, f->w[0].col };
		f->w = NULL;
		f->n = f->wcap = 0;
	}
	sh_fb_clear(f);
}

/* Lines of a here-document are skipped: a launch script's QEMU command is
 * never in one. */
static void skip_heredoc(struct rd *r)
{
	while (r->heredoc && r->i < r->n) {
		size_t s = r->i;
		while (r->i < r->n && r->b[r->i] != '\n')
			sh_adv(r);
		size_t e = r->i;
		sh_adv(r);
		if (r->heredoc_strip)
			while (s < e && r->b[s] == '\t')
				s++;
		if (e - s == strlen(r->heredoc) && !memcmp(r->b + s, r->heredoc, e - s)) {
			free(r->heredoc);
			r->heredoc = NULL;
		}
	}
	free(r->heredoc);
	r->heredoc = NULL;
}

/* At '<' or '>' (or a digit before one): the operator and its target. */
static void redirection(struct rd *r)
{
	bool heredoc = false;
	while (sh_cur(r) >= '0' && sh_cur(r) <= '9')
		sh_adv(r);
	if (sh_cur(r) == '<' && sh_peek_raw(r, 1) == '<' && sh_peek_raw(r, 2) != '<') {
		heredoc = true;
		sh_adv(r);
		sh_adv(r);
		r->heredoc_strip = sh_cur(r) == '-';
	}
	while (sh_cur(r) > 0 && strchr("<>&|-", sh_cur(r)))
		sh_adv(r);
	while (sh_is_blank(sh_cur(r)))
		sh_adv(r);
	struct fb t = { .nosplit = true };
	size_t diags = r->out->n_diags;
	sh_read_word(r, &t, CTX_CMD, false);
	char *target = sh_fb_join(&t, NULL);
	sh_fb_clear(&t);
	while (r->out->n_diags > diags && !r->out->failed) /* a redirect's target does not matter */
		free(r->out->diags[--r->out->n_diags].msg);
	if (heredoc) {
		free(r->heredoc);
		r->heredoc = target;
	} else
		free(target);
}

/* Forget the fields done so far (a keyword, a declaration). */
static void fb_drop_words(struct fb *f)
{
	words_free(f->w, f->n);
	f->w = NULL;
	f->n = f->wcap = 0;
}

static bool is_word(const struct fb *f, size_t i, const char *const *list)
{
	for (size_t k = 0; list[k]; k++)
		if (!strcmp(f->w[i].text, list[k]))
			return true;
	return false;
}

static void read_script(struct rd *r)
{
	static const char *const decl[] = { "export", "declare", "local", "readonly", "typeset", NULL };
	static const char *const lead[] = { "if", "then", "else", "elif", "do", "while", "until", "!", "{", NULL };
	static const char *const tail[] = { "fi", "done", "esac", "}", NULL };
	struct fb f = { 0 };
	bool prefix = true, declaring = false;
	while (!r->out->failed) {
		int c = sh_cur(r);
		if (c < 0)
			break;
		if (sh_is_blank(c)) {
			sh_adv(r);
			continue;
		}
		if (c == '#' && !f.open) {
			skip_comment(r);
			continue;
		}
		if (c == '\n' || c == ';' || c == '&' || c == '|' || c == '(' || c == ')') {
			push_cmd(r, &f);
			prefix = true;
			declaring = false;
			sh_adv(r);
			if (c == '\n' && r->heredoc)
				skip_heredoc(r);
			continue;
		}
		if (c == '<' || c == '>' || ((c >= '0' && c <= '9') && (sh_peek_raw(r, 1) == '<' || sh_peek_raw(r, 1) == '>'))) {
			redirection(r);
			continue;
		}
		bool append;
		size_t alen = (prefix || declaring) ? assignment_at(r, &append) : 0;
		if (alen) {
			assignment(r, alen, append);
			continue;
		}
		size_t before = f.n;
		sh_read_word(r, &f, CTX_CMD, false);
		sh_fb_end(&f);
		bool first = f.n == before + 1 && before == 0;
		bool keyword = first && (is_word(&f, 0, lead) || is_word(&f, 0, tail));
		/* export NAME, declare -a NAME: nothing to record */
		bool decl_word = first && !keyword && is_word(&f, 0, decl);
		if (keyword || decl_word || declaring) {
			fb_drop_words(&f);
			declaring |= decl_word;
			continue;
		}
		if (f.n > before)
			prefix = false;
	}
	push_cmd(r, &f);
}

/* ---- entry points ------------------------------------------------------ */

static bool check_input(struct rd *r)
{
	if (r->n > SHSCRIPT_MAX_SIZE) {
		sh_diag(r, 1, 1, true, "file too large: %zu bytes (a launch script may be at most %d bytes)", r->n,
		     SHSCRIPT_MAX_SIZE);
		return false;
	}
	const char *nul = memchr(r->b, '\0', r->n);
	size_t bad = yamldoc_utf8_invalid_at(r->b, r->n);
	int line, col;
	if (nul) {
		yamldoc_offset_pos(r->b, (size_t)(nul - r->b), &line, &col);
		sh_diag(r, line, col, true, "binary data (a NUL byte at offset %zu): not a shell script", (size_t)(nul - r->b));
		return false;
	}
	if (bad < r->n) {
		yamldoc_offset_pos(r->b, bad, &line, &col);
		sh_diag(r, line, col, true, "not valid UTF-8 text: byte 0x%02x: not a shell script",
		     (unsigned char)r->b[bad]);
		return false;
	}
	return true;
}

struct shscript *shscript_read(const char *buf, size_t len, const struct shscript_env *env)
{
	static const struct shscript_env none = { 0 };
	struct shscript *s = xcalloc(1, sizeof *s);
	struct rd r = { .b = buf, .n = len, .line = 1, .col = 1, .env = env ? env : &none, .out = s };
	if (check_input(&r)) {
		if (r.env->pwd)
			sh_var_set_str(&r, "PWD", r.env->pwd, 0, 0, false);
		if (r.env->home)
			sh_var_set_str(&r, "HOME", r.env->home, 0, 0, false);
		if (r.env->script)
			sh_var_set_str(&r, "0", r.env->script, 0, 0, false);
		for (size_t i = 0; i < r.env->n_set; i++) {
			const char *eq = strchr(r.env->set[i], '=');
			if (!eq)
				continue;
			char *name = xstrndup(r.env->set[i], (size_t)(eq - r.env->set[i]));
			sh_var_set_str(&r, name, eq + 1, 0, 0, true);
			free(name);
		}
		read_script(&r);
	}
	s->last_line = r.line;
	free(r.heredoc);
	for (size_t h = 0; h < NBUCKETS; h++)
		for (struct var *v = r.vars[h], *next; v; v = next) {
			next = v->next;
			words_free(v->vals, v->n);
			free(v->name);
			free(v);
		}
	return s;
}

void shscript_free(struct shscript *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n_cmds; i++)
		words_free(s->cmds[i].words, s->cmds[i].n);
	free(s->cmds);
	for (size_t i = 0; i < s->n_diags; i++)
		free(s->diags[i].msg);
	free(s->diags);
	free(s);
}
