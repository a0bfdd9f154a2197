"""`GET /metrics`: the hub as Prometheus sees it, for operations teams watching it the
way they watch the rest of their estate.

Two kinds of figures. Counters and histograms of what the server does (requests by route
and status, their latency, store calls by operation and backend, TAXII objects served,
collector batches) are kept by each process; under `crsa serve` several gunicorn workers
and the background runs write them to files in one directory (`PROMETHEUS_MULTIPROC_DIR`,
prometheus_client's multiprocess mode) and a scrape adds them up, so a scrape tells the
hub's totals whichever worker answers it. Figures about the hub's state (feed sync age and
failures, the playbook outbox, playbook actions by result, the scorer's last run) are read
from the store at scrape time, so they are right even just after a restart.

Only an admin's token, or a client address in `metrics_allow`, may scrape: the figures
name routes and feeds, nothing of any agency's data.
"""

from __future__ import annotations

import ipaddress
import os
from pathlib import Path

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
    values,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from hub.core.model import utcnow
from hub.core.records.events import EventStatus
from hub.core.store import Store
from hub.core.store.interface import ACTION_RUNS, EVENTS, FEEDS, Query

DIRECTORY = "PROMETHEUS_MULTIPROC_DIR"
INVENTORY = "/api/v1/inventory"  # where collectors deliver their batches
LATENCY = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)


def share_between_processes(directory: Path) -> None:
    """Keep this process's and its children's figures in `directory` (emptied first), so
    that any worker's scrape adds up every worker's. Call before workers start."""
    directory.mkdir(parents=True, exist_ok=True)
    for old in directory.glob("*.db"):
        old.unlink()
    os.environ[DIRECTORY] = str(directory)
    # prometheus_client chose how to keep values when first imported; choose again.
    values.ValueClass = values.get_value_class()  # type: ignore[no-untyped-call]


class ServerMetrics:
    """The counters and histograms one app keeps, in a registry of its own (a process may
    build several apps: tests, the demo)."""

    def __init__(self, store: Store) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.requests = Counter(
            "crsa_http_requests", "Requests answered", ["route", "method", "status"], registry=r
        )
        self.latency = Histogram(
            "crsa_http_request_seconds", "Time to answer", ["route"], buckets=LATENCY, registry=r
        )
        self.store_calls = Histogram(
            "crsa_store_call_seconds",
            "Store calls by operation and backend",
            ["operation", "backend"],
            buckets=LATENCY,
            registry=r,
        )
        self.taxii_objects = Counter(
            "crsa_taxii_objects_served", "STIX objects sent to TAXII clients", registry=r
        )
        self.batches = Counter(
            "crsa_collector_batches", "Collector batches by outcome", ["outcome"], registry=r
        )
        self.state = StateCollector(store)
        r.register(self.state)

    def observe_store(self, operation: str, backend: str, seconds: float) -> None:
        self.store_calls.labels(operation, backend).observe(seconds)

    def answered(self, route: str, method: str, status: int, seconds: float) -> None:
        """One answered request, by its route (never its path: ids are not labels)."""
        self.requests.labels(route, method, str(status)).inc()
        self.latency.labels(route).observe(seconds)
        if route == INVENTORY and method == "POST":
            self.batches.labels("accepted" if status < 400 else "refused").inc()

    def scrape(self) -> bytes:
        """Every process's counters (multiprocess mode) or this one's, and the state read
        from the store now."""
        if not os.environ.get(DIRECTORY):
            return generate_latest(self.registry)
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        registry.register(self.state)
        return generate_latest(registry)


class StateCollector(Collector):
    """What the store says now: read at each scrape, a few small queries."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def collect(self):  # type: ignore[no-untyped-def]
        now = utcnow()
        age = GaugeMetricFamily(
            "crsa_feed_sync_age_seconds", "Since each feed last synced", labels=["feed", "source"]
        )
        failing = GaugeMetricFamily(
            "crsa_feed_failing", "1 if the feed's last sync failed", labels=["feed", "source"]
        )
        for feed in self.store.iter_all(FEEDS):
            if not feed.enabled:
                continue
            labels = [feed.id, feed.source.value]
            if feed.synced_at is not None:
                age.add_metric(labels, (now - feed.synced_at).total_seconds())
            failing.add_metric(labels, 1.0 if feed.last_error else 0.0)
        yield age
        yield failing
        outbox = GaugeMetricFamily(
            "crsa_outbox_events", "Playbook events by status", labels=["status"]
        )
        counted = self.store.count_by(EVENTS, "status", Query())
        for status in EventStatus:
            outbox.add_metric([status.value], float(counted.get(status.value, 0)))
        yield outbox
        actions = GaugeMetricFamily(
            "crsa_playbook_actions", "Playbook actions done, by result", labels=["result"]
        )
        for result, n in sorted(self.store.count_by(ACTION_RUNS, "status", Query()).items()):
            actions.add_metric([result], float(n))
        yield actions
        nation = self.store.latest_scores(["nation"], now).get("nation")
        if nation is not None:
            yield GaugeMetricFamily(
                "crsa_nation_score_age_seconds",
                "Since the scorer last scored the nation (a run that changes nothing writes"
                " nothing)",
                value=(now - nation.computed_at).total_seconds(),
            )


def allowed(address: str | None, allow: str) -> bool:
    """Whether `address` is in the comma-separated addresses and networks of `allow`."""
    if not address or not allow.strip():
        return False
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    for entry in allow.split(","):
        entry = entry.strip()
        if entry and ip in ipaddress.ip_network(entry, strict=False):
            return True
    return False
