#!/usr/bin/env python3
"""Run vmdeck under a pty of our own and record every byte it writes: the
mouse mode it switches on (ncurses picks it from terminfo) and that it is
switched off again after the way out given (q, TERM, HUP, SEGV).
usage: mouse_pty.py TERM HOW VMDECK ARGS...   prints on, off (escaped) and exits 0,
or 1 with the reason."""
import os, pty, select, signal, sys, time

term, how, argv = sys.argv[1], sys.argv[2], sys.argv[3:]
pid, fd = pty.fork()
if pid == 0:
    os.environ["TERM"] = term
    os.execvp(argv[0], argv)

out = b""
def read_until(pred, limit):
    global out
    end = time.monotonic() + limit
    while time.monotonic() < end and not pred():
        r, _, _ = select.select([fd], [], [], 0.2)
        if r:
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                return
            if not chunk:
                return
            out += chunk

ON = {"xterm-256color": b"\x1b[?1006;1000h", "tmux-256color": b"\x1b[?1000h"}
OFF = {"xterm-256color": b"\x1b[?1006;1000l", "tmux-256color": b"\x1b[?1000l"}
want_on = ON.get(term, b"\x1b[?1000h")
want_off = OFF.get(term, b"\x1b[?1000l")
read_until(lambda: want_on in out and b"VMs" in out, 20)
if want_on not in out:
    print("mouse mode was never switched on: %r" % out[-300:])
    sys.exit(1)
if how == "q":
    os.write(fd, b"q")
else:
    os.kill(pid, getattr(signal, "SIG" + how))
read_until(lambda: False, 20)  # to EOF
os.waitpid(pid, 0)
tail = out[out.rindex(want_on) + len(want_on):]
if want_off not in tail:
    print("after %s: no %r after %r: %r" % (how, want_off, want_on, tail[-300:]))
    sys.exit(1)
if tail.rfind(want_on) > tail.rfind(want_off):
    print("after %s: switched on again after the last switch-off" % how)
    sys.exit(1)
print("on %r off %r" % (want_on, want_off))
