/* profile_set: every profile of a set of files and directories, with the
 * checks across profiles (one name, one MAC, one TAP per VM; a warning for
 * a host port two VMs forward), and the diagnostics all profile loading
 * collects. Declared in profile.h. */
#include "core/profile.h"
#include "core/util.h"
#include "core/yamldoc.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* ---- diagnostics ---------------------------------------------------------- */

void profile_diag_add(struct profile_diag **diags, size_t *n, const char *file, int line, int col, bool warning,
		      char *msg)
{
	*diags = xrealloc(*diags, (*n + 1) * sizeof(**diags));
	(*diags)[*n] = (struct profile_diag){ xstrdup(file), line, col, msg, warning };
	(*n)++;
}

void profile_diags_free(struct profile_diag *d, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(d[i].file);
		free(d[i].msg);
	}
	free(d);
}

char *profile_diag_format(const struct profile_diag *d)
{
	const char *w = d->warning ? "warning: " : "";
	if (d->line > 0)
		return xasprintf("%s:%d:%d: %s%s", d->file, d->line, d->col, w, d->msg);
	return xasprintf("%s: %s%s", d->file, w, d->msg);
}

size_t profile_diag_errors(const struct profile_diag *d, size_t n)
{
	size_t e = 0;
	for (size_t i = 0; i < n; i++)
		e += !d[i].warning;
	return e;
}

/* ---- the set ------------------------------------------------------------------ */

static int cmp_profile(const void *a, const void *b)
{
	return strcmp((*(struct profile *const *)a)->name, (*(struct profile *const *)b)->name);
}

static void set_add_file(struct profile_set *s, const char *path)
{
	s->n_files++;
	struct profile *p = profile_load(path, &s->diags, &s->n_diags);
	if (!p)
		return;
	/* Files are taken in sorted order: the first one keeps the name. */
	for (size_t i = 0; i < s->n; i++) {
		if (strcmp(s->items[i]->name, p->name) == 0) {
			profile_diag_add(&s->diags, &s->n_diags, path, p->name_line, p->name_col, false,
				 xasprintf("duplicate VM name '%s': already defined in %s:%d:%d (this file is ignored)",
					   p->name, s->items[i]->path, s->items[i]->name_line, s->items[i]->name_col));
			profile_free(p);
			return;
		}
	}
	s->items = xrealloc(s->items, (s->n + 1) * sizeof(*s->items));
	s->items[s->n++] = p;
}

/* ---- one MAC, one TAP per VM ---------------------------------------------------- */

/* A NIC's use of something two VMs may not share (its MAC, its TAP). */
struct use {
	char *key;
	size_t item, nic; /* item: load order, so the earlier file is named */
};

static int cmp_use(const void *a, const void *b)
{
	const struct use *x = a, *y = b;
	int r = strcmp(x->key, y->key);
	if (r)
		return r;
	return x->item != y->item ? (x->item < y->item ? -1 : 1) : (x->nic < y->nic ? -1 : x->nic > y->nic);
}

/* The key of NIC nic of p, or NULL when it uses nothing of the kind. */
typedef char *(*use_key_fn)(const struct profile *p, size_t nic);
/* again uses what first (of another VM, loaded earlier) uses. */
typedef void (*use_report_fn)(struct profile_set *s, const struct use *first, const struct use *again);

/* Report every NIC whose key an earlier VM's NIC has. Sorting keeps 1,000
 * profiles cheap. Within one profile profile_check reports it already. */
static void set_check_shared(struct profile_set *s, use_key_fn key_of, use_report_fn report)
{
	size_t n = 0;
	for (size_t i = 0; i < s->n; i++)
		n += s->items[i]->n_nics;
	if (n < 2)
		return;
	struct use *u = xmalloc(n * sizeof(*u));
	n = 0;
	for (size_t i = 0; i < s->n; i++)
		for (size_t j = 0; j < s->items[i]->n_nics; j++) {
			char *k = key_of(s->items[i], j);
			if (k)
				u[n++] = (struct use){ k, i, j };
		}
	if (n > 1)
		qsort(u, n, sizeof(*u), cmp_use);
	for (size_t k = 1, first = 0; k < n; k++) {
		if (strcmp(u[k].key, u[first].key) != 0)
			first = k;
		else if (u[k].item != u[first].item)
			report(s, &u[first], &u[k]);
	}
	for (size_t k = 0; k < n; k++)
		free(u[k].key);
	free(u);
}

