/* loop: poll() over fds, a deadline list for timers and a signalfd. */
#include "core/loop.h"
#include "core/util.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

struct loop_fd {
	int fd;
	short events;
	loop_fd_cb cb;
	void *arg;
	bool dead;
};

struct loop_timer {
	uint64_t deadline_us, period_us;
	bool repeat, dead;
	loop_timer_cb cb;
	void *arg;
	struct loop_timer *next;
};

struct loop_sig {
	int signo;
	loop_signal_cb cb;
	void *arg;
};

struct loop {
	struct loop_fd *fds;
	size_t nfds, capfds;
	struct loop_timer *timers;
	struct loop_sig sigs[32];
	size_t nsigs;
	int sigfd;
	sigset_t sigmask;
	loop_after_cb after;
	void *after_arg;
	bool quit;
	int depth;
};

struct loop *loop_new(void)
{
	struct loop *l = xcalloc(1, sizeof(*l));
	l->sigfd = -1;
	sigemptyset(&l->sigmask);
	return l;
}

void loop_free(struct loop *l)
{
	if (!l)
		return;
	struct loop_timer *t = l->timers;
	while (t) {
		struct loop_timer *n = t->next;
		free(t);
		t = n;
	}
	if (l->sigfd >= 0) {
		close(l->sigfd);
		sigprocmask(SIG_UNBLOCK, &l->sigmask, NULL);
	}
	free(l->fds);
	free(l);
}

static struct loop_fd *find_fd(struct loop *l, int fd)
{
	for (size_t i = 0; i < l->nfds; i++)
		if (l->fds[i].fd == fd && !l->fds[i].dead)
			return &l->fds[i];
	return NULL;
}

int loop_fd_add(struct loop *l, int fd, short events, loop_fd_cb cb, void *arg)
{
	struct loop_fd *f = find_fd(l, fd);
	if (!f) {
		if (l->nfds == l->capfds) {
			l->capfds = l->capfds ? l->capfds * 2 : 16;
			l->fds = xrealloc(l->fds, l->capfds * sizeof(*l->fds));
		}
		f = &l->fds[l->nfds++];
	}
	*f = (struct loop_fd){ .fd = fd, .events = events, .cb = cb, .arg = arg };
	return 0;
}

void loop_fd_events(struct loop *l, int fd, short events)
{
	struct loop_fd *f = find_fd(l, fd);
	if (f)
		f->events = events;
}

void loop_fd_del(struct loop *l, int fd)
{
	struct loop_fd *f = find_fd(l, fd);
	if (f)
		f->dead = true;
}

static void compact_fds(struct loop *l)
{
	size_t j = 0;
	for (size_t i = 0; i < l->nfds; i++)
		if (!l->fds[i].dead)
			l->fds[j++] = l->fds[i];
	l->nfds = j;
}

struct loop_timer *loop_timer_add(struct loop *l, uint64_t ms, bool repeat, loop_timer_cb cb, void *arg)
{
	struct loop_timer *t = xcalloc(1, sizeof(*t));
	t->period_us = ms * 1000u;
	t->deadline_us = now_mono_us() + t->period_us;
	t->repeat = repeat;
	t->cb = cb;
	t->arg = arg;
	t->next = l->timers;
	l->timers = t;
	return t;
}

void loop_timer_del(struct loop *l, struct loop_timer *t)
{
	(void)l;
	if (t)
		t->dead = true;
}

void loop_timer_reset(struct loop *l, struct loop_timer *t, uint64_t ms)
{
	(void)l;
	if (!t)
		return;
	t->period_us = ms * 1000u;
	t->deadline_us = now_mono_us() + t->period_us;
	t->dead = false;
}

static void sweep_timers(struct loop *l)
{
	struct loop_timer **pp = &l->timers;
	while (*pp) {
		if ((*pp)->dead) {
			struct loop_timer *d = *pp;
			*pp = d->next;
			free(d);
		} else
			pp = &(*pp)->next;
	}
}

int loop_signal_add(struct loop *l, int signo, loop_signal_cb cb, void *arg)
{
	if (l->nsigs == ARRAY_LEN(l->sigs))
		return -1;
	l->sigs[l->nsigs++] = (struct loop_sig){ signo, cb, arg };
	sigaddset(&l->sigmask, signo);
	if (sigprocmask(SIG_BLOCK, &l->sigmask, NULL) < 0)
		return -1;
	int fd = signalfd(l->sigfd, &l->sigmask, SFD_NONBLOCK | SFD_CLOEXEC);
	if (fd < 0)
		return -1;
	l->sigfd = fd;
	return 0;
}

void loop_set_after(struct loop *l, loop_after_cb cb, void *arg)
{
	l->after = cb;
	l->after_arg = arg;
}

static void dispatch_signals(struct loop *l)
{
	struct signalfd_siginfo si;
	while (read(l->sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		for (size_t i = 0; i < l->nsigs; i++)
			if (l->sigs[i].signo == (int)si.ssi_signo)
				l->sigs[i].cb((int)si.ssi_signo, l->sigs[i].arg);
	}
}

int loop_run_once(struct loop *l, int max_ms)
{
	uint64_t now = now_mono_us();
	int timeout = max_ms;
	for (struct loop_timer *t = l->timers; t; t = t->next) {
		if (t->dead)
			continue;
		int64_t left = (int64_t)(t->deadline_us - now);
		int ms = left <= 0 ? 0 : (int)((left + 999) / 1000);
		if (timeout < 0 || ms < timeout)
			timeout = ms;
	}

	compact_fds(l);
	size_t n = l->nfds + (l->sigfd >= 0);
	struct pollfd *pfd = xcalloc(n, sizeof(*pfd));
	for (size_t i = 0; i < l->nfds; i++)
		pfd[i] = (struct pollfd){ .fd = l->fds[i].fd, .events = l->fds[i].events };
	if (l->sigfd >= 0)
		pfd[l->nfds] = (struct pollfd){ .fd = l->sigfd, .events = POLLIN };

	int r = poll(pfd, n, timeout);
	if (r < 0 && errno != EINTR) {
		free(pfd);
		return -1;
	}
	if (r > 0) {
		if (l->sigfd >= 0 && (pfd[l->nfds].revents & POLLIN))
			dispatch_signals(l);
		size_t nf = l->nfds; /* callbacks may add fds; handle those next pass */
		for (size_t i = 0; i < nf; i++) {
			if (!pfd[i].revents)
				continue;
			struct loop_fd *f = &l->fds[i];
			if (f->dead || f->fd != pfd[i].fd)
				continue;
			f->cb(f->fd, pfd[i].revents, f->arg);
		}
	}
	free(pfd);

	now = now_mono_us();
	for (struct loop_timer *t = l->timers; t; t = t->next) {
		if (t->dead || (int64_t)(t->deadline_us - now) > 0)
			continue;
		if (t->repeat) {
			t->deadline_us += t->period_us;
			if ((int64_t)(t->deadline_us - now) <= 0)
				t->deadline_us = now + t->period_us;
		} else
			t->dead = true;
		t->cb(t, t->arg);
	}
	sweep_timers(l);

	if (l->after)
		l->after(l->after_arg);
	return 0;
}

int loop_run(struct loop *l)
{
	while (!l->quit)
		if (loop_run_once(l, -1) < 0)
			return -1;
	return 0;
}

void loop_quit(struct loop *l) { l->quit = true; }
bool loop_quitting(const struct loop *l) { return l->quit; }
