/* lvevent: libvirt's event loop driven from vmdeck's one poll loop
 * (virEventRegisterImpl), so that libvirt's domain events, keepalives and
 * connection closes are seen by core/loop.c like every other fd.
 *
 * libvirt adds, changes and removes its watches (fds) and timeouts from any
 * thread (core/lvhost.c's workers open the connections): they go into one
 * table under a mutex, and an eventfd wakes the loop, which mirrors the
 * table into its poll set and its one timer, and calls libvirt's callbacks
 * itself — on the loop thread only, without the mutex held. A removed
 * watch's free callback runs later, from the loop (libvirt's rule: never
 * from inside the remove call). One loop at a time is attached. */
#ifndef VMDECK_LVEVENT_H
#define VMDECK_LVEVENT_H

struct loop;

/* Hand the implementation to libvirt, once per process (libvirt wants it
 * before the first connection is opened). Call after lvso_load(). Any thread. */
void lvevent_register(void);

/* Loop thread. Attach is counted: the loop is released by as many detaches.
 * -1 with *err when no eventfd can be made or another loop is attached. */
int lvevent_attach(struct loop *l, char **err);
void lvevent_detach(struct loop *l);

#endif
