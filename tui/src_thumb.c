/* src_thumb: placeholder source until the VNC client (core/vnc.h) lands: the
 * pane says why there is no picture. The view already draws cells with their
 * own colours, so the client only has to fill ui->thumb.cells. */
#include "tui/src_thumb.h"
#include "core/util.h"

#include <stdlib.h>
#include <string.h>

struct src_thumb {
	struct loop *loop;
	struct ui *ui;
};

struct src_thumb *src_thumb_new(struct loop *l, struct ui *ui)
{
	struct src_thumb *s = xcalloc(1, sizeof(*s));
	s->loop = l;
	s->ui = ui;
	free(ui->thumb.message);
	ui->thumb.message = xstrdup("screen thumbnail: VNC client not built in yet");
	return s;
}

void src_thumb_free(struct src_thumb *s)
{
	free(s);
}

void src_thumb_select(struct src_thumb *s)
{
	s->ui->dirty |= D_THUMB;
}

void src_thumb_resize(struct src_thumb *s)
{
	s->ui->dirty |= D_THUMB;
}
