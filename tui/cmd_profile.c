/* cmd_profile: the profile verbs — check, args, list. */
#include "core/forward.h"
#include "core/modes.h"
#include "core/paths.h"
#include "core/profile.h"
#include "core/qemu_args.h"
#include "core/util.h"
#include "net/labnet.h"
#include "tui/cmd.h"
#include "tui/cmd_list.h"

#include <getopt.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static struct profile_set *load_default(void)
{
	const char *dir = paths_profiles_dir();
	return profile_set_load(&dir, 1);
}

/* The mode a VM starts in when none is asked for: its saved mode (boot
 * when none is saved, or when the saved file is garbled). */
static enum vm_mode saved_mode(const char *name)
{
	enum vm_mode m = VM_MODE_BOOT;
	modes_get(name, &m);
	return m;
}

static void print_diags(const struct profile_set *s)
{
	for (size_t i = 0; i < s->n_diags; i++) {
		char *line = profile_diag_format(&s->diags[i]);
		fprintf(stderr, "%s\n", line);
		free(line);
	}
}

/* ---- check ------------------------------------------------------------- */

static int cmd_check(int argc, char **argv)
{
	static const struct option opts[] = { { "help", no_argument, NULL, 'h' }, { 0 } };
	int c;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c == 'h') {
			printf("usage: vmdeck check [PATH...]\n"
			       "Validate profiles (files or directories; default: the profile directory),\n"
			       "and the lab networks in each directory's networks/.\n"
			       "Prints every problem as FILE:LINE:COL: message on stderr.\n"
			       "Exit: 0 no errors (warnings allowed), 1 errors found, 2 usage.\n");
			return EXIT_OK;
		}
		return EXIT_USAGE;
	}
	const char *def = paths_profiles_dir();
	const char *const *paths = argc > optind ? (const char *const *)argv + optind : &def;
	size_t n = argc > optind ? (size_t)(argc - optind) : 1;
	struct profile_set *s = profile_set_load(paths, n);
	print_diags(s);
	size_t errors = profile_diag_errors(s->diags, s->n_diags);
	printf("%zu file%s checked: %zu profile%s loaded, %zu error%s, %zu warning%s\n", s->n_files,
	       s->n_files == 1 ? "" : "s", s->n, s->n == 1 ? "" : "s", errors, errors == 1 ? "" : "s",
	       s->n_diags - errors, s->n_diags - errors == 1 ? "" : "s");
	int rc = errors || (s->n_files == 0 && s->n_diags == 0) ? EXIT_FAIL : EXIT_OK;
	/* Lab networks live in DIR/networks/: checked with their profiles, so
	 * one command names every broken file. */
	size_t net_files = 0, net_ok = 0;
	for (size_t i = 0; i < n; i++) {
		struct stat st;
		if (stat(paths[i], &st) != 0 || !S_ISDIR(st.st_mode))
			continue;
		char *nd = path_join(paths[i], "networks");
		size_t nf, nok;
		char **probs = labnet_problems(nd, &nf, &nok);
		for (size_t j = 0; probs[j]; j++) {
			fprintf(stderr, "%s\n", probs[j]);
			free(probs[j]);
		}
		free(probs);
		free(nd);
		net_files += nf;
		net_ok += nok;
	}
	if (net_files) {
		printf("%zu lab network file%s checked: %zu loaded, %zu with errors\n", net_files,
		       net_files == 1 ? "" : "s", net_ok, net_files - net_ok);
		if (net_ok < net_files)
			rc = EXIT_FAIL;
	}
	if (s->n_files == 0 && s->n_diags == 0)
		cmd_error("no profiles (*.yaml, *.yml) found in %s", n == 1 ? paths[0] : "the given paths");
	profile_set_free(s);
	return rc;
}

/* ---- args -------------------------------------------------------------- */

