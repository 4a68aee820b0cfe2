/* cmd_net: `vmdeck net up|down|status|pin|list|history` and `vmdeck watch`. */
#include "tui/cmd.h"
#include "tui/cmd_list.h"
#include "net/bridge.h"
#include "net/labnet.h"
#include "net/linkwatch.h"
#include "net/machist.h"
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
#include <time.h>

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
static int net_history(int argc, char **argv, const char *usage)
{
	bool json = false;
	const char *bridge = NULL;
	uint64_t since = 0;
	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0) {
			json = true;
		} else if (strcmp(argv[i], "--since") == 0) {
			int64_t d = i + 1 < argc ? duration_us(argv[++i]) : -1;
			if (d < 0)
				return cmd_error("net history: --since wants a duration like 90s, 15m, 2h, 7d"), EXIT_USAGE;
			uint64_t now = now_wall_us();
			since = (uint64_t)d < now ? now - (uint64_t)d : 1;
		} else if (!bridge && argv[i][0] != '-') {
			bridge = argv[i];
		} else {
			return cmd_error("%s", usage), EXIT_USAGE;
		}
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
	}
	free(r);
	machist_free(h);
	return EXIT_OK;
}

static int cmd_net(int argc, char **argv)
{
	static const char usage[] = "usage: vmdeck net up NAME | down NAME | status [NAME] [--json] | "
				    "pin BRIDGE [MAC] [--arp-notify] | list | history [BRIDGE] [--json] [--since DURATION]";
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
	if (strcmp(sub, "history") == 0)
		return net_history(argc - 2, argv + 2, usage);
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
	struct machist *mh; /* NULL: the namespace could not be identified */
	bool mh_failed;     /* said so once */
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
	if (ev->type == LINKWATCH_EV_BRIDGE_MAC_CHANGED)
		watch_record(w, ev);
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
	loop_signal_add(w.loop, SIGINT, watch_signal, &w);
	loop_signal_add(w.loop, SIGTERM, watch_signal, &w);
	loop_signal_add(w.loop, SIGHUP, watch_signal, &w);
	loop_signal_add(w.loop, SIGUSR1, watch_signal, &w);
	/* Tests wait for this line: from here on no event is missed. */
	fprintf(stderr, "vmdeck watch: watching %zu links\n", linkwatch_count(w.lw));
	loop_run(w.loop);
	linkwatch_free(w.lw);
	machist_free(w.mh);
	loop_free(w.loop);
	return EXIT_OK;
}

const struct cmd_entry cmd_net_entry = {
	"net", "up|down|status|pin|list|history ...", "lab networks: bring up/down, status; pin a bridge's MAC; MAC history", cmd_net,
};
const struct cmd_entry cmd_watch_entry = {
	"watch", "[--json] [--stats] [--interval MS] [--dump-json FILE] [--dump] [--rcvbuf BYTES]", "print link, port and bridge MAC events as they happen", cmd_watch,
};
