"""Acceptance 2 of the Elasticsearch store: a 3-node cluster with one replica loses a node
while the hub writes. No acknowledged write may be lost, and the hub keeps answering."""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import cast

import pytest
import requests

from collectors.endpoint.host import Distro, Host
from collectors.endpoint.inventory import document
from collectors.endpoint.packages import FoundPackage
from devtools.esnode import Cluster
from devtools.jvm import Unavailable
from hub.core import audit
from hub.core.auth import Principal
from hub.core.model import Criticality, OrgKind, Role
from hub.core.registry import Registry
from tests.conftest import drop_indices, es_store, hub_env, unavailable
from tests.test_served import serve, stop, wait_healthy

pytestmark = [pytest.mark.elasticsearch, pytest.mark.slow]

BOOKWORM = Distro("debian", "12", (), "Debian GNU/Linux 12 (bookworm)")
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


def whole(cluster: Cluster) -> Cluster:
    """The cluster with every node running again (a test before may have killed one)."""
    dead = [n for n in cluster.nodes if n.process is None or n.process.poll() is not None]
    for node in dead:
        cluster.start_node(node)
    if dead:
        cluster.wait_ready()
    return cluster


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


def bom(serial: str, version: int) -> bytes:
    """A small CycloneDX 1.5 document: version `version` of one SBOM series."""
    return json.dumps(
        {
            "bomFormat": "CycloneDX",
            "specVersion": "1.5",
            "serialNumber": serial,
            "version": version,
            "metadata": {"component": {"type": "application", "name": "portal"}},
            "components": [
                {
                    "type": "library",
                    "name": "django",
                    "version": f"4.2.{version}",
                    "purl": f"pkg:pypi/django@4.2.{version}",
                }
            ],
        }
    ).encode()


def test_two_hubs_write_one_cluster_concurrently_while_a_node_dies(
    cluster: Cluster, tmp_path: Path
) -> None:
    """Issue 20: no cluster-wide single writer. Two `crsa serve` processes take
    inventory and SBOMs for three agencies from concurrent writers (each batch delivered
    to both hubs at once, as a collector retrying against another hub would), SBOM
    versions of one system race between the hubs, and a node is killed. Every
    acknowledged batch is stored once, the audit chain verifies, one SBOM is current."""
    whole(cluster)
    prefix = f"f2-{uuid.uuid4().hex[:10]}"
    store = es_store(cluster.urls, prefix, replicas=1, timeout=20)
    store.migrate()
    store.es.cluster.health(index=f"{prefix}-*", wait_for_status="green", timeout="60s")
    registry = Registry(store)
    root = Principal.operator("failover-test")
    agencies = []
    for n in range(3):
        org = registry.add_organization(root, f"Ministry {n}", OrgKind.AGENCY, "t").value
        system = registry.add_system(root, org.id, "Fleet", Criticality.HIGH, False, "", "t")
        token = registry.issue_token(root, org.id, Role.AGENCY_SUBMITTER, "", "t").secret
        agencies.append((system.value.id, token))
    ops = registry.add_organization(root, "Ops", OrgKind.OPERATOR, "t").value
    analyst = registry.issue_token(root, ops.id, Role.SOC_ANALYST, "", "t").secret
    hubs = []
    for n in range(2):
        env = hub_env(store, tmp_path / f"hub{n}", CRSA_ES_REPLICAS="1", CRSA_ES_TIMEOUT="20")
        hubs.append(serve(tmp_path / f"hub{n}", workers=1, **env))
    try:
        for proc, url in hubs:
            wait_healthy(url, proc, 120)
        outcome = _write_through_two_hubs(cluster, prefix, [u for _, u in hubs], agencies, analyst)
    finally:
        for proc, _ in hubs:
            stop(proc)

    acknowledged, sbom_acks, after_kill, answers = outcome
    assert after_kill > 10, "writes stalled after the node died"
    # Reads through both hubs went on answering while the cluster lost a node.
    assert answers.count(200) >= len(answers) - 2 and answers[-1] == 200, answers
    missing = [b for b in acknowledged if store.get_batch(b) is None]
    assert not missing, f"{len(missing)} acknowledged batches lost"
    verdict = audit.verify(store.iter_audit())
    assert verdict.ok, verdict.reason
    received = Counter(
        e.detail["batch_id"] for e in store.iter_audit() if e.action == "inventory.receive"
    )
    assert set(acknowledged) <= set(received)
    assert max(received.values()) == 1, "a batch delivered to both hubs was recorded twice"
    assert sbom_acks > 1
    current = store.list_sboms(subject=f"system:{agencies[0][0]}", current=True)
    assert len(current) == 1, [s.doc_version for s in current]
    drop_indices(store)


