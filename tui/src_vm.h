/* src_vm: the VM manager (core/vm.h) as a source of the TUI model. It loads
 * the profiles (again when their files change: inotify in the loop), folds
 * vmm's state into struct model, tails the selected VM's serial console, and
 * turns key actions into asynchronous vm_* calls. Nothing here blocks. */
#ifndef VMDECK_TUI_SRC_VM_H
#define VMDECK_TUI_SRC_VM_H

#include "tui/keys.h"
#include "tui/ui.h"

struct labnet_set;
struct loop;
struct src_vm;

struct src_vm *src_vm_new(struct loop *l, struct ui *ui);
/* Closes connections; never stops VMs. NULL is a no-op. */
void src_vm_free(struct src_vm *s);
/* Load the profiles and the lab networks again now; returns how many VMs
 * there are. The model follows in src_vm_after. */
size_t src_vm_reload(struct src_vm *s);
/* The loop's after hook: rebuild the VM half of the model if anything
 * marked it stale (a VM change, a log line, an action, a reload, the
 * console), once per pass. Returns whether it rebuilt (the network half
 * reads the VM half: it is stale then too). */
bool src_vm_after(struct src_vm *s);
/* The lab networks loaded with the profiles (borrowed: valid until the next
 * reload; never NULL after src_vm_new). */
const struct labnet_set *src_vm_networks(const struct src_vm *s);
/* Read each live VM's CPU and memory (one /proc/PID/stat each): the app's
 * one-second tick calls it, never a key or an event. */
void src_vm_sample(struct src_vm *s);
/* The selection moved, or a second passed: mark stale what depends on it. */
void src_vm_refresh(struct src_vm *s);
/* Start, stop, force, pause/resume, reset, mode toggle on v. Returns -1 with
 * err when the action cannot begin; its outcome arrives as a ui message. */
int src_vm_act(struct src_vm *s, enum action a, struct mvm *v, char **err);
/* f's answer "add RULE" / "remove RULE" for VM name: vm_forward_change on
 * its first user-mode NIC; the outcome is a note or a message. */
int src_vm_forward(struct src_vm *s, const char *name, const char *text, char **err);
/* The monitor pane's relay (a ui_monitor_send_fn; arg is the src_vm). */
void src_vm_monitor_send(struct ui *ui, struct mvm *v, const char *cmd, void *arg);
/* Rows beyond this host's VMs (the libvirt hosts, tui/src_lv.c): fn is
 * called at each rebuild with this host's rows in m and may insert and
 * append rows (the selection follows its name). */
struct model;
typedef void (*src_vm_extra_fn)(struct model *m, void *arg);
void src_vm_set_extra(struct src_vm *s, src_vm_extra_fn fn, void *arg);
/* Something the rows show changed elsewhere: rebuild in src_vm_after. */
void src_vm_mark_stale(struct src_vm *s);
/* "a, b" of VMs that are alive (caller frees; NULL when none). */
char *src_vm_alive_names(struct src_vm *s, size_t *n);

#endif
