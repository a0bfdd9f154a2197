"""The store contract: every backend behaves the same through the `Store` interface.

Parametrised over every backend in `tests.conftest.BACKENDS`; a new backend
passes this module unchanged or it is not done.
"""

from __future__ import annotations

import inspect
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest

from hub.core import audit
from hub.core.errors import StoreError
from hub.core.model import (
    ApiToken,
    Asset,
    AuditDraft,
    AuditEntry,
    Criticality,
    Finding,
    FindingStatus,
    IdpMapping,
    Organization,
    OrgKind,
    Package,
    Person,
    Role,
    Severity,
    System,
    WebSession,
)
from hub.core.records.events import ActionRun, AssetTags, Event, EventCursor
from hub.core.records.incidents import Incident, IncidentState
from hub.core.records.intel import FeedState, IntelRecord, IntelSource
from hub.core.records.scores import ActionShares, ScoreRecord, SystemScoreState
from hub.core.records.sharing import Sighting, StixVersion, TaxiiCollection, TaxiiFeed, TaxiiStatus
from hub.core.records.supply import Deployment, Product, SbomRecord, VexStatement
from hub.core.records.telemetry import AssetTelemetry, InventoryBatch
from hub.core.records.triage import TriageItem
from hub.core.store import Store, Transaction
from hub.core.store.interface import (
    ACTION_RUNS,
    ACTION_SHARES,
    ASSET_TAGS,
    EVENT_CURSORS,
    EVENTS,
    FINDINGS,
    IDP_MAPPINGS,
    INCIDENTS,
    PERSONS,
    SCORE_CHANGES,
    SCORE_STATES,
    SIGHTINGS,
    STIX_OBJECTS,
    TAXII_COLLECTIONS,
    TAXII_FEEDS,
    TAXII_STATUSES,
    TRIAGE,
    WEB_SESSIONS,
    AnyOf,
    In,
    Kind,
    Query,
    token_by_hash,
)
from hub.core.store.interface import INTEL as INTEL_KIND
from hub.core.store.interface import ORGANIZATIONS as ORGANIZATIONS_KIND

T0 = datetime(2026, 1, 2, 3, 4, 5, 678000, tzinfo=UTC)


def org(name: str, kind: OrgKind = OrgKind.AGENCY) -> Organization:
    return Organization.new(name, kind, T0)


def system(org_id: str, name: str, crit: Criticality = Criticality.HIGH) -> System:
    return System(System.key_id(org_id, name), org_id, name, crit, True, "desc", T0)


def asset(s: System, ident: str, last_seen: datetime | None = None) -> Asset:
    return Asset(
        Asset.key_id(s.id, ident),
        s.org_id,
        s.id,
        ident,
        f"{ident}.example",
        "Debian",
        "12",
        ("10.0.0.1", "fe80::1"),
        last_seen,
        T0,
    )


def token(org_id: str, n: int, role: Role = Role.AGENCY_SUBMITTER) -> ApiToken:
    return ApiToken(f"tok-{n:03d}", org_id, role, f"token {n}", f"{n:064x}", T0 + timedelta(n))


PKGS = [
    Package(
        "pkg:deb/debian/openssl@3.0.11-1~deb12u2?arch=amd64", "openssl", "3.0.11-1~deb12u2", "deb"
    ),
    Package("pkg:pypi/django@4.2.7", "django", "4.2.7", "pypi"),
    Package("pkg:npm/%40babel/traverse@7.23.2", "@babel/traverse", "7.23.2", "npm"),
]


def draft(n: int) -> AuditDraft:
    return AuditDraft(
        "cli:test", "thing.create", f"target-{n}", f"req-{n}", {"n": n}, T0 + timedelta(seconds=n)
    )


def test_migrate_is_idempotent(store: Store) -> None:
    version = store.schema_version()
    assert version >= 1 and version == store.latest_schema()
    assert store.migrate() == version
    assert store.schema_version() == version


def test_organizations_round_trip_upsert_filter_and_page(store: Store) -> None:
    names = [f"Agency {i:02d}" for i in range(7)]
    with store.transaction() as tx:
        for n in names:
            tx.put_organization(org(n))
        tx.put_organization(org("ISAC", OrgKind.PARTNER))
    a0 = org(names[0])
    assert store.get_organization(a0.id) == a0
    assert store.get_organization("missing") is None

    with store.transaction() as tx:
        tx.put_organization(replace(a0, kind=OrgKind.OPERATOR))
    assert store.get_organization(a0.id) == replace(a0, kind=OrgKind.OPERATOR)

    agencies = store.list_organizations(kind=OrgKind.AGENCY)
    assert len(agencies) == 6 and all(o.kind is OrgKind.AGENCY for o in agencies)
    assert [o.name for o in store.list_organizations(kind=OrgKind.PARTNER)] == ["ISAC"]
    chosen = {org(names[1]).id, org(names[2]).id}
    assert {o.id for o in store.list_organizations(ids=sorted(chosen))} == chosen
    assert store.list_organizations(ids=[]) == []

    seen: list[str] = []
    after = None
    while True:
        page = store.list_organizations(after=after, limit=3)
        seen.extend(o.id for o in page)
        if len(page) < 3:
            break
        after = page[-1].id
    assert seen == sorted(seen) and len(seen) == len(set(seen)) == 8


