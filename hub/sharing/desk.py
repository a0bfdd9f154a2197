"""The sharing desk: TAXII collections, their objects and statuses, with rights and TLP
checked on every path. No HTTP here: the TAXII layer turns these results and errors into
the specification's resources.

Listings are one store query each (`Query.where` carries the collection, the version
selection, the match filters and the reader's visibility), ordered by (date_added, id)
with that pair as the cursor, so pages are the same whichever worker serves them and
nothing is ever filtered in Python over a whole collection.
"""

from __future__ import annotations

import base64
import binascii
import functools
import json
import re
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from hub.core.auth import Login, Principal
from hub.core.errors import Forbidden, InvalidSubmission, NotFound
from hub.core.model import AuditDraft, Role, utcnow_micro
from hub.core.records.sharing import StixVersion, TaxiiCollection, TaxiiStatus
from hub.core.store import Store
from hub.core.store.interface import (
    STIX_OBJECTS,
    TAXII_COLLECTIONS,
    TAXII_STATUSES,
    AnyOf,
    In,
    Query,
)
from hub.sharing import markings
from hub.sharing.markings import Tlp

# Where the hub serves TAXII 2.1 (discovery at TAXII_PATH/, one API root): the server
# routes and the pages that tell partners how to connect read them here.
TAXII_PATH = "/taxii2"
API_ROOT = "crsa"
MAX_PAGE = 1000
DEFAULT_PAGE = 100


def iso(value: datetime) -> str:
    """TAXII timestamps: UTC, microseconds, Z (TAXII 2.1 s3.2)."""
    utc = value.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond:06d}Z"


def stix_time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


@dataclass(frozen=True)
class Filters:
    """A listing's filters as TAXII states them (`match[...]`, `added_after`)."""

    ids: tuple[str, ...] = ()
    types: tuple[str, ...] = ()
    versions: tuple[str, ...] = ("last",)
    spec_versions: tuple[str, ...] = ()
    added_after: datetime | None = None


@dataclass(frozen=True)
class Page:
    items: list[StixVersion]
    more: bool
    next: str | None


def encode_cursor(item: StixVersion) -> str:
    raw = json.dumps([item.date_added.isoformat(timespec="microseconds"), item.id])
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(token: str) -> tuple[str, str]:
    try:
        padded = token + "=" * (-len(token) % 4)
        added, last_id = json.loads(base64.urlsafe_b64decode(padded))
        datetime.fromisoformat(added)
        return str(added), str(last_id)
    except (ValueError, TypeError, binascii.Error):
        raise InvalidSubmission(
            f"next {token!r} is not a page token this server gave", hint="start from page one"
        ) from None


def _versions(values: Sequence[str]) -> In | AnyOf | None:
    if "all" in values:
        return None
    groups: list[tuple[In, ...]] = []
    if "last" in values:
        groups.append((In("last", (True,)),))
    if "first" in values:
        groups.append((In("first", (True,)),))
    stamps = tuple(v for v in values if v not in ("first", "last"))
    if stamps:
        groups.append((In("version", stamps),))
    return AnyOf(tuple(groups))


def visible_to(reader_org: str) -> AnyOf:
    """The TLP rule (hub.sharing.markings) as a store condition."""
    owner = tuple(t.value for t in (Tlp.AMBER, Tlp.AMBER_STRICT))
    return AnyOf(
        (
            (In("tlp", tuple(t.value for t in markings.OPEN_LEVELS)),),
            (In("tlp", owner), In("owner_org", (reader_org,))),
            (In("tlp", (Tlp.AMBER.value,)), In("audience", (reader_org,))),
        )
    )


