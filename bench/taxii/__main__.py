"""The TAXII server under load, side by side with medallion (the OASIS reference server).

    python -m bench.taxii [--objects 100000] [--medallion-objects 10000]
                          [--store sqlite|elasticsearch] [--no-medallion]

One collection of indicators is loaded into the hub (through the sharing desk, so each
object is validated and versioned as a POST would) and served by `crsa serve` (gunicorn,
2 workers). Measured with the OASIS taxii2-client or plain HTTP on 127.0.0.1:

- a full paginated read of the collection (taxii2-client `as_pages`, 1,000 per page);
- `match[id]` latency (200 random ids, p50/p95);
- an `added_after` query returning about 100 objects;
- 8 concurrent clients for 20 s, half `match[id]` and half a page followed by the next
  page through its `next` token: requests/s, and as errors every failed request and every
  wrong answer (another object than asked, a next page repeating the first: what a client
  served by another worker than the one holding some paging state would see).

medallion 3 (memory backend) gets the same workload at `--medallion-objects`, under
gunicorn too (its Flask app, 2 workers cannot share its in-memory paging state, so it gets
one worker with threads, its only correct configuration), with the same timeouts.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import requests
from taxii2client.v21 import Collection, as_pages

from devtools.esnode import Cluster
from hub.core.auth import Principal
from hub.core.model import OrgKind, Role
from hub.core.registry import Registry
from hub.core.settings import load_settings
from hub.core.store import open_store
from hub.sharing.desk import SharingDesk

TAXII = "application/taxii+json;version=2.1"


def indicator(n: int) -> dict[str, Any]:
    return {
        "type": "indicator",
        "spec_version": "2.1",
        "id": f"indicator--{n:08d}-0000-4000-8000-{n:012d}",
        "created": "2026-01-01T00:00:00.000Z",
        "modified": "2026-01-01T00:00:00.000Z",
        "name": f"address {n}",
        "description": "bench",
        "pattern": f"[ipv4-addr:value = '10.{n // 65536 % 256}.{n // 256 % 256}.{n % 256}']",
        "pattern_type": "stix",
        "valid_from": "2026-01-01T00:00:00Z",
    }


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait(url: str, auth: tuple[str, str], seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            got = requests.get(url, auth=auth, headers={"Accept": TAXII}, timeout=5)
            if got.status_code < 500:
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.3)
    raise SystemExit(f"{url} did not answer within {seconds} s")


def workload(
    objects_url: str,
    auth: tuple[str, str],
    total: int,
    timeout: float,
    mark: str,
    restart: Callable[[], None] | None = None,
) -> dict[str, Any]:
    """The same measurements against any TAXII 2.1 collection URL; `mark` is a date_added
    after which the last 100 objects were added."""
    out: dict[str, Any] = {"objects": total}
    session = requests.Session()
    session.auth = auth
    session.headers["Accept"] = TAXII
    collection = Collection(objects_url, user=auth[0], password=auth[1])

    begin = time.perf_counter()
    seen = [0]
    failure: list[str] = []

    def read_all() -> None:
        try:
            for envelope in as_pages(collection.get_objects, per_request=1000):
                seen[0] += len(envelope.get("objects", []))
        except Exception as exc:
            failure.append(str(exc)[:200])

    reader = threading.Thread(target=read_all, daemon=True)
    reader.start()
    reader.join(timeout)
    elapsed = time.perf_counter() - begin
    out["full_read"] = {
        "seconds": round(elapsed, 2),
        "objects": seen[0],
        "complete": seen[0] == total and not reader.is_alive(),
        "gave_up_after_seconds": timeout if reader.is_alive() else None,
    }
    if failure:
        out["full_read"]["error"] = failure[0]
    if reader.is_alive() and restart is not None:
        restart()  # the abandoned request would keep the server busy for what follows

    rng = random.Random(3)
    latencies = []
    errors = 0
    for _ in range(200):
        oid = indicator(rng.randrange(total))["id"]
        t = time.perf_counter()
        try:
            got = session.get(f"{objects_url}objects/", params={"match[id]": oid}, timeout=timeout)
            ok = got.status_code == 200 and oid in got.text
        except requests.RequestException:
            ok = False
        latencies.append((time.perf_counter() - t) * 1000)
        errors += not ok
        if sum(latencies) / 1000 > timeout:
            break
    out["match_id_ms"] = {
        "p50": round(percentile(latencies, 50), 2),
        "p95": round(percentile(latencies, 95), 2),
        "samples": len(latencies),
        "errors": errors,
    }

    t = time.perf_counter()
    try:
        got = session.get(f"{objects_url}objects/", params={"added_after": mark}, timeout=timeout)
        out["added_after"] = {
            "ms": round((time.perf_counter() - t) * 1000, 2),
            "objects": len(got.json().get("objects", [])),
        }
    except (requests.RequestException, ValueError) as exc:
        out["added_after"] = {"error": str(exc)[:200]}
        if restart is not None:
            restart()
    out["load"] = load(objects_url, auth, total, clients=8, seconds=20)
    return out


def load(
    url: str, auth: tuple[str, str], total: int, clients: int, seconds: float
) -> dict[str, Any]:
    counts = {"ok": 0, "errors": 0}
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def client(seed: int) -> None:
        """Half `match[id]` (the answer must be that object), half a page of 100 and the
        page after it through `next` (which any worker must continue, with no repeat)."""
        rng = random.Random(seed)
        s = requests.Session()
        s.auth = auth
        s.headers["Accept"] = TAXII
        while time.monotonic() < stop:
            done, right = 0, True
            try:
                if rng.random() < 0.5:
                    wanted = indicator(rng.randrange(total))["id"]
                    got = s.get(f"{url}objects/", params={"match[id]": wanted}, timeout=10)
                    done = 1
                    right = got.status_code == 200 and [o["id"] for o in got.json()["objects"]] == [
                        wanted
                    ]
                else:
                    first = s.get(f"{url}objects/", params={"limit": "100"}, timeout=10)
                    done = 1
                    right = first.status_code == 200 and len(first.json()["objects"]) == 100
                    if right and first.json().get("next"):
                        params = {"limit": "100", "next": first.json()["next"]}
                        second = s.get(f"{url}objects/", params=params, timeout=10)
                        done = 2
                        seen = {o["id"] for o in first.json()["objects"]}
                        again = {o["id"] for o in second.json().get("objects", [])}
                        right = second.status_code == 200 and len(again) == 100
                        right = right and not (seen & again)
            except (requests.RequestException, ValueError):
                done, right = max(done, 1), False
            with lock:
                counts["ok"] += done if right else 0
                counts["errors"] += 0 if right else done

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    done = counts["ok"] + counts["errors"]
    return {"requests_per_second": round(done / seconds, 1), **counts}


def hub_side(total: int, folder: Path, es: dict[str, str]) -> dict[str, Any]:
    """The hub on SQLite, or on Elasticsearch when `es` holds its CRSA_ES_* settings."""
    home = folder / "hub"
    home.mkdir(parents=True, exist_ok=True)
    store_kind = "elasticsearch" if es else "sqlite"
    settings = load_settings({**os.environ, **es}, home=home, store=store_kind)
    store = open_store(settings, must_exist=False)
    store.migrate()
    reg = Registry(store)
    root = Principal.operator("bench")
    partner = reg.add_organization(root, "Bench ISAC", OrgKind.PARTNER, "b").value
    token = reg.issue_token(root, partner.id, Role.PARTNER, "", "b").secret
    desk = SharingDesk(store)
    collection = desk.add_collection(
        root, "bench", "b", readers=[partner.id], writers=[partner.id], default_tlp="green"
    )
    begin = time.perf_counter()
    mark = ""
    for start in range(0, total, 1000):
        end = min(total, start + 1000)
        if end == total:  # the last 100 after a known moment: what added_after asks for
            desk.keep(
                collection,
                [indicator(n) for n in range(start, end - 100)],
                partner.id,
                "bench",
                "b",
            )
            time.sleep(0.01)
            mark = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
            time.sleep(0.01)
            start = end - 100
        desk.keep(collection, [indicator(n) for n in range(start, end)], partner.id, "bench", "b")
        if start % 20000 == 0:
            print(f"  loaded {start:,}")
    load_seconds = time.perf_counter() - begin
    store.close()
    port = free_port()
    env = {**os.environ, **es, "CRSA_STORE": store_kind, "CRSA_SCORE_INTERVAL": "0",
           "CRSA_SHARING_INTERVAL": "0"}  # fmt: skip
    proc = subprocess.Popen(
        [sys.executable, "-m", "hub.cli", "--home", str(home), "serve", "--port", str(port),
         "--workers", "2"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env,
    )  # fmt: skip
    try:
        base = f"http://127.0.0.1:{port}/taxii2/crsa/collections/{collection.id}/"
        wait(f"http://127.0.0.1:{port}/taxii2/", ("bench", token))
        result = workload(base, ("bench", token), total, timeout=300, mark=mark)
        result["load_seconds"] = round(load_seconds, 1)
        return result
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def medallion_side(total: int, folder: Path) -> dict[str, Any]:
    collection_id = "91a7b528-80eb-42ed-a74d-c6fbd5a26116"
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    base_time = datetime.now(UTC)

    def added(n: int) -> str:  # one millisecond apart, in the order they were "added"
        return (base_time + timedelta(milliseconds=n)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")

    objects = [indicator(n) for n in range(total)]
    manifest = [
        {"id": o["id"], "date_added": added(n), "version": o["modified"],
         "media_type": "application/stix+json;version=2.1"}
        for n, o in enumerate(objects)
    ]  # fmt: skip
    data = {
        "/discovery": {"title": "medallion", "default": f"{base}/api1/",
                       "api_roots": [f"{base}/api1/"]},
        "api1": {
            "information": {"title": "api1", "versions": [TAXII], "max_content_length": 10**8},
            "status": [],
            "collections": [{
                "id": collection_id, "title": "bench", "can_read": True, "can_write": True,
                "media_types": ["application/stix+json;version=2.1"],
                "objects": objects, "manifest": manifest,
            }],
        },
    }  # fmt: skip
    (folder / "data.json").write_text(json.dumps(data))
    config = {
        "backend": {"module": "medallion.backends.memory_backend",
                    "module_class": "MemoryBackend", "filename": str(folder / "data.json")},
        "users": {"bench": "bench"},
        "taxii": {"max_page_size": 1000},
    }  # fmt: skip
    (folder / "medallion.json").write_text(json.dumps(config))
    app = folder / "medallion_app.py"
    app.write_text(
        "import json\n"
        "from medallion import application_instance, register_blueprints, set_config\n"
        f"config = json.load(open({str(folder / 'medallion.json')!r}))\n"
        "for key in ('users', 'taxii', 'backend'):\n"
        "    set_config(application_instance, key, config)\n"
        "register_blueprints(application_instance)\n"
        "app = application_instance\n"
    )
    command = [
        sys.executable, "-m", "gunicorn", "--chdir", str(folder), "-b", f"127.0.0.1:{port}",
        "-w", "1", "--threads", "8", "-k", "gthread", "--timeout", "600", "medallion_app:app",
    ]  # fmt: skip

    def start() -> subprocess.Popen[bytes]:
        # Its own process group: gunicorn's worker must go down with its master, or a
        # worker still busy with an abandoned request keeps the port from its successor.
        return subprocess.Popen(
            command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
        )

    def stop(proc: subprocess.Popen[bytes]) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)

    procs = [start()]

    def restart() -> None:
        stop(procs[-1])
        procs.append(start())
        wait(f"{base}/taxii2/", ("bench", "bench"))

    try:
        wait(f"{base}/taxii2/", ("bench", "bench"))
        return workload(
            f"{base}/api1/collections/{collection_id}/", ("bench", "bench"), total,
            timeout=300, restart=restart, mark=added(total - 101),
        )  # fmt: skip
    finally:
        stop(procs[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--objects", type=int, default=100_000)
    parser.add_argument("--medallion-objects", type=int, default=10_000)
    parser.add_argument("--store", choices=["sqlite", "elasticsearch"], default="sqlite")
    parser.add_argument("--no-medallion", action="store_true", help="Only the hub.")
    parser.add_argument(
        "--steps", default="small,medallion,large", help="Which of small,medallion,large to run."
    )
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    args.out = args.out or Path(f"bench/taxii/results-{args.store}.json")
    results: dict[str, Any] = {
        "machine": "2 cores, 24 GiB",
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "store": args.store,
    }
    with contextlib.ExitStack() as stack:
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="crsa-bench-taxii-")))
        es: dict[str, str] = {}
        if args.store == "elasticsearch":
            cluster = stack.enter_context(Cluster(size=1, heap="2g"))
            es = {"CRSA_ES_URL": ",".join(cluster.urls), "CRSA_ES_INDEX_PREFIX": "bench"}
        small, large = args.medallion_objects, args.objects
        steps: list[tuple[str, Callable[[], dict[str, Any]]]] = [
            (f"hub ({args.store}, {small:,} objects)",
             lambda: hub_side(small, folder / "small", {**es, "CRSA_ES_INDEX_PREFIX": "small"}
                              if es else {})),
            (f"medallion ({small:,} objects)",
             lambda: medallion_side(small, folder / "medallion")),
            (f"hub ({args.store}, {large:,} objects)",
             lambda: hub_side(large, folder / "large", es)),
        ]  # fmt: skip
        wanted = [w for w in args.steps.split(",") if not (args.no_medallion and w == "medallion")]
        steps = [
            s
            for s, key in zip(steps, ("small", "medallion", "large"), strict=True)
            if key in wanted
        ]
        for sub in ("small", "medallion", "large"):
            (folder / sub).mkdir()
        for name, step in steps:
            print(f"{name} ...")
            results[name] = step()
            print(json.dumps(results[name], indent=2))
            args.out.parent.mkdir(parents=True, exist_ok=True)  # kept after every step
            args.out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"results in {args.out}")


if __name__ == "__main__":
    main()
