"""Copying a hub from one store to another, resumably, with the audit chain intact.

Every kind is copied: organizations, systems, assets and their software, findings, tokens,
and each of GENERIC_KINDS as it is (SBOMs with their components, intelligence, scores,
triage, TAXII collections and objects, partner feeds, sightings, playbook records). Puts
are idempotent, so a second run (after an interruption, or to catch up with writes made
meanwhile) is safe. Audit entries are copied verbatim after the target's head, which must
be an entry of the source chain: a target that holds another hub's history is refused.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

from hub.core import audit
from hub.core.errors import StoreError
from hub.core.model import AuditDraft, StoreCounts
from hub.core.store.interface import FINDINGS, GENERIC_KINDS, SBOMS, Kind, Store

BATCH = 500
T = TypeVar("T")


@dataclass(frozen=True)
class MigrationResult:
    copied: StoreCounts
    audit_copied: int
    head: str


def _pages(fetch: Callable[[str | None], list[T]], key: Callable[[T], str]) -> Iterator[list[T]]:
    after: str | None = None
    while True:
        page = fetch(after)
        if page:
            yield page
        if len(page) < BATCH:
            return
        after = key(page[-1])


def _copy_kind(
    source: Store, target: Store, kind: Kind[Any], progress: Callable[[str, int], None]
) -> None:
    """Every value of `kind`, in batches, as it is; an SBOM with its components."""
    what = kind.name.replace("_", " ")
    items = source.iter_all(kind)
    while batch := list(itertools.islice(items, BATCH)):
        with target.transaction() as tx:
            tx.put_copies(kind, batch)
            if kind is SBOMS:
                for sbom in batch:
                    tx.put_sbom_packages(sbom.id, source.list_sbom_packages(sbom.id))
        progress(what, len(batch))


def migrate_store(
    source: Store,
    target: Store,
    *,
    actor: str,
    request_id: str,
    progress: Callable[[str, int], None] = lambda _what, _n: None,
) -> MigrationResult:
    target.migrate()
    target_head = target.audit_head()
    if target_head is not None:
        mirror = next(source.iter_audit(after_seq=target_head.seq - 1, limit=1), None)
        if mirror is None or mirror.hash != target_head.hash:
            raise StoreError(
                f"the target already holds an audit chain that is not this hub's"
                f" (its entry {target_head.seq} differs)",
                hint="migrate into an empty target (another index prefix or cluster)",
            )
    with source.transaction() as tx:
        tx.append_audit(
            AuditDraft(actor, "store.migrate", target.name, request_id, {"to": target.name})
        )

    totals = source.counts()
    for orgs in _pages(lambda a: source.list_organizations(after=a, limit=BATCH), lambda o: o.id):
        with target.transaction() as tx:
            for org in orgs:
                tx.put_organization(org)
        progress("organizations", len(orgs))
    for systems in _pages(lambda a: source.list_systems(after=a, limit=BATCH), lambda s: s.id):
        with target.transaction() as tx:
            for system in systems:
                tx.put_system(system)
        progress("systems", len(systems))
    for assets in _pages(lambda a: source.list_assets(after=a, limit=BATCH), lambda a: a.id):
        with target.transaction() as tx:
            for asset in assets:
                tx.put_asset(asset)
                tx.put_asset_packages(asset.id, source.list_asset_packages(asset.id))
        progress("assets", len(assets))
    for findings in _pages(lambda a: source.list_findings(after=a, limit=BATCH), lambda f: f.id):
        with target.transaction() as tx:
            tx.put_findings(findings)
        progress("findings", len(findings))
    for kind in GENERIC_KINDS:
        if kind is FINDINGS:
            continue  # above
        _copy_kind(source, target, kind, progress)
    tokens = source.list_tokens()
    with target.transaction() as tx:
        for token in tokens:
            tx.put_token(token)
    progress("tokens", len(tokens))

    copied = 0
    start = 0 if target_head is None else target_head.seq
    while True:
        batch = list(source.iter_audit(after_seq=start + copied, limit=BATCH))
        if not batch:
            break
        with target.transaction() as tx:
            for entry in batch:
                tx.import_audit(entry)
        copied += len(batch)
        progress("audit entries", len(batch))

    result = audit.verify(target.iter_audit())
    source_head = source.audit_head()
    if not result.ok or source_head is None or result.head != source_head.hash:
        raise StoreError(
            f"after copying, the target's audit chain does not verify: {result.reason}"
            f" at entry {result.broken_seq}"
        )
    if target.counts() != source.counts():
        raise StoreError(
            f"after copying, the stores differ: source {source.counts()}, target {target.counts()}",
            hint="writes may have happened during the copy; run the migration again",
        )
    return MigrationResult(copied=totals, audit_copied=copied, head=result.head)
