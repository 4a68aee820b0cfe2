/* vmnet: the seam between the VM lifecycle (core/vm.c) and the network code
 * (net/). core/ cannot depend on net/, so the lifecycle calls these hooks, and
 * net/vmnet.c provides the real implementation (TAPs made natively: MAC set by
 * policy before joining the bridge, owned by the QEMU user, brought up,
 * enslaved, handed to QEMU by name with script=no). Tests may pass fakes. */
#ifndef VMDECK_VMNET_H
#define VMDECK_VMNET_H

#include "core/profile.h"

struct strv;

struct vm_net_hooks {
	/* Before QEMU starts: create and attach a TAP for every TAP NIC of p
	 * (NICs with user_net are skipped) and append the name of each TAP it
	 * created (or adopted: a persistent leftover nobody has open) to made.
	 * All-or-nothing: on failure only the TAPs made so far are removed
	 * again (never one of that name another process holds), nothing is
	 * appended, err names the NIC / TAP / bridge, and the negative return
	 * is the failure's kind (core/util.h: -ERR_PERM for a missing
	 * privilege), which vm_start returns. taps gets one entry per NIC of p:
	 * the TAP QEMU is to open instead of the profile's ("" for the
	 * profile's own, and for user_net NICs) — a TAP root granted the user
	 * (net/grant.h) when vmdeck runs without CAP_NET_ADMIN; such a TAP is
	 * never in made (it outlives the VM). */
	int (*setup)(const struct profile *p, struct strv *made, struct strv *taps, char **err);
	/* After QEMU is gone (or its start failed): delete one TAP that setup
	 * made, as recorded then (the profile may have changed or gone since).
	 * Never fails loudly: a TAP already gone is fine, and one that another
	 * process holds open again, or that is no TAP any more, is left alone. */
	void (*teardown)(const char *tap);
};

#endif
