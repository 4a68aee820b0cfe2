/* cmd_grant: `vmdeck net grant|revoke|grants` — TAPs root makes once for a
 * user, so the user's vmdeck starts VMs on a bridge without privilege
 * (net/grant.h). cmd_net.c parses; these act. */
#include "tui/cmd.h"
#include "tui/cmd_list.h"
#include "net/bridge.h"
#include "net/grant.h"
#include "net/nlact.h"
#include "core/util.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int cmd_net_grant(const char *bridge, const char *user, unsigned n)
{
	struct strv made;
	strv_init(&made);
	char *err = NULL;
	int rc = grant_add(NULL, bridge, user, n, &made, &err);
	for (size_t i = 0; i < made.n; i++) {
		uint8_t mac[6];
		char ms[18] = "?";
		if (nlact_get_mac(made.v[i], mac, NULL) == 0)
			mac_format(mac, ms);
		printf("%s: granted TAP %s to %s (MAC %s, enslaved, up)\n", bridge, made.v[i], user, ms);
	}
	if (rc == 0 && !made.n)
		printf("%s: %s already has %u granted TAP%s (nothing to do)\n", bridge, user, n, n == 1 ? "" : "s");
	if (rc == 0 && bridge_read_pinned(bridge, nlact_ifindex(bridge)) == 0)
		printf("%s: note: the bridge's MAC is not pinned ('vmdeck net pin %s' keeps it from moving as ports "
		       "come and go)\n", bridge, bridge);
	struct stat st;
	if (rc == 0 && stat("/dev/net/tun", &st) == 0 && (st.st_mode & 0006) != 0006)
		printf("%s: note: /dev/net/tun is mode %04o: %s cannot open it, so cannot use the TAPs "
		       "('chmod 0666 /dev/net/tun', its usual mode: only a TAP's owner may attach to it)\n", bridge,
		       (unsigned)(st.st_mode & 07777), user);
	strv_clear(&made);
	if (rc < 0)
		cmd_error("net %s", err ? err : "grant: failed");
	free(err);
	return cmd_exit_code(rc);
}

int cmd_net_revoke(const char *bridge, const char *user)
{
	struct strv removed, kept;
	strv_init(&removed);
	strv_init(&kept);
	char *err = NULL;
	int rc = grant_revoke(NULL, bridge, user, &removed, &kept, &err);
	for (size_t i = 0; i < removed.n; i++)
		printf("%s: revoked TAP %s (deleted)\n", bridge, removed.v[i]);
	for (size_t i = 0; i < kept.n; i++)
		cmd_error("net revoke: kept %s: stop the VM using it, then revoke again", kept.v[i]);
	if (rc == 0 && !removed.n)
		printf("%s: no TAP granted%s%s is here (nothing to do)\n", bridge, user ? " to " : "", user ? user : "");
	if (rc < 0 && !kept.n)
		cmd_error("net %s", err ? err : "revoke: failed");
	strv_clear(&removed);
	strv_clear(&kept);
	free(err);
	return cmd_exit_code(rc);
}

int cmd_net_grants(const char *bridge, bool json)
{
	struct grant_tap *v;
	size_t n = grant_list(NULL, bridge, &v);
	json_object *all = json ? json_object_new_array() : NULL;
	for (size_t i = 0; i < n; i++) {
		char ms[18];
		mac_format(v[i].mac, ms);
		if (all)
			json_object_array_add(all, grant_tap_json(&v[i]));
		else
			printf("%-15s %-15s %-12s %s %s%s\n", v[i].bridge, v[i].tap, v[i].user, ms, grant_tap_state(&v[i]),
			       v[i].recorded ? "" : " (not in this user's record)");
	}
	if (all) {
		puts(json_object_to_json_string_ext(all, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(all);
	} else if (!n) {
		printf("no granted TAPs%s%s ('vmdeck net grant BRIDGE USER' as root)\n", bridge ? " on " : "",
		       bridge ? bridge : "");
	}
	free(v);
	return EXIT_OK;
}
