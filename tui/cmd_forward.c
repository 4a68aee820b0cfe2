/* cmd_forward: port forwards of user-mode NICs from the command line —
 * `forward NAME [list|add RULE|remove RULE]` (live, through HMP), `ssh NAME`
 * (exec's ssh to the forward of guest port 22) and the NICs with their
 * forwards in `status --json`. */
#include "core/forward.h"
#include "core/profile.h"
#include "core/util.h"
#include "core/loop.h"
#include "core/vm.h"
#include "tui/cmd.h"
#include "tui/cmd_list.h"
#include "tui/cmd_run.h"

#include <errno.h>
#include <json-c/json.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define FORWARD_USAGE "NAME [list | add RULE [--nic ID] | remove RULE]"
#define SSH_USAGE "NAME [SSH ARGS...]"
#define STATE_WAIT_MS 5000

static struct json_object *forward_json(const struct forward *f)
{
	struct json_object *o = json_object_new_object();
	json_object_object_add(o, "proto", json_object_new_string(forward_proto_name(f->proto)));
	json_object_object_add(o, "host", json_object_new_string(f->host));
	json_object_object_add(o, "host_port", json_object_new_int((int)f->host_port));
	json_object_object_add(o, "guest_port", json_object_new_int((int)f->guest_port));
	json_object_object_add(o, "public", json_object_new_boolean(forward_public(f)));
	return o;
}

struct json_object *cmd_forward_nics_json(struct vm *vm)
{
	struct json_object *a = json_object_new_array();
	const struct profile *p = vm_profile(vm);
	struct forward *f;
	bool live;
	size_t n = vm_forwards(vm, &f, &live);
	for (size_t i = 0; p && i < p->n_nics; i++) {
		const struct profile_nic *nic = &p->nics[i];
		struct json_object *o = json_object_new_object();
		json_object_object_add(o, "id", json_object_new_string(nic->id ? nic->id : ""));
		json_object_object_add(o, "network", json_object_new_string(nic->user_net ? "user" : "tap"));
		if (nic->user_net) {
			struct json_object *fw = json_object_new_array();
			for (size_t k = 0; k < n; k++)
				if (strcmp(f[k].nic, nic->id ? nic->id : "") == 0)
					json_object_array_add(fw, forward_json(&f[k]));
			json_object_object_add(o, "forwards", fw);
			/* live: what QEMU has now (RUN/forwards), not only the profile. */
			json_object_object_add(o, "forwards_live", json_object_new_boolean(live));
		}
		json_object_array_add(a, o);
	}
	free(f);
	return a;
}

/* Wait (bounded) until the VM manager knows whether each VM runs. */
static void settle(struct run *r)
{
	uint64_t until = now_mono_us() + STATE_WAIT_MS * 1000ull;
	while (vmm_pending(r->m) && !loop_quitting(r->l) && now_mono_us() < until)
		loop_run_once(r->l, (int)((until - now_mono_us()) / 1000) + 1);
}

static void forward_list(struct vm *vm)
{
	struct forward *f;
	bool live;
	size_t n = vm_forwards(vm, &f, &live);
	for (size_t i = 0; i < n; i++) {
		char *s = forward_format(&f[i]);
		printf("%-6s %s%s\n", f[i].nic, s, forward_public(&f[i]) ? "  (all addresses: reachable from the network)" : "");
		free(s);
	}
	if (!n)
		printf("%s: no forwards\n", vm_name(vm));
	free(f);
}

static int exec_forward(int argc, char **argv)
{
	const char *nic = NULL;
	/* --nic ID anywhere after the verb. */
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			printf("usage: vmdeck forward %s\n", FORWARD_USAGE);
			return EXIT_OK;
		}
		if (strcmp(argv[i], "--nic") == 0 && i + 1 < argc) {
			nic = argv[i + 1];
			memmove(&argv[i], &argv[i + 2], (size_t)(argc - i - 1) * sizeof(*argv));
			argc -= 2;
			i--;
		}
	}
	const char *sub = argc > 2 ? argv[2] : "list";
	bool list = strcmp(sub, "list") == 0, add = strcmp(sub, "add") == 0, rm = strcmp(sub, "remove") == 0;
	if (argc < 2 || (!list && !add && !rm) || (list && argc > 3) || (!list && argc != 4)) {
		cmd_error("usage: vmdeck forward %s", FORWARD_USAGE);
		return EXIT_USAGE;
	}
	if (!cmd_vm_name_ok("forward", argv[1]))
		return EXIT_USAGE;
	if (!list && cmd_read_only) {
		cmd_error("forward: refused in --read-only mode");
		return EXIT_PERM;
	}
	struct run r;
	run_open(&r, argv[1], list);
	struct vm *vm = find_vm(&r, argv[1]);
	int rc = EXIT_NOTFOUND;
	if (vm && list) {
		settle(&r);
		forward_list(vm);
		rc = EXIT_OK;
	} else if (vm) {
		char *err = NULL;
		int c = vm_forward_change(vm, add, nic, argv[3], on_done, &r, &err);
		if (c < 0) {
			cmd_error("%s", err);
			free(err);
			rc = cmd_exit_code(c);
		} else if ((rc = run_wait(&r)) == EXIT_OK)
			printf("%s: forward %s %s\n", vm_name(vm), argv[3], add ? "added" : "removed");
	}
	run_close(&r);
	return rc;
}