static int cmd_args(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "mode", required_argument, NULL, 'm' },
		{ "accel", required_argument, NULL, 'a' },
		{ "lines", no_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *mode_s = NULL, *accel = NULL;
	bool lines = false;
	int c;
	while ((c = getopt_long(argc, argv, "m:a:lh", opts, NULL)) != -1) {
		switch (c) {
		case 'm': mode_s = optarg; break;
		case 'l': lines = true; break;
		case 'a': accel = optarg; break;
		case 'h':
			printf("usage: vmdeck args NAME [--mode install|boot] [--accel kvm|tcg|kvm:tcg] [--lines]\n"
			       "Print the exact QEMU command line of VM NAME, shell-quoted on one line\n"
			       "(--lines: one argument per line, unquoted). Default mode: the VM's saved mode.\n"
			       "Its serial port is fd 3 (-chardev socket,id=serial0,fd=3) and the supervisor's\n"
			       "own monitor fd 4 (-chardev socket,id=vmdeck-rec,fd=4), the socket pairs\n"
			       "vmdeck's supervisor gives QEMU: run by hand, QEMU needs sockets as fds 3 and 4.\n"
			       "Exit: 0 ok, 1 failed (e.g. install mode without an install section), 2 usage,\n"
			       "3 no such VM.\n");
			return EXIT_OK;
		default: return EXIT_USAGE;
		}
	}
	if (argc - optind != 1) {
		cmd_error("usage: vmdeck args NAME [--mode install|boot] [--accel kvm|tcg|kvm:tcg] [--lines]");
		return EXIT_USAGE;
	}
	const char *name = argv[optind];
	if (!cmd_vm_name_ok("args", name))
		return EXIT_USAGE;
	enum vm_mode mode = saved_mode(name);
	if (mode_s && vm_mode_parse(mode_s, &mode) < 0) {
		cmd_error("--mode must be 'install' or 'boot', not '%s'", mode_s);
		return EXIT_USAGE;
	}
	if (accel && strcmp(accel, "kvm") && strcmp(accel, "tcg") && strcmp(accel, "kvm:tcg")) {
		cmd_error("--accel must be kvm, tcg or kvm:tcg, not '%s'", accel);
		return EXIT_USAGE;
	}
	struct profile_set *s = load_default();
	const struct profile *p = profile_set_find(s, name);
	if (!p) {
		cmd_error("no VM named '%s' in %s%s", name, paths_profiles_dir(),
			  profile_diag_errors(s->diags, s->n_diags) ? " (some profiles have errors: run 'vmdeck check')"
								    : "");
		profile_set_free(s);
		return EXIT_NOTFOUND;
	}
	char *dir = paths_vm_dir(name);
	struct qemu_runtime rt = { .dir = dir, .accel = accel };
	struct strv av = { 0 };
	char *err = NULL;
	int rc = EXIT_OK;
	if (qemu_args_build(p, mode, &rt, &av, &err) < 0) {
		cmd_error("%s", err);
		rc = EXIT_FAIL;
	} else if (lines) {
		for (size_t i = 0; i < av.n; i++)
			printf("%s\n", av.v[i]);
	} else {
		char *line = strv_shell_join(&av);
		printf("%s\n", line);
		free(line);
	}
	free(err);
	strv_clear(&av);
	free(dir);
	profile_set_free(s);
	return rc;
}

/* ---- list -------------------------------------------------------------- */

static json_object *jstr(const char *s) { return s ? json_object_new_string(s) : NULL; }

