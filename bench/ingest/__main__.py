"""Collector ingest at fleet scale: 10,000 hosts x 300 packages, 80% of them built from
5 base images, then one new advisory: incremental re-match against full.

    python -m bench.ingest [--assets 10000] [--packages 300] [--advisories 3000]

Batches go through the real API (`POST /api/v1/inventory` on the Flask app, in
process, SQLite store), so validation, the store writes, matching and findings are
all counted. Then one advisory for a package of one image arrives; the hub
re-matches the hosts it concerns (incremental, by the indexed match key) on one copy
of the database and every host (full) on another, and both must open the same findings.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import shutil
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from collectors.endpoint.host import Distro, Host
from collectors.endpoint.inventory import document
from collectors.endpoint.packages import FoundPackage
from hub.core.auth import Principal
from hub.core.model import Criticality, OrgKind, Role
from hub.core.records.intel import IntelRecord, IntelSource
from hub.core.registry import Registry
from hub.core.settings import Settings
from hub.core.store.sqlite import SqliteStore
from hub.intelligence.advisory import parse_osv
from hub.intelligence.match import advisory_keys
from hub.inventory.desk import rematch_assets
from hub.web.app import create_app

BOOKWORM = Distro("debian", "12", (), "Debian GNU/Linux 12 (bookworm)")


def universe(size: int, rng: random.Random) -> list[str]:
    """Package purls: mostly Debian binaries with their sources, some PyPI and npm."""
    out = []
    for i in range(size):
        version = (
            f"{rng.randrange(1, 9)}.{rng.randrange(20)}.{rng.randrange(30)}-{rng.randrange(1, 5)}"
        )
        if i % 10 < 8:
            out.append(
                f"pkg:deb/debian/lib{i}@{version}?arch=amd64&distro=debian-12&upstream=src{i // 3}"
            )
        elif i % 10 == 8:
            out.append(f"pkg:pypi/py{i}@{version.split('-')[0]}")
        else:
            out.append(f"pkg:npm/js{i}@{version.split('-')[0]}")
    return out


def osv_for(purl: str, n: int, rng: random.Random) -> dict[str, Any]:
    if purl.startswith("pkg:deb/"):
        ecosystem, name = "Debian:12", purl.split("upstream=")[1]
    elif purl.startswith("pkg:pypi/"):
        ecosystem, name = "PyPI", purl.split("/")[1].split("@")[0]
    else:
        ecosystem, name = "npm", purl.split("/")[1].split("@")[0]
    fixed = f"{rng.randrange(1, 9)}.{rng.randrange(20)}.0"
    return {
        "id": f"BENCH-{n:05d}",
        "modified": "2026-11-01T00:00:00Z",
        "aliases": [f"CVE-2098-{n:05d}"],
        "affected": [
            {
                "package": {"ecosystem": ecosystem, "name": name},
                "ranges": [
                    {"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": fixed}]}
                ],
            }
        ],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--assets", type=int, default=10_000)
    parser.add_argument("--packages", type=int, default=300)
    parser.add_argument("--advisories", type=int, default=3_000)
    parser.add_argument("--out", type=Path, default=Path(__file__).with_name("results.json"))
    args = parser.parse_args()
    rng = random.Random(5)
    work = Path(tempfile.mkdtemp(prefix="bench-ingest-"))
    pool = universe(4_000, rng)
    images = [sorted(rng.sample(pool, args.packages)) for _ in range(5)]

    store = SqliteStore(work / "crsa.db")
    store.migrate()
    settings = Settings(home=work, max_request_bytes=64 * 1024 * 1024)
    root = Principal.operator("bench")
    reg = Registry(store)
    agency = reg.add_organization(root, "Bench Agency", OrgKind.AGENCY, "b").value
    system = reg.add_system(root, agency.id, "Fleet", Criticality.HIGH, False, "", "b").value
    token = reg.issue_token(root, agency.id, Role.AGENCY_SUBMITTER, "bench", "b").secret
    advisories = [osv_for(rng.choice(pool), n, rng) for n in range(args.advisories)]
    with store.transaction() as tx:
        tx.put_intel([IntelRecord.of(IntelSource.OSV, a["id"], a) for a in advisories])

    client = create_app(settings, store=store).test_client()
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    now = datetime.now(UTC)
    shared = int(args.assets * 0.8)
    started = time.perf_counter()
    for n in range(args.assets):
        if n < shared:
            packages = images[n % 5]
        else:  # a host of its own: an image plus 30 packages swapped
            base = list(images[n % 5])
            for k in rng.sample(range(len(base)), 30):
                base[k] = rng.choice(pool)
            packages = sorted(set(base))
        host = Host(f"host-{n:05d}", f"host-{n:05d}", BOOKWORM, "6.1.0", ())
        doc = document(
            system.id, host, [FoundPackage(p, "dpkg") for p in packages], collected_at=now
        )
        got = client.post("/api/v1/inventory", data=json.dumps(doc), headers=headers)
        assert got.status_code == 201, got.get_json()
        if n and n % 1000 == 0:
            rate = n / (time.perf_counter() - started)
            print(f"  {n} hosts, {rate:.0f}/s", flush=True)
    ingest = time.perf_counter() - started
    findings = store.counts().findings
    store.close()
    print(
        f"ingest: {args.assets} hosts x {args.packages} packages in {ingest:.1f} s"
        f" ({args.assets / ingest:.0f} hosts/s); {findings} findings"
    )

    # One new advisory for a package of image 0.
    target = images[0][7]
    new = osv_for(target, 99_999, random.Random(1))
    new["affected"][0]["ranges"][0]["events"] = [{"introduced": "0"}]  # every version
    keys = advisory_keys(parse_osv(new))
    shutil.copy(work / "crsa.db", work / "full.db")
    timings: dict[str, dict[str, float]] = {}
    for label, db, scope in (("incremental", "crsa.db", keys), ("full", "full.db", None)):
        s = SqliteStore(work / db)
        with s.transaction() as tx:
            tx.put_intel([IntelRecord.of(IntelSource.OSV, new["id"], new)])
        t = time.perf_counter()
        assets, opened, _ = rematch_assets(s, settings, "bench", keys=scope)
        elapsed = time.perf_counter() - t
        s.close()
        timings[label] = {"seconds": round(elapsed, 2), "assets": assets, "opened": opened}
        print(f"{label}: re-matched {assets} hosts in {elapsed:.2f} s, {opened} findings opened")
    assert timings["incremental"]["opened"] == timings["full"]["opened"]
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    results = {
        "assets": args.assets,
        "packages_per_asset": args.packages,
        "advisories": args.advisories,
        "ingest_seconds": round(ingest, 1),
        "hosts_per_second": round(args.assets / ingest, 1),
        "findings": findings,
        "new_advisory": timings,
        "peak_mb": round(peak),
    }
    args.out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"peak memory {peak:.0f} MB; written to {args.out}")
    shutil.rmtree(work)


if __name__ == "__main__":
    main()
