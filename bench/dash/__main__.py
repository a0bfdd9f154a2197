"""Dashboard server callbacks at national scale, on both stores.

    python -m bench.dash [--store sqlite|elasticsearch] [--agencies 200] [--samples 30]

Builds 200 agencies x 5 systems x 100 assets (100,000 assets, 2 open findings each, scored
once in full), logs in as a SOC analyst, and times the callbacks the overview and agency
pages make, through the hub's own Flask app exactly as the browser posts them to
/ui/_dash-update-component (auth, store reads, figure building, JSON): p50 and p95 of
`--samples` calls each. Target (issue 8): p95 under 500 ms on this 2-core machine.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import random
import re
import statistics
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.score.__main__ import NOW, build
from devtools.esnode import Cluster
from hub.core.auth import Principal
from hub.core.model import OrgKind, Role
from hub.core.registry import Registry
from hub.core.settings import load_settings
from hub.core.store import Store, open_store
from hub.risk.scoring import default_policy
from hub.risk.scoring.compute import audit_draft, run_scoring
from hub.web.app import create_app


def callback(
    output: str,
    outputs: Any,
    inputs: list[dict[str, Any]],
    state: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    return {
        "output": output,
        "outputs": outputs,
        "inputs": inputs,
        "changedPropIds": [],
        "state": state or [],
    }


def declared(
    dependencies: list[dict[str, Any]], output: str, values: dict[tuple[str, str], Any]
) -> dict[str, Any]:
    """The body a browser posts for the callback that writes `output` ("agency-body.children"),
    built from the callbacks the dashboards declare (`/ui/_dash-dependencies`), each input
    and state given its value from `values` by (id, property), else None. Written out by
    hand, the bodies went on posting a callback a page no longer had (400), and the
    benchmarks measured nothing."""
    for dep in dependencies:
        spelled = str(dep["output"])
        names = spelled.strip(".").split("...") if spelled.startswith("..") else [spelled]
        if output not in names:
            continue
        outputs = [dict(zip(("id", "property"), n.rsplit(".", 1), strict=True)) for n in names]

        def given(spec: dict[str, Any]) -> dict[str, Any]:
            key = (spec["id"], spec["property"])
            return {"id": key[0], "property": key[1], "value": values.get(key)}

        return callback(
            spelled,
            outputs if spelled.startswith("..") else outputs[0],
            [given(i) for i in dep["inputs"]],
            [given(s) for s in dep["state"]],
        )
    raise SystemExit(f"the dashboards declare no callback that writes {output}")


def analyst_calls(dependencies: list[dict[str, Any]], agency_id: str) -> dict[str, dict[str, Any]]:
    """What a SOC analyst's browser asks for: the national overview, an agency's summary and
    the first page of its assets."""
    org = {("agency-org", "data"): agency_id}
    return {
        "overview": declared(dependencies, "overview-body.children", {}),
        "agency_summary": declared(dependencies, "agency-body.children", org),
        "agency_assets_page": declared(
            dependencies,
            "agency-assets.rowData",
            {**org, ("agency-cursors", "data"): {"stack": [None]}},
        ),
    }


def timed(client: Any, body: dict[str, Any], samples: int) -> dict[str, float]:
    client.post("/ui/_dash-update-component", json=body)  # warm: imports, first queries
    took = []
    for _ in range(samples):
        t = time.perf_counter()
        got = client.post("/ui/_dash-update-component", json=body)
        took.append((time.perf_counter() - t) * 1000)
        if got.status_code != 200:
            raise SystemExit(f"callback {body['output']} answered {got.status_code}")
    took.sort()
    return {
        "p50_ms": round(statistics.median(took), 1),
        "p95_ms": round(took[max(0, round(0.95 * len(took)) - 1)], 1),
        "bytes": len(got.data),
    }


def run(
    store: Store, settings_env: dict[str, str], home: Path, args: argparse.Namespace
) -> dict[str, Any]:
    started = time.perf_counter()
    counts = build(
        store, argparse.Namespace(agencies=args.agencies, systems=5, assets=100, findings=2)
    )
    built = time.perf_counter() - started
    policy = default_policy()
    who = Principal.operator("bench")
    t = time.perf_counter()
    run_scoring(store, policy, NOW, audit_draft(who.actor, "bench", policy, NOW), full=True)
    scored = time.perf_counter() - t
    reg = Registry(store)
    ops = reg.add_organization(who, "Operations", OrgKind.OPERATOR, "bench").value
    token = reg.issue_token(who, ops.id, Role.SOC_ANALYST, "", "bench").secret
    agency = store.list_organizations(kind=OrgKind.AGENCY, limit=1)[0]
    settings = load_settings(settings_env, home=home)
    client = create_app(settings, store).test_client()
    # The login form and every callback carry the session's CSRF token, as the browser's.
    form = client.get("/ui/login").get_data(as_text=True)
    found = re.search(r'name="csrf" value="([^"]+)"', form)
    assert found is not None, "the login page has no CSRF field"
    got = client.post("/ui/login", data={"token": token, "csrf": found.group(1)})
    assert got.status_code == 302, got.status_code
    cookie = client.get_cookie("_csrf_token", path="/ui/")
    assert cookie is not None
    client.environ_base["HTTP_X_CSRFTOKEN"] = cookie.value
    dependencies = client.get("/ui/_dash-dependencies").get_json()
    calls = analyst_calls(dependencies, agency.id)
    return {
        "fleet": counts,
        "build_seconds": round(built, 1),
        "full_scoring_seconds": round(scored, 1),
        **{name: timed(client, body, args.samples) for name, body in calls.items()},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--store", choices=["sqlite", "elasticsearch"], default="sqlite")
    parser.add_argument("--agencies", type=int, default=200)
    parser.add_argument("--samples", type=int, default=30)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    out = args.out or Path(f"bench/dash/results-{args.store}.json")
    random.seed(7)
    with contextlib.ExitStack() as stack:
        home = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="crsa-bench-dash-")))
        env: dict[str, str] = {"CRSA_STORE": args.store}
        if args.store == "elasticsearch":
            cluster = stack.enter_context(Cluster(size=1, heap="2g"))
            env |= {
                "CRSA_ES_URL": ",".join(cluster.urls),
                "CRSA_ES_INDEX_PREFIX": f"dash-{uuid.uuid4().hex[:6]}",
            }
        store = open_store(load_settings(env, home=home), must_exist=False)
        store.migrate()
        result = {
            "machine": "2 cores, 24 GiB",
            "store": args.store,
            "date": datetime.now(UTC).isoformat(timespec="seconds"),
            **run(store, env, home, args),
        }
        store.close()
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