@dataclass(frozen=True)
class Listing:
    """One page asked of a collection (or of one object in it): filters, size, position."""

    collection_id: str
    filters: Filters = Filters()
    limit: int = DEFAULT_PAGE
    next_token: str | None = None
    object_id: str | None = None

    def query(self, reader_org: str) -> Query:
        """The page as one store query, for what `reader_org` may see: one row more than
        the page, to know whether more follow."""
        return self.query_in((self.collection_id,), reader_org)

    def query_in(self, collections: Sequence[str], reader_org: str) -> Query:
        """The same page over several collections (the REST API's threat listings read
        every collection the caller may read): one rule, one query, whichever front asks."""
        filters = self.filters
        where: list[In | AnyOf] = [visible_to(reader_org)]
        if len(collections) != 1:
            where.append(In("collection_id", tuple(collections)))
        if self.object_id is not None:
            where.append(In("object_id", (self.object_id,)))
        if filters.ids:
            where.append(In("object_id", filters.ids))
        if filters.types:
            where.append(In("type", filters.types))
        if filters.spec_versions:
            where.append(In("spec_version", filters.spec_versions))
        chosen = _versions(filters.versions)
        if chosen is not None:
            where.append(chosen)
        equals: dict[str, str | bool] = {"deleted": False}
        if len(collections) == 1:
            equals = {"collection_id": collections[0], **equals}
        return Query(
            equals=equals,
            where=tuple(where),
            newer=(
                None
                if filters.added_after is None
                else ("date_added", filters.added_after.isoformat(timespec="microseconds"))
            ),
            order_by="date_added",
            after=None if self.next_token is None else decode_cursor(self.next_token),
            limit=max(1, min(self.limit, MAX_PAGE)) + 1,
        )


def _cut(rows: list[StixVersion], size: int, reader_org: str) -> Page:
    more = len(rows) > size
    items = [_as_read_by(v, reader_org) for v in rows[:size]]
    return Page(items, more, encode_cursor(items[-1]) if more else None)


def _as_read_by(v: StixVersion, reader_org: str) -> StixVersion:
    """The version with the properties its granular markings keep from this reader
    removed (hub.sharing.markings); most objects have none and come back as they are."""
    if "granular_markings" not in v.object:
        return v
    seen = markings.as_read_by(
        v.object, lambda t: markings.may_read(t, v.owner_org, v.audience, reader_org)
    )
    return v if seen is v.object else replace(v, object=seen)


