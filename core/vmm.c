/* vmm: the VM manager — one struct vm per profile of the current set (plus
 * VMs found running whose profile is gone), sorted by name; profile
 * reloads, the watch on the runtime directory (inotify, with a slow full
 * rescan behind it), and the change and log callbacks. */
#include "core/vm_priv.h"
#include "core/disk.h"
#include "core/modes.h"
#include "core/monitor.h"
#include "core/paths.h"
#include "core/util.h"

#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <unistd.h>

#define TICK_MS 1000
#define FULL_MS 30000   /* with inotify: everything is rescanned every 30 s */
#define DIRS_TICKS 10   /* a new dir: look for its vm.lock on the next 10 ticks */
/* What a VM's dir tells: files made, removed, renamed into place (records
 * are written by rename), closed after writing (vm.lock and qmp.lock when
 * their holder exits); the dir itself gone. Not opens or reads (a look at a
 * lock or a record would wake every watcher, this one too), not writes to
 * the logs. */
#define VM_DIR_MASK                                                                                       \
	(IN_CREATE | IN_DELETE | IN_MOVED_TO | IN_MOVED_FROM | IN_CLOSE_WRITE | IN_DELETE_SELF | IN_MOVE_SELF | \
	 IN_ONLYDIR | IN_DONT_FOLLOW)
#define RUN_DIR_MASK (IN_CREATE | IN_MOVED_TO | IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR | IN_DONT_FOLLOW)
/* modes_set renames a file into the modes dir; the state dir only until
 * the modes dir is made. IN_MASK_ADD: either may be the runtime dir too. */
#define MODES_MASK (IN_CREATE | IN_MOVED_TO | IN_DELETE | IN_CLOSE_WRITE | IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR | IN_MASK_ADD)
#define STATE_MASK (IN_CREATE | IN_MOVED_TO | IN_ONLYDIR | IN_MASK_ADD)

/* ---------- vmm ---------- */

