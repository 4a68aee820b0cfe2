/* fuzz_profile: libFuzzer target for the profile parser and, for what it
 * accepts, the QEMU command line in both modes. Run by tests/fuzz/run.sh. */
#include "core/profile.h"
#include "core/qemu_args.h"
#include "core/util.h"

#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct profile_diag *d = NULL;
	size_t n = 0;
	struct profile *p = profile_parse("/fuzz/profile.yaml", (const char *)data, size, &d, &n);
	for (size_t i = 0; i < n; i++)
		free(profile_diag_format(&d[i]));
	if (p) {
		for (int m = VM_MODE_BOOT; m <= VM_MODE_INSTALL; m++) {
			struct strv a = { 0 };
			struct qemu_runtime rt = { .dir = "/run/x" };
			char *err = NULL;
			if (qemu_args_build(p, (enum vm_mode)m, &rt, &a, &err) == 0)
				free(strv_shell_join(&a));
			free(err);
			strv_clear(&a);
		}
		for (size_t i = 0; i < p->n_nics; i++) {
			uint8_t mac[6];
			profile_nic_guest_mac(p, i, mac);
			free(profile_nic_tap_name(p, i));
		}
	}
	profile_free(p);
	profile_diags_free(d, n);
	return 0;
}
