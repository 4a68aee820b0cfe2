/* vm_forward: a VM's port forwards (user-mode NICs): the host ports checked
 * free before a start, RUN/forwards written then, and forwards added or
 * removed live through HMP hostfwd_add / hostfwd_remove. */
#include "core/forward.h"
#include "core/profile.h"
#include "core/vm_priv.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The profile's forwards, each with its NIC's id. */
static size_t profile_forwards(const struct profile *p, struct forward **out)
{
	size_t n = 0;
	*out = NULL;
	for (size_t i = 0; p && i < p->n_nics; i++) {
		const struct profile_nic *nic = &p->nics[i];
		if (!nic->user_net || !nic->n_forwards)
			continue;
		*out = xrealloc(*out, (n + nic->n_forwards) * sizeof(**out));
		for (size_t k = 0; k < nic->n_forwards; k++) {
			struct forward *f = &(*out)[n++];
			*f = nic->forwards[k];
			snprintf(f->nic, sizeof(f->nic), "%s", nic->id ? nic->id : "");
		}
	}
	return n;
}

int vm_forwards_prepare(struct vm *vm, char **err)
{
	struct forward *f;
	size_t n = profile_forwards(vm->p, &f);
	int rc = 0;
	for (size_t i = 0; i < n && rc == 0; i++)
		if ((rc = forward_port_check(&f[i], err)) < 0)
			error_prefix(err, "VM %s: NIC %s", vm->name, f[i].nic);
	if (rc == 0 && n && forward_live_write(vm->dir, f, n, err) < 0)
		rc = error_prefix(err, "VM %s", vm->name);
	free(f);
	return rc;
}

static bool alive(const struct vm *vm)
{
	return vm->st == VM_RUNNING || vm->st == VM_PAUSED || vm->st == VM_STOPPING || vm->st == VM_STARTING;
}

size_t vm_forwards(struct vm *vm, struct forward **out, bool *live)
{
	bool l = false;
	if (alive(vm)) {
		char *path = vm_file(vm, "forwards");
		struct file_stamp now;
		if (file_stamp_changed(path, &vm->fwd_seen, &now)) {
			free(vm->fwd_cache);
			vm->fwd_cache = NULL;
			vm->n_fwd_cache = 0;
			if (now.have && forward_live_read(vm->dir, &vm->fwd_cache, &vm->n_fwd_cache) < 0)
				now.have = false; /* gone between the look and the read */
			vm->fwd_seen = now;
		}
		free(path);
		l = vm->fwd_seen.have;
	}
	if (live)
		*live = l;
	if (!l)
		return profile_forwards(vm->p, out);
	*out = vm->n_fwd_cache ? xmalloc(vm->n_fwd_cache * sizeof(**out)) : NULL;
	if (vm->n_fwd_cache)
		memcpy(*out, vm->fwd_cache, vm->n_fwd_cache * sizeof(**out));
	return vm->n_fwd_cache;
}

struct fwd_op {
	bool add;
	struct forward f;
	vm_done_cb done;
	void *arg;
};

static bool same_port(const struct forward *a, const struct forward *b)
{
	return a->proto == b->proto && a->host_port == b->host_port && strcmp(a->host, b->host) == 0;
}

/* QEMU 7.2's words: hostfwd_add prints nothing on success, else why not
 * ("Could not set up host forwarding rule …"); hostfwd_remove prints
 * "host forwarding rule for … removed", else "… not found". */
static bool reply_ok(bool add, const char *out)
{
	return add ? !*out : strstr(out, " removed") != NULL;
}

static void forward_reply(struct vm *vm, struct json_object *ret, const char *err, void *arg)
{
	struct fwd_op *op = arg;
	const char *out = err ? NULL : json_object_get_string(ret);
	if (!out)
		out = "";
	char *msg = NULL;
	char *rule = forward_format(&op->f);
	if (err)
		msg = xasprintf("VM %s: forward %s: %s", vm->name, rule, err);
	else if (!reply_ok(op->add, out))
		msg = xasprintf("VM %s: forward %s: QEMU: %.*s", vm->name, rule, (int)strcspn(out, "\r\n"), out);
	/* A rule QEMU does not have is not recorded either. */
	if (!err && (!msg || (!op->add && strstr(out, "not found")))) {
		struct forward *cur;
		size_t n = vm_forwards(vm, &cur, NULL), w = 0;
		for (size_t i = 0; i < n; i++)
			if (!same_port(&cur[i], &op->f))
				cur[w++] = cur[i];
		if (op->add) {
			cur = xrealloc(cur, (w + 1) * sizeof(*cur));
			cur[w++] = op->f;
		}
		char *e = NULL;
		if (forward_live_write(vm->dir, cur, w, &e) < 0 && !msg)
			msg = xasprintf("VM %s: forward %s is %s, but not recorded: %s", vm->name, rule,
					op->add ? "added" : "removed", e);
		free(e);
		free(cur);
	}
	free(rule);
	if (op->done)
		op->done(vm, msg ? -1 : 0, msg, op->arg);
	free(msg);
	vm_changed(vm);
	free(op);
}