static struct vm *vm_new(struct vmm *m, const char *name)
{
	struct vm *vm = xcalloc(1, sizeof(*vm));
	vm->m = m;
	vm->name = xstrdup(name);
	vm->dir = paths_vm_dir(name);
	vm->pidfd = -1;
	vm->wd = -1;
	vm->rec_written = VM_STATE_COUNT;
	vm->qmp_lock_fd = -1;
	vm->spawn_fd = -1;
	vm->spawn_lock_fd = -1; /* start_argv: empty (zeroed) */
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
	if (vm->rec_wait) { /* freeing: reported cancelled */
		loop_timer_del(l, vm->rec_wait_timer);
		vm_record_wait_tick(NULL, vm);
	}
	free(vm->tidy_msg);
	if (vm->spawn_fd >= 0) {
		/* QEMU may come up all the same: its supervisor holds vm.lock and
		 * the next scan (of any vmdeck) finds it. */
		loop_fd_del(l, vm->spawn_fd);
		close(vm->spawn_fd);
	}
	disk_mk_cancel(vm->disk_job); /* qemu-img stopped, its temporary file removed */
	strv_clear(&vm->start_argv);
	free(vm->phase);
	if (vm->spawn_lock_fd >= 0)
		close(vm->spawn_lock_fd);
	free(vm->spawn_argv0);
	if (vm->pidfd >= 0) {
		loop_fd_del(l, vm->pidfd);
		close(vm->pidfd);
	}
	if (vm->wd >= 0)
		inotify_rm_watch(vm->m->ino_fd, vm->wd);
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

static void modes_refresh(struct vmm *m);
static void vmm_gc(struct vmm *m);
static void on_inotify(int fd, short revents, void *arg);
static void rescan_dir(struct vmm *m, const char *name);
static void rescan_dirs(struct vmm *m);

/* ---------- the watch on the runtime dir ----------
 * A VM that is stopped, or owned here (QMP events), or whose owner records
 * its state (vm_scan_needed), costs nothing per tick: what another vmdeck
 * or QEMU does in its dir (vm.lock, qemu.pid, qmp.sock, qmp.lock, the
 * records) wakes the loop, and only that VM is scanned. */

/* vm->wd: the watch, -1 no dir yet (the runtime dir's watch sees it come),
 * -2 it cannot be watched (no watches left): scanned every tick. */
static void watch_vm(struct vmm *m, struct vm *vm)
{
	if (m->run_wd < 0 || vm->wd >= 0)
		return;
	vm->wd = inotify_add_watch(m->ino_fd, vm->dir, VM_DIR_MASK);
	if (vm->wd < 0)
		vm->wd = errno == ENOENT ? -1 : -2;
}

/* The runtime dir itself: the watch (again, when it was missing). Only a
 * watcher (the TUI, status --follow) has one: a verb about one VM, or a
 * look at all of them once, rescans as it goes. */
static void watch_setup(struct vmm *m)
{
	if (m->snapshot || m->scope || m->run_wd >= 0)
		return;
	if (m->ino_fd < 0) {
		m->ino_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
		if (m->ino_fd < 0)
			return;
		loop_fd_add(m->l, m->ino_fd, POLLIN, on_inotify, m);
	}
	m->run_wd = inotify_add_watch(m->ino_fd, paths_runtime_dir(), RUN_DIR_MASK);
	if (m->run_wd < 0)
		return;
	for (size_t i = 0; i < m->n; i++)
		watch_vm(m, m->vms[i]);
}

/* The modes dir: another vmdeck's mode change is read when it happens.
 * Until it exists, the state dir (or, until that exists, its parent), for
 * it to appear; with none of them, the tick looks every second. Once a
 * shallower one is watched, the deeper ones are tried again: made in
 * between, they would send nothing. */
static void watch_modes(struct vmm *m)
{
	if (m->run_wd < 0 || m->modes_wd >= 0 || m->state_wd >= 0)
		return;
	char *levels[3];
	levels[0] = path_join(paths_state_dir(), "modes");
	levels[1] = xstrdup(paths_state_dir());
	levels[2] = xstrdup(paths_state_dir());
	char *slash = strrchr(levels[2], '/');
	if (slash && slash != levels[2])
		*slash = '\0';
	int wd = -1, at = 0;
	for (int i = 0; i < 3 && wd < 0; i++)
		if ((wd = inotify_add_watch(m->ino_fd, levels[i], i ? STATE_MASK : MODES_MASK)) >= 0)
			at = i;
	for (int j = 0; wd >= 0 && j < at; j++) {
		int deeper = inotify_add_watch(m->ino_fd, levels[j], j ? STATE_MASK : MODES_MASK);
		if (deeper < 0)
			continue;
		if (wd != m->run_wd && wd != deeper)
			inotify_rm_watch(m->ino_fd, wd);
		wd = deeper;
		at = j;
	}
	for (int i = 0; i < 3; i++)
		free(levels[i]);
	if (wd < 0)
		return;
	if (at == 0) {
		m->modes_wd = wd;
		modes_refresh(m); /* what changed before the watch */
	} else {
		m->state_wd = wd;
	}
}

/* The watch is gone (the runtime dir removed or renamed, the queue
 * overflowed): back to rescanning all every tick until it is made again. */
static void watch_lost(struct vmm *m)
{
	int *wds[] = { &m->run_wd, &m->modes_wd, &m->state_wd };
	for (size_t i = 0; i < ARRAY_LEN(wds); i++) {
		if (*wds[i] >= 0)
			inotify_rm_watch(m->ino_fd, *wds[i]);
		*wds[i] = -1;
	}
	for (size_t i = 0; i < m->n; i++) {
		if (m->vms[i]->wd >= 0)
			inotify_rm_watch(m->ino_fd, m->vms[i]->wd);
		m->vms[i]->wd = -1;
	}
	vmm_tick_need(m, NULL);
}

/* ---------- the tick's pace ---------- */

static bool tick_needed(const struct vmm *m)
{
	return m->run_wd < 0 || m->dirs_ticks || (m->modes_wd < 0 && m->state_wd < 0);
}

static bool tick_needed_by(const struct vm *vm) { return vm->wd < -1 || vm_scan_needed(vm); }

/* Every second while anything needs it, else once at the next full rescan. */
static void tick_pace(struct vmm *m)
{
	bool need = tick_needed(m);
	for (size_t i = 0; i < m->n && !need; i++)
		need = tick_needed_by(m->vms[i]);
	m->slow = !need;
	uint64_t now = now_mono_us();
	uint64_t ms = need || m->full_due_us <= now ? TICK_MS : (m->full_due_us - now + 999) / 1000;
	loop_timer_reset(m->l, m->tick, ms);
}

void vmm_tick_need(struct vmm *m, struct vm *vm)
{
	if (!m->slow || !(vm ? tick_needed_by(vm) : tick_needed(m)))
		return;
	m->slow = false;
	loop_timer_reset(m->l, m->tick, TICK_MS);
}

static void scan_due(struct loop_timer *t, void *arg)
{
	(void)t;
	struct vmm *m = arg;
	m->due_timer = NULL;
	for (size_t i = 0; i < m->n; i++) {
		struct vm *vm = m->vms[i];
		if (!vm->scan_due)
			continue;
		vm->scan_due = false;
		watch_vm(m, vm);
		vm_scan(vm);
		vmm_tick_need(m, vm);
	}
	vmm_gc(m);
}

static void mark_due(struct vmm *m, struct vm *vm)
{
	vm->scan_due = true;
	if (!m->due_timer)
		m->due_timer = loop_timer_add(m->l, 0, false, scan_due, m);
}

/* Files whose changes say nothing about the VM's state (serial.log.1: the
 * supervisor's rotation of the serial log). */
static bool name_ignored(const char *name)
{
	return strcmp(name, "qemu.log") == 0 || strcmp(name, "serial.log") == 0 || strcmp(name, "serial.log.1") == 0 ||
	       strstr(name, ".tmp.") != NULL;
}

static void on_run_dir_event(struct vmm *m, const struct inotify_event *ev)
{
	if (ev->mask & (IN_DELETE_SELF | IN_MOVE_SELF | IN_IGNORED)) {
		watch_lost(m);
		return;
	}
	if (!ev->len || !(ev->mask & IN_ISDIR))
		return;
	struct vm *vm = vmm_find(m, ev->name);
	if (vm) {
		mark_due(m, vm); /* its dir (again): watch it, look at once */
		return;
	}
	/* A VM dir of no known VM: listed once its vm.lock is held, which may
	 * come a moment after the dir. */
	m->dirs_ticks = DIRS_TICKS;
	vmm_tick_need(m, NULL);
	rescan_dir(m, ev->name);
	if ((vm = vmm_find(m, ev->name)))
		mark_due(m, vm);
}

static void on_vm_dir_event(struct vmm *m, const struct inotify_event *ev)
{
	for (size_t i = 0; i < m->n; i++) {
		struct vm *vm = m->vms[i];
		if (vm->wd != ev->wd)
			continue;
		if (ev->mask & IN_IGNORED)
			vm->wd = -1; /* the dir went: the runtime dir's watch sees it come back */
		if (!(ev->len && name_ignored(ev->name)))
			mark_due(m, vm);
		return;
	}
}

static void on_modes_event(struct vmm *m, const struct inotify_event *ev)
{
	if (ev->wd == m->modes_wd) {
		if (ev->mask & IN_IGNORED) {
			m->modes_wd = -1; /* gone: the tick watches it again */
			vmm_tick_need(m, NULL);
		}
		modes_refresh(m);
		return;
	}
	if (ev->mask & IN_IGNORED) {
		m->state_wd = -1;
		vmm_tick_need(m, NULL);
	} else if (ev->len && (ev->mask & IN_ISDIR)) {
		/* A dir appeared there (the modes dir, or the state dir in its
		 * parent): watch the deepest one that exists now. */
		int old = m->state_wd;
		m->state_wd = -1;
		watch_modes(m);
		if (old != m->state_wd && old != m->run_wd && old != m->modes_wd)
			inotify_rm_watch(m->ino_fd, old);
	}
}

static void on_inotify(int fd, short revents, void *arg)
{
	(void)revents;
	struct vmm *m = arg;
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));
		if (n <= 0)
			return;
		for (char *p = buf; p < buf + n;) {
			const struct inotify_event *ev = (const struct inotify_event *)p;
			p += sizeof(*ev) + ev->len;
			if (ev->mask & IN_Q_OVERFLOW) {
				watch_lost(m); /* something was missed: rescan all until watched again */
				continue;
			}
			if (ev->wd == m->modes_wd || ev->wd == m->state_wd)
				on_modes_event(m, ev);
			if (ev->wd == m->run_wd)
				on_run_dir_event(m, ev);
			else if (m->run_wd >= 0 && ev->wd != m->modes_wd && ev->wd != m->state_wd)
				on_vm_dir_event(m, ev);
		}
	}
}