static json_object *profile_json(const struct profile *p, enum vm_mode mode)
{
	json_object *o = json_object_new_object();
	json_object_object_add(o, "name", jstr(p->name));
	json_object_object_add(o, "description", jstr(p->description));
	json_object_object_add(o, "path", jstr(p->path));
	json_object_object_add(o, "mode", jstr(vm_mode_name(mode)));
	json_object_object_add(o, "accel", jstr(p->accel));
	json_object_object_add(o, "machine", jstr(p->machine));
	json_object_object_add(o, "cpu", jstr(p->cpu));
	json_object_object_add(o, "memory_mb", json_object_new_int64(p->memory_mb));
	json_object_object_add(o, "smp_cpus", json_object_new_int64(p->smp_cpus ? p->smp_cpus : 1));
	json_object_object_add(o, "kernel", jstr(p->kernel));
	json_object_object_add(o, "initrd", jstr(p->initrd));
	json_object *fw = NULL;
	if (p->firmware_code) {
		fw = json_object_new_object();
		json_object_object_add(fw, "code", jstr(p->firmware_code));
		json_object_object_add(fw, "vars", jstr(p->firmware_vars));
		json_object_object_add(fw, "vars_template", jstr(p->firmware_vars_template));
	}
	json_object_object_add(o, "firmware", fw);
	json_object *disks = json_object_new_array();
	for (size_t i = 0; i < p->n_disks; i++) {
		const struct profile_disk *d = &p->disks[i];
		json_object *j = json_object_new_object();
		json_object_object_add(j, "id", jstr(d->id));
		json_object_object_add(j, "file", jstr(d->file));
		json_object_object_add(j, "format", jstr(d->format));
		json_object_object_add(j, "interface", jstr(d->interface));
		json_object_object_add(j, "snapshot", json_object_new_boolean(d->snapshot));
		json_object_object_add(j, "readonly", json_object_new_boolean(d->readonly));
		json_object_object_add(j, "exists", json_object_new_boolean(path_exists(d->file)));
		json_object_array_add(disks, j);
	}
	json_object_object_add(o, "disks", disks);
	json_object *nics = json_object_new_array();
	for (size_t i = 0; i < p->n_nics; i++) {
		const struct profile_nic *n = &p->nics[i];
		json_object *j = json_object_new_object();
		uint8_t mac[6];
		char macs[18];
		profile_nic_guest_mac(p, i, mac);
		mac_format(mac, macs);
		json_object_object_add(j, "id", jstr(n->id));
		json_object_object_add(j, "model", jstr(n->model));
		json_object_object_add(j, "mac", jstr(macs));
		json_object_object_add(j, "network", jstr(n->user_net ? "user" : "tap"));
		json_object_object_add(j, "bridge", jstr(n->bridge));
		if (!n->user_net) {
			char *tap = profile_nic_tap_name(p, i);
			json_object_object_add(j, "tap", jstr(tap));
			free(tap);
			json_object_object_add(j, "tap_mac_policy",
					       n->has_tap_mac_policy ? jstr(mac_policy_name(n->tap_mac_policy)) : NULL);
		} else {
			json_object *fw = json_object_new_array();
			for (size_t k = 0; k < n->n_forwards; k++) {
				char *r = forward_format(&n->forwards[k]);
				json_object_array_add(fw, jstr(r));
				free(r);
			}
			json_object_object_add(j, "forwards", fw);
		}
		json_object_array_add(nics, j);
	}
	json_object_object_add(o, "nics", nics);
	json_object *inst = NULL;
	if (p->install.present) {
		inst = json_object_new_object();
		json_object_object_add(inst, "file", jstr(p->install.file));
		json_object_object_add(inst, "format", jstr(p->install.format));
		json_object_object_add(inst, "interface", jstr(p->install.interface));
		json_object_object_add(inst, "exists", json_object_new_boolean(path_exists(p->install.file)));
	}
	json_object_object_add(o, "install", inst);
	json_object_object_add(o, "vnc", jstr(p->vnc ? p->vnc : "unix"));
	json_object_object_add(o, "stop_timeout", json_object_new_int64(p->stop_timeout_s));
	json_object_object_add(o, "ssh_user", jstr(p->ssh_user));
	json_object_object_add(o, "autostart", json_object_new_boolean(p->autostart));
	json_object_object_add(o, "autostart_order", json_object_new_int64(p->autostart_order));
	json_object_object_add(o, "autostart_delay", json_object_new_int64(p->autostart_delay_s));
	return o;
}

static int cmd_list(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "names", no_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	bool json = false, names = false;
	int c;
	while ((c = getopt_long(argc, argv, "jnh", opts, NULL)) != -1) {
		switch (c) {
		case 'j': json = true; break;
		case 'n': names = true; break;
		case 'h':
			printf("usage: vmdeck list [--json] [--names]\n"
			       "List the VM profiles: name, mode, disks, NICs, description.\n"
			       "--names prints one name per line. Exit: 0 ok, 2 usage.\n");
			return EXIT_OK;
		default: return EXIT_USAGE;
		}
	}
	if (optind < argc) {
		cmd_error("usage: vmdeck list [--json] [--names]");
		return EXIT_USAGE;
	}
	struct profile_set *s = load_default();
	size_t errors = profile_diag_errors(s->diags, s->n_diags);
	if (json) {
		json_object *arr = json_object_new_array();
		for (size_t i = 0; i < s->n; i++)
			json_object_array_add(arr, profile_json(s->items[i], saved_mode(s->items[i]->name)));
		printf("%s\n", json_object_to_json_string_ext(arr, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(arr);
	} else if (names) {
		for (size_t i = 0; i < s->n; i++)
			printf("%s\n", s->items[i]->name);
	} else {
		printf("%-20s %-7s %-5s %-5s %s\n", "NAME", "MODE", "DISKS", "NICS", "DESCRIPTION");
		for (size_t i = 0; i < s->n; i++) {
			const struct profile *p = s->items[i];
			printf("%-20s %-7s %-5zu %-5zu %s\n", p->name, vm_mode_name(saved_mode(p->name)), p->n_disks,
			       p->n_nics, p->description ? p->description : "");
		}
	}
	if (errors)
		cmd_error("%zu problem%s in the profiles of %s (run 'vmdeck check')", errors, errors == 1 ? "" : "s",
			  paths_profiles_dir());
	profile_set_free(s);
	return EXIT_OK;
}

const struct cmd_entry cmd_check_entry = { "check", "[PATH...]", "validate profiles, print every problem",
					   cmd_check };
const struct cmd_entry cmd_args_entry = { "args", "NAME [--mode install|boot] [--accel kvm|tcg|kvm:tcg] [--lines]",
					  "print the exact QEMU command line", cmd_args };
const struct cmd_entry cmd_list_entry = { "list", "[--json] [--names]", "list the VM profiles", cmd_list };
