#!/usr/bin/env python3
"""qmpcompare.py — a profile started by vmdeck and its export started by
libvirtd, compared over QMP (tests/libvirt/qmp.sh).

  qmpcompare.py media ARGS            placeholders for the media of a
                                      `vmdeck args --lines` output
  qmpcompare.py compare --netns NS --cwd DIR VMDECK_ARGS LIBVIRT_QMP_SOCK
      start the vmdeck command line paused (TCG) in NS, read both machines
      over QMP with tests/import/roundtrip.py's reader (machine, CPU model,
      properties and topology, memory, drives, every device with its bus,
      unit, MAC, osk, medium and boot index) and compare them, apart from what each adds
      for itself: libvirt's PCIe root ports (every PCI device sits behind
      one, so PCI bus names are compared as "pci") and its bus ids for USB
      and SCSI. Exit 1 with the differences.
"""
import os
import re
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "import"))
import roundtrip  # noqa: E402


def bus_kind(b):
    if b is None:
        return None
    b = re.sub(r"\.\d+$", "", b)
    if b.startswith("sound"):
        return "hda"  # libvirt's HDA controller is sound0, vmdeck's has no id
    for k in ("pci", "usb", "scsi", "ide"):
        if k in b:
            return k
    return b


def lines(d):
    devs = []
    for dev in d["devices"]:
        if dev["type"] in ("pcie-root-port",):
            continue  # libvirt: one root port per PCI device
        dev["bus"] = bus_kind(dev.get("bus"))
        drv = dev.get("drive")
        if drv and drv.get("ro") and drv.get("snapshot"):
            drv["snapshot"] = False  # snapshot=on over a read-only CD changes nothing; libvirt has no word for it
        devs.append(dev)
    d["devices"] = devs
    out = roundtrip.norm(d, False)
    out += ["%s: bootindex=%s" % (dev["_key"], dev["bootindex"]) for dev in devs
            if "_key" in dev and dev.get("bootindex", -1) != -1]
    return sorted(out)


class Blockdev:
    """libvirt's QEMU runs -blockdev: query-block names a virtio disk by its
    backend's path (…/ua-disk0/virtio-backend) and no drive id; the reader
    finds drives by the device's own path."""

    def __init__(self, q):
        self.q = q

    def cmd(self, name, **args):
        r = self.q.cmd(name, **args)
        if name == "query-block":
            for b in list(r):
                if (b.get("qdev") or "").endswith("/virtio-backend"):
                    r.append(dict(b, qdev=b["qdev"][: -len("/virtio-backend")]))
        return r


def compare(args):
    import argparse
    ap = argparse.ArgumentParser()
    ap.add_argument("--netns", required=True)
    ap.add_argument("--cwd", required=True)
    ap.add_argument("vmdeck_args")
    ap.add_argument("libvirt_sock")
    a = ap.parse_args(args)
    argv = [x for x in open(a.vmdeck_args).read().split("\n") if x]
    qsock = next(argv[i + 1].split(",")[0][5:] for i, x in enumerate(argv) if x == "-qmp" and "qmp.sock" in argv[i + 1])

    class Proc:  # libvirt's QEMU: alive while its socket answers
        def poll(self):
            return None

    q = roundtrip.QMP(a.libvirt_sock, Proc())
    theirs = roundtrip.dump(Blockdev(q))
    # One at a time: both open the same images (QEMU locks them). QEMU
    # removes its QMP socket as it exits.
    q.cmd("quit")
    end = time.monotonic() + 30
    while os.path.exists(a.libvirt_sock) and time.monotonic() < end:
        time.sleep(0.05)
    mine = roundtrip.run(argv, a.cwd, a.netns, qsock, [])
    l1, l2 = lines(mine), lines(theirs)
    import difflib
    diff = [l for l in difflib.unified_diff(l1, l2, "vmdeck", "libvirt", lineterm="", n=0)
            if l[:1] in "+-" and l[:3] not in ("---", "+++")]
    print("compared %d lines" % len(l1))
    for l in diff:
        print("  DIFF " + l)
    return 1 if diff else 0


def main():
    if len(sys.argv) >= 3 and sys.argv[1] == "media":
        argv = [x for x in open(sys.argv[2]).read().split("\n") if x]
        roundtrip.media(argv)
        return 0
    if len(sys.argv) >= 2 and sys.argv[1] == "compare":
        return compare(sys.argv[2:])
    print(__doc__, file=sys.stderr)
    return 2


sys.exit(main())
