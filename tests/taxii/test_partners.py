"""A partner ISAC running medallion (the OASIS TAXII 2.1 reference server) on 127.0.0.1:
the hub syncs its collection in with added_after bookmarks, keeps each object once, and
serves what it received to its own readers under the collection's TLP default."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from cryptography.fernet import Fernet
from flask.testing import FlaskClient
from taxii2client.v21 import Collection, as_pages

from hub.core.auth import Principal
from hub.core.errors import HubError, NotFound
from hub.core.model import OrgKind, Role
from hub.core.registry import Registry
from hub.core.store import Store
from hub.core.store.interface import TAXII_FEEDS
from hub.core.vault import Vault, VaultError
from hub.sharing import partners
from hub.sharing.desk import SharingDesk
from hub.sharing.markings import MARKING_IDS, Tlp
from hub.sharing.partners import FeedError, PartnerFeeds
from tests.scoring.test_scores import host_batch
from tests.taxii.test_conformance import ROOT, TAXII, indicator
from tests.test_served import free_port, run, serve, stop, wait_healthy

REMOTE = "472c94ae-3113-4e3e-a4dd-a9f4ac7471d4"


@pytest.fixture
def medallion(tmp_path: Path) -> Iterator[str]:
    """A medallion 3 server with one empty read-write collection; yields its URL."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    data = {
        "/discovery": {
            "title": "Partner ISAC",
            "default": f"{base}/isac/",
            "api_roots": [f"{base}/isac/"],
        },
        "isac": {
            "information": {
                "title": "ISAC",
                "versions": ["application/taxii+json;version=2.1"],
                "max_content_length": 10485760,
            },
            "status": [],
            "collections": [
                {
                    "id": REMOTE,
                    "title": "Indicators",
                    "can_read": True,
                    "can_write": True,
                    "media_types": ["application/stix+json;version=2.1"],
                    "objects": [],
                    "manifest": [],
                }
            ],
        },
    }
    (tmp_path / "data.json").write_text(json.dumps(data))
    config = {
        "backend": {
            "module": "medallion.backends.memory_backend",
            "module_class": "MemoryBackend",
            "filename": str(tmp_path / "data.json"),
        },
        "users": {"isac": "s3cret"},
        "taxii": {"max_page_size": 100},
    }
    (tmp_path / "medallion.json").write_text(json.dumps(config))
    proc = subprocess.Popen(
        [sys.executable, "-m", "medallion.scripts.run", "--port", str(port),
         str(tmp_path / "medallion.json")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                requests.get(f"{base}/taxii2/", timeout=2)
                break
            except requests.ConnectionError:
                time.sleep(0.2)
        else:
            pytest.fail("medallion did not start")
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def publish(base: str, objects: list[dict[str, object]]) -> None:
    remote = Collection(f"{base}/isac/collections/{REMOTE}/", user="isac", password="s3cret")
    status = remote.add_objects({"objects": objects})
    assert status.success_count == len(objects)


@pytest.mark.slow
def test_sync_in_from_medallion_with_bookmarks(
    medallion: str, store: Store, client: FlaskClient, tmp_path: Path
) -> None:
    reg = Registry(store)
    root = Principal.operator("tests")
    isac = reg.add_organization(root, "Partner ISAC", OrgKind.PARTNER, "t").value
    agency = reg.add_organization(root, "Agency", OrgKind.AGENCY, "t").value
    reader = reg.issue_token(root, agency.id, Role.AGENCY_SUBMITTER, "", "t").secret
    local = SharingDesk(store).add_collection(
        root, "From the ISAC", "t", readers=[agency.id, isac.id], writers=[], default_tlp="green"
    )
    feeds = PartnerFeeds(store, Vault.of(tmp_path), sleep=lambda _: None)
    url = f"{medallion}/isac/collections/{REMOTE}/"
    feed = feeds.add(root, url, local.id, isac.id, "t", user="isac", password="s3cret")

    publish(medallion, [indicator(n) for n in range(150)])  # more than a partner's page
    first = feeds.sync(feed.id, "t")
    assert (first.received, first.kept, first.refused) == (150, 150, 0)
    assert first.pages >= 2 and first.feed.added_after  # the partner's own bookmark

    again = feeds.sync(feed.id, "t")
    assert again.received == 0  # nothing new since the bookmark

    # The partner's password is sealed in the store; adding the same feed again changes
    # nothing (the bookmark stays), new credentials replace the old and keep the bookmark.
    stored = store.fetch(TAXII_FEEDS, feed.id)
    assert stored is not None and stored.password.startswith("sealed:v1:")
    assert "s3cret" not in repr(stored)
    assert feeds.add(root, url, local.id, isac.id, "t", user="isac", password="s3cret") == stored
    assert store.fetch(TAXII_FEEDS, feed.id) == stored
    # A hub without the key that sealed it cannot use it, and says so on the feed.
    stranger = PartnerFeeds(store, Vault(Fernet.generate_key()), sleep=lambda _: None)
    with pytest.raises(VaultError, match="cannot be opened"):
        stranger.sync(feed.id, "t")
    broken_key = store.fetch(TAXII_FEEDS, feed.id)
    assert broken_key is not None and "cannot be opened" in broken_key.last_error
    renewed = stranger.add(root, url, local.id, isac.id, "t", user="isac", password="s3cret")
    assert renewed.added_after == stored.added_after and renewed.password != stored.password
    assert stranger.sync(feed.id, "t").received == 0
    back = feeds.add(root, url, local.id, isac.id, "t", user="isac", password="s3cret")
    assert back.added_after == stored.added_after and feeds.vault.open(back.password) == "s3cret"

    publish(medallion, [indicator(n, modified="2026-02-01T00:00:00.000Z") for n in range(5)])
    publish(medallion, [indicator(n) for n in range(1000, 1010)])
    later = feeds.sync(feed.id, "t")
    assert (later.received, later.kept) == (15, 15)
    assert later.feed.received == 165

    # The agency reads what the ISAC shared, newest versions by default.
    headers = {"Authorization": f"Bearer {reader}", "Accept": TAXII}
    got = client.get(
        f"{ROOT}/collections/{local.id}/objects/", query_string={"limit": "1000"}, headers=headers
    )
    objects = got.get_json()["objects"]
    assert len(objects) == 160
    updated = {o["id"]: o["modified"] for o in objects}
    assert updated[indicator(0)["id"]] == "2026-02-01T00:00:00.000Z"

    # A partner that cannot be reached is reported, and the bookmark stays.
    broken = feeds.add(root, "http://127.0.0.1:9/isac/collections/x/", local.id, isac.id, "t")
    with pytest.raises(FeedError, match="failed after 3 tries"):
        feeds.sync(broken.id, "t")
    assert isinstance(FeedError("x"), HubError)
    [kept] = [f for f in feeds.list() if f.id == broken.id]
    assert kept.last_error and kept.added_after == ""


@pytest.mark.slow
def test_push_out_to_medallion_respects_tlp(medallion: str, store: Store, tmp_path: Path) -> None:
    reg = Registry(store)
    root = Principal.operator("tests")
    isac = reg.add_organization(root, "Partner ISAC", OrgKind.PARTNER, "t").value
    agency = reg.add_organization(root, "Agency", OrgKind.AGENCY, "t").value
    local = SharingDesk(store).add_collection(
        root, "Shared with the ISAC", "t", readers=[agency.id, isac.id], writers=[agency.id]
    )
    levels = {1: Tlp.CLEAR, 2: Tlp.GREEN, 3: Tlp.AMBER, 4: Tlp.AMBER_STRICT, 5: Tlp.RED}
    objects = [indicator(n, object_marking_refs=[MARKING_IDS[tlp]]) for n, tlp in levels.items()]
    status = SharingDesk(store).keep(local, objects, agency.id, "tests", "t")
    assert status.success_count == 5
    feeds = PartnerFeeds(store, Vault.of(tmp_path), sleep=lambda _: None)
    url = f"{medallion}/isac/collections/{REMOTE}/"
    push = feeds.add(
        root, url, local.id, isac.id, "t", user="isac", password="s3cret", direction="out"
    )
    result = feeds.push(push.id, "t", poll_seconds=0.1)
    assert (result.received, result.kept, result.refused) == (3, 3, 0)
    remote = Collection(url, user="isac", password="s3cret")
    there = {o["id"] for o in remote.get_objects().get("objects", [])}
    assert there == {indicator(n)["id"] for n in (1, 2, 3)}  # no AMBER+STRICT, never RED
    assert feeds.push(push.id, "t").received == 0  # nothing new since the bookmark
    with pytest.raises(NotFound):
        feeds.push("no-such-feed", "t")


class _Crash(Exception):
    pass


@pytest.mark.slow
def test_a_push_cut_short_inside_one_batch_resumes_without_a_gap(
    medallion: str, store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """12 objects added at one moment go out in pages of 5; the pusher dies after the
    first page was accepted. The next push must send the other 7 too (the bookmark may
    not pass a moment some of whose objects were never sent)."""
    monkeypatch.setattr(partners, "PAGE", 5)
    reg = Registry(store)
    root = Principal.operator("tests")
    isac = reg.add_organization(root, "Partner ISAC", OrgKind.PARTNER, "t").value
    desk = SharingDesk(store)
    local = desk.add_collection(root, "Out", "t", readers=[isac.id], default_tlp="green")
    desk.keep(local, [indicator(n) for n in range(12)], isac.id, "tests", "t")
    feeds = PartnerFeeds(store, Vault.of(tmp_path), sleep=lambda _: None)
    url = f"{medallion}/isac/collections/{REMOTE}/"
    push = feeds.add(
        root, url, local.id, isac.id, "t", user="isac", password="s3cret", direction="out"
    )

    def die(pages: int, _sent: int) -> None:
        raise _Crash  # after the first page was accepted and recorded

    with pytest.raises(_Crash):
        feeds.push(push.id, "t", progress=die, poll_seconds=0.1)
    feeds.push(push.id, "t", poll_seconds=0.1)
    remote = Collection(url, user="isac", password="s3cret")
    there = {o["id"] for page in as_pages(remote.get_objects, per_request=100)
             for o in page.get("objects", [])}  # fmt: skip
    assert there == {indicator(n)["id"] for n in range(12)}
    assert feeds.push(push.id, "t").received == 0  # the whole batch is behind the bookmark


@pytest.mark.slow
def test_a_served_hub_syncs_matches_publishes_and_pushes_on_its_own(
    medallion: str, tmp_path: Path
) -> None:
    """`crsa serve` with a sharing interval: a partner's indicator arrives without anyone
    syncing, matches an agency host's DNS lookups, and the hub's sighting of it is published
    and pushed back to the partner; a dead partner is reported on its feed meanwhile."""
    home = tmp_path / "hub"
    run(home, "init")
    run(home, "org", "add", "Ops", "--kind", "operator")
    isac = run(home, "org", "add", "Partner ISAC", "--kind", "partner")
    agency = run(home, "org", "add", "Digital Agency", "--kind", "agency")
    system = run(home, "system", "add", "--org", agency, "e-Gov")
    submitter = run(home, "token", "add", "--org", agency, "--role", "agency_submitter")
    inbound = run(home, "taxii", "collection", "add", "--title", "From the ISAC", "--read", isac)
    outbound = run(home, "taxii", "collection", "add", "--title", "Hub", "--read", isac,
                   "--tlp", "green")  # fmt: skip
    url = f"{medallion}/isac/collections/{REMOTE}/"
    for args in (["--collection", inbound], ["--collection", outbound, "--push"]):
        run(home, "feeds", "taxii", "add", "--url", url, "--org", isac, "--user", "isac",
            "--password", "s3cret", *args)  # fmt: skip
    dead = run(home, "feeds", "taxii", "add", "--url", "http://127.0.0.1:9/r/collections/x/",
               "--collection", inbound, "--org", isac)  # fmt: skip
    c2 = indicator(1, pattern="[domain-name:value = 'c2.example.net']")
    publish(medallion, [c2])

    proc, hub = serve(home, workers=1, CRSA_SHARING_INTERVAL="1", CRSA_SHARE_COLLECTION=outbound)
    try:
        wait_healthy(hub, proc, 60)
        batch = host_batch(system, "web-1", failed_check=False)
        batch["packages"], batch["domains"] = [], ["c2.example.net", "www.example.org"]
        sent = requests.post(f"{hub}/api/v1/inventory", json=batch, timeout=10,
                             headers={"Authorization": f"Bearer {submitter}"})  # fmt: skip
        assert sent.status_code == 201, sent.text
        remote = Collection(url, user="isac", password="s3cret")
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            there = remote.get_objects().get("objects", [])
            back = [o for o in there if o["type"] == "sighting"]
            if back:
                break
            time.sleep(1)
        else:
            pytest.fail("the hub's sighting never reached the partner")
        assert back[0]["sighting_of_ref"] == c2["id"] and back[0]["count"] == 1
        assert "Digital Agency" not in json.dumps(there)
        feeds = run(home, "feeds", "taxii", "list")
        [dead_line] = [line for line in feeds.splitlines() if line.startswith(dead)]
        assert "failed" in dead_line or "error" in dead_line.lower(), dead_line
    finally:
        stop(proc)
