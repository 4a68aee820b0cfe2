/* lvimport: a libvirt domain XML -> a commented vmdeck profile and the same
 * report as a script import (core/import.h: kept, moved to extra_args,
 * dropped, each with the element's line). Parsed with libxml2 (no network,
 * no entity expansion, no DTD); pure otherwise: reads no other file.
 *
 * Elements map back as core/lvexport.h writes them (the round trip gives an
 * equivalent profile); <qemu:commandline> arguments vmdeck has keys for
 * (isa-applesmc's osk, -smbios, -global MODEL-x86_64-cpu.PROP, USB devices)
 * go back to them, the rest to extra_args; what libvirt adds for itself
 * (PCIe root ports, its SATA and virtio-serial controllers, PS/2 inputs,
 * the balloon, the audio backend, serial and console ptys) is dropped with a
 * note; devices with no profile key (channels, RNG, TPM, host devices,
 * filesystems, …) are dropped and named. */
#ifndef VMDECK_LVIMPORT_H
#define VMDECK_LVIMPORT_H

#include "core/import.h"

#include <stddef.h>

/* Profiles larger than this are refused unread. */
#define LVIMPORT_MAX_SIZE (4 * 1024 * 1024)

/* o->source names the file ("vm.xml", "qemu:///system domain NAME") for
 * the header; o->source_name, o->name, o->base_dir as for import_qemu. -1
 * and *err ("LINE: message") when xml is no domain XML. */
int lvimport_domain(const char *xml, size_t len, const struct import_opts *o, struct import_result *r, char **err);

#endif
