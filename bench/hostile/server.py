#!/usr/bin/env python3
"""A hostile JIRA for the memory bench: every issue body is endless.

Listing searches get 40 ordinary keys; every request for issue data (`*all`, single issues)
gets a 200 JSON answer, chunked, that never ends (up to --giant bytes). Loopback only.
Usage: server.py PORT [GIANT_BYTES]
"""
import json, sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PORT = int(sys.argv[1])
GIANT = int(sys.argv[2]) if len(sys.argv) > 2 else 1 << 30
CHUNK = b"x" * (1 << 16)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def small(self, obj, status=200):
        body = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json;charset=UTF-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def giant(self):
        self.send_response(200)
        self.send_header("Content-Type", "application/json;charset=UTF-8")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        sent = 0
        try:
            head = b'{"startAt":0,"maxResults":50,"total":1,"issues":[{"id":"1","key":"HOST-1","fields":{"description":"'
            for piece in [head] + [CHUNK] * (GIANT // len(CHUNK)):
                self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
                sent += len(piece)
            self.wfile.write(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass

    def do_GET(self):
        p = self.path.split("?")[0]
        if p.endswith("/serverInfo"):
            return self.small({"version": "9.12.4", "serverTime": "2026-12-01T10:00:00.000+0000"})
        if p.endswith("/myself"):
            return self.small({"name": "bench", "displayName": "Bench", "timeZone": "UTC"})
        if "/project/" in p:
            return self.small({"id": "1", "key": "HOST", "name": "Host"})
        if p.endswith("/field"):
            return self.small([])
        return self.giant()

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        if b"*all" in body:
            return self.giant()
        req = json.loads(body or b"{}")
        start = req.get("startAt", 0)
        keys = [] if start > 0 or b"key >" in body else [
            {"id": str(10000 + i), "key": "HOST-%d" % i, "fields": {"updated": "2026-12-01T10:00:00.000+0000"}}
            for i in range(1, 41)]
        return self.small({"startAt": start, "maxResults": 1000, "total": 40, "issues": keys})


ThreadingHTTPServer(("127.0.0.1", PORT), Handler).serve_forever()
