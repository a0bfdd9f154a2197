"""The dashboards read what a viewer may see through store conditions, the way the API
does: an agency user's reads carry its agency into the query, so another agency's rows
never leave the store (before, pages read every agency's rows and filtered in Python)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from dashboards import data
from hub.core.auth import Principal
from hub.core.model import Finding, FindingStatus, Role, Severity, utcnow
from hub.core.store import Store
from hub.core.store.interface import In, Kind, Query
from tests.conftest import World


@pytest.fixture
def reads(world: World, monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, Query]]:
    seen: list[tuple[str, Query]] = []
    store: Store = world.store
    select, count = store._select_page, store._count_by

    def recorded_select(kind: Kind[Any], query: Query) -> list[Any]:
        seen.append((kind.name, query))
        return select(kind, query)

    def recorded_count(kind: Kind[Any], field: str, query: Query) -> dict[str, int]:
        seen.append((kind.name, query))
        return count(kind, field, query)

    monkeypatch.setattr(store, "_select_page", recorded_select)
    monkeypatch.setattr(store, "_count_by", recorded_count)
    return seen


def _kept_to(query: Query, org_id: str) -> bool:
    if query.equals.get("org_id") == org_id:
        return True
    return any(
        isinstance(c, In) and c.field == "org_id" and c.values == (org_id,) for c in query.where
    )


def _finding(world: World, org_id: str, system_id: str, asset_id: str) -> Finding:
    now = utcnow()
    return Finding(
        Finding.key_id(f"asset:{asset_id}", "pkg:pypi/django@4.2.7", "CVE-2099-7"),
        org_id, system_id, asset_id, "pkg:pypi/django@4.2.7", "CVE-2099-7", Severity.HIGH,
        None, True, None, FindingStatus.OPEN, now, now, None, kev_due="2020-01-01",
    )  # fmt: skip


def test_an_agency_viewer_reads_only_its_agency(
    world: World, reads: list[tuple[str, Query]]
) -> None:
    with world.store.transaction() as tx:
        tx.put_findings(
            [
                _finding(world, world.agency_a, world.system_a, world.asset_a),
                _finding(world, world.agency_b, world.system_b, world.asset_b),
            ]
        )
    viewer = Principal("token:a", Role.AGENCY_SUBMITTER, world.agency_a)
    store = world.store
    assert [o.id for o in data.agencies(store, viewer)] == [world.agency_a]
    assert set(data.overdue_kev(store, viewer, date.today().isoformat())) == {world.agency_a}
    assert data.severity_counts(store, viewer)["high"] == 1
    rows = data.exposures(store, viewer, kev_only=True)
    assert [r["orgs"] for r in rows] == [{world.agency_a}]
    assert data.active_sightings(store, viewer) == []
    scoped = [(kind, q) for kind, q in reads if kind in ("findings", "sightings")]
    assert scoped, "the pages read findings and sightings"
    assert all(_kept_to(q, world.agency_a) for _, q in scoped), scoped


def test_the_soc_sees_every_agency(world: World) -> None:
    soc = Principal("token:soc", Role.SOC_ANALYST, None)
    with world.store.transaction() as tx:
        tx.put_findings(
            [
                _finding(world, world.agency_a, world.system_a, world.asset_a),
                _finding(world, world.agency_b, world.system_b, world.asset_b),
            ]
        )
    assert {o.id for o in data.agencies(world.store, soc)} == {world.agency_a, world.agency_b}
    rows = data.exposures(world.store, soc, kev_only=True)
    assert [r["orgs"] for r in rows] == [{world.agency_a, world.agency_b}]
