"""The store seam: the domain's operations, never query strings.

Reads live on `Store`; every write goes through a `Transaction` so that an
entity and the audit entry recording it land together or not at all. The
audit chaining is written once here, above the backends; a backend provides
only `_audit_head` and `_insert_audit` inside its own atomic unit.
"""

from __future__ import annotations

import abc
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager

from hub import audit
from hub.errors import StoreError
from hub.model import (
    ApiToken,
    Asset,
    AuditDraft,
    AuditEntry,
    Finding,
    FindingCount,
    FindingStatus,
    Organization,
    OrgKind,
    Package,
    StoreCounts,
    System,
)

DEFAULT_LIMIT = 100


class Transaction(abc.ABC):
    """One atomic unit of writes. Puts are upserts by id, so replaying one is harmless."""

    @abc.abstractmethod
    def put_organization(self, org: Organization) -> None: ...

    @abc.abstractmethod
    def put_system(self, system: System) -> None: ...

    @abc.abstractmethod
    def put_asset(self, asset: Asset) -> None: ...

    @abc.abstractmethod
    def put_asset_packages(self, asset_id: str, packages: Sequence[Package]) -> None:
        """Replace the asset's software list with `packages`."""

    @abc.abstractmethod
    def put_token(self, token: ApiToken) -> None: ...

    @abc.abstractmethod
    def put_findings(self, findings: Sequence[Finding]) -> None:
        """Upsert findings by id; a batch, since matching produces them by the thousand."""

    @abc.abstractmethod
    def _audit_head(self) -> AuditEntry | None:
        """The newest entry, read under the transaction's lock."""

    @abc.abstractmethod
    def _insert_audit(self, entry: AuditEntry) -> None: ...

    def append_audit(self, draft: AuditDraft) -> AuditEntry:
        """Chain `draft` after the current head and record it in this transaction."""
        entry = audit.chain(draft, self._audit_head())
        self._insert_audit(entry)
        return entry

    def import_audit(self, entry: AuditEntry) -> None:
        """Copy an entry from another store verbatim; refused unless it extends this chain."""
        head = self._audit_head()
        seq = 1 if head is None else head.seq + 1
        prev = audit.GENESIS if head is None else head.hash
        if entry.seq != seq or entry.prev_hash != prev:
            raise StoreError(
                f"audit entry {entry.seq} does not extend this store's chain"
                f" (expected entry {seq} after hash {prev[:12]}...)"
            )
        self._insert_audit(entry)


class Store(abc.ABC):
    """Where the hub keeps its state. Lists page by id with an exclusive `after` cursor."""

    name: str

    @abc.abstractmethod
    def migrate(self) -> int:
        """Bring the schema up to date; return the schema version now in force."""

    @abc.abstractmethod
    def schema_version(self) -> int:
        """0 for an empty store that was never migrated."""

    @abc.abstractmethod
    def transaction(self) -> AbstractContextManager[Transaction]: ...

    @abc.abstractmethod
    def close(self) -> None: ...

    # Organizations
    @abc.abstractmethod
    def get_organization(self, org_id: str) -> Organization | None: ...

    @abc.abstractmethod
    def list_organizations(
        self,
        *,
        kind: OrgKind | None = None,
        ids: Sequence[str] | None = None,
        after: str | None = None,
        limit: int = DEFAULT_LIMIT,
    ) -> list[Organization]: ...

    # Systems
    @abc.abstractmethod
    def get_system(self, system_id: str) -> System | None: ...

    @abc.abstractmethod
    def list_systems(
        self, *, org_id: str | None = None, after: str | None = None, limit: int = DEFAULT_LIMIT
    ) -> list[System]: ...

    # Assets and their software
    @abc.abstractmethod
    def get_asset(self, asset_id: str) -> Asset | None: ...

    @abc.abstractmethod
    def list_assets(
        self,
        *,
        org_id: str | None = None,
        system_id: str | None = None,
        after: str | None = None,
        limit: int = DEFAULT_LIMIT,
    ) -> list[Asset]: ...

    @abc.abstractmethod
    def list_asset_packages(self, asset_id: str) -> list[Package]:
        """The asset's software, ordered by purl."""

    # Tokens
    @abc.abstractmethod
    def get_token(self, token_id: str) -> ApiToken | None: ...

    @abc.abstractmethod
    def find_token(self, token_hash: str) -> ApiToken | None: ...

    @abc.abstractmethod
    def list_tokens(self, *, org_id: str | None = None) -> list[ApiToken]: ...

    # Findings
    @abc.abstractmethod
    def get_finding(self, finding_id: str) -> Finding | None: ...

    @abc.abstractmethod
    def list_findings(
        self,
        *,
        org_id: str | None = None,
        asset_id: str | None = None,
        vuln_id: str | None = None,
        status: FindingStatus | None = None,
        after: str | None = None,
        limit: int = DEFAULT_LIMIT,
    ) -> list[Finding]: ...

    @abc.abstractmethod
    def summarize_findings(self, *, org_id: str | None = None) -> list[FindingCount]:
        """Counts per (organization, severity, status), sorted by those keys."""

    # Audit log
    @abc.abstractmethod
    def audit_head(self) -> AuditEntry | None: ...

    @abc.abstractmethod
    def iter_audit(self, *, after_seq: int = 0, limit: int | None = None) -> Iterator[AuditEntry]:
        """Entries in chain order, starting after `after_seq`."""

    # Whole-store
    @abc.abstractmethod
    def counts(self) -> StoreCounts: ...
