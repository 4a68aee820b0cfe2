/* shscript: reads a shell launch script the way bash would for what such
 * scripts use, without ever running, sourcing or handing it to a shell:
 * variable assignments and expansions ($V, ${V}, ${V:-d}, ${V-d}, ${V:=d},
 * ${V=d}, ${V:+d}, nested defaults), $PWD/$(pwd)/$HOME, arrays spanning
 * lines (comments and blank lines inside) and "${a[@]}", quotes, backslash
 * escapes and line continuations. The result is every simple command as a
 * list of words, each with the script position it came from; what cannot be
 * resolved (other command substitutions, variables never assigned) stays in
 * the word as its source text and is reported with its line and column. */
#ifndef VMDECK_SHSCRIPT_H
#define VMDECK_SHSCRIPT_H

#include <stdbool.h>
#include <stddef.h>

/* Scripts larger than this are refused unread (a launch script is a few KiB). */
#define SHSCRIPT_MAX_SIZE (1024 * 1024)

struct shscript_word {
	char *text;
	int line, col;       /* 1-based: where the word (or array element) starts */
	bool unresolved;     /* holds an expansion left as its source text */
};

struct shscript_cmd {
	struct shscript_word *words;
	size_t n;
	int line, col;       /* the command's first word */
};

struct shscript_diag {
	int line, col;
	bool fatal;          /* the script could not be read (nothing else is valid) */
	char *msg;
};

struct shscript {
	struct shscript_cmd *cmds;
	size_t n_cmds;
	struct shscript_diag *diags;
	size_t n_diags;
	bool failed;         /* a fatal diagnostic was given */
	int last_line;       /* number of lines read */
};

/* What the script would see when run: its working directory and $HOME
 * (NULL: left unresolved), $0, and values the user supplies ("VAR=VALUE",
 * `vmdeck import --set`), which win over the script's own assignments. */
struct shscript_env {
	const char *pwd, *home, *script;
	const char *const *set;
	size_t n_set;
};

/* Read buf (len bytes, need not be NUL-terminated). Never NULL. */
struct shscript *shscript_read(const char *buf, size_t len, const struct shscript_env *env);
void shscript_free(struct shscript *s);

#endif
