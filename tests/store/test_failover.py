"""Acceptance 2 of the Elasticsearch store: a 3-node cluster with one replica loses a node
while the hub writes. No acknowledged write may be lost, and the hub keeps answering."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import cast

import pytest

from devtools.esnode import Cluster, Unavailable
from hub.core import audit
from hub.core.auth import Principal
from hub.core.errors import HubError
from hub.core.model import OrgKind, Role
from hub.core.registry import Registry
from hub.core.settings import Settings
from hub.web.app import create_app
from tests.conftest import drop_indices, es_store, unavailable

pytestmark = [pytest.mark.elasticsearch, pytest.mark.slow]

MAX_WRITES = 3000
MAX_SECONDS = 90.0


@pytest.fixture(scope="module")
def cluster() -> Iterator[Cluster]:
    try:
        c = Cluster(size=3, heap="384m")
    except Unavailable as exc:
        unavailable(f"no Elasticsearch cluster: {exc}")
    c.start()
    yield c
    c.stop()


def busiest_node(cluster: Cluster, prefix: str) -> str:
    """The node holding the most primary shards of the hub's indices."""
    store = es_store(cluster.urls, prefix)
    shards = cast(
        list[dict[str, str]],
        store.es.cat.shards(index=f"{prefix}-*", format="json", h="node,prirep").body,
    )
    store.close()
    primaries = [s["node"] for s in shards if s["prirep"] == "p"]
    return max(set(primaries), key=primaries.count)


def test_no_acknowledged_write_is_lost_when_a_node_dies(cluster: Cluster, tmp_path: Path) -> None:
    prefix = f"f-{uuid.uuid4().hex[:10]}"
    store = es_store(cluster.urls, prefix, replicas=1, timeout=20)
    store.migrate()
    store.es.cluster.health(index=f"{prefix}-*", wait_for_status="green", timeout="60s")
    registry = Registry(store)
    root = Principal.operator("failover-test")
    ops = registry.add_organization(root, "Ops", OrgKind.OPERATOR, "t").value
    token = registry.issue_token(root, ops.id, Role.SOC_ANALYST, "", "t").secret
    client = create_app(Settings(home=tmp_path), store=store).test_client()

    acknowledged: list[str] = []
    write_errors: list[str] = []
    stop = threading.Event()
    killed_at: list[int] = []

    def writer() -> None:
        n = 0
        deadline = time.monotonic() + MAX_SECONDS
        while not stop.is_set() and n < MAX_WRITES and time.monotonic() < deadline:
            try:
                org = registry.add_organization(root, f"Agency {n:05d}", OrgKind.AGENCY, f"w{n}")
                acknowledged.append(org.value.id)
            except HubError as exc:  # refused, not acknowledged: allowed during failover
                write_errors.append(exc.message)
            n += 1

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        while len(acknowledged) < 30 and thread.is_alive():
            time.sleep(0.05)
        victim = busiest_node(cluster, prefix)
        node = next(n for n in cluster.nodes if n.name == victim)
        killed_at.append(len(acknowledged))
        cluster.stop_node(node, kill=True)

        answers = []
        until = time.monotonic() + 20
        while time.monotonic() < until and thread.is_alive():
            response = client.get(
                "/api/v1/organizations?limit=5", headers={"Authorization": f"Bearer {token}"}
            )
            answers.append(response.status_code)
            time.sleep(0.25)
        writes_after_kill = len(acknowledged) - killed_at[0]
    finally:
        stop.set()
        thread.join(timeout=120)

    assert writes_after_kill > 20, f"writes stalled after the node died: {write_errors[-3:]}"
    assert answers and answers.count(200) >= len(answers) - 2, answers
    assert answers[-1] == 200

    missing = [org_id for org_id in acknowledged if store.get_organization(org_id) is None]
    assert not missing, f"{len(missing)} acknowledged writes lost"
    listed = set()
    after = None
    while True:
        page = store.list_organizations(kind=OrgKind.AGENCY, after=after, limit=1000)
        listed |= {o.id for o in page}
        if len(page) < 1000:
            break
        after = page[-1].id
    assert set(acknowledged) <= listed
    verdict = audit.verify(store.iter_audit())
    assert verdict.ok, verdict.reason
    assert verdict.checked >= len(acknowledged) + 2
    drop_indices(store)
