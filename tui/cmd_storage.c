/* cmd_storage: the storage verbs' shared view of one VM (cmd_storage.h). */
#include "tui/cmd_storage.h"
#include "core/paths.h"
#include "core/util.h"
#include "net/vmnet.h"
#include "tui/cmd.h"

#include <json-c/json.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define STATE_WAIT_MS 5000

static void on_quit_signal(int signo, void *arg)
{
	(void)signo;
	loop_quit(arg);
}

int stor_open(struct stor *s, const char *verb, const char *name)
{
	memset(s, 0, sizeof(*s));
	s->l = loop_new();
	s->m = vmm_new(s->l, &vmnet_hooks);
	vmm_set_read_only(s->m, cmd_read_only);
	vmm_set_scope(s->m, name);
	vmm_set_snapshot(s->m, true); /* one query-status; QMP on ctl.sock */
	const char *dir = paths_profiles_dir();
	vmm_sync_profiles(s->m, profile_set_load(&dir, 1));
	loop_signal_add(s->l, SIGINT, on_quit_signal, s->l);
	loop_signal_add(s->l, SIGTERM, on_quit_signal, s->l);
	uint64_t until = now_mono_us() + STATE_WAIT_MS * 1000ull;
	while (vmm_pending(s->m) && !loop_quitting(s->l) && now_mono_us() < until)
		loop_run_once(s->l, (int)((until - now_mono_us()) / 1000) + 1);
	s->vm = vmm_find(s->m, name);
	if (!s->vm) {
		cmd_error("%s: no VM named '%s' in %s", verb, name, paths_profiles_dir());
		return EXIT_NOTFOUND;
	}
	s->p = vm_profile(s->vm);
	if (!s->p) {
		cmd_error("%s: VM %s runs without a profile: vmdeck does not know its disks", verb, name);
		return EXIT_NOTFOUND;
	}
	if (vm_state(s->vm) == VM_UNKNOWN || vm_state(s->vm) == VM_STARTING || vm_state(s->vm) == VM_STOPPING) {
		cmd_error("%s: VM %s is %s; try again when it is running or stopped", verb, name,
			  vm_state_name(vm_state(s->vm)));
		return EXIT_FAIL;
	}
	return EXIT_OK;
}

void stor_close(struct stor *s)
{
	json_object_put(s->blocks);
	vmm_free(s->m);
	loop_free(s->l);
	memset(s, 0, sizeof(*s));
}

bool stor_live(const struct stor *s)
{
	enum vm_state st = s->vm ? vm_state(s->vm) : VM_STOPPED;
	return st == VM_RUNNING || st == VM_PAUSED;
}

struct wait {
	bool done;
	struct json_object *ret;
	char *err;
};

static void on_reply(struct vm *vm, struct json_object *ret, const char *err, void *arg)
{
	(void)vm;
	struct wait *w = arg;
	w->done = true;
	w->ret = ret ? json_object_get(ret) : NULL;
	w->err = err ? xstrdup(err) : NULL;
}

int stor_qmp(struct stor *s, const char *cmd, struct json_object *args, struct json_object **ret, char **err)
{
	struct wait w = { 0 };
	if (vm_qmp(s->vm, cmd, args, on_reply, &w, err) < 0)
		return -1;
	while (!w.done && !loop_quitting(s->l))
		loop_run_once(s->l, -1);
	if (!w.done) {
		/* vmm_free cancels the call later; w must outlive it: finish now. */
		vmm_free(s->m);
		s->m = NULL;
		json_object_put(w.ret);
		free(w.err);
		return error_set(err, "VM %s: interrupted while QEMU ran '%s'", vm_name(s->vm), cmd);
	}
	if (w.err) {
		error_set(err, "VM %s: %s: %s", vm_name(s->vm), cmd, w.err);
		free(w.err);
		json_object_put(w.ret);
		return -1;
	}
	if (ret)
		*ret = w.ret;
	else
		json_object_put(w.ret);
	return 0;
}

/* query-block's entry for drive id (BlockBackend name = the -drive id). */
static struct json_object *block_of(struct json_object *blocks, const char *id)
{
	size_t n = blocks && json_object_is_type(blocks, json_type_array) ? json_object_array_length(blocks) : 0;
	for (size_t i = 0; i < n; i++) {
		struct json_object *b = json_object_array_get_idx(blocks, i), *dev;
		if (json_object_object_get_ex(b, "device", &dev) && strcmp(json_object_get_string(dev), id) == 0)
			return b;
	}
	return NULL;
}

int stor_image(struct stor *s, const struct profile_disk *d, struct disk_image *out, char **err)
{
	memset(out, 0, sizeof(*out));
	if (!stor_live(s))
		return disk_info_read(vm_name(s->vm), d, out, err);
	if (!s->blocks && stor_qmp(s, "query-block", NULL, &s->blocks, err) < 0)
		return -1;
	struct json_object *b = block_of(s->blocks, d->id), *ins, *img;
	if (!b || !json_object_object_get_ex(b, "inserted", &ins) || !json_object_object_get_ex(ins, "image", &img))
		return error_kind_set(err, ERR_NOTFOUND, "VM %s: disk '%s' (%s): the running QEMU has no such drive",
				      vm_name(s->vm), d->id, d->file);
	if (disk_image_from_json(img, out, err) < 0)
		return error_prefix(err, "VM %s: disk '%s' (%s): query-block", vm_name(s->vm), d->id, d->file);
	return 0;
}

const char *stor_node(struct stor *s, const char *id)
{
	if (!s->blocks && stor_qmp(s, "query-block", NULL, &s->blocks, NULL) < 0)
		return NULL;
	struct json_object *b = block_of(s->blocks, id), *ins, *node;
	if (!b || !json_object_object_get_ex(b, "inserted", &ins) || !json_object_object_get_ex(ins, "node-name", &node))
		return NULL;
	return json_object_get_string(node);
}
