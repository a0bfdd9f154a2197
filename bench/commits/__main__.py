"""Small commits on Elasticsearch from two hub processes: one writer lease for the whole
cluster (every commit in the hub partition, as before issue 20) against one lease per
organization (each writer commits for its own agency).

    python -m bench.commits [--processes 2] [--writers 8] [--seconds 20]

Each commit is what an API request does: one finding and its audit entry. Both runs
write to one local node started by devtools.esnode; each ends by verifying the audit
chain, which every writer extended concurrently.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import time
import uuid
from pathlib import Path
from typing import Any

from bench.commits.writer import commit_for
from devtools.esnode import ES_VERSION, Cluster
from hub.core import audit
from hub.core.store.elasticsearch import ElasticsearchStore


def run(urls: list[str], processes: int, writers: int, seconds: float, shared: bool) -> float:
    prefix = f"bench-c-{uuid.uuid4().hex[:6]}"
    store = ElasticsearchStore(urls, prefix=prefix)
    store.migrate()
    started = time.perf_counter()
    with multiprocessing.get_context("spawn").Pool(processes) as pool:
        counts = pool.starmap(
            commit_for,
            [(urls, prefix, p * writers, writers, seconds, shared) for p in range(processes)],
        )
    elapsed = time.perf_counter() - started
    verdict = audit.verify(store.iter_audit())
    assert verdict.ok and verdict.checked == sum(counts), (verdict, counts)
    store.es.indices.delete(index=f"{prefix}-*")
    store.close()
    return sum(counts) / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--writers", type=int, default=8, help="threads per process")
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--heap", default="1g")
    parser.add_argument("--out", type=Path, default=Path(__file__).with_name("results.json"))
    args = parser.parse_args()
    results: dict[str, Any] = {
        "elasticsearch": ES_VERSION,
        "processes": args.processes,
        "writers_per_process": args.writers,
    }
    with Cluster(size=1, heap=args.heap) as cluster:
        for label, shared in (("one_lease", True), ("per_organization", False)):
            rate = run(cluster.urls, args.processes, args.writers, args.seconds, shared)
            results[f"{label}_commits_per_second"] = round(rate, 1)
            print(f"{label}: {rate:.1f} small commits/s", flush=True)
    results["ratio"] = round(
        results["per_organization_commits_per_second"] / results["one_lease_commits_per_second"], 1
    )
    args.out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"ratio {results['ratio']}x; written to {args.out}")


if __name__ == "__main__":
    main()
