/* vmnet: the seam between the VM lifecycle (core/vm.c) and the network code
 * (net/). core/ cannot depend on net/, so the lifecycle calls these hooks, and
 * net/vmnet.c provides the real implementation (TAPs made natively: MAC set by
 * policy before joining the bridge, owned by the QEMU user, brought up,
 * enslaved, handed to QEMU by name with script=no). Tests may pass fakes. */
#ifndef VMDECK_VMNET_H
#define VMDECK_VMNET_H

#include "core/profile.h"

struct vm_net_hooks {
	/* Before QEMU starts: create and attach a TAP for every TAP NIC of p
	 * (NICs with user_net are skipped). All-or-nothing: on failure, TAPs
	 * made so far are removed and err names the NIC / TAP / bridge. */
	int (*setup)(const struct profile *p, char **err);
	/* After QEMU is gone (or its start failed): delete the TAPs of p that
	 * setup made. Never fails loudly: a TAP already gone is fine. */
	void (*teardown)(const struct profile *p);
};

#endif
