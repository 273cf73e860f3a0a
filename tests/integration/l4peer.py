#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Real Linux TCP/UDP peers for meshgw's L4 tests (run inside the test's
network namespace).

  l4peer.py serve ADDR PORT NAME [--banner] [--udp]
      TCP: per connection, optionally send "hello NAME\\n" first (a
      server-first protocol), read to EOF (the client's half-close), then
      answer "NAME SHA256 NBYTES\\n" and close. UDP: answer each datagram
      with "NAME SHA256 NBYTES" of it. Runs until killed.

  l4peer.py clients HOST PORT N SIZE [--bind ADDR] [--parallel P]
                    [--banner] [--hold S] [--udp]
      N connections (P at a time), each sending SIZE random bytes, then a
      half-close; each answer must carry the sha256 of what was sent and
      its length (and, with --banner, a greeting before anything was sent).
      --hold S keeps each connection open S seconds before sending. UDP:
      N datagrams of SIZE bytes from N source ports (--sport-base B:
      ports B..B+N-1, and "map": {port: NAME} in the output). Prints JSON
      {"by_name": {NAME: count}, "errors": [...], "ok": count}; exits 0
      only when every one was right.

  l4peer.py hold HOST PORT SECONDS
      Connect, read (a greeting) for SECONDS without sending, and report
      whether the gateway closed the connection meanwhile: prints
      "closed AFTER_S", "reset AFTER_S" or "open".
"""
import argparse
import hashlib
import json
import os
import socket
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor


def serve_tcp(a):
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((a.addr, a.port))
    ls.listen(1024)

    def one(c):
        try:
            c.settimeout(60)
            if a.banner:
                c.sendall(("hello %s\n" % a.name).encode())
            h = hashlib.sha256()
            n = 0
            while True:
                b = c.recv(65536)
                if not b:
                    break
                h.update(b)
                n += len(b)
            c.sendall(("%s %s %d\n" % (a.name, h.hexdigest(), n)).encode())
        except OSError:
            pass
        finally:
            c.close()

    while True:
        c, _ = ls.accept()
        threading.Thread(target=one, args=(c,), daemon=True).start()


def serve_udp(a):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((a.addr, a.port))
    while True:
        b, peer = s.recvfrom(65536)
        s.sendto(("%s %s %d" % (a.name, hashlib.sha256(b).hexdigest(),
                                len(b))).encode(), peer)


def one_tcp(a, i):
    data = os.urandom(a.size)
    want = hashlib.sha256(data).hexdigest()
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(a.timeout)
    try:
        if a.bind:
            s.bind((a.bind, 0))
        s.connect((a.host, a.port))
        f = s.makefile("rb")
        if a.banner:
            line = f.readline().decode().strip()
            if not line.startswith("hello "):
                return None, "conn %d: no greeting first: %r" % (i, line)
        if a.hold:
            time.sleep(a.hold)
        s.sendall(data)
        s.shutdown(socket.SHUT_WR)
        line = f.readline().decode().strip()
        parts = line.split()
        if len(parts) != 3:
            return None, "conn %d: answer %r" % (i, line)
        if parts[1] != want or int(parts[2]) != a.size:
            return None, "conn %d: %s got %s/%s bytes, sent %s/%d" % (
                i, parts[0], parts[1][:12], parts[2], want[:12], a.size)
        if f.read(1) != b"":
            return None, "conn %d: bytes after the answer" % i
        return parts[0], None
    except OSError as e:
        return None, "conn %d: %s" % (i, e)
    finally:
        s.close()


def one_udp(a, i):
    data = os.urandom(a.size)
    want = hashlib.sha256(data).hexdigest()
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(a.timeout)
    try:
        if a.bind or a.sport_base:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind((a.bind or "0.0.0.0",
                    a.sport_base + i if a.sport_base else 0))
        for _ in range(3):  # a lost datagram is sent again
            s.sendto(data, (a.host, a.port))
            try:
                b, _ = s.recvfrom(65536)
                break
            except socket.timeout:
                continue
        else:
            return None, "datagram %d: no answer" % i
        parts = b.decode().split()
        if len(parts) != 3 or parts[1] != want or int(parts[2]) != a.size:
            return None, "datagram %d: answer %r" % (i, b[:80])
        return parts[0], None
    except OSError as e:
        return None, "datagram %d: %s" % (i, e)
    finally:
        s.close()


def clients(a):
    fn = one_udp if a.udp else one_tcp
    by_name, errors, where = {}, [], {}
    with ThreadPoolExecutor(max_workers=a.parallel) as ex:
        for i, (name, err) in enumerate(ex.map(lambda i: fn(a, i),
                                               range(a.n))):
            if err:
                errors.append(err)
            else:
                by_name[name] = by_name.get(name, 0) + 1
                where[i] = name
    out = {"by_name": by_name, "errors": errors[:20],
           "ok": sum(by_name.values())}
    if a.sport_base:
        out["map"] = {str(a.sport_base + i): n for i, n in where.items()}
    print(json.dumps(out))
    return 0 if not errors else 1


def hold(a):
    s = socket.create_connection((a.host, a.port), timeout=5)
    t0 = time.time()
    try:
        while True:  # what the peer sends first (a greeting) is read
            left = a.seconds - (time.time() - t0)
            if left <= 0:
                print("open")
                break
            s.settimeout(left)
            if s.recv(4096) == b"":
                print("closed %.1f" % (time.time() - t0))
                break
    except socket.timeout:
        print("open")
    except ConnectionResetError:
        print("reset %.1f" % (time.time() - t0))
    s.close()
    return 0


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("serve")
    s.add_argument("addr")
    s.add_argument("port", type=int)
    s.add_argument("name")
    s.add_argument("--banner", action="store_true")
    s.add_argument("--udp", action="store_true")
    c = sub.add_parser("clients")
    c.add_argument("host")
    c.add_argument("port", type=int)
    c.add_argument("n", type=int)
    c.add_argument("size", type=int)
    c.add_argument("--bind")
    c.add_argument("--parallel", type=int, default=16)
    c.add_argument("--banner", action="store_true")
    c.add_argument("--hold", type=float, default=0)
    c.add_argument("--udp", action="store_true")
    c.add_argument("--timeout", type=float, default=20)
    c.add_argument("--sport-base", type=int, default=0)
    h = sub.add_parser("hold")
    h.add_argument("host")
    h.add_argument("port", type=int)
    h.add_argument("seconds", type=float)
    a = p.parse_args()
    if a.cmd == "serve":
        (serve_udp if a.udp else serve_tcp)(a)
        return 0
    if a.cmd == "clients":
        return clients(a)
    return hold(a)


if __name__ == "__main__":
    sys.exit(main())
