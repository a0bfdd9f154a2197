"""POST the event as JSON to a URL, signed, retried with backoff.

The receiver checks `X-CRSA-Signature: sha256=<hex>`, an HMAC-SHA256 with the shared
secret over `<X-CRSA-Timestamp>.<body>` (the timestamp is signed so an old delivery
cannot be replayed as new), and drops a repeated `Idempotency-Key`. The secret comes from
an environment variable named in the playbook (default CRSA_WEBHOOK_SECRET), never from
the playbook file.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from typing import Any

import requests

from hub import __version__
from hub.core import jsontext
from hub.core.records.events import Event
from playbooks.actions.base import ActionError, Context, Outcome, PlaybookAction
from playbooks.definition import Playbook, Step

DEFAULT_SECRET_ENV = "CRSA_WEBHOOK_SECRET"  # noqa: S105 - the variable's name, not a secret
_RETRY_STATUS = {408, 425, 429, 500, 502, 503, 504}


def signature(secret: str, timestamp: str, body: bytes) -> str:
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def payload(book: Playbook, event: Event, key: str, sent_at: str) -> dict[str, Any]:
    return {
        "idempotency_key": key,
        "playbook": book.name,
        "sent_at": sent_at,
        "event": {
            "id": event.id,
            "trigger": event.trigger,
            "subject": event.subject,
            "org_id": event.org_id,
            "at": event.at.isoformat(),
            "fields": event.fields,
        },
    }


class WebhookAction(PlaybookAction):
    kind = "webhook"

    def perform(self, ctx: Context, book: Playbook, step: Step, event: Event, key: str) -> Outcome:
        env = step.spec.get("secret_env", DEFAULT_SECRET_ENV)
        secret = os.environ.get(env, "")
        if not secret:
            raise ActionError(
                f"webhook to {step.spec['url']} not sent: no secret in ${env}",
                hint=f"set {env} to the secret the receiver checks signatures with",
            )
        attempts = 1 + int(step.spec.get("retries", 4))
        timeout = float(step.spec.get("timeout", 10))
        stamp = ctx.now.isoformat()
        body = jsontext.dumps(payload(book, event, key, stamp), sort_keys=True).encode()
        headers = {
            "Content-Type": "application/json",
            "User-Agent": f"crsa-hub/{__version__}",
            "Idempotency-Key": key,
            "X-CRSA-Timestamp": stamp,
            "X-CRSA-Signature": signature(secret, stamp, body),
        }
        problem = ""
        for n in range(attempts):
            if n:
                ctx.sleep(min(0.5 * 2 ** (n - 1), 8.0))
            try:
                got = requests.post(step.spec["url"], data=body, headers=headers, timeout=timeout)
            except requests.RequestException as exc:
                problem = f"{type(exc).__name__}: {exc}"
                continue
            if 200 <= got.status_code < 300:
                return Outcome(
                    {"url": step.spec["url"], "status": got.status_code, "attempts": n + 1}
                )
            problem = f"HTTP {got.status_code}"
            if got.status_code not in _RETRY_STATUS:
                break
        raise ActionError(f"webhook to {step.spec['url']} failed: {problem}")

    def describe(self, step: Step, event: Event) -> str:
        return f"POST signed JSON to {step.spec['url']}"
