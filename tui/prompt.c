/* prompt: the status bar's text input and its path completion. */
#include "tui/prompt.h"

#include "core/util.h"
#include "tui/grid.h"
#include "tui/keys.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

void prompt_open(struct prompt *p, int action, const char *label)
{
	prompt_close(p);
	p->active = true;
	p->action = action;
	p->label = label;
}

void prompt_close(struct prompt *p)
{
	free(p->hint);
	*p = (struct prompt){ 0 };
}

static void put_utf8(struct prompt *p, int cp)
{
	char b[4];
	size_t n = grid_utf8_encode((uint32_t)cp, b);
	if (p->len + n < sizeof p->text) {
		memcpy(p->text + p->len, b, n);
		p->len += n;
		p->text[p->len] = '\0';
	}
}

enum prompt_result prompt_key(struct prompt *p, int key)
{
	free(p->hint);
	p->hint = NULL;
	if (key == K_ESC)
		return PROMPT_CANCEL;
	if (key == K_ENTER || key == '\r' || key == '\n')
		return PROMPT_SUBMIT;
	if (key == K_TAB || key == '\t') {
		if (p->completion == PROMPT_PATHS)
			prompt_complete_path(p);
		else if (p->completion == PROMPT_WORDS)
			prompt_complete_word(p);
		return PROMPT_EDITING;
	}
	if (key == K_BACKSPACE || key == 127 || key == 8) {
		while (p->len && ((unsigned char)p->text[p->len - 1] & 0xC0) == 0x80)
			p->len--;
		if (p->len)
			p->len--;
		p->text[p->len] = '\0';
		return PROMPT_EDITING;
	}
	if (key >= 0x20 && key < K_BASE && key != 127)
		put_utf8(p, key);
	return PROMPT_EDITING;
}

void prompt_complete_path(struct prompt *p)
{
	char *full = prompt_path(p->text);
	const char *slash = strrchr(full, '/');
	char *dir = slash ? xstrndup(full, (size_t)(slash - full) + 1) : xstrdup("./");
	const char *base = slash ? slash + 1 : full;
	DIR *d = opendir(dir);
	if (!d) {
		p->hint = xasprintf("(no directory %s)", dir);
		free(dir);
		free(full);
		return;
	}
	char *common = NULL, *list = xstrdup("");
	size_t n = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (strncmp(e->d_name, base, strlen(base)) || !strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (e->d_name[0] == '.' && base[0] != '.')
			continue;
		n++;
		if (!common)
			common = xstrdup(e->d_name);
		else {
			size_t k = 0;
			while (common[k] && common[k] == e->d_name[k])
				k++;
			common[k] = '\0';
		}
		if (strlen(list) < 200) {
			char *t = xasprintf("%s%s%s", list, *list ? " " : "", e->d_name);
			free(list);
			list = t;
		}
	}
	closedir(d);
	if (!n)
		p->hint = xstrdup("(no match)");
	else {
		/* Keep what the user typed before the last '/' as typed (~ stays ~). */
		const char *typed_slash = strrchr(p->text, '/');
		size_t keep = typed_slash ? (size_t)(typed_slash - p->text) + 1 : 0;
		char *cand = xasprintf("%s%s", dir, common);
		struct stat st;
		bool isdir = n == 1 && stat(cand, &st) == 0 && S_ISDIR(st.st_mode);
		char *t = xasprintf("%.*s%s%s", (int)keep, p->text, common, isdir ? "/" : "");
		if (strlen(t) < sizeof p->text) {
			strcpy(p->text, t);
			p->len = strlen(t);
		}
		free(t);
		free(cand);
		if (n > 1)
			p->hint = xasprintf("(%s)", list);
	}
	free(list);
	free(common);
	free(dir);
	free(full);
}

void prompt_complete_word(struct prompt *p)
{
	size_t n = 0, common = 0;
	const char *first = NULL;
	for (size_t i = 0; p->words && p->words[i]; i++) {
		const char *w = p->words[i];
		if (strncmp(w, p->text, p->len))
			continue;
		if (!n++) {
			first = w;
			common = strlen(w);
		} else
			while (common && strncmp(first, w, common))
				common--;
	}
	if (!n) {
		p->hint = xstrdup("(no match)");
		return;
	}
	if (common < sizeof p->text) {
		memcpy(p->text, first, common);
		p->text[common] = '\0';
		p->len = common;
	}
}

char *prompt_path(const char *text)
{
	const char *home = getenv("HOME");
	if (!strncmp(text, "~/", 2) && home)
		return xasprintf("%s%s", home, text + 1);
	return xstrdup(text);
}
