"""The demo dataset: the promised size, realistic inventories, same data for the same seed."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

from packageurl import PackageURL

from hub.core import audit
from hub.core.auth import Principal
from hub.core.model import OrgKind, utcnow
from hub.core.settings import Settings
from hub.core.store import Store
from hub.core.store.interface import SIGHTINGS
from hub.core.store.sqlite import SqliteStore
from hub.demo import build_demo
from hub.demo.playbooks import run_playbooks
from hub.demo.threats import seed_threats
from hub.risk.scoring import default_policy
from hub.risk.triage import TriageDesk
from hub.web.app import create_app

NOW = datetime(2026, 11, 1, tzinfo=UTC)


def fresh(path: Path) -> Store:
    store = SqliteStore(path / "crsa.db")
    path.mkdir(exist_ok=True)
    store.migrate()
    return store


def everything(store: Store) -> tuple[object, ...]:
    assets = store.list_assets(limit=10_000)
    return (
        store.list_organizations(limit=1000),
        store.list_systems(limit=1000),
        assets,
        [store.list_asset_packages(a.id) for a in assets[::97]],
        [(t.id, t.token_hash, t.role) for t in store.list_tokens()],
    )


def test_same_seed_same_hub_other_seed_other_hub(tmp_path: Path) -> None:
    one, two, three = fresh(tmp_path / "1"), fresh(tmp_path / "2"), fresh(tmp_path / "3")
    a = build_demo(one, seed=7, now=NOW)
    b = build_demo(two, seed=7, now=NOW)
    c = build_demo(three, seed=8, now=NOW)
    assert a == b
    assert c.credentials != a.credentials
    assert everything(one) == everything(two)
    assert everything(one) != everything(three)
    assert (a.organizations, a.agencies, a.systems, a.assets) == (16, 12, 60, 3000)
    counts = one.counts()
    assert (counts.organizations, counts.systems, counts.assets) == (16, 60, 3000)
    assert counts.packages == a.packages
    assert audit.verify(one.iter_audit()).ok


def test_inventories_look_like_real_fleets(tmp_path: Path) -> None:
    store = fresh(tmp_path / "d")
    summary = build_demo(store, seed=2026, now=NOW)
    assert 10 < summary.packages / summary.assets < 60
    ecosystems: set[str] = set()
    for asset in store.list_assets(limit=300):
        packages = store.list_asset_packages(asset.id)
        assert packages, asset.identifier
        for p in packages:
            parsed = PackageURL.from_string(p.purl)
            assert parsed.version == p.version and parsed.to_string() == p.purl
            ecosystems.add(p.ecosystem)
    assert {"deb", "rpm", "pypi", "npm", "maven"} <= ecosystems
    criticalities = {s.criticality for s in store.list_systems(limit=100)}
    assert len(criticalities) == 3


def test_demo_credentials_work_with_their_roles(tmp_path: Path) -> None:
    store = fresh(tmp_path / "d")
    summary = build_demo(store, seed=1, now=NOW)
    client = create_app(Settings(home=tmp_path / "d"), store=store).test_client()
    for cred in summary.credentials:
        me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {cred.token}"})
        assert me.status_code == 200  # partners too: they read threats through REST
        assert me.get_json()["role"] == cred.role.value
        systems = client.get("/api/v1/systems", headers={"Authorization": f"Bearer {cred.token}"})
        assert systems.status_code == (403 if cred.role.value == "partner" else 200)


def test_the_demo_ranks_what_matters(tmp_path: Path) -> None:
    """What `crsa demo` shows a SOC: agencies spread over at least three bands with the nation
    in neither end band, every investigation of an active sighting carrying its points and
    one in the top five, no remark repeated on an action, and 90 days of history."""
    home = tmp_path / "demo"
    store = fresh(home)
    now = utcnow()
    build_demo(store, seed=2026, now=now)
    seed_threats(store, Settings(home=home), home / "feeds", now, random.Random(2026))
    run_playbooks(store, Settings(home=home), "")
    policy = default_policy()
    letters = [b.letter for b in policy.grades.bands]
    agencies = store.list_organizations(kind=OrgKind.AGENCY, limit=100)
    latest = store.latest_scores([f"organization:{o.id}" for o in agencies] + ["nation"], now)
    bands = {latest[f"organization:{o.id}"].band for o in agencies}
    assert len(bands) >= 3, bands
    assert latest["nation"].band not in (letters[0], letters[-1]), latest["nation"]

    queue = TriageDesk(store, clock=lambda: now).queue(Principal.operator("tests"))
    active = {s.indicator_id for s in store.iter_all(SIGHTINGS, active=True)}
    investigations = {r["key"].split(" ")[-1]: r for r in queue if r["kind"] == "sighting"}
    assert active and active <= set(investigations)
    assert all(investigations[i]["points"] > 0 for i in active)
    assert any(r["kind"] == "sighting" for r in queue[:5]), [r["title"] for r in queue[:5]]
    for row in queue:
        said = [(c["by"], c["text"]) for c in row["comments"]]
        assert len(said) == len(set(said)), row["title"]
    assert any(c.get("count", 1) > 1 for r in queue for c in r["comments"])

    days = {r.computed_at.date() for r in store.score_history("nation")}
    assert min(days) <= (now - timedelta(days=89)).date() and len(days) >= 30
    grades = [r.grade for r in store.score_history("nation")]
    assert max(grades) - min(grades) > 5  # the history says something: the picture changed