def test_systems_by_org_and_page(store: Store) -> None:
    a, b = org("A"), org("B")
    systems = [system(a.id, f"sys {i}") for i in range(5)] + [system(b.id, "other")]
    with store.transaction() as tx:
        tx.put_organization(a)
        tx.put_organization(b)
        for s in systems:
            tx.put_system(s)
    assert store.get_system(systems[0].id) == systems[0]
    assert store.get_system("missing") is None
    mine = store.list_systems(org_id=a.id)
    assert {s.id for s in mine} == {s.id for s in systems[:5]}
    first = store.list_systems(org_id=a.id, limit=2)
    rest = store.list_systems(org_id=a.id, after=first[-1].id, limit=10)
    assert [s.id for s in first + rest] == sorted(s.id for s in systems[:5])
    assert len(store.list_systems()) == 6

    changed = replace(systems[0], criticality=Criticality.LOW, internet_facing=False)
    with store.transaction() as tx:
        tx.put_system(changed)
    assert store.get_system(changed.id) == changed


def test_assets_and_their_packages(store: Store) -> None:
    a = org("A")
    s1, s2 = system(a.id, "one"), system(a.id, "two")
    seen = T0 + timedelta(hours=5)
    assets = [asset(s1, "h1", seen), asset(s1, "h2"), asset(s2, "h3")]
    with store.transaction() as tx:
        tx.put_organization(a)
        tx.put_system(s1)
        tx.put_system(s2)
        for x in assets:
            tx.put_asset(x)
        tx.put_asset_packages(assets[0].id, PKGS)
    assert store.get_asset(assets[0].id) == assets[0]
    assert store.get_asset("missing") is None
    assert {x.id for x in store.list_assets(system_id=s1.id)} == {assets[0].id, assets[1].id}
    assert len(store.list_assets(org_id=a.id)) == 3
    assert store.list_assets(org_id=a.id, system_id=s2.id) == [assets[2]]
    page = store.list_assets(limit=2)
    assert len(page) == 2 and store.list_assets(after=page[-1].id) == [
        x for x in sorted(assets, key=lambda x: x.id) if x.id > page[-1].id
    ]

    assert store.list_asset_packages(assets[0].id) == sorted(PKGS, key=lambda p: p.purl)
    assert store.list_asset_packages(assets[1].id) == []
    with store.transaction() as tx:
        tx.put_asset_packages(assets[0].id, PKGS[:1])
        tx.put_asset(replace(assets[0], hostname="renamed", last_seen=None))
    assert store.list_asset_packages(assets[0].id) == PKGS[:1]
    got = store.get_asset(assets[0].id)
    assert got is not None and got.hostname == "renamed" and got.last_seen is None


def finding(x: Asset, vuln: str, sev: Severity, status: FindingStatus, n: int = 0) -> Finding:
    return Finding(
        Finding.key_id(x.id, PKGS[n].purl, vuln),
        x.org_id,
        x.system_id,
        x.id,
        PKGS[n].purl,
        vuln,
        sev,
        7.5,
        vuln.startswith("CVE"),
        0.25,
        status,
        T0,
        T0 + timedelta(days=2),
        T0 + timedelta(days=2) if status is FindingStatus.FIXED else None,
    )


def test_findings_upsert_filter_page_and_summarize(store: Store) -> None:
    a, b = org("A"), org("B")
    sa, sb = system(a.id, "one"), system(b.id, "two")
    xa, xb = asset(sa, "h1"), asset(sb, "h2")
    found = [
        finding(xa, "CVE-2024-0001", Severity.CRITICAL, FindingStatus.OPEN),
        finding(xa, "CVE-2024-0002", Severity.HIGH, FindingStatus.OPEN, 1),
        finding(xa, "GHSA-xxxx-0003", Severity.HIGH, FindingStatus.FIXED, 2),
        finding(xb, "CVE-2024-0001", Severity.CRITICAL, FindingStatus.OPEN),
        finding(xb, "CVE-2024-0004", Severity.LOW, FindingStatus.SUPPRESSED, 1),
    ]
    with store.transaction() as tx:
        tx.put_findings(found)
    assert store.get_finding(found[0].id) == found[0]
    assert store.get_finding("missing") is None
    assert {f.id for f in store.list_findings(org_id=a.id)} == {f.id for f in found[:3]}
    assert {f.asset_id for f in store.list_findings(vuln_id="CVE-2024-0001")} == {xa.id, xb.id}
    assert [f.id for f in store.list_findings(asset_id=xa.id, status=FindingStatus.FIXED)] == [
        found[2].id
    ]
    first = store.list_findings(limit=2)
    rest = store.list_findings(after=first[-1].id, limit=10)
    assert [f.id for f in first + rest] == sorted(f.id for f in found)

    fixed = replace(
        found[0],
        status=FindingStatus.FIXED,
        fixed_at=T0 + timedelta(days=3),
        last_seen=T0 + timedelta(days=3),
    )
    with store.transaction() as tx:
        tx.put_findings([fixed])
    assert store.get_finding(fixed.id) == fixed
    assert store.counts().findings == 5

    summary = store.summarize_findings()
    assert summary == sorted(summary, key=lambda c: (c.org_id, c.severity.value, c.status.value))
    cells = {(c.org_id, c.severity, c.status): c.count for c in summary}
    assert cells == {
        (a.id, Severity.CRITICAL, FindingStatus.FIXED): 1,
        (a.id, Severity.HIGH, FindingStatus.OPEN): 1,
        (a.id, Severity.HIGH, FindingStatus.FIXED): 1,
        (b.id, Severity.CRITICAL, FindingStatus.OPEN): 1,
        (b.id, Severity.LOW, FindingStatus.SUPPRESSED): 1,
    }
    only_b = store.summarize_findings(org_id=b.id)
    assert {c.org_id for c in only_b} == {b.id} and sum(c.count for c in only_b) == 2

    # Grouped counts under a query: open exploited findings due before a day, per agency.
    due = [
        replace(found[1], kev=True, kev_due="2026-01-10"),
        replace(found[3], kev=True, kev_due="2026-02-01"),
        replace(found[4], kev=True, kev_due="2026-01-01"),  # suppressed: not counted
    ]
    with store.transaction() as tx:
        tx.put_findings(due)
    open_kev: dict[str, str | bool] = {"status": "open", "kev": True}
    by_org = store.count_by(FINDINGS, "org_id", Query(open_kev, older=("kev_due", "2026-02-01")))
    assert by_org == {a.id: 1}
    assert store.count_by(FINDINGS, "org_id", Query(open_kev)) == {a.id: 1, b.id: 1}
    assert store.count_by(FINDINGS, "status", Query()) == {"open": 2, "fixed": 2, "suppressed": 1}
    with pytest.raises(StoreError):
        store.count_by(FINDINGS, "nonsense", Query())