/* The forward of guest TCP port 22 and the login; NULL with a message. */
static char *ssh_target(struct vm *vm, unsigned *port)
{
	struct forward *f;
	size_t n = vm_forwards(vm, &f, NULL);
	const struct forward *hit = NULL;
	for (size_t i = 0; i < n && !hit; i++)
		if (f[i].proto == FORWARD_TCP && f[i].guest_port == 22)
			hit = &f[i];
	char *host = NULL;
	if (hit) {
		*port = hit->host_port;
		/* On every address: loopback is one of them. */
		host = xstrdup(strcmp(hit->host, "0.0.0.0") == 0 ? "127.0.0.1" : hit->host);
	} else
		cmd_error("ssh: VM %s forwards no host port to guest port 22: add one to a NIC on user networking "
			  "(forwards: [\"tcp:2222:22\"]), or live: vmdeck forward %s add tcp:2222:22",
			  vm_name(vm), vm_name(vm));
	free(f);
	return host;
}

static int exec_ssh(int argc, char **argv)
{
	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		if (argc < 2)
			cmd_error("usage: vmdeck ssh %s", SSH_USAGE);
		else
			printf("usage: vmdeck ssh %s\n", SSH_USAGE);
		return argc < 2 ? EXIT_USAGE : EXIT_OK;
	}
	if (!cmd_vm_name_ok("ssh", argv[1]))
		return EXIT_USAGE;
	struct run r;
	run_open(&r, argv[1], true);
	struct vm *vm = find_vm(&r, argv[1]);
	if (!vm) {
		run_close(&r);
		return EXIT_NOTFOUND;
	}
	settle(&r);
	unsigned port = 0;
	char *host = ssh_target(vm, &port);
	int rc = host ? EXIT_OK : EXIT_FAIL;
	if (host && vm_state(vm) != VM_RUNNING && vm_state(vm) != VM_PAUSED) {
		cmd_error("ssh: VM %s is not running (%s): start it first (vmdeck start %s)", vm_name(vm),
			  vm_status_text(vm), vm_name(vm));
		rc = EXIT_FAIL;
	}
	const struct profile *p = vm_profile(vm);
	const struct passwd *pw = getpwuid(getuid());
	char *login = xasprintf("%s@%s", p && p->ssh_user ? p->ssh_user : pw ? pw->pw_name : "root",
				host ? host : "");
	char *portstr = xasprintf("%u", port);
	free(host);
	run_close(&r);
	if (rc != EXIT_OK) {
		free(login);
		free(portstr);
		return rc;
	}
	/* ssh takes the user's own terminal: exec, nothing of vmdeck stays. */
	char **av = xcalloc((size_t)argc + 4, sizeof(*av));
	size_t k = 0;
	av[k++] = "ssh";
	av[k++] = "-p";
	av[k++] = portstr;
	av[k++] = login;
	for (int i = 2; i < argc; i++)
		av[k++] = argv[i];
	execvp("ssh", av);
	cmd_error("ssh: cannot run ssh: %s (apt-get install openssh-client)", strerror(errno));
	free(av);
	free(login);
	free(portstr);
	return errno == ENOENT ? EXIT_NOTFOUND : EXIT_FAIL;
}

const struct cmd_entry cmd_forward_entry = { "forward", FORWARD_USAGE,
					     "list, add or remove a port forward of a running VM (user networking)",
					     exec_forward };
const struct cmd_entry cmd_ssh_entry = { "ssh", SSH_USAGE, "ssh to a VM through its forward of guest port 22",
					 exec_ssh };
