/* forward: the port-forward rule (grammar, QEMU spelling, clashes) and the
 * live forwards file of a running VM. Pure but for RUN/forwards; the port
 * check before a start is core/forward_port.c. */
#include "core/forward.h"
#include "core/util.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const proto_names[] = { [FORWARD_TCP] = "tcp", [FORWARD_UDP] = "udp" };

const char *forward_proto_name(enum forward_proto p)
{
	return (unsigned)p < ARRAY_LEN(proto_names) ? proto_names[p] : "?";
}

bool forward_host_valid(const char *host)
{
	struct in_addr a;
	return host && strlen(host) < 16 && inet_pton(AF_INET, host, &a) == 1;
}

static int port_parse(const char *s, const char *which, const char *rule, unsigned *out, char **err)
{
	unsigned long long v;
	if (parse_uint(s, 1, 65535, &v) < 0)
		return error_set(err, "forward '%s': %s port '%s' is not a port number (1-65535)", rule, which, s);
	*out = (unsigned)v;
	return 0;
}

int forward_parse(const char *rule, const char *dflt_host, struct forward *out, char **err)
{
	char *parts[5];
	size_t n = 0;
	char *copy = xstrdup(rule);
	for (char *p = copy, *c; n < ARRAY_LEN(parts); p = c + 1) {
		parts[n++] = p;
		if (!(c = strchr(p, ':')))
			break;
		*c = '\0';
	}
	struct forward f = { 0 };
	int rc = -1;
	if (n < 3 || n > 4) {
		error_set(err,
			  "forward '%s' is not PROTO:[HOST:]HOSTPORT:GUESTPORT (like tcp:2222:22 or "
			  "tcp:127.0.0.1:8080:80)",
			  rule);
		goto out;
	}
	if (strcmp(parts[0], "tcp") == 0)
		f.proto = FORWARD_TCP;
	else if (strcmp(parts[0], "udp") == 0)
		f.proto = FORWARD_UDP;
	else {
		error_set(err, "forward '%s': protocol '%s' is not tcp or udp", rule, parts[0]);
		goto out;
	}
	const char *host = n == 4 ? parts[1] : dflt_host ? dflt_host : FORWARD_DEFAULT_HOST;
	bool later = n == 3 && !*host; /* the caller fills it in */
	if (n == 4 && !*host) {
		/* QEMU reads an empty host as every address: never by accident. */
		error_set(err,
			  "forward '%s': an empty host means every address (reachable from the network); write "
			  "0.0.0.0 if that is meant, or leave the host out for 127.0.0.1",
			  rule);
		goto out;
	}
	if (!later && !forward_host_valid(host)) {
		error_set(err, "forward '%s': host '%s' is not an IPv4 address such as 127.0.0.1", rule, host);
		goto out;
	}
	snprintf(f.host, sizeof(f.host), "%s", host);
	if (port_parse(parts[n - 2], "host", rule, &f.host_port, err) < 0 ||
	    port_parse(parts[n - 1], "guest", rule, &f.guest_port, err) < 0)
		goto out;
	*out = f;
	rc = 0;
out:
	free(copy);
	return rc;
}

char *forward_format(const struct forward *f)
{
	return xasprintf("%s:%s:%u:%u", forward_proto_name(f->proto), f->host, f->host_port, f->guest_port);
}

char *forward_qemu(const struct forward *f)
{
	return xasprintf("%s:%s:%u-:%u", forward_proto_name(f->proto), f->host, f->host_port, f->guest_port);
}

char *forward_qemu_remove(const struct forward *f)
{
	return xasprintf("%s:%s:%u", forward_proto_name(f->proto), f->host, f->host_port);
}

bool forward_public(const struct forward *f)
{
	struct in_addr a;
	if (inet_pton(AF_INET, f->host, &a) != 1)
		return true;
	return (ntohl(a.s_addr) >> 24) != 127;
}

bool forward_clash(const struct forward *a, const struct forward *b)
{
	if (a->proto != b->proto || a->host_port != b->host_port)
		return false;
	return strcmp(a->host, b->host) == 0 || strcmp(a->host, "0.0.0.0") == 0 || strcmp(b->host, "0.0.0.0") == 0;
}

/* ---- RUN/forwards ------------------------------------------------------ */

int forward_live_read(const char *vm_dir, struct forward **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	char *path = path_join(vm_dir, "forwards");
	char *data = file_read_all(path, NULL);
	free(path);
	if (!data)
		return -1;
	size_t cap = 0;
	for (char *save = NULL, *l = strtok_r(data, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		struct forward f;
		const char *sp = strchr(l, ' ');
		if (!sp || (size_t)(sp - l) >= sizeof(f.nic) || forward_parse(sp + 1, NULL, &f, NULL) < 0)
			continue; /* not ours to judge: a line vmdeck never wrote */
		snprintf(f.nic, sizeof(f.nic), "%.*s", (int)(sp - l), l);
		if (*n == cap) {
			cap = cap ? 2 * cap : 4;
			*out = xrealloc(*out, cap * sizeof(**out));
		}
		(*out)[(*n)++] = f;
	}
	free(data);
	return 0;
}

int forward_live_write(const char *vm_dir, const struct forward *f, size_t n, char **err)
{
	struct strbuf b = { 0 };
	for (size_t i = 0; i < n; i++) {
		char *s = forward_format(&f[i]);
		strbuf_addf(&b, "%s %s\n", f[i].nic, s);
		free(s);
	}
	char *path = path_join(vm_dir, "forwards");
	int rc = file_write_atomic(path, b.s ? b.s : "", b.len, 0600, err);
	free(path);
	free(b.s);
	return rc;
}
