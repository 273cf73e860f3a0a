#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""A backend for proxy tests: says who it is and what it saw.

    httpbackend.py ADDR PORT NAME [--fail-percent N] [--hang]

GET  /any/path        -> 200 JSON {"name", "method", "path", "headers"}
POST /sha256[?rate=B] -> 200 JSON {"name", "length", "sha256"} of the body
                         (Content-Length or chunked), read as it comes, at
                         most B bytes/s when rate is given (a slow reader)
GET  /bytes/N[?rate=B] -> 200, N bytes of a fixed pattern (Content-Length),
                         written in 64 KiB pieces, at most B bytes/s
GET  /delay/MS        -> the JSON document, MS milliseconds late
GET  /ws              -> WebSocket (RFC 6455) echo: text and binary
                         messages come back as they are, pings get pongs,
                         a close is answered and ends the connection
GET  /status/CODE     -> that status, empty body
GET  /chunked/N       -> 200, N bytes of the pattern, chunked (to an
                         HTTP/1.0 request: delimited by the close)
GET  /bad-response    -> a status line no parser accepts
GET  /cut             -> headers announcing 1000 bytes, 10 bytes, then a
                         reset (SO_LINGER 0)
GET  /late-junk       -> 200, then 0.3 s later stray bytes on the idle
                         keep-alive connection (a broken server)
GET  /healthz         -> 200 "ok" (what health checks ask; the two
                         options below leave it alone)
--fail-percent N: every other request is answered 503 with probability
                  N % (a flaky backend, for outlier detection)
--hang:           every other request is read and never answered (a hung
                  backend, for per-try timeouts)
