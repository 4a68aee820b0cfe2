/* labnet_libvirt: a lab network -> a libvirt network XML (libxml2's
 * xmlTextWriter): bridge name, <mac address> = the pinned MAC (libvirt
 * then creates the bridge with that MAC, so it never follows its ports),
 * NAT forward, the host's IP and prefix, the DHCP range with its lease time
 * and the static hosts. Pure: no I/O. */
#ifndef VMDECK_LABNET_LIBVIRT_H
#define VMDECK_LABNET_LIBVIRT_H

#include "core/util.h"
#include "net/labnet.h"

/* *xml (caller frees) and notes on what does not cross over (appended to
 * notes). 0, or -1 with *err naming the network. */
int labnet_libvirt_xml(const struct labnet *n, char **xml, struct strv *notes, char **err);

#endif
