/* cmd_net: `vmdeck net up|down|status|pin|list|history|grant|revoke|grants`
 * and `vmdeck watch`. */
#include "tui/cmd.h"
#include "tui/cmd_list.h"
#include "net/bridge.h"
#include "net/grant.h"
#include "net/heal.h"
#include "net/labnet.h"
#include "net/labnet_libvirt.h"
#include "net/labnet_run.h"
#include "net/linkwatch.h"
#include "net/machist.h"
#include "net/nlact.h"
#include "net/outage.h"
#include "core/loop.h"
#include "core/schema.h"
#include "core/util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <json-c/json.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* rc < 0: say err, and exit by rc's kind. Frees err. */
static int report(int rc, char *err)
{
	if (rc < 0)
		cmd_error("%s", err ? err : "failed");
	free(err);
	return cmd_exit_code(rc);
}

static struct labnet *load_net(const char *name, int *code)
{
	char *err = NULL;
	struct labnet *n;
	int rc = labnet_find(name, &n, &err);
	*code = report(rc, err);
	return n;
}

/* ---- net: sub-verbs as a table ------------------------------------------ */

/* What a sub-verb's command line holds once parsed. */
struct net_args {
	const char *arg[2]; /* NAME, BRIDGE [MAC] */
	int n_args;
	bool json, arp_notify, libvirt;
	const char *since, *out;
	unsigned taps; /* net grant --taps N; 0: not given */
};

struct net_verb {
	const char *name;
	const char *usage;   /* after "vmdeck net VERB" */
	const char *summary; /* one line for `net --help` */
	bool acts;           /* changes the system: refused with --read-only */
	const struct option *opts; /* getopt_long options; each has --help */
	int min_args, max_args;
	int (*exec)(const struct net_verb *v, const struct net_args *a);
};

static int net_usage_error(const struct net_verb *v)
{
	cmd_error("usage: vmdeck net %s %s", v->name, v->usage);
	return EXIT_USAGE;
}

/* A lab network NAME from the command line follows the lab network name
 * rule (labnet_name_problem), checked before it is looked up or becomes a
 * path: otherwise a usage error, as for VM names. */
static bool net_name_ok(const struct net_verb *v, const char *name)
{
	const char *why = labnet_name_problem(name);
	if (why)
		cmd_error("net %s: '%s' %s", v->name, name, why);
	return !why;
}

/* A BRIDGE from the command line must be an interface name. */
static bool net_bridge_ok(const struct net_verb *v, const char *name)
{
	bool ok = schema_ifname_valid(name);
	if (!ok)
		cmd_error("net %s: '%s' is not %s", v->name, name, SCHEMA_IFNAME_WHAT);
	return ok;
}

static int net_up(const struct net_verb *v, const struct net_args *a)
{
	if (!net_name_ok(v, a->arg[0]))
		return EXIT_USAGE;
	int code;
	struct labnet *n = load_net(a->arg[0], &code);
	if (!n)
		return code;
	char *err = NULL;
	int rc = labnet_up(n, &err);
	if (rc >= 0)
		printf("%s: %s (bridge %s, %s/%u)\n", n->name, rc == 1 ? "already up" : "up", n->bridge,
		       inet_ntoa(n->address), n->prefix);
	labnet_free(n);
	return report(rc, err);
}

static int net_down(const struct net_verb *v, const struct net_args *a)
{
	const char *name = a->arg[0];
	if (!net_name_ok(v, name))
		return EXIT_USAGE;
	char *err = NULL;
	int rc = labnet_down(name, &err);
	if (rc >= 0)
		printf("%s: %s\n", name, rc == 1 ? "down" : "was not up (nothing to undo)");
	return report(rc, err);
}

/* The whole-directory verbs (net status, net list) show every network that
 * loads, then name each file that does not, with its problems: a broken
 * file is never silently left out. Both come from the one set loaded. */