Speaks HTTP/1.1 with keep-alive; one thread per connection.
"""
import base64
import hashlib
import http.server
import json
import random
import socket
import struct
import sys
import time
import urllib.parse

# 261 periods of the pattern: pieces of it repeat without a seam
PATTERN = bytes(i % 251 for i in range(251 * 261))
WS_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC11B85"


def paced(rate, done, start):
    """Sleep so that `done` bytes since `start` took at least done/rate s."""
    if rate:
        ahead = done / rate - (time.monotonic() - start)
        if ahead > 0:
            time.sleep(ahead)


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    name = "?"
    fail_percent = 0
    hang = False

    def log_message(self, *args):  # quiet
        pass

    def reply(self, code, body, ctype="application/json"):
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("X-Backend", self.name)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def query(self, key, default=0):
        q = urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query)
        return int(q.get(key, [default])[0])

    def read_body(self, sink, rate=0):
        """Feed the body to sink(bytes) as it arrives; return its length."""
        start, total = time.monotonic(), 0

        def take(n):
            nonlocal total
            while n > 0:
                piece = self.rfile.read(min(n, 65536))
                if not piece:
                    raise ConnectionError("body cut")
                sink(piece)
                n -= len(piece)
                total += len(piece)
                paced(rate, total, start)

        te = self.headers.get("Transfer-Encoding", "")
        if te.lower() == "chunked":
            while True:
                line = self.rfile.readline()
                size = int(line.split(b";")[0].strip(), 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return total
                take(size)
                self.rfile.readline()
        take(int(self.headers.get("Content-Length", "0")))
        return total

    def websocket(self):
        key = self.headers.get("Sec-WebSocket-Key", "")
        if self.headers.get("Upgrade", "").lower() != "websocket" or not key:
            return self.reply(426, b"")
        accept = base64.b64encode(hashlib.sha1(key.encode() + WS_GUID)
                                  .digest()).decode()
        self.send_response(101)
        self.send_header("Upgrade", "websocket")
        self.send_header("Connection", "Upgrade")
        self.send_header("Sec-WebSocket-Accept", accept)
        self.end_headers()
        self.wfile.flush()
        self.close_connection = True
        r = self.rfile
        while True:
            hdr = r.read(2)
            if len(hdr) < 2:
                return
            op, n = hdr[0] & 0x0F, hdr[1] & 0x7F
            if n == 126:
                n = struct.unpack("!H", r.read(2))[0]
            elif n == 127:
                n = struct.unpack("!Q", r.read(8))[0]
            mask = r.read(4) if hdr[1] & 0x80 else b"\0\0\0\0"
            data = bytearray(r.read(n))
            for i in range(len(data)):
                data[i] ^= mask[i % 4]
            if op == 9:
                op = 10  # ping -> pong
            if n < 126:
                out = struct.pack("!BB", 0x80 | op, n)
            elif n < 65536:
                out = struct.pack("!BBH", 0x80 | op, 126, n)
            else:
                out = struct.pack("!BBQ", 0x80 | op, 127, n)
            self.wfile.write(out + bytes(data))
            self.wfile.flush()
            if op == 8:
                return

    def misbehave(self):
        """Apply --hang / --fail-percent; True when the request is done."""
        if self.path == "/healthz":
            self.reply(200, b"ok", "text/plain")
            return True
        if self.hang:
            time.sleep(3600)
            return True
        if self.fail_percent and random.randrange(100) < self.fail_percent:
            self.reply(503, b"flaky", "text/plain")
            return True
        return False

    def do_GET(self):
        if self.misbehave():
            return
        if self.path.startswith("/bytes/"):
            n = int(self.path.split("/")[2].split("?")[0])
            rate = self.query("rate")
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Length", str(n))
            self.send_header("X-Backend", self.name)
            self.end_headers()
            if self.command == "HEAD":
                return
            start, sent = time.monotonic(), 0
            while sent < n:
                piece = PATTERN[:min(n - sent, len(PATTERN))]
                self.wfile.write(piece)
                sent += len(piece)
                paced(rate, sent, start)
            return
        if self.path.startswith("/delay/"):
            time.sleep(int(self.path.split("/")[2]) / 1000)
        if self.path == "/ws":
            return self.websocket()
        if self.path.startswith("/status/"):
            return self.reply(int(self.path.split("/")[2]), b"")
        if self.path.startswith("/chunked/"):
            n = int(self.path.split("/")[2])
            self.send_response(200)
            self.send_header("X-Backend", self.name)
            if self.request_version == "HTTP/1.0":
                self.send_header("Connection", "close")
                self.close_connection = True
            else:
                self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            chunked = self.request_version != "HTTP/1.0"
            # 10,040-byte pieces (40 periods): the pattern runs on
            sent = 0
            while sent < n:
                piece = PATTERN[:min(n - sent, 10040)]
                if chunked:
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
                else:
                    self.wfile.write(piece)
                sent += len(piece)
            if chunked:
                self.wfile.write(b"0\r\n\r\n")
            return
        if self.path == "/bad-response":
            self.wfile.write(b"HTTP/1.1 2OO OK\r\nContent-Length: 0\r\n\r\n")
            self.close_connection = True
            return
        if self.path == "/cut":
            self.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n"
                             b"\r\n0123456789")
            self.wfile.flush()
            time.sleep(0.2)
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                       struct.pack("ii", 1, 0))
            self.connection.close()
            self.close_connection = True
            return
        if self.path == "/late-junk":
            self.reply(200, b"{}")
            self.wfile.flush()
            time.sleep(0.3)
            self.wfile.write(b"junk")
            self.wfile.flush()
            self.close_connection = True
            return
        doc = {"name": self.name, "method": self.command, "path": self.path,
               "headers": {k.lower(): v for k, v in self.headers.items()}}
        self.reply(200, json.dumps(doc).encode())

    do_HEAD = do_GET

    def do_POST(self):
        h = hashlib.sha256()
        n = self.read_body(h.update, self.query("rate"))
        doc = {"name": self.name, "length": n, "sha256": h.hexdigest()}
        self.reply(200, json.dumps(doc).encode())


def main():
    addr, port, name = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    Handler.name = name
    args = sys.argv[4:]
    while args:
        if args[0] == "--fail-percent":
            Handler.fail_percent = int(args[1])
            args = args[2:]
        elif args[0] == "--hang":
            Handler.hang = True
            args = args[1:]
        else:
            sys.exit("httpbackend.py: unknown option " + args[0])
    srv = http.server.ThreadingHTTPServer((addr, port), Handler)
    srv.daemon_threads = True
    srv.serve_forever()


if __name__ == "__main__":
    main()
