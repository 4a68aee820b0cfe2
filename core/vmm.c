/* vmm: the VM manager — one struct vm per profile of the current set (plus
 * VMs found running whose profile is gone), sorted by name; profile
 * reloads, the once-a-second rescan of the runtime directory, and the
 * change and log callbacks. */
#include "core/vm_priv.h"
#include "core/modes.h"
#include "core/monitor.h"
#include "core/paths.h"
#include "core/util.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define TICK_MS 1000

/* ---------- vmm ---------- */

static struct vm *vm_new(struct vmm *m, const char *name)
{
	struct vm *vm = xcalloc(1, sizeof(*vm));
	vm->m = m;
	vm->name = xstrdup(name);
	vm->dir = paths_vm_dir(name);
	vm->pidfd = -1;
	vm->qmp_lock_fd = -1;
	vm->spawn_fd = -1;
	vm->spawn_lock_fd = -1;
	vm->mon = monitor_new(0, 0);
	modes_get(name, &vm->mode);
	vm->live_mode = vm->mode;
	return vm;
}

static void vm_free(struct vm *vm)
{
	struct loop *l = vm->m->l;
	/* First the connections (their pending replies fail as "cancelled",
	 * and nothing a callback does may start anything: freeing), then the
	 * timers, which those callbacks could otherwise have armed again. */
	vm->freeing = true;
	vm_qmp_release(vm);
	vm_calls_cancel(vm, "cancelled");
	loop_timer_del(l, vm->step_timer);
	loop_timer_del(l, vm->exit_timer);
	loop_timer_del(l, vm->soon_timer);
	loop_timer_del(l, vm->tidy_timer);
	free(vm->tidy_msg);
	if (vm->spawn_fd >= 0) {
		/* QEMU may come up all the same: its supervisor holds vm.lock and
		 * the next scan (of any vmdeck) finds it. */
		loop_fd_del(l, vm->spawn_fd);
		close(vm->spawn_fd);
	}
	if (vm->spawn_lock_fd >= 0)
		close(vm->spawn_lock_fd);
	free(vm->spawn_argv0);
	if (vm->pidfd >= 0) {
		loop_fd_del(l, vm->pidfd);
		close(vm->pidfd);
	}
	vm_waiters_fire(vm, &vm->start_w, -1, "cancelled");
	vm_waiters_fire(vm, &vm->exit_w, -1, "cancelled");
	vm_waiters_fire(vm, &vm->soon_w, -1, "cancelled");
	monitor_free(vm->mon);
	free(vm->name);
	free(vm->dir);
	free(vm->cause_text);
	free(vm->status_text);
	free(vm->error);
	free(vm->fwd_cache);
	free(vm->shutdown_reason);
	free(vm->exit_log);
	free(vm);
}

static void on_tick(struct loop_timer *t, void *arg)
{
	(void)t;
	vmm_rescan(arg);
}

struct vmm *vmm_new(struct loop *l, const struct vm_net_hooks *hooks)
{
	struct vmm *m = xcalloc(1, sizeof(*m));
	m->l = l;
	m->hooks = hooks;
	m->tick = loop_timer_add(l, TICK_MS, true, on_tick, m);
	return m;
}

void vmm_set_read_only(struct vmm *m, bool read_only) { m->read_only = read_only; }
void vmm_set_snapshot(struct vmm *m, bool snapshot) { m->snapshot = snapshot; }

void vmm_set_scope(struct vmm *m, const char *name)
{
	free(m->scope);
	m->scope = name ? xstrdup(name) : NULL;
}

size_t vmm_pending(const struct vmm *m)
{
	size_t n = 0;
	for (size_t i = 0; i < m->n; i++) {
		const struct vm *vm = m->vms[i];
		if (vm->gone || vm->pid <= 0 || vm->st == VM_UNKNOWN)
			continue;
		if (vm->polling || (vm->qmp_lock_fd >= 0 && !vm->q_ready && vm->st != VM_STOPPING))
			n++;
	}
	return n;
}

/* Every VM's saved mode again, when a mode file was replaced since the last
 * look (one stat per scan; no file per VM). */
static void modes_refresh(struct vmm *m)
{
	char *dir = path_join(paths_state_dir(), "modes");
	bool replaced = file_stamp_changed(dir, &m->modes_seen, &m->modes_seen);
	free(dir);
	if (!replaced)
		return;
	for (size_t i = 0; i < m->n; i++) {
		struct vm *vm = m->vms[i];
		enum vm_mode md;
		modes_get(vm->name, &md);
		if (md != vm->mode) {
			vm->mode = md;
			vm_changed(vm);
		}
	}
}

void vmm_free(struct vmm *m)
{
	if (!m)
		return;
	loop_timer_del(m->l, m->tick);
	m->on_change = NULL;
	m->on_log = NULL;
	for (size_t i = 0; i < m->n; i++)
		vm_free(m->vms[i]);
	free(m->vms);
	profile_set_free(m->set);
	for (size_t i = 0; i < m->n_old; i++)
		profile_set_free(m->old[i]);
	free(m->old);
	free(m->scope);
	free(m);
}

void vmm_set_on_change(struct vmm *m, vmm_change_cb cb, void *arg)
{
	m->on_change = cb;
	m->on_change_arg = arg;
}

void vmm_set_on_log(struct vmm *m, vmm_log_cb cb, void *arg)
{
	m->on_log = cb;
	m->on_log_arg = arg;
}

static int vm_cmp(const void *a, const void *b)
{
	return strcmp((*(struct vm *const *)a)->name, (*(struct vm *const *)b)->name);
}