def test_what_is_prepared_is_still_written_as_it_is_put(store: Store) -> None:
    """`prepare` lets a backend work ahead of a transaction (SQLite encodes the rows
    before the writer lock, issue 20); the store holds exactly what the transaction put,
    whether it was prepared, replaced since, or never prepared at all."""
    s = system(org("A").id, "one")
    x = asset(s, "h1")
    first = finding(x, "CVE-2024-0001", Severity.HIGH, FindingStatus.OPEN)
    second = finding(x, "CVE-2024-0002", Severity.LOW, FindingStatus.OPEN, 1)
    third = finding(x, "CVE-2024-0003", Severity.MEDIUM, FindingStatus.OPEN, 2)
    store.prepare(FINDINGS, [first, second])
    changed = replace(second, status=FindingStatus.FIXED, fixed_at=second.last_seen)
    with store.transaction() as tx:
        tx.put_findings([first, changed, third])
    assert [store.get_finding(f.id) for f in (first, second, third)] == [first, changed, third]
    store.prepare(FINDINGS, [third])  # prepared, then not written by the next transaction
    with store.transaction() as tx:
        tx.put_findings([second])
    assert store.get_finding(second.id) == second
    assert store.get_finding(third.id) == third


def test_tokens_find_list_and_revoke(store: Store) -> None:
    a, b = org("A"), org("B")
    with store.transaction() as tx:
        tx.put_organization(a)
        tx.put_organization(b)
        for n in range(3):
            tx.put_token(token(a.id, n))
        tx.put_token(token(b.id, 9, Role.AGENCY_SUBMITTER))
    t1 = token(a.id, 1)
    assert store.get_token(t1.id) == t1
    assert store.select(*token_by_hash(t1.token_hash)) == [t1]
    assert store.select(*token_by_hash("f" * 64)) == []
    assert store.get_token("missing") is None
    assert [t.id for t in store.list_tokens(org_id=a.id)] == ["tok-000", "tok-001", "tok-002"]
    assert len(store.list_tokens()) == 4

    with store.transaction() as tx:
        tx.put_token(replace(t1, revoked_at=T0 + timedelta(days=3)))
    [found] = store.select(*token_by_hash(t1.token_hash))
    assert not found.active and found.revoked_at == T0 + timedelta(days=3)


def test_audit_chain_append_head_iterate(store: Store) -> None:
    assert store.audit_head() is None
    assert list(store.iter_audit()) == []
    for n in range(1, 6):
        with store.transaction() as tx:
            tx.append_audit(draft(n))
        newest = store.audit_head()
        assert newest is not None and newest.seq == n
    head = store.audit_head()
    assert head is not None and head.seq == 5
    entries = list(store.iter_audit())
    assert [e.seq for e in entries] == [1, 2, 3, 4, 5]
    assert entries[0].prev_hash == audit.GENESIS
    assert all(e.prev_hash == p.hash for p, e in pairwise(entries))
    assert entries[2].detail == {"n": 3} and entries[2].at == T0 + timedelta(seconds=3)
    assert [e.seq for e in store.iter_audit(after_seq=2, limit=2)] == [3, 4]
    result = audit.verify(entries)
    assert result.ok and result.checked == 5 and result.head == head.hash


