"""Real receivers on 127.0.0.1 for the playbook tests: a webhook endpoint that checks
signatures like a careful receiver does, and an SMTP server (aiosmtpd)."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Receiver:
    """What a webhook endpoint saw: every delivery, whether its signature held, and the
    distinct idempotency keys (what a receiver that drops repeats would act on)."""

    secret: str
    url: str = ""
    fail_first: int = 0  # answer 503 to this many deliveries first
    delay: float = 0.0  # seconds to take over each delivery
    deliveries: list[dict[str, Any]] = field(default_factory=list)
    arrived: int = 0  # deliveries begun, answered or not
    lock: threading.Lock = field(default_factory=threading.Lock)

    def keys(self) -> set[str]:
        return {d["key"] for d in self.deliveries if d["valid"]}


@contextmanager
def webhook_receiver(secret: str, **options: Any) -> Iterator[Receiver]:
    got = Receiver(secret, **options)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            with got.lock:
                got.arrived += 1
            stamp = self.headers.get("X-CRSA-Timestamp", "")
            mac = hmac.new(got.secret.encode(), stamp.encode() + b"." + body, hashlib.sha256)
            valid = hmac.compare_digest(
                "sha256=" + mac.hexdigest(), self.headers.get("X-CRSA-Signature", "")
            )
            time.sleep(got.delay)
            with got.lock:
                failing = got.fail_first > 0
                got.fail_first -= 1 if failing else 0
                got.deliveries.append(
                    {"key": self.headers.get("Idempotency-Key"), "valid": valid,
                     "body": json.loads(body), "answered": 503 if failing else 200}
                )  # fmt: skip
            try:
                self.send_response(503 if failing else (200 if valid else 401))
                self.end_headers()
            except OSError:
                pass  # the sender is gone (a test killed it): what it sent still counts

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    got.url = f"http://127.0.0.1:{server.server_port}/hook"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield got
    finally:
        server.shutdown()
        server.server_close()
