"""Getting batches to the hub exactly once: gzip, an on-disk spool, retries with backoff.

Every batch is written to the spool before it is sent and removed only when the hub
has answered for it, so a crash, a network cut or a stopped hub loses nothing. The
batch's idempotency key (made when the batch was, kept in the spool) lets the hub
store a batch it already has exactly once, however often it is sent. The spool is
bounded: past `max_bytes` the oldest batches are dropped, each with a warning.
A batch the hub refuses for its content (a 4xx other than 408 and 429) will never
be accepted, so it is set aside in `rejected/` instead of being retried forever.
"""

from __future__ import annotations

import gzip
import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from collectors import wire
from collectors.files import private_dir, write_private

RETRYABLE = frozenset({408, 429})


@dataclass
class DeliveryReport:
    sent: int = 0
    duplicates: int = 0
    rejected: list[str] = field(default_factory=list)
    kept: int = 0
    warnings: list[str] = field(default_factory=list)


class Spool:
    def __init__(self, folder: Path, max_bytes: int = 256 * 1024 * 1024) -> None:
        self.folder = folder
        self.max_bytes = max_bytes
        private_dir(folder)  # batches hold the host's whole inventory: the collector's alone

    def put(self, batch: wire.Inventory) -> list[str]:
        """Store a batch (gzipped); returns warnings for batches dropped to stay in bounds."""
        data = gzip.compress(json.dumps(batch, separators=(",", ":")).encode())
        name = f"{time.time_ns():020d}-{batch['batch_id']}.json.gz"
        tmp = self.folder / f".{name}.tmp"
        write_private(tmp, data)
        tmp.rename(self.folder / name)  # atomic: a crash never leaves half a batch
        warnings = []
        pending = self.pending()
        total = sum(p.stat().st_size for p in pending)
        while total > self.max_bytes and len(pending) > 1:
            oldest = pending.pop(0)
            total -= oldest.stat().st_size
            oldest.unlink()
            warnings.append(
                f"spool over {self.max_bytes} bytes: dropped the oldest batch {oldest.name}"
            )
        return warnings

    def pending(self) -> list[Path]:
        return sorted(self.folder.glob("*.json.gz"))

    def reject(self, path: Path, why: str) -> None:
        target = self.folder / "rejected"
        private_dir(target)
        path.rename(target / path.name)
        (target / f"{path.name}.why").write_text(why + "\n", encoding="utf-8")


class Delivery:
    def __init__(
        self,
        hub: str,
        token: str,
        spool: Spool,
        *,
        attempts: int = 4,
        backoff: float = 0.5,
        timeout: float = 30.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.url = hub.rstrip("/") + wire.PATH
        self.token = token
        self.spool = spool
        self.attempts = attempts
        self.backoff = backoff
        self.timeout = timeout
        self.sleep = sleep

    def _post(self, path: Path) -> int:
        batch_id = path.name.split("-", 1)[1].removesuffix(".json.gz")
        request = urllib.request.Request(  # noqa: S310 - the operator's hub URL
            self.url,
            data=path.read_bytes(),
            method="POST",
            headers={
                "Authorization": f"Bearer {self.token}",
                "Content-Type": "application/json",
                "Content-Encoding": "gzip",
                "Idempotency-Key": batch_id,
                "User-Agent": "crsa-collector",
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                return int(response.status)
        except urllib.error.HTTPError as exc:
            detail = exc.read().decode("utf-8", "replace")[:500]
            if 400 <= exc.code < 500 and exc.code not in RETRYABLE:
                raise _Refused(exc.code, detail) from None
            return int(exc.code)

    def flush(self) -> DeliveryReport:
        """Send every spooled batch, oldest first; stop at the first that cannot get through."""
        report = DeliveryReport()
        pending = self.spool.pending()
        for n, path in enumerate(pending):
            delay = self.backoff
            for attempt in range(1, self.attempts + 1):
                try:
                    status = self._post(path)
                except _Refused as exc:
                    self.spool.reject(path, f"HTTP {exc.status}: {exc.detail}")
                    report.rejected.append(f"{path.name}: HTTP {exc.status} {exc.detail}")
                    break
                except (urllib.error.URLError, TimeoutError, ConnectionError, OSError) as exc:
                    status = 0
                    reason = str(getattr(exc, "reason", exc))
                else:
                    reason = f"HTTP {status}"
                if status in (200, 201):
                    path.unlink()
                    report.sent += status == 201
                    report.duplicates += status == 200
                    break
                if attempt == self.attempts:
                    report.kept = len(pending) - n
                    report.warnings.append(
                        f"hub unreachable ({reason}); {report.kept} batch(es) kept in"
                        f" {self.spool.folder} for the next run"
                    )
                    return report
                self.sleep(delay)
                delay *= 2
        return report


class _Refused(Exception):
    def __init__(self, status: int, detail: str) -> None:
        super().__init__(status, detail)
        self.status = status
        self.detail = detail
