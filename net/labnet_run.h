/* labnet_run: lab networks brought up and down, and their live status.
 * `labnet_up` creates the bridge (pinned), assigns the address, enables IPv4
 * forwarding, installs NAT in nftables table "ip vmdeck-NAME", starts dnsmasq
 * bound to the bridge only; it records what it did in
 * paths_net_dir(NAME)/state.json so `labnet_down` undoes exactly that. The
 * bridge's alias says "vmdeck lab network NAME", so every user who can see
 * the bridge sees the network up, although only the user who brought it up
 * (with that runtime directory) can read the record. Needs CAP_NET_ADMIN to
 * act. The functions keep the labnet_ prefix of the concept. */
#ifndef VMDECK_LABNET_RUN_H
#define VMDECK_LABNET_RUN_H

#include <stdbool.h>

struct labnet;

/* Create it (see above): 0. Up twice is harmless (already up: 1, nothing
 * done). On failure < 0 (the kind, core/util.h: -ERR_PERM without
 * CAP_NET_ADMIN), and everything done so far is undone. Up and down
 * of one network take its lock (<runtime>/net/NAME.lock) for their whole
 * run, so they never interleave: the second waits and then sees the
 * first's result. */
int labnet_up(const struct labnet *n, char **err);
/* Undo exactly what up recorded: 1; not up: 0; < 0 on failure. Up by
 * another user or runtime directory (marked bridge, no record here): < 0,
 * saying so (-ERR_PERM, "CAP_NET_ADMIN", when this process lacks it); up
 * too. */
int labnet_down(const char *name, char **err);

struct json_object;
/* Live status of one network as a json-c object (caller puts it):
 * {name, file, bridge, up, recorded, address, subnet, nat, pin, heal,
 *  tap_mac_policy, dhcp_range?, bridge_exists, mac?, pinned?, healed?, forwarding,
 *  and with a record here: dnsmasq_pid?, dnsmasq_running?,
 *  leases:[{mac, ip, hostname, expires}],
 *  created: {bridge, address?, nft_table?, forwarding, dnsmasq}, runtime_dir}
 * (KEY?: only when known or configured). */
struct json_object *labnet_status_object(const struct labnet *n);
/* Human status text (several lines; caller frees). */
char *labnet_status_text(const struct labnet *n);
/* Is it up (state file present)? */
bool labnet_is_up(const char *name);

#endif
