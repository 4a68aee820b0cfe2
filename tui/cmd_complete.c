/* cmd_complete: `vmdeck __complete CWORD WORD...` — the candidates for word
 * CWORD of a command line being typed, one per line, for the shell's
 * completion (dist/bash-completion/vmdeck). Hidden: not a verb of cmd_table.
 * Everything comes from the tables the binary runs on, so completion never
 * drifts from the code: the verbs from cmd_table, each verb's options and
 * arguments from its usage text (the one --help prints and
 * tests/docs/check.sh holds to the getopt tables), net's sub-verbs from its
 * own table; VM names from the profiles, lab networks from networks/, bridges
 * from this namespace's /sys/class/net. Two lines are instructions, not
 * candidates: "@files" and "@dirs" (the shell completes paths itself). */
#include "core/disk.h"
#include "core/paths.h"
#include "core/profile.h"
#include "core/util.h"
#include "net/labnet.h"
#include "net/nlact.h"
#include "tui/cmd.h"
#include "tui/cmd_list.h"

#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One word of a usage text: its alternatives ("install|boot"), and what
 * it is: an option (some alternative starts with '-'), an argument (some
 * does not: "SCRIPT|-|--pid" is both), or the value of the option before it
 * (same [group], that option its last alternative). */
struct uword {
	char *text;   /* without brackets, quotes and "..." */
	bool opt, arg, value;
	bool repeats; /* "PATH..." */
};

struct usage {
	struct uword w[64];
	size_t n;
};

/* "-x", "--xyz"; not "-" (stdin) nor "--" (the end of the options). */
static bool alt_is_opt(const char *a, size_t len)
{
	return len > 1 && a[0] == '-' && !(len == 2 && a[1] == '-');
}

static void uword_kind(struct uword *w)
{
	for (const char *a = w->text; *a;) {
		size_t len = strcspn(a, "|");
		if (alt_is_opt(a, len))
			w->opt = true;
		else
			w->arg = true;
		a += len + (a[len] == '|');
	}
}

/* Is the last alternative of w an option? */
static bool ends_in_opt(const struct uword *w)
{
	const char *bar = strrchr(w->text, '|');
	const char *a = bar ? bar + 1 : w->text;
	return alt_is_opt(a, strlen(a));
}

/* Split a usage text into words: "[--mode install|boot]" gives "--mode"
 * and its value "install|boot"; "'HMP COMMAND'" is one word. */
static void usage_parse(const char *u, struct usage *out)
{
	memset(out, 0, sizeof(*out));
	int stack[16] = { 0 }, depth = 0, groups = 0, prev_group = -1;
	for (const char *p = u; *p && out->n < 64;) {
		if (*p == ' ') {
			p++;
			continue;
		}
		for (; *p == '['; p++)
			if (depth < 15)
				stack[++depth] = ++groups;
		const char *end = *p == '\'' ? strchr(p + 1, '\'') : p + strcspn(p, " ]");
		end = !end ? p + strlen(p) : *p == '\'' ? end + 1 : end;
		struct uword *w = &out->w[out->n++];
		size_t len = (size_t)(end - p);
		w->repeats = len > 3 && strncmp(end - 3, "...", 3) == 0;
		w->text = xstrndup(p, w->repeats ? len - 3 : len);
		uword_kind(w);
		const struct uword *prev = out->n > 1 ? &out->w[out->n - 2] : NULL;
		w->value = !w->opt && prev && ends_in_opt(prev) && prev_group == stack[depth];
		if (w->value)
			w->arg = false;
		prev_group = stack[depth];
		for (p = end; *p == ']'; p++)
			if (depth > 0)
				depth--;
		if (*end == ']')
			prev_group = -1; /* a group closed: what follows is no value */
	}
}

static void usage_free(struct usage *u)
{
	for (size_t i = 0; i < u->n; i++)
		free(u->w[i].text);
}

struct comp {
	const char *cur;  /* the word being completed (a prefix) */
	bool in_net;      /* a net sub-verb: NAME is a lab network */
	struct strv *out; /* the candidates, each once, in order */
	const char *vm;   /* the VM named on the line (NAME, SRC), or NULL */
	bool new_tag;     /* TAG names a snapshot to make: nothing to offer */
};

static void emit(const struct comp *c, const char *s)
{
	for (size_t i = 0; i < c->out->n; i++)
		if (strcmp(c->out->v[i], s) == 0)
			return;
	strv_push(c->out, s);
}

static void put(const struct comp *c, const char *s)
{
	if (strncmp(s, c->cur, strlen(c->cur)) == 0)
		emit(c, s);
}

