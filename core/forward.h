/* forward: port forwards of a user-mode NIC ("tcp:2222:22",
 * "udp:5353:53", "tcp:127.0.0.1:8080:80"): the rule's grammar, its QEMU
 * spelling (hostfwd=), the live forwards a running VM got from
 * `vmdeck forward NAME add` (RUN/forwards, one rule a line), and the check
 * before a start that each host port is free, naming who holds it.
 *
 * Grammar: PROTO:[HOST:]HOSTPORT:GUESTPORT
 *   PROTO     tcp | udp
 *   HOST      an IPv4 address; default the NIC's 'host:' key, else 127.0.0.1.
 *             All addresses only when said: 0.0.0.0 (an empty HOST, which
 *             QEMU reads as all addresses, is refused).
 *   HOSTPORT, GUESTPORT  1-65535
 * The guest side is always the guest's own address (QEMU's default,
 * 10.0.2.15), so a rule is "hostfwd=PROTO:HOST:HOSTPORT-:GUESTPORT". */
#ifndef VMDECK_FORWARD_H
#define VMDECK_FORWARD_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

enum forward_proto { FORWARD_TCP = 0, FORWARD_UDP = 1 };

#define FORWARD_DEFAULT_HOST "127.0.0.1"

struct forward {
	enum forward_proto proto;
	char host[16];        /* dotted IPv4, always set after forward_parse */
	unsigned host_port, guest_port;
	int line, col;        /* where the rule was given (profiles), else 0 */
	char nic[33];         /* the NIC's netdev id (RUN/forwards; a profile keeps
			       * its rules per NIC and leaves it empty) */
};

const char *forward_proto_name(enum forward_proto p);
/* Parse RULE; dflt_host (NULL: 127.0.0.1) when the rule names no host;
 * dflt_host "" leaves host empty then, for the caller to fill in (a
 * profile's NIC may say 'host:' after its 'forwards:').
 * 0, or -1 with *err saying what is wrong in the rule's words. */
int forward_parse(const char *rule, const char *dflt_host, struct forward *out, char **err);
/* A host address vmdeck accepts for forwards (dotted IPv4). */
bool forward_host_valid(const char *host);
/* "tcp:127.0.0.1:2222:22" (always with the host). Caller frees. */
char *forward_format(const struct forward *f);
/* QEMU's "tcp:127.0.0.1:2222-:22" (hostfwd= value, hostfwd_add argument). */
char *forward_qemu(const struct forward *f);
/* QEMU's hostfwd_remove argument "tcp:127.0.0.1:2222". */
char *forward_qemu_remove(const struct forward *f);
/* Reachable from other hosts: not on a loopback address. */
bool forward_public(const struct forward *f);
/* Two rules that cannot both hold: the same protocol and host port on the
 * same address, or either on 0.0.0.0. */
bool forward_clash(const struct forward *a, const struct forward *b);

/* ---- live forwards: RUN/forwards of a running VM -------------------- */

/* RUN/forwards holds every forward of a running VM, one "NIC RULE" a line
 * ("net0 tcp:127.0.0.1:2222:22"): the profile's, written at start, then
 * changed by each live add/remove. Read DIR/forwards: -1 when absent (the
 * VM is not running, or was started before vmdeck knew forwards), else 0
 * and the rules. *out is the caller's to free. */
int forward_live_read(const char *vm_dir, struct forward **out, size_t *n);
/* Replace DIR/forwards with these rules (atomic). */
int forward_live_write(const char *vm_dir, const struct forward *f, size_t n, char **err);

/* ---- before a start ---------------------------------------------------- */

/* Is the host port free? Binds a socket of f's protocol to its address and
 * port (SO_REUSEADDR, as QEMU's slirp does). 0 free; else -1 and *err:
 * "tcp port 2222 on 127.0.0.1 is in use by <holder>", where holder comes
 * from forward_holder (best effort) or "another program". */
int forward_port_check(const struct forward *f, char **err);
/* Who holds a bound socket of f's protocol and port: the process found
 * through /proc/net/{tcp,udp} (socket inode) -> /proc/PID/fd, as
 * "VM 'NAME' (QEMU pid N)" for one of vmdeck's QEMUs (-name
 * process=vmdeck-NAME), else "COMM (pid N)". NULL when not found (another
 * user's process: its fds cannot be read). Caller frees. */
char *forward_holder(const struct forward *f);

#endif
