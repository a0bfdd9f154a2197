"""Write and query 1,000,000 findings on each store backend, side by side.

    python -m bench.store [--findings 1000000] [--backends sqlite,elasticsearch]

Both backends run on this machine through the hub's own `Store` interface (the
path the API takes): SQLite in a temporary file, Elasticsearch as one real local
node started by devtools.esnode. Prints a Markdown table and writes JSON results.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from devtools.esnode import ES_VERSION, Cluster
from hub.core.model import AuditDraft, Finding, FindingStatus, Severity, derive_id
from hub.core.store import Store
from hub.core.store.elasticsearch import ElasticsearchStore
from hub.core.store.sqlite import SqliteStore

ORGS = 200
ASSETS_PER_ORG = 250
T0 = datetime(2026, 1, 1, tzinfo=UTC)
SEVERITIES = list(Severity)
STATUSES = [FindingStatus.OPEN] * 6 + [FindingStatus.FIXED] * 3 + [FindingStatus.SUPPRESSED]


def org_id(o: int) -> str:
    return derive_id("bench-org", str(o))


def findings(total: int, seed: int = 1) -> Iterator[Finding]:
    """A deterministic national fleet: findings spread over orgs, assets and 5,000 vulns."""
    rng = random.Random(seed)
    per_asset = max(1, total // (ORGS * ASSETS_PER_ORG))
    made = 0
    for a in range(ORGS * ASSETS_PER_ORG):
        o = a % ORGS
        asset = derive_id("bench-asset", str(a))
        for k in range(per_asset):
            if made == total:
                return
            vuln = f"CVE-2024-{rng.randrange(5000):05d}"
            purl = f"pkg:pypi/package-{(a * 7 + k) % 3000}@1.{k}.0"
            seen = T0 + timedelta(hours=rng.randrange(24 * 300))
            status = rng.choice(STATUSES)
            yield Finding(
                Finding.key_id(asset, purl, vuln),
                org_id(o),
                derive_id("bench-sys", str(o)),
                asset,
                purl,
                vuln,
                rng.choice(SEVERITIES),
                round(rng.uniform(0, 10), 1),
                rng.random() < 0.05,
                round(rng.random(), 4),
                status,
                seen,
                seen,
                seen if status is FindingStatus.FIXED else None,
            )
            made += 1


def latencies(samples: list[Any], call: Callable[[Any], object]) -> dict[str, float]:
    times = []
    for sample in samples:
        start = time.perf_counter()
        call(sample)
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return {
        "p50_ms": round(statistics.median(times), 2),
        "p95_ms": round(times[int(len(times) * 0.95) - 1], 2),
    }


def run(store: Store, total: int, batch: int) -> dict[str, Any]:
    store.migrate()
    ids: list[str] = []
    vulns: list[str] = []
    buffer: list[Finding] = []
    start = time.perf_counter()
    last = start
    for f in findings(total):
        buffer.append(f)
        if len(ids) < 2000 and random.random() < 0.01:
            ids.append(f.id)
            vulns.append(f.vuln_id)
        if len(buffer) == batch:
            with store.transaction() as tx:
                tx.put_findings(buffer)
            buffer = []
            if time.perf_counter() - last > 10:
                last = time.perf_counter()
                print(f"  {store.name}: {store.counts().findings:,} written", flush=True)
    if buffer:
        with store.transaction() as tx:
            tx.put_findings(buffer)
    write_s = time.perf_counter() - start
    assert store.counts().findings == total, store.counts()

    # Small transactions: what the API does per request (one change and its audit entry).
    small = 200
    start = time.perf_counter()
    for n, f in enumerate(findings(small, seed=9)):
        with store.transaction() as tx:
            tx.put_findings([f])
            tx.append_audit(AuditDraft("bench", "finding.update", f.id, f"b{n}", {}))
    small_s = time.perf_counter() - start

    rng = random.Random(2)
    orgs = [org_id(rng.randrange(ORGS)) for _ in range(200)]
    result: dict[str, Any] = {
        "findings": total,
        "write_seconds": round(write_s, 1),
        "writes_per_second": round(total / write_s),
        "small_commits_per_second": round(small / small_s, 1),
        "get_by_id": latencies(ids[:1000], store.get_finding),
        "list_org_page_100": latencies(orgs, lambda o: store.list_findings(org_id=o, limit=100)),
        "list_open_by_org": latencies(
            orgs, lambda o: store.list_findings(org_id=o, status=FindingStatus.OPEN, limit=100)
        ),
        "list_by_vuln": latencies(vulns[:200], lambda v: store.list_findings(vuln_id=v, limit=100)),
        "summary_one_org": latencies(orgs, lambda o: store.summarize_findings(org_id=o)),
        "summary_nation": latencies([None] * 5, lambda _: store.summarize_findings()),
    }
    start = time.perf_counter()
    walked, after = 0, None
    while True:
        page = store.list_findings(org_id=orgs[0], after=after, limit=1000)
        walked += len(page)
        if len(page) < 1000:
            break
        after = page[-1].id
    result["walk_one_org"] = {"findings": walked, "seconds": round(time.perf_counter() - start, 3)}
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--findings", type=int, default=1_000_000)
    parser.add_argument("--batch", type=int, default=10_000)
    parser.add_argument("--backends", default="sqlite,elasticsearch")
    parser.add_argument("--heap", default="2g", help="Elasticsearch heap")
    parser.add_argument("--out", type=Path, default=Path("bench/store/results.json"))
    args = parser.parse_args()
    start = time.perf_counter()
    generated = sum(1 for _ in findings(args.findings))
    results: dict[str, Any] = {
        "machine": "2 cores, 24 GiB",
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "elasticsearch": ES_VERSION,
        "generate_only_seconds": round(time.perf_counter() - start, 1),
    }
    print(f"building {generated:,} Finding values alone: {results['generate_only_seconds']} s")
    for backend in args.backends.split(","):
        print(f"{backend}: writing {args.findings:,} findings in batches of {args.batch:,}")
        if backend == "sqlite":
            folder = Path(tempfile.mkdtemp(prefix="crsa-bench-"))
            store: Store = SqliteStore(folder / "crsa.db")
            try:
                results[backend] = run(store, args.findings, args.batch)
                results[backend]["bytes_on_disk"] = sum(p.stat().st_size for p in folder.iterdir())
            finally:
                store.close()
                shutil.rmtree(folder)
        else:
            with Cluster(size=1, heap=args.heap) as cluster:
                es = ElasticsearchStore(cluster.urls, prefix=f"bench-{uuid.uuid4().hex[:6]}")
                results[backend] = run(es, args.findings, args.batch)
                stats = es.es.indices.stats(index=es.index("findings"))
                results[backend]["bytes_on_disk"] = stats["_all"]["primaries"]["store"][
                    "size_in_bytes"
                ]
                es.close()
        print(json.dumps(results[backend], indent=2))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"results in {args.out}")


if __name__ == "__main__":
    main()
