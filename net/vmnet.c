/* vmnet: TAP hooks for the VM lifecycle and per-VM bridge predictions. */
#include "net/vmnet.h"
#include "net/labnet.h"
#include "net/linkwatch.h"
#include "net/tap.h"
#include "core/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int vmnet_nic_plan(const struct profile *p, size_t i, const struct labnet_set *nets, struct vmnet_nic_plan *plan,
		   char **err)
{
	memset(plan, 0, sizeof(*plan));
	if (i >= p->n_nics)
		return error_set(err, "VM %s: no NIC %zu", p->name, i);
	const struct profile_nic *nic = &p->nics[i];
	if (nic->user_net)
		return error_set(err, "VM %s, NIC %s: user-mode networking has no TAP", p->name, nic->id);
	plan->tap = profile_nic_tap_name(p, i);
	plan->bridge = nic->bridge;
	profile_nic_guest_mac(p, i, plan->guest_mac);
	plan->policy = MAC_POLICY_DERIVED;
	plan->policy_source = "default";
	const struct labnet *n = NULL;
	if (nic->has_tap_mac_policy) {
		plan->policy = nic->tap_mac_policy;
		plan->policy_source = "nic";
	} else if ((n = labnet_set_find_bridge(nets, nic->bridge))) {
		plan->policy = n->tap_mac_policy;
		snprintf(plan->source_buf, sizeof(plan->source_buf), "network %s", n->name);
		plan->policy_source = plan->source_buf;
	}
	plan->has_tap_mac = tap_mac_for_policy(plan->policy, plan->guest_mac, plan->tap_mac);
	return 0;
}

void vmnet_nic_plan_clear(struct vmnet_nic_plan *plan)
{
	if (!plan)
		return;
	free(plan->tap);
	plan->tap = NULL;
}

static void teardown(const char *tap) { tap_delete_unused(tap, NULL); }

static int setup(const struct profile *p, struct strv *made, char **err)
{
	struct strv mine; /* only these are ours to remove on failure */
	strv_init(&mine);
	int rc = -1;
	/* The lab networks' policies in force now: read once, by the first NIC
	 * that takes its bridge's policy. */
	struct labnet_set *nets = NULL;
	for (size_t i = 0; i < p->n_nics; i++) {
		if (p->nics[i].user_net)
			continue;
		if (!nets && p->nics[i].bridge && !p->nics[i].has_tap_mac_policy)
			nets = labnet_set_load(NULL);
		struct vmnet_nic_plan plan;
		if ((rc = vmnet_nic_plan(p, i, nets, &plan, err)) < 0)
			goto fail;
		struct tap_spec spec = {
			.name = plan.tap,
			.mac = plan.has_tap_mac ? plan.tap_mac : NULL,
			.owner = geteuid(), /* QEMU runs as the user vmdeck runs as */
			.group = (gid_t)-1,
			.bridge = plan.bridge,
		};
		rc = tap_create(&spec, err);
		if (rc == 0)
			strv_push(&mine, plan.tap);
		vmnet_nic_plan_clear(&plan);
		if (rc < 0) {
			error_prefix(err, "NIC %s", p->nics[i].id); /* the lifecycle adds "VM NAME: " */
			goto fail;
		}
	}
	labnet_set_free(nets);
	for (size_t i = 0; i < mine.n; i++)
		strv_push(made, mine.v[i]);
	strv_clear(&mine);
	return 0;
fail:
	labnet_set_free(nets);
	/* A TAP of that name held by another VM ("in use") was never ours. */
	for (size_t i = 0; i < mine.n; i++)
		tap_delete(mine.v[i], NULL);
	strv_clear(&mine);
	return rc; /* its kind: -ERR_PERM without CAP_NET_ADMIN */
}

const struct vm_net_hooks vmnet_hooks = { setup, teardown };

size_t vmnet_predict(const struct linkwatch *lw, const struct labnet_set *nets, const struct profile *p,
		     struct bridge_prediction *out, size_t max)
{
	size_t n = 0;
	for (size_t i = 0; i < p->n_nics; i++) {
		if (p->nics[i].user_net || !p->nics[i].bridge)
			continue;
		if (n < max) {
			struct vmnet_nic_plan plan;
			if (vmnet_nic_plan(p, i, nets, &plan, NULL) < 0)
				continue;
			bridge_predict_join(lw, plan.bridge, plan.has_tap_mac ? plan.tap_mac : NULL, p->name, &out[n]);
			vmnet_nic_plan_clear(&plan);
		}
		n++;
	}
	return n;
}