def test_import_audit_extends_the_chain_verbatim_or_refuses(store: Store) -> None:
    foreign: list[AuditEntry] = []
    for n in range(1, 4):
        foreign.append(audit.chain(draft(n), foreign[-1] if foreign else None))
    with store.transaction() as tx:
        tx.import_audit(foreign[0])
        tx.import_audit(foreign[1])
    assert list(store.iter_audit()) == foreign[:2]

    def replay(entry: AuditEntry) -> None:
        with store.transaction() as tx:
            tx.import_audit(entry)

    with pytest.raises(StoreError, match="does not extend"):
        replay(foreign[1])
    with pytest.raises(StoreError, match="does not extend"):
        replay(replace(foreign[2], prev_hash="0" * 64))
    replay(foreign[2])
    head = store.audit_head()
    assert head == foreign[2]


def test_a_failed_transaction_leaves_nothing(store: Store) -> None:
    before = store.counts()
    a = org("A")

    def fail_halfway() -> None:
        with store.transaction() as tx:
            tx.put_organization(a)
            tx.append_audit(draft(1))
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        fail_halfway()
    assert store.get_organization(a.id) is None
    assert store.audit_head() is None
    assert store.counts() == before


def sbom_record(subject: str, org_id: str, n: int, current: bool) -> SbomRecord:
    return SbomRecord(
        SbomRecord.key_id(subject, "urn:uuid:x", n, f"{n:064x}"),
        subject,
        org_id,
        "CycloneDX",
        "1.6",
        "json",
        "urn:uuid:x",
        n,
        f"{n:064x}",
        1000 + n,
        3,
        1,
        71.4,
        ("supplier", "author"),
        "token:t",
        T0 + timedelta(hours=n),
        current,
    )


def test_supply_side_round_trips(store: Store) -> None:
    a = org("A")
    s = system(a.id, "one")
    x = asset(s, "h1")
    p = Product(
        Product.key_id("ACME", "Router OS", "7.1"), "ACME", "Router OS", "7.1", PKGS[0].purl, T0
    )
    old = sbom_record(f"system:{s.id}", a.id, 1, False)
    new = sbom_record(f"system:{s.id}", a.id, 2, True)
    prod_sbom = sbom_record(f"product:{p.id}", a.id, 1, True)
    dep = Deployment(Deployment.key_id(s.id, p.id), a.id, s.id, p.id, T0)
    vex = [
        VexStatement(
            VexStatement.key_id(f"product:{p.id}", "CVE-2024-1", ""),
            f"product:{p.id}",
            a.id,
            "CVE-2024-1",
            "",
            "not_affected",  # type: ignore[arg-type]
            "vulnerable_code_not_in_execute_path",
            "",
            "vex-1",
            T0,
        ),
        VexStatement(
            VexStatement.key_id("*", "CVE-2024-2", PKGS[1].purl),
            "*",
            a.id,
            "CVE-2024-2",
            PKGS[1].purl,
            "fixed",  # type: ignore[arg-type]
            "",
            "backported",
            "vex-2",
            T0,
        ),
    ]
    with store.transaction() as tx:
        tx.put_organization(a)
        tx.put_system(s)
        tx.put_asset(x)
        tx.put_asset_packages(x.id, PKGS)
        tx.put_product(p)
        for record in (old, new, prod_sbom):
            tx.put_sbom(record)
        tx.put_sbom_packages(new.id, PKGS[1:])
        tx.put_deployment(dep)
        tx.put_vex(vex)
    assert store.get_product(p.id) == p
    assert store.list_products() == [p]
    assert store.get_sbom(new.id) == new
    assert store.list_sboms(subject=f"system:{s.id}") == [old, new]
    assert store.list_sboms(current=True) == [prod_sbom, new] or store.list_sboms(current=True) == [
        new,
        prod_sbom,
    ]
    assert store.list_sboms(org_id="nobody") == []
    assert store.list_sbom_packages(new.id) == sorted(PKGS[1:], key=lambda q: q.purl)
    assert store.list_sbom_packages(old.id) == []
    assert store.list_deployments(product_id=p.id) == [dep]
    assert store.list_deployments(system_id="other") == []
    assert sorted(v.id for v in store.list_vex(f"product:{p.id}")) == sorted(v.id for v in vex)
    assert [v.id for v in store.list_vex("system:other")] == [vex[1].id]
    assert store.assets_running(PKGS[0].purl) == [x.id]
    # openssl on Debian, Django (PEP 503 name) and @babel/traverse as advisories name them.
    assert store.assets_matching(["Debian:openssl"]) == [x.id]
    assert store.assets_matching(["PyPI:django", "npm:left-pad"]) == [x.id]
    assert store.assets_matching(["npm:left-pad"]) == []
    assert store.assets_matching([]) == []
    assert store.assets_running("pkg:pypi/nothing@1") == []
    # Demoting the old current SBOM is an upsert of the same id.
    with store.transaction() as tx:
        tx.put_sbom(replace(new, current=False))
    assert store.list_sboms(current=True) == [prod_sbom]
    c = store.counts()
    assert (c.sboms, c.products) == (3, 1)


