/* cmd_export: `vmdeck export NAME --libvirt [--out FILE] [--mode install|boot]`
 * — a profile as a libvirt domain XML (core/lvexport.c). What only QEMU's
 * command line can say, and what does not cross over, is listed on stderr. */
#include "core/lvexport.h"
#include "core/modes.h"
#include "core/paths.h"
#include "core/profile.h"
#include "core/util.h"
#include "tui/cmd.h"
#include "tui/cmd_list.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define USAGE "NAME --libvirt [--out FILE] [--mode install|boot]"

static void help(void)
{
	printf("usage: vmdeck export " USAGE "\n"
	       "Write VM NAME as a libvirt domain XML (libvirt 9) that runs the same machine:\n"
	       "native elements wherever libvirt has them, <qemu:commandline> only for what it\n"
	       "cannot say (isa-applesmc, -smbios, extra_args), each such use listed on stderr.\n"
	       "  --libvirt     the format (the only one)\n"
	       "  --out FILE    write there (default: stdout); 0600 when it holds a VNC password\n"
	       "  --mode M      install: the installer CD holds its medium and boots first\n"
	       "                (default: the VM's saved mode)\n"
	       "Then: virsh define FILE; virsh start NAME. See docs/libvirt.md.\n"
	       "Exit: 0 written, 1 failed, 2 usage, 3 no such VM.\n");
}

/* The VNC password file's first line (a TCP VNC), or NULL. */
static char *vnc_password(const struct profile *p)
{
	if (!p->vnc || !strcmp(p->vnc, "unix") || !p->vnc_password_file)
		return NULL;
	size_t len = 0;
	char *s = file_read_all(p->vnc_password_file, &len);
	if (!s) {
		cmd_error("export: %s: %s: cannot read the VNC password", p->name, p->vnc_password_file);
		return NULL;
	}
	s[strcspn(s, "\r\n")] = '\0';
	return s;
}

static int export_run(const struct profile *p, enum vm_mode mode, const char *out)
{
	char *pw = vnc_password(p);
	struct lvexport_opts o = { .mode = mode, .vnc_password = pw };
	struct lvexport e;
	char *err = NULL;
	int rc = EXIT_OK;
	if (lvexport_domain(p, &o, &e, &err) < 0) {
		cmd_error("export: %s", err);
		free(err);
		free(pw);
		return EXIT_FAIL;
	}
	for (size_t i = 0; i < e.qemu_args.n; i++)
		fprintf(stderr, "%s: <qemu:commandline> %s\n", p->name, e.qemu_args.v[i]);
	for (size_t i = 0; i < e.notes.n; i++)
		fprintf(stderr, "%s: %s\n", p->name, e.notes.v[i]);
	if (out) {
		if (file_write_atomic(out, e.xml, strlen(e.xml), pw ? 0600 : 0644, &err) < 0) {
			cmd_error("export: %s", err);
			rc = EXIT_FAIL;
		} else
			fprintf(stderr, "%s: wrote %s (virsh define %s)\n", p->name, out, out);
	} else
		fputs(e.xml, stdout);
	free(err);
	free(pw);
	lvexport_clear(&e);
	return rc;
}

static int cmd_export(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "libvirt", no_argument, NULL, 'l' }, { "out", required_argument, NULL, 'o' },
		{ "mode", required_argument, NULL, 'm' }, { "help", no_argument, NULL, 'h' }, { 0 },
	};
	const char *out = NULL, *mode_s = NULL;
	bool libvirt = false;
	int c;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'l': libvirt = true; break;
		case 'o': out = optarg; break;
		case 'm': mode_s = optarg; break;
		case 'h': help(); return EXIT_OK;
		default: return EXIT_USAGE;
		}
	}
	if (argc - optind != 1 || !libvirt) {
		cmd_error("usage: vmdeck export " USAGE "%s", libvirt ? "" : " (--libvirt: the only format)");
		return EXIT_USAGE;
	}
	const char *name = argv[optind];
	if (!cmd_vm_name_ok("export", name))
		return EXIT_USAGE;
	enum vm_mode mode = VM_MODE_BOOT;
	modes_get(name, &mode);
	if (mode_s && vm_mode_parse(mode_s, &mode) < 0) {
		cmd_error("export: --mode must be 'install' or 'boot', not '%s'", mode_s);
		return EXIT_USAGE;
	}
	const char *dir = paths_profiles_dir();
	struct profile_set *s = profile_set_load(&dir, 1);
	const struct profile *p = profile_set_find(s, name);
	int rc;
	if (!p) {
		cmd_error("export: no VM named '%s' in %s", name, dir);
		rc = EXIT_NOTFOUND;
	} else
		rc = export_run(p, mode, out);
	profile_set_free(s);
	return rc;
}

const struct cmd_entry cmd_export_entry = { "export", USAGE, "write a VM as a libvirt domain XML", cmd_export };
