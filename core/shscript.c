/* shscript: a reader for the bash subset launch scripts use. It tokenises and
 * expands like bash (quotes, escapes, continuations, parameter expansion,
 * field splitting of unquoted expansions, arrays) and records commands; it
 * never executes anything. Control flow is not followed: every simple
 * command is recorded in order, assignments take effect in order. */
#include "core/shscript.h"

#include "core/util.h"
#include "core/yamldoc.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NBUCKETS 256
#define MAX_DEPTH 32                      /* nested ${…} / $(…) */
#define MAX_EXPANSION (16u * 1024 * 1024) /* bytes produced by expansions */

struct var {
	char *name;
	struct shscript_word *vals;
	size_t n;
	bool user;                            /* from --set: the script cannot change it */
	struct var *next;
};

struct rd {
	const char *b;
	size_t n, i;
	int line, col;
	const struct shscript_env *env;
	struct var *vars[NBUCKETS];
	struct shscript *out;
	int depth;
	size_t produced;
	char *heredoc;                        /* delimiter of a pending here-document */
	bool heredoc_strip;                   /* <<- : leading tabs */
	bool empty_at;                        /* "${a[@]}" of an empty array: no word */
	bool unres_value;                     /* the next var_set_str's value holds a placeholder */
};

/* One field being built, and the fields done so far. */
struct fb {
	char *s;
	size_t len, cap;
	bool open, unres;
	int line, col;
	bool nosplit;                         /* assignment values and ${V:-…} words */
	struct shscript_word *w;
	size_t n, wcap;
};

enum ctx { CTX_CMD, CTX_ARRAY, CTX_BRACE };

/* ---- diagnostics ------------------------------------------------------- */

static void diag(struct rd *r, int line, int col, bool fatal, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
static void diag(struct rd *r, int line, int col, bool fatal, const char *fmt, ...)
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

static bool at_end(const struct rd *r) { return r->i >= r->n || r->out->failed; }

static void adv(struct rd *r)
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
		adv(r);
		if (r->i < r->n && r->b[r->i] == '\r')
			adv(r);
		adv(r);
	}
}

static int cur(struct rd *r)
{
	skip_cont(r);
	return at_end(r) ? -1 : (unsigned char)r->b[r->i];
}

static int peek_raw(const struct rd *r, size_t k)
{
	return r->i + k < r->n ? (unsigned char)r->b[r->i + k] : -1;
}

