#!/usr/bin/env python3
"""A real HTTP receiver on loopback for prospectd's webhook tests.

Verifies each request's Standard Webhooks signature and appends one JSON line per request to LOG:
{"id", "timestamp", "valid", "status", "body", "path", "headers", "raw"} (body is the parsed JSON,
or null; raw is the body as text). Slack and ntfy deliveries land here too, unsigned. Until the Unix time given by --fail-until it answers
500 (to exercise retries), or the --fail-status given (400: a refusal prospectd does not retry); after that 204.

    webhook-receiver.py PORT SECRET_FILE LOG [--fail-until UNIX_SECONDS] [--fail-status CODE]
"""
import base64
import hashlib
import hmac
import json
import signal
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# A parent may have blocked signals (test runners do); SIGTERM must stop this receiver.
signal.pthread_sigmask(signal.SIG_SETMASK, [])

port, secret_file, log_path = int(sys.argv[1]), sys.argv[2], sys.argv[3]
fail_until = float(sys.argv[sys.argv.index("--fail-until") + 1]) if "--fail-until" in sys.argv else 0
fail_status = int(sys.argv[sys.argv.index("--fail-status") + 1]) if "--fail-status" in sys.argv else 500
with open(secret_file) as f:
    key = base64.b64decode(f.read().strip().removeprefix("whsec_"))
lock = threading.Lock()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        msg_id = self.headers.get("webhook-id", "")
        timestamp = self.headers.get("webhook-timestamp", "")
        expected = base64.b64encode(hmac.new(key, f"{msg_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()).decode()
        given = [s.split(",", 1)[1] for s in self.headers.get("webhook-signature", "").split(" ") if s.startswith("v1,")]
        valid = any(hmac.compare_digest(expected, g) for g in given)
        status = fail_status if time.time() < fail_until else 204
        try:
            parsed = json.loads(body)
        except ValueError:
            parsed = None
        with lock, open(log_path, "a") as log:
            headers = {k.lower(): v for k, v in self.headers.items() if k.lower() in ("title", "priority", "tags", "authorization", "content-type", "actions")}
            record = {"id": msg_id, "timestamp": timestamp, "valid": valid, "status": status, "body": parsed,
                      "path": self.path, "headers": headers, "raw": body.decode("utf-8", "replace")}
            log.write(json.dumps(record) + "\n")
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()
