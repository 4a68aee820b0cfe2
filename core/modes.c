/* modes: install/boot per VM in paths_state_dir()/modes/NAME. */
#include "core/modes.h"
#include "core/paths.h"
#include "core/util.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int modes_get(const char *name, enum vm_mode *out)
{
	*out = VM_MODE_BOOT;
	char *path = paths_mode_file(name);
	if (!path)
		return -1; /* not a VM name: no file to read */
	char *s = file_read_all(path, NULL);
	free(path);
	if (!s)
		return errno == ENOENT ? 0 : -1;
	s[strcspn(s, " \t\r\n")] = '\0';
	int rc = 0;
	if (strcmp(s, "install") == 0)
		*out = VM_MODE_INSTALL;
	else if (strcmp(s, "boot") != 0)
		rc = -1; /* garbled: boot is the safe default (never boots an installer by surprise) */
	free(s);
	return rc;
}

int modes_set(const char *name, enum vm_mode m, char **err)
{
	const char *why = profile_name_problem(name);
	if (why)
		return error_set(err, "cannot save the mode: '%s' %s", name, why);
	char *dir = path_join(paths_state_dir(), "modes");
	if (mkdir_p(dir, 0755, err) < 0) {
		free(dir);
		return error_prefix(err, "VM %s: cannot save mode", name);
	}
	free(dir);
	char *path = paths_mode_file(name);
	const char *word = m == VM_MODE_INSTALL ? "install\n" : "boot\n";
	int rc = file_write_atomic(path, word, strlen(word), 0644, err);
	free(path);
	if (rc < 0)
		return error_prefix(err, "VM %s: cannot save mode", name);
	return 0;
}
