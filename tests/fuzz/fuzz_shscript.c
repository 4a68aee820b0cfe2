/* fuzz_shscript: libFuzzer target for the launch-script reader and, when it
 * finds a QEMU command, the import into a profile. Whatever the input, the
 * profile written must be YAML the profile parser reads without a syntax
 * error (quoting is libyaml's; the layout and comments are import's). */
#include "core/import.h"
#include "core/profile.h"
#include "core/shscript.h"
#include "core/util.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const set[] = { "DISK=/d.img", "EMPTY=" };
	struct shscript_env env = { .pwd = "/vm", .home = "/home/u", .script = "/vm/run.sh", .set = set, .n_set = 2 };
	struct shscript *s = shscript_read((const char *)data, size, &env);
	size_t ci, wi;
	if (!s->failed && import_find_qemu(s, &ci, &wi) == 0) {
		const struct shscript_cmd *c = &s->cmds[ci];
		size_t argc = c->n - wi;
		struct import_arg *argv = xcalloc(argc, sizeof *argv);
		for (size_t k = 0; k < argc; k++)
			argv[k] = (struct import_arg){ c->words[wi + k].text, c->words[wi + k].line, c->words[wi + k].col,
						      c->words[wi + k].unresolved };
		struct import_opts o = { .source_name = "run", .source = "run.sh", .base_dir = "/vm" };
		struct import_result r;
		char *err = NULL;
		if (import_qemu(argv, argc, &o, &r, &err) == 0) {
			free(import_summary(&r));
			struct profile_diag *d = NULL;
			size_t n = 0;
			profile_free(profile_parse("/vm/run.yaml", r.yaml, strlen(r.yaml), &d, &n));
			for (size_t i = 0; i < n; i++)
				if (!strncmp(d[i].msg, "YAML syntax error", 17) || !strncmp(d[i].msg, "duplicate key '", 15) ||
				    !strncmp(d[i].msg, "tab character", 13) || !strncmp(d[i].msg, "unknown key", 11))
					abort(); /* import wrote YAML that does not read back */
			profile_diags_free(d, n);
		}
		free(err);
		import_result_clear(&r);
		free(argv);
	}
	shscript_free(s);
	return 0;
}
