#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Open N TCP connections to an echo listener at once (non-blocking, one
thread); when all are up, write MARKER and hold them HOLD seconds; then
send each a distinct message, check every echo, and close them all.
Run inside the test's network namespace.

  tcpmany.py HOST PORT N MARKER [--hold S] [--timeout S]
"""
import argparse
import errno
import selectors
import socket
import sys
import time


def main():
    p = argparse.ArgumentParser()
    p.add_argument("host")
    p.add_argument("port", type=int)
    p.add_argument("n", type=int)
    p.add_argument("marker")
    p.add_argument("--hold", type=float, default=2)
    p.add_argument("--timeout", type=float, default=60)
    a = p.parse_args()
    deadline = time.time() + a.timeout
    sel = selectors.DefaultSelector()
    socks = []
    for i in range(a.n):
        s = socket.socket()
        s.setblocking(False)
        rc = s.connect_ex((a.host, a.port))
        if rc not in (0, errno.EINPROGRESS):
            print(f"connect {i}: {errno.errorcode.get(rc, rc)}", file=sys.stderr)
            return 1
        sel.register(s, selectors.EVENT_WRITE, i)
        socks.append(s)
    up = 0
    while up < a.n and time.time() < deadline:
        for key, _ in sel.select(timeout=1):
            err = key.fileobj.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
            if err:
                print(f"connect {key.data}: {errno.errorcode.get(err, err)}",
                      file=sys.stderr)
                return 1
            sel.unregister(key.fileobj)
            up += 1
    if up < a.n:
        print(f"only {up} of {a.n} connections came up", file=sys.stderr)
        return 1
    with open(a.marker, "w") as f:
        f.write(f"{up}\n")
    time.sleep(a.hold)
    msgs = [f"connection {i} says hello\n".encode() for i in range(a.n)]
    got = [b""] * a.n
    for i, s in enumerate(socks):
        s.sendall(msgs[i])
        sel.register(s, selectors.EVENT_READ, i)
    done = 0
    while done < a.n and time.time() < deadline:
        for key, _ in sel.select(timeout=1):
            i = key.data
            got[i] += key.fileobj.recv(4096)
            if len(got[i]) >= len(msgs[i]):
                sel.unregister(key.fileobj)
                done += 1
    good = sum(1 for i in range(a.n) if got[i] == msgs[i])
    for s in socks:
        s.close()
    print(f"echoed {good} of {a.n}")
    return 0 if good == a.n else 1


if __name__ == "__main__":
    sys.exit(main())
