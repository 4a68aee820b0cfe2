/* vmuse: per-VM CPU % and memory samples (tui/vmuse.h). */
#include "tui/vmuse.h"
#include "core/proc.h"
#include "core/util.h"
#include "core/vm.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct use {
	char *name;
	pid_t pid;
	unsigned long long start, ticks;
	uint64_t at_us;
	bool has_pct, seen;
	double pct;
	uint64_t rss;
	struct spark hist;
};

struct vmuse {
	struct use *v;
	size_t n, cap;
	long clk_tck, page_size;
};

struct vmuse *vmuse_new(void)
{
	struct vmuse *u = xcalloc(1, sizeof(*u));
	u->clk_tck = sysconf(_SC_CLK_TCK);
	u->page_size = sysconf(_SC_PAGESIZE);
	if (u->clk_tck <= 0)
		u->clk_tck = 100;
	return u;
}

void vmuse_free(struct vmuse *u)
{
	if (!u)
		return;
	for (size_t i = 0; i < u->n; i++)
		free(u->v[i].name);
	free(u->v);
	free(u);
}

double vmuse_cpu_pct(unsigned long long before, unsigned long long now, uint64_t dt_us, long clk_tck)
{
	if (!dt_us || clk_tck <= 0 || now < before)
		return 0;
	return (double)(now - before) / (double)clk_tck * 1e6 / (double)dt_us * 100.0;
}

static struct use *use_find(const struct vmuse *u, const char *name)
{
	for (size_t i = 0; i < u->n; i++)
		if (strcmp(u->v[i].name, name) == 0)
			return &u->v[i];
	return NULL;
}

static void use_one(struct vmuse *u, struct vm *vm, uint64_t now_us)
{
	struct proc_usage pu;
	if (proc_usage_read(vm_pid(vm), &pu) < 0)
		return;
	struct use *e = use_find(u, vm_name(vm));
	if (!e) {
		if (u->n == u->cap)
			u->v = xrealloc(u->v, (u->cap = u->cap ? u->cap * 2 : 8) * sizeof(*u->v));
		e = &u->v[u->n++];
		memset(e, 0, sizeof(*e));
		e->name = xstrdup(vm_name(vm));
	}
	if (e->pid != vm_pid(vm) || e->start != pu.start_ticks) { /* another run of the VM: start over */
		char *name = e->name;
		memset(e, 0, sizeof(*e));
		e->name = name;
		e->pid = vm_pid(vm);
		e->start = pu.start_ticks;
	} else {
		e->pct = vmuse_cpu_pct(e->ticks, pu.cpu_ticks, now_us - e->at_us, u->clk_tck);
		e->has_pct = true;
		spark_push(&e->hist, (float)e->pct);
	}
	e->ticks = pu.cpu_ticks;
	e->at_us = now_us;
	e->rss = pu.rss_pages * (uint64_t)u->page_size;
	e->seen = true;
}

bool vmuse_sample(struct vmuse *u, struct vmm *vmm, uint64_t now_us)
{
	bool any = false;
	for (size_t i = 0; i < vmm_count(vmm); i++) {
		struct vm *vm = vmm_at(vmm, i);
		if (vm_pid(vm) > 0) {
			use_one(u, vm, now_us);
			any = true;
		}
	}
	size_t k = 0;
	for (size_t i = 0; i < u->n; i++) {
		if (u->v[i].seen) {
			u->v[i].seen = false;
			u->v[k++] = u->v[i];
		} else {
			free(u->v[i].name);
		}
	}
	u->n = k;
	return any;
}

void vmuse_apply(const struct vmuse *u, struct mvm *v)
{
	const struct use *e = v->pid > 0 ? use_find(u, v->name) : NULL;
	v->has_usage = e && e->pid == v->pid;
	v->cpu_pct = v->has_usage && e->has_pct ? e->pct : 0;
	v->rss_bytes = v->has_usage ? e->rss : 0;
	if (v->has_usage)
		v->cpu_hist = e->hist;
	else
		memset(&v->cpu_hist, 0, sizeof(v->cpu_hist));
}
