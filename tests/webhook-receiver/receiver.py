"""A webhook receiver for the delivery tests: verifies every request with the official
Standard Webhooks library (PyPI `standardwebhooks`), answers per a plan, and reports
each request as one JSON line on stdout.

    python3 receiver.py [ANSWER ...]

WEBHOOK_SECRET (whsec_...) is read from the environment. Each ANSWER is a status code
for the next request, or `hang` (read the request, never answer); once the plan is
used up every request gets 200. The first line printed is `listening <port>` (port 0:
the system picks); then one line per request:
{"id", "timestamp", "signature", "body", "valid", "error", "answer", "received_at"}
(`received_at`: unix seconds, fractional, when the body was read).
"""

import json
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from standardwebhooks.webhooks import Webhook

WEBHOOK = Webhook(os.environ["WEBHOOK_SECRET"])
PLAN = list(sys.argv[1:])
LOCK = threading.Lock()
HANG = threading.Event()


def next_answer():
    with LOCK:
        return PLAN.pop(0) if PLAN else "200"


class Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        length = int(self.headers.get("content-length", "0"))
        body = self.rfile.read(length)
        received_at = time.time()
        headers = {name.lower(): value for name, value in self.headers.items()}
        try:
            WEBHOOK.verify(body, headers)
            valid, error = True, None
        except Exception as failure:  # the library raises WebhookVerificationError
            valid, error = False, f"{type(failure).__name__}: {failure}"
        answer = next_answer()
        report = {
            "id": headers.get("webhook-id"),
            "timestamp": headers.get("webhook-timestamp"),
            "signature": headers.get("webhook-signature"),
            "body": body.decode("utf-8", "replace"),
            "valid": valid,
            "error": error,
            "answer": answer,
            "received_at": received_at,
        }
        with LOCK:
            print(json.dumps(report), flush=True)
        if answer == "hang":
            HANG.wait()
            return
        self.send_response(int(answer))
        self.send_header("content-length", "0")
        self.end_headers()

    def log_message(self, format, *args):
        pass


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
server.daemon_threads = True
print(f"listening {server.server_address[1]}", flush=True)
server.serve_forever()
