/* shscript_priv: what core/shscript.c (input, variables, fields, words,
 * commands) and core/shscript_expand.c ($…, ${…}, $(…), `…`) share. */
#ifndef VMDECK_SHSCRIPT_PRIV_H
#define VMDECK_SHSCRIPT_PRIV_H

#include "core/shscript.h"

#include <stdbool.h>
#include <stddef.h>

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

static inline bool sh_is_blank(int c) { return c == ' ' || c == '\t' || c == '\r'; }
static inline bool sh_is_name_start(int c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
static inline bool sh_is_name(int c) { return sh_is_name_start(c) || (c >= '0' && c <= '9'); }

void sh_diag(struct rd *r, int line, int col, bool fatal, const char *fmt, ...) __attribute__((format(printf, 5, 6)));
bool sh_at_end(const struct rd *r);
void sh_adv(struct rd *r);
/* The character at the read position after line continuations, -1 at the end. */
int sh_cur(struct rd *r);
int sh_peek_raw(const struct rd *r, size_t k);
struct var *sh_var_find(struct rd *r, const char *name);
void sh_var_set_str(struct rd *r, const char *name, const char *val, int line, int col, bool user);
void sh_fb_open(struct fb *f, int line, int col);
void sh_fb_put(struct rd *r, struct fb *f, const char *s, size_t n, int line, int col);
void sh_fb_end(struct fb *f);
void sh_fb_put_split(struct rd *r, struct fb *f, const char *s, int line, int col);
void sh_fb_clear(struct fb *f);
char *sh_fb_join(struct fb *f, bool *unres);
int sh_read_word(struct rd *r, struct fb *f, enum ctx ctx, bool dq);
/* shscript_expand.c: r is at '$' / just past '`' (from: the '`'). */
void sh_dollar(struct rd *r, struct fb *f, bool dq);
void sh_cmdsub(struct rd *r, struct fb *f, size_t from, int line, int col, bool backtick);

#endif
