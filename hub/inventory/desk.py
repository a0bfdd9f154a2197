"""Inventory from collectors: one batch updates one asset (its software, last seen and
telemetry), stores the batch's idempotency key, and brings the asset's findings up to date.

Exactly once: a batch id already stored answers as a duplicate and writes nothing
(the same id with other content is a conflict). The asset, its software list, its
telemetry, the batch record, the findings it opens or fixes and their audit entries land
in one transaction: an acknowledged batch has its findings, and a crash leaves neither.
`hub.intelligence.matching` judges each distinct component once per state of the
intelligence, so hosts of one image cost what the image costs, not one match each.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from hub.core.auth import Action, Principal
from hub.core.errors import Conflict, InvalidSubmission
from hub.core.model import Asset, AuditDraft, Package, utcnow
from hub.core.packages import package_from_purl
from hub.core.records.telemetry import AssetTelemetry, InventoryBatch
from hub.core.registry import Registry
from hub.core.settings import Settings
from hub.core.store import Store
from hub.core.store.interface import ASSETS, FINDINGS, Transaction
from hub.intelligence.findings import MATCHER, Reconciled, apply
from hub.intelligence.matching import MatchReport, Scope, match_scope
from hub.inventory.schema import InventoryIn
from sbom.desk import SbomDesk


@dataclass(frozen=True)
class Receipt:
    batch: InventoryBatch
    duplicate: bool
    findings_opened: int = 0
    findings_fixed: int = 0


def _packages(report: InventoryIn) -> list[Package]:
    found: dict[str, Package] = {}
    for n, ref in enumerate(report.packages):
        try:
            p = package_from_purl(ref.purl)
        except InvalidSubmission as exc:
            raise InvalidSubmission(f"packages.{n}: {exc.message}") from None
        found.setdefault(p.purl, p)
    return sorted(found.values(), key=lambda p: p.purl)


class InventoryDesk:
    def __init__(self, store: Store, settings: Settings, clock: Callable[[], datetime] = utcnow):
        self.store = store
        self.settings = settings
        self.clock = clock
        self.registry = Registry(store, clock)

    def receive(self, who: Principal, report: InventoryIn, digest: str, request_id: str) -> Receipt:
        who.require(Action.WRITE_INVENTORY)
        system = self.registry.system(who, report.system_id or self._system_of(who, report))
        who.require_org(system.org_id)
        known = self.store.get_batch(report.batch_id)
        if known is not None:
            return self._replayed(known, report.batch_id, digest)
        packages = _packages(report)
        now = self.clock()
        host = report.host
        asset_id = Asset.key_id(system.id, host.identifier)
        existing = self.store.get_asset(asset_id)
        seen = report.collected_at
        if existing is not None and existing.last_seen is not None:
            seen = max(seen, existing.last_seen)  # a late spooled batch never turns time back
        asset = Asset(
            id=asset_id,
            org_id=system.org_id,
            system_id=system.id,
            identifier=host.identifier,
            hostname=host.hostname,
            os_name=host.os_name,
            os_version=host.os_version,
            addresses=tuple(host.addresses),
            last_seen=seen,
            created_at=existing.created_at if existing else now,
        )
        before = {p.purl for p in self.store.list_asset_packages(asset_id)} if existing else set()
        after = {p.purl for p in packages}
        newest = (
            existing is None
            or existing.last_seen is None
            or report.collected_at >= existing.last_seen
        )
        batch = InventoryBatch(
            id=report.batch_id,
            asset_id=asset_id,
            org_id=system.org_id,
            source=report.source,
            digest=digest,
            packages=len(packages),
            added=len(after - before),
            removed=len(before - after),
            received_at=now,
        )
        telemetry = AssetTelemetry(
            id=asset_id,
            org_id=system.org_id,
            system_id=system.id,
            collected_at=report.collected_at,
            kernel=host.kernel,
            checks_failed=sum(c.status == "fail" for c in report.checks),
            checks_passed=sum(c.status == "pass" for c in report.checks),
            data={
                "ports": [s.model_dump() for s in report.ports],
                "connections": [s.model_dump() for s in report.connections],
                "processes": [p.model_dump() for p in report.processes],
                "checks": [c.model_dump() for c in report.checks],
                "domains": list(report.domains),
                "urls": list(report.urls),
                "detections": [d.model_dump(mode="json") for d in report.detections],
            },
        )
        # Matched before the transaction (it reads only the intelligence), reconciled and
        # written inside it: the inventory and the findings it changes commit together.
        matched = self._match(asset, packages) if newest else None
        if matched is not None and existing is None:
            # A new host writes every finding it has: their rows are made before the
            # writer lock. A known host writes only what changed (nothing, for most daily
            # reports), so encoding all of them ahead would be wasted.
            self.store.prepare(FINDINGS, matched.findings)

        reconciled: Reconciled | None = None
        with self.store.transaction(system.org_id) as tx:
            # Checked again under the agency's partition: the same batch delivered to two
            # hub processes at once is stored once.
            raced = self.store.get_batch(report.batch_id)
            if raced is not None:
                return self._replayed(raced, report.batch_id, digest)
            # Read before this report's telemetry replaces the one scored last.
            if self._was_unknown_or_silent(existing) or (
                newest and (before != after or self._checks_changed(asset_id, telemetry))
            ):
                tx.mark_changed([(asset.org_id, asset.system_id)], "inventory")
            tx.put_asset(asset)
            if newest:  # an older batch arriving late keeps the newer state
                if before != after or existing is None:
                    tx.put_asset_packages(asset_id, packages)
                tx.put_telemetry(telemetry)
            tx.put_batch(batch)
            tx.append_audit(
                AuditDraft(
                    actor=who.actor,
                    action="inventory.receive",
                    target=asset_id,
                    request_id=request_id,
                    detail={
                        "batch_id": batch.id,
                        "source": batch.source,
                        "packages": batch.packages,
                        "added": batch.added,
                        "removed": batch.removed,
                        "checks_failed": telemetry.checks_failed,
                        "current": newest,
                    },
                    at=now,
                )
            )
            if matched is not None:
                previous = existing.last_seen if existing else None
                reconciled = self._reconcile(asset, matched, now, request_id, previous, tx)

        if reconciled is None:
            return Receipt(batch, duplicate=False)
        opened, fixed = reconciled.opened, reconciled.fixed
        if before != after:
            report_products = SbomDesk(self.store, self.settings, self.clock).inventory_changed(
                asset_id, request_id
            )
            opened += report_products.opened
            fixed += report_products.fixed
        return Receipt(batch, duplicate=False, findings_opened=opened, findings_fixed=fixed)

    def _was_unknown_or_silent(self, existing: Asset | None) -> bool:
        """Whether this report can move its system's score by arriving at all.

        A host that reported within `stale_after_days` was counted as reporting by every
        scoring run up to now, and another report of the same software and checks leaves
        its score where it was: its system is not marked, so that a nation's daily reports
        of unchanged hosts do not rescore every system every day. A host new to the hub,
        or silent (counted as unreported) until now, changes its system's score. The
        moment it would have gone silent stays in its system's scoring state, so the
        system is rescored then, with this report's time, and finds it reporting.
        """
        if existing is None or existing.last_seen is None:
            return True
        return existing.last_seen < self.stale_before()

    def _checks_changed(self, asset_id: str, telemetry: AssetTelemetry) -> bool:
        """Whether the configuration checks differ from the ones scored last."""
        previous = self.store.get_telemetry(asset_id)
        if previous is None:
            return True
        return sorted(previous.scored_checks()) != sorted(telemetry.scored_checks())

    @staticmethod
    def _replayed(known: InventoryBatch, batch_id: str, digest: str) -> Receipt:
        if known.digest != digest:
            raise Conflict(
                f"batch {batch_id} was delivered before with other content",
                hint="a new batch needs a new batch_id",
            )
        return Receipt(known, duplicate=True)

    def _system_of(self, who: Principal, report: InventoryIn) -> str:
        """A batch without a system: the one system of the caller's agency that already
        has an asset with this identifier."""
        known = {
            a.system_id
            for a in self.store.iter_all(ASSETS, identifier=report.host.identifier)
            if who.sees_org(a.org_id)
        }
        if len(known) != 1:
            raise InvalidSubmission(
                f"host {report.host.identifier!r} is "
                + ("not known to the hub" if not known else "in several systems"),
                hint="give the system (crsa collect endpoint --system ID)",
            )
        return known.pop()

    @staticmethod
    def _scope(asset: Asset) -> Scope:
        return Scope(
            asset.org_id, asset.system_id, asset.id, "", "", (f"system:{asset.system_id}",)
        )

    def _match(self, asset: Asset, packages: list[Package]) -> MatchReport:
        return match_scope(
            self.store,
            self._scope(asset),
            packages,
            self.store.list_vex(f"system:{asset.system_id}"),
            asset.last_seen or self.clock(),
        )

    def rematch_asset(
        self, asset: Asset, packages: list[Package], request_id: str
    ) -> tuple[int, int]:
        """The asset's own software against the current intelligence."""
        matched = self._match(asset, packages)
        outcome = self._reconcile(asset, matched, self.clock(), request_id, asset.last_seen)
        return outcome.opened, outcome.fixed

    def _reconcile(
        self,
        asset: Asset,
        matched: MatchReport,
        now: datetime,
        request_id: str,
        host_seen: datetime | None,
        into: Transaction | None = None,
    ) -> Reconciled:
        """`host_seen`: the host's report before this evidence, when what it fixes was
        last seen (findings are not rewritten at each report only to move last_seen)."""
        return apply(
            self.store,
            matched.findings,
            system_id=asset.system_id,
            asset_id=asset.id,
            product_id="",
            now=now,
            actor=MATCHER,
            request_id=request_id,
            reason="inventory received",
            into=into,
            host_seen=host_seen,
        )

    def stale_before(self) -> datetime:
        return self.clock() - timedelta(days=self.settings.stale_after_days)


def body_digest(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


__all__ = ["InventoryDesk", "Receipt", "body_digest"]


def rematch_assets(
    store: Store,
    settings: Settings,
    request_id: str,
    *,
    keys: set[str] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[int, int, int]:
    """Re-match hosts' own software: those running a package named by `keys` (what the
    changed advisories concern), or every asset when `keys` is None. Returns (assets,
    opened, fixed)."""
    desk = InventoryDesk(store, settings)
    if keys is None:
        asset_ids = [a.id for a in store.iter_all(ASSETS)]
    else:
        asset_ids = store.assets_matching(sorted(keys))
    opened = fixed = 0
    for n, asset_id in enumerate(asset_ids, 1):
        asset = store.get_asset(asset_id)
        packages = store.list_asset_packages(asset_id)
        if asset is not None and packages:
            o, f = desk.rematch_asset(asset, packages, request_id)
            opened += o
            fixed += f
        if progress:
            progress(n, len(asset_ids))
    return len(asset_ids), opened, fixed
