/* prompt: a one-line text prompt in the status bar (the I key's script path),
 * with Tab completion of file paths. Pure state and keys: the status view
 * draws it, the app decides what Enter does. */
#ifndef VMDECK_TUI_PROMPT_H
#define VMDECK_TUI_PROMPT_H

#include <stdbool.h>
#include <stddef.h>

struct prompt {
	bool active;
	int action;          /* enum action of what Enter does */
	const char *label;   /* "import script: " (static) */
	char text[1024];
	size_t len;
	char *hint;          /* after a Tab with several matches: them, shortened; or why not */
	/* What Tab completes: a file path (the default), one of words (a
	 * NULL-terminated static list), or nothing. Set after prompt_open. */
	enum prompt_completion { PROMPT_PATHS, PROMPT_WORDS, PROMPT_NO_COMPLETION } completion;
	const char *const *words;
};

enum prompt_result { PROMPT_EDITING, PROMPT_CANCEL, PROMPT_SUBMIT };

void prompt_open(struct prompt *p, int action, const char *label);
void prompt_close(struct prompt *p);
/* A key while the prompt is open: printable characters, Backspace, Tab
 * (complete the path), Esc (cancel), Enter (submit). */
enum prompt_result prompt_key(struct prompt *p, int key);
/* Complete p->text as a path (~/ is $HOME): the longest common prefix of the
 * matching names in its directory, "/" after a single directory. */
void prompt_complete_path(struct prompt *p);
/* Complete p->text as one of p->words (the longest common prefix). */
void prompt_complete_word(struct prompt *p);
/* The text as a path: a leading ~/ is $HOME (caller frees). */
char *prompt_path(const char *text);

#endif
