#!/usr/bin/env python3
"""Stuck and concurrent scrapers against `vmdeck metrics` (tests/metrics/bad_input.sh).

usage: slow_clients.py HOST PORT N_STUCK N_CONCURRENT
Opens N_STUCK connections of three kinds — silent (connect, send nothing),
half a request line, and a full request whose answer is never read (a 1 KiB
receive buffer, so the server's send blocks) — then, while they hang, runs
N_CONCURRENT full scrapes at once and checks each is a 200 with the whole
exposition. Prints one JSON line: ok counts, snapshot counters seen before
and after, and how many stuck connections the server closed by itself.
"""
import json
import socket
import sys
import threading
import time
import urllib.request

host, port, n_stuck, n_conc = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
url = f"http://{host}:{port}/metrics"


def stuck(kind):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1024)
    s.connect((host, port))
    if kind == 1:
        s.sendall(b"GET /metr")
    elif kind == 2:
        s.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
    return s


def snapshots():
    body = urllib.request.urlopen(url, timeout=30).read().decode()
    for line in body.splitlines():
        if line.startswith("vmdeck_metrics_snapshots_total "):
            return int(line.split()[1]), body
    raise SystemExit("no vmdeck_metrics_snapshots_total in the answer")


socks = [stuck(i % 3) for i in range(n_stuck)]
before, _ = snapshots()
results = []
lock = threading.Lock()


def scrape():
    try:
        r = urllib.request.urlopen(url, timeout=60)
        length = int(r.headers["Content-Length"])
        body = r.read().decode()  # a short body raises IncompleteRead
        # The whole exposition: as long as announced, its last family there, ending in a newline.
        good = r.status == 200 and len(body.encode()) == length and "# TYPE vmdeck_bridge_vm_ports" in body \
            and body.endswith("\n")
    except Exception as e:  # noqa: BLE001 - reported as a failed scrape
        good = False
        print(f"scrape failed: {e}", file=sys.stderr)
    with lock:
        results.append(good)


threads = [threading.Thread(target=scrape) for _ in range(n_conc)]
for t in threads:
    t.start()
for t in threads:
    t.join()
# The loop goes on publishing while the stuck ones hang (one per interval).
deadline = time.monotonic() + 30
after = before
while after <= before + 1 and time.monotonic() < deadline:
    time.sleep(0.2)
    after, _ = snapshots()
# The server closes silent connections by itself (its connection timeout).
closed = 0
deadline = time.monotonic() + 40
pending = [s for i, s in enumerate(socks) if i % 3 != 2]
for s in pending:
    s.settimeout(max(0.1, deadline - time.monotonic()))
    try:
        if s.recv(65536) == b"":
            closed += 1
        else:
            while s.recv(65536):
                pass
            closed += 1
    except (socket.timeout, ConnectionResetError):
        if not isinstance(sys.exc_info()[1], socket.timeout):
            closed += 1
print(json.dumps({"ok": sum(results), "scrapes": len(results), "before": before, "after": after,
                  "silent": len(pending), "closed": closed}))
sys.stdout.flush()
# Keep the never-reading ones open until told (stdin closes).
sys.stdin.read()