/* The alternatives of a usage word, for each call fn(c, alt). */
static void each_alt(const char *text, const struct comp *c, void (*fn)(const struct comp *, const char *))
{
	char *t = xstrdup(text), *save = NULL;
	for (char *a = strtok_r(t, "|", &save); a; a = strtok_r(NULL, "|", &save))
		fn(c, a);
	free(t);
}

static void put_vms(const struct comp *c)
{
	const char *dir = paths_profiles_dir();
	struct profile_set *s = profile_set_load(&dir, 1);
	for (size_t i = 0; i < s->n; i++)
		put(c, s->items[i]->name);
	profile_set_free(s);
}

static void put_networks(const struct comp *c)
{
	char **names = labnet_list();
	for (size_t i = 0; names && names[i]; i++) {
		put(c, names[i]);
		free(names[i]);
	}
	free(names);
}

/* The bridges of this network namespace (netlink: /sys/class/net may
 * show another namespace's links). */
static void put_bridges(const struct comp *c)
{
	struct strv b;
	strv_init(&b);
	nlact_bridges(&b);
	for (size_t i = 0; i < b.n; i++)
		put(c, b.v[i]);
	strv_clear(&b);
}

/* The users of this host (net grant BRIDGE USER). */
static void put_users(const struct comp *c)
{
	setpwent();
	for (struct passwd *pw; (pw = getpwent());)
		put(c, pw->pw_name);
	endpwent();
}

/* The snapshot tags of the VM on the line: those of its first disk that
 * snapshots cover (every snapshot spans them all). qemu-img info -U reads
 * an image a running QEMU has open. */
static void put_tags(const struct comp *c)
{
	if (!c->vm || c->new_tag)
		return;
	const char *dir = paths_profiles_dir();
	struct profile_set *set = profile_set_load(&dir, 1);
	const struct profile *p = profile_set_find(set, c->vm);
	for (size_t i = 0; p && i < p->n_disks; i++) {
		const struct profile_disk *d = &p->disks[i];
		if (!disk_snap_covers(d) || !path_exists(d->file))
			continue;
		const char *args[] = { "info", "--output=json", "-U", "-f", d->format, d->file };
		char *o = NULL, *err = NULL;
		struct disk_image img;
		memset(&img, 0, sizeof(img));
		if (disk_qemu_img_run(args, ARRAY_LEN(args), &o, &err) == 0 && disk_image_parse(o, &img, &err) == 0)
			for (size_t k = 0; k < img.n_snaps; k++)
				put(c, img.snaps[k].tag);
		disk_image_clear(&img);
		free(o);
		free(err);
		break;
	}
	profile_set_free(set);
}

/* One alternative of an argument or value: a placeholder names a kind of
 * thing, a lowercase word is itself. */
static void put_alt(const struct comp *c, const char *a)
{
	if (strcmp(a, "NAME") == 0)
		c->in_net ? put_networks(c) : put_vms(c);
	else if (strcmp(a, "SRC") == 0)
		put_vms(c);
	else if (strcmp(a, "LAB") == 0)
		put_networks(c);
	else if (strcmp(a, "TAG") == 0)
		put_tags(c);
	else if (strcmp(a, "BRIDGE") == 0)
		put_bridges(c);
	else if (strcmp(a, "USER") == 0)
		put_users(c);
	else if (strcmp(a, "DIR") == 0)
		emit(c, "@dirs");
	else if (!strcmp(a, "PATH") || !strcmp(a, "SCRIPT") || !strncmp(a, "FILE", 4) || !strcmp(a, "F"))
		emit(c, "@files");
	else if (a[0] >= 'a' && a[0] <= 'z')
		put(c, a); /* a word ("install"); options ("--pid") are not arguments */
}

static void put_options(const struct comp *c, const struct usage *u)
{
	for (size_t i = 0; i < u->n; i++) {
		if (!u->w[i].opt)
			continue;
		char *t = xstrdup(u->w[i].text), *save = NULL;
		for (char *a = strtok_r(t, "|", &save); a; a = strtok_r(NULL, "|", &save))
			if (a[0] == '-' && a[1] == '-' && a[2])
				put(c, a);
		free(t);
	}
	put(c, "--help");
}

/* The usage word of option o (its value's, if it takes one), or NULL. */
static const struct uword *option_value(const struct usage *u, const char *o)
{
	for (size_t i = 0; i + 1 < u->n; i++) {
		if (!u->w[i].opt || !u->w[i + 1].value)
			continue;
		char *t = xstrdup(u->w[i].text), *save = NULL;
		bool hit = false;
		for (char *a = strtok_r(t, "|", &save); a && !hit; a = strtok_r(NULL, "|", &save))
			hit = strcmp(a, o) == 0;
		free(t);
		if (hit)
			return &u->w[i + 1];
	}
	return NULL;
}

/* ---- usages with alternatives ------------------------------------------ */

