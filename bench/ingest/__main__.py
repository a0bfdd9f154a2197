"""Collector ingest at fleet scale: 10,000 hosts x 300 packages, 80% of them built from
5 base images, then one new advisory: incremental re-match against full.

    python -m bench.ingest [--assets 10000] [--packages 300] [--advisories 3000]
                           [--mode served|in-process] [--workers 2] [--clients 8]
                           [--store sqlite|elasticsearch]

Served (the default) is the hub as deployed: `crsa serve` (gunicorn, `--workers`
processes) on 127.0.0.1 and `--clients` collectors posting at once over HTTP, each
batch acknowledged only once stored and matched. In-process posts one batch at a time
through the Flask app in this process: one core, no HTTP, what one worker can do.
Either way validation, the store writes, matching and findings are all counted, on the
SQLite store. Then one advisory for a package of one image arrives; the hub re-matches
the hosts it concerns (incremental, by the indexed match key) on one copy of the
database and every host (full) on another, and both must open the same findings.

`--store elasticsearch` runs against one local Elasticsearch node started for the run
(devtools.esnode), served or in process, and only the ingest: the re-match comparison
copies the SQLite file.
"""

from __future__ import annotations

import argparse
import http.client
import json
import random
import resource
import shutil
import subprocess
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.served import CRSA, QUIET, served_hub
from collectors.endpoint.host import Distro, Host
from collectors.endpoint.inventory import document
from collectors.endpoint.packages import FoundPackage
from devtools.esnode import Cluster
from hub.core.auth import Principal
from hub.core.model import Criticality, OrgKind, Role
from hub.core.records.intel import IntelRecord, IntelSource
from hub.core.registry import Registry
from hub.core.settings import Settings
from hub.core.store import Store
from hub.core.store.elasticsearch import ElasticsearchStore
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


Batch = tuple[bytes, dict[str, str]]
MAX_BYTES = 64 * 1024 * 1024


def in_process(
    work: Path,
    settings: Settings,
    bodies: list[bytes],
    headers: dict[str, str],
    open_store: Callable[[], Store] | None = None,
) -> float:
    """Seconds to post every batch, one after another, through the app in this process."""
    store = open_store() if open_store else SqliteStore(work / "crsa.db")
    client = create_app(settings, store=store).test_client()
    started = time.perf_counter()
    for n, body in enumerate(bodies):
        got = client.post("/api/v1/inventory", data=body, headers=headers)
        assert got.status_code == 201, got.get_json()
        if n and n % 1000 == 0:
            print(f"  {n} hosts, {n / (time.perf_counter() - started):.0f}/s", flush=True)
    elapsed = time.perf_counter() - started
    store.close()
    return elapsed


def post_all(port: int, batches: Iterable[Batch], clients: int) -> float:
    """Seconds for `clients` collectors to have every batch (body, headers) acknowledged
    by the hub.

    The clients draw batches one at a time, so a lazy iterable (the nation's 100,000
    compressed bodies) is never held whole in memory.
    """
    source = iter(batches)
    done = [0]
    failed: list[BaseException] = []
    lock = threading.Lock()
    started = time.perf_counter()

    def post(body: bytes, headers: dict[str, str]) -> None:
        # A connection per batch, as a fleet's collectors each post once: kept-alive
        # sessions would pin all 8 clients to whichever worker accepted them first.
        # http.client, not requests: these clients share the machine's cores with the
        # hub, where a fleet's collectors run on hosts of their own, and requests
        # spent about 2 ms of CPU per batch building a session for each call.
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
        try:
            conn.request("POST", "/api/v1/inventory", body=body, headers=headers)
            got = conn.getresponse()
            text = got.read()
        finally:
            conn.close()
        if got.status != 201:
            raise RuntimeError(f"batch answered {got.status}: {text[:300]!r}")

    def client() -> None:
        while not failed:
            with lock:
                batch = next(source, None)
            if batch is None:
                return
            try:
                post(*batch)
            except BaseException as exc:
                failed.append(exc)
                return
            with lock:
                done[0] += 1
                if done[0] % 1000 == 0:
                    rate = done[0] / (time.perf_counter() - started)
                    print(f"  {done[0]} hosts, {rate:.0f}/s", flush=True)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if failed:
        raise failed[0]
    return time.perf_counter() - started