def test_intel_and_feeds(store: Store) -> None:
    records = [
        IntelRecord.of(IntelSource.OSV, f"GHSA-{n:04d}", {"id": f"GHSA-{n:04d}", "n": n})
        for n in range(1203)
    ]
    kev = IntelRecord.of(IntelSource.KEV, "CVE-2024-1", {"dueDate": "2024-02-01"})
    empty = store.intel_stamp()
    with store.transaction() as tx:
        tx.put_intel([*records, kev])
    stamped = store.intel_stamp()
    assert stamped != empty
    with store.transaction() as tx:
        tx.put_organization(Organization.new("Not Intel", OrgKind.AGENCY, T0))
    assert store.intel_stamp() == stamped  # other writes leave the intelligence's views be
    with store.transaction() as tx:  # one record rewritten changes it again
        tx.put_intel([IntelRecord.of(IntelSource.KEV, "CVE-2024-1", {"dueDate": "2024-03-01"})])
    assert store.intel_stamp() not in (empty, stamped)
    with store.transaction() as tx:
        tx.put_intel([kev])
    assert store.get_intel(kev.id) == kev
    assert store.get_intel("osv:missing") is None
    assert store.intel_digests(IntelSource.KEV) == {kev.id: kev.digest}
    digests = store.intel_digests(IntelSource.OSV)
    assert len(digests) == 1203 and digests[records[7].id] == records[7].digest
    assert [r.id for r in store.iter_intel(IntelSource.OSV)] == sorted(r.id for r in records)
    wanted = [records[0].id, records[1202].id, "osv:missing", records[0].id]
    assert sorted(r.id for r in store.intel_by_ids(wanted)) == [records[0].id, records[1202].id]
    assert len(list(store.iter_all(INTEL_KIND))) == 1204
    # A richer query, paged by id past the first thousand, whatever its own limit says.
    either = AnyOf(((In("source", ("kev",)),), (In("id", (records[1200].id,)),)))
    query = Query(where=(either,), limit=1)
    assert [r.id for r in store.iter_query(INTEL_KIND, query)] == sorted([kev.id, records[1200].id])
    osv = Query({"source": "osv"}, older=("id", records[1001].id), limit=5)
    assert [r.id for r in store.iter_query(INTEL_KIND, osv)] == [r.id for r in records[:1001]]
    feed = FeedState(
        FeedState.key_id(IntelSource.KEV, "/srv/feeds/kev.json"),
        IntelSource.KEV,
        "/srv/feeds/kev.json",
        "etag-1",
        T0,
        1,
        1,
    )
    with store.transaction() as tx:
        tx.put_feed(feed)
        tx.put_feed(replace(feed, validator="etag-2"))
    assert store.get_feed(feed.id) == replace(feed, validator="etag-2")
    assert store.list_feeds() == [replace(feed, validator="etag-2")]
    assert store.counts().intel == 1204


def test_telemetry_and_batches(store: Store) -> None:
    tele = AssetTelemetry(
        "asset-1",
        "org-1",
        "sys-1",
        T0,
        "6.1.0-18-amd64",
        2,
        30,
        {"ports": [{"protocol": "tcp", "port": 22}], "checks": [{"id": "c1", "status": "fail"}]},
    )
    batches = [
        InventoryBatch(
            f"batch-{n}",
            "asset-1",
            "org-1",
            "endpoint",
            f"{n:064x}",
            300,
            n,
            0,
            T0 + timedelta(minutes=5 - n),
        )
        for n in range(3)
    ]
    with store.transaction() as tx:
        tx.put_telemetry(tele)
        for b in batches:
            tx.put_batch(b)
    assert store.get_telemetry("asset-1") == tele
    assert store.get_telemetry("asset-2") is None
    assert store.get_batch("batch-1") == batches[1]
    assert store.get_batch("nope") is None
    assert store.list_batches(asset_id="asset-1") == batches[::-1]
    assert store.list_batches(asset_id="asset-9") == []


def test_score_history(store: Store) -> None:
    def rec(subject: str, hours: int, points: float) -> ScoreRecord:
        at = T0 + timedelta(hours=hours)
        return ScoreRecord(
            ScoreRecord.key_id(subject, at),
            subject,
            "organization",
            "org-1",
            points,
            12.5,
            "2026.1",
            at,
            ("thin_coverage",),
            {"parts": [{"reason": "part", "points": points}]},
            {"asset_share": 0.5},
        )

    records = [
        rec("organization:org-1", 2, 30.0),
        rec("organization:org-1", 1, 20.0),
        rec("nation", 1, 20.0),
    ]
    with store.transaction() as tx:
        tx.put_scores(records)
    assert store.score_history("organization:org-1") == [records[1], records[0]]
    assert store.score_history("organization:none") == []
    # The latest at or before a time, each subject in one read; the boundary is inclusive.
    both = ["organization:org-1", "nation", "organization:none"]
    assert store.latest_scores(both, T0 + timedelta(hours=3)) == {
        "organization:org-1": records[0],
        "nation": records[2],
    }
    assert store.latest_scores(both, T0 + timedelta(hours=1)) == {
        "organization:org-1": records[1],
        "nation": records[2],
    }
    assert store.latest_scores(both, T0 + timedelta(minutes=59)) == {}
    assert store.latest_scores([], T0) == {}
    a = org("A")
    s1, s2 = system(a.id, "one"), system(a.id, "two")
    with store.transaction() as tx:
        tx.put_organization(a)
        tx.put_system(s1)
        tx.put_system(s2)
        tx.put_asset(asset(s1, "h1"))
    assert [s.id for s in store.iter_all_systems(a.id)] == sorted([s1.id, s2.id])
    assert [x.identifier for x in store.iter_all_assets(s1.id)] == ["h1"]
    assert list(store.iter_all_assets(s2.id)) == []


