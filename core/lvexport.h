/* lvexport: a profile -> a libvirt domain XML (libvirt 9) that runs the same
 * machine. Pure: reads no files (the VNC password is handed in), written
 * with libxml2's xmlTextWriter.
 *
 * Native elements wherever libvirt has them: memory, vCPUs with the topology
 * QEMU 7.2 itself would pick for the profile's -smp (libvirt always passes
 * all of sockets/cores/threads), CPU model, vendor and features (check='none':
 * vmdeck never enforces them either), machine type, firmware loader + NVRAM
 * (+ template), kernel/initrd/cmdline, disks with bus, address and boot order
 * (disks 2, 3, …; the installer CD 1 in install mode, empty in boot mode),
 * USB controller and input devices, sound with its codec and a silent audio
 * backend, VNC (a UNIX socket of libvirt's, or HOST:DISPLAY with keymap and
 * password), the serial console (a pty, logged like RUN/serial.log), NICs on
 * a bridge (MAC, model, TAP name) or user networking. libvirt adds nothing
 * vmdeck does not: <memballoon model='none'/>, a USB controller model 'none'
 * when the profile has no USB.
 *
 * <qemu:commandline> holds only what libvirt cannot say: isa-applesmc with
 * its osk, -smbios, CPU properties that are not CPUID features
 * (-global MODEL-x86_64-cpu.PROP=VALUE), USB devices libvirt does not name,
 * extra_args. Each use is one line of `qemu_args`; other things that do not
 * cross over are lines of `notes`. */
#ifndef VMDECK_LVEXPORT_H
#define VMDECK_LVEXPORT_H

#include "core/profile.h"
#include "core/util.h"

struct lvexport {
	char *xml;               /* the domain document, UTF-8 */
	struct strv qemu_args;   /* "-device isa-applesmc,osk=…: no libvirt element for the Apple SMC" */
	struct strv notes;       /* what changed or does not cross over */
};

struct lvexport_opts {
	enum vm_mode mode;       /* install: the installer CD holds its medium and boots first */
	/* The VNC password (from display.vnc_password_file), or NULL: a TCP
	 * VNC without one is exported without passwd= and a note. */
	const char *vnc_password;
};

/* 0, or -1 with *err naming the profile. out is filled (clear with
 * lvexport_clear) only on success. */
int lvexport_domain(const struct profile *p, const struct lvexport_opts *o, struct lvexport *out, char **err);
void lvexport_clear(struct lvexport *e);

/* The topology QEMU 7.2 gives "-smp cpus=C,sockets=S,cores=K,threads=T" (0:
 * not given) on machine `machine`: versions before 6.2 prefer sockets, later
 * (and the unversioned aliases) cores. */
void lvexport_smp_topology(const char *machine, unsigned cpus, unsigned sockets, unsigned cores, unsigned threads,
			   unsigned out[4]);

/* The libvirt namespace of <qemu:commandline>. */
#define LVEXPORT_QEMU_NS "http://libvirt.org/schemas/domain/qemu/1.0"
/* vmdeck's <metadata> element: <vmdeck:vm accel="kvm:tcg" stop_timeout="60"
 * install_file="…" install_format="…"/> (the installer's medium when the
 * exported CD is empty): what a round trip needs that libvirt has no word for. */
#define LVEXPORT_VMDECK_NS "urn:vmdeck:profile:1"

#endif
