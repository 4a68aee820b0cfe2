/* src_thumb: the VNC thumbnail as a source of the TUI model. It owns the
 * pixel->cell module (core/thumb.h) and, when the VNC client (core/vnc.h)
 * is there, the connection to the selected VM's screen; it hands the thumb
 * view a small grid of cells sized to the thumbnail pane. */
#ifndef VMDECK_TUI_SRC_THUMB_H
#define VMDECK_TUI_SRC_THUMB_H

#include "tui/ui.h"

struct loop;
struct src_thumb;

/* fps: the frame cap (the caller took it from $VMDECK_THUMB_FPS with
 * vnc_fps_env, 1..60). */
struct src_thumb *src_thumb_new(struct loop *l, struct ui *ui, unsigned fps);
void src_thumb_free(struct src_thumb *s);
/* The selected VM changed: connect to its screen (or say why there is none). */
void src_thumb_select(struct src_thumb *s);
/* A libvirt domain's row (v->host): fn fills cfg's open_fd, fd_ref,
 * fd_unref and fd_arg (one reference, given to the VNC connection), or says
 * why not (-1, *err). Without it such rows show no screen. */
struct mvm;
struct vnc_config;
typedef int (*src_thumb_remote_fn)(void *arg, const struct mvm *v, struct vnc_config *cfg, char **err);
void src_thumb_set_remote(struct src_thumb *s, src_thumb_remote_fn fn, void *arg);
/* The pane changed size (layout, zoom). */
void src_thumb_resize(struct src_thumb *s);
/* Typing into the screen (ui->typing): a key as read (an ESC is held back
 * until the next key, with which it makes Alt-key, or until
 * src_thumb_key_end() at the end of what the terminal sent at once: a lone
 * Esc), and a click on screen cell x,y (buttons: RFB mask), mapped to the
 * framebuffer pixel under it. Sent without waiting (core/vnc.h). */
void src_thumb_key(struct src_thumb *s, int key);
void src_thumb_key_end(struct src_thumb *s);
void src_thumb_click(struct src_thumb *s, int x, int y, unsigned buttons);

#endif
