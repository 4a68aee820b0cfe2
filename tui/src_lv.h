/* src_lv: the libvirt hosts (--connect, config.yaml's connections) as a
 * source of the TUI model: one core/lvhost per connection on the TUI's
 * loop; their domains become rows after this host's VMs, under a header
 * per host (tui/src_vm.c's extra rows), and the VM keys act on them
 * through libvirt, off the loop. */
#ifndef VMDECK_TUI_SRC_LV_H
#define VMDECK_TUI_SRC_LV_H

#include "tui/keys.h"

struct loop;
struct mvm;
struct src_lv;
struct src_vm;
struct ui;

/* NULL when there is no connection. */
struct src_lv *src_lv_new(struct loop *l, struct ui *ui, struct src_vm *vms);
void src_lv_free(struct src_lv *s);
/* Start, stop, force, pause/resume, reset on a libvirt domain's row; -1
 * with err when it cannot begin. The outcome arrives as a ui message. */
int src_lv_act(struct src_lv *s, enum action a, struct mvm *v, char **err);

/* A libvirt domain's screen for src_thumb (a src_thumb_remote_fn; arg: the
 * src_lv): virDomainOpenGraphicsFD through core/lvhost, on the VNC
 * worker's thread. */
struct vnc_config;
int src_lv_screen(void *arg, const struct mvm *v, struct vnc_config *cfg, char **err);

/* The monitor pane's command for a libvirt domain's row: HMP through
 * libvirt, off the loop; the reply lands in the row's scrollback. */
void src_lv_monitor_send(struct src_lv *s, struct mvm *v, const char *cmd);

#endif