class SharingDesk:
    def __init__(self, store: Store, clock: Callable[[], datetime] = utcnow_micro) -> None:
        self.store = store
        self.clock = clock

    # Collections -----------------------------------------------------------------
    def add_collection(
        self,
        who: Principal,
        title: str,
        request_id: str,
        *,
        description: str = "",
        alias: str = "",
        readers: Sequence[str] = (),
        writers: Sequence[str] = (),
        default_tlp: str = Tlp.AMBER.value,
    ) -> TaxiiCollection:
        if who.role is not Role.ADMIN:
            raise Forbidden("only admins create TAXII collections")
        if not title.strip():
            raise InvalidSubmission("a collection needs a title")
        for org_id in {*readers, *writers}:
            if self.store.get_organization(org_id) is None:
                raise NotFound(f"no organization {org_id}")
        try:
            tlp = Tlp(default_tlp)
        except ValueError:
            raise InvalidSubmission(
                f"default TLP {default_tlp!r} is not one of {', '.join(t.value for t in Tlp)}"
            ) from None
        collection = TaxiiCollection(
            str(uuid.uuid4()),
            title.strip(),
            description,
            alias,
            tuple(sorted(set(readers))),
            tuple(sorted(set(writers))),
            tlp.value,
            self.clock(),
        )
        with self.store.transaction() as tx:
            tx.put_taxii_collection(collection)
            tx.append_audit(
                AuditDraft(
                    who.actor,
                    "taxii.collection.create",
                    collection.id,
                    request_id,
                    {"title": collection.title, "readers": list(collection.readers),
                     "writers": list(collection.writers), "default_tlp": tlp.value},
                    self.clock(),
                )
            )  # fmt: skip
        return collection

    def can_read(self, who: Principal, c: TaxiiCollection) -> bool:
        return who.role is Role.ADMIN or (who.org_id or "") in c.readers

    def can_write(self, who: Principal, c: TaxiiCollection) -> bool:
        return who.role is Role.ADMIN or (who.org_id or "") in c.writers

    def collections(self, who: Principal) -> list[TaxiiCollection]:
        """The collections the caller may read or write; the others do not exist for it."""
        found = self.store.iter_all(TAXII_COLLECTIONS)
        return [c for c in found if self.can_read(who, c) or self.can_write(who, c)]

    def collection(self, who: Principal, collection_id: str) -> TaxiiCollection:
        return self._check_visible(
            who, self.store.fetch(TAXII_COLLECTIONS, collection_id), collection_id
        )

    def _check_visible(
        self, who: Principal, found: TaxiiCollection | None, collection_id: str
    ) -> TaxiiCollection:
        """A collection the caller may neither read nor write does not exist for it."""
        if found is None or not (self.can_read(who, found) or self.can_write(who, found)):
            raise NotFound(f"no collection {collection_id}")
        return found

    def _check_readable(
        self, who: Principal, found: TaxiiCollection | None, collection_id: str
    ) -> TaxiiCollection:
        c = self._check_visible(who, found, collection_id)
        if not self.can_read(who, c):
            raise Forbidden(f"no read access to collection {collection_id}")
        return c

    def _readable(self, who: Principal, collection_id: str) -> TaxiiCollection:
        return self._check_readable(
            who, self.store.fetch(TAXII_COLLECTIONS, collection_id), collection_id
        )

    # Reads -----------------------------------------------------------------------
    def page(self, who: Principal, listing: Listing) -> Page:
        """One page of object versions the caller may read, oldest added first."""
        self._readable(who, listing.collection_id)
        query = listing.query(who.org_id or "")
        return _cut(self.store.select(STIX_OBJECTS, query), query.limit - 1, who.org_id or "")

    def readable(self, who: Principal) -> list[TaxiiCollection]:
        """The collections the caller may read (TAXII GET), the REST API's threat
        listings' scope."""
        return [c for c in self.store.iter_all(TAXII_COLLECTIONS) if self.can_read(who, c)]

    def threats(self, who: Principal, listing: Listing) -> Page:
        """One page of the objects the caller may read over every collection it may read
        (or the one `listing` names, checked as TAXII checks it), under the rule TAXII
        reads them by: the REST API's indicators, sightings and reports."""
        if listing.collection_id:
            collections = [self._readable(who, listing.collection_id).id]
        else:
            collections = [c.id for c in self.readable(who)]
        if not collections:
            return Page([], False, None)
        query = listing.query_in(collections, who.org_id or "")
        return _cut(self.store.select(STIX_OBJECTS, query), query.limit - 1, who.org_id or "")

    def page_signed_in(self, login: Login, reader_org: str, listing: Listing) -> Page:
        """`page` for a token whose organization is already known (a token never changes
        organization): the token, the collection and the page are read in one round trip,
        then the token and the rights are judged on what was read, exactly as `page`
        would, before the page is given out. A bad page token, or a token of another
        organization after all, is served by `page`, which judges in the usual order."""
        try:
            query = listing.query(reader_org)
        except InvalidSubmission:
            return self._page_after_login(login, listing)
        tokens, found, rows = self.store.select_many(
            [
                login.read,
                (TAXII_COLLECTIONS, Query(ids=(listing.collection_id,), limit=1)),
                (STIX_OBJECTS, query),
            ]
        )
        who = login.admit(self.store, tokens)
        if (who.org_id or "") != reader_org:
            return self._page_after_login(login, listing)
        self._check_readable(who, found[0] if found else None, listing.collection_id)
        return _cut(rows, query.limit - 1, reader_org)

    def _page_after_login(self, login: Login, listing: Listing) -> Page:
        return self.page(login.against(self.store), listing)

    def status(self, who: Principal, status_id: str) -> TaxiiStatus:
        found = self.store.fetch(TAXII_STATUSES, status_id)
        if found is None or not (who.role is Role.ADMIN or found.owner_org == who.org_id):
            raise NotFound(f"no status {status_id}")
        return found

    # Writes ----------------------------------------------------------------------
    def post(
        self, who: Principal, collection_id: str, envelope: Any, request_id: str
    ) -> TaxiiStatus:
        """Add an envelope's objects for a caller with write rights (TAXII POST)."""
        c = self.collection(who, collection_id)
        if not self.can_write(who, c):
            raise Forbidden(f"no write access to collection {collection_id}")
        if not isinstance(envelope, dict) or not isinstance(envelope.get("objects"), list):
            raise InvalidSubmission("the body must be a TAXII envelope with an 'objects' list")
        return self.keep(c, envelope["objects"], who.org_id or "", who.actor, request_id)

    def keep(
        self,
        c: TaxiiCollection,
        objects: list[Any],
        owner: str,
        actor: str,
        request_id: str,
    ) -> TaxiiStatus:
        """Store objects into `c` on behalf of `owner`: each valid one is kept, each invalid
        one is refused with its reason in the status's failures; the same version twice is
        a success that writes nothing. Rights are the caller's business (TAXII POST checks
        them; a partner feed was set up by an admin)."""
        now = self.clock()
        default = Tlp(c.default_tlp)
        successes: list[dict[str, Any]] = []
        failures: list[dict[str, Any]] = []
        accepted: list[tuple[dict[str, Any], str | None]] = []
        for obj in objects:
            problem = stix_problem(obj)
            if problem:
                oid = obj.get("id", "") if isinstance(obj, dict) else ""
                failures.append({"id": oid, "version": _version_of(obj, now), "message": problem})
                continue
            accepted.append((obj, _own_version(obj)))
        with self.store.transaction() as tx:
            touched: dict[str, list[StixVersion]] = {}
            for obj, own in accepted:
                # An SCO has no version of its own: the same content again is the version
                # it was, other content a version named by when it was added.
                version = own or self._same_as_last(c.id, obj, touched) or iso(now)
                key = StixVersion.key_id(c.id, obj["id"], version)
                existing = self.store.fetch(STIX_OBJECTS, key)
                successes.append({"id": obj["id"], "version": version})
                if (existing is not None and not existing.deleted) or key in {
                    r.id for r in touched.get(obj["id"], [])
                }:
                    continue  # already here: a replay changes nothing
                row = StixVersion(
                    key,
                    c.id,
                    obj["id"],
                    obj["type"],
                    obj.get("spec_version", "2.1"),
                    version,
                    now,
                    _level(obj, default).value,
                    owner,
                    tuple(c.readers),
                    False,
                    False,
                    False,
                    obj,
                )
                touched.setdefault(obj["id"], []).append(row)
            for object_id, rows in touched.items():
                tx.put_stix_versions(self._flagged(c.id, object_id, rows))
            status = TaxiiStatus(
                str(uuid.uuid4()),
                c.id,
                owner,
                "complete",
                now,
                len(objects),
                len(successes),
                len(failures),
                0,
                tuple(successes),
                tuple(failures),
            )
            tx.put_taxii_status(status)
            tx.append_audit(
                AuditDraft(
                    actor,
                    "taxii.objects.add",
                    c.id,
                    request_id,
                    {"status": status.id, "added": sum(len(r) for r in touched.values()),
                     "successes": len(successes), "failures": len(failures)},
                    now,
                )
            )  # fmt: skip
        return status

    def _same_as_last(
        self, collection_id: str, obj: dict[str, Any], touched: dict[str, list[StixVersion]]
    ) -> str | None:
        """The version of an object with no `modified` or `created` (an SCO, whose
        version is when it was added) whose content is `obj` exactly: its latest live
        one, or one added earlier in this request. Without it, the same SCO posted twice
        (a MISP file imported again) would be kept twice."""
        latest = [v for v in self._live(collection_id, obj["id"]) if v.last]
        for v in [*touched.get(obj["id"], []), *latest]:
            if v.object == obj:
                return v.version
        return None

    def _live(self, collection_id: str, object_id: str) -> list[StixVersion]:
        query = Query(
            equals={"collection_id": collection_id, "object_id": object_id, "deleted": False},
            limit=10_000,
        )
        return self.store.select(STIX_OBJECTS, query)

    def _flagged(
        self, collection_id: str, object_id: str, new: list[StixVersion]
    ) -> list[StixVersion]:
        """The object's stored live versions plus `new`, with first/last set anew: the
        rows to write (the new ones, and the old ones whose flags moved)."""
        live = {v.id: v for v in self._live(collection_id, object_id)}
        live.update({v.id: v for v in new})
        return _reflag(list(live.values()), {v.id for v in new})

    def delete(
        self, who: Principal, collection_id: str, object_id: str, filters: Filters, request_id: str
    ) -> int:
        """Hide the object's chosen versions (all, by default) from every read."""
        c = self._readable(who, collection_id)
        if not self.can_write(who, c):
            raise Forbidden(f"no write access to collection {collection_id}")
        every = replace(filters, versions=filters.versions or ("all",))
        chosen = self.page(
            who, Listing(collection_id, every, limit=MAX_PAGE, object_id=object_id)
        ).items
        if not chosen:
            raise NotFound(f"no object {object_id} in collection {collection_id}")
        with self.store.transaction() as tx:
            gone = {v.id for v in chosen}
            tx.put_stix_versions(
                [replace(v, deleted=True, first=False, last=False) for v in chosen]
            )
            rest = [v for v in self._live(c.id, object_id) if v.id not in gone]
            tx.put_stix_versions(_reflag(rest, set()))
            tx.append_audit(
                AuditDraft(
                    who.actor,
                    "taxii.objects.delete",
                    object_id,
                    request_id,
                    {"collection": c.id, "versions": [v.version for v in chosen]},
                    self.clock(),
                )
            )
        return len(chosen)


