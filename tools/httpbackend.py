#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""A backend for proxy tests: says who it is and what it saw.

    httpbackend.py ADDR PORT NAME

GET  /any/path        -> 200 JSON {"name", "method", "path", "headers"}
POST /sha256          -> 200 JSON {"name", "length", "sha256"} of the body
                         (Content-Length or chunked)
GET  /bytes/N         -> 200, N bytes of a fixed pattern (Content-Length)
GET  /status/CODE     -> that status, empty body
GET  /chunked/N       -> 200, N bytes of the pattern, chunked (to an
                         HTTP/1.0 request: delimited by the close)
GET  /bad-response    -> a status line no parser accepts
GET  /cut             -> headers announcing 1000 bytes, 10 bytes, then a
                         reset (SO_LINGER 0)
GET  /late-junk       -> 200, then 0.3 s later stray bytes on the idle
                         keep-alive connection (a broken server)
Speaks HTTP/1.1 with keep-alive; one thread per connection.
"""
import hashlib
import http.server
import json
import socket
import struct
import sys
import time


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    name = "?"

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

    def read_body(self):
        te = self.headers.get("Transfer-Encoding", "")
        if te.lower() == "chunked":
            data = bytearray()
            while True:
                line = self.rfile.readline()
                size = int(line.split(b";")[0].strip(), 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return bytes(data)
                data += self.rfile.read(size)
                self.rfile.readline()
        n = int(self.headers.get("Content-Length", "0"))
        return self.rfile.read(n)

    def do_GET(self):
        if self.path.startswith("/bytes/"):
            n = int(self.path.split("/")[2])
            body = bytes(i % 251 for i in range(n))
            return self.reply(200, body, "application/octet-stream")
        if self.path.startswith("/status/"):
            return self.reply(int(self.path.split("/")[2]), b"")
        if self.path.startswith("/chunked/"):
            n = int(self.path.split("/")[2])
            body = bytes(i % 251 for i in range(n))
            self.send_response(200)
            self.send_header("X-Backend", self.name)
            if self.request_version == "HTTP/1.0":
                self.send_header("Connection", "close")
                self.end_headers()
                self.wfile.write(body)
                self.close_connection = True
                return
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for i in range(0, n, 10000):
                part = body[i:i + 10000]
                self.wfile.write(b"%x\r\n%s\r\n" % (len(part), part))
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
        body = self.read_body()
        doc = {"name": self.name, "length": len(body),
               "sha256": hashlib.sha256(body).hexdigest()}
        self.reply(200, json.dumps(doc).encode())


def main():
    addr, port, name = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    Handler.name = name
    srv = http.server.ThreadingHTTPServer((addr, port), Handler)
    srv.daemon_threads = True
    srv.serve_forever()


if __name__ == "__main__":
    main()
