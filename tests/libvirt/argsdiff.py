#!/usr/bin/env python3
"""argsdiff.py A B — two `vmdeck args --lines` outputs, equal as machines?

Spellings that give QEMU the same machine are made one before comparing:
-cpu MODEL,items: the items as a set, kvm=on (the default) left out;
-smp: the full topology QEMU 7.2 computes (machine versions before 6.2
prefer sockets, later ones cores); -machine q35 / pc: QEMU 7.2's own names
for them (pc-q35-7.2, pc-i440fx-7.2), which libvirt writes on define. Exit 0 equal, 1 with a diff on stdout."""
import difflib
import re
import sys


def prefers_sockets(machine):
    m = re.match(r"pc-.*-(\d+)\.(\d+)$", machine or "")
    return bool(m) and (int(m.group(1)), int(m.group(2))) < (6, 2)


def smp(val, machine):
    kv = {}
    for i, it in enumerate(val.split(",")):
        k, _, v = it.partition("=")
        kv["cpus" if i == 0 and not _ else k] = int(v if _ else k)
    c, s, k, t = (kv.get(x, 0) for x in ("cpus", "sockets", "cores", "threads"))
    if not c:
        s, k, t = s or 1, k or 1, t or 1
        c = s * k * t
    elif prefers_sockets(machine):
        if not s:
            k, t = k or 1, t or 1
            s = c // (k * t)
        elif not k:
            t = t or 1
            k = c // (s * t)
    else:
        if not k:
            s, t = s or 1, t or 1
            k = c // (s * t)
        elif not s:
            t = t or 1
            s = c // (k * t)
    t = t or c // (s * k)
    return f"{c},sockets={s},cores={k},threads={t}"


def norm(path):
    a = open(path).read().split("\n")
    machine = a[a.index("-machine") + 1] if "-machine" in a else None
    machine = {"q35": "pc-q35-7.2", "pc": "pc-i440fx-7.2"}.get(machine, machine)
    out = []
    for i, x in enumerate(a):
        prev = a[i - 1] if i else ""
        if prev == "-cpu":
            items = x.split(",")
            x = items[0] + "," + ",".join(sorted(set(items[1:]) - {"kvm=on"}))
        elif prev == "-machine":
            x = {"q35": "pc-q35-7.2", "pc": "pc-i440fx-7.2"}.get(x, x)
        elif prev == "-smp":
            x = smp(x, machine)
        out.append(x)
    return out


a, b = norm(sys.argv[1]), norm(sys.argv[2])
if a == b:
    sys.exit(0)
sys.stdout.writelines(l + "\n" for l in difflib.unified_diff(a, b, sys.argv[1], sys.argv[2], lineterm=""))
sys.exit(1)