def _reflag(versions: list[StixVersion], always: set[str]) -> list[StixVersion]:
    """First and last by version time; returns the rows whose flags moved (or in `always`)."""
    ordered = sorted(versions, key=lambda v: stix_time(v.version))
    out = []
    for n, v in enumerate(ordered):
        flagged = replace(v, first=n == 0, last=n == len(ordered) - 1)
        if flagged != v or v.id in always:
            out.append(flagged)
    return out


def _level(obj: dict[str, Any], default: Tlp) -> Tlp:
    """The level the object is stored under: its own TLP marking, or a stricter granular
    one when the object would not be valid STIX without the properties that marks (a
    reader not cleared for it then gets nothing, rather than a broken object)."""
    level = markings.level(obj, default)
    tighter = markings.stricter(obj, level)
    if not tighter:
        return level
    hidden = {p for _, props in tighter for p in props}
    if hidden & markings.PROTECTED or stix_problem(markings.redact(obj, hidden)):
        return max((t for t, _ in tighter), key=markings.ORDER.index)
    return level


def _own_version(obj: Any) -> str | None:
    """The version an object names itself (its `modified`, else `created`); None for one
    that names none (a cyber-observable)."""
    if isinstance(obj, dict):
        for key in ("modified", "created"):
            if isinstance(obj.get(key), str):
                return str(obj[key])
    return None


