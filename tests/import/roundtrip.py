#!/usr/bin/env python3
"""Round trip of `vmdeck import` against the real QEMU (tests/import/roundtrip.sh).

  roundtrip.py media ARGV0            placeholders for every medium the original
                                      command line names (cwd: the script's dir)
  roundtrip.py compare --netns NS --cwd DIR --run RUNDIR ORIG IMPORTED ALLOW
      start both command lines (NUL-separated files) paused under TCG in the
      network namespace, one after the other, read each machine over QMP and
      compare: machine type, CPU model, properties and topology, memory, the
      drives (file, format, read-only, snapshot) and every device (type, bus,
      unit, id where the script gave one, MAC, bootindex where the script
      gave one, osk, its drive). Exit 1 with a diff when they differ in
      anything but what vmdeck adds or replaces (ALLOW: one accepted diff
      line per line, with a reason after '#').

A small QMP client: replies are matched by "id"; events are skipped.
"""
import difflib
import json
import os
import shutil
import socket
import subprocess
import sys
import time

QEMU = "qemu-system-x86_64"
OVMF = "/usr/share/OVMF"


def opts(s, implied=None):
    """QemuOpts: a=1,b,,c -> dict (short-form booleans as on/off)."""
    out, first, item, i = {}, True, "", 0
    items = []
    while i <= len(s):
        if i == len(s) or (s[i] == "," and not (i + 1 < len(s) and s[i + 1] == ",")):
            items.append(item)
            item = ""
            i += 1
            continue
        if s[i] == ",":
            i += 1
        item += s[i]
        i += 1
    for it in items:
        if "=" in it:
            k, v = it.split("=", 1)
        elif first and implied:
            k, v = implied, it
        elif not it:
            continue
        elif it.startswith("no"):
            k, v = it[2:], "off"
        else:
            k, v = it, "on"
        out.setdefault(k, v)
        first = False
    return out


def fake_kernel(path):
    b = bytearray(65536)
    b[0x1F1] = 4
    b[0x202:0x208] = b"HdrS\x03\x02"
    b[0x211] = 1
    b[0x22C:0x230] = b"\xff\xff\xff\x37"
    open(path, "wb").write(b)


def disk(path, fmt):
    if os.path.exists(path):
        return
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    if fmt is None:
        fmt = "qcow2" if path.endswith(".qcow2") else "raw"
    size = "1M" if path.lower().endswith((".iso", ".dmg")) else "64M"
    subprocess.run(["qemu-img", "create", "-q", "-f", fmt, path, size], check=True)


def media(argv):
    """Create what the original command line opens, in the current directory."""
    i = 1
    while i < len(argv):
        a, v = argv[i], argv[i + 1] if i + 1 < len(argv) else None
        name = a.lstrip("-")
        if name == "drive":
            o = opts(v)
            f = o.get("file")
            if f and o.get("if") == "pflash":
                if not os.path.exists(f):
                    ro = o.get("readonly") == "on"
                    shutil.copy(os.path.join(OVMF, "OVMF_CODE_4M.fd" if ro else "OVMF_VARS_4M.fd"), f)
            elif f:
                disk(f, o.get("format"))
        elif name in ("hda", "hdb", "hdc", "hdd", "cdrom"):
            disk(v, None)
        elif name == "kernel" and not os.path.exists(v):
            fake_kernel(v)
        elif name == "initrd" and not os.path.exists(v):
            open(v, "wb").write(bytes(4096))
        i += 1


class QMP:
    def __init__(self, path, proc, timeout=30):
        end = time.monotonic() + timeout
        while True:
            # The socket file appears at bind(), before listen(): until then
            # a connect is refused.
            if proc.poll() is not None or time.monotonic() > end:
                raise RuntimeError("QEMU exited or no QMP socket at %s" % path)
            try:
                self.s = socket.socket(socket.AF_UNIX)
                self.s.settimeout(timeout)
                self.s.connect(path)
                break
            except (FileNotFoundError, ConnectionRefusedError):
                self.s.close()
                time.sleep(0.02)  # bounded: the deadline above
        self.f = self.s.makefile("rw")
        self.f.readline()  # greeting
        self.n = 0
        self.cmd("qmp_capabilities")

    def cmd(self, name, **args):
        self.n += 1
        self.f.write(json.dumps({"execute": name, "arguments": args, "id": self.n}) + "\n")
        self.f.flush()
        while True:
            line = self.f.readline()
            if not line:
                raise RuntimeError("QMP closed during " + name)
            r = json.loads(line)
            if r.get("id") == self.n:
                if "error" in r:
                    return None
                return r["return"]


def walk(q, path, out):
    """Every device object under path: (path, type, property names)."""
    for c in q.cmd("qom-list", path=path) or []:
        t = c["type"]
        if not t.startswith("child<") or "memory-region" in t:
            continue
        p = path.rstrip("/") + "/" + c["name"]
        props = q.cmd("qom-list", path=p) or []
        names = {x["name"]: x["type"] for x in props}
        if "realized" in names and "parent_bus" in names:
            out.append((p, t[6:-1], names))
        walk(q, p, out)