/* Split s at " | " outside brackets: "NAME [--json] | resize NAME DISK". */
static void split_top(const char *s, size_t len, struct strv *out)
{
	int depth = 0;
	size_t start = 0;
	for (size_t i = 0; i <= len; i++) {
		if (i == len || (depth == 0 && len - i >= 3 && strncmp(s + i, " | ", 3) == 0)) {
			strv_push_owned(out, xstrndup(s + start, i - start));
			start = i + 3;
			i += 2;
		} else if (s[i] == '[')
			depth++;
		else if (s[i] == ']' && depth > 0)
			depth--;
	}
}

/* Each way through a usage as a usage of its own: its top-level
 * alternatives, and in each a bracketed group of alternatives ("NAME [list
 * | add RULE | remove RULE]") taken as each of them or left out. */
static void usage_expand(const char *u, struct strv *out)
{
	if (out->n >= 32)
		return;
	struct strv top;
	strv_init(&top);
	split_top(u, strlen(u), &top);
	if (top.n > 1) {
		for (size_t i = 0; i < top.n; i++)
			usage_expand(top.v[i], out);
		strv_clear(&top);
		return;
	}
	strv_clear(&top);
	int depth = 0;
	for (const char *p = u; *p; p++) {
		if (*p == ']' && depth > 0)
			depth--;
		if (*p != '[' || depth++ > 0)
			continue;
		const char *q = p + 1;
		for (int d = 1; *q && d > 0; q++)
			d += *q == '[' ? 1 : *q == ']' ? -1 : 0;
		size_t inner = (size_t)(q - p) - (q[-1] == ']' ? 2 : 1);
		struct strv alts;
		strv_init(&alts);
		split_top(p + 1, inner, &alts);
		if (alts.n > 1) {
			char *absent = xasprintf("%.*s%s", (int)(p - u), u, q);
			usage_expand(absent, out);
			free(absent);
			for (size_t i = 0; i < alts.n; i++) {
				char *one = xasprintf("%.*s%s%s", (int)(p - u), u, alts.v[i], q);
				usage_expand(one, out);
				free(one);
			}
			strv_clear(&alts);
			return;
		}
		strv_clear(&alts);
	}
	strv_push(out, u);
}

/* Could the positional words typed so far be this way through the usage?
 * A word where it has only literal words ("create") must be one of them. */
static bool usage_fits(const struct usage *u, char **pos, int npos)
{
	int k = 0;
	const struct uword *last = NULL;
	for (size_t i = 0; i < u->n && k < npos; i++) {
		if (!u->w[i].arg)
			continue;
		last = &u->w[i];
		bool placeholder = false, hit = false;
		char *t = xstrdup(u->w[i].text), *save = NULL;
		for (char *a = strtok_r(t, "|", &save); a; a = strtok_r(NULL, "|", &save)) {
			placeholder |= !(a[0] >= 'a' && a[0] <= 'z');
			hit |= strcmp(a, pos[k]) == 0;
		}
		free(t);
		if (!placeholder && !hit)
			return false;
		k++;
	}
	return k == npos || (last && last->repeats);
}

/* What this way says about the words typed: the VM its NAME or SRC names
 * (not in net: NAME is a lab network there), and whether a TAG here is a
 * new one ("create TAG"). */
static void way_context(struct comp *c, const struct usage *u, char **pos, int npos)
{
	c->vm = NULL;
	c->new_tag = false;
	int k = 0;
	for (size_t i = 0; i < u->n; i++) {
		if (!u->w[i].arg)
			continue;
		if (k < npos && !c->in_net && (!strcmp(u->w[i].text, "NAME") || !strcmp(u->w[i].text, "SRC")) && !c->vm)
			c->vm = pos[k];
		if (k > 0 && k <= npos && !strcmp(u->w[i].text, "TAG") && !strcmp(pos[k - 1], "create"))
			c->new_tag = true;
		k++;
	}
}

/* Complete word cword of a verb (or net sub-verb) whose arguments are
 * words[first..]; its usage text is usage, perhaps of several ways. */
static void complete_way(struct comp *c, const char *usage, char **words, int first, int cword);

static void complete_args(struct comp *c, const char *usage, char **words, int first, int cword)
{
	struct strv ways;
	strv_init(&ways);
	usage_expand(usage, &ways);
	for (size_t i = 0; i < ways.n; i++)
		complete_way(c, ways.v[i], words, first, cword);
	strv_clear(&ways);
}

