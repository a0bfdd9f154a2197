"""Correlating incidents with what the hub knows: 1,000 incidents against 100,000 partner
indicators and 100,000 hosts' observations, beside bench/ioc and stix2-matcher alone.

    python -m bench.incidents [--incidents 1000] [--indicators 100000] [--hosts 100000]
                              [--subset 200]

The indicators and hosts are bench/ioc's workload (the same mix of patterns; 10
observations per host). Each incident has 3 to 8 observables, half of them values some
host has or some indicator names (the rest its own), and 1 to 3 ATT&CK techniques of 40.
Measured, as `hub.sharing.incidents.correlation` does it:

- indicators: `ioc.match` of every live indicator against the incidents' observables;
- hosts: the hosts whose observations share an observable with an incident (the
  observation index built once over every host, then one probe per observable);
- clusters: the incidents joined by shared observables;
- and, on the SQLite store, reading the 100,000 live indicators back (`live_indicators`),
  which the incident page's links pay once per view.

The peer is stix2-matcher alone, every (indicator, incident) pair, on `--subset`
indicators against every incident: its answers must equal the hub's on that subset, and
its cost per pair projects what the whole workload would cost it.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import tempfile
import time
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.ioc.__main__ import matcher_alone, workload
from hub.core.records.incidents import Incident
from hub.core.records.sharing import StixVersion
from hub.core.store.sqlite import SqliteStore
from hub.sharing.incidents.correlation import as_observations, clusters
from hub.sharing.incidents.reading import key
from hub.sharing.ioc import compile_simple, live_indicators, match
from hub.sharing.observations import Host, flat
from hub.sharing.prefilter import ObservationIndex

T = datetime(2026, 11, 1, tzinfo=UTC)
TECHNIQUES = [f"T{1000 + 7 * n}" for n in range(40)]


def incidents_for(
    hosts: list[Host], indicators: dict[str, str], n: int, seed: int = 11
) -> list[Incident]:
    rng = random.Random(seed)
    named = [v for p in indicators.values() if (v := _plain_value(p))]
    out = []
    for i in range(n):
        keys: set[str] = set()
        for _ in range(rng.randrange(3, 9)):
            roll = rng.random()
            if roll < 0.25:
                sco = rng.choice(rng.choice(hosts).objects)
                found = key(sco)
                if found:
                    keys.add(found)
            elif roll < 0.5 and named:
                keys.add(rng.choice(named))
            else:
                keys.add(f"ipv4-addr:value=100.{i % 256}.{rng.randrange(256)}.{rng.randrange(256)}")
        techniques = tuple(sorted(rng.sample(TECHNIQUES, rng.randrange(1, 4))))
        out.append(
            Incident(
                f"incident--{i:08d}-0000-4000-8000-000000000000", f"org-{i % 120}",
                f"incident {i}", "", "new", "high", "amber", T, T + timedelta(hours=i % 48),
                T, T, "bench", "", (), (), tuple(sorted(keys)), techniques, (), "", (),
            )
        )  # fmt: skip
    return out


def _plain_value(pattern: str) -> str | None:
    """`path=value` of a one-comparison equality pattern (what an incident may name)."""
    keys = compile_simple(pattern)
    if keys and len(keys) == 1:
        path, value = keys[0]
        return f"{path}={value}"
    return None


def sharing_hosts(index: ObservationIndex, hosts: list[Host], incidents: list[Incident]) -> int:
    """(incident, host) pairs where the host observed one of the incident's observables."""
    pairs = 0
    for incident in incidents:
        found: set[int] = set()
        for sco in as_observations(incident).objects:
            for path_value in flat(sco):
                found |= index.by_value.get(path_value, set())
        pairs += len(found)
    return pairs


