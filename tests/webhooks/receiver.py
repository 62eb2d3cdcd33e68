#!/usr/bin/env python3
"""A webhook receiver for the contract suite.

Each endpoint is a path `/hooks/<name>`. The suite first configures it, then reads what arrived:

    PUT  /control/<name>   {"secret": "whsec_...", "fail_first": N}   verify with this secret; answer
                           the first N deliveries 500 (a large N: always fail)
    GET  /attempts/<name>  every delivery received: webhook-id, timestamp, seconds since the first,
                           whether the signature verified (PyPI `standardwebhooks`, the reference
                           implementation), the status answered, the parsed body

A delivery whose signature does not verify is answered 401 (and recorded). Usage:
receiver.py (prints "listening <port>" once bound to a free loopback port; exits when its
standard input closes, so it never outlives the suite).
"""

import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from standardwebhooks.webhooks import Webhook, WebhookVerificationError

LOCK = threading.Lock()
ENDPOINTS = {}  # name -> {"secret", "fail_first", "attempts": [...]}


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *_):
        pass

    def body(self):
        if "chunked" in (self.headers.get("transfer-encoding") or "").lower():
            data = b""
            while True:
                size = int(self.rfile.readline().strip().split(b";")[0], 16)
                if size == 0:
                    self.rfile.readline()
                    return data
                data += self.rfile.read(size)
                self.rfile.readline()
        length = int(self.headers.get("content-length") or 0)
        return self.rfile.read(length)

    def answer(self, status, value=None):
        data = json.dumps(value if value is not None else {}).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_PUT(self):
        name = self.path.removeprefix("/control/")
        config = json.loads(self.body())
        with LOCK:
            ENDPOINTS[name] = {"secret": config["secret"], "fail_first": config.get("fail_first", 0), "attempts": []}
        self.answer(204)

    def do_GET(self):
        name = self.path.removeprefix("/attempts/")
        with LOCK:
            attempts = list(ENDPOINTS.get(name, {}).get("attempts", []))
        self.answer(200, attempts)

    def do_POST(self):
        name = self.path.removeprefix("/hooks/")
        body = self.body()
        headers = {key.lower(): value for key, value in self.headers.items()}
        with LOCK:
            endpoint = ENDPOINTS.get(name)
            if endpoint is None:
                self.answer(404)
                return
            try:
                payload = Webhook(endpoint["secret"]).verify(body, headers)
                verified = True
            except WebhookVerificationError as error:
                payload, verified = {"error": str(error)}, False
            attempts = endpoint["attempts"]
            first = attempts[0]["received_at"] if attempts else time.time()
            failing = len(attempts) < endpoint["fail_first"]
            status = 401 if not verified else (500 if failing else 200)
            attempts.append(
                {
                    "webhook_id": headers.get("webhook-id"),
                    "timestamp": headers.get("webhook-timestamp"),
                    "received_at": time.time(),
                    "since_first": time.time() - first,
                    "verified": verified,
                    "status": status,
                    "body": payload,
                }
            )
        self.answer(status)


def main():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    print(f"listening {server.server_address[1]}", flush=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    sys.stdin.read()


if __name__ == "__main__":
    main()
