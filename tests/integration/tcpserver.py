#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Linux TCP listener for meshgw's test clients (run inside the test's
network namespace): accepts N connections, reads each to EOF, checks that
it is BYTES of the source pattern (byte i = i mod 251), then closes.
Prints "N ok" / failures and exits 0 only if all N were right.

  tcpserver.py ADDR PORT N BYTES [--timeout S]
"""
import argparse
import hashlib
import socket
import sys
import threading


def main():
    p = argparse.ArgumentParser()
    p.add_argument("addr")
    p.add_argument("port", type=int)
    p.add_argument("n", type=int)
    p.add_argument("bytes", type=int)
    p.add_argument("--timeout", type=float, default=60)
    a = p.parse_args()
    block = bytes(i % 251 for i in range(251))
    want = hashlib.sha256((block * (a.bytes // 251 + 1))[:a.bytes]).digest()
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((a.addr, a.port))
    ls.listen(1024)
    ls.settimeout(a.timeout)
    print("listening", flush=True)
    results = []

    def serve(s):
        s.settimeout(a.timeout)
        h, n = hashlib.sha256(), 0
        try:
            while True:
                b = s.recv(1 << 16)
                if not b:
                    break
                h.update(b)
                n += len(b)
            results.append(h.digest() == want)
            if h.digest() != want:
                print(f"got {n} bytes, not the pattern", file=sys.stderr)
        except OSError as e:
            print(f"connection: {e}", file=sys.stderr)
            results.append(False)
        s.close()

    threads = []
    try:
        for _ in range(a.n):
            s, _ = ls.accept()
            t = threading.Thread(target=serve, args=(s,))
            t.start()
            threads.append(t)
    except OSError as e:
        print(f"accept: {e}", file=sys.stderr)
    for t in threads:
        t.join()
    good = sum(results)
    print(f"{good} ok of {a.n}")
    return 0 if good == a.n else 1


if __name__ == "__main__":
    sys.exit(main())