/* The user-mode NIC a live rule goes to: the one named, else the first. */
static int forward_nic(const struct vm *vm, const char *nic, const struct profile_nic **out, char **err)
{
	for (size_t i = 0; vm->p && i < vm->p->n_nics; i++) {
		const struct profile_nic *n = &vm->p->nics[i];
		if (nic ? strcmp(n->id, nic) == 0 : n->user_net) {
			if (!n->user_net)
				return error_kind_set(err, ERR_INVALID, "VM %s: NIC %s is not on user networking",
						      vm->name, nic);
			*out = n;
			return 0;
		}
	}
	if (nic)
		return error_kind_set(err, ERR_NOTFOUND, "VM %s has no NIC '%s'", vm->name, nic);
	return error_kind_set(err, ERR_INVALID,
			      "VM %s has no NIC on user networking ('user: true'): forwards need one", vm->name);
}

/* The change, checked against what the VM forwards now. */
static int forward_judge(struct vm *vm, bool add, struct forward *f, char **err)
{
	struct forward *cur;
	size_t n = vm_forwards(vm, &cur, NULL);
	int rc = 0;
	char *rule = forward_format(f);
	bool found = false;
	for (size_t i = 0; i < n && rc == 0; i++) {
		if (add && forward_clash(f, &cur[i])) {
			char *o = forward_format(&cur[i]);
			rc = error_kind_set(err, ERR_BUSY, "VM %s already forwards %s (NIC %s): %s clashes with it",
					    vm->name, o, cur[i].nic, rule);
			free(o);
		} else if (!add && same_port(f, &cur[i])) {
			found = true;
			snprintf(f->nic, sizeof(f->nic), "%s", cur[i].nic);
		}
	}
	if (!add && !found)
		rc = error_kind_set(err, ERR_NOTFOUND, "VM %s has no forward of %s port %u on %s", vm->name,
				    forward_proto_name(f->proto), f->host_port, f->host);
	if (add && rc == 0 && (rc = forward_port_check(f, err)) < 0)
		error_prefix(err, "VM %s", vm->name);
	free(rule);
	free(cur);
	return rc;
}

int vm_forward_change(struct vm *vm, bool add, const char *nic, const char *rule, vm_done_cb done, void *arg,
		      char **err)
{
	if (!(vm->st == VM_RUNNING || vm->st == VM_PAUSED))
		return error_kind_set(err, ERR_INVALID, "VM %s is not running (%s): a forward is changed live only",
				      vm->name, vm_status_text(vm));
	const struct profile_nic *n = NULL;
	int rc = forward_nic(vm, nic, &n, err);
	if (rc < 0)
		return rc;
	struct forward f;
	if (forward_parse(rule, n->fwd_host, &f, err) < 0)
		return error_prefix(err, "VM %s", vm->name), -ERR_INVALID;
	snprintf(f.nic, sizeof(f.nic), "%s", n->id);
	rc = forward_judge(vm, add, &f, err);
	if (rc < 0)
		return rc;
	struct fwd_op *op = xcalloc(1, sizeof(*op));
	*op = (struct fwd_op){ .add = add, .f = f, .done = done, .arg = arg };
	char *q = add ? forward_qemu(&f) : forward_qemu_remove(&f);
	char *line = xasprintf("%s %s %s", add ? "hostfwd_add" : "hostfwd_remove", f.nic, q);
	free(q);
	struct json_object *a = json_object_new_object();
	json_object_object_add(a, "command-line", json_object_new_string(line));
	free(line);
	vm_call(vm, "human-monitor-command", a, forward_reply, op);
	return 0;
}
