#!/usr/bin/env python3
"""serial_fd3.py PROGRAM ARGS... — exec PROGRAM (a QEMU command line from
`vmdeck args`) with fds 3 and 4 each one end of a fresh socket pair:
vmdeck's argv says -chardev socket,id=serial0,fd=3 (the serial port the
supervisor, vmdeck-supervisor, would relay) and -chardev
socket,id=vmdeck-rec,fd=4 (the monitor it would record the run state from).
The other ends are closed at the exec (nobody here reads them: QEMU sees
its peer gone and drops the serial output rather than stalling on a full
socket, and closes that monitor). exec: the pid stays QEMU's.
For tests and benchmarks that run QEMU by hand."""
import os
import socket
import sys

if len(sys.argv) < 2:
    sys.exit("usage: serial_fd3.py PROGRAM ARGS...")
pairs = [socket.socketpair() for _ in (3, 4)]
ends = [os.dup(b.fileno()) for _, b in pairs]  # above 4: dup2 cannot hit one
for fd, end in zip((3, 4), ends):
    os.dup2(end, fd)  # dup2'd descriptors are inherited across exec
os.execvp(sys.argv[1], sys.argv[1:])
