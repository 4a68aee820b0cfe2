/* shscript_expand: parameter expansion ($V, ${V}, ${V:-d} and friends,
 * ${a[@]}, ${#V}), command substitution ($(pwd) only; the rest stays as
 * written, reported) and arithmetic (reported), as bash expands them. */
#include "core/shscript_priv.h"

#include "core/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- expansions -------------------------------------------------------- */

/* How much of the source text from byte `from` to here a message quotes:
 * at most 60 bytes, never half a character. */
static int src_len(const struct rd *r, size_t from)
{
	return (int)utf8_prefix_len(r->b + from, r->i - from, 60);
}

/* Leave the source text from byte `from` to here in the word, unresolved. */
static void put_unresolved(struct rd *r, struct fb *f, size_t from, int line, int col)
{
	sh_fb_put(r, f, r->b + from, r->i - from, line, col);
	f->unres = true;
}

/* Skip to the ')' matching an opened '(' (quotes and nesting respected).
 * 0, or -1 (reported) at the end of the script. */
static int skip_parens(struct rd *r, int line, int col, const char *what)
{
	int depth = 1;
	while (!sh_at_end(r)) {
		int c = (unsigned char)r->b[r->i];
		if (c == '\\') {
			sh_adv(r);
		} else if (c == '\'' || c == '"') {
			sh_adv(r);
			while (!sh_at_end(r) && (unsigned char)r->b[r->i] != c) {
				if (c == '"' && r->b[r->i] == '\\')
					sh_adv(r);
				sh_adv(r);
			}
		} else if (c == '(') {
			depth++;
		} else if (c == ')' && --depth == 0) {
			sh_adv(r);
			return 0;
		}
		sh_adv(r);
	}
	sh_diag(r, line, col, true, "unterminated %s: no ')' before the end of the script", what);
	return -1;
}

