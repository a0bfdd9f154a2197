"""Rescoring at national scale: 1,000,000 findings over 100,000 assets, full and incremental.

    python -m bench.score [--agencies 100] [--systems 10] [--assets 100] [--findings 10]
                          [--store sqlite|elasticsearch]

The fleet (agencies x systems x assets, `--findings` open findings per asset, failed
checks on a tenth of the hosts) is written straight through the `Store` interface. Each
phase then runs in its own forked process, so its peak memory (ru_maxrss) is its own:

- full: every system rescored (`crsa score --full`);
- idle: an incremental run with nothing changed;
- changed: new findings on 1% of the systems, then an incremental run;
- a day later: an incremental run when only time has passed;
- export: a signed auditor export of the nation (`crsa export create`), scored in memory
  and written system by system (`--only export` runs this phase alone).

Policy 2027.1 adds compromise evidence: one host in a thousand has an active sighting of a
partner C2 indicator (seen in several agencies), so its scoring path is measured too.

Full and incremental must agree: after the incremental runs, the nation's recorded
points equal a full run's at the same moment.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import random
import resource
import shutil
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from devtools.esnode import Cluster
from hub.core.model import (
    Asset,
    AuditDraft,
    Criticality,
    Finding,
    FindingStatus,
    Organization,
    OrgKind,
    Severity,
    System,
)
from hub.core.records.sharing import Sighting
from hub.core.records.telemetry import AssetTelemetry
from hub.core.store import Store
from hub.core.store.elasticsearch import ElasticsearchStore
from hub.core.store.sqlite import SqliteStore
from hub.risk.exports import auditor
from hub.risk.scoring import default_policy
from hub.risk.scoring.compute import Run, audit_draft, run_scoring, score_as_of, score_hub

POLICY = default_policy()
SEVERITIES = [Severity.CRITICAL, Severity.HIGH, Severity.HIGH, Severity.MEDIUM, Severity.LOW]
NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
C2_PROFILE = {
    "name": "C2 server", "types": ["malicious-activity"], "phases": ["command-and-control"],
    "confidence": 80, "tlp": "amber", "source": "isac", "hosts": 100, "agencies": 40,
}  # fmt: skip


def fleet(
    agencies: int, systems: int, assets: int, per_asset: int, rng: random.Random
) -> Iterator[
    tuple[
        Organization, list[System], list[Asset], list[Finding], list[AssetTelemetry],
        list[Sighting],
    ]
]:  # fmt: skip
    """One agency at a time: its systems, assets, findings and telemetry (and, on one host in
    a thousand, a sighting, carried in the telemetry list's place for sightings)."""
    packages = [f"pkg:pypi/lib{i}@1.{i % 7}.0" for i in range(2000)]
    for a in range(agencies):
        org = Organization(Organization.key_id(f"Agency {a}"), f"Agency {a}", OrgKind.AGENCY, NOW)
        sys_rows, asset_rows, found, telemetry = [], [], [], []
        sighted: list[Sighting] = []
        for s in range(systems):
            system = System(
                System.key_id(org.id, f"system {s}"),
                org.id,
                f"system {s}",
                rng.choice(list(Criticality)),
                rng.random() < 0.2,
                "",
                NOW,
            )
            sys_rows.append(system)
            for h in range(assets):
                seen = NOW - timedelta(hours=rng.randrange(1, 24 * 10))
                asset = Asset(
                    Asset.key_id(system.id, f"host-{h}"),
                    org.id,
                    system.id,
                    f"host-{h}",
                    f"host-{h}",
                    "Debian",
                    "12",
                    (),
                    seen,
                    NOW,
                )
                asset_rows.append(asset)
                for n in range(per_asset):
                    purl = packages[rng.randrange(len(packages))]
                    cve = f"CVE-2026-{rng.randrange(100_000):05d}"
                    first = NOW - timedelta(days=rng.randrange(0, 200))
                    kev = rng.random() < 0.03
                    found.append(
                        Finding(
                            Finding.key_id(f"asset:{asset.id}", purl, f"{cve}-{n}"),
                            org.id,
                            system.id,
                            asset.id,
                            purl,
                            f"{cve}-{n}",
                            rng.choice(SEVERITIES),
                            None,
                            kev,
                            round(rng.random() * 0.5, 3) if rng.random() < 0.5 else None,
                            FindingStatus.OPEN,
                            first,
                            NOW,
                            None,
                            fixed_in=(f"1.{rng.randrange(7, 20)}.0",) if rng.random() < 0.8 else (),
                            kev_due=(first + timedelta(days=21)).date().isoformat()
                            if kev
                            else None,
                        )
                    )
                if h % 1000 == 500:
                    sighted.append(
                        Sighting(
                            f"sighting-{asset.id}", "indicator--c2", org.id, system.id,
                            asset.id, NOW - timedelta(days=2), NOW, True, C2_PROFILE,
                        )
                    )  # fmt: skip
                if h % 10 == 0:
                    checks = [
                        {"id": f"deb-{c}", "title": f"check {c}", "severity": "high",
                         "status": "fail" if rng.random() < 0.3 else "pass"}
                        for c in range(5)
                    ]  # fmt: skip
                    data = {"checks": checks}
                    telemetry.append(
                        AssetTelemetry(asset.id, org.id, system.id, seen, "6.1", 0, 0, data)
                    )
        yield org, sys_rows, asset_rows, found, telemetry, sighted


def build(store: Store, args: argparse.Namespace) -> dict[str, float]:
    rng = random.Random(7)
    counts: dict[str, float] = {"agencies": 0, "systems": 0, "assets": 0, "findings": 0}
    started = time.perf_counter()
    for org, systems, assets, found, telemetry, sighted in fleet(
        args.agencies, args.systems, args.assets, args.findings, rng
    ):
        with store.transaction() as tx:
            tx.put_organization(org)
            for s in systems:
                tx.put_system(s)
            for a in assets:
                tx.put_asset(a)
            for t in telemetry:
                tx.put_telemetry(t)
            tx.put_sightings(sighted)
            for start in range(0, len(found), 20_000):
                tx.put_findings(found[start : start + 20_000])
        counts["agencies"] += 1
        counts["systems"] += len(systems)
        counts["assets"] += len(assets)
        counts["findings"] += len(found)
        if counts["agencies"] % 10 == 0:
            rate = counts["findings"] / (time.perf_counter() - started)
            done = f"{counts['agencies']} agencies, {counts['findings']:,} findings"
            print(f"  built {done} ({rate:,.0f}/s)")
    return counts


def _score(store: Store, now: datetime, full: bool) -> Run:
    return run_scoring(store, POLICY, now, audit_draft("bench", "bench", POLICY, now), full=full)


def in_child(
    opener: Callable[[], Store], work: Callable[[Store], dict[str, Any]]
) -> dict[str, Any]:
    """Run `work` in a forked process; its wall time and its own peak RSS."""
    ctx = multiprocessing.get_context("fork")
    queue: Any = ctx.Queue()

    def child() -> None:
        store = opener()
        try:
            begin = time.perf_counter()
            out = work(store)
            out["seconds"] = round(time.perf_counter() - begin, 2)
            out["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
            queue.put(out)
        finally:
            store.close()

    proc = ctx.Process(target=child)
    proc.start()
    result: dict[str, Any] = queue.get()
    proc.join()
    return result


def baseline_rss(opener: Callable[[], Store]) -> int:
    return int(in_child(opener, lambda store: {})["peak_rss_mb"])


def phases(opener: Callable[[], Store]) -> dict[str, Any]:
    out: dict[str, Any] = {"process_baseline_rss_mb": baseline_rss(opener)}

    def full(store: Store) -> dict[str, Any]:
        run = _score(store, NOW, True)
        return {"rescored": run.rescored, "systems": run.systems, "records": run.records}

    def incremental(at: datetime) -> Callable[[Store], dict[str, Any]]:
        def work(store: Store) -> dict[str, Any]:
            run = _score(store, at, False)
            return {"rescored": run.rescored, "systems": run.systems, "records": run.records}

        return work

    print("full run ...")
    out["full"] = in_child(opener, full)
    print(f"  {out['full']}")
    print("incremental, nothing changed ...")
    out["idle"] = in_child(opener, incremental(NOW))
    print(f"  {out['idle']}")

    store = opener()
    try:
        rng = random.Random(11)
        systems = [
            s for o in store.list_organizations(limit=10_000) for s in store.iter_all_systems(o.id)
        ]
        chosen = rng.sample(systems, max(1, len(systems) // 100))
        with store.transaction() as tx:
            for s in chosen:
                asset = next(store.iter_all_assets(s.id))
                key = Finding.key_id(f"asset:{asset.id}", "pkg:pypi/new@1.0", "CVE-2026-99999")
                tx.put_findings(
                    [
                        Finding(
                            key, s.org_id, s.id, asset.id, "pkg:pypi/new@1.0", "CVE-2026-99999",
                            Severity.CRITICAL, 9.8, True, 0.9, FindingStatus.OPEN,
                            NOW, NOW, None, fixed_in=("1.1",), kev_due="2026-12-10",
                        )
                    ]
                )  # fmt: skip
            # As every writer of score inputs does: the store marks nothing by itself.
            tx.mark_changed({(s.org_id, s.id) for s in chosen}, "findings")
    finally:
        store.close()
    print(f"incremental, new KEV finding on {len(chosen)} systems ...")
    out["changed"] = in_child(opener, incremental(NOW))
    out["changed"]["systems_changed"] = len(chosen)
    if out["changed"]["rescored"] != len(chosen):  # else this phase measured nothing
        raise SystemExit(f"{len(chosen)} systems changed, {out['changed']['rescored']} rescored")
    print(f"  {out['changed']}")
    day = NOW + timedelta(days=1)
    print("incremental, one day later (deadlines and staleness only) ...")
    out["a_day_later"] = in_child(opener, incremental(day))
    print(f"  {out['a_day_later']}")

    def agree(store: Store) -> dict[str, Any]:
        full_nation = next(r for r in score_hub(store, POLICY, day) if r.kind == "nation")
        recorded = score_as_of(store, "nation", day)
        assert recorded is not None
        return {"full": full_nation.points, "incremental": recorded.points}

    print("checking that incremental agrees with full ...")
    out["agreement"] = in_child(opener, agree)
    same = abs(out["agreement"]["full"] - out["agreement"]["incremental"]) <= 1e-6 * max(
        1.0, out["agreement"]["full"]
    )
    out["agreement"]["equal"] = same
    print(f"  {out['agreement']}")
    if not same:
        raise SystemExit("incremental and full scoring disagree: a bug, not a benchmark result")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--agencies", type=int, default=100)
    parser.add_argument("--systems", type=int, default=10, help="per agency")
    parser.add_argument("--assets", type=int, default=100, help="per system")
    parser.add_argument("--findings", type=int, default=10, help="open findings per asset")
    parser.add_argument("--store", choices=["sqlite", "elasticsearch"], default="sqlite")
    parser.add_argument("--heap", default="2g", help="Elasticsearch heap")
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--only", choices=["export"], default=None, help="one phase alone")
    args = parser.parse_args()
    out = args.out or Path(f"bench/score/results-{args.store}.json")
    results: dict[str, Any] = {
        "machine": "2 cores, 24 GiB",
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "store": args.store,
        "policy": POLICY.version,
    }
    folder = Path(tempfile.mkdtemp(prefix="crsa-bench-score-"))
    try:
        if args.store == "sqlite":
            path = folder / "crsa.db"
            SqliteStore(path).close()
            opener: Callable[[], Store] = lambda: SqliteStore(path)  # noqa: E731
            results.update(run_all(opener, args))
        else:
            with Cluster(size=1, heap=args.heap) as cluster:
                prefix = f"bench-{uuid.uuid4().hex[:6]}"
                opener = lambda: ElasticsearchStore(cluster.urls, prefix=prefix)  # noqa: E731
                results.update(run_all(opener, args))
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n")
    if args.only is None:
        full, changed = results["full"]["seconds"], results["changed"]["seconds"]
        print(f"full {full} s, incremental after a 1% change {changed} s: {full / changed:.1f}x")
    print(f"results in {out}")


def run_all(opener: Callable[[], Store], args: argparse.Namespace) -> dict[str, Any]:
    store = opener()
    try:
        store.migrate()
        print("building the fleet ...")
        begin = time.perf_counter()
        counts = build(store, args)
        counts["build_seconds"] = round(time.perf_counter() - begin, 1)
    finally:
        store.close()
    print(f"  {counts}")
    if args.only == "export":
        base = {"process_baseline_rss_mb": baseline_rss(opener)}
        return {"fleet": counts, **base, "export": exported(opener)}
    return {"fleet": counts, **phases(opener), "export": exported(opener)}


def exported(opener: Callable[[], Store]) -> dict[str, Any]:
    """A signed export of the nation, its time and peak memory (what an auditor waits for)."""

    def work(store: Store) -> dict[str, Any]:
        with tempfile.TemporaryDirectory(prefix="crsa-bench-export-") as d:
            out = Path(d) / "export"
            manifest = auditor.create(
                store, Path(d), out, None, NOW,
                lambda detail: AuditDraft("bench", "export.create", "nation", "bench", detail),
            )  # fmt: skip
            size = sum(f.stat().st_size for f in out.iterdir())
            return {"files": len(manifest["files"]), "megabytes": round(size / 2**20, 1)}

    print("export of the nation ...")
    result = in_child(opener, work)
    print(f"  {result}")
    return result


if __name__ == "__main__":
    main()