def served(
    work: Path,
    bodies: list[bytes],
    headers: dict[str, str],
    workers: int,
    clients: int,
    store_env: dict[str, str],
) -> float:
    """Seconds for `clients` collectors to have every batch acknowledged by `crsa serve`."""
    env = {"CRSA_MAX_REQUEST_BYTES": str(MAX_BYTES), **QUIET, **store_env}
    with served_hub(work, workers, env) as hub:
        return post_all(hub.port, ((body, headers) for body in bodies), clients)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--assets", type=int, default=10_000)
    parser.add_argument("--packages", type=int, default=300)
    parser.add_argument("--advisories", type=int, default=3_000)
    parser.add_argument("--mode", choices=("served", "in-process"), default="served")
    parser.add_argument("--workers", type=int, default=2, help="crsa serve's processes")
    parser.add_argument("--clients", type=int, default=8, help="collectors posting at once")
    parser.add_argument("--store", choices=("sqlite", "elasticsearch"), default="sqlite")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    if args.store == "elasticsearch":
        with Cluster(size=1, heap="2g") as cluster:
            prefix = f"bench-{uuid.uuid4().hex[:6]}"
            store_env = {
                "CRSA_STORE": "elasticsearch",
                "CRSA_ES_URL": ",".join(cluster.urls),
                "CRSA_ES_INDEX_PREFIX": prefix,
            }
            run(args, lambda: ElasticsearchStore(cluster.urls, prefix=prefix), store_env)
    else:
        run(args, None, {})


def run(
    args: argparse.Namespace, open_store: Callable[[], Store] | None, store_env: dict[str, str]
) -> None:
    if open_store is None:
        suffix = ""
    else:  # the in-process figures of Elasticsearch came first and keep their file
        suffix = "-elasticsearch" + ("-served" if args.mode == "served" else "")
    out = args.out or Path(__file__).with_name(f"results{suffix}.json")
    rng = random.Random(5)
    work = Path(tempfile.mkdtemp(prefix="bench-ingest-"))
    pool = universe(4_000, rng)
    images = [sorted(rng.sample(pool, args.packages)) for _ in range(5)]

    subprocess.run([*CRSA, "--home", str(work), "init"], check=True, capture_output=True)
    store = open_store() if open_store else SqliteStore(work / "crsa.db")
    if open_store:  # `crsa init` migrated the SQLite file
        store.migrate()
    settings = Settings(home=work, max_request_bytes=MAX_BYTES)
    root = Principal.operator("bench")
    reg = Registry(store)
    agency = reg.add_organization(root, "Bench Agency", OrgKind.AGENCY, "b").value
    system = reg.add_system(root, agency.id, "Fleet", Criticality.HIGH, False, "", "b").value
    token = reg.issue_token(root, agency.id, Role.AGENCY_SUBMITTER, "bench", "b").secret
    advisories = [osv_for(rng.choice(pool), n, rng) for n in range(args.advisories)]
    with store.transaction() as tx:
        tx.put_intel([IntelRecord.of(IntelSource.OSV, a["id"], a) for a in advisories])

    store.close()
    now = datetime.now(UTC)
    shared = int(args.assets * 0.8)
    bodies = []
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
        bodies.append(json.dumps(doc).encode())
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    if args.mode == "served":
        ingest = served(work, bodies, headers, args.workers, args.clients, store_env)
    else:
        ingest = in_process(work, settings, bodies, headers, open_store)
    store = open_store() if open_store else SqliteStore(work / "crsa.db")
    findings = store.counts().findings
    store.close()
    mode = args.mode
    print(
        f"ingest ({mode}, {args.store}): {args.assets} hosts x {args.packages} packages in"
        f" {ingest:.1f} s ({args.assets / ingest:.0f} hosts/s); {findings} findings"
    )
    results: dict[str, Any] = {
        "store": args.store,
        "mode": mode,
        "workers": args.workers if mode == "served" else 1,
        "clients": args.clients if mode == "served" else 1,
        "assets": args.assets,
        "packages_per_asset": args.packages,
        "advisories": args.advisories,
        "ingest_seconds": round(ingest, 1),
        "hosts_per_second": round(args.assets / ingest, 1),
        "findings": findings,
    }
    if open_store is not None:
        out.write_text(json.dumps(results, indent=2) + "\n")
        print(f"written to {out}")
        shutil.rmtree(work)
        return

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
    results.update(new_advisory=timings, peak_mb=round(peak))
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"peak memory {peak:.0f} MB; written to {out}")
    shutil.rmtree(work)


if __name__ == "__main__":
    main()