/* With the watch: the VMs that need a look every second, new dirs for a
 * while after one appeared, and everything every FULL_MS (a safety net:
 * non-owners' polls that the owner's record stands for are made there);
 * when nothing needs a look every second, the tick sleeps until that full
 * rescan (tick_pace) and whatever needs it again wakes it (vmm_tick_need).
 * Without the watch: everything, every tick. */
static void on_tick(struct loop_timer *t, void *arg)
{
	(void)t;
	struct vmm *m = arg;
	watch_setup(m);
	watch_modes(m);
	if (m->run_wd < 0 || now_mono_us() + 500000 >= m->full_due_us) {
		m->full_due_us = now_mono_us() + (uint64_t)FULL_MS * 1000;
		m->full_pass = true;
		vmm_rescan(m);
		m->full_pass = false;
		tick_pace(m);
		return;
	}
	if (m->modes_wd < 0)
		modes_refresh(m);
	if (m->dirs_ticks) {
		m->dirs_ticks--;
		rescan_dirs(m);
	}
	for (size_t i = 0; i < m->n; i++) {
		struct vm *vm = m->vms[i];
		if (vm->wd < -1) {
			vm->wd = -1;
			watch_vm(m, vm);
		}
		if (vm->wd < -1 || vm_scan_needed(vm))
			vm_scan(vm);
	}
	vmm_gc(m);
	tick_pace(m);
}

