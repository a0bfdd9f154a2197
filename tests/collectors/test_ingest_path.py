"""Issue 20's ingest path: a batch and the findings it changes commit together, finding ids
cluster by host yet findings stored under the earlier ids keep them, hosts of one image
share one software set, and a host of its own is judged only for what it adds."""

from __future__ import annotations

import dataclasses
import sqlite3
import threading
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from hub.core.auth import Principal
from hub.core.errors import InvalidSubmission, StoreError
from hub.core.model import (
    Criticality,
    Finding,
    FindingStatus,
    OrgKind,
    Package,
    Severity,
    derive_id,
)
from hub.core.packages import package_key
from hub.core.registry import Registry
from hub.core.settings import Settings
from hub.core.store.interface import FINDINGS
from hub.core.store.sqlite import SqliteStore
from hub.intelligence import findings as findings_module
from hub.intelligence.matching import intel_view
from hub.inventory.desk import InventoryDesk
from hub.web.api import endpoint as endpoint_module
from tests.collectors.test_inventory_api import (
    CURL,
    LIBSSL,
    NOW,
    batch,
    openssl_advisory,
    send,
)
from tests.conftest import World
from tests.store.rewind import rewind


def test_a_batch_and_its_findings_commit_together(
    client: FlaskClient,
    world: World,
    tmp_path: Path,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Before issue 20 the batch committed first and its findings after: a failure between
    the two left the batch stored without its findings, and the collector's retry was
    answered "duplicate", so the host stayed without findings until the next re-match."""
    openssl_advisory(tmp_path, world, settings)
    doc = batch(world.system_a, "web-9")
    before = world.snapshot()

    def refuse(*args: object, **kwargs: object) -> None:
        raise StoreError("disk full")

    monkeypatch.setattr(findings_module, "_write", refuse)
    failed = send(client, world, doc)
    assert failed.status_code >= 500
    assert world.snapshot() == before  # neither the batch nor the asset
    assert world.store.get_batch(doc["batch_id"]) is None

    monkeypatch.undo()
    again = send(client, world, doc)
    assert again.status_code == 201, again.get_json()
    receipt = again.get_json()
    assert receipt["duplicate"] is False and receipt["findings_opened"] == 1


def test_finding_ids_are_stable_uuids_clustered_by_subject() -> None:
    one = Finding.key_id("asset-1", LIBSSL, "CVE-2026-0001")
    assert one == Finding.key_id("asset-1", LIBSSL, "CVE-2026-0001")
    parsed = uuid.UUID(one)
    assert (parsed.version, parsed.variant) == (8, uuid.RFC_4122) and str(parsed) == one
    same_host = Finding.key_id("asset-1", CURL, "CVE-2026-0002")
    other_host = Finding.key_id("asset-2", LIBSSL, "CVE-2026-0001")
    assert same_host[:13] == one[:13] and same_host != one  # 48 bits name the subject
    assert other_host[:13] != one[:13]


def test_findings_stored_under_earlier_ids_keep_them(
    client: FlaskClient, world: World, tmp_path: Path, settings: Settings
) -> None:
    """A store upgraded from before issue 20 holds findings with UUIDv5 ids. Reconciling by
    id would fix each of them and open a twin under the new id: one finding, twice."""
    first = send(client, world, batch(world.system_a, "old-host")).get_json()
    asset_id = first["asset_id"]
    old_id = derive_id("finding", asset_id, LIBSSL, "CVE-2026-0001")
    seen = NOW - timedelta(days=3)
    with world.store.transaction() as tx:  # as the previous release matched it
        tx.put_findings(
            [
                Finding(
                    id=old_id,
                    org_id=world.agency_a,
                    system_id=world.system_a,
                    asset_id=asset_id,
                    purl=LIBSSL,
                    vuln_id="CVE-2026-0001",
                    severity=Severity.UNKNOWN,
                    cvss=None,
                    kev=False,
                    epss=None,
                    status=FindingStatus.OPEN,
                    first_seen=seen,
                    last_seen=seen,
                    fixed_at=None,
                )
            ]
        )
    openssl_advisory(tmp_path, world, settings)
    later = send(client, world, batch(world.system_a, "old-host", at=NOW + timedelta(hours=1)))
    assert later.status_code == 201 and later.get_json()["findings_opened"] == 0
    held = list(world.store.iter_all(FINDINGS, asset_id=asset_id))
    assert [(f.id, f.status, f.first_seen) for f in held] == [(old_id, FindingStatus.OPEN, seen)]


def test_hosts_of_one_image_share_one_software_set(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "crsa.db")
    store.migrate()
    reg = Registry(store)
    root = Principal.operator("tests")
    org = reg.add_organization(root, "Agency", OrgKind.AGENCY, "t").value
    system = reg.add_system(root, org.id, "Fleet", Criticality.HIGH, False, "", "t").value
    image = [Package(LIBSSL, "libssl3", "3.0.11-1~deb12u2", "deb"),
             Package(CURL, "curl", "7.88.1-10+deb12u5", "deb")]  # fmt: skip
    extra = Package("pkg:pypi/flask@2.0.0", "flask", "2.0.0", "pypi")
    hosts = [
        reg.add_asset(root, system.id, f"h{n}", packages=image, request_id="t").value.id
        for n in range(3)
    ]

    def sets() -> int:
        db = sqlite3.connect(tmp_path / "crsa.db")
        try:
            return int(db.execute("SELECT count(DISTINCT set_id) FROM software_sets").fetchone()[0])
        finally:
            db.close()

    assert sets() == 1
    with store.transaction() as tx:
        tx.put_asset_packages(hosts[2], [*image, extra])
    assert sets() == 2
    assert [p.purl for p in store.list_asset_packages(hosts[2])] == sorted(
        [LIBSSL, CURL, extra.purl]
    )
    assert [p.purl for p in store.list_asset_packages(hosts[0])] == sorted([LIBSSL, CURL])
    assert store.assets_running(LIBSSL) == sorted(hosts)
    assert store.assets_running(extra.purl) == [hosts[2]]
    with store.transaction() as tx:  # back to the image: its own set is dropped
        tx.put_asset_packages(hosts[2], image)
    assert sets() == 1 and store.assets_running(extra.purl) == []
    assert store.counts().packages == 6
    store.close()


def test_a_host_of_its_own_is_judged_only_for_what_it_adds(
    client: FlaskClient, world: World, tmp_path: Path, settings: Settings
) -> None:
    openssl_advisory(tmp_path, world, settings)
    assert send(client, world, batch(world.system_a, "image-1")).status_code == 201
    view = intel_view(world.store)
    judged = set(view.memo)
    assert {LIBSSL, CURL} <= judged
    flask = "pkg:pypi/flask@2.0.0"
    own = send(client, world, batch(world.system_a, "own-1", (LIBSSL, CURL, flask)))
    assert own.status_code == 201 and own.get_json()["findings_opened"] == 1
    assert intel_view(world.store) is view and set(view.memo) - judged == {flask}


def test_asset_lists_written_before_sets_survive_the_migration(tmp_path: Path) -> None:
    """Migration 0016 turns each asset's list into a set of its own."""
    path = tmp_path / "crsa.db"
    store = SqliteStore(path)
    store.migrate()
    reg = Registry(store)
    root = Principal.operator("tests")
    org = reg.add_organization(root, "Agency", OrgKind.AGENCY, "t").value
    system = reg.add_system(root, org.id, "Fleet", Criticality.HIGH, False, "", "t").value
    a1, a2 = (reg.add_asset(root, system.id, h, request_id="t").value.id for h in ("h1", "h2"))
    store.close()
    db = sqlite3.connect(path)
    db.execute("PRAGMA foreign_keys = OFF")
    rewind(db, 15)
    k1, k2 = package_key(LIBSSL), package_key(CURL)
    db.executemany(
        "INSERT INTO asset_packages VALUES (?, ?, ?, ?, ?, ?)",
        [(a1, LIBSSL, "libssl3", "3.0.11-1~deb12u2", "deb", k1),
         (a1, CURL, "curl", "7.88.1-10+deb12u5", "deb", k2),
         (a2, CURL, "curl", "7.88.1-10+deb12u5", "deb", k2)],
    )  # fmt: skip
    db.commit()
    db.close()
    store = SqliteStore(path)
    store.migrate()
    assert [p.purl for p in store.list_asset_packages(a1)] == sorted([LIBSSL, CURL])
    assert store.assets_running(CURL) == sorted([a1, a2])
    assert store.assets_matching([str(k1)]) == [a1]
    store.close()


class _WatchedLock:
    """The serial lock, telling the test when a second request starts waiting on it."""

    def __init__(self, waiting: threading.Event) -> None:
        self._lock = threading.Lock()
        self._waiting = waiting

    def __enter__(self) -> None:
        if not self._lock.acquire(blocking=False):
            self._waiting.set()
            self._lock.acquire()

    def __exit__(self, *exc: object) -> None:
        self._lock.release()


def test_batches_are_worked_one_at_a_time_per_process(
    client: FlaskClient, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 20: a worker process's threads share one GIL, so batches worked at once only
    take turns, and the one holding the store's writer lock waits its turn too. The second
    batch waits for the first before it is parsed, matched and written."""
    waiting, inside = threading.Event(), threading.Event()
    at_once: list[int] = []
    working = [0]
    real = InventoryDesk.receive

    def receive(self: InventoryDesk, *args: Any, **kwargs: Any) -> Any:
        working[0] += 1
        at_once.append(working[0])
        if working[0] == 1 and not inside.is_set():
            inside.set()
            # Hold the first batch until the second is either waiting for its turn or
            # (were batches not serial) working beside it.
            while not waiting.wait(0.01) and len(at_once) < 2:
                pass
        try:
            return real(self, *args, **kwargs)
        finally:
            working[0] -= 1

    monkeypatch.setattr(endpoint_module, "_SERIAL", _WatchedLock(waiting))
    monkeypatch.setattr(InventoryDesk, "receive", receive)
    app = client.application
    statuses: list[int] = []

    def post(ident: str) -> None:
        with app.test_client() as own:
            statuses.append(send(own, world, batch(world.system_a, ident)).status_code)

    first = threading.Thread(target=post, args=("one",))
    first.start()
    assert inside.wait(30)
    second = threading.Thread(target=post, args=("two",))
    second.start()
    first.join(60)
    second.join(60)
    assert statuses == [201, 201]
    assert at_once == [1, 1]  # never two batches at work in one process


def test_a_placed_finding_is_the_finding_built_there() -> None:
    built = Finding(
        id=Finding.key_id("asset-1", LIBSSL, "CVE-2026-0001"),
        org_id="o",
        system_id="s",
        asset_id="asset-1",
        purl=LIBSSL,
        vuln_id="CVE-2026-0001",
        severity=Severity.HIGH,
        cvss=7.5,
        kev=True,
        epss=0.5,
        status=FindingStatus.OPEN,
        first_seen=NOW,
        last_seen=NOW,
        fixed_at=None,
        aliases=("GHSA-x",),
        fixed_in=("3.0.12",),
    )
    elsewhere = dataclasses.replace(
        built, id="x", org_id="", system_id="", asset_id="", first_seen=NOW - timedelta(days=9)
    )
    other = dataclasses.replace(elsewhere, purl=f"{LIBSSL}-1", vuln_id="CVE-2026-0002")
    placed = Finding.placed_all(
        [elsewhere, other], "asset-1", org_id="o", system_id="s", asset_id="asset-1",
        first_seen=NOW,
    )  # fmt: skip
    assert placed[0] == built
    assert placed[1].id == Finding.key_id("asset-1", other.purl, other.vuln_id) != built.id
    assert (placed[1].purl, placed[1].asset_id) == (other.purl, "asset-1")
    assert elsewhere.id == "x" and elsewhere.asset_id == ""  # the templates stay as they were
    refused: tuple[dict[str, object], ...] = ({"severity": Severity.LOW}, {"id": "y"})
    for where in refused:
        with pytest.raises(TypeError, match="cannot change"):
            Finding.placed_all([built], "asset-1", **where)
    for times in (
        {"first_seen": NOW + timedelta(days=1)},
        {"first_seen": NOW, "last_seen": NOW - timedelta(seconds=1)},
    ):
        with pytest.raises(InvalidSubmission, match="last_seen is before first_seen"):
            Finding.placed_all([built], "asset-1", **times)
