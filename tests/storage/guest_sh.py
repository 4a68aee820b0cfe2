#!/usr/bin/env python3
"""Run one shell command in the test guest (booted with vmdeck.shell=1)
through its serial console socket and print what it answered.

usage: guest_sh.py SERIAL_SOCK TIMEOUT 'COMMAND'
Wait for "shell on ttyS0" in the serial log first (guest_ready in common.sh).
The command's output is framed by two tokens the command line itself does
not contain verbatim, so the answer is found also among the kernel's and
init's own lines. Exit 0 with the output, 1 when no answer came in time.
"""
import os
import re
import socket
import sys
import time

sock, timeout, cmd = sys.argv[1], float(sys.argv[2]), sys.argv[3]
tok = "%x" % (os.getpid() * 7919 + int(time.time() * 1000) % 100000)
# "B"/"E" and the token are joined by the guest's shell: the line sent never
# holds "BEGIN-<tok>" as one word, so only the answer matches.
line = f'echo BEG""IN-{tok}; {cmd}; echo EN""D-{tok}\n'
deadline = time.monotonic() + timeout
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
while True:
    try:
        s.connect(sock)
        break
    except OSError:
        if time.monotonic() > deadline:
            sys.exit(f"guest_sh: cannot connect to {sock}")
        time.sleep(0.05)
s.setblocking(False)
buf = b""
sent_at = 0.0
while time.monotonic() < deadline:
    now = time.monotonic()
    # Lost (the shell was not reading yet): send again, rarely.
    if now - sent_at > 10 and f"BEGIN-{tok}" not in buf.decode(errors="replace"):
        s.sendall(line.encode())
        sent_at = now
    try:
        d = s.recv(65536)
        if not d:
            break
        buf += d
    except BlockingIOError:
        time.sleep(0.05)
    text = buf.decode(errors="replace").replace("\r", "")
    # The last BEGIN before the first END: a line sent twice answers once.
    e = text.find(f"END-{tok}")
    b = text.rfind(f"BEGIN-{tok}\n", 0, e) if e >= 0 else -1
    if b >= 0 and e >= 0:
        # init's own lines ("[7.43] 17:02:33 g1: ping ...") may land in
        # between: they are whole lines of their own, cut them out.
        ans = text[b + len(f"BEGIN-{tok}\n"):e]
        sys.stdout.write(re.sub(r"\[\d+\.\d+\] \d\d:\d\d:\d\d [^\n]*\n", "", ans))
        sys.exit(0)
sys.exit(f"guest_sh: no answer to '{cmd}' within {timeout} s")
