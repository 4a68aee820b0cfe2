/* cmd: what the verbs share that needs no terminal (see cmd.h). */
#include "tui/cmd.h"
#include "core/util.h"

int cmd_exit_code(int rc)
{
	if (rc >= 0)
		return EXIT_OK;
	switch (error_kind(rc)) {
	case ERR_PERM: return EXIT_PERM;
	case ERR_NOTFOUND: return EXIT_NOTFOUND;
	default: return EXIT_FAIL;
	}
}