static char *mac_key(const struct profile *p, size_t nic)
{
	uint8_t mac[6];
	char s[18];
	profile_nic_guest_mac(p, nic, mac);
	mac_format(mac, s);
	return xstrdup(s);
}

/* Two VMs with one MAC break each other on a shared bridge: warn, naming
 * both. */
static void mac_report(struct profile_set *s, const struct use *first, const struct use *again)
{
	const struct profile *a = s->items[first->item], *b = s->items[again->item];
	const struct profile_nic *na = &a->nics[first->nic], *nb = &b->nics[again->nic];
	profile_diag_add(&s->diags, &s->n_diags, b->path, nb->line, nb->col, true,
			 xasprintf("NIC '%s' has MAC %s, like NIC '%s' of VM '%s' (%s)", nb->id, again->key, na->id,
				   a->name, a->path));
}

static char *tap_key(const struct profile *p, size_t nic)
{
	return p->nics[nic].user_net ? NULL : profile_nic_tap_name(p, nic);
}

/* Two VMs naming one TAP cannot run together: the second start would find
 * the first one's TAP (or take it over). An error for `check`, naming both
 * places, but both profiles load: they may be meant never to run at once
 * (keeping the second from starting while the first runs is the runtime's
 * job). Given and derived names both count. */
static void tap_report(struct profile_set *s, const struct use *first, const struct use *again)
{
	const struct profile *a = s->items[first->item], *b = s->items[again->item];
	const struct profile_nic *na = &a->nics[first->nic], *nb = &b->nics[again->nic];
	profile_diag_add(&s->diags, &s->n_diags, b->path, nb->tap_line, nb->tap_col, false,
			 xasprintf("NIC '%s' uses TAP '%s', like NIC '%s' of VM '%s' (%s:%d:%d): two VMs cannot "
				   "share a TAP; give one of them another 'tap' (or none: vmdeck derives one per VM)",
				   nb->id, again->key, na->id, a->name, a->path, na->tap_line, na->tap_col));
}

/* ---- one host port per forward ---------------------------------------------- */

struct fwd_use {
	const struct forward *f;
	size_t item, nic;
};

static int cmp_fwd_use(const void *a, const void *b)
{
	const struct fwd_use *x = a, *y = b;
	if (x->f->proto != y->f->proto)
		return x->f->proto < y->f->proto ? -1 : 1;
	if (x->f->host_port != y->f->host_port)
		return x->f->host_port < y->f->host_port ? -1 : 1;
	return x->item != y->item ? (x->item < y->item ? -1 : 1) : 0;
}

/* Two VMs forwarding one host port cannot run at the same time (the second
 * start is refused, naming the first): a warning, as they may be meant to
 * run one at a time. Within one profile profile_check makes it an error. */
static void set_check_forwards(struct profile_set *s)
{
	size_t n = 0;
	for (size_t i = 0; i < s->n; i++)
		for (size_t j = 0; j < s->items[i]->n_nics; j++)
			n += s->items[i]->nics[j].n_forwards;
	if (n < 2)
		return;
	struct fwd_use *u = xmalloc(n * sizeof(*u));
	n = 0;
	for (size_t i = 0; i < s->n; i++)
		for (size_t j = 0; j < s->items[i]->n_nics; j++)
			for (size_t k = 0; k < s->items[i]->nics[j].n_forwards; k++)
				u[n++] = (struct fwd_use){ &s->items[i]->nics[j].forwards[k], i, j };
	qsort(u, n, sizeof(*u), cmp_fwd_use);
	for (size_t k = 1; k < n; k++) {
		/* The nearest earlier VM in this port's run that clashes. */
		for (size_t f = k; f-- > 0 && u[f].f->proto == u[k].f->proto && u[f].f->host_port == u[k].f->host_port;) {
			if (u[f].item == u[k].item || !forward_clash(u[f].f, u[k].f))
				continue;
			const struct profile *a = s->items[u[f].item], *b = s->items[u[k].item];
			char *fa = forward_format(u[f].f), *fb = forward_format(u[k].f);
			profile_diag_add(&s->diags, &s->n_diags, b->path, u[k].f->line, u[k].f->col, true,
					 xasprintf("NIC '%s': forward %s uses %s port %u like forward %s of VM '%s' "
						   "(%s:%d:%d): the two cannot run at the same time",
						   b->nics[u[k].nic].id, fb, forward_proto_name(u[k].f->proto),
						   u[k].f->host_port, fa, a->name, a->path, u[f].f->line, u[f].f->col));
			free(fa);
			free(fb);
			break;
		}
	}
	free(u);
}

