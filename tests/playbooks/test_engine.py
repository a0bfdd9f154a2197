"""The engine on both stores: events queue once, actions run once (their idempotency key),
rate limits defer without losing, failures retry and then give up visibly, dry runs change
nothing, and every action is in the audit log."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from stix2validator import ValidationOptions, validate_instance

from hub.core.auth import Principal
from hub.core.model import Role, utcnow
from hub.core.records.events import Event, EventStatus
from hub.core.records.intel import IntelSource
from hub.core.records.scores import ScoreRecord
from hub.core.records.sharing import Sighting, TaxiiFeed
from hub.core.records.triage import TriageItem
from hub.core.settings import Settings
from hub.core.store import Store
from hub.core.store.interface import ACTION_RUNS, ASSET_TAGS, EVENTS, STIX_OBJECTS, TRIAGE, Query
from hub.intelligence.feeds import register as register_feed
from hub.intelligence.feeds import sync_feed
from hub.intelligence.sources import FeedError
from hub.risk.scoring.actions import finding_action
from hub.risk.triage import TriageDesk
from hub.sharing.desk import SharingDesk
from hub.sharing.incidents.desk import IncidentDesk
from hub.sharing.incidents.schema import IncidentForm
from playbooks.definition import BUILTIN, load_file, parse
from playbooks.engine import MAX_ATTEMPTS, Engine
from tests.conftest import World
from tests.scoring.test_continuous import put, score, vuln

KEV_TRIAGE = """\
name: kev-triage
trigger: kev_finding
when: {due_in_days: {lte: 30}}
actions:
  - triage: {status: in_progress, comment: "${vuln_id} due ${kev_due} (${playbook})"}
  - tag: {tag: kev-exposed}