def _version_of(obj: Any, now: datetime) -> str:
    return _own_version(obj) or iso(now)


@functools.cache
def _validation() -> Any:
    """The OASIS validator's options, the validator imported on first use: it pulls in
    jsonschema's format checkers, a second and a half of start-up every CLI command would
    otherwise pay."""
    from stix2validator import ValidationOptions

    return ValidationOptions(version="2.1", silent=True)


_TYPE = re.compile(r"^[a-z0-9][a-z0-9-]{1,248}[a-z0-9]$")
_ID = re.compile(
    r"^([a-z0-9][a-z0-9-]{1,248}[a-z0-9])--[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
)
MAX_PATTERN_NESTING = 64


def stix_problem(obj: Any) -> str:
    """Why the object cannot be kept ('' when it can). The shape every later step relies
    on is checked first (the OASIS validator itself fails on an object without a string
    `id` and `type`, on an empty pattern and on deeply nested ones), then the
    stix2-validator's errors."""
    if not isinstance(obj, dict):
        return "not a JSON object"
    kind, oid = obj.get("type"), obj.get("id")
    if not isinstance(kind, str) or not _TYPE.match(kind):
        return "'type' must be a STIX type name (lower-case letters, digits and hyphens)"
    if not isinstance(oid, str) or not (m := _ID.match(oid)) or m.group(1) != kind:
        return f"'id' must be a STIX identifier '{kind}--<UUID>' in lower case"
    if obj.get("spec_version", "2.1") != "2.1" and kind != "marking-definition":
        return f"spec_version {obj.get('spec_version')!r} is not 2.1"
    marked = markings.malformed(obj)
    if marked:
        return marked
    if "pattern" in obj:
        pattern = obj["pattern"]
        if not isinstance(pattern, str) or not pattern.strip():
            return "'pattern' must be a non-empty string"
        if _nesting(pattern) > MAX_PATTERN_NESTING:
            return f"'pattern' is nested deeper than {MAX_PATTERN_NESTING} levels"
    from stix2validator import validate_instance

    try:
        result = validate_instance(obj, _validation())
    except (RecursionError, ValueError, TypeError, AttributeError) as exc:
        return f"the object could not be validated: {exc}"[:2000]
    if result.is_valid:
        return ""
    return "; ".join(str(e) for e in result.errors)[:2000]


def _nesting(pattern: str) -> int:
    """How deep brackets and parentheses nest (quoted text aside): the pattern grammar's
    parser recurses once per level."""
    deepest = depth = 0
    quoted = False
    escaped = False
    for ch in pattern:
        if quoted:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == "'":
                quoted = False
        elif ch == "'":
            quoted = True
        elif ch in "([":
            depth += 1
            deepest = max(deepest, depth)
        elif ch in ")]":
            depth -= 1
    return deepest
