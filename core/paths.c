/* paths: the runtime, state and profile directories and their overrides. */
#include "core/paths.h"
#include "core/profile.h"
#include "core/util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char *runtime_dir, *state_dir, *profiles_dir;

void paths_set_runtime_dir(const char *dir)
{
	if (!dir)
		return;
	free(runtime_dir);
	runtime_dir = xstrdup(dir);
}

void paths_set_profiles_dir(const char *dir)
{
	if (!dir)
		return;
	free(profiles_dir);
	profiles_dir = xstrdup(dir);
}

static const char *env(const char *name)
{
	const char *v = getenv(name);
	return v && *v ? v : NULL;
}

const char *paths_runtime_dir(void)
{
	if (runtime_dir)
		return runtime_dir;
	const char *v;
	if ((v = env("VMDECK_RUNTIME_DIR")))
		runtime_dir = xstrdup(v);
	else if (geteuid() == 0)
		runtime_dir = xstrdup("/run/vmdeck");
	else if ((v = env("XDG_RUNTIME_DIR")))
		runtime_dir = xasprintf("%s/vmdeck", v);
	else
		runtime_dir = xasprintf("/tmp/vmdeck-%ld", (long)getuid());
	return runtime_dir;
}

const char *paths_state_dir(void)
{
	if (state_dir)
		return state_dir;
	const char *v;
	if ((v = env("VMDECK_STATE_DIR")))
		state_dir = xstrdup(v);
	else if ((v = env("XDG_STATE_HOME")))
		state_dir = xasprintf("%s/vmdeck", v);
	else if ((v = env("HOME")))
		state_dir = xasprintf("%s/.local/state/vmdeck", v);
	else
		state_dir = xasprintf("/tmp/vmdeck-state-%ld", (long)getuid());
	return state_dir;
}

const char *paths_profiles_dir(void)
{
	if (profiles_dir)
		return profiles_dir;
	const char *v;
	if ((v = env("VMDECK_PROFILES"))) {
		profiles_dir = xstrdup(v);
		return profiles_dir;
	}
	char *cand[2];
	if ((v = env("XDG_CONFIG_HOME")))
		cand[0] = xasprintf("%s/vmdeck/profiles", v);
	else if ((v = env("HOME")))
		cand[0] = xasprintf("%s/.config/vmdeck/profiles", v);
	else
		cand[0] = xstrdup("/etc/vmdeck/profiles");
	cand[1] = xstrdup("/etc/vmdeck/profiles");
	if (path_exists(cand[0]) || !path_exists(cand[1])) {
		profiles_dir = cand[0];
		free(cand[1]);
	} else {
		profiles_dir = cand[1];
		free(cand[0]);
	}
	return profiles_dir;
}

/* Every VM path is built here, so a name from the command line can never
 * become "../x": the name rule (profile_name_problem) is checked first. */
char *paths_vm_dir(const char *vm_name)
{
	if (!profile_name_valid(vm_name)) {
		errno = EINVAL;
		return NULL;
	}
	return xasprintf("%s/%s", paths_runtime_dir(), vm_name);
}

char *paths_mode_file(const char *vm_name)
{
	if (!profile_name_valid(vm_name)) {
		errno = EINVAL;
		return NULL;
	}
	return xasprintf("%s/modes/%s", paths_state_dir(), vm_name);
}

char *paths_net_dir(const char *net_name)
{
	return xasprintf("%s/net/%s", paths_runtime_dir(), net_name);
}

/* Why `st` (from lstat of dir) is not safe to use, or NULL. */
static const char *private_dir_problem(const struct stat *st, char *buf, size_t len)
{
	if (S_ISLNK(st->st_mode))
		return "is a symlink; vmdeck does not follow symlinks in its runtime directories";
	if (!S_ISDIR(st->st_mode))
		return "is not a directory";
	if (st->st_uid != geteuid()) {
		snprintf(buf, len, "is owned by uid %ld, not by you (uid %ld); refusing to use it", (long)st->st_uid,
			 (long)geteuid());
		return buf;
	}
	if (st->st_mode & (S_IWGRP | S_IWOTH)) {
		snprintf(buf, len, "is writable by %s (mode %04o); refusing to use it (chmod 700 it if it is yours)",
			 st->st_mode & S_IWOTH ? "other users" : "its group", (unsigned)(st->st_mode & 07777));
		return buf;
	}
	return NULL;
}

int paths_private_dir(const char *dir, char **err)
{
	struct stat st;
	if (lstat(dir, &st) < 0) {
		if (errno != ENOENT)
			return error_set(err, "runtime directory %s: %s", dir, strerror(errno));
		/* Parents as usual; the directory itself private. */
		if (mkdir_p(dir, 0700, err) < 0)
			return -1;
		if (lstat(dir, &st) < 0)
			return error_set(err, "runtime directory %s: %s", dir, strerror(errno));
	}
	char buf[160];
	const char *why = private_dir_problem(&st, buf, sizeof(buf));
	if (why)
		return error_set(err, "runtime directory %s %s", dir, why);
	/* Readable by others but ours and nobody else could write into it:
	 * nothing was planted, so tightening is safe. */
	if ((st.st_mode & 077) && chmod(dir, 0700) < 0)
		return error_set(err, "runtime directory %s: chmod 700: %s", dir, strerror(errno));
	return 0;
}

bool paths_private_dir_ok(const char *dir)
{
	struct stat st;
	char buf[160];
	return lstat(dir, &st) == 0 && !private_dir_problem(&st, buf, sizeof(buf));
}
