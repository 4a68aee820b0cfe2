/* fuzz_labnet: libFuzzer target for the lab-network parser (net/labnet.c)
 * and, for what it accepts, the pure texts built from it: the dnsmasq
 * configuration and the nftables NAT ruleset. Nothing touches the system.
 * Run by tests/fuzz/run.sh. */
#include "net/labnet.h"
#include "net/labnet_conf.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *err = NULL;
	struct labnet *n = labnet_parse("/fuzz/networks/fz.yaml", (const char *)data, size, &err);
	if (n) {
		if (err)
			abort(); /* success with an error message */
		free(labnet_conf_dnsmasq(n, "/run/vmdeck/net/fz"));
		free(labnet_conf_nft(n));
	} else if (!err || strncmp(err, "/fuzz/networks/fz.yaml", 22) != 0) {
		abort(); /* every failure names the file */
	}
	free(err);
	labnet_free(n);
	return 0;
}
