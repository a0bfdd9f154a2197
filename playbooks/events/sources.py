"""Event sources: each reads one part of the store and says what happened there.

One small interface, one implementation per trigger, the way collectors are built: the
engine asks the sources its playbooks listen to, and never needs to know how a finding
differs from a feed. Sources only read; queueing is the outbox's.
"""

from __future__ import annotations

import abc
from collections.abc import Iterator, Sequence
from datetime import date, datetime, timedelta
from typing import Any, ClassVar

from hub.core.model import FindingStatus
from hub.core.records.events import Event, EventCursor
from hub.core.store import Store
from hub.core.store.codec import encode_time
from hub.core.store.interface import (
    EVENT_CURSORS,
    FEEDS,
    FINDINGS,
    INCIDENTS,
    SCORES,
    SIGHTINGS,
    STIX_OBJECTS,
    TAXII_FEEDS,
    In,
    Query,
)
from hub.risk.scoring.actions import finding_action

Params = Sequence[dict[str, Any]]


class EventSource(abc.ABC):
    """What one trigger listens to. `fields` names what conditions and templates may read,
    so a playbook naming another field is refused when it is loaded, not when it runs."""

    trigger: ClassVar[str]
    fields: ClassVar[frozenset[str]]
    # Parameters a playbook's trigger may set (name -> type), e.g. sbom_missing's days.
    params: ClassVar[dict[str, type]] = {}

    @abc.abstractmethod
    def scan(
        self, store: Store, now: datetime, params: Sequence[dict[str, Any]]
    ) -> Iterator[Event]:
        """Everything this source sees now, as events (`params`: each listening playbook's
        trigger parameters). The same happening gives the same event id every time."""

    def advance(self, store: Store, events: Sequence[Event]) -> EventCursor | None:
        """Where the next scan starts, once `events` are safely queued (None: rescans)."""
        return None


_COMMON = frozenset({"trigger", "subject", "org_id", "at"})


class KevFindings(EventSource):
    """An open finding on a vulnerability CISA lists as exploited (KEV)."""

    trigger = "kev_finding"
    fields = _COMMON | {
        "finding_id", "vuln_id", "severity", "cvss", "epss", "kev_due", "due_in_days",
        "purl", "system_id", "asset_id", "action_key", "summary",
    }  # fmt: skip

    def scan(
        self, store: Store, now: datetime, params: Sequence[dict[str, Any]]
    ) -> Iterator[Event]:
        query = Query({"status": FindingStatus.OPEN.value, "kev": True})
        for f in store.iter_query(FINDINGS, query):
            due = None if not f.kev_due else (date.fromisoformat(f.kev_due[:10]) - now.date()).days
            yield Event(
                Event.key_id(self.trigger, f.id),
                self.trigger,
                f"finding:{f.id}",
                f.org_id,
                f.first_seen,
                {
                    "finding_id": f.id,
                    "vuln_id": f.vuln_id,
                    "severity": f.severity.value,
                    "cvss": f.cvss,
                    "epss": f.epss,
                    "kev_due": f.kev_due or "",
                    "due_in_days": due,
                    "purl": f.purl,
                    "system_id": f.system_id,
                    "asset_id": f.asset_id,
                    "action_key": finding_action(f.purl, f.vuln_id, f.fixed_in)[0],
                    "summary": f.summary,
                },
            )


class ScoreRecords(EventSource):
    """A new score of an agency or a system, beside the one before it: conditions decide
    what matters (over a threshold, a worse grade)."""

    trigger = "score"
    fields = _COMMON | {
        "kind", "points", "grade", "band", "flags", "previous_points", "previous_grade",
        "previous_band", "points_change", "grade_change",
    }  # fmt: skip
    _KINDS = ("organization", "system")

    def scan(
        self, store: Store, now: datetime, params: Sequence[dict[str, Any]]
    ) -> Iterator[Event]:
        cursor = store.fetch(EVENT_CURSORS, self.trigger)
        query = Query(
            where=(In("kind", self._KINDS),),
            newer=None if cursor is None else ("computed_at", cursor.position),
            order_by="computed_at",
            limit=1000,
        )
        while True:
            page = store.select(SCORES, query)
            if not page:
                return
            # Each record's predecessor: the latest before the page (one read), then the
            # page itself, which comes in time order.
            latest = store.latest_scores(
                sorted({r.subject for r in page}), page[0].computed_at - timedelta(milliseconds=1)
            )
            for r in page:
                before = latest.get(r.subject)
                latest[r.subject] = r
                yield Event(
                    Event.key_id(self.trigger, r.id),
                    self.trigger,
                    r.subject,
                    r.org_id,
                    r.computed_at,
                    {
                        "kind": r.kind,
                        "points": round(r.points, 1),
                        "grade": round(r.grade, 1),
                        "band": r.band,
                        "flags": list(r.flags),
                        "previous_points": round(before.points, 1) if before else None,
                        "previous_grade": round(before.grade, 1) if before else None,
                        "previous_band": before.band if before else None,
                        "points_change": round(r.points - (before.points if before else 0.0), 1),
                        "grade_change": round(r.grade - (before.grade if before else 0.0), 1),
                    },
                )
            if len(page) < query.limit:
                return
            last = page[-1]
            query = Query(
                where=query.where,
                newer=query.newer,
                order_by="computed_at",
                after=(encode_time(last.computed_at), last.id),
                limit=query.limit,
            )

    def advance(self, store: Store, events: Sequence[Event]) -> EventCursor | None:
        if not events:
            return None
        newest = max(e.at for e in events)
        return EventCursor(self.trigger, encode_time(newest))


