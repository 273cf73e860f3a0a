#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Client and server halves of tools/bench/tcp.sh (Linux sockets).

  tcpbench.py bulk HOST PORT BYTES        read BYTES, print MB/s
  tcpbench.py conns HOST PORT SECONDS     open/use/close connections to an
                                          echo for SECONDS, print conn/s
  tcpbench.py serve-source ADDR PORT BYTES   Linux peer: send BYTES per connection
  tcpbench.py serve-echo ADDR PORT           Linux peer: echo
"""
import socket
import sys
import threading
import time


def bulk(host, port, n):
    s = socket.create_connection((host, port), timeout=30)
    buf = bytearray(1 << 20)
    view = memoryview(buf)
    got, t0 = 0, time.perf_counter()
    while got < n:
        k = s.recv_into(view)
        if k == 0:
            break
        got += k
    dt = time.perf_counter() - t0
    s.close()
    print(f"{got / dt / 1e6:.1f} MB/s ({got} bytes in {dt:.2f} s)")


def conns(host, port, seconds):
    done, t0 = 0, time.perf_counter()
    msg = b"x" * 64
    while time.perf_counter() - t0 < seconds:
        s = socket.create_connection((host, port), timeout=5)
        s.sendall(msg)
        got = b""
        while len(got) < len(msg):
            got += s.recv(64)
        s.close()
        done += 1
    dt = time.perf_counter() - t0
    print(f"{done / dt:.0f} conn/s ({done} in {dt:.1f} s)")


def serve(addr, port, handler):
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((addr, port))
    ls.listen(4096)
    while True:
        s, _ = ls.accept()
        threading.Thread(target=handler, args=(s,), daemon=True).start()


def source_handler(n):
    block = bytes(i % 251 for i in range(251)) * 4096

    def h(s):
        left = n
        try:
            while left > 0:
                k = s.send(block[:min(left, len(block))])
                left -= k
        finally:
            s.close()
    return h


def echo_handler(s):
    try:
        while True:
            b = s.recv(65536)
            if not b:
                break
            s.sendall(b)
    finally:
        s.close()


def main():
    mode = sys.argv[1]
    if mode == "bulk":
        bulk(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
    elif mode == "conns":
        conns(sys.argv[2], int(sys.argv[3]), float(sys.argv[4]))
    elif mode == "serve-source":
        serve(sys.argv[2], int(sys.argv[3]), source_handler(int(sys.argv[4])))
    elif mode == "serve-echo":
        serve(sys.argv[2], int(sys.argv[3]), echo_handler)
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
