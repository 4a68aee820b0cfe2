/* src_net: the link watcher (net/linkwatch.h) as a source of the TUI model:
 * bridges with their ports and rates, MAC history with causes, predictions
 * for the selected VM, and the pin action. A failing watcher shows as
 * degraded; vmdeck keeps running. */
#ifndef VMDECK_TUI_SRC_NET_H
#define VMDECK_TUI_SRC_NET_H

#include "tui/ui.h"

struct labnet_set;
struct loop;
struct src_net;

/* interval_ms: traffic statistics interval (0: the default, 1000). */
struct src_net *src_net_new(struct loop *l, struct ui *ui, unsigned interval_ms);
void src_net_free(struct src_net *s);
/* Mark the network half of the model stale (the VM list or the selection
 * changed: TAP owners, bridges the profiles expect, the prediction for the
 * selected VM). Link events mark it too. Cheap: nothing is rebuilt here. */
void src_net_refresh(struct src_net *s);
/* The loop's after hook: rebuild the network half if it is stale, once per
 * pass, after the VM half (it reads it). nets: the lab networks loaded with
 * the profiles (src_vm_networks), for the prediction; nothing here reads a
 * file. Returns whether it rebuilt. */
bool src_net_after(struct src_net *s, const struct labnet_set *nets);
/* Pin a bridge's MAC (set it explicitly to its current value). */
int src_net_pin(struct src_net *s, const char *bridge, char **err);
/* Toggle heal for a bridge (net/heal.h); *on says what it is now. Turning
 * it on announces the MAC at once (-ERR_PERM without CAP_NET_RAW: heal is
 * on all the same). */
int src_net_heal(struct src_net *s, const char *bridge, bool *on, char **err);

#endif
