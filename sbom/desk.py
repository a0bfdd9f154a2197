"""SBOM intake for systems and supplier products, VEX, deployments, history and diffs.

This is where a document becomes hub state: `sbom.intake` checks and takes it
apart, this module decides what the same submission twice means (same serial
number and version, or the same bytes: nothing changes), keeps the subject's
history with one current SBOM, records VEX claims the document carries, and
then brings the findings of every scope the SBOM reaches up to date.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

from hub.core import crashpoints
from hub.core.auth import Action, Principal
from hub.core.errors import Conflict, Forbidden, InvalidSubmission, NotFound, StoreError
from hub.core.model import AuditDraft, FindingStatus, Package, VexState, utcnow
from hub.core.records.supply import Deployment, Product, SbomRecord, VexStatement
from hub.core.registry import Outcome, Registry
from hub.core.settings import Settings
from hub.core.store import Store
from hub.core.store.interface import FINDINGS, HUB, PRODUCTS, SBOMS, Transaction
from hub.intelligence.findings import MATCHER, Reconciled, apply, refresh_scope
from hub.intelligence.match import Skipped
from hub.intelligence.matching import IntelView, Scope, intel_view
from sbom.intake import Limits, ParsedSbom, read_sbom, read_vex
from sbom.vex import VexClaim

Progress = Callable[[int, int, str], None]


@dataclass(frozen=True)
class Submission:
    record: SbomRecord
    changed: bool
    parsed: ParsedSbom | None  # None for a replay: the document was not read again
    product: Product | None = None
    findings: dict[str, int] = field(default_factory=dict)
    unmatched: list[Skipped] = field(default_factory=list)


@dataclass(frozen=True)
class ComponentChange:
    old: Package
    new: Package


@dataclass(frozen=True)
class SbomDiff:
    old: SbomRecord
    new: SbomRecord
    added: list[Package]
    removed: list[Package]
    changed: list[ComponentChange]
    introduced: list[tuple[str, str]]  # (vulnerability, purl) in new only
    fixed: list[tuple[str, str]]  # (vulnerability, purl) in old only


@dataclass
class RematchReport:
    sboms: int = 0
    assets: int = 0  # hosts whose own software was re-matched (hub.inventory.desk)
    scopes: int = 0
    opened: int = 0
    fixed: int = 0
    updated: int = 0

    def add(self, outcome: Reconciled) -> None:
        self.scopes += 1
        self.opened += outcome.opened
        self.fixed += outcome.fixed
        self.updated += outcome.updated

    def tally(self) -> dict[str, int]:
        """What a submission reports of its matching."""
        return {"scopes": self.scopes, "opened": self.opened, "fixed": self.fixed}


def packages_of(parsed: ParsedSbom) -> list[Package]:
    out = []
    for c in parsed.extracted.components:
        kind = c.purl[4:].split("/", 1)[0]
        version = (
            c.purl.split("?", 1)[0].split("#", 1)[0].rpartition("@")[2] if "@" in c.purl else ""
        )
        out.append(Package(c.purl, c.name or c.purl, version or c.version, kind))
    return sorted(out, key=lambda p: p.purl)


def identity(purl: str) -> str:
    """A package without its version, qualifiers and subpath: what a version bump keeps."""
    base = purl.split("?", 1)[0].split("#", 1)[0]
    return base.rpartition("@")[0] if "@" in base.split("/", 1)[-1] else base


class SbomDesk:
    """Domain operations on SBOMs; the API and CLI are thin layers over it."""

    def __init__(self, store: Store, settings: Settings, clock: Callable[[], datetime] = utcnow):
        self.store = store
        self.registry = Registry(store, clock)
        self.clock = clock
        self.limits = Limits(settings.max_sbom_bytes, settings.max_sbom_components)

    # Intake ------------------------------------------------------------------
    def submit_for_system(
        self, who: Principal, system_id: str, data: bytes, media_type: str, request_id: str
    ) -> Submission:
        who.require(Action.WRITE_INVENTORY)
        system = self.registry.system(who, system_id)
        who.require_org(system.org_id)
        parsed = read_sbom(data, media_type, self.limits)
        return self._record(who, f"system:{system.id}", system.org_id, parsed, None, request_id)

    def submit_for_product(
        self,
        who: Principal,
        data: bytes,
        media_type: str,
        request_id: str,
        *,
        supplier: str = "",
        name: str = "",
        version: str = "",
    ) -> Submission:
        """The product is named by the SBOM's own subject, or by the overrides given. The
        first agency to submit a product owns it; only it and the operator may replace it."""
        who.require(Action.WRITE_INVENTORY)
        parsed = read_sbom(data, media_type, self.limits)
        facts = parsed.facts
        supplier = supplier or facts.subject_supplier
        name = name or facts.subject_name
        version = version or facts.subject_version
        absent = [
            k for k, v in (("supplier", supplier), ("name", name), ("version", version)) if not v
        ]
        if absent:
            raise InvalidSubmission(
                f"a product SBOM must name the product's {', '.join(absent)}",
                hint="fill metadata.component (CycloneDX) or the described package (SPDX),"
                " or pass supplier, name and version with the submission",
            )
        product = Product(
            Product.key_id(supplier, name, version),
            supplier,
            name,
            version,
            facts.subject_purl,
            self.clock(),
            (who.org_id or "") if who.scoped else "",
        )
        return self._record(
            who, f"product:{product.id}", product.org_id, parsed, product, request_id
        )

    def product_owner(self, product: Product) -> str:
        """The owning organization ("" for the operator). Products stored before owners
        were recorded belong to the organization of their first SBOM."""
        if product.org_id:
            return product.org_id
        history = self.store.list_sboms(subject=f"product:{product.id}")
        return history[0].org_id if history else ""

    def _may_replace(self, who: Principal, product: Product) -> None:
        """An agency may submit a product's SBOM only if the product is its own; the
        operator's staff (unscoped roles) may replace any."""
        if not who.scoped:
            return
        if who.org_id != self.product_owner(product):
            raise Forbidden(
                f"product {product.id} belongs to another organization: only it and the"
                " operator may submit its SBOM",
                hint="ask the hub operator to submit it, or name your own build of the"
                " product (another supplier, name or version)",
            )

    def _record(
        self,
        who: Principal,
        subject: str,
        org_id: str,
        parsed: ParsedSbom,
        product: Product | None,
        request_id: str,
    ) -> Submission:
        """Store the SBOM, then bring its findings up to date. Every decision that depends
        on what is stored already (a replay, the one current SBOM, who owns a product) is
        taken inside the writing transaction, under the partition's writer lease, so concurrent
        submissions cannot each see a stale history. The SBOM is stored `matched=False`
        and marked matched when its findings are written: a hub killed in between finishes
        the work on restart, or when the same document is submitted again."""
        facts = parsed.facts
        packages = packages_of(parsed)
        key = SbomRecord.key_id(subject, facts.serial_number, facts.doc_version, parsed.sha256)
        now = self.clock()
        with self.store.transaction(_partition(subject, org_id or (who.org_id or ""))) as tx:
            stored = self.store.get_product(product.id) if product is not None else None
            if stored is not None:
                self._may_replace(who, stored)
            existing = self.store.get_sbom(key)
            if existing is not None:
                # The same document in another encoding (JSON and XML, JSON and tag-value)
                # or re-serialized is a replay; other components under one identity are not.
                same = existing.sha256 == parsed.sha256 or [
                    p.purl for p in self.store.list_sbom_packages(existing.id)
                ] == [p.purl for p in packages]
                if not same:
                    raise Conflict(
                        f"SBOM {existing.id} has serial number {facts.serial_number} and"
                        f" version {facts.doc_version} already, with other components",
                        hint="a changed document needs a new version (CycloneDX `version`)"
                        " or, for SPDX, a new documentNamespace",
                    )
                record = None
            else:
                history = self.store.list_sboms(subject=subject)
                newer = [
                    r
                    for r in history
                    if r.serial_number
                    and r.serial_number == facts.serial_number
                    and r.doc_version > facts.doc_version
                ]
                record = SbomRecord(
                    id=key,
                    subject=subject,
                    org_id=org_id or (who.org_id or ""),
                    format=parsed.format,
                    spec_version=parsed.spec_version,
                    encoding=parsed.encoding,
                    serial_number=facts.serial_number,
                    doc_version=facts.doc_version,
                    sha256=parsed.sha256,
                    size=parsed.size,
                    components=len(parsed.extracted.components),
                    unidentified=len(parsed.extracted.skipped),
                    quality=parsed.quality.score,
                    missing=parsed.quality.missing,
                    submitted_by=who.actor,
                    submitted_at=now,
                    current=not newer,
                    matched=bool(newer),  # history needs no findings
                )
                claims = parsed.vex
                self._write(tx, who, record, history, packages, claims, product, stored, request_id)
        if record is None:
            assert existing is not None
            if existing.current and not existing.matched:
                # A submission the hub died in the middle of: finish it now.
                report = RematchReport()
                resumed = self._settle(existing.subject, report, request_id, "sbom resumed")
                return Submission(self.store.get_sbom(key) or existing, False, parsed,
                                  self._product(product), report.tally(), resumed)  # fmt: skip
            return Submission(existing, False, parsed, self._product(product))
        crashpoints.reach(crashpoints.SBOM_STORED)
        report = RematchReport()
        unmatched: list[Skipped] = []
        if record.current:
            unmatched = self._settle(subject, report, request_id, "sbom submitted")
        done = self.store.get_sbom(record.id) or record
        return Submission(done, True, parsed, self._product(product), report.tally(), unmatched)

    def _product(self, product: Product | None) -> Product | None:
        return self.store.get_product(product.id) if product is not None else None

    def _write(
        self,
        tx: Transaction,
        who: Principal,
        record: SbomRecord,
        history: Sequence[SbomRecord],
        packages: Sequence[Package],
        claims: Sequence[VexClaim],
        product: Product | None,
        stored: Product | None,
        request_id: str,
    ) -> None:
        """The SBOM, its components and VEX claims, the end of the subject's previous
        current SBOM, and the audit entry: one transaction."""
        source = f"sbom:{record.id}"
        statements = self._statements(
            record.subject, record.org_id, claims, source, record.submitted_at
        )
        if product is not None and stored is None:
            tx.put_product(product)
        if record.current:
            for old in history:
                if old.current:
                    _put_sbom(tx, replace(old, current=False))
        _put_sbom(tx, record)
        tx.put_sbom_packages(record.id, packages)
        if statements:
            tx.put_vex(statements)
        tx.append_audit(
            AuditDraft(
                actor=who.actor,
                action="sbom.submit",
                target=record.id,
                request_id=request_id,
                detail={
                    "subject": record.subject,
                    "format": f"{record.format} {record.spec_version} {record.encoding}",
                    "sha256": record.sha256,
                    "components": record.components,
                    "unidentified": record.unidentified,
                    "quality": record.quality,
                    "current": record.current,
                    "vex_statements": len(statements),
                },
                at=record.submitted_at,
            )
        )

    def _settle(
        self, subject: str, report: RematchReport, request_id: str, reason: str
    ) -> list[Skipped]:
        """Match the subject's current SBOM and mark it matched, until the SBOM matched is
        still the current one when it is marked: a concurrent submission that became
        current meanwhile is matched again here, so the last writer leaves the findings of
        the SBOM in force, whatever the interleaving."""
        unmatched: list[Skipped] = []
        for _ in range(100):
            current = self.store.list_sboms(subject=subject, current=True)
            if not current:
                return unmatched
            record = current[-1]
            packages = self.store.list_sbom_packages(record.id)
            unmatched = []
            for scope in self._scopes(record):
                unmatched += self._match(scope, record, packages, report, request_id, reason)
            crashpoints.reach(crashpoints.SBOM_FINDINGS_WRITTEN)
            with self.store.transaction(_partition(subject, record.org_id)) as tx:
                latest = self.store.get_sbom(record.id)
                if latest is not None and latest.current:
                    if not latest.matched:
                        _put_sbom(tx, replace(latest, matched=True))
                    return unmatched
        raise StoreError(f"the SBOMs of {subject} kept changing while they were matched")

    def finish_pending(self, request_id: str, progress: Progress | None = None) -> RematchReport:
        """Finish every submission the hub stored but died before matching: run at start
        (`crsa serve`), by `crsa feeds sync` and `crsa sbom resume`."""
        report = RematchReport()
        pending = list(self.store.iter_all(SBOMS, current=True, matched=False))
        for n, record in enumerate(pending, 1):
            if progress:
                progress(n, len(pending), record.subject)
            report.sboms += 1
            self._settle(record.subject, report, request_id, "sbom resumed")
        return report

    @staticmethod
    def _statements(
        subject: str, org_id: str, claims: Sequence[VexClaim], source: str, now: datetime
    ) -> list[VexStatement]:
        unique = {
            VexStatement.key_id(subject, c.vuln_id, c.purl): VexStatement(
                VexStatement.key_id(subject, c.vuln_id, c.purl),
                subject,
                org_id,
                c.vuln_id,
                c.purl,
                VexState(c.state),
                c.justification,
                c.detail,
                source,
                now,
            )
            for c in claims
        }
        return list(unique.values())

    # VEX and deployments -----------------------------------------------------
    def submit_vex(
        self, who: Principal, subject: str, data: bytes, media_type: str, request_id: str
    ) -> tuple[list[VexStatement], bool, RematchReport]:
        kind, _, subject_id = subject.partition(":")
        if kind == "system":
            who.require(Action.WRITE_INVENTORY)
            system = self.registry.system(who, subject_id)
            who.require_org(system.org_id)
            org_id = system.org_id
        else:
            who.require(Action.MANAGE_PRODUCTS)
            if self.store.get_product(subject_id) is None:
                raise NotFound(f"no product {subject_id}")
            org_id = who.org_id or ""
        digest, claims = read_vex(data, media_type, self.limits)
        now = self.clock()
        statements = self._statements(subject, org_id, claims, f"vex:{digest}", now)
        known = {s.id: s for s in self.store.list_vex(subject)}
        fresh = [
            s for s in statements if s.id not in known or replace(known[s.id], created_at=now) != s
        ]
        if not fresh:
            return statements, False, RematchReport()
        with self.store.transaction() as tx:
            tx.put_vex(fresh)
            tx.append_audit(
                AuditDraft(
                    actor=who.actor,
                    action="vex.submit",
                    target=subject,
                    request_id=request_id,
                    detail={"sha256": digest, "statements": len(fresh)},
                    at=now,
                )
            )
        report = self.rematch(
            request_id,
            reason="vex submitted",
            systems={subject_id} if kind == "system" else None,
            products={subject_id} if kind == "product" else None,
        )
        return fresh, True, report

    def deploy(
        self, who: Principal, system_id: str, product_id: str, request_id: str
    ) -> Outcome[Deployment]:
        who.require(Action.WRITE_INVENTORY)
        system = self.registry.system(who, system_id)
        who.require_org(system.org_id)
        if self.store.get_product(product_id) is None:
            raise NotFound(f"no product {product_id}", hint="submit the product's SBOM first")
        dep_id = Deployment.key_id(system.id, product_id)
        found = [d for d in self.store.list_deployments(system_id=system.id) if d.id == dep_id]
        if found:
            return Outcome(found[0], changed=False)
        dep = Deployment(dep_id, system.org_id, system.id, product_id, self.clock())
        with self.store.transaction() as tx:
            tx.put_deployment(dep)
            tx.append_audit(
                AuditDraft(
                    actor=who.actor,
                    action="deployment.create",
                    target=dep.id,
                    request_id=request_id,
                    detail={"system_id": system.id, "product_id": product_id},
                    at=dep.created_at,
                )
            )
        self.rematch(
            request_id, reason="product deployed", products={product_id}, systems={system.id}
        )
        return Outcome(dep, changed=True)

    def inventory_changed(self, asset_id: str, request_id: str) -> RematchReport:
        """An asset's software list changed: it inherits the findings of every product whose
        purl it now lists, and those of products it no longer lists are fixed."""
        report = RematchReport()
        asset = self.store.get_asset(asset_id)
        if asset is None or not self.store.list_products(limit=1):
            return report  # no supplier products at all: nothing to inherit or lose
        purls = {p.purl for p in self.store.list_asset_packages(asset.id)}
        running = {p.id for p in self.store.iter_all(PRODUCTS) if p.purl and p.purl in purls}
        inherited = {
            f.product_id
            for f in self.store.iter_all(FINDINGS, asset_id=asset.id)
            if f.product_id and f.status is not FindingStatus.FIXED
        }
        for record in self.store.list_sboms(current=True):
            if record.subject_kind == "product" and record.subject_id in running:
                packages = self.store.list_sbom_packages(record.id)
                for scope in self._scopes(record):
                    if scope.asset_id == asset.id:
                        self._match(
                            scope, record, packages, report, request_id, "inventory changed"
                        )
        for product_id in sorted(inherited - running):
            outcome = apply(
                self.store,
                [],
                system_id=asset.system_id,
                asset_id=asset.id,
                product_id=product_id,
                now=self.clock(),
                actor=MATCHER,
                request_id=request_id,
                reason="product no longer in inventory",
            )
            report.add(outcome)
        return report

    # Reads -------------------------------------------------------------------
    def history(self, subject: str) -> list[SbomRecord]:
        return self.store.list_sboms(subject=subject)

    def sbom(self, who: Principal, sbom_id: str) -> SbomRecord:
        """One SBOM; another agency's system SBOM answers exactly as an unknown id does,
        naming nothing of that agency's."""
        who.require(Action.READ)
        record = self.store.get_sbom(sbom_id)
        if record is None:
            raise NotFound(f"no SBOM {sbom_id}")
        if record.subject_kind == "system":
            system = self.store.get_system(record.subject_id)
            if system is None or not who.sees_org(system.org_id):
                raise NotFound(f"no SBOM {sbom_id}")
        return record

    def unmatched(
        self, who: Principal, sbom_id: str, view: IntelView | None = None
    ) -> list[Skipped]:
        """The SBOM's components the matcher cannot judge against today's advisories (a
        page listing many SBOMs passes one `view`, read once)."""
        record = self.sbom(who, sbom_id)
        view = view or intel_view(self.store)
        purls = [p.purl for p in self.store.list_sbom_packages(record.id)]
        return view.rate_set(self.store, purls)[1]

    def diff(self, who: Principal, old_id: str, new_id: str) -> SbomDiff:
        old, new = self.sbom(who, old_id), self.sbom(who, new_id)
        before = {identity(p.purl): p for p in self.store.list_sbom_packages(old.id)}
        after = {identity(p.purl): p for p in self.store.list_sbom_packages(new.id)}
        view = intel_view(self.store)
        vulns_before = _vulns(view, before.values())
        vulns_after = _vulns(view, after.values())
        return SbomDiff(
            old=old,
            new=new,
            added=[after[k] for k in sorted(after.keys() - before.keys())],
            removed=[before[k] for k in sorted(before.keys() - after.keys())],
            changed=[
                ComponentChange(before[k], after[k])
                for k in sorted(before.keys() & after.keys())
                if before[k].purl != after[k].purl
            ],
            introduced=sorted(vulns_after - vulns_before),
            fixed=sorted(vulns_before - vulns_after),
        )

    # Matching ------------------------------------------------------------------
    def _scopes(self, record: SbomRecord) -> Iterator[Scope]:
        if record.subject_kind == "system":
            system = self.store.get_system(record.subject_id)
            if system is not None:
                yield Scope(system.org_id, system.id, "", "", record.id, (record.subject,))
            return
        product = self.store.get_product(record.subject_id)
        if product is None:
            return
        for dep in self.store.list_deployments(product_id=product.id):
            subjects = (f"system:{dep.system_id}", record.subject)
            yield Scope(dep.org_id, dep.system_id, "", product.id, record.id, subjects)
        for asset_id in self.store.assets_running(product.purl) if product.purl else []:
            asset = self.store.get_asset(asset_id)
            if asset is not None:
                subjects = (f"system:{asset.system_id}", record.subject)
                yield Scope(
                    asset.org_id, asset.system_id, asset.id, product.id, record.id, subjects
                )

    def _match(
        self,
        scope: Scope,
        record: SbomRecord,
        packages: Sequence[Package],
        report: RematchReport,
        request_id: str,
        reason: str,
        view: IntelView | None = None,
    ) -> list[Skipped]:
        """The SBOM's components (read once per SBOM by the caller) in one scope."""
        statements = [s for subject in scope.vex_subjects for s in self.store.list_vex(subject)]
        outcome, skipped = refresh_scope(
            self.store,
            scope,
            packages,
            statements,
            record.submitted_at,
            now=self.clock(),
            request_id=request_id,
            reason=reason,
            view=view,
        )
        report.add(outcome)
        return skipped

    def rematch(
        self,
        request_id: str,
        *,
        reason: str,
        systems: set[str] | None = None,
        products: set[str] | None = None,
        progress: Progress | None = None,
    ) -> RematchReport:
        """Bring the findings of every current SBOM (or those touching `systems` or
        `products`) in line with the intelligence the store holds now."""
        report = RematchReport()
        view = intel_view(self.store)
        current = self.store.list_sboms(current=True)
        for n, record in enumerate(current, 1):
            if progress:
                progress(n, len(current), record.subject)
            scopes = [
                s
                for s in self._scopes(record)
                if (systems is None and products is None)
                or (systems is not None and s.system_id in systems)
                or (products is not None and s.product_id in products)
            ]
            if not scopes:
                continue
            report.sboms += 1
            packages = self.store.list_sbom_packages(record.id)
            for scope in scopes:
                self._match(scope, record, packages, report, request_id, reason, view)
        return report


def _vulns(view: IntelView, packages: Iterable[Package]) -> set[tuple[str, str]]:
    found: set[tuple[str, str]] = set()
    for p in packages:
        matches = view.index.match(p.purl)
        if not isinstance(matches, Skipped):
            found |= {(m.primary_id, identity(m.purl)) for m in matches}
    return found


def _partition(subject: str, org_id: str) -> str:
    """A system's SBOM history is its agency's alone; a product's is shared by the hub."""
    return org_id if subject.startswith("system:") and org_id else HUB


def _put_sbom(tx: Transaction, record: SbomRecord) -> None:
    """A system's SBOM is a score input (coverage counts systems with a current one): the
    write marks the system for rescoring, in the same transaction."""
    tx.put_sbom(record)
    if record.subject.startswith("system:"):
        tx.mark_changed([(record.org_id, record.subject.split(":", 1)[1])], "sbom")
