/* grant: TAPs root makes once for a user, so that user's vmdeck can start
 * VMs on a bridge without any privilege. A granted TAP is persistent, owned
 * by the user (TUNSETOWNER), named vdg-USER-I, has its MAC set by the
 * bridge's TAP MAC policy before it joins (so the bridge never sees a random
 * MAC), is enslaved and up; QEMU, run by the user, attaches to it by name.
 * The grants root made are recorded per network namespace in
 * <state>/grants/net-DEV-INO.json; revoke removes exactly those recorded that
 * still exist with the recorded ifindex. A user's vmdeck finds its granted
 * TAPs in the kernel (its own state directory has no record): vdg- TAPs it
 * owns on the bridge — only a privileged process can make one. */
#ifndef VMDECK_GRANT_H
#define VMDECK_GRANT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "core/profile.h"

struct strv;

#define GRANT_TAPS_MAX 64
#define GRANT_PREFIX "vdg-"

/* The name of a user's I-th granted TAP: "vdg-USER-I" when it fits in 15
 * characters, else a prefix of USER and a hash of all of it (pure). */
void grant_tap_name(const char *user, unsigned index, char out[16]);

/* The TAP MAC of a user's I-th grant on bridge under policy (pure): the
 * policy's rule (tap_mac_for_policy) applied to a stable guest-like MAC
 * derived from "grant/BRIDGE/USER/I"; false for policy kernel (random). */
bool grant_tap_mac(enum mac_policy policy, const char *bridge, const char *user, unsigned index, uint8_t out[6]);

/* One granted TAP, as recorded and as the kernel has it. */
struct grant_tap {
	char tap[16], bridge[16], user[33];
	uid_t uid;
	int ifindex;       /* recorded, else the live one */
	uint8_t mac[6];
	bool recorded;     /* in this namespace's record (of the user running) */
	bool present;      /* a TAP of that name exists (with the recorded ifindex) */
	bool enslaved;     /* its master is bridge */
	bool up, in_use;   /* in use: a process (QEMU) has it open (carrier) */
};

/* "free", "in use", "down", "not enslaved" or "gone". */
const char *grant_tap_state(const struct grant_tap *t);
/* {bridge, tap, user, uid, mac, state, recorded} (json-c; caller puts). */
struct json_object *grant_tap_json(const struct grant_tap *t);

/* Root: make sure USER has n (1..GRANT_TAPS_MAX) granted TAPs on bridge,
 * making the missing ones (their names appended to made) and recording each
 * as it is made. The MAC policy is bridge's lab network's, else derived.
 * dir NULL: <state>/grants. Errors name the object: no such user or bridge
 * (-ERR_NOTFOUND), not permitted (-ERR_PERM), a vdg- name taken by an
 * interface vmdeck did not record (it is left alone). */
int grant_add(const char *dir, const char *bridge, const char *user, unsigned n, struct strv *made, char **err);

/* Root: remove the TAPs recorded for bridge (and user; NULL: every user):
 * each that still exists with its recorded ifindex and that no process
 * holds is deleted (name appended to removed); one already gone only leaves
 * the record; one in use stays, recorded (appended to kept, -ERR_BUSY). */
int grant_revoke(const char *dir, const char *bridge, const char *user, struct strv *removed, struct strv *kept,
		 char **err);

/* Every grant: this namespace's records, and each live vdg- TAP (a user's
 * own, with no record). bridge NULL: all. Caller frees *out. */
size_t grant_list(const char *dir, const char *bridge, struct grant_tap **out);

/* A free granted TAP of uid on bridge, not in exclude (NULL: none): its
 * name in out, 0; -1 when none is free. *n_granted (may be NULL) counts
 * the TAPs granted to uid on bridge, free or not. */
int grant_find_free(const char *bridge, uid_t uid, const struct strv *exclude, char out[16], size_t *n_granted);

#endif