static int report_broken(const struct labnet_set *set, int code)
{
	size_t n_files, n_ok = labnet_set_count(set);
	const char *const *probs = labnet_set_problems(set, &n_files);
	for (size_t i = 0; probs[i]; i++)
		cmd_error("%s", probs[i]);
	if (n_ok < n_files) {
		cmd_error("%zu of %zu lab network files do not load (run 'vmdeck check')", n_files - n_ok, n_files);
		if (code == EXIT_OK)
			code = EXIT_FAIL;
	}
	return code;
}

/* Print a JSON document (json-c builds every --json output) and put it. */
static void print_json(json_object *o)
{
	puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
}

/* `net status NAME`: one object (nothing on stdout when it does not load);
 * without NAME an array of every network that loads, the others named on
 * stderr. */
static int net_status(const struct net_verb *v, const struct net_args *a)
{
	const char *name = a->n_args ? a->arg[0] : NULL;
	if (name && !net_name_ok(v, name))
		return EXIT_USAGE;
	int code = EXIT_OK;
	if (name) {
		struct labnet *n = load_net(name, &code);
		if (!n)
			return code;
		if (a->json) {
			print_json(labnet_status_object(n));
		} else {
			char *s = labnet_status_text(n);
			fputs(s, stdout);
			free(s);
		}
		labnet_free(n);
		return EXIT_OK;
	}
	struct labnet_set *set = labnet_set_load(NULL);
	size_t n_nets = labnet_set_count(set);
	json_object *all = a->json ? json_object_new_array() : NULL;
	for (size_t i = 0; i < n_nets; i++) {
		const struct labnet *n = labnet_set_at(set, i);
		if (all) {
			json_object_array_add(all, labnet_status_object(n));
		} else {
			char *s = labnet_status_text(n);
			fputs(s, stdout);
			free(s);
		}
	}
	if (all)
		print_json(all);
	else if (!n_nets)
		printf("no lab networks (put NAME.yaml files in the profile directory's networks/)\n");
	code = report_broken(set, code);
	labnet_set_free(set);
	return code;
}

static int net_list(const struct net_verb *v, const struct net_args *a)
{
	(void)v;
	struct labnet_set *set = labnet_set_load(NULL);
	json_object *all = a->json ? json_object_new_array() : NULL;
	for (size_t i = 0; i < labnet_set_count(set); i++) {
		const char *name = labnet_set_at(set, i)->name;
		if (all)
			json_object_array_add(all, json_object_new_string(name));
		else
			puts(name);
	}
	if (all)
		print_json(all);
	int code = report_broken(set, EXIT_OK);
	labnet_set_free(set);
	return code;
}

static int net_pin(const struct net_verb *v, const struct net_args *a)
{
	const char *bridge = a->arg[0], *macs = a->n_args > 1 ? a->arg[1] : NULL;
	if (!net_bridge_ok(v, bridge))
		return EXIT_USAGE;
	uint8_t mac[6];
	if (macs && mac_parse(macs, mac) < 0)
		return cmd_error("net pin: \"%s\" is not a MAC address", macs), EXIT_USAGE;
	char *err = NULL;
	int rc = bridge_pin(bridge, macs ? mac : NULL, a->arp_notify, &err);
	if (rc == 0)
		printf("%s: pinned%s\n", bridge, a->arp_notify ? ", arp_notify on" : "");
	return report(rc, err);
}

/* `net heal BRIDGE on|off`: kept for the bridge's life (net/heal.h); a
 * watching vmdeck announces after each change. On also announces now. */
static int net_heal(const struct net_verb *v, const struct net_args *a)
{
	const char *bridge = a->arg[0], *state = a->arg[1];
	if (!net_bridge_ok(v, bridge))
		return EXIT_USAGE;
	bool on = strcmp(state, "on") == 0;
	if (!on && strcmp(state, "off") != 0)
		return cmd_error("net heal: \"%s\" is not on or off", state), EXIT_USAGE;
	char *err = NULL;
	int rc = heal_set(NULL, bridge, on, &err);
	if (rc < 0)
		return report(rc, err);
	if (!on) {
		printf("%s: heal off\n", bridge);
		return EXIT_OK;
	}
	uint8_t mac[6];
	unsigned sent = 0;
	int ifindex = (int)if_nametoindex(bridge);
	if (nlact_get_mac(bridge, mac, NULL) == 0 && heal_announce(bridge, ifindex, mac, &sent, &err) < 0) {
		cmd_error("net heal: %s", err);
		free(err);
		err = NULL;
	}
	printf("%s: heal on (announced now to %u address%s; after each MAC change by any vmdeck watching: "
	       "the TUI, vmdeck watch)\n", bridge, sent, sent == 1 ? "" : "es");
	return EXIT_OK;
}