"""
ROOT = Principal.operator("tests")


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def engine(store: Store, settings: Settings, *texts: str, clock: Clock | None = None) -> Engine:
    books = [parse(t, f"t{n}.yaml") for n, t in enumerate(texts)]
    return Engine(store, settings, books, clock=clock or utcnow, sleep=lambda _: None)


def kev(world: World, n: int, due_in: int, t0: datetime) -> tuple[str, str]:
    """A KEV finding due in `due_in` days; (finding id, triage key)."""
    purl = f"pkg:pypi/pkg{n}@1.0"
    due = (date.today() + timedelta(days=due_in)).isoformat()
    f = vuln(world, world.system_a, world.asset_a, world.agency_a, f"CVE-2026-{n:04d}", t0,
             purl=purl, fixed_in=("1.1",), kev_due=due)  # fmt: skip
    put(world.store, f)
    return f.id, finding_action(purl, f.vuln_id, f.fixed_in)[0]


def playbook_audit(store: Store) -> list[str]:
    return [e.action for e in store.iter_audit() if e.actor.startswith("playbook:")]


def test_kev_findings_open_triage_items_once(world: World, settings: Settings) -> None:
    t0 = utcnow()
    _, soon = kev(world, 1, 10, t0)
    _, later = kev(world, 2, 60, t0)
    put(world.store, vuln(world, world.system_a, world.asset_a, world.agency_a, "CVE-9", t0))
    run = engine(world.store, settings, KEV_TRIAGE).run_once("t")
    assert (run.queued, run.handled, run.done, run.failed) == (2, 2, 2, [])
    item = world.store.fetch(TRIAGE, TriageItem.key_id(soon))
    assert item is not None and item.status == "in_progress"
    [note] = item.comments
    assert note["by"] == "playbook:kev-triage"
    assert note["text"].startswith("CVE-2026-0001 due ") and note["text"].endswith("(kev-triage)")
    assert world.store.fetch(TRIAGE, TriageItem.key_id(later)) is None  # due in 60: no
    tags = world.store.fetch(ASSET_TAGS, world.asset_a)
    assert tags is not None and tags.tags == ("kev-exposed",)
    assert playbook_audit(world.store) == ["playbook.triage", "playbook.tag"]
    [summary] = [e for e in world.store.iter_audit() if e.action == "playbooks.run"]
    assert (summary.detail["queued"], summary.detail["done"]) == (2, 2)
    events = list(world.store.iter_all(EVENTS))
    assert {e.status for e in events} == {EventStatus.DONE.value} and len(events) == 2

    head = world.store.audit_head()
    again = engine(world.store, settings, KEV_TRIAGE).run_once("t")
    assert (again.queued, again.handled, again.done) == (0, 0, 0)
    assert world.store.audit_head() == head  # nothing new, nothing written


def test_an_event_left_pending_is_not_acted_on_twice(world: World, settings: Settings) -> None:
    """What a crash between an action and its event's update leaves: the action's record
    says it was done, so the next run does only what is left."""
    t0 = utcnow()
    _, soon = kev(world, 1, 10, t0)
    first = engine(world.store, settings, KEV_TRIAGE).run_once("t")
    assert first.done == 2
    [event] = world.store.iter_all(EVENTS)
    with world.store.transaction() as tx:
        tx.put_events([replace(event, status=EventStatus.PENDING.value)])
    retry = engine(world.store, settings, KEV_TRIAGE).run_once("t")
    assert (retry.done, retry.repeated) == (0, 2)
    item = world.store.fetch(TRIAGE, TriageItem.key_id(soon))
    assert item is not None and len(item.comments) == 1
    assert len(list(world.store.iter_all(ACTION_RUNS))) == 2


def test_people_decide_over_playbooks(world: World, settings: Settings) -> None:
    _, key = kev(world, 1, 5, utcnow())
    decided = TriageItem(TriageItem.key_id(key), key, "done", "alice", (), {}, utcnow(), utcnow())
    with world.store.transaction() as tx:
        tx.put_triage(decided)
    engine(world.store, settings, KEV_TRIAGE).run_once("t")
    item = world.store.fetch(TRIAGE, decided.id)
    assert item is not None and (item.status, item.owner) == ("done", "alice")
    assert len(item.comments) == 1  # the playbook still says what it saw


def test_rate_limits_defer_and_lose_nothing(world: World, settings: Settings) -> None:
    t0 = utcnow()
    keys = [kev(world, n, 3, t0)[1] for n in range(3)]
    one_an_hour = KEV_TRIAGE.replace(
        "actions:", "rate_limit: {max: 1, per_seconds: 3600}\nactions:"
    )
    one_an_hour = one_an_hour.replace("  - tag: {tag: kev-exposed}\n", "")
    clock = Clock(t0)
    first = engine(world.store, settings, one_an_hour, clock=clock).run_once("t")
    assert (first.done, first.deferred) == (1, 2)
    pending = world.store.select(EVENTS, Query({"status": "pending"}))
    assert len(pending) == 2
    assert engine(world.store, settings, one_an_hour, clock=clock).run_once("t").done == 0
    for hours in (1, 2):
        clock.now = t0 + timedelta(hours=hours, seconds=1)
        assert engine(world.store, settings, one_an_hour, clock=clock).run_once("t").done == 1
    items = [world.store.fetch(TRIAGE, TriageItem.key_id(k)) for k in keys]
    assert None not in items
    assert {e.status for e in world.store.iter_all(EVENTS)} == {"done"}


def test_a_failing_action_is_retried_then_given_up(
    world: World, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CRSA_WEBHOOK_SECRET", "s3cret")
    failing = KEV_TRIAGE.replace(
        "  - tag: {tag: kev-exposed}\n",
        "  - webhook: {url: 'http://127.0.0.1:9/closed', retries: 1, timeout: 2}\n",
    )
    _, key = kev(world, 1, 3, utcnow())
    run = engine(world.store, settings, failing).run_once("t")
    assert run.done == 1 and len(run.failed) == 1 and "webhook" in run.failed[0]
    [event] = world.store.iter_all(EVENTS)
    assert (event.status, event.attempts) == ("pending", 1) and "127.0.0.1:9" in event.error
    for _ in range(MAX_ATTEMPTS - 1):
        again = engine(world.store, settings, failing).run_once("t")
        assert again.done == 0 and again.repeated == 1  # the triage action is not redone
    [event] = world.store.iter_all(EVENTS)
    assert (event.status, event.attempts) == ("failed", MAX_ATTEMPTS)
    item = world.store.fetch(TRIAGE, TriageItem.key_id(key))
    assert item is not None and len(item.comments) == 1
    assert engine(world.store, settings, failing).run_once("t").handled == 0  # given up


def test_a_dry_run_changes_nothing(world: World, settings: Settings) -> None:
    kev(world, 1, 3, utcnow())
    counts, head = world.snapshot()
    run = engine(world.store, settings, KEV_TRIAGE).run_once("t", dry_run=True)
    assert [p.action for p in run.planned] == ["triage", "tag"]
    assert "kev-exposed" in run.planned[1].what
    assert world.snapshot() == (counts, head)
    assert list(world.store.iter_all(EVENTS)) == []


def test_sightings_are_investigated_tagged_and_shared(world: World, tmp_path: Path) -> None:
    desk = SharingDesk(world.store)
    inbound = desk.add_collection(ROOT, "ISAC", "t", readers=[world.partner],
                                  writers=[world.partner])  # fmt: skip
    outbound = desk.add_collection(ROOT, "Hub sightings", "t", readers=[world.partner])
    indicator = {
        "type": "indicator", "spec_version": "2.1",
        "id": "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
        "created": "2026-01-01T00:00:00.000Z", "modified": "2026-01-01T00:00:00.000Z",
        "name": "C2 server", "pattern": "[ipv4-addr:value = '203.0.113.7']",
        "pattern_type": "stix", "valid_from": "2026-01-01T00:00:00Z",
    }  # fmt: skip
    assert desk.keep(inbound, [indicator], world.partner, "t", "t").success_count == 1
    t0 = utcnow()
    seen = Sighting("sighting-1", indicator["id"], world.agency_a, world.system_a,
                    world.asset_a, t0, t0, True)  # fmt: skip
    with world.store.transaction() as tx:
        tx.put_sightings([seen])
    settings = Settings(home=tmp_path, share_collection=outbound.id)
    book = load_file(BUILTIN / "sighting-investigate.yaml")
    run = Engine(world.store, settings, [book]).run_once("t")
    assert (run.done, run.failed) == (3, [])

    [row] = [r for r in TriageDesk(world.store).queue(ROOT) if r["kind"] == "sighting"]
    assert row["title"].startswith(f"investigate C2 server ({indicator['id']})")
    assert row["assets"] == 1 and world.asset_a in row["comments"][0]["text"]
    assert row["org_ids"] == [world.agency_a] and row["playbook"] == "sighting-investigate"
    agency_b = Principal("b", Role.AGENCY_SUBMITTER, world.agency_b)
    assert not [r for r in TriageDesk(world.store).queue(agency_b) if r["kind"] == "sighting"]
    tags = world.store.fetch(ASSET_TAGS, world.asset_a)
    assert tags is not None and tags.tags == ("ioc-sighted",)
    shared = world.store.select(STIX_OBJECTS, Query({"collection_id": outbound.id}))
    sighting = next(v for v in shared if v.type == "sighting")
    assert sighting.tlp == "amber" and sighting.object["sighting_of_ref"] == indicator["id"]
    for v in shared:
        assert validate_instance(v.object, ValidationOptions(version="2.1")).is_valid
    assert "Agency A" not in str([v.object for v in shared])  # agencies stay unnamed


def test_scores_missing_sboms_and_failing_feeds_open_items(
    world: World, settings: Settings
) -> None:
    t0 = utcnow()

    def org_score(grade: float, at: datetime, band: str) -> ScoreRecord:
        subject = f"organization:{world.agency_a}"
        return ScoreRecord(ScoreRecord.key_id(subject, at), subject, "organization",
                           world.agency_a, grade, grade, "p", at, (), {}, {}, grade,
                           band)  # fmt: skip

    feed = TaxiiFeed("feed-1", world.partner, "http://127.0.0.1:9/taxii2/", "c", "u", "p", "",
                     None, "connection refused", 0)  # fmt: skip
    with world.store.transaction() as tx:
        tx.put_scores([org_score(20.0, t0 - timedelta(hours=1), "B"), org_score(35.0, t0, "B")])
        tx.put_taxii_feed(feed)
    books = [
        load_file(BUILTIN / f"{n}.yaml") for n in ("grade-worsened", "sbom-overdue", "feed-failed")
    ]
    clock = Clock(t0 + timedelta(days=91))  # the world's systems have had no SBOM since t0
    run = Engine(world.store, settings, books, clock=clock).run_once("t")
    assert run.failed == []
    rows = {r["kind"]: r for r in TriageDesk(world.store).queue(ROOT) if r.get("playbook")}
    assert set(rows) == {"score", "sbom_missing", "feed_failed"}
    assert rows["feed_failed"]["title"].endswith("connection refused")
    assert "risk index 20.0 (band B) -> 35.0 (band B)" in rows["score"]["comments"][0]["text"]
    sbom_rows = [r for r in TriageDesk(world.store).queue(ROOT) if r["kind"] == "sbom_missing"]
    assert len(sbom_rows) == 2  # both systems
    # The first score of a subject (no previous grade) is no change: only the second counts.
    score_events = [e for e in world.store.iter_all(EVENTS) if e.trigger == "score"]
    assert len(score_events) == 2
    again = Engine(world.store, settings, books, clock=clock).run_once("t")
    assert (again.queued, again.done) == (0, 0)


def test_events_queue_once_whatever_a_source_sees(world: World) -> None:
    from playbooks.events.outbox import enqueue

    t0 = utcnow()
    e = Event(Event.key_id("kev_finding", "x"), "kev_finding", "finding:x", "o", t0, {"a": 1})
    assert len(enqueue(world.store, [e, e], t0)) == 1
    done = replace(e, status="done")
    with world.store.transaction() as tx:
        tx.put_events([done])
    assert enqueue(world.store, [e], t0) == []  # seen again: still done, not reset
    assert world.store.fetch(EVENTS, e.id) == done


def test_a_new_playbook_backfills_only_when_it_asks(world: World, settings: Settings) -> None:
    t0 = utcnow()
    kev(world, 1, 3, t0)
    kev(world, 2, 3, t0)
    assert engine(world.store, settings, KEV_TRIAGE).run_once("t").done == 4
    quiet = "name: kev-quiet\ntrigger: kev_finding\nactions:\n  - tag: {tag: quiet}\n"
    later = engine(world.store, settings, KEV_TRIAGE, quiet).run_once("t")
    assert (later.handled, later.done) == (0, 0)  # acts on new events only
    eager = quiet.replace("kev-quiet", "kev-eager").replace("quiet}", "eager}")
    eager += "backfill: true\n"
    back = engine(world.store, settings, KEV_TRIAGE, quiet, eager).run_once("t")
    assert (back.handled, back.done, back.repeated) == (2, 2, 0)  # only the new one acts
    tags = world.store.fetch(ASSET_TAGS, world.asset_a)
    assert tags is not None and tags.tags == ("eager", "kev-exposed")
    assert engine(world.store, settings, KEV_TRIAGE, quiet, eager).run_once("t").handled == 0


def test_a_failing_intelligence_feed_is_recorded_and_opens_one_item(
    world: World, settings: Settings, tmp_path: Path
) -> None:
    """A KEV catalog that can no longer be read: the sync fails with the reason kept on
    the feed and in the audit log, `feed-failed` opens one item for it (not one per
    retry), and the next good sync clears the error."""
    catalog = tmp_path / "kev.json"
    entry = {"cveID": "CVE-2026-0001", "dateAdded": "2026-01-01", "dueDate": "2026-01-22"}
    catalog.write_text(json.dumps({"vulnerabilities": [entry]}))
    feed = register_feed(world.store, IntelSource.KEV, str(catalog), "t", "tests")
    assert sync_feed(world.store, feed, "t").written == 1
    catalog.write_text("<html>maintenance</html>")
    for _ in range(2):  # the watcher retries; the failure is the same one
        with pytest.raises(FeedError, match="not JSON"):
            sync_feed(world.store, world.store.get_feed(feed.id) or feed, "t")
    failed = world.store.get_feed(feed.id)
    assert failed is not None and "not JSON" in failed.last_error and failed.failed_at
    assert any(e.action == "feed.failed" for e in world.store.iter_audit())

    books = [load_file(BUILTIN / "feed-failed.yaml")]
    assert Engine(world.store, settings, books).run_once("t").done == 1
    assert Engine(world.store, settings, books).run_once("t").queued == 0
    [row] = [r for r in TriageDesk(world.store).queue(ROOT) if r["kind"] == "feed_failed"]
    assert row["title"].startswith(f"repair intel feed {catalog}: kev.json: the KEV catalog")
    assert "intel feed" in row["comments"][0]["text"] and row["org_ids"] == []

    catalog.write_text(json.dumps({"vulnerabilities": [entry]}))
    healed = sync_feed(world.store, failed, "t").feed
    assert (healed.last_error, healed.failed_at) == ("", None)
    assert world.store.get_feed(feed.id) == healed


def test_a_remark_repeated_for_every_host_is_one_comment_with_a_count(
    world: World, settings: Settings
) -> None:
    """The demo's top action carried the playbook's same comment once per host (284 times):
    one KEV flaw on two hosts is two events and one remark, counted."""
    t0 = utcnow()
    due = (date.today() + timedelta(days=5)).isoformat()
    found = [
        vuln(world, system, asset, org, "CVE-2026-0042", t0, purl="pkg:pypi/pkg@1.0",
             fixed_in=("1.1",), kev_due=due)
        for system, asset, org in (
            (world.system_a, world.asset_a, world.agency_a),
            (world.system_b, world.asset_b, world.agency_b),
        )
    ]  # fmt: skip
    put(world.store, *found)
    run = engine(world.store, settings, KEV_TRIAGE).run_once("t")
    assert run.failed == [] and run.handled == 2
    key = finding_action("pkg:pypi/pkg@1.0", "CVE-2026-0042", ("1.1",))[0]
    item = world.store.fetch(TRIAGE, TriageItem.key_id(key))
    assert item is not None
    [note] = item.comments
    assert note["count"] == 2 and note["text"].startswith("CVE-2026-0042 due ")
    assert note["first_at"] <= note["at"]

    # Items stored before remarks were counted read the same way.
    doubled = replace(item, comments=({**note, "count": 1}, {**note, "count": 1}))
    with world.store.transaction() as tx:
        tx.put_triage(doubled)
    score(world.store, t0, full=True)
    [row] = [r for r in TriageDesk(world.store).queue(ROOT) if r["key"] == key]
    [shown] = row["comments"]
    assert shown["count"] == 2 and shown["text"] == note["text"]


def test_a_reported_incident_is_shared_sanitised_by_a_playbook(
    world: World, tmp_path: Path
) -> None:
    """Issue 23, item 5: a playbook on the `incident` trigger shares a high-severity
    incident as a sanitised report under the stricter of its TLP and the incident's, once;
    a closed or RED incident is not shared."""
    outbound = SharingDesk(world.store).add_collection(ROOT, "Hub shares", "t",
                                                      readers=[world.partner])  # fmt: skip
    reporter = Principal("a", Role.AGENCY_SUBMITTER, world.agency_a)
    base = {"first_activity": "2026-11-28T09:00:00Z", "tlp": "amber",
            "description": "Found on Agency A's mail server."}  # fmt: skip
    desk = IncidentDesk(world.store)
    high, _ = desk.report(reporter, IncidentForm.model_validate({
        **base, "title": "Beaconing", "severity": "high",
        "observables": [{"type": "ipv4-addr", "value": "203.0.113.7"},
                        {"type": "ipv4-addr", "value": "10.1.2.3"}]}), "t")  # fmt: skip
    low, _ = desk.report(reporter, IncidentForm.model_validate({
        **base, "title": "Scan", "severity": "low",
        "observables": [{"type": "ipv4-addr", "value": "198.51.100.9"}]}), "t")  # fmt: skip
    red, _ = desk.report(reporter, IncidentForm.model_validate({
        **base, "title": "Insider", "severity": "critical", "tlp": "red",
        "observables": [{"type": "ipv4-addr", "value": "198.51.100.10"}]}), "t")  # fmt: skip
    book = """
