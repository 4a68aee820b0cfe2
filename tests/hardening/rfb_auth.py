#!/usr/bin/env python3
"""rfb_auth.py PORT [PASSWORD]: try VNC authentication (RFB security type 2)
on 127.0.0.1:PORT with PASSWORD (default: the empty one) the way any VNC
client could; libvncclient will not even send an empty password, so the
server's own answer is only seen this way. Exit 0: accepted (the server
init arrived), 1: refused, 2: no VNC authentication offered or a protocol
problem. DES comes from openssl (legacy provider)."""
import socket
import subprocess
import sys


def rd(s, n):
    b = b""
    while len(b) < n:
        c = s.recv(n - len(b))
        if not c:
            sys.exit(2)
        b += c
    return b


def main():
    port = int(sys.argv[1])
    pw = sys.argv[2].encode() if len(sys.argv) > 2 else b""
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    if not rd(s, 12).startswith(b"RFB "):
        sys.exit(2)
    s.sendall(b"RFB 003.008\n")
    types = rd(s, rd(s, 1)[0])
    if 2 not in types:
        print("security types offered: %s (no VNC authentication)" % list(types))
        sys.exit(2)
    s.sendall(bytes([2]))
    challenge = rd(s, 16)
    # VNC's DES key: the password's first 8 bytes, zero-padded, each byte's
    # bits reversed.
    key = bytes(int("{:08b}".format(b)[::-1], 2) for b in pw[:8].ljust(8, b"\0"))
    out = subprocess.run(["openssl", "enc", "-des-ecb", "-nopad", "-K", key.hex(), "-provider", "legacy",
                          "-provider", "default"], input=challenge, capture_output=True, check=True).stdout
    s.sendall(out[:16])
    if int.from_bytes(rd(s, 4), "big") != 0:
        print("refused")
        sys.exit(1)
    s.sendall(b"\x01")
    init = rd(s, 24)
    print("accepted: screen %dx%d" % (int.from_bytes(init[0:2], "big"), int.from_bytes(init[2:4], "big")))
    sys.exit(0)


try:
    main()
except (OSError, subprocess.CalledProcessError) as e:
    # Nothing listening, a time-out, openssl failing: not a refusal.
    print("error: %s" % e)
    sys.exit(2)
