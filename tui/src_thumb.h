/* src_thumb: the VNC thumbnail as a source of the TUI model. It owns the
 * pixel->cell module (core/thumb.h) and, when the VNC client (core/vnc.h)
 * is there, the connection to the selected VM's screen; it hands the thumb
 * view a small grid of cells sized to the thumbnail pane. */
#ifndef VMDECK_TUI_SRC_THUMB_H
#define VMDECK_TUI_SRC_THUMB_H

#include "tui/ui.h"

struct loop;
struct src_thumb;

/* The thumbnail's frame cap from $VMDECK_THUMB_FPS (value): a whole number
 * from 1 to 60; unset or empty: VNC_DEFAULT_FPS. Anything else is an error,
 * as for the other VMDECK_* variables: -1 and *err names the variable. */
int src_thumb_fps(const char *value, unsigned *fps, char **err);

/* Takes the frame cap from $VMDECK_THUMB_FPS (the caller checked it with
 * src_thumb_fps first; a bad value shows in the thumbnail pane). */
struct src_thumb *src_thumb_new(struct loop *l, struct ui *ui);
void src_thumb_free(struct src_thumb *s);
/* The selected VM changed: connect to its screen (or say why there is none). */
void src_thumb_select(struct src_thumb *s);
/* The pane changed size (layout, zoom). */
void src_thumb_resize(struct src_thumb *s);

#endif