class Sightings(EventSource):
    """A partner indicator seen on an agency host."""

    trigger = "sighting"
    fields = _COMMON | {
        "sighting_id", "indicator_id", "indicator_name", "pattern", "tlp", "system_id",
        "asset_id", "first_seen", "last_seen",
    }  # fmt: skip

    def scan(
        self, store: Store, now: datetime, params: Sequence[dict[str, Any]]
    ) -> Iterator[Event]:
        indicators: dict[str, dict[str, Any]] = {}
        for s in store.iter_all(SIGHTINGS, active=True):
            if s.indicator_id not in indicators:
                rows = store.select(
                    STIX_OBJECTS, Query({"object_id": s.indicator_id, "last": True}, limit=1)
                )
                obj = rows[0].object if rows else {}
                indicators[s.indicator_id] = {
                    "indicator_name": obj.get("name", ""),
                    "pattern": obj.get("pattern", ""),
                    "tlp": rows[0].tlp if rows else "",
                }
            yield Event(
                Event.key_id(self.trigger, s.id),
                self.trigger,
                f"asset:{s.asset_id}",
                s.org_id,
                s.first_seen,
                {
                    "sighting_id": s.id,
                    "indicator_id": s.indicator_id,
                    **indicators[s.indicator_id],
                    "system_id": s.system_id,
                    "asset_id": s.asset_id,
                    "first_seen": s.first_seen.isoformat(),
                    "last_seen": s.last_seen.isoformat(),
                },
            )


class SbomMissing(EventSource):
    """A system whose current SBOM is `days` old or more, or that has had none for that
    long since it was registered. One event per system, lapse and threshold: a new SBOM
    starts a new lapse."""

    trigger = "sbom_missing"
    fields = _COMMON | {"system_id", "system_name", "days", "threshold", "since", "has_sbom"}
    params: ClassVar[dict[str, type]] = {"days": int}

    def scan(
        self, store: Store, now: datetime, params: Sequence[dict[str, Any]]
    ) -> Iterator[Event]:
        thresholds = sorted({int(p.get("days", 30)) for p in params} or {30})
        current = {r.subject: r for r in store.list_sboms(current=True)}
        for org in store.list_organizations(limit=10_000):
            for system in store.iter_all_systems(org.id):
                sbom = current.get(f"system:{system.id}")
                since = sbom.submitted_at if sbom else system.created_at
                days = (now - since).days
                for threshold in thresholds:
                    if days < threshold:
                        continue
                    yield Event(
                        Event.key_id(self.trigger, system.id, str(threshold), since.isoformat()),
                        self.trigger,
                        f"system:{system.id}",
                        system.org_id,
                        since + timedelta(days=threshold),
                        {
                            "system_id": system.id,
                            "system_name": system.name,
                            "days": days,
                            "threshold": threshold,
                            "since": since.isoformat(),
                            "has_sbom": sbom is not None,
                        },
                    )


class FeedFailures(EventSource):
    """A feed whose last sync or push failed, one event per distinct error since its last
    success: partner TAXII feeds (direction `in` or `out`) and the intelligence feeds
    (OSV, KEV, EPSS, JVN: direction `intel`, their location as the url), whose silent
    failure would leave exploited-vulnerability due dates and ranks stale."""

    trigger = "feed_failed"
    fields = _COMMON | {"feed_id", "url", "collection_id", "direction", "error", "last_sync"}

    def scan(
        self, store: Store, now: datetime, params: Sequence[dict[str, Any]]
    ) -> Iterator[Event]:
        for feed in store.iter_all(TAXII_FEEDS):
            if feed.last_error:
                yield self._event(
                    now, feed.id, feed.org_id, feed.url, feed.collection_id, feed.direction,
                    feed.last_error, feed.last_sync,
                )  # fmt: skip
        for intel in store.iter_all(FEEDS):
            if intel.last_error:
                yield self._event(
                    now, intel.id, "", intel.location, "", "intel", intel.last_error,
                    intel.synced_at,
                )  # fmt: skip

    def _event(
        self,
        now: datetime,
        feed_id: str,
        org_id: str,
        url: str,
        collection_id: str,
        direction: str,
        error: str,
        last_sync: datetime | None,
    ) -> Event:
        synced = last_sync.isoformat() if last_sync else ""
        return Event(
            Event.key_id(self.trigger, feed_id, error, synced),
            self.trigger,
            f"feed:{feed_id}",
            org_id,
            now,
            {
                "feed_id": feed_id,
                "url": url,
                "collection_id": collection_id,
                "direction": direction,
                "error": error,
                "last_sync": synced,
            },
        )


class Incidents(EventSource):
    """An open incident an agency or a partner reported (the Knowledge Wall): one event per
    incident, whatever later moves it; conditions read its severity, state and TLP."""

    trigger = "incident"
    fields = _COMMON | {
        "incident_id", "title", "severity", "state", "tlp", "techniques", "observables",
        "vulnerabilities",
    }  # fmt: skip

    def scan(
        self, store: Store, now: datetime, params: Sequence[dict[str, Any]]
    ) -> Iterator[Event]:
        for i in store.iter_all(INCIDENTS):
            if not i.open:
                continue
            yield Event(
                Event.key_id(self.trigger, i.id),
                self.trigger,
                f"incident:{i.id}",
                i.org_id,
                i.reported_at,
                {
                    "incident_id": i.id,
                    "title": i.title,
                    "severity": i.severity,
                    "state": i.state,
                    "tlp": i.tlp,
                    "techniques": list(i.techniques),
                    "observables": len(i.observables),
                    "vulnerabilities": list(i.vulnerabilities),
                },
            )


SOURCES: dict[str, EventSource] = {
    s.trigger: s
    for s in (
        KevFindings(),
        ScoreRecords(),
        Sightings(),
        SbomMissing(),
        FeedFailures(),
        Incidents(),
    )
}