def test_scoring_state_changes_and_triage(store: Store) -> None:
    """States and triage items round-trip with their nested JSON; a change mark is written
    for every system a finding, telemetry or SBOM touches, and once per system."""
    a = org("A")
    s = system(a.id, "one")
    h = asset(s, "h1")
    with store.transaction() as tx:
        tx.put_organization(a)
        tx.put_system(s)
        tx.put_asset(h)
        tx.put_findings([finding(h, "CVE-2024-1", Severity.HIGH, FindingStatus.OPEN)])
        tx.mark_changed([(a.id, s.id), (a.id, ""), (a.id, s.id)], "test")
    marks = list(store.iter_all(SCORE_CHANGES))
    assert [(m.id, m.org_id) for m in marks] == [(s.id, a.id)]
    state = SystemScoreState(
        s.id,
        a.id,
        T0,
        T0,
        None,
        "2026.1",
        7.5,
        2,
        1,
        True,
        "token-1",
        ("overdue",),
    )
    shares = {"upgrade pkg:pypi/x": {"points": 7.5, "targets": 1, "kev_due": None}}
    docs = [
        ActionShares(f"system:{s.id}", a.id, "system", shares),
        ActionShares(f"organization:{a.id}", a.id, "organization", shares),
    ]
    item = TriageItem(
        TriageItem.key_id("upgrade pkg:pypi/x"),
        "upgrade pkg:pypi/x",
        "accepted_risk",
        "soc@example",
        ({"at": T0.isoformat(), "by": "a", "text": "vendor patch due"},),
        {"*": {"until": (T0 + timedelta(days=30)).isoformat(), "reason": "r", "by": "a"}},
        T0,
        T0,
    )
    with store.transaction() as tx:
        tx.put_score_states([state, replace(state, id="other", org_id="B", next_change=T0)])
        tx.put_triage(item)
        tx.put_action_shares(docs)
    assert list(store.iter_all(SCORE_STATES, org_id=a.id)) == [state]
    assert list(store.iter_all(ACTION_SHARES, org_id=a.id, level="organization")) == docs[1:]
    assert sorted(x.id for x in store.iter_all(SCORE_STATES)) == sorted(["other", s.id])
    assert list(store.iter_all(TRIAGE, key="upgrade pkg:pypi/x")) == [item]
    assert item.accepted_until(a.id, T0) == T0 + timedelta(days=30)
    assert item.accepted_until(a.id, T0 + timedelta(days=31)) is None


def test_sharing_records_and_rich_queries(store: Store) -> None:
    """Collections, statuses and STIX versions round-trip; `where` (In, AnyOf, list fields),
    `newer`, `order_by` and the (value, id) cursor mean the same on every backend."""
    c = TaxiiCollection("c1", "Feed", "d", "", ("o1", "o2"), ("o1",), "green", T0)
    ok, refused = ({"id": "x", "version": "v"},), ({"id": "y", "message": "bad"},)
    status = TaxiiStatus("s1", "c1", "o1", "complete", T0, 2, 1, 1, 0, ok, refused)

    def version(n: int, tlp: str, audience: tuple[str, ...], minutes: int) -> StixVersion:
        oid = f"indicator--{n}"
        return StixVersion(
            StixVersion.key_id("c1", oid, "v"), "c1", oid, "indicator", "2.1", "v",
            T0 + timedelta(minutes=minutes), tlp, "o1", audience, True, n % 2 == 0, False,
            {"id": oid, "n": n},
        )  # fmt: skip

    rows = [
        version(1, "green", (), 1),
        version(2, "amber", ("o2",), 2),
        version(3, "amber", ("o3",), 2),
        version(4, "red", (), 3),
    ]
    with store.transaction() as tx:
        tx.put_taxii_collection(c)
        tx.put_taxii_status(status)
        tx.put_stix_versions(rows)
    assert store.iter_all(TAXII_COLLECTIONS).__next__() == c == store.fetch(TAXII_COLLECTIONS, "c1")
    assert list(store.iter_all(TAXII_STATUSES, owner_org="o1")) == [status]

    def select(**kw: Any) -> list[int]:
        query = Query(equals={"collection_id": "c1"}, order_by="date_added", **kw)
        return [v.object["n"] for v in store.select(STIX_OBJECTS, query)]

    assert select() == [1, 2, 3, 4]  # by date_added, then id
    assert select(where=(In("audience", ("o2",)),)) == [2]  # any element of a list field
    visible = AnyOf(((In("tlp", ("green",)),), (In("tlp", ("amber",)), In("audience", ("o3",)))))
    assert select(where=(visible,)) == [1, 3]
    assert select(where=(In("last", (True,)),)) == [2, 4]
    assert select(
        newer=("date_added", (T0 + timedelta(minutes=1)).isoformat(timespec="milliseconds"))
    ) == [2, 3, 4]
    first = store.select(
        STIX_OBJECTS, Query(equals={"collection_id": "c1"}, order_by="date_added", limit=2)
    )
    cursor = (first[-1].date_added.isoformat(timespec="milliseconds"), first[-1].id)
    assert select(after=cursor) == [
        n for n in [1, 2, 3, 4] if n not in {v.object["n"] for v in first}
    ]
    reads: list[tuple[Kind[Any], Query]] = [
        (STIX_OBJECTS, Query(equals={"collection_id": "c1"}, order_by="date_added",
                             where=(visible,))),
        (TAXII_COLLECTIONS, Query(ids=("c1",), limit=1)),
        (TAXII_COLLECTIONS, Query(ids=("c9",), limit=1)),
    ]  # fmt: skip
    together = store.select_many(reads)  # in one round trip where the backend can
    assert together == [store.select(k, q) for k, q in reads] == [[rows[0], rows[2]], [c], []]
    feed = TaxiiFeed("f1", "o1", "https://isac.example/api1/collections/x/", "c1", "u", "p", "",
                     None, "", 0, "out")  # fmt: skip
    seen = Sighting("s1", "indicator--1", "o1", "sys-1", "a1", T0, T0, True)
    with store.transaction() as tx:
        tx.put_taxii_feed(feed)
        tx.put_sightings([seen, replace(seen, id="s2", active=False)])
    assert list(store.iter_all(TAXII_FEEDS)) == [feed]
    copied = replace(feed, id="f2", received=7)
    with store.transaction() as tx:  # as a migration copies it: every field as it is
        tx.put_copies(TAXII_FEEDS, [copied])
        with pytest.raises(StoreError, match="not copied as it is"):
            tx.put_copies(ORGANIZATIONS_KIND, [org("X")])
    assert store.fetch(TAXII_FEEDS, "f2") == copied
    assert list(store.iter_all(SIGHTINGS, system_id="sys-1", active=True)) == [seen]


