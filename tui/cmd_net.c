/* cmd_net: `vmdeck net up|down|status|pin|list` and `vmdeck watch`. */
#include "tui/cmd.h"
#include "tui/cmd_list.h"
#include "net/bridge.h"
#include "net/labnet.h"
#include "net/linkwatch.h"
#include "core/loop.h"
#include "core/util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <json-c/json.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int fail_code(const char *err)
{
	return bridge_err_is_perm(err) ? EXIT_PERM : EXIT_FAIL;
}

static int report(int rc, char *err)
{
	if (rc < 0) {
		cmd_error("%s", err ? err : "failed");
		int code = fail_code(err);
		free(err);
		return code;
	}
	free(err);
	return EXIT_OK;
}

static struct labnet *load_net(const char *name, int *code)
{
	char *err = NULL;
	struct labnet *n = labnet_find(name, &err);
	if (!n) {
		cmd_error("%s", err);
		*code = err && strstr(err, "no lab network") ? EXIT_NOTFOUND : EXIT_FAIL;
		free(err);
	}
	return n;
}

static int net_up(const char *name)
{
	int code;
	struct labnet *n = load_net(name, &code);
	if (!n)
		return code;
	bool was_up = labnet_is_up(n->name);
	char *err = NULL;
	int rc = labnet_up(n, &err);
	if (rc == 0)
		printf("%s: %s (bridge %s, %s/%u)\n", n->name, was_up && labnet_is_up(n->name) ? "already up" : "up",
		       n->bridge, inet_ntoa(n->address), n->prefix);
	labnet_free(n);
	return report(rc, err);
}

static int net_down(const char *name)
{
	char *err = NULL;
	bool was_up = labnet_is_up(name);
	int rc = labnet_down(name, &err);
	if (rc == 0)
		printf("%s: %s\n", name, was_up ? "down" : "was not up (nothing to undo)");
	return report(rc, err);
}

/* The whole-directory verbs (net status, net list) show every network that
 * loads, then name each file that does not, with its problems: a broken
 * file is never silently left out. */
static int report_broken(int code)
{
	size_t n_files, n_ok;
	char **probs = labnet_problems(NULL, &n_files, &n_ok);
	for (size_t i = 0; probs[i]; i++) {
		cmd_error("%s", probs[i]);
		free(probs[i]);
	}
	if (n_ok < n_files) {
		cmd_error("%zu of %zu lab network files do not load (run 'vmdeck check')", n_files - n_ok, n_files);
		if (code == EXIT_OK)
			code = EXIT_FAIL;
	}
	free(probs);
	return code;
}

static int net_status(const char *name, bool json)
{
	char **names = NULL;
	char *one[2] = { (char *)name, NULL };
	if (!name)
		names = labnet_list();
	char **list = name ? one : names;
	int code = EXIT_OK;
	if (json && !name)
		fputs("[", stdout);
	for (size_t i = 0; list[i]; i++) {
		int c;
		struct labnet *n = load_net(list[i], &c);
		if (!n) {
			code = c;
			continue;
		}
		char *s = json ? labnet_status_json(n) : labnet_status_text(n);
		if (json)
			printf("%s%s", i && !name ? "," : "", s);
		else
			fputs(s, stdout);
		free(s);
		labnet_free(n);
	}
	if (json)
		puts(name ? "" : "]");
	if (names) {
		if (!names[0] && !json)
			printf("no lab networks (put NAME.yaml files in the profile directory's networks/)\n");
		for (size_t i = 0; names[i]; i++)
			free(names[i]);
		free(names);
	}
	return code;
}

static int net_pin(int argc, char **argv)
{
	bool arp_notify = false;
	const char *bridge = NULL, *macs = NULL;
	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--arp-notify") == 0)
			arp_notify = true;
		else if (!bridge)
			bridge = argv[i];
		else if (!macs)
			macs = argv[i];
		else
			return cmd_error("net pin: too many arguments"), EXIT_USAGE;
	}
	if (!bridge)
		return cmd_error("usage: vmdeck net pin BRIDGE [MAC] [--arp-notify]"), EXIT_USAGE;
	uint8_t mac[6];
	if (macs && mac_parse(macs, mac) < 0)
		return cmd_error("net pin: \"%s\" is not a MAC address", macs), EXIT_USAGE;
	char *err = NULL;
	int rc = bridge_pin(bridge, macs ? mac : NULL, arp_notify, &err);
	if (rc == 0)
		printf("%s: pinned%s\n", bridge, arp_notify ? ", arp_notify on" : "");
	else if (err && strstr(err, "no bridge"))
		return cmd_error("%s", err), free(err), EXIT_NOTFOUND;
	return report(rc, err);
}

