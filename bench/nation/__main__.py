"""A synthetic nation on one hub: 1,800 organizations, 100,000 hosts, two days of reports
with partners, analysts and feeds at work at the same time; per-unit costs measured, then
projected to 1,000,000 endpoints.

    python -m bench.nation [--organizations 1800] [--hosts 100000] [--repeat 0.2]
                           [--images 20] [--packages 300] [--advisories 600]
                           [--indicators 10000] [--workers 2] [--clients 8]

The hub is `crsa serve` on the SQLite store, as deployed (gunicorn, `--workers`
processes), with its scorer, sharing and playbooks off while measuring (scoring is run
and measured as its own step, `crsa score`, after each day).

1. Setup: the organizations (sizes on a long tail, bench/nation/fleet.py), a system and a
   collector token each; a partner with a TAXII collection of `--indicators`; an analyst;
   an OSV feed of `--advisories`, synced by `crsa feeds sync`.
2. Day one: every host reports for the first time (8 collectors posting at once), while a
   partner pages through TAXII every 2 s, an analyst's dashboards refresh every 5 s, and
   the feed gains 5 advisories and syncs (re-matching the hosts they reach) every 120 s.
3. `crsa score --full`.
4. Day two: a `--repeat` share of the hosts report again, 5% of them after an update
   (one package at another version), with the same readers at work.
5. `crsa score` (incremental: what day two changed).

Each step records wall time and the CPU it cost (the served hub's process tree, or the
CLI's own process), the readers their latencies; bench/nation/projection.py turns the
per-unit costs into a national day. Results: bench/nation/results.json.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.ingest.__main__ import MAX_BYTES, osv_for, post_all
from bench.nation.fleet import Fleet, Member, batches, body
from bench.nation.projection import project
from bench.nation.readers import (
    DashboardReader,
    FeedUpdates,
    TaxiiReader,
    Timings,
    alongside,
    run_cli,
)
from bench.served import CRSA, QUIET, ServedHub, served_hub
from bench.taxii.__main__ import indicator
from hub.core.auth import Principal
from hub.core.model import Criticality, OrgKind, Role
from hub.core.registry import Registry
from hub.core.store.sqlite import SqliteStore
from hub.sharing.desk import SharingDesk

CRITICALITY = (Criticality.LOW, Criticality.MODERATE, Criticality.HIGH)


def setup(work: Path, args: argparse.Namespace, fleet: Fleet) -> dict[str, Any]:
    """The nation's organizations, tokens, partner collection and feed, before serving."""
    subprocess.run([*CRSA, "--home", str(work), "init"], check=True, capture_output=True)
    store = SqliteStore(work / "crsa.db")
    reg = Registry(store)
    root = Principal.operator("bench")
    rng = random.Random(3)
    soc = reg.add_organization(root, "National SOC", OrgKind.OPERATOR, "b").value
    analyst = reg.issue_token(root, soc.id, Role.SOC_ANALYST, "analyst", "b").secret
    partner = reg.add_organization(root, "Bench ISAC", OrgKind.PARTNER, "b").value
    partner_token = reg.issue_token(root, partner.id, Role.PARTNER, "isac", "b").secret
    agencies, systems, headers = [], [], []
    for n in range(args.organizations):
        org = reg.add_organization(root, f"Agency {n:04d}", OrgKind.AGENCY, "b").value
        system = reg.add_system(
            root, org.id, "Endpoints", rng.choice(CRITICALITY), rng.random() < 0.1, "", "b"
        ).value
        token = reg.issue_token(root, org.id, Role.AGENCY_SUBMITTER, "collector", "b").secret
        agencies.append(org.id)
        systems.append(system.id)
        headers.append({"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
        if (n + 1) % 200 == 0:
            print(f"  {n + 1} organizations", flush=True)
    desk = SharingDesk(store)
    collection = desk.add_collection(
        root, "national", "b", readers=[partner.id], writers=[partner.id], default_tlp="green"
    )
    for start in range(0, args.indicators, 1000):
        objects = [indicator(n) for n in range(start, min(args.indicators, start + 1000))]
        desk.keep(collection, objects, partner.id, "bench", "b")
    store.close()

    feed = work / "osv"
    feed.mkdir()
    rng = random.Random(5)
    for n in range(args.advisories):
        advisory = osv_for(rng.choice(fleet.pool), n, rng)
        (feed / f"{advisory['id']}.json").write_text(json.dumps(advisory))
    run_cli(work, "feeds", "add", "osv", str(feed))
    started = time.perf_counter()
    run_cli(work, "feeds", "sync")
    print(f"  feed: {args.advisories} advisories synced in {time.perf_counter() - started:.1f} s")
    return {
        "agencies": agencies,
        "systems": systems,
        "headers": headers,
        "analyst": analyst,
        "partner": partner_token,
        "collection": collection.id,
        "feed": feed,
    }


def day(
    hub: ServedHub,
    nation: dict[str, Any],
    fleet: Fleet,
    members: list[Member],
    at: datetime,
    args: argparse.Namespace,
) -> dict[str, Any]:
    """One day's reports from `members`, posted while the readers work; what it cost."""
    t = time.perf_counter()
    bodies = [body(nation["systems"][m.org], m, at) for m in members]
    print(f"  {len(bodies)} batches prepared in {time.perf_counter() - t:.0f} s", flush=True)
    work = Path(args.work)
    base = f"{hub.url}/taxii2/crsa/collections/{nation['collection']}/"
    readers: dict[str, tuple[float, Callable[[], Any]]] = {
        "taxii_page": (2.0, TaxiiReader(base, nation["partner"])),
        "dashboards": (
            5.0,
            DashboardReader(hub.url, nation["analyst"], nation["agencies"], random.Random(7)),
        ),
        "feed_sync": (120.0, FeedUpdates(work, nation["feed"], fleet.images, fleet.pool)),
    }
    cpu = hub.cpu_seconds()
    with alongside(readers) as timings:
        seconds = post_all(hub.port, batches(bodies, members, nation["headers"]), args.clients)
    cpu = hub.cpu_seconds() - cpu
    return {
        "hosts": len(members),
        "seconds": round(seconds, 1),
        "hosts_per_second": round(len(members) / seconds, 1),
        "hub_cpu_seconds": round(cpu, 1),
        "hub_cpu_ms_per_host": round(cpu * 1000 / len(members), 2),
        "readers": {name: summary(t) for name, t in timings.items()},
    }


def summary(timings: Timings) -> dict[str, Any]:
    out = timings.summary()
    if timings.details and "hosts_rematched" in timings.details[0]:
        out["syncs"] = timings.details
    return out


def scored(work: Path, *flags: str) -> dict[str, Any]:
    started = time.perf_counter()
    text, cpu = run_cli(work, "score", *flags)
    seconds = time.perf_counter() - started
    said = re.search(r"rescored (\d+) of (\d+) systems.*; (\d+) score records", text)
    if said is None:
        raise SystemExit(f"crsa score did not say what it rescored: {text[-300:]}")
    rescored, systems, records = (int(n) for n in said.groups())
    print(f"  crsa score {' '.join(flags)}: {seconds:.0f} s, {rescored} of {systems} systems")
    return {
        "seconds": round(seconds, 1),
        "cpu_seconds": round(cpu, 1),
        "systems_rescored": rescored,
        "systems": systems,
        "records": records,
    }


def feed_costs(days: list[dict[str, Any]]) -> dict[str, Any]:
    syncs = [s for d in days for s in d["readers"]["feed_sync"].get("syncs", [])]
    if not syncs:
        return {"syncs": 0, "cpu_seconds_per_sync": 0.0}
    return {
        "syncs": len(syncs),
        "cpu_seconds_per_sync": round(sum(s["cpu_seconds"] for s in syncs) / len(syncs), 2),
        "hosts_rematched_per_sync": round(sum(s["hosts_rematched"] for s in syncs) / len(syncs)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--organizations", type=int, default=1800)
    parser.add_argument("--hosts", type=int, default=100_000)
    parser.add_argument("--repeat", type=float, default=0.2, help="share reporting on day two")
    parser.add_argument("--images", type=int, default=20)
    parser.add_argument("--packages", type=int, default=300)
    parser.add_argument("--advisories", type=int, default=600)
    parser.add_argument("--indicators", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--out", type=Path, default=Path(__file__).with_name("results.json"))
    args = parser.parse_args()
    args.work = tempfile.mkdtemp(prefix="bench-nation-")
    work = Path(args.work)
    rng = random.Random(17)
    fleet = Fleet.build(
        args.organizations,
        args.hosts,
        images=args.images,
        packages=args.packages,
        shared=0.8,
        rng=rng,
    )
    print(f"nation: {args.organizations} organizations, {len(fleet.members)} hosts", flush=True)
    started = time.perf_counter()
    nation = setup(work, args, fleet)
    setup_seconds = time.perf_counter() - started
    today = datetime.now(UTC).replace(microsecond=0) - timedelta(days=1)
    again = rng.sample(fleet.members, int(len(fleet.members) * args.repeat))
    again = [fleet.upgraded(m, rng) if rng.random() < 0.05 else m for m in again]
    env = {"CRSA_MAX_REQUEST_BYTES": str(MAX_BYTES), **QUIET}
    with served_hub(work, args.workers, env) as hub:
        print("day one: every host reports", flush=True)
        first = day(hub, nation, fleet, fleet.members, today, args)
        print(f"  {first['hosts_per_second']} hosts/s", flush=True)
        full = scored(work, "--full")
        print(f"day two: {len(again)} hosts report again", flush=True)
        second = day(hub, nation, fleet, again, today + timedelta(days=1), args)
        print(f"  {second['hosts_per_second']} hosts/s", flush=True)
        incremental = scored(work)
    store = SqliteStore(work / "crsa.db")
    counts = store.counts()
    store.close()  # the last connection closed: the WAL is folded into the file
    measured: dict[str, Any] = {
        "machine": "2 cores, 24 GiB",
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "store": "sqlite",
        "organizations": args.organizations,
        "hosts": len(fleet.members),
        "largest_organization_hosts": sum(1 for m in fleet.members if m.org == 0),
        "images": args.images,
        "packages_per_host": args.packages,
        "advisories": args.advisories,
        "indicators": args.indicators,
        "setup_seconds": round(setup_seconds, 1),
        "findings": counts.findings,
        "findings_per_host": round(counts.findings / len(fleet.members), 1),
        "store_bytes": (work / "crsa.db").stat().st_size,
        "day1": first,
        "day2": second,
        "scoring": {"full": full, "incremental": incremental},
    }
    measured["feed_sync"] = feed_costs([first, second])
    result = {**measured, "projection": project(measured)}
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result["projection"], indent=2))
    print(f"written to {args.out}")
    shutil.rmtree(work)


if __name__ == "__main__":
    main()
