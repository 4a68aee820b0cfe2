#!/usr/bin/env python3
"""serial_fd3.py PROGRAM ARGS... — exec PROGRAM (a QEMU command line from
`vmdeck args`) with fd 3 one end of a fresh socket pair: vmdeck's argv says
-chardev socket,id=serial0,fd=3, the end the supervisor (vmdeck-supervisor,
which relays the serial console) would give QEMU. The other end is closed
at the exec (nobody here reads the guest's serial output: QEMU sees its
peer gone and drops it, rather than stalling on a full socket). exec: the
pid stays QEMU's.
For tests and benchmarks that run QEMU by hand."""
import os
import socket
import sys

if len(sys.argv) < 2:
    sys.exit("usage: serial_fd3.py PROGRAM ARGS...")
a, b = socket.socketpair()
os.dup2(b.fileno(), 3)  # dup2'd descriptors are inherited across exec
os.execvp(sys.argv[1], sys.argv[1:])
