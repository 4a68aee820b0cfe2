#!/usr/bin/env python3
"""Run one shell command in a running test guest through its serial console
relay, RUN/NAME/console.sock (the wire format is core/conproto.h), and print
what it answered. The guest runs a shell on ttyS0 (tests/guest/init; with
vmdeck.serial=shell the pings stay off it).

usage: console_sh.py VM_RUNTIME_DIR TIMEOUT 'COMMAND'
The client holds the console while it types (it waits, within TIMEOUT, while
another client holds it) and lets go when it leaves. The command's output is
framed by two tokens the line typed (and echoed) does not hold verbatim, so
the answer is found also among the kernel's and init's own lines. Exit 0
with the output, 1 when no answer came in time.
"""
import os
import re
import socket
import sys
import time

# core/conproto.h
CON_HELLO, CON_ATTACH, CON_RELEASE, CON_INPUT = b"H", b"A", b"R", b"I"
CON_OUTPUT, CON_HELD, CON_BUSY, CON_TAKEN = b"O", b"Y", b"B", b"T"
CONPROTO_DATA_MAX = 4096


class Console:
    """A client of one VM's console relay (SOCK_SEQPACKET, one message per
    type byte and payload)."""

    def __init__(self, rundir, deadline, who="console_sh (test)"):
        self.path = os.path.join(rundir, "console.sock")
        self.deadline = deadline
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        while True:
            try:
                self.s.connect(self.path)
                break
            except OSError as e:
                if time.monotonic() > deadline:
                    sys.exit(f"console_sh: cannot connect to {self.path}: {e}")
                time.sleep(0.05)
        # '-': no replay of older output, only what comes from now on.
        self.s.sendall(CON_HELLO + b"-" + who.encode())
        self.out = b""

    def recv(self, wait):
        """One message within WAIT seconds: (type, payload), or (None, b"")."""
        self.s.settimeout(max(wait, 0.001))
        try:
            m = self.s.recv(CONPROTO_DATA_MAX + 1)
        except socket.timeout:
            return None, b""
        if not m:
            sys.exit(f"console_sh: {self.path}: the relay closed the connection (the VM stopped?)")
        if m[:1] == CON_OUTPUT:
            self.out += m[1:]
        return m[:1], m[1:]

    def hold(self):
        """Hold the console (type into it); while another client holds it,
        ask again until the deadline."""
        holder = b""
        while time.monotonic() < self.deadline:
            self.s.sendall(CON_ATTACH + b"a")
            while time.monotonic() < self.deadline:
                t, p = self.recv(self.deadline - time.monotonic())
                if t == CON_HELD:
                    return
                if t == CON_BUSY:
                    holder = p
                    time.sleep(0.2)
                    break
        sys.exit(f"console_sh: {self.path}: held by {holder.decode(errors='replace')}")

    def send(self, data):
        for i in range(0, len(data), CONPROTO_DATA_MAX):
            self.s.sendall(CON_INPUT + data[i:i + CONPROTO_DATA_MAX])

    def close(self):
        try:
            self.s.sendall(CON_RELEASE)
        except OSError:
            pass
        self.s.close()


def run(rundir, timeout, cmd):
    """COMMAND's output (str), or None when no answer came in time."""
    deadline = time.monotonic() + timeout
    tok = "%x" % (os.getpid() * 7919 + int(time.time() * 1000) % 100000)
    # "BEG""IN" and the token are joined by the guest's shell: the line typed
    # (and echoed) never holds "BEGIN-<tok>" as one word, so only the answer
    # matches.
    line = f'echo BEG""IN-{tok}; {cmd}; echo EN""D-{tok}\n'.encode()
    c = Console(rundir, deadline)
    c.hold()
    sent_at = 0.0
    try:
        while time.monotonic() < deadline:
            text = c.out.decode(errors="replace").replace("\r", "")
            # Lost (the shell was not reading yet): Ctrl-U drops a half line,
            # then send again, rarely.
            if time.monotonic() - sent_at > 10 and f"BEGIN-{tok}" not in text:
                c.send(b"\x15" + line)
                sent_at = time.monotonic()
            # The last BEGIN before the first END: a line sent twice answers once.
            e = text.find(f"END-{tok}")
            b = text.rfind(f"BEGIN-{tok}\n", 0, e) if e >= 0 else -1
            if b >= 0:
                # init's own lines ("[7.43] 17:02:33 g1: ping ...") may land
                # in between: they are whole lines of their own, cut them out.
                ans = text[b + len(f"BEGIN-{tok}\n"):e]
                return re.sub(r"\[\d+\.\d+\] \d\d:\d\d:\d\d [^\n]*\n", "", ans)
            c.recv(min(0.2, max(deadline - time.monotonic(), 0)))
    finally:
        c.close()
    return None


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit("usage: console_sh.py VM_RUNTIME_DIR TIMEOUT 'COMMAND'")
    rundir, timeout, cmd = sys.argv[1], float(sys.argv[2]), sys.argv[3]
    ans = run(rundir, timeout, cmd)
    if ans is None:
        sys.exit(f"console_sh: no answer to '{cmd}' within {timeout} s")
    sys.stdout.write(ans)