struct vmm *vmm_new(struct loop *l, const struct vm_net_hooks *hooks)
{
	struct vmm *m = xcalloc(1, sizeof(*m));
	m->l = l;
	m->hooks = hooks;
	m->tick = loop_timer_add(l, TICK_MS, true, on_tick, m);
	m->run_wd = m->modes_wd = m->state_wd = -1;
	m->ino_fd = -1;
	m->full_due_us = now_mono_us() + (uint64_t)FULL_MS * 1000;
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
	m->slow = false; /* nothing below may reset the tick it deletes */
	loop_timer_del(m->l, m->tick);
	m->tick = NULL;
	loop_timer_del(m->l, m->due_timer);
	m->due_timer = NULL;
	m->on_change = NULL;
	m->on_log = NULL;
	for (size_t i = 0; i < m->n; i++)
		vm_free(m->vms[i]);
	if (m->ino_fd >= 0) {
		loop_fd_del(m->l, m->ino_fd);
		close(m->ino_fd);
	}
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

/* VMs running without a profile (another profile dir, a deleted file):
 * list them so they can still be watched and stopped. */
static void rescan_dirs(struct vmm *m)
{
	if (m->scope) {
		rescan_dir(m, m->scope); /* one VM: never another's dir */
		return;
	}
	DIR *d = opendir(paths_runtime_dir());
	if (!d)
		return;
	struct dirent *e;
	while ((e = readdir(d)))
		rescan_dir(m, e->d_name);
	closedir(d);
}

void vmm_rescan(struct vmm *m)
{
	watch_setup(m);
	modes_refresh(m);
	rescan_dirs(m);
	for (size_t i = 0; i < m->n; i++) {
		watch_vm(m, m->vms[i]);
		vm_scan(m->vms[i]);
	}
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
