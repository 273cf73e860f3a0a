#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Linux TCP client for meshgw's test listeners (run inside the test's
network namespace). Exits 0 when the data checks out, 1 otherwise.

  tcpclient.py HOST echo BYTES [--conns N]   send random bytes, expect them back (sha256)
  tcpclient.py HOST source BYTES             expect BYTES of the source pattern, then EOF
  tcpclient.py HOST discard BYTES            send BYTES, half-close, expect EOF
"""
import argparse
import hashlib
import os
import socket
import sys
import threading
import time

PORTS = {"echo": 7, "discard": 9, "source": 19}


def send_all(s, data):
    """sendall in 1 MiB pieces: a socket timeout bounds each piece (Python's
    sendall counts its timeout over the whole call), so --timeout means "no
    progress for that long", not "the whole transfer within it"."""
    view = memoryview(data)
    for off in range(0, len(view), 1 << 20):
        s.sendall(view[off:off + (1 << 20)])


def pattern(n):
    block = bytes(i % 251 for i in range(251))
    return (block * (n // 251 + 1))[:n]


def echo(host, n, timeout):
    data = os.urandom(n)
    s = socket.create_connection((host, PORTS["echo"]), timeout=timeout)
    got = bytearray()
    err = []

    def reader():
        try:
            while True:
                b = s.recv(1 << 16)
                if not b:
                    return
                got.extend(b)
        except OSError as e:
            err.append(e)

    t = threading.Thread(target=reader)
    t.start()
    send_all(s, data)
    s.shutdown(socket.SHUT_WR)  # the echo closes after sending it all back
    t.join(timeout * 4)
    s.close()
    ok = not err and hashlib.sha256(got).digest() == hashlib.sha256(data).digest()
    if not ok:
        print(f"echo: sent {n}, got {len(got)} {err}", file=sys.stderr)
    return ok


def source(host, n, timeout, pause=0.0, rcvbuf=0):
    s = socket.socket()
    if rcvbuf:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    s.settimeout(timeout)
    s.connect((host, PORTS["source"]))
    got = bytearray()
    if pause:
        # read a little, then stop reading: the window closes and meshgw
        # has to probe it (persist) until we read again
        got.extend(s.recv(1 << 14))
        time.sleep(pause)
    while True:
        b = s.recv(1 << 16)
        if not b:
            break
        got.extend(b)
    s.close()
    ok = hashlib.sha256(got).digest() == hashlib.sha256(pattern(n)).digest()
    if not ok:
        print(f"source: expected {n} pattern bytes, got {len(got)}", file=sys.stderr)
    return ok


def discard(host, n, timeout):
    s = socket.create_connection((host, PORTS["discard"]), timeout=timeout)
    send_all(s, os.urandom(n))
    s.shutdown(socket.SHUT_WR)
    ok = s.recv(16) == b""
    s.close()
    return ok


def main():
    p = argparse.ArgumentParser()
    p.add_argument("host")
    p.add_argument("mode", choices=PORTS)
    p.add_argument("bytes", type=int)
    p.add_argument("--conns", type=int, default=1)
    p.add_argument("--timeout", type=float, default=20)
    p.add_argument("--pause", type=float, default=0,
                   help="source: stop reading for this many seconds")
    p.add_argument("--rcvbuf", type=int, default=0, help="SO_RCVBUF")
    a = p.parse_args()
    fn = {"echo": echo, "discard": discard,
          "source": lambda h, n, t: source(h, n, t, a.pause, a.rcvbuf)}[a.mode]
    results = []

    def run():
        try:
            results.append(fn(a.host, a.bytes, a.timeout))
        except OSError as e:
            print(f"{a.mode}: {e}", file=sys.stderr)
            results.append(False)

    threads = [threading.Thread(target=run) for _ in range(a.conns)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    good = sum(results)
    print(f"{a.mode}: {good}/{a.conns} connections ok")
    return 0 if good == a.conns else 1


if __name__ == "__main__":
    sys.exit(main())