def block_info(b):
    ins = b.get("inserted")
    if not ins:
        return {"file": None}
    img = ins.get("image", {})
    snap = False
    if "backing-image" in img and (ins.get("file", "").startswith("json:") or "/vl." in img.get("filename", "")):
        snap, img = True, img["backing-image"]  # snapshot=on: a temporary overlay on the image
    return {"file": os.path.realpath(img.get("filename", ins.get("file"))), "format": img.get("format"),
            "ro": ins.get("ro"), "snapshot": snap}


def dump(q):
    d = {"machine": q.cmd("qom-get", path="/machine", property="type"),
         "smp": q.cmd("qom-get", path="/machine", property="smp"),
         "memory": q.cmd("query-memory-size-summary")["base-memory"]}
    cpus = q.cmd("query-cpus-fast")
    d["cpu"] = sorted({q.cmd("qom-get", path=c["qom-path"], property="type") for c in cpus})
    cpu0 = cpus[0]["qom-path"]
    props = {}
    for p in q.cmd("qom-list", path=cpu0):
        if p["type"] in ("bool", "string", "str", "int", "uint32", "int32", "uint8", "uint64", "int64"):
            props[p["name"]] = q.cmd("qom-get", path=cpu0, property=p["name"])
    for k in ("apic-id", "socket-id", "core-id", "thread-id", "die-id", "cluster-id", "node-id", "start-powered-off",
              "hotplugged", "realized", "hotpluggable", "parent_bus"):
        props.pop(k, None)
    d["cpu_props"] = props
    blocks = {}
    for b in q.cmd("query-block"):
        info = block_info(b)
        info["name"] = b["device"]
        for key in (b.get("qdev"), b["device"]):
            if key:
                blocks[key] = info
    devs = []
    for path, typ, names in sorted(walk_all(q)):
        dev = {"type": typ, "path": path}
        bus = q.cmd("qom-get", path=path, property="parent_bus")
        dev["bus"] = bus.rsplit("/", 1)[-1] if bus else None
        if path.startswith("/machine/peripheral/"):
            dev["id"] = path.rsplit("/", 1)[-1]
        for p in ("mac", "bootindex", "osk", "unit"):
            if p in names:
                dev[p] = q.cmd("qom-get", path=path, property=p)
        if "drive" in names:
            b = blocks.get(dev.get("id")) or blocks.get(path) or blocks.get(
                q.cmd("qom-get", path=path, property="drive"))
            dev["drive"] = b
        devs.append(dev)
    d["devices"] = devs
    return d


def walk_all(q):
    out = []
    walk(q, "/machine", out)
    return out


# vmdeck's argv has its serial port on fd 3 (-chardev socket,id=serial0,fd=3,
# the supervisor's socket pair): serial_fd3.py gives QEMU one (and execs it).
SERIAL_FD3 = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "console", "serial_fd3.py")


def run(argv, cwd, netns, sock, extra):
    env = dict(os.environ)
    cmd = ["ip", "netns", "exec", netns, sys.executable, SERIAL_FD3] + argv + extra + ["-S"]
    log = open(os.path.join(cwd, "qemu-%d.log" % os.getpid()), "ab")
    p = subprocess.Popen(cmd, cwd=cwd, stdin=subprocess.DEVNULL, stdout=log, stderr=log, env=env)
    try:
        q = QMP(sock, p)
        d = dump(q)
        q.cmd("quit")
    except Exception as e:
        p.kill()
        p.wait()
        log.close()
        tail = open(log.name, "rb").read()[-800:].decode(errors="replace")
        raise RuntimeError("%s: %s\n%s" % (" ".join(argv[:3]), e, tail))
    p.wait(timeout=30)
    return d


FLAGS = {"enable-kvm", "no-kvm", "usb", "nographic", "daemonize", "S", "s", "snapshot", "no-reboot", "no-shutdown",
         "nodefaults", "no-hpet", "no-acpi", "no-fd-bootchk", "full-screen", "no-quit", "enable-fips", "mem-prealloc",
         "no-user-config", "sdl", "curses", "preconfig", "only-migratable"}


def modernise(argv):
    """What QEMU 7.2 no longer starts (ide-drive), and what the test must
    control: TCG, no fork, a QMP socket of its own, no window, no stdio."""
    drives = {}
    for k in range(1, len(argv) - 1):
        if argv[k].lstrip("-") == "drive":
            o = opts(argv[k + 1])
            drives[o.get("id")] = o
    out, i = [argv[0]], 1
    while i < len(argv):
        a = argv[i]
        n = a.lstrip("-") if a.startswith("-") else None
        if n in FLAGS or n is None:
            if n not in ("enable-kvm", "daemonize", "nographic", "no-kvm"):
                out.append(a)
            i += 1
            continue
        v = argv[i + 1] if i + 1 < len(argv) else ""
        i += 2
        if n in ("accel", "pidfile", "monitor", "qmp", "display", "vnc"):
            continue
        if n in ("machine", "M"):
            v = ",".join(x for x in v.split(",") if not x.startswith("accel="))
        if n == "device" and v.startswith("ide-drive,"):
            d = drives.get(opts(v, "driver").get("drive"), {})
            cd = d.get("media") == "cdrom" or d.get("file", "").lower().endswith((".iso", ".dmg"))
            v = ("ide-cd" if cd else "ide-hd") + v[len("ide-drive"):]
        if n == "serial" and "stdio" in v:
            v = "null"
        out += [a, v]
    return out


