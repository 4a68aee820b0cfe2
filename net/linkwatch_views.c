/* linkwatch_views: iterating the link model — links by ifindex, bridges by
 * name, each bridge's ports by name (sorted views rebuilt lazily after the
 * model changed). Split from net/linkwatch.c, which keeps the model. */
#include "net/linkwatch_priv.h"
#include "core/util.h"

#include <stdlib.h>
#include <string.h>


static int cmp_name(const void *a, const void *b)
{
	const struct link_info *x = *(const struct link_info *const *)a, *y = *(const struct link_info *const *)b;
	return strcmp(x->name, y->name);
}

/* Ports: by bridge ifindex, then by name. */
static int cmp_port(const void *a, const void *b)
{
	const struct link_info *x = *(const struct link_info *const *)a, *y = *(const struct link_info *const *)b;
	if (x->master != y->master)
		return x->master < y->master ? -1 : 1;
	return strcmp(x->name, y->name);
}

static void views_update(const struct linkwatch *clw)
{
	struct linkwatch *lw = (struct linkwatch *)clw; /* lazily cached views */
	if (!lw->views_dirty && lw->bridges)
		return;
	free(lw->bridges);
	free(lw->ports);
	lw->bridges = xcalloc(lw->n + 1, sizeof(*lw->bridges));
	lw->ports = xcalloc(lw->n + 1, sizeof(*lw->ports));
	lw->n_bridges = lw->n_ports = 0;
	for (size_t i = 0; i < lw->n; i++) {
		const struct link_info *l = &lw->links[i]->info;
		struct lw_link *m = l->master ? linkwatch_get(lw, l->master) : NULL;
		if (l->type == LINK_TYPE_BRIDGE)
			lw->bridges[lw->n_bridges++] = l;
		else if (m && m->info.type == LINK_TYPE_BRIDGE)
			lw->ports[lw->n_ports++] = l;
	}
	qsort(lw->bridges, lw->n_bridges, sizeof(*lw->bridges), cmp_name);
	qsort(lw->ports, lw->n_ports, sizeof(*lw->ports), cmp_port);
	lw->views_dirty = false;
}

size_t linkwatch_count(const struct linkwatch *lw) { return lw->n; }

const struct link_info *linkwatch_link(const struct linkwatch *lw, size_t i)
{
	return i < lw->n ? &lw->links[i]->info : NULL;
}

const struct link_info *linkwatch_find(const struct linkwatch *lw, int ifindex)
{
	struct lw_link *l = linkwatch_get(lw, ifindex);
	return l ? &l->info : NULL;
}

const struct link_info *linkwatch_find_name(const struct linkwatch *lw, const char *name)
{
	for (size_t i = 0; i < lw->n; i++)
		if (strcmp(lw->links[i]->info.name, name) == 0)
			return &lw->links[i]->info;
	return NULL;
}

size_t linkwatch_bridge_count(const struct linkwatch *lw)
{
	views_update(lw);
	return lw->n_bridges;
}

const struct link_info *linkwatch_bridge(const struct linkwatch *lw, size_t i)
{
	views_update(lw);
	return i < lw->n_bridges ? lw->bridges[i] : NULL;
}

/* First index of bridge's ports in the grouped view. */
static size_t ports_first(const struct linkwatch *lw, int bridge, size_t *count)
{
	size_t lo = 0, hi = lw->n_ports;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (lw->ports[mid]->master < bridge)
			lo = mid + 1;
		else
			hi = mid;
	}
	size_t end = lo;
	while (end < lw->n_ports && lw->ports[end]->master == bridge)
		end++;
	*count = end - lo;
	return lo;
}

size_t linkwatch_port_count(const struct linkwatch *lw, int bridge_ifindex)
{
	views_update(lw);
	size_t n;
	ports_first(lw, bridge_ifindex, &n);
	return n;
}

const struct link_info *linkwatch_port(const struct linkwatch *lw, int bridge_ifindex, size_t i)
{
	views_update(lw);
	size_t n, first = ports_first(lw, bridge_ifindex, &n);
	return i < n ? lw->ports[first + i] : NULL;
}