def _write_through_two_hubs(
    cluster: Cluster, prefix: str, urls: list[str], agencies: list[tuple[str, str]], reader: str
) -> tuple[list[str], int, int, list[int]]:
    """(acknowledged batch ids, acknowledged SBOM versions, batches acknowledged after
    the kill, statuses of reads made after it), writing until enough came through after
    it or the time is up, and reading through both hubs meanwhile."""
    acknowledged: list[str] = []
    sbom_acks: list[int] = []
    killed_at: list[int] = []
    stop_writing = threading.Event()
    deadline = time.monotonic() + MAX_SECONDS

    def deliver(url: str, token: str, body: bytes, into: list[str], key: str) -> None:
        try:
            got = requests.post(
                f"{url}/api/v1/inventory",
                data=body,
                headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
                timeout=60,
            )
        except requests.RequestException:
            return  # not acknowledged
        if got.status_code in (200, 201):
            into.append(key)

    def inventory(agency: int) -> None:
        system, token = agencies[agency]
        n = 0
        while not stop_writing.is_set() and time.monotonic() < deadline:
            batch = f"b-{agency}-{n:05d}"
            host = Host(f"host-{agency}-{n % 7}", f"h{n % 7}", BOOKWORM, "6.1.0", ())
            found = [FoundPackage(f"pkg:pypi/requests@2.{n % 30}.0", "pip")]
            doc = document(system, host, found)
            doc["batch_id"] = batch
            body = json.dumps(doc).encode()
            seen: list[str] = []
            both = [
                threading.Thread(target=deliver, args=(u, token, body, seen, batch)) for u in urls
            ]
            for t in both:
                t.start()
            for t in both:
                t.join()
            if seen:
                acknowledged.append(batch)
            n += 1

    def sboms() -> None:
        system, token = agencies[0]
        serial = f"urn:uuid:{uuid.uuid4()}"
        version = 1
        while not stop_writing.is_set() and time.monotonic() < deadline:
            try:
                got = requests.post(
                    f"{urls[version % 2]}/api/v1/systems/{system}/sboms",
                    data=bom(serial, version),
                    headers={
                        "Authorization": f"Bearer {token}",
                        "Content-Type": "application/vnd.cyclonedx+json",
                    },
                    timeout=60,
                )
                if got.status_code in (200, 201):
                    sbom_acks.append(version)
            except requests.RequestException:
                pass
            version += 1

    threads = [threading.Thread(target=inventory, args=(a,)) for a in range(3)]
    threads += [threading.Thread(target=sboms) for _ in range(2)]
    for t in threads:
        t.start()
    try:
        while len(acknowledged) < 15 and time.monotonic() < deadline:
            time.sleep(0.05)
        victim = busiest_node(cluster, prefix)
        killed_at.append(len(acknowledged))
        cluster.stop_node(next(n for n in cluster.nodes if n.name == victim), kill=True)
        answers: list[int] = []
        while (len(acknowledged) - killed_at[0] < 15 or len(answers) < 20) and (
            time.monotonic() < deadline
        ):
            try:
                got = requests.get(
                    f"{urls[len(answers) % 2]}/api/v1/organizations?limit=5",
                    headers={"Authorization": f"Bearer {reader}"},
                    timeout=30,
                )
                answers.append(got.status_code)
            except requests.RequestException:
                answers.append(0)
            time.sleep(0.1)
    finally:
        stop_writing.set()
        for t in threads:
            t.join(timeout=120)
    return acknowledged, len(sbom_acks), len(acknowledged) - killed_at[0], answers
