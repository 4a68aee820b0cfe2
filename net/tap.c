/* tap: TAPs made natively (see tap.h). The MAC is set before the TAP joins
 * the bridge: a TAP joining with its random kernel MAC is exactly what makes
 * an unpinned bridge's MAC jump (the seed's outage). */
#include "net/tap.h"
#include "net/nlact.h"
#include "core/util.h"

#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <linux/if_tun.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

bool tap_mac_for_policy(enum mac_policy policy, const uint8_t guest_mac[6], uint8_t out[6])
{
	static const uint8_t fixed[6] = { 0xfe, 0xff, 0xff, 0xff, 0xff, 0xff };
	switch (policy) {
	case MAC_POLICY_DERIVED:
		/* libvirt: high first byte, so the TAP never undercuts an uplink
		 * NIC and never equals the guest's own MAC. */
		memcpy(out, guest_mac, 6);
		out[0] = guest_mac[0] == 0xfe ? 0xfa : 0xfe;
		return true;
	case MAC_POLICY_FIXED:
		memcpy(out, fixed, 6);
		return true;
	case MAC_POLICY_KERNEL:
	default:
		return false;
	}
}

static bool tap_exists(const char *name)
{
	return nlact_ifindex(name) != 0;
}

static int tun_open(const char *name, int *fd_out, char **err)
{
	if (strlen(name) >= IFNAMSIZ)
		return error_set(err, "TAP name %s is longer than %d characters", name, IFNAMSIZ - 1);
	int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
	if (fd < 0 && (errno == EACCES || errno == EPERM))
		return error_kind_set(err, ERR_PERM,
				      "TAP %s: cannot open /dev/net/tun: %s (making TAPs needs root or CAP_NET_ADMIN)", name,
				      strerror(errno));
	if (fd < 0)
		return error_set(err, "TAP %s: /dev/net/tun: %s", name, strerror(errno));
	struct ifreq ifr;
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		int e = errno;
		close(fd);
		if (e == EPERM)
			return error_kind_set(err, ERR_PERM, "TAP %s: operation not permitted (needs root or CAP_NET_ADMIN)",
					      name);
		if (e == EBUSY)
			return error_kind_set(err, ERR_BUSY, "TAP %s: in use by another process (is the VM already running?)",
					      name);
		return error_set(err, "TAP %s: %s", name, strerror(e));
	}
	*fd_out = fd;
	return 0;
}

int tap_create(const struct tap_spec *s, char **err)
{
	char kind[16];
	bool existed = false;
	if (s->bridge) {
		if (nlact_link_kind(s->bridge, kind, sizeof(kind)) < 0)
			return error_set(err, "TAP %s: bridge %s does not exist", s->name, s->bridge);
		if (strcmp(kind, "bridge") != 0)
			return error_set(err, "TAP %s: %s is not a bridge", s->name, s->bridge);
	}
	if (nlact_link_kind(s->name, kind, sizeof(kind)) == 0) {
		/* A leftover of ours (crash) is adopted; anything else is not ours. */
		if (strcmp(kind, "tun") != 0)
			return error_set(err, "TAP %s: an interface of that name exists and is not a TAP (%s)", s->name,
					 kind[0] ? kind : "no kind");
		existed = true;
	}
	int fd;
	int rc = tun_open(s->name, &fd, err);
	if (rc < 0)
		return rc;
	if (s->owner != (uid_t)-1 && ioctl(fd, TUNSETOWNER, (unsigned long)s->owner) < 0)
		rc = error_set(err, "TAP %s: set owner %u: %s", s->name, (unsigned)s->owner, strerror(errno));
	if (!rc && s->group != (gid_t)-1 && ioctl(fd, TUNSETGROUP, (unsigned long)s->group) < 0)
		rc = error_set(err, "TAP %s: set group %u: %s", s->name, (unsigned)s->group, strerror(errno));
	if (!rc && ioctl(fd, TUNSETPERSIST, 1UL) < 0)
		rc = error_set(err, "TAP %s: make persistent: %s", s->name, strerror(errno));
	close(fd);
	if (rc < 0) {
		if (!existed)
			tap_delete(s->name, NULL);
		return rc;
	}
	/* An adopted TAP may still sit on some bridge: release it first so
	 * the MAC is never changed while it is a port. */
	if (existed)
		rc = nlact_set_master(s->name, NULL, err);
	if (!rc && s->mtu)
		rc = nlact_set_mtu(s->name, s->mtu, err);
	if (!rc && s->mac)
		rc = nlact_set_mac(s->name, s->mac, err);
	if (!rc && s->bridge)
		rc = nlact_set_master(s->name, s->bridge, err);
	if (!rc)
		rc = nlact_set_up(s->name, true, err);
	if (rc < 0)
		tap_delete(s->name, NULL);
	return rc;
}

int tap_delete(const char *name, char **err)
{
	if (!tap_exists(name))
		return 0;
	/* Clearing persistence destroys it once nobody holds it open. */
	int fd;
	char *e2 = NULL;
	if (tun_open(name, &fd, &e2) == 0) {
		int r = ioctl(fd, TUNSETPERSIST, 0UL);
		close(fd);
		free(e2);
		if (r == 0 && !tap_exists(name))
			return 0;
	} else {
		free(e2);
	}
	if (!tap_exists(name))
		return 0;
	return nlact_delete(name, err);
}

int tap_delete_unused(const char *name, char **err)
{
	char kind[16];
	if (nlact_link_kind(name, kind, sizeof(kind)) < 0)
		return 0;
	if (strcmp(kind, "tun") != 0)
		return error_set(err, "TAP %s: the interface of that name is no TAP now (%s): left alone", name,
				 kind[0] ? kind : "no kind");
	/* Attaching fails with EBUSY while a QEMU has it open. */
	int fd;
	int r = tun_open(name, &fd, err);
	if (r < 0)
		return r;
	r = ioctl(fd, TUNSETPERSIST, 0UL);
	int e = errno;
	close(fd); /* not persistent and nobody attached: the kernel deletes it */
	if (r < 0)
		return error_set(err, "TAP %s: clear persistence: %s", name, strerror(e));
	return 0;
}