static bool is_blank(int c) { return c == ' ' || c == '\t' || c == '\r'; }
static bool is_name_start(int c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
static bool is_name(int c) { return is_name_start(c) || (c >= '0' && c <= '9'); }

/* ---- variables --------------------------------------------------------- */

static struct var *var_find(struct rd *r, const char *name)
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
	struct var *v = var_find(r, name);
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

static void var_set_str(struct rd *r, const char *name, const char *val, int line, int col, bool user)
{
	struct shscript_word *w = xmalloc(sizeof *w);
	*w = (struct shscript_word){ xstrdup(val), line, col, r->unres_value };
	r->unres_value = false;
	var_set(r, name, w, 1, false, user);
}

/* ---- fields ------------------------------------------------------------ */

static void fb_open(struct fb *f, int line, int col)
{
	if (!f->open) {
		f->open = true;
		f->line = line;
		f->col = col;
	}
}

static void fb_put(struct rd *r, struct fb *f, const char *s, size_t n, int line, int col)
{
	fb_open(f, line, col);
	r->produced += n;
	if (r->produced > MAX_EXPANSION) {
		diag(r, line, col, true, "expansions produce more than %u MiB: not a launch script",
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

static void fb_end(struct fb *f)
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
static void fb_put_split(struct rd *r, struct fb *f, const char *s, int line, int col)
{
	if (f->nosplit) {
		fb_put(r, f, s, strlen(s), line, col);
		return;
	}
	for (const char *p = s; *p; p++) {
		if (*p == ' ' || *p == '\t' || *p == '\n')
			fb_end(f);
		else
			fb_put(r, f, p, 1, line, col);
	}
}

static void fb_clear(struct fb *f)
{
	free(f->s);
	words_free(f->w, f->n);
	memset(f, 0, sizeof *f);
}

/* The fields joined by spaces (caller frees). */
static char *fb_join(struct fb *f, bool *unres)
{
	fb_end(f);
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

static int read_word(struct rd *r, struct fb *f, enum ctx ctx, bool dq);

/* ---- expansions -------------------------------------------------------- */

/* Leave the source text from byte `from` to here in the word, unresolved. */
static void put_unresolved(struct rd *r, struct fb *f, size_t from, int line, int col)
{
	fb_put(r, f, r->b + from, r->i - from, line, col);
	f->unres = true;
}

/* Skip to the ')' matching an opened '(' (quotes and nesting respected).
 * 0, or -1 (reported) at the end of the script. */
static int skip_parens(struct rd *r, int line, int col, const char *what)
{
	int depth = 1;
	while (!at_end(r)) {
		int c = (unsigned char)r->b[r->i];
		if (c == '\\') {
			adv(r);
		} else if (c == '\'' || c == '"') {
			adv(r);
			while (!at_end(r) && (unsigned char)r->b[r->i] != c) {
				if (c == '"' && r->b[r->i] == '\\')
					adv(r);
				adv(r);
			}
		} else if (c == '(') {
			depth++;
		} else if (c == ')' && --depth == 0) {
			adv(r);
			return 0;
		}
		adv(r);
	}
	diag(r, line, col, true, "unterminated %s: no ')' before the end of the script", what);
	return -1;
}

static void cmdsub(struct rd *r, struct fb *f, size_t from, int line, int col, bool backtick)
{
	size_t start = r->i;
	if (backtick) {
		while (!at_end(r) && r->b[r->i] != '`')
			adv(r);
		if (at_end(r)) {
			diag(r, line, col, true, "unterminated command substitution: no closing '`'");
			return;
		}
		adv(r);
	} else if (skip_parens(r, line, col, "command substitution $(") < 0)
		return;
	char *inner = xstrndup(r->b + start, r->i - start - 1);
	char *t = inner;
	while (is_blank(*t) || *t == '\n')
		t++;
	size_t tl = strlen(t);
	while (tl && (is_blank(t[tl - 1]) || t[tl - 1] == '\n'))
		t[--tl] = '\0';
	if ((!strcmp(t, "pwd") || !strcmp(t, "pwd -P") || !strcmp(t, "pwd -L")) && r->env->pwd)
		fb_put(r, f, r->env->pwd, strlen(r->env->pwd), line, col);
	else {
		put_unresolved(r, f, from, line, col);
		diag(r, line, col, false, "command substitution '%.*s' is not run: left as it is in the profile",
		     (int)(r->i - from > 60 ? 60 : r->i - from), r->b + from);
	}
	free(inner);
}

/* Insert a variable's value(s): "${a[@]}" keeps elements apart. */
static void put_value(struct rd *r, struct fb *f, const struct var *v, const char *index, bool dq, int line,
		      int col)
{
	if (index && (!strcmp(index, "@") || !strcmp(index, "*"))) {
		r->empty_at |= v->n == 0 && !strcmp(index, "@");
		bool apart = !strcmp(index, "@") && dq && !f->nosplit;
		for (size_t k = 0; k < v->n; k++) {
			r->produced += 8; /* empty elements count too */
			if (k && (apart || (!dq && !f->nosplit)))
				fb_end(f);
			else if (k)
				fb_put(r, f, " ", 1, line, col);
			if (dq || v->vals[k].unresolved)
				fb_put(r, f, v->vals[k].text, strlen(v->vals[k].text), v->vals[k].line, v->vals[k].col);
			else
				fb_put_split(r, f, v->vals[k].text, v->vals[k].line, v->vals[k].col);
			f->unres |= v->vals[k].unresolved;
		}
		return;
	}
	unsigned long long k = 0;
	if (index && parse_uint(index, 0, 1000000, &k) < 0)
		k = (unsigned long long)-1;
	if (k >= v->n)
		return;
	/* A placeholder stays one piece: its text is not what bash would split. */
	if (dq || v->vals[k].unresolved)
		fb_put(r, f, v->vals[k].text, strlen(v->vals[k].text), line, col);
	else
		fb_put_split(r, f, v->vals[k].text, line, col);
	f->unres |= v->vals[k].unresolved;
}

static bool var_empty(const struct var *v) { return !v || v->n == 0 || !v->vals[0].text[0]; }

/* ${…}: r is just past "${". */
static void brace_expansion(struct rd *r, struct fb *f, size_t from, int line, int col, bool dq)
{
	char name[128], index[32] = "";
	size_t nl = 0;
	bool length = false;
	if (cur(r) == '#' && peek_raw(r, 1) != '}') {
		length = true;
		adv(r);
	}
	int c = cur(r);
	if (is_name_start(c))
		while (is_name(cur(r)) && nl < sizeof name - 1) {
			name[nl++] = (char)cur(r);
			adv(r);
		}
	else if (c >= '0' && c <= '9')
		while (cur(r) >= '0' && cur(r) <= '9' && nl < sizeof name - 1) {
			name[nl++] = (char)cur(r);
			adv(r);
		}
	name[nl] = '\0';
	if (nl && cur(r) == '[') {
		adv(r);
		size_t il = 0;
		while (!at_end(r) && cur(r) != ']' && cur(r) != '}' && il < sizeof index - 1) {
			index[il++] = (char)cur(r);
			adv(r);
		}
		index[il] = '\0';
		if (cur(r) == ']')
			adv(r);
	}
	char op[3] = "";
	c = cur(r);
	if (c == ':' && strchr("-=+?", peek_raw(r, 1) > 0 ? peek_raw(r, 1) : 'x')) {
		op[0] = ':';
		op[1] = (char)peek_raw(r, 1);
		adv(r);
		adv(r);
	} else if (c > 0 && strchr("-=+?", c)) {
		op[0] = (char)c;
		adv(r);
	}
	if (!nl || (c != '}' && !op[0])) { /* ${V%x}, ${V/a/b}, ${!V}, …: not followed */
		int depth = 1;
		while (!at_end(r) && depth) {
			if (r->b[r->i] == '{')
				depth++;
			else if (r->b[r->i] == '}')
				depth--;
			adv(r);
		}
		if (depth) {
			diag(r, line, col, true, "unterminated '${': no '}' before the end of the script");
			return;
		}
		put_unresolved(r, f, from, line, col);
		diag(r, line, col, false, "'%.*s' is an expansion vmdeck does not follow: left as it is",
		     (int)(r->i - from > 60 ? 60 : r->i - from), r->b + from);
		return;
	}
	char *word = NULL;
	bool word_unres = false;
	size_t diags_before = r->out->n_diags;
	if (op[0]) {
		struct fb w = { .nosplit = true };
		read_word(r, &w, CTX_BRACE, dq);
		word = fb_join(&w, &word_unres);
		fb_clear(&w);
	}
	if (cur(r) != '}') {
		free(word);
		diag(r, line, col, true, "unterminated '${': no '}' before the end of the script");
		return;
	}
	adv(r);
	struct var *v = var_find(r, name);
	if (!v && !strcmp(name, "0") && r->env->script)
		var_set_str(r, "0", r->env->script, line, col, false), v = var_find(r, name);
	bool colon = op[0] == ':';
	char o = colon ? op[1] : op[0];
	bool use_word = false, unset = !v || (colon && var_empty(v));
	if (o == '-' || o == '=')
		use_word = unset;
	else if (o == '+')
		use_word = !unset;
	/* A default that is not used must not leave its diagnostics behind. */
	if (!use_word && word)
		while (r->out->n_diags > diags_before && !r->out->failed)
			free(r->out->diags[--r->out->n_diags].msg);
	if (length) {
		if (!v)
			goto unresolved;
		char num[32];
		snprintf(num, sizeof num, "%zu",
			 index[0] == '@' || index[0] == '*' ? v->n : v->n ? strlen(v->vals[0].text) : 0);
		fb_put(r, f, num, strlen(num), line, col);
	} else if (use_word) {
		if (o == '=') {
			r->unres_value = word_unres;
			var_set_str(r, name, word, line, col, false);
		}
		if (dq)
			fb_put(r, f, word, strlen(word), line, col);
		else
			fb_put_split(r, f, word, line, col);
		if (word_unres)
			f->unres = true;
	} else if (o == '+') {
		/* set-but-empty alternative: nothing */
	} else if (v) {
		put_value(r, f, v, index[0] ? index : NULL, dq, line, col);
	} else
		goto unresolved;
	free(word);
	return;
unresolved:
	free(word);
	put_unresolved(r, f, from, line, col);
	diag(r, line, col, false, "'%s' is never assigned and has no default: left as '%.*s' (give it with --set %s=VALUE)",
	     name, (int)(r->i - from > 60 ? 60 : r->i - from), r->b + from, name);
}

/* r is at '$'. */
static void dollar(struct rd *r, struct fb *f, bool dq)
{
	size_t from = r->i;
	int line = r->line, col = r->col;
	adv(r);
	int c = cur(r);
	if (c == '(') {
		adv(r);
		if (cur(r) == '(') {
			if (skip_parens(r, line, col, "arithmetic $((") < 0)
				return;
			put_unresolved(r, f, from, line, col);
			diag(r, line, col, false, "arithmetic '%.*s' is not evaluated: left as it is",
			     (int)(r->i - from > 60 ? 60 : r->i - from), r->b + from);
			return;
		}
		if (++r->depth > MAX_DEPTH) {
			diag(r, line, col, true, "expansions nested more than %d deep", MAX_DEPTH);
			return;
		}
		cmdsub(r, f, from, line, col, false);
		r->depth--;
	} else if (c == '{') {
		adv(r);
		if (++r->depth > MAX_DEPTH) {
			diag(r, line, col, true, "expansions nested more than %d deep", MAX_DEPTH);
			return;
		}
		brace_expansion(r, f, from, line, col, dq);
		r->depth--;
	} else if (is_name_start(c) || (c >= '0' && c <= '9')) {
		char name[128];
		size_t nl = 0;
		if (is_name_start(c))
			while (is_name(cur(r)) && nl < sizeof name - 1) {
				name[nl++] = (char)cur(r);
				adv(r);
			}
		else {
			name[nl++] = (char)c;
			adv(r);
		}
		name[nl] = '\0';
		struct var *v = var_find(r, name);
		if (!v && !strcmp(name, "0") && r->env->script)
			fb_put(r, f, r->env->script, strlen(r->env->script), line, col);
		else if (v)
			put_value(r, f, v, NULL, dq, line, col);
		else {
			put_unresolved(r, f, from, line, col);
			diag(r, line, col, false,
			     "'%s' is never assigned and has no default: left as '$%s' (give it with --set %s=VALUE)", name,
			     name, name);
		}
	} else if (c > 0 && strchr("@*#?$!-", c)) {
		adv(r);
		put_unresolved(r, f, from, line, col);
		diag(r, line, col, false, "'$%c' is only known when the script runs: left as it is", c);
	} else
		fb_put(r, f, "$", 1, line, col);
}

/* ---- words ------------------------------------------------------------- */

static bool ends_word(int c, enum ctx ctx)
{
	if (c < 0)
		return true;
	if (ctx == CTX_BRACE)
		return c == '}';
	return is_blank(c) || c == '\n' || (c > 0 && strchr(";&|<>()", c));
}

static void single_quoted(struct rd *r, struct fb *f, int wl, int wc)
{
	int line = r->line, col = r->col;
	adv(r);
	size_t start = r->i;
	while (r->i < r->n && r->b[r->i] != '\'')
		adv(r);
	if (r->i >= r->n) {
		diag(r, line, col, true, "unterminated single quote (opened here)");
		return;
	}
	fb_put(r, f, r->b + start, r->i - start, wl, wc);
	adv(r);
}

static void double_quoted(struct rd *r, struct fb *f, int wl, int wc)
{
	int line = r->line, col = r->col;
	adv(r);
	r->empty_at = false;
	for (;;) {
		int c = cur(r);
		if (c < 0) {
			diag(r, line, col, true, "unterminated double quote (opened here)");
			return;
		}
		if (c == '"') {
			adv(r);
			if (!r->empty_at)
				fb_open(f, wl, wc);
			return;
		}
		if (c == '\\') {
			int n = peek_raw(r, 1);
			adv(r);
			if (n == '$' || n == '`' || n == '"' || n == '\\') {
				char ch = (char)n;
				fb_put(r, f, &ch, 1, wl, wc);
				adv(r);
			} else
				fb_put(r, f, "\\", 1, wl, wc);
		} else if (c == '$')
			dollar(r, f, true);
		else if (c == '`') {
			size_t from = r->i;
			int l = r->line, cl = r->col;
			adv(r);
			cmdsub(r, f, from, l, cl, true);
		} else {
			char ch = (char)c;
			fb_put(r, f, &ch, 1, wl, wc);
			adv(r);
		}
	}
}

/* One shell word into f (several fields when expansions split). Returns 0,
 * -1 on a fatal problem. */
static int read_word(struct rd *r, struct fb *f, enum ctx ctx, bool dq)
{
	int wl = r->line, wc = r->col;
	if (ctx != CTX_BRACE && cur(r) == '~' && r->env->home &&
	    (peek_raw(r, 1) == '/' || ends_word(peek_raw(r, 1), ctx))) {
		fb_put(r, f, r->env->home, strlen(r->env->home), wl, wc);
		adv(r);
	}
	for (;;) {
		int c = cur(r);
		if (r->out->failed)
			return -1;
		if (ends_word(c, ctx))
			break;
		if (c == '\\') {
			adv(r);
			if (at_end(r))
				break;
			fb_put(r, f, r->b + r->i, 1, wl, wc);
			adv(r);
		} else if (c == '\'' && !dq)
			single_quoted(r, f, wl, wc);
		else if (c == '"' && !dq)
			double_quoted(r, f, wl, wc);
		else if (c == '$')
			dollar(r, f, dq);
		else if (c == '`') {
			size_t from = r->i;
			int l = r->line, cl = r->col;
			adv(r);
			cmdsub(r, f, from, l, cl, true);
		} else {
			fb_put(r, f, r->b + r->i, 1, wl, wc);
			adv(r);
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
	if (k >= r->n || !is_name_start((unsigned char)r->b[k]))
		return 0;
	while (k < r->n && is_name((unsigned char)r->b[k]))
		k++;
	*append = k + 1 < r->n && r->b[k] == '+' && r->b[k + 1] == '=';
	if (*append)
		k++;
	return k < r->n && r->b[k] == '=' ? k + 1 - r->i : 0;
}

static void skip_comment(struct rd *r)
{
	while (r->i < r->n && r->b[r->i] != '\n')
		adv(r);
}

static void assignment(struct rd *r, size_t len, bool append)
{
	int line = r->line, col = r->col;
	char *name = xstrndup(r->b + r->i, len - 1 - append);
	for (size_t k = 0; k < len; k++)
		adv(r);
	struct fb f = { 0 };
	if (cur(r) == '(') {
		adv(r);
		for (;;) {
			int c = cur(r);
			if (c == '#') {
				skip_comment(r);
				continue;
			}
			if (is_blank(c) || c == '\n') {
				adv(r);
				continue;
			}
			if (c == ')') {
				adv(r);
				break;
			}
			if (c < 0) {
				diag(r, line, col, true, "unterminated array: '%s=(' has no ')'", name);
				break;
			}
			if (ends_word(c, CTX_ARRAY)) { /* a stray ; & | < > ( inside the list */
				diag(r, r->line, r->col, true, "'%c' inside the array '%s=( … )'", c, name);
				break;
			}
			read_word(r, &f, CTX_ARRAY, false);
			fb_end(&f);
			if (r->out->failed)
				break;
		}
		fb_end(&f);
		var_set(r, name, f.w, f.n, append, false);
		f.w = NULL;
		f.n = 0;
	} else {
		f.nosplit = true;
		fb_open(&f, line, col);
		read_word(r, &f, CTX_CMD, false);
		bool unres = false;
		char *v = fb_join(&f, &unres);
		if (append) {
			struct var *old = var_find(r, name);
			char *t = xasprintf("%s%s", old && old->n ? old->vals[0].text : "", v);
			free(v);
			v = t;
		}
		r->unres_value = unres;
		var_set_str(r, name, v, line, col, false);
		free(v);
	}
	fb_clear(&f);
	free(name);
}

static void push_cmd(struct rd *r, struct fb *f)
{
	fb_end(f);
	if (f->n) {
		struct shscript *s = r->out;
		s->cmds = xrealloc(s->cmds, (s->n_cmds + 1) * sizeof *s->cmds);
		s->cmds[s->n_cmds++] = (struct shscript_cmd){ f->w, f->n, f->w[0].line, f->w[0].col };
		f->w = NULL;
		f->n = f->wcap = 0;
	}
	fb_clear(f);
}

/* Lines of a here-document are skipped: a launch script's QEMU command is
 * never in one. */
static void skip_heredoc(struct rd *r)
{
	while (r->heredoc && r->i < r->n) {
		size_t s = r->i;
		while (r->i < r->n && r->b[r->i] != '\n')
			adv(r);
		size_t e = r->i;
		adv(r);
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
	while (cur(r) >= '0' && cur(r) <= '9')
		adv(r);
	if (cur(r) == '<' && peek_raw(r, 1) == '<' && peek_raw(r, 2) != '<') {
		heredoc = true;
		adv(r);
		adv(r);
		r->heredoc_strip = cur(r) == '-';
	}
	while (cur(r) > 0 && strchr("<>&|-", cur(r)))
		adv(r);
	while (is_blank(cur(r)))
		adv(r);
	struct fb t = { .nosplit = true };
	size_t diags = r->out->n_diags;
	read_word(r, &t, CTX_CMD, false);
	char *target = fb_join(&t, NULL);
	fb_clear(&t);
	while (r->out->n_diags > diags && !r->out->failed) /* a redirect's target does not matter */
		free(r->out->diags[--r->out->n_diags].msg);
	if (heredoc) {
		free(r->heredoc);
		r->heredoc = target;
	} else
		free(target);
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
		int c = cur(r);
		if (c < 0)
			break;
		if (is_blank(c)) {
			adv(r);
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
			adv(r);
			if (c == '\n' && r->heredoc)
				skip_heredoc(r);
			continue;
		}
		if (c == '<' || c == '>' || ((c >= '0' && c <= '9') && (peek_raw(r, 1) == '<' || peek_raw(r, 1) == '>'))) {
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
		read_word(r, &f, CTX_CMD, false);
		fb_end(&f);
		if (f.n == before + 1 && before == 0) {
			if (is_word(&f, 0, lead) || is_word(&f, 0, tail)) {
				words_free(f.w, f.n);
				f.w = NULL;
				f.n = f.wcap = 0;
				continue;
			}
			if (is_word(&f, 0, decl)) {
				words_free(f.w, f.n);
				f.w = NULL;
				f.n = f.wcap = 0;
				declaring = true;
				continue;
			}
		}
		if (declaring) { /* export NAME, declare -a NAME: nothing to record */
			words_free(f.w, f.n);
			f.w = NULL;
			f.n = f.wcap = 0;
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
		diag(r, 1, 1, true, "file too large: %zu bytes (a launch script may be at most %d bytes)", r->n,
		     SHSCRIPT_MAX_SIZE);
		return false;
	}
	const char *nul = memchr(r->b, '\0', r->n);
	size_t bad = yamldoc_utf8_invalid_at(r->b, r->n);
	int line, col;
	if (nul) {
		yamldoc_offset_pos(r->b, (size_t)(nul - r->b), &line, &col);
		diag(r, line, col, true, "binary data (a NUL byte at offset %zu): not a shell script", (size_t)(nul - r->b));
		return false;
	}
	if (bad < r->n) {
		yamldoc_offset_pos(r->b, bad, &line, &col);
		diag(r, line, col, true, "not valid UTF-8 text: byte 0x%02x: not a shell script",
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
			var_set_str(&r, "PWD", r.env->pwd, 0, 0, false);
		if (r.env->home)
			var_set_str(&r, "HOME", r.env->home, 0, 0, false);
		for (size_t i = 0; i < r.env->n_set; i++) {
			const char *eq = strchr(r.env->set[i], '=');
			if (!eq)
				continue;
			char *name = xstrndup(r.env->set[i], (size_t)(eq - r.env->set[i]));
			var_set_str(&r, name, eq + 1, 0, 0, true);
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