/* "90", "90s", "15m", "2h", "7d" -> microseconds; -1 when malformed. */
static int64_t duration_us(const char *s)
{
	static const struct { char unit; int64_t us; } units[] = {
		{ 's', 1000000LL }, { 'm', 60000000LL }, { 'h', 3600000000LL }, { 'd', 86400000000LL },
	};
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (errno || end == s || v < 0 || v > 100LL * 365 * 86400)
		return -1;
	if (!*end)
		return v * 1000000LL;
	for (size_t i = 0; i < ARRAY_LEN(units); i++)
		if (end[0] == units[i].unit && !end[1])
			return v * units[i].us;
	return -1;
}

/* `net history [BRIDGE] [--json] [--since DURATION]`: what machist recorded
 * for this namespace, oldest first. */
static int net_history(const struct net_verb *v, const struct net_args *a)
{
	bool json = a->json;
	const char *bridge = a->n_args ? a->arg[0] : NULL;
	if (bridge && !net_bridge_ok(v, bridge))
		return EXIT_USAGE;
	uint64_t since = 0;
	if (a->since) {
		int64_t d = duration_us(a->since);
		if (d < 0)
			return cmd_error("net history: --since wants a duration like 90s, 15m, 2h, 7d"), EXIT_USAGE;
		uint64_t now = now_wall_us();
		since = (uint64_t)d < now ? now - (uint64_t)d : 1;
	}
	char *err = NULL;
	struct machist *h = machist_new(NULL, &err);
	if (!h)
		return report(-1, err);
	struct machist_record *r = NULL;
	size_t n = 0;
	if (machist_load(h, bridge, since, &r, &n, &err) < 0) {
		machist_free(h);
		return report(-1, err);
	}
	for (size_t i = 0; i < n; i++) {
		char *line = NULL;
		if (json) {
			line = machist_record_json(&r[i]);
		} else {
			char o[18], nw[18], ts[32];
			time_t t = (time_t)(r[i].wall_us / 1000000);
			struct tm tm;
			localtime_r(&t, &tm);
			size_t k = strftime(ts, sizeof(ts), "%Y-%m-%d %H:%M:%S", &tm);
			snprintf(ts + k, sizeof(ts) - k, ".%06u", (unsigned)(r[i].wall_us % 1000000));
			/* The text already says old -> new and who; the cause kind
			 * goes first for grep. */
			mac_format(r[i].old_mac, o);
			mac_format(r[i].new_mac, nw);
			line = r[i].text[0] ? xasprintf("%s %s %s: %s", ts, r[i].bridge, r[i].cause, r[i].text)
					    : xasprintf("%s %s %s: %s -> %s", ts, r[i].bridge, r[i].cause, o, nw);
		}
		puts(line);
		free(line);
		for (size_t k = 0; !json && k < r[i].n_outages; k++) {
			const struct machist_outage *g = &r[i].outages[k];
			printf("    %s: %llu frame%s lost, %.1f s\n", g->vm[0] ? g->vm : g->port, (unsigned long long)g->frames,
			       g->frames == 1 ? "" : "s", (double)g->duration_us / 1e6);
		}
	}
	machist_records_free(r, n);
	machist_free(h);
	return EXIT_OK;
}

