/* vnc_target: where a VNC server is and how to get in — the target syntax
 * (a UNIX socket, HOST:DISPLAY, HOST::PORT), a VM's target from its profile,
 * and the password files. No I/O but reading those files. */
#include "core/vnc.h"
#include "core/paths.h"
#include "core/profile.h"
#include "core/util.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>

int vnc_target_parse(const char *target, char **unix_path, char **host, int *port, char **err)
{
	*unix_path = *host = NULL;
	*port = 0;
	if (!target || !*target)
		return error_set(err, "empty VNC target");
	if (target[0] == '/' || target[0] == '.') {
		if (strlen(target) >= sizeof(((struct sockaddr_un *)0)->sun_path))
			return error_set(err, "VNC socket path too long: %s", target);
		*unix_path = xstrdup(target);
		return 0;
	}
	const char *h = target, *colon;
	size_t hlen;
	if (target[0] == '[') { /* [IPv6]:display */
		const char *close = strchr(target, ']');
		if (!close || close[1] != ':')
			return error_set(err, "VNC target %s: expected [ADDRESS]:DISPLAY", target);
		h = target + 1;
		hlen = (size_t)(close - h);
		colon = close + 1;
	} else {
		colon = strchr(target, ':');
		if (!colon)
			return error_set(err, "VNC target %s: expected a socket path, HOST:DISPLAY or HOST::PORT",
					 target);
		hlen = (size_t)(colon - target);
	}
	bool is_port = colon[1] == ':';
	const char *num = colon + 1 + is_port;
	char *end;
	errno = 0;
	long v = strtol(num, &end, 10);
	if (!*num || *end || errno || v < 0 || v > 65535 || (!is_port && v > 65535 - 5900))
		return error_set(err, "VNC target %s: bad %s '%s'", target, is_port ? "port" : "display", num);
	*host = hlen ? xstrndup(h, hlen) : xstrdup("localhost");
	*port = (int)(is_port ? v : 5900 + v);
	return 0;
}

char *vnc_profile_target(const struct profile *p, const char *name)
{
	if (!p || !p->vnc || !strcmp(p->vnc, "unix") || !*p->vnc) {
		char *dir = paths_vm_dir(p ? p->name : name);
		if (!dir)
			return NULL;
		char *t = path_join(dir, "vnc.sock");
		free(dir);
		return t;
	}
	char *t = xstrdup(p->vnc);
	char *comma = strchr(t, ',');
	if (comma)
		*comma = 0;
	/* QEMU listening on every address is reachable on loopback. */
	static const struct { const char *any, *loop; } wild[] = {
		{ "0.0.0.0:", "127.0.0.1:" }, { "[::]:", "[::1]:" }, { ":", "localhost:" },
	};
	for (size_t i = 0; i < ARRAY_LEN(wild); i++) {
		size_t n = strlen(wild[i].any);
		if (!strncmp(t, wild[i].any, n)) {
			char *r = xasprintf("%s%s", wild[i].loop, t + n);
			free(t);
			return r;
		}
	}
	return t;
}

int vnc_profile_password(const struct profile *p, char **password, char **err)
{
	*password = NULL;
	if (!p || !p->vnc_password_file)
		return 0;
	size_t len;
	char *s = file_read_all(p->vnc_password_file, &len);
	if (!s)
		return error_set(err, "%s: vnc_password_file: %s", p->vnc_password_file, strerror(errno));
	/* Verbatim, newline included: QEMU's "-object secret,file=" takes the
	 * file as it is, and both sides must agree. */
	*password = s;
	return 0;
}

int vnc_password_file_read(const char *path, char **password, char **err)
{
	size_t len;
	char *s = file_read_all(path, &len);
	if (!s)
		return error_set(err, "%s: %s", path, strerror(errno));
	s[strcspn(s, "\r\n")] = 0;
	*password = s;
	return 0;
}