static void complete_way(struct comp *c, const char *usage, char **words, int first, int cword)
{
	struct usage u;
	usage_parse(usage, &u);
	char *pos[64];
	int npos = 0;
	bool ended = false; /* after "--" no more options */
	for (int i = first; i < cword; i++) {
		const char *w = words[i];
		if (!ended && strcmp(w, "--") == 0)
			ended = true;
		else if (!ended && w[0] == '-' && w[1])
			i += option_value(&u, w) && !strchr(w, '=') ? 1 : 0;
		else if (npos < 64)
			pos[npos++] = words[i];
	}
	if (!usage_fits(&u, pos, npos)) {
		usage_free(&u);
		return;
	}
	way_context(c, &u, pos, npos);
	const struct uword *val = cword > first ? option_value(&u, words[cword - 1]) : NULL;
	if (val && !ended) {
		each_alt(val->text, c, put_alt);
	} else if (c->cur[0] == '-' && !ended) {
		put_options(c, &u);
	} else {
		/* The npos-th positional word of the usage (the last one repeats). */
		const struct uword *slot = NULL;
		int k = 0;
		for (size_t i = 0; i < u.n; i++) {
			if (!u.w[i].arg)
				continue;
			if (k++ == npos || (u.w[i].repeats && k <= npos + 1)) {
				slot = &u.w[i];
				break;
			}
		}
		if (slot)
			each_alt(slot->text, c, put_alt);
	}
	usage_free(&u);
}

/* Global options before the verb: --profiles DIR takes effect here too, so
 * VM names come from the directory the command will use. */
static int skip_globals(char **words, int n, int cword)
{
	int i = 1;
	while (i < n && i < cword && words[i][0] == '-') {
		const char *w = words[i];
		bool arg = !strcmp(w, "-p") || !strcmp(w, "--profiles") || !strcmp(w, "-r") ||
			   !strcmp(w, "--runtime-dir") || !strcmp(w, "-i") || !strcmp(w, "--interval");
		if (arg && i + 1 < n && i + 1 < cword) {
			if (!strcmp(w, "-p") || !strcmp(w, "--profiles"))
				paths_set_profiles_dir(words[i + 1]);
			if (!strcmp(w, "-r") || !strcmp(w, "--runtime-dir"))
				paths_set_runtime_dir(words[i + 1]);
		}
		i += arg ? 2 : 1;
	}
	return i;
}

static void complete_global(const struct comp *c, const char *prev)
{
	static const char *const globals[] = { "--profiles", "--runtime-dir", "--read-only", "--no-mouse",
					       "--interval", "--help", "--version", NULL };
	if (prev && (!strcmp(prev, "-p") || !strcmp(prev, "--profiles") || !strcmp(prev, "-r") ||
		     !strcmp(prev, "--runtime-dir"))) {
		puts("@dirs");
		return;
	}
	if (prev && (!strcmp(prev, "-i") || !strcmp(prev, "--interval")))
		return;
	if (c->cur[0] == '-') {
		for (size_t i = 0; globals[i]; i++)
			put(c, globals[i]);
		return;
	}
	for (size_t i = 0; cmd_table[i]; i++)
		put(c, cmd_table[i]->name);
}

/* The candidates for words[cword], into c->out. */
static void complete_word(struct comp *c_, char **words, int n, int cword)
{
	struct comp c = *c_;
	int v = skip_globals(words, n, cword);
	if (v >= cword) {
		complete_global(&c, cword > 1 ? words[cword - 1] : NULL);
		return;
	}
	const struct cmd_entry *e = NULL;
	for (size_t i = 0; cmd_table[i] && !e; i++)
		if (strcmp(cmd_table[i]->name, words[v]) == 0)
			e = cmd_table[i];
	if (!e)
		return;
	if (e != &cmd_net_entry) {
		complete_args(&c, e->usage, words, v + 1, cword);
		return;
	}
	const char *name, *usage;
	if (cword == v + 1) {
		for (size_t i = 0; (name = cmd_net_sub(i, &usage)); i++)
			put(&c, name);
		if (c.cur[0] == '-')
			put(&c, "--help");
		return;
	}
	c.in_net = true;
	for (size_t i = 0; (name = cmd_net_sub(i, &usage)); i++)
		if (strcmp(name, words[v + 1]) == 0)
			complete_args(&c, usage, words, v + 2, cword);
}

int cmd_complete(int argc, char **argv)
{
	/* argv: "__complete" CWORD WORD0 WORD1 ... (WORD0 is the program). */
	unsigned long long cw;
	if (argc < 3 || parse_uint(argv[1], 0, 1000, &cw) < 0)
		return EXIT_USAGE;
	char **words = argv + 2;
	int n = argc - 2, cword = (int)cw;
	if (cword < 1 || cword > n)
		return EXIT_OK;
	struct strv out;
	strv_init(&out);
	struct comp c = { .cur = cword < n ? words[cword] : "", .out = &out };
	complete_word(&c, words, n, cword);
	for (size_t i = 0; i < out.n; i++)
		puts(out.v[i]);
	strv_clear(&out);
	return EXIT_OK;
}