name: share-incidents
trigger: incident
when: {severity: {in: [high, critical]}}
actions:
  - share: {tlp: green}
"""
    settings = Settings(home=tmp_path, share_collection=outbound.id)
    run = engine(world.store, settings, book).run_once("t")
    assert run.failed == []
    shared = world.store.select(STIX_OBJECTS, Query({"collection_id": outbound.id}, limit=100))
    reports = [v for v in shared if v.type == "report"]
    assert len(reports) == 1  # the high one; the low one fails the condition, RED stays home
    assert reports[0].tlp == "amber"  # the incident's AMBER, stricter than the step's GREEN
    text = json.dumps([v.object for v in shared])
    assert "203.0.113.7" in text and "10.1.2.3" not in text and "Agency A" not in text
    for v in shared:
        assert validate_instance(v.object, ValidationOptions(version="2.1")).is_valid
    runs = {r.event_id: r for r in world.store.iter_all(ACTION_RUNS)}
    skipped = [r for r in runs.values() if "skipped" in r.detail]
    assert len(skipped) == 1 and "RED" in skipped[0].detail["skipped"]
    again = engine(world.store, settings, book).run_once("t")
    assert again.done == 0  # one event per incident: shared once
    assert low.id not in text and high.id not in text
    assert red.state == "new"