/* m->vms[0..n) is sorted by name: the index where name is or would go. */
static size_t vmm_lower_bound(const struct vmm *m, size_t n, const char *name, bool *found)
{
	size_t lo = 0, hi = n;
	*found = false;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(m->vms[mid]->name, name);
		if (c == 0) {
			*found = true;
			return mid;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* One VM into its sorted place (a VM found running without a profile). */
static void vmm_add(struct vmm *m, struct vm *vm)
{
	bool found;
	size_t at = vmm_lower_bound(m, m->n, vm->name, &found);
	m->vms = xrealloc(m->vms, (m->n + 1) * sizeof(*m->vms));
	memmove(&m->vms[at + 1], &m->vms[at], (m->n - at) * sizeof(*m->vms));
	m->vms[at] = vm;
	m->n++;
}

static bool set_holds(const struct profile_set *s, const struct profile *p)
{
	for (size_t i = 0; s && i < s->n; i++)
		if (s->items[i] == p)
			return true;
	return false;
}

/* Free retired sets no VM points into; drop stopped VMs without a profile. */
static void vmm_gc(struct vmm *m)
{
	bool list_changed = false;
	for (size_t i = 0; i < m->n;) {
		struct vm *vm = m->vms[i];
		if (!vm->in_set && (vm->st == VM_STOPPED || vm->st == VM_EXITED) && !vm->starting_here &&
		    !vm->tidying && !vm->exit_w.n && !vm->calls) {
			vm_free(vm);
			memmove(&m->vms[i], &m->vms[i + 1], (m->n - i - 1) * sizeof(*m->vms));
			m->n--;
			list_changed = true;
			continue;
		}
		i++;
	}
	for (size_t k = 0; k < m->n_old;) {
		bool used = false;
		/* A VM in the current set points into it, not into a retired one. */
		for (size_t i = 0; i < m->n && !used; i++)
			used = !m->vms[i]->in_set && set_holds(m->old[k], m->vms[i]->p);
		if (used) {
			k++;
			continue;
		}
		profile_set_free(m->old[k]);
		m->old[k] = m->old[--m->n_old];
	}
	if (list_changed && m->on_change)
		m->on_change(NULL, m->on_change_arg);
}

void vmm_sync_profiles(struct vmm *m, struct profile_set *set)
{
	/* The VMs made below read their own mode; vmm_rescan refreshes the others'. */
	if (m->set) {
		m->old = xrealloc(m->old, (m->n_old + 1) * sizeof(*m->old));
		m->old[m->n_old++] = m->set;
	}
	m->set = set;
	for (size_t i = 0; i < m->n; i++)
		m->vms[i]->in_set = false;
	/* Loading N profiles is O(N log N): look up among the VMs known
	 * before (sorted), append the new ones, sort once. Names in a set are
	 * unique (profile_set refuses duplicates). */
	size_t known = m->n;
	if (set && set->n > 0)
		m->vms = xrealloc(m->vms, (m->n + set->n) * sizeof(*m->vms));
	for (size_t k = 0; set && k < set->n; k++) {
		struct profile *p = set->items[k];
		if (m->scope && strcmp(p->name, m->scope) != 0)
			continue;
		bool found;
		size_t at = vmm_lower_bound(m, known, p->name, &found);
		struct vm *vm = found ? m->vms[at] : NULL;
		if (!vm) {
			vm = vm_new(m, p->name);
			m->vms[m->n++] = vm;
		}
		vm->p = p;
		vm->in_set = true;
	}
	if (m->n > known)
		qsort(m->vms, m->n, sizeof(*m->vms), vm_cmp);
	vmm_rescan(m);
	vmm_gc(m);
	if (m->on_change)
		m->on_change(NULL, m->on_change_arg);
}

const struct profile_set *vmm_profiles(const struct vmm *m) { return m->set; }

/* A runtime dir without a known VM: list it when its VM lives. */
static void rescan_dir(struct vmm *m, const char *name)
{
	if (name[0] == '.' || !profile_name_valid(name) || vmm_find(m, name))
		return;
	char *dir = paths_vm_dir(name);
	char *lf = path_join(dir, "vm.lock");
	bool held = paths_private_dir_ok(dir) && vm_lock_held(lf);
	free(lf);
	free(dir);
	if (!held)
		return;
	vmm_add(m, vm_new(m, name));
	if (m->on_change)
		m->on_change(NULL, m->on_change_arg);
}

void vmm_rescan(struct vmm *m)
{
	modes_refresh(m);
	/* VMs running without a profile (another profile dir, a deleted
	 * file): list them so they can still be watched and stopped. */
	if (m->scope) {
		rescan_dir(m, m->scope); /* one VM: never another's dir */
	} else {
		DIR *d = opendir(paths_runtime_dir());
		if (d) {
			struct dirent *e;
			while ((e = readdir(d)))
				rescan_dir(m, e->d_name);
			closedir(d);
		}
	}
	for (size_t i = 0; i < m->n; i++)
		vm_scan(m->vms[i]);
	/* Profile-less VMs that are gone leave the list. */
	vmm_gc(m);
}

size_t vmm_count(const struct vmm *m) { return m->n; }
struct vm *vmm_at(const struct vmm *m, size_t i) { return i < m->n ? m->vms[i] : NULL; }

struct vm *vmm_find(const struct vmm *m, const char *name)
{
	bool found;
	size_t at = vmm_lower_bound(m, m->n, name, &found);
	return found ? m->vms[at] : NULL;
}
