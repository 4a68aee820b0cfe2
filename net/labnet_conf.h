/* labnet_conf: what a lab network hands to other programs, as text — the
 * dnsmasq configuration and the nftables NAT ruleset — and the subnet
 * arithmetic they share with the parser. Pure functions of struct labnet:
 * no system is touched (tests compare them with golden texts). */
#ifndef VMDECK_LABNET_CONF_H
#define VMDECK_LABNET_CONF_H

#include <stdint.h>

struct labnet;

/* The netmask of a prefix length, host order (0 for 0). */
uint32_t labnet_conf_mask(unsigned prefix);
/* "172.16.1.0/24": the network's subnet. */
void labnet_conf_subnet(const struct labnet *n, char out[20]);
/* "vmdeck-NAME": the nftables table (family ip) of the network. Caller frees. */
char *labnet_conf_nft_table(const struct labnet *n);
/* The ruleset `nft -f -` gets for NAT; idempotent (re-creates the table).
 * Caller frees. */
char *labnet_conf_nft(const struct labnet *n);
/* dnsmasq's configuration, bound to the bridge only, its lease and pid
 * files in dir. Caller frees. */
char *labnet_conf_dnsmasq(const struct labnet *n, const char *dir);

#endif
