"""One hub process of bench.commits (a module of its own: spawned processes import it)."""

from __future__ import annotations

import threading
import time

from bench.store.__main__ import findings, org_id
from hub.core.model import AuditDraft
from hub.core.store.elasticsearch import ElasticsearchStore
from hub.core.store.interface import HUB


def commit_for(
    urls: list[str], prefix: str, first: int, writers: int, seconds: float, shared: bool
) -> int:
    """One hub process: `writers` threads committing until the time is up."""
    store = ElasticsearchStore(urls, prefix=prefix, lock_wait=120)
    done = [0] * writers
    start = time.monotonic()

    def write(w: int) -> None:
        partition = HUB if shared else org_id(first + w)
        for n, f in enumerate(findings(100_000, seed=first + w)):
            if time.monotonic() - start > seconds:
                return
            with store.transaction(partition) as tx:
                tx.put_findings([f])
                tx.append_audit(AuditDraft("bench", "finding.update", f.id, f"b{w}-{n}", {}))
            done[w] += 1

    threads = [threading.Thread(target=write, args=(w,)) for w in range(writers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    store.close()
    return sum(done)