/* A disk that is another VM's linked base (its overlay names it in
 * linked_base): writing it corrupts that VM's disk. A warning: the base's
 * owner may know the clone is gone. */
static void set_check_bases(struct profile_set *s)
{
	for (size_t i = 0; i < s->n; i++)
		for (size_t k = 0; k < s->items[i]->n_disks; k++) {
			const struct profile_disk *o = &s->items[i]->disks[k];
			if (!o->linked_base)
				continue;
			for (size_t j = 0; j < s->n; j++)
				for (size_t m = 0; j != i && m < s->items[j]->n_disks; m++) {
					const struct profile_disk *b = &s->items[j]->disks[m];
					if (!b->file || strcmp(b->file, o->linked_base) != 0 || b->readonly || b->snapshot)
						continue;
					profile_diag_add(&s->diags, &s->n_diags, s->items[j]->path, b->line, b->col, true,
							 xasprintf("disk '%s' (%s) is the linked base of VM '%s' (disk '%s', "
								   "%s): starting VM '%s' writes to it and breaks that clone; "
								   "make the clone a full copy first (qemu-img convert)",
								   b->id, b->file, s->items[i]->name, o->id, s->items[i]->path,
								   s->items[j]->name));
				}
		}
}

struct profile_set *profile_set_load(const char *const *paths, size_t n_paths)
{
	struct profile_set *s = xcalloc(1, sizeof(*s));
	for (size_t i = 0; i < n_paths; i++) {
		struct stat st;
		if (stat(paths[i], &st) < 0) {
			profile_diag_add(&s->diags, &s->n_diags, paths[i], 0, 0, false,
				 xasprintf("cannot open: %s", strerror(errno)));
			continue;
		}
		if (!S_ISDIR(st.st_mode)) {
			set_add_file(s, paths[i]);
			continue;
		}
		struct strv files;
		strv_init(&files);
		char *err = NULL;
		if (yamldoc_dir_files(paths[i], &files, &err) < 0)
			profile_diag_add(&s->diags, &s->n_diags, paths[i], 0, 0, false, err);
		for (size_t j = 0; j < files.n; j++)
			set_add_file(s, files.v[j]);
		strv_clear(&files);
	}
	set_check_shared(s, mac_key, mac_report);
	set_check_shared(s, tap_key, tap_report);
	set_check_forwards(s);
	set_check_bases(s);
	if (s->n)
		qsort(s->items, s->n, sizeof(*s->items), cmp_profile);
	return s;
}

void profile_set_free(struct profile_set *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n; i++)
		profile_free(s->items[i]);
	free(s->items);
	profile_diags_free(s->diags, s->n_diags);
	free(s);
}

struct profile *profile_set_find(const struct profile_set *s, const char *name)
{
	size_t lo = 0, hi = s->n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int r = strcmp(s->items[mid]->name, name);
		if (r == 0)
			return s->items[mid];
		if (r < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}


static int autostart_cmp(const void *a, const void *b)
{
	const struct profile *x = *(const struct profile *const *)a, *y = *(const struct profile *const *)b;
	if (x->autostart_order != y->autostart_order)
		return x->autostart_order < y->autostart_order ? -1 : 1;
	return strcmp(x->name, y->name);
}

const struct profile **profile_set_autostart(const struct profile_set *s, size_t *n)
{
	const struct profile **v = NULL;
	*n = 0;
	for (size_t i = 0; s && i < s->n; i++) {
		if (!s->items[i]->autostart)
			continue;
		v = xrealloc(v, (*n + 1) * sizeof(*v));
		v[(*n)++] = s->items[i];
	}
	if (*n > 1)
		qsort(v, *n, sizeof(*v), autostart_cmp);
	return v;
}