static int cmd_net(int argc, char **argv)
{
	static const char usage[] = "usage: vmdeck net up NAME | down NAME | status [NAME] [--json] | "
				    "pin BRIDGE [MAC] [--arp-notify] | list";
	if (argc < 2)
		return cmd_error("%s", usage), EXIT_USAGE;
	const char *sub = argv[1];
	bool acts = strcmp(sub, "up") == 0 || strcmp(sub, "down") == 0 || strcmp(sub, "pin") == 0;
	if (acts && cmd_read_only)
		return cmd_error("net %s: refused in --read-only mode", sub), EXIT_PERM;
	if ((strcmp(sub, "up") == 0 || strcmp(sub, "down") == 0) && argc != 3)
		return cmd_error("%s", usage), EXIT_USAGE;
	if (strcmp(sub, "up") == 0)
		return net_up(argv[2]);
	if (strcmp(sub, "down") == 0)
		return net_down(argv[2]);
	if (strcmp(sub, "pin") == 0)
		return net_pin(argc - 2, argv + 2);
	if (strcmp(sub, "status") == 0 || strcmp(sub, "list") == 0) {
		bool json = false;
		const char *name = NULL;
		for (int i = 2; i < argc; i++) {
			if (strcmp(argv[i], "--json") == 0)
				json = true;
			else if (!name)
				name = argv[i];
			else
				return cmd_error("%s", usage), EXIT_USAGE;
		}
		if (strcmp(sub, "list") == 0) {
			char **names = labnet_list();
			for (size_t i = 0; names[i]; i++) {
				puts(names[i]);
				free(names[i]);
			}
			free(names);
			return report_broken(EXIT_OK);
		}
		int code = net_status(name, json);
		return name ? code : report_broken(code);
	}
	return cmd_error("net: unknown subcommand \"%s\"; %s", sub, usage), EXIT_USAGE;
}

/* ---- watch --------------------------------------------------------------- */

struct watch {
	struct loop *loop;
	struct linkwatch *lw;
	bool json, stats;
	const char *dump_path;
};

static void watch_event(struct linkwatch *lw, const struct linkwatch_event *ev, void *arg)
{
	struct watch *w = arg;
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
	char *s = w->json ? linkwatch_event_json(ev) : linkwatch_event_text(ev);
	puts(s);
	fflush(stdout);
	free(s);
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
	int c;
	while ((c = getopt_long(argc, argv, "jsi:d:Dh", opts, NULL)) != -1) {
		switch (c) {
		case 'j': w.json = true; break;
		case 's': w.stats = true; break;
		case 'i': lo.stats_interval_ms = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'd': w.dump_path = optarg; break;
		case 'D': dump_once = true; break;
		case 'b': lo.rcvbuf_bytes = strtoul(optarg, NULL, 10); break;
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
	if (!w.stats && !lo.stats_interval_ms)
		lo.stats_interval_ms = 1000;
	w.lw = linkwatch_new(w.loop, &lo, &err);
	if (!w.lw) {
		loop_free(w.loop);
		return report(-1, err);
	}
	linkwatch_set_on_change(w.lw, watch_event, &w);
	loop_signal_add(w.loop, SIGINT, watch_signal, &w);
	loop_signal_add(w.loop, SIGTERM, watch_signal, &w);
	loop_signal_add(w.loop, SIGHUP, watch_signal, &w);
	loop_signal_add(w.loop, SIGUSR1, watch_signal, &w);
	/* Tests wait for this line: from here on no event is missed. */
	fprintf(stderr, "vmdeck watch: watching %zu links\n", linkwatch_count(w.lw));
	loop_run(w.loop);
	linkwatch_free(w.lw);
	loop_free(w.loop);
	return EXIT_OK;
}

const struct cmd_entry cmd_net_entry = {
	"net", "up|down|status|pin|list ...", "lab networks: bring up/down, status; pin a bridge's MAC", cmd_net,
};
const struct cmd_entry cmd_watch_entry = {
	"watch", "[--json] [--stats]", "print link, port and bridge MAC events as they happen", cmd_watch,
};