void sh_cmdsub(struct rd *r, struct fb *f, size_t from, int line, int col, bool backtick)
{
	size_t start = r->i;
	if (backtick) {
		while (!sh_at_end(r) && r->b[r->i] != '`')
			sh_adv(r);
		if (sh_at_end(r)) {
			sh_diag(r, line, col, true, "unterminated command substitution: no closing '`'");
			return;
		}
		sh_adv(r);
	} else if (skip_parens(r, line, col, "command substitution $(") < 0)
		return;
	char *inner = xstrndup(r->b + start, r->i - start - 1);
	char *t = inner;
	while (sh_is_blank(*t) || *t == '\n')
		t++;
	size_t tl = strlen(t);
	while (tl && (sh_is_blank(t[tl - 1]) || t[tl - 1] == '\n'))
		t[--tl] = '\0';
	if ((!strcmp(t, "pwd") || !strcmp(t, "pwd -P") || !strcmp(t, "pwd -L")) && r->env->pwd)
		sh_fb_put(r, f, r->env->pwd, strlen(r->env->pwd), line, col);
	else {
		put_unresolved(r, f, from, line, col);
		sh_diag(r, line, col, false, "command substitution '%.*s' is not run: left as it is in the profile",
		     src_len(r, from), r->b + from);
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
				sh_fb_end(f);
			else if (k)
				sh_fb_put(r, f, " ", 1, line, col);
			if (dq || v->vals[k].unresolved)
				sh_fb_put(r, f, v->vals[k].text, strlen(v->vals[k].text), v->vals[k].line, v->vals[k].col);
			else
				sh_fb_put_split(r, f, v->vals[k].text, v->vals[k].line, v->vals[k].col);
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
		sh_fb_put(r, f, v->vals[k].text, strlen(v->vals[k].text), line, col);
	else
		sh_fb_put_split(r, f, v->vals[k].text, line, col);
	f->unres |= v->vals[k].unresolved;
}

static bool var_empty(const struct var *v) { return !v || v->n == 0 || !v->vals[0].text[0]; }

/* The head of a ${…}: [#]NAME[[INDEX]][OP]. */
struct brace {
	char name[128], index[32];
	char op;             /* '-', '=', '+', '?' or 0 */
	bool colon, length;  /* ${V:-…}; ${#V} */
};

static void read_while(struct rd *r, char *out, size_t cap, bool (*ok)(int))
{
	size_t n = 0;
	while (ok(sh_cur(r)) && n < cap - 1) {
		out[n++] = (char)sh_cur(r);
		sh_adv(r);
	}
	out[n] = '\0';
}

static bool is_digit(int c) { return c >= '0' && c <= '9'; }

/* r just past "${". false: an expansion vmdeck does not follow (${V%x},
 * ${V/a/b}, ${!V}, …): skipped to its '}', left as written, reported. */
static bool brace_head(struct rd *r, struct fb *f, size_t from, int line, int col, struct brace *b)
{
	memset(b, 0, sizeof *b);
	if (sh_cur(r) == '#' && sh_peek_raw(r, 1) != '}') {
		b->length = true;
		sh_adv(r);
	}
	read_while(r, b->name, sizeof b->name, sh_is_name_start(sh_cur(r)) ? sh_is_name : is_digit);
	if (b->name[0] && sh_cur(r) == '[') {
		sh_adv(r);
		size_t il = 0;
		while (!sh_at_end(r) && sh_cur(r) != ']' && sh_cur(r) != '}' && il < sizeof b->index - 1) {
			b->index[il++] = (char)sh_cur(r);
			sh_adv(r);
		}
		b->index[il] = '\0';
		if (sh_cur(r) == ']')
			sh_adv(r);
	}
	int c = sh_cur(r), n = sh_peek_raw(r, 1);
	if (c == ':' && n > 0 && strchr("-=+?", n)) {
		b->colon = true;
		b->op = (char)n;
		sh_adv(r);
		sh_adv(r);
	} else if (c > 0 && strchr("-=+?", c)) {
		b->op = (char)c;
		sh_adv(r);
	}
	if (b->name[0] && (c == '}' || b->op))
		return true;
	int depth = 1;
	while (!sh_at_end(r) && depth) {
		if (r->b[r->i] == '{')
			depth++;
		else if (r->b[r->i] == '}')
			depth--;
		sh_adv(r);
	}
	if (depth)
		sh_diag(r, line, col, true, "unterminated '${': no '}' before the end of the script");
	else {
		put_unresolved(r, f, from, line, col);
		sh_diag(r, line, col, false, "'%.*s' is an expansion vmdeck does not follow: left as it is",
			src_len(r, from), r->b + from);
	}
	return false;
}

/* ${…}: r is just past "${". */
static void brace_expansion(struct rd *r, struct fb *f, size_t from, int line, int col, bool dq)
{
	struct brace b;
	if (!brace_head(r, f, from, line, col, &b))
		return;
	char *word = NULL;
	bool word_unres = false;
	size_t diags_before = r->out->n_diags;
	if (b.op) {
		struct fb w = { .nosplit = true };
		sh_read_word(r, &w, CTX_BRACE, dq);
		word = sh_fb_join(&w, &word_unres);
		sh_fb_clear(&w);
	}
	if (sh_cur(r) != '}') {
		free(word);
		sh_diag(r, line, col, true, "unterminated '${': no '}' before the end of the script");
		return;
	}
	sh_adv(r);
	struct var *v = sh_var_find(r, b.name);
	bool unset = !v || (b.colon && var_empty(v));
	bool use_word = b.op == '+' ? !unset : (b.op == '-' || b.op == '=') && unset;
	/* A default that is not used must not leave its diagnostics behind. */
	if (!use_word && word)
		while (r->out->n_diags > diags_before && !r->out->failed)
			free(r->out->diags[--r->out->n_diags].msg);
	if (b.length && v) {
		char num[32];
		snprintf(num, sizeof num, "%zu",
			 b.index[0] == '@' || b.index[0] == '*' ? v->n : v->n ? strlen(v->vals[0].text) : 0);
		sh_fb_put(r, f, num, strlen(num), line, col);
	} else if (use_word) {
		if (b.op == '=') {
			r->unres_value = word_unres;
			sh_var_set_str(r, b.name, word, line, col, false);
		}
		if (dq)
			sh_fb_put(r, f, word, strlen(word), line, col);
		else
			sh_fb_put_split(r, f, word, line, col);
		f->unres |= word_unres;
	} else if (b.op == '+') {
		/* the alternative of an unset variable: nothing */
	} else if (v && !b.length) {
		put_value(r, f, v, b.index[0] ? b.index : NULL, dq, line, col);
	} else {
		put_unresolved(r, f, from, line, col);
		sh_diag(r, line, col, false,
			"'%s' is never assigned and has no default: left as '%.*s' (give it with --set %s=VALUE)", b.name,
			src_len(r, from), r->b + from, b.name);
	}
	free(word);
}

/* One level deeper into $(…) or ${…}: -1 (reported) past MAX_DEPTH. */
static int nest_in(struct rd *r, int line, int col)
{
	if (++r->depth > MAX_DEPTH)
		return sh_diag(r, line, col, true, "expansions nested more than %d deep", MAX_DEPTH), -1;
	return 0;
}

/* r is at '$'. */
void sh_dollar(struct rd *r, struct fb *f, bool dq)
{
	size_t from = r->i;
	int line = r->line, col = r->col;
	sh_adv(r);
	int c = sh_cur(r);
	if (c == '(') {
		sh_adv(r);
		if (sh_cur(r) == '(') {
			if (skip_parens(r, line, col, "arithmetic $((") < 0)
				return;
			put_unresolved(r, f, from, line, col);
			sh_diag(r, line, col, false, "arithmetic '%.*s' is not evaluated: left as it is",
			     src_len(r, from), r->b + from);
			return;
		}
		if (nest_in(r, line, col) < 0)
			return;
		sh_cmdsub(r, f, from, line, col, false);
		r->depth--;
	} else if (c == '{') {
		sh_adv(r);
		if (nest_in(r, line, col) < 0)
			return;
		brace_expansion(r, f, from, line, col, dq);
		r->depth--;
	} else if (sh_is_name_start(c) || (c >= '0' && c <= '9')) {
		char name[128];
		size_t nl = 0;
		if (sh_is_name_start(c))
			while (sh_is_name(sh_cur(r)) && nl < sizeof name - 1) {
				name[nl++] = (char)sh_cur(r);
				sh_adv(r);
			}
		else {
			name[nl++] = (char)c;
			sh_adv(r);
		}
		name[nl] = '\0';
		struct var *v = sh_var_find(r, name);
		if (v)
			put_value(r, f, v, NULL, dq, line, col);
		else {
			put_unresolved(r, f, from, line, col);
			sh_diag(r, line, col, false,
			     "'%s' is never assigned and has no default: left as '$%s' (give it with --set %s=VALUE)", name,
			     name, name);
		}
	} else if (c > 0 && strchr("@*#?$!-", c)) {
		sh_adv(r);
		put_unresolved(r, f, from, line, col);
		sh_diag(r, line, col, false, "'$%c' is only known when the script runs: left as it is", c);
	} else
		sh_fb_put(r, f, "$", 1, line, col);
}