/* net export NAME --libvirt [--out FILE]: the lab network as libvirt's. */
static int net_export(const struct net_verb *v, const struct net_args *a)
{
	if (!net_name_ok(v, a->arg[0]))
		return EXIT_USAGE;
	if (!a->libvirt) {
		cmd_error("usage: vmdeck net export %s (--libvirt: the only format)", v->usage);
		return EXIT_USAGE;
	}
	int code;
	struct labnet *n = load_net(a->arg[0], &code);
	if (!n)
		return code;
	char *xml = NULL, *err = NULL;
	struct strv notes = { 0 };
	int rc = EXIT_OK;
	if (labnet_libvirt_xml(n, &xml, &notes, &err) < 0) {
		cmd_error("net export: %s", err);
		rc = EXIT_FAIL;
	}
	for (size_t i = 0; i < notes.n; i++)
		fprintf(stderr, "%s: %s\n", n->name, notes.v[i]);
	if (rc == EXIT_OK && a->out) {
		if (file_write_atomic(a->out, xml, strlen(xml), 0644, &err) < 0) {
			cmd_error("net export: %s", err);
			rc = EXIT_FAIL;
		} else
			fprintf(stderr, "%s: wrote %s (virsh net-define %s)\n", n->name, a->out, a->out);
	} else if (rc == EXIT_OK)
		fputs(xml, stdout);
	free(xml);
	free(err);
	strv_clear(&notes);
	labnet_free(n);
	return rc;
}

/* net grant BRIDGE USER [--taps N] (root): N TAPs USER's vmdeck may use. */
static int net_grant(const struct net_verb *v, const struct net_args *a)
{
	if (!net_bridge_ok(v, a->arg[0]))
		return EXIT_USAGE;
	return cmd_net_grant(a->arg[0], a->arg[1], a->taps ? a->taps : 1);
}

static int net_revoke(const struct net_verb *v, const struct net_args *a)
{
	if (!net_bridge_ok(v, a->arg[0]))
		return EXIT_USAGE;
	return cmd_net_revoke(a->arg[0], a->n_args > 1 ? a->arg[1] : NULL);
}

static int net_grants(const struct net_verb *v, const struct net_args *a)
{
	if (a->n_args && !net_bridge_ok(v, a->arg[0]))
		return EXIT_USAGE;
	return cmd_net_grants(a->n_args ? a->arg[0] : NULL, a->json);
}

#define NET_HELP { "help", no_argument, NULL, 'h' }
static const struct option o_plain[] = { NET_HELP, { 0 } };
static const struct option o_json[] = { { "json", no_argument, NULL, 'j' }, NET_HELP, { 0 } };
static const struct option o_pin[] = { { "arp-notify", no_argument, NULL, 'a' }, NET_HELP, { 0 } };
static const struct option o_export[] = {
	{ "libvirt", no_argument, NULL, 'l' }, { "out", required_argument, NULL, 'o' }, NET_HELP, { 0 },
};
static const struct option o_grant[] = { { "taps", required_argument, NULL, 't' }, NET_HELP, { 0 } };
static const struct option o_history[] = {
	{ "json", no_argument, NULL, 'j' }, { "since", required_argument, NULL, 's' }, NET_HELP, { 0 },
};

static const struct net_verb net_verbs[] = {
	{ "up", "NAME", "bring lab network NAME up (bridge, address, NAT, dnsmasq); up twice is harmless", true,
	  o_plain, 1, 1, net_up },
	{ "down", "NAME", "undo exactly what 'net up NAME' did", true, o_plain, 1, 1, net_down },
	{ "status", "[NAME] [--json]", "live state of one or every lab network", false, o_json, 0, 1, net_status },
	{ "list", "[--json]", "the lab network names", false, o_json, 0, 0, net_list },
	{ "pin", "BRIDGE [MAC] [--arp-notify]", "pin a bridge's MAC (to MAC, or its current one)", true, o_pin, 1, 2,
	  net_pin },
	{ "heal", "BRIDGE on|off",
	  "after each MAC change announce BRIDGE's new MAC to its guests (gratuitous ARP, unsolicited NA)", true,
	  o_plain, 2, 2, net_heal },
	{ "history", "[BRIDGE] [--json] [--since DURATION]",
	  "bridge MAC changes recorded in this network namespace, with what each cost its guests", false, o_history, 0,
	  1, net_history },
	{ "export", "NAME --libvirt [--out FILE]", "write lab network NAME as a libvirt network XML (pinned MAC, NAT, DHCP)",
	  false, o_export, 1, 1, net_export },
	{ "grant", "BRIDGE USER [--taps N]",
	  "(root) make N (default 1) TAPs on BRIDGE owned by USER: USER's vmdeck starts VMs there without privilege",
	  true, o_grant, 2, 2, net_grant },
	{ "revoke", "BRIDGE [USER]", "delete exactly the TAPs 'net grant' made on BRIDGE (for USER)", true, o_plain, 1,
	  2, net_revoke },
	{ "grants", "[BRIDGE] [--json]", "the granted TAPs: user, MAC, free or in use", false, o_json, 0, 1,
	  net_grants },
};