def test_playbook_records_round_trip(store: Store) -> None:
    event = Event(Event.key_id("kev_finding", "f1"), "kev_finding", "finding:f1", "org-1", T0,
                  {"vuln_id": "CVE-1", "due_in_days": 3, "nested": {"a": [1, 2]}})  # fmt: skip
    run = ActionRun(ActionRun.key_id(event.id, "pb", 0), "pb", event.id, "triage", "done", T0,
                    {"item": "x"})  # fmt: skip
    with store.transaction() as tx:
        tx.put_events([event, replace(event, id="other", status="done")])
        tx.put_action_runs([run])
        tx.put_asset_tags(AssetTags("asset-1", "org-1", ("kev-exposed", "ioc-sighted")))
        tx.put_event_cursor(EventCursor("score", "2026-01-02T03:04:05.678+00:00"))
    assert store.fetch(EVENTS, event.id) == event
    assert [e.id for e in store.iter_all(EVENTS, status="pending")] == [event.id]
    assert store.fetch(ACTION_RUNS, run.id) == run
    tags = store.fetch(ASSET_TAGS, "asset-1")
    assert tags is not None and tags.tags == ("kev-exposed", "ioc-sighted")
    cursor = store.fetch(EVENT_CURSORS, "score")
    assert cursor is not None and cursor.position.startswith("2026-01-02T03:04:05.678")
    later = T0 + timedelta(minutes=1)
    with store.transaction() as tx:
        tx.put_action_runs([replace(run, id="r2", at=later, playbook="other")])
    since = Query(newer=("at", T0.isoformat(timespec="milliseconds")))
    assert store.count_by(ACTION_RUNS, "playbook", since) == {"other": 1}


def test_findings_carry_their_origin(store: Store) -> None:
    a = org("A")
    s = system(a.id, "one")
    base = Finding(
        Finding.key_id(f"system:{s.id}", PKGS[1].purl, "CVE-2024-9"),
        a.id,
        s.id,
        "",
        PKGS[1].purl,
        "CVE-2024-9",
        Severity.UNKNOWN,
        None,
        True,
        None,
        FindingStatus.SUPPRESSED,
        T0,
        T0,
        None,
        sbom_id="sbom-1",
        product_id="prod-1",
        aliases=("GHSA-1", "PYSEC-2"),
        summary="s",
        kev_due="2024-03-01",
        vex="not_affected",
        justification="component_not_present",
        fixed_in=("4.2.8",),
    )
    with store.transaction() as tx:
        tx.put_findings([base])
    assert store.get_finding(base.id) == base
    assert store.list_findings(system_id=s.id, asset_id="", product_id="prod-1") == [base]
    assert store.list_findings(system_id=s.id, product_id="") == []
    assert base.subject == f"system:{s.id}"