def store_read(indicators: dict[str, str]) -> tuple[float, float]:
    """(seconds to write, seconds to read back) every indicator as live STIX objects of a
    SQLite store's collection."""
    work = Path(tempfile.mkdtemp(prefix="bench-incidents-"))
    store = SqliteStore(work / "crsa.db")
    store.migrate()
    rows = [
        StixVersion(
            StixVersion.key_id("c", oid, "2026-11-01T00:00:00.000Z"), "c", oid, "indicator",
            "2.1", "2026-11-01T00:00:00.000Z", T, "green", "org-p", (), True, True, False,
            {"type": "indicator", "spec_version": "2.1", "id": oid, "pattern": pattern,
             "pattern_type": "stix", "valid_from": "2026-11-01T00:00:00Z",
             "created": "2026-11-01T00:00:00.000Z", "modified": "2026-11-01T00:00:00.000Z"},
        )
        for oid, pattern in indicators.items()
    ]  # fmt: skip
    started = time.perf_counter()
    for start in range(0, len(rows), 5000):
        with store.transaction() as tx:
            tx.put_stix_versions(rows[start : start + 5000])
    written = time.perf_counter() - started
    started = time.perf_counter()
    live = live_indicators(store, T + timedelta(days=1))
    read = time.perf_counter() - started
    assert len(live) == len(indicators), (len(live), len(indicators))
    store.close()
    return written, read


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--incidents", type=int, default=1_000)
    parser.add_argument("--indicators", type=int, default=100_000)
    parser.add_argument("--hosts", type=int, default=100_000)
    parser.add_argument("--subset", type=int, default=200)
    parser.add_argument("--out", type=Path, default=Path(__file__).with_name("results.json"))
    args = parser.parse_args()

    hosts, indicators = workload(args.hosts, args.indicators)
    incidents = incidents_for(hosts, indicators, args.incidents)
    observations = sum(len(h.objects) for h in hosts)
    observables = sum(len(i.observables) for i in incidents)
    print(f"{len(incidents)} incidents ({observables} observables) x {len(indicators)}"
          f" indicators x {observations} observations on {len(hosts)} hosts")  # fmt: skip

    started = time.perf_counter()
    by_indicator = match(indicators, [as_observations(i) for i in incidents])
    indicator_seconds = time.perf_counter() - started
    links = sum(len(v) for v in by_indicator.values())
    print(f"indicators: {indicator_seconds:.2f} s, {links} (indicator, incident) links")

    started = time.perf_counter()
    index = ObservationIndex(hosts)
    index_seconds = time.perf_counter() - started
    started = time.perf_counter()
    host_pairs = sharing_hosts(index, hosts, incidents)
    probe_seconds = time.perf_counter() - started
    print(f"hosts: index {index_seconds:.2f} s once, probes {probe_seconds:.3f} s,"
          f" {host_pairs} (incident, host) pairs")  # fmt: skip

    started = time.perf_counter()
    groups = clusters(incidents)
    cluster_seconds = time.perf_counter() - started
    joined = [g for g in groups if len(g) > 1]
    print(f"clusters: {cluster_seconds:.3f} s, {len(joined)} clusters of 2 or more")

    written, read = store_read(indicators)
    print(
        f"store: {len(indicators)} indicators written in {written:.1f} s, read live in {read:.2f} s"
    )

    # The peer on a subset: stix2-matcher on every (indicator, incident) pair.
    rng = random.Random(3)
    sub = dict(rng.sample(sorted(indicators.items()), args.subset))
    as_hosts = [as_observations(i) for i in incidents]
    theirs, matcher_seconds = matcher_alone(sub, as_hosts)
    ours = match(sub, as_hosts)
    identical = ours == theirs
    pairs = len(sub) * len(incidents)
    rate = matcher_seconds / pairs
    projected = rate * len(indicators) * len(incidents)
    print(f"subset {len(sub)} indicators x {len(incidents)} incidents: matcher alone"
          f" {matcher_seconds:.1f} s, identical answers: {identical};"
          f" whole workload projected {projected / 60:.0f} min"
          f" ({projected / indicator_seconds:,.0f}x the hub)")  # fmt: skip
    per_org: dict[str, int] = defaultdict(int)
    for g in joined:
        for i in g:
            per_org[i.org_id] += 1
    result: dict[str, Any] = {
        "date": datetime.now(UTC).date().isoformat(),
        "incidents": len(incidents),
        "observables": observables,
        "indicators": len(indicators),
        "hosts": len(hosts),
        "observations": observations,
        "indicator_seconds": round(indicator_seconds, 2),
        "indicator_links": links,
        "host_index_seconds": round(index_seconds, 2),
        "host_probe_seconds": round(probe_seconds, 3),
        "host_pairs": host_pairs,
        "cluster_seconds": round(cluster_seconds, 3),
        "clusters": len(joined),
        "store_write_seconds": round(written, 1),
        "store_live_read_seconds": round(read, 2),
        "subset": {"indicators": len(sub), "incidents": len(incidents),
                   "matcher_seconds": round(matcher_seconds, 1), "identical": identical},
        "matcher_us_per_pair": round(rate * 1e6, 2),
        "matcher_projected_seconds": round(projected),
        "ratio": round(projected / indicator_seconds),
        "peak_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }  # fmt: skip
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"written to {args.out}")


if __name__ == "__main__":
    main()
