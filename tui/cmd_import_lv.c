/* cmd_import_lv: where `vmdeck import --libvirt` gets its domain XML — a
 * file, or `virsh -c URI dumpxml NAME` (libvirt's own client: vmdeck does
 * not speak libvirt's protocol). The import itself is core/lvimport.c. */
#include "core/lvimport.h"
#include "core/util.h"
#include "tui/cmd.h"
#include "tui/cmd_import.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char *read_file(const char *path, size_t *len, char **err, int *rc)
{
	struct stat st;
	if (stat(path, &st) < 0) {
		*rc = errno == ENOENT ? EXIT_NOTFOUND : EXIT_FAIL;
		return error_set(err, "%s: %s", path, strerror(errno)), NULL;
	}
	if (!S_ISREG(st.st_mode)) {
		*rc = EXIT_FAIL;
		return error_set(err, "%s: not a regular file", path), NULL;
	}
	if (st.st_size > LVIMPORT_MAX_SIZE) {
		*rc = EXIT_FAIL;
		return error_set(err, "%s:1:1: file too large: %lld bytes (a domain XML may be at most %d)", path,
				 (long long)st.st_size, LVIMPORT_MAX_SIZE),
		       NULL;
	}
	char *s = file_read_all(path, len);
	if (!s) {
		*rc = EXIT_FAIL;
		error_set(err, "%s: %s", path, strerror(errno));
	}
	return s;
}

static char *dumpxml(const char *uri, const char *domain, size_t *len, char **err, int *rc)
{
	char *virsh = prog_find("virsh", "VMDECK_VIRSH");
	if (!virsh) {
		*rc = EXIT_FAIL;
		return error_set(err, "--connect needs libvirt's virsh (Debian: libvirt-clients)"), NULL;
	}
	char *argv[] = { virsh, "-q", "-c", (char *)uri, "dumpxml", "--inactive", "--", (char *)domain, NULL };
	char *out = NULL;
	int st = prog_run(argv, NULL, &out);
	free(virsh);
	if (st != 0) {
		*rc = st > 0 && out && strstr(out, "ailed to get domain") ? EXIT_NOTFOUND : EXIT_FAIL;
		error_set(err, "virsh -c %s dumpxml %s: %s", uri, domain, out && *out ? out : "failed");
		free(out);
		return NULL;
	}
	*len = out ? strlen(out) : 0;
	return out;
}

char *import_lv_read(const struct import_job *j, size_t *len, char **label, char **err, int *rc)
{
	*rc = EXIT_OK;
	if (j->libvirt_file) {
		*label = xstrdup(j->libvirt_file);
		return read_file(j->libvirt_file, len, err, rc);
	}
	*label = xasprintf("%s domain %s", j->connect, j->domain);
	return dumpxml(j->connect, j->domain, len, err, rc);
}