def test_counts(store: Store) -> None:
    a = org("A")
    s = system(a.id, "one")
    x = asset(s, "h1")
    with store.transaction() as tx:
        tx.put_organization(a)
        tx.put_system(s)
        tx.put_asset(x)
        tx.put_asset_packages(x.id, PKGS)
        tx.put_token(token(a.id, 1))
        tx.append_audit(draft(1))
        tx.put_findings([finding(x, "CVE-2024-1", Severity.LOW, FindingStatus.OPEN)])
    c = store.counts()
    assert (
        c.organizations,
        c.systems,
        c.assets,
        c.packages,
        c.tokens,
        c.audit_entries,
        c.findings,
    ) == (1, 1, 1, 3, 1, 1, 1)
    # One kind counted, all of it or what a query selects (a backup's manifest counts so).
    assert store.count(ORGANIZATIONS_KIND) == 1
    assert store.count(FINDINGS, Query(equals={"severity": "low"})) == 1
    assert store.count(FINDINGS, Query(equals={"severity": "high"})) == 0


def test_close_then_reuse_reopens(store: Store) -> None:
    with store.transaction() as tx:
        tx.put_organization(org("A"))
    store.close()
    assert store.get_organization(org("A").id) == org("A")


def test_this_module_exercises_every_store_operation() -> None:
    """A new store operation without a contract test here fails the build."""
    source = Path(__file__).read_text(encoding="utf-8")
    operations = {
        name
        for cls in (Store, Transaction)
        for name, _ in inspect.getmembers(cls, inspect.isfunction)
        if not name.startswith("_")
    }
    # The private primitives (_fetch, _select, _audit_head, _insert_audit) are exercised
    # through the public operations built on them.
    missing = {op for op in operations if f".{op}(" not in source}
    assert not missing, f"store operations without a contract test: {sorted(missing)}"
    assert len(operations) > 20


def test_web_sessions_round_trip_and_end(store: Store) -> None:
    """A dashboard sign-in is kept in the store, so that logging out ends it for every
    worker and host (issue 17, item 12)."""
    started = WebSession("sid-1", "token-1", T0)
    with store.transaction() as tx:
        tx.put_web_session(started)
    assert store.fetch(WEB_SESSIONS, "sid-1") == started and started.active
    ended = replace(started, ended_at=T0 + timedelta(microseconds=1500))
    with store.transaction() as tx:
        tx.put_web_session(ended)
    got = store.fetch(WEB_SESSIONS, "sid-1")
    assert got == ended and got is not None and not got.active
    assert store.fetch(WEB_SESSIONS, "") is None  # an empty id is no session, on any store


def test_people_and_mappings_round_trip(store: Store) -> None:
    """A person signed in through the identity provider, the mapping that placed them, and
    a session naming the person with its ID token, exactly as written, on both stores."""
    person = Person(
        Person.key_id("https://idp.example", "sub-1"),
        "https://idp.example",
        "sub-1",
        "Hanako Sato",
        "hanako@example.go.jp",
        "org-1",
        Role.SOC_ANALYST,
        ("soc-analysts", "staff"),
        T0,
        T0 + timedelta(hours=1),
    )
    mapping = IdpMapping(
        IdpMapping.key_id("soc-analysts"), "soc-analysts", "org-1", Role.SOC_ANALYST, T0
    )
    signed = WebSession("sid-2", "", T0, person_id=person.id, id_token="eyJ.header.sig")
    with store.transaction() as tx:
        tx.put_person(person)
        tx.put_idp_mapping(mapping)
        tx.put_web_session(signed)
    assert store.fetch(PERSONS, person.id) == person
    assert store.fetch(IDP_MAPPINGS, mapping.id) == mapping
    assert store.fetch(WEB_SESSIONS, "sid-2") == signed
    disabled = replace(person, disabled_at=T0 + timedelta(days=1))
    with store.transaction() as tx:
        tx.put_person(disabled)
    got = store.fetch(PERSONS, person.id)
    assert got == disabled and got is not None and not got.active


def test_incidents_round_trip_and_meet_by_shared_lists(store: Store) -> None:
    """An incident exactly as written, and found by any one element of its observables or
    techniques (how correlation finds the incidents sharing one), on both stores."""
    base = Incident(
        "incident--00000000-0000-4000-8000-000000000001", "org-1", "Beaconing", "text",
        IncidentState.NEW.value, "high", "amber", T0, T0 + timedelta(hours=2), T0, T0,
        "token:a", "", ("asset-1",), ("sys-1",),
        ("domain-name:value=c2.example", "ipv4-addr:value=203.0.113.7"), ("T1071.001",),
        ("CVE-2024-3400",), "digest-1", ({"type": "incident", "id": "incident--x"},),
    )  # fmt: skip
    other = replace(base, id="incident--00000000-0000-4000-8000-000000000002",
                    org_id="org-2", observables=("ipv4-addr:value=203.0.113.7",),
                    techniques=("T1566.001",))  # fmt: skip
    with store.transaction() as tx:
        tx.put_incident(base)
        tx.put_incident(other)
    assert store.fetch(INCIDENTS, base.id) == base

    def found(field: str, *values: str) -> set[str]:
        query = Query(where=(In(field, values),), limit=10)
        return {i.id for i in store.select(INCIDENTS, query)}

    assert found("observables", "ipv4-addr:value=203.0.113.7") == {base.id, other.id}
    assert found("observables", "domain-name:value=c2.example") == {base.id}
    assert found("techniques", "T1566.001", "T1190") == {other.id}
    assert found("vulnerabilities", "CVE-2024-3400") == {base.id, other.id}
    assert store.count(INCIDENTS, Query(equals={"org_id": "org-2"})) == 1
