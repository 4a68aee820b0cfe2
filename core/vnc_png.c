/* vnc_png: a frame saved as an 8-bit RGB PNG (libpng), written to a
 * temporary file and renamed into place. */
#include "core/vnc.h"
#include "core/util.h"

#include <errno.h>
#include <fcntl.h>
#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int vnc_write_png(const struct thumb_frame *f, const char *path, char **err)
{
	if (!f || !f->px || f->w <= 0 || f->h <= 0)
		return error_set(err, "%s: no frame to save", path);
	char *tmp = xasprintf("%s.tmp.%d", path, (int)getpid());
	/* Predictable name, maybe in /tmp: never follow or reuse what another
	 * user planted there (root writes screenshots too). */
	unlink(tmp);
	int tfd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	FILE *fp = tfd >= 0 ? fdopen(tfd, "wb") : NULL;
	if (!fp && tfd >= 0)
		close(tfd);
	if (!fp) {
		error_set(err, "%s: %s", tmp, strerror(errno));
		free(tmp);
		return -1;
	}
	png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
	png_infop info = png ? png_create_info_struct(png) : NULL;
	uint8_t *row = xmalloc((size_t)f->w * 3);
	if (!png || !info || setjmp(png_jmpbuf(png))) {
		png_destroy_write_struct(&png, &info);
		fclose(fp);
		unlink(tmp);
		free(row);
		free(tmp);
		return error_set(err, "%s: PNG encoding failed", path);
	}
	png_init_io(png, fp);
	png_set_IHDR(png, info, (png_uint_32)f->w, (png_uint_32)f->h, 8, PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE,
		     PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
	png_set_compression_level(png, 3); /* screenshots: fast over small */
	png_write_info(png, info);
	for (int y = 0; y < f->h; y++) {
		const uint8_t *s = f->px + (size_t)y * f->stride;
		for (int x = 0; x < f->w; x++)
			memcpy(row + (size_t)x * 3, s + (size_t)x * 4, 3);
		png_write_row(png, row);
	}
	png_write_end(png, info);
	png_destroy_write_struct(&png, &info);
	free(row);
	if (fclose(fp) != 0 || rename(tmp, path) < 0) {
		error_set(err, "%s: %s", path, strerror(errno));
		unlink(tmp);
		free(tmp);
		return -1;
	}
	free(tmp);
	return 0;
}