def norm(d, orig):
    """Lines to compare. orig: the script's side (ids and bootindex count
    only where it gave them)."""
    lines = ["machine %s" % d["machine"], "memory %d MiB" % (d["memory"] >> 20),
             "smp " + " ".join("%s=%s" % (k, d["smp"][k]) for k in sorted(d["smp"])),
             "cpu %s" % ",".join(d["cpu"])]
    lines += ["cpu.%s = %s" % (k, json.dumps(v)) for k, v in sorted(d["cpu_props"].items())]
    for dev in d["devices"]:
        t = dev["type"]
        drv = dev.get("drive")
        if t in ("isa-serial", "isa-parallel"):
            continue  # vmdeck's serial console replaces QEMU's default serial/parallel ports
        if drv is not None and drv.get("file") is None and orig and t in ("ide-cd", "floppy") and "id" not in dev:
            continue  # QEMU's default empty CD-ROM / floppy drive: -nodefaults drops it
        if t == "floppy" and drv is None:
            continue
        s = "device %s bus=%s" % (t, dev.get("bus"))
        if "unit" in dev:
            s += " unit=%s" % dev["unit"]
        for k in ("mac", "osk"):
            if k in dev:
                s += " %s=%s" % (k, dev[k])
        if drv and drv.get("file"):
            s += " drive=%s format=%s ro=%s snapshot=%s" % (os.path.basename(drv["file"]), drv["format"], drv["ro"],
                                                            drv["snapshot"])
        elif "drive" in dev:
            s += " drive=(empty)"
        dev["_key"] = s
        lines.append(s)
    return lines


def keyed(d):
    return {dev["_key"]: dev for dev in d["devices"] if "_key" in dev}


def compare(args):
    import argparse
    ap = argparse.ArgumentParser()
    ap.add_argument("--netns", required=True)
    ap.add_argument("--cwd", required=True)
    ap.add_argument("--run", required=True)
    ap.add_argument("orig")
    ap.add_argument("imported")
    ap.add_argument("allow")
    a = ap.parse_args(args)
    orig = open(a.orig, "rb").read().split(b"\0")[:-1]
    orig = [x.decode() for x in orig]
    imp = [x for x in open(a.imported).read().split("\n") if x]
    orig = [QEMU] + modernise(orig)[1:]
    imp = [QEMU] + imp[1:]
    osock = os.path.join(a.run, "orig-qmp.sock")
    d1 = run(orig, a.cwd, a.netns, osock, ["-qmp", "unix:%s,server=on,wait=off" % osock, "-display", "none",
                                           "-accel", "tcg"])
    qsock = None
    for i, x in enumerate(imp):
        if x == "-qmp" and "qmp.sock" in imp[i + 1]:
            qsock = imp[i + 1].split(",")[0][5:]
    d2 = run(imp, a.cwd, a.netns, qsock, [])
    l1, l2 = norm(d1, True), norm(d2, False)
    # ids and bootindex: compared where the script gave them (vmdeck names
    # and numbers every disk and NIC itself).
    k1, k2 = keyed(d1), keyed(d2)
    for key, dev in k1.items():
        other = k2.get(key)
        for k in ("id", "bootindex"):
            if k in dev and (k != "bootindex" or dev[k] != -1):
                if other is None:
                    continue
                want, got = dev[k], other.get(k)
                if k == "id" and got == "install-cd":
                    continue  # vmdeck's installer CD is always install-cd
                if want != got:
                    l1.append("%s: %s=%s" % (key, k, want))
                    l2.append("%s: %s=%s" % (key, k, got))
    allow = set()
    if os.path.exists(a.allow):
        for line in open(a.allow):
            line = line.split("#", 1)[0].rstrip()
            if line:
                allow.add(line)
    diff = [l for l in difflib.unified_diff(sorted(l1), sorted(l2), "script", "imported", lineterm="", n=0)
            if l[:1] in "+-" and l[:3] not in ("---", "+++")]
    unexpected = [l for l in diff if l not in allow]
    unused = sorted(allow - set(diff))
    print("compared %d lines (%d devices)" % (len(l1), len(d1["devices"])))
    for l in diff:
        print(("  allowed " if l in allow else "  DIFF    ") + l)
    for l in unused:
        print("  allowed but not seen (stale .allow?) " + l)
    return 1 if unexpected or unused else 0


def main():
    if len(sys.argv) >= 3 and sys.argv[1] == "media":
        argv = [x.decode() for x in open(sys.argv[2], "rb").read().split(b"\0")[:-1]]
        media(argv)
        return 0
    if len(sys.argv) >= 2 and sys.argv[1] == "compare":
        return compare(sys.argv[2:])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