const char *cmd_net_sub(size_t i, const char **usage)
{
	if (i >= ARRAY_LEN(net_verbs))
		return NULL;
	*usage = net_verbs[i].usage;
	return net_verbs[i].name;
}

static void net_help(FILE *out)
{
	fprintf(out, "usage: vmdeck net SUBVERB [ARGS...]  (vmdeck net SUBVERB --help)\n");
	for (size_t i = 0; i < ARRAY_LEN(net_verbs); i++) {
		char *u = xasprintf("%s %s", net_verbs[i].name, net_verbs[i].usage);
		fprintf(out, "  %-46s %s\n", u, net_verbs[i].summary);
		free(u);
	}
}

/* The sub-verb's options and arguments: -1 to go on, else the exit code. */
static int net_parse(const struct net_verb *v, int argc, char **argv, struct net_args *a)
{
	int c;
	optind = 0; /* full re-initialisation: main.c's getopt ran before */
	/* No '+': options may come before or after the arguments. */
	while ((c = getopt_long(argc, argv, "h", v->opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			printf("usage: vmdeck net %s %s\n%s\n", v->name, v->usage, v->summary);
			return EXIT_OK;
		case 'j': a->json = true; break;
		case 'a': a->arp_notify = true; break;
		case 's': a->since = optarg; break;
		case 'l': a->libvirt = true; break;
		case 'o': a->out = optarg; break;
		case 't': {
			unsigned long long num;
			if (!cmd_uint_opt("net grant", "--taps", optarg, 1, GRANT_TAPS_MAX, &num))
				return EXIT_USAGE;
			a->taps = (unsigned)num;
			break;
		}
		default: return net_usage_error(v);
		}
	}
	int n = argc - optind;
	if (n < v->min_args || n > v->max_args)
		return net_usage_error(v);
	for (int i = 0; i < n; i++)
		a->arg[i] = argv[optind + i];
	a->n_args = n;
	return -1;
}

static int cmd_net(int argc, char **argv)
{
	if (argc < 2) {
		net_help(stderr);
		return EXIT_USAGE;
	}
	const char *sub = argv[1];
	if (strcmp(sub, "--help") == 0 || strcmp(sub, "-h") == 0 || strcmp(sub, "help") == 0) {
		net_help(stdout);
		return EXIT_OK;
	}
	const struct net_verb *v = NULL;
	for (size_t i = 0; i < ARRAY_LEN(net_verbs) && !v; i++)
		if (strcmp(net_verbs[i].name, sub) == 0)
			v = &net_verbs[i];
	if (!v) {
		cmd_error("net: unknown subcommand \"%s\"", sub);
		net_help(stderr);
		return EXIT_USAGE;
	}
	struct net_args a = { 0 };
	int r = net_parse(v, argc - 1, argv + 1, &a);
	if (r >= 0)
		return r;
	if (v->acts && cmd_read_only)
		return cmd_error("net %s: refused in --read-only mode", v->name), EXIT_PERM;
	return v->exec(v, &a);
}

/* ---- watch --------------------------------------------------------------- */

struct watch {
	struct loop *loop;
	struct linkwatch *lw;
	bool json, stats;
	const char *dump_path;
	struct machist *mh; /* NULL: the namespace could not be identified */
	bool mh_failed;     /* said so once */
	struct outage *ob;  /* what each change costs the guests */
};

/* Append a bridge MAC change to the namespace's history file (machist.h);
 * a failure is reported once and watching goes on. */
static void watch_record(struct watch *w, const struct linkwatch_event *ev)
{
	if (!w->mh || !ev->link || !ev->change)
		return;
	struct machist_record r;
	machist_record_from_change(w->mh, ev->link, ev->change, &r);
	char *err = NULL;
	if (machist_append(w->mh, &r, NULL, &err) < 0 && !w->mh_failed) {
		cmd_error("watch: not recording MAC history: %s", err);
		w->mh_failed = true;
	}
	free(err);
}

/* An outage's start and end as a line; its end also goes to the history. */
static void watch_outage(struct outage *o, const struct outage_event *ev, void *arg)
{
	struct watch *w = arg;
	(void)o;
	char *s = w->json ? outage_event_json(ev) : outage_event_text(ev);
	puts(s);
	fflush(stdout);
	free(s);
	if (!w->mh)
		return;
	char *err = NULL;
	if (outage_record(w->mh, ev, &err) < 0 && !w->mh_failed) {
		cmd_error("watch: not recording MAC history: %s", err);
		w->mh_failed = true;
	}
	free(err);
}

static void watch_event(struct linkwatch *lw, const struct linkwatch_event *ev, void *arg)
{
	struct watch *w = arg;
	outage_link_event(w->ob, ev);
	if (ev->type == LINKWATCH_EV_STATS) {
		if (!w->stats)
			return;
		/* One line per link with its rates. */
		for (size_t i = 0; i < linkwatch_count(lw); i++) {
			const struct link_info *l = linkwatch_link(lw, i);
			if (!l->has_rates)
				continue;
			if (w->json) {
				json_object *o = json_object_new_object();
				json_object_object_add(o, "ts_us", json_object_new_uint64(ev->wall_us));
				json_object_object_add(o, "event", json_object_new_string("rates"));
				json_object_object_add(o, "ifname", json_object_new_string(l->name));
				json_object_object_add(o, "rx_bps", json_object_new_double(l->rates.rx_bps));
				json_object_object_add(o, "tx_bps", json_object_new_double(l->rates.tx_bps));
				json_object_object_add(o, "rx_pps", json_object_new_double(l->rates.rx_pps));
				json_object_object_add(o, "tx_pps", json_object_new_double(l->rates.tx_pps));
				puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
				json_object_put(o);
			}
			else
				printf("rates %s rx %.0f bit/s %.1f pkt/s tx %.0f bit/s %.1f pkt/s\n", l->name, l->rates.rx_bps,
				       l->rates.rx_pps, l->rates.tx_bps, l->rates.tx_pps);
		}
		fflush(stdout);
		return;
	}
	/* The line first: the history file (a lock, a write) comes after it. */
	char *s = w->json ? linkwatch_event_json(ev) : linkwatch_event_text(ev);
	puts(s);
	fflush(stdout);
	free(s);
	if (ev->type == LINKWATCH_EV_BRIDGE_MAC_CHANGED)
		watch_record(w, ev);
}

static void watch_dump(struct watch *w)
{
	char *s = linkwatch_dump_json(w->lw);
	char *err = NULL;
	if (strcmp(w->dump_path, "-") == 0) {
		puts(s);
		fflush(stdout);
	} else if (file_write_atomic(w->dump_path, s, strlen(s), 0644, &err) < 0) {
		cmd_error("watch: %s", err);
		free(err);
	}
	free(s);
}

static void watch_signal(int signo, void *arg)
{
	struct watch *w = arg;
	if (signo == SIGUSR1) {
		if (w->dump_path)
			watch_dump(w);
		return;
	}
	loop_quit(w->loop);
}

static int cmd_watch(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "stats", no_argument, NULL, 's' },
		{ "interval", required_argument, NULL, 'i' },
		{ "dump-json", required_argument, NULL, 'd' },
		{ "dump", no_argument, NULL, 'D' },
		{ "rcvbuf", required_argument, NULL, 'b' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct watch w = { 0 };
	struct linkwatch_options lo = { 0 };
	bool dump_once = false;
	unsigned long long num;
	int c;
	while ((c = getopt_long(argc, argv, "jsi:d:Dh", opts, NULL)) != -1) {
		switch (c) {
		case 'j': w.json = true; break;
		case 's': w.stats = true; break;
		case 'i':
			if (!cmd_uint_opt("watch", "--interval", optarg, 10, 3600000, &num))
				return EXIT_USAGE;
			lo.stats_interval_ms = (unsigned)num;
			break;
		case 'd': w.dump_path = optarg; break;
		case 'D': dump_once = true; break;
		case 'b':
			if (!cmd_uint_opt("watch", "--rcvbuf", optarg, 1024, 1ULL << 30, &num))
				return EXIT_USAGE;
			lo.rcvbuf_bytes = (size_t)num;
			break;
		case 'h':
			printf("usage: vmdeck watch [--json] [--stats] [--interval MS] [--dump-json FILE] [--dump] "
			       "[--rcvbuf BYTES]\n");
			return EXIT_OK;
		default: return EXIT_USAGE;
		}
	}
	if (optind < argc)
		return cmd_error("watch: unexpected argument \"%s\"", argv[optind]), EXIT_USAGE;
	setvbuf(stdout, NULL, _IOLBF, 0);
	char *err = NULL;
	if (dump_once) {
		struct linkwatch *lw = linkwatch_new(NULL, &lo, &err);
		if (!lw)
			return report(-1, err);
		char *s = linkwatch_dump_json(lw);
		puts(s);
		free(s);
		linkwatch_free(lw);
		return EXIT_OK;
	}
	w.loop = loop_new();
	if (!lo.stats_interval_ms)
		lo.stats_interval_ms = cmd_interval_ms; /* the global --interval, else the default */
	w.lw = linkwatch_new(w.loop, &lo, &err);
	if (!w.lw) {
		loop_free(w.loop);
		return report(-1, err);
	}
	w.mh = machist_new(NULL, &err);
	if (!w.mh) {
		cmd_error("watch: not recording MAC history: %s", err);
		free(err);
		err = NULL;
	}
	linkwatch_set_on_change(w.lw, watch_event, &w);
	w.ob = outage_new(w.loop, w.lw);
	outage_set_on_event(w.ob, watch_outage, &w);
	outage_set_heal(w.ob, !cmd_read_only);
	if (outage_unavailable(w.ob))
		fprintf(stderr, "vmdeck watch: %s\n", outage_unavailable(w.ob));
	loop_signal_add(w.loop, SIGINT, watch_signal, &w);
	loop_signal_add(w.loop, SIGTERM, watch_signal, &w);
	loop_signal_add(w.loop, SIGHUP, watch_signal, &w);
	loop_signal_add(w.loop, SIGUSR1, watch_signal, &w);
	/* Tests wait for this line: from here on no event is missed. */
	fprintf(stderr, "vmdeck watch: watching %zu links\n", linkwatch_count(w.lw));
	loop_run(w.loop);
	outage_free(w.ob);
	linkwatch_free(w.lw);
	machist_free(w.mh);
	loop_free(w.loop);
	return EXIT_OK;
}

const struct cmd_entry cmd_net_entry = {
	"net", "up|down|status|pin|heal|list|history|export|grant|revoke|grants ...", "lab networks: bring up/down, status; pin or heal a bridge's MAC; MAC history and outages; export to libvirt; grant TAPs to a user", cmd_net,
};
const struct cmd_entry cmd_watch_entry = {
	"watch", "[--json] [--stats] [--interval MS] [--dump-json FILE] [--dump] [--rcvbuf BYTES]", "print link, port and bridge MAC events as they happen", cmd_watch,
};
