#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""A Zipkin collector for tests: takes what a tracer POSTs.

    zipkin_collector.py ADDR PORT OUT

POST /api/v2/spans with a JSON array of spans (Zipkin v2) -> 202, and
each span appended to OUT as one JSON line. Anything else -> 400/404.
"""
import http.server
import json
import sys


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    out = None

    def log_message(self, fmt, *args):
        pass

    def reply(self, code):
        self.send_response(code)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_POST(self):
        n = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(n)
        if self.path != "/api/v2/spans":
            self.reply(404)
            return
        try:
            spans = json.loads(body)
            assert isinstance(spans, list)
        except (ValueError, AssertionError):
            self.reply(400)
            return
        with open(Handler.out, "a") as f:
            for s in spans:
                f.write(json.dumps(s) + "\n")
        self.reply(202)


def main():
    addr, port, Handler.out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    http.server.ThreadingHTTPServer((addr, port), Handler).serve_forever()


if __name__ == "__main__":
    main()
