#!/usr/bin/env python3
"""Drive `vmdeck console NAME` on ptys of our own, against a running test
guest whose serial console is a shell (vmdeck.serial=shell).
usage: console_pty.py VMDECK NAME
Checks, in order (each prints "ok: ..." or exits 1 with "FAIL: ..."):
  the shell answers a command typed into the console; Ctrl-] detaches (exit
  0) and the terminal is back in cooked mode; a second console is refused
  naming the holder's pid; --force takes over (the first is told who, and
  exits); SIGTERM detaches and restores the terminal. Waits are bounded."""
import os, pty, re, select, signal, subprocess, sys, time

vmdeck, name = sys.argv[1], sys.argv[2]


class Pty:
    """vmdeck console under a pty, run by sh so `stty -a` shows the mode the
    terminal was left in after vmdeck exits."""

    def __init__(self, *args):
        cmd = " ".join(["'%s'" % vmdeck, "console", name] + list(args))
        self.pid, self.fd = pty.fork()
        if self.pid == 0:
            os.execvp("sh", ["sh", "-c", cmd + "; echo \"rc=$?\"; stty -a; echo stty-end; sleep 30"])
        self.out = b""

    def read_until(self, pattern, limit=60):
        end = time.monotonic() + limit
        rx = re.compile(pattern)
        while time.monotonic() < end:
            m = rx.search(self.out)
            if m:
                return m
            r, _, _ = select.select([self.fd], [], [], 0.2)
            if r:
                try:
                    chunk = os.read(self.fd, 65536)
                except OSError:
                    break
                if not chunk:
                    break
                self.out += chunk
        return rx.search(self.out)

    def send(self, data):
        os.write(self.fd, data)

    def vmdeck_pid(self):
        """The vmdeck child of our sh."""
        end = time.monotonic() + 10
        while time.monotonic() < end:
            r = subprocess.run(["pgrep", "-P", str(self.pid), "-x", "vmdeck"], capture_output=True, text=True)
            if r.stdout.strip():
                return int(r.stdout.split()[0])
            time.sleep(0.05)
        return None

    def close(self):
        try:
            os.kill(self.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        os.waitpid(self.pid, 0)
        os.close(self.fd)


def fail(msg, p=None):
    print("FAIL: " + msg)
    if p is not None:
        print("  output: %r" % p.out[-600:])
    sys.exit(1)


def ok(msg):
    print("ok: " + msg)
    sys.stdout.flush()


def expect(p, pattern, what, limit=60):
    if not p.read_until(pattern, limit):
        fail(what, p)
    ok(what)


def cooked(p):
    """stty -a after vmdeck: icanon and echo are on again."""
    m = p.read_until(rb"rc=\d+[\s\S]*?stty-end", 20)
    if not m:
        return False
    text = p.out[p.out.rindex(b"rc="):]
    return re.search(rb"(?<!-)icanon", text) is not None and re.search(rb"(?<![-a-z])echo\b", text) is not None


# 1. Type a command, read its answer, detach with Ctrl-].
a = Pty()
expect(a, rb"connected to VM \S+ serial console", "console attaches")
a.send(b"\r")
expect(a, rb"guest# ", "the guest's shell prompt shows")
a.send(b"echo $((6*7))-answer\r")
expect(a, rb"42-answer", "the shell answers a command typed into the console")
a.send(b"\x1d")
expect(a, rb"detached from VM \S+; it keeps running", "Ctrl-] detaches")
expect(a, rb"rc=0", "exit status 0 after Ctrl-]")
if not cooked(a):
    fail("the terminal is not back in cooked mode after Ctrl-]", a)
ok("the terminal is restored (icanon, echo) after Ctrl-]")
a.close()

# 2. A holder, and a second console that is refused naming it.
a = Pty()
expect(a, rb"connected to VM", "first console holds the VM's console")
apid = a.vmdeck_pid()
b = Pty()
expect(b, rb"held by vmdeck console \(pid %d\); --force takes it over" % apid,
       "a second console is refused, naming the holder's pid %s" % apid)
expect(b, rb"rc=1", "the refused console exits 1")
b.close()

# 3. --force takes it over; the first is told who and leaves.
b = Pty("--force")
expect(b, rb"connected to VM", "--force attaches")
bpid = b.vmdeck_pid()
expect(a, rb"taken over by vmdeck console \(pid %d\)" % bpid, "the first console is told who took it over")
expect(a, rb"rc=1", "the first console exits 1")
if not cooked(a):
    fail("the taken-over console left the terminal raw", a)
ok("the taken-over console restored its terminal")
a.close()
b.send(b"echo forced-$((1+1))\r")
expect(b, rb"forced-2", "the new holder's keys reach the shell")

# 4. SIGTERM detaches and restores the terminal.
os.kill(bpid, signal.SIGTERM)
expect(b, rb"detached from VM \S+ \(Terminated\)", "SIGTERM detaches with a message")
if not cooked(b):
    fail("after SIGTERM the terminal is still raw", b)
ok("the terminal is restored after SIGTERM")
b.close()
print("passed")
