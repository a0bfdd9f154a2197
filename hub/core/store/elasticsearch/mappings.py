"""Index layout: one index per entity, explicit and strict mappings, installed as templates.

`dynamic: strict` makes a field the code forgot to map an error at write time,
not a silently guessed mapping. Free-form JSON (audit detail, the package list,
the journal) is stored but not indexed (`enabled: false`).
"""

from __future__ import annotations

from typing import Any

KEYWORD = {"type": "keyword"}
DATE = {"type": "date"}
DATE_NANOS = {"type": "date_nanos"}
OPAQUE = {"type": "object", "enabled": False}


def _strict(**properties: Any) -> dict[str, Any]:
    return {"dynamic": "strict", "properties": properties}


MAPPINGS: dict[str, dict[str, Any]] = {
    "organizations": _strict(id=KEYWORD, name=KEYWORD, kind=KEYWORD, created_at=DATE),
    "systems": _strict(
        id=KEYWORD,
        org_id=KEYWORD,
        name=KEYWORD,
        criticality=KEYWORD,
        internet_facing={"type": "boolean"},
        description={"type": "text"},
        created_at=DATE,
    ),
    "assets": _strict(
        id=KEYWORD,
        org_id=KEYWORD,
        system_id=KEYWORD,
        identifier=KEYWORD,
        hostname=KEYWORD,
        os_name=KEYWORD,
        os_version=KEYWORD,
        addresses={"type": "ip"},
        last_seen=DATE,
        created_at=DATE,
    ),
    # One document per asset: replacing the software list is one idempotent write, and
    # `purls` answers "which assets run this package" without a join.
    "asset-packages": _strict(
        asset_id=KEYWORD,
        purls=KEYWORD,
        keys=KEYWORD,  # how advisories name each package (hub.intelligence.match.package_key)
        count={"type": "integer"},
        packages=OPAQUE,
    ),
    "tokens": _strict(
        id=KEYWORD,
        org_id=KEYWORD,
        role=KEYWORD,
        name=KEYWORD,
        token_hash=KEYWORD,
        created_at=DATE,
        revoked_at=DATE,
        expires_at=DATE,
        last_used_at=DATE,
    ),
    "audit": _strict(
        seq={"type": "long"},
        at=DATE,
        actor=KEYWORD,
        action=KEYWORD,
        target=KEYWORD,
        request_id=KEYWORD,
        detail=OPAQUE,
        prev_hash=KEYWORD,
        hash=KEYWORD,
    ),
    "findings": _strict(
        id=KEYWORD,
        org_id=KEYWORD,
        system_id=KEYWORD,
        asset_id=KEYWORD,
        purl=KEYWORD,
        vuln_id=KEYWORD,
        severity=KEYWORD,
        cvss={"type": "half_float"},
        kev={"type": "boolean"},
        epss={"type": "float"},
        status=KEYWORD,
        first_seen=DATE,
        last_seen=DATE,
        fixed_at=DATE,
        sbom_id=KEYWORD,
        product_id=KEYWORD,
        aliases=KEYWORD,
        summary={"type": "text"},
        kev_due=DATE,
        vex=KEYWORD,
        justification=KEYWORD,
        fixed_in=KEYWORD,
    ),
    "products": _strict(
        id=KEYWORD,
        supplier=KEYWORD,
        name=KEYWORD,
        version=KEYWORD,
        purl=KEYWORD,
        created_at=DATE,
        org_id=KEYWORD,
    ),
    "sboms": _strict(
        id=KEYWORD,
        subject=KEYWORD,
        org_id=KEYWORD,
        format=KEYWORD,
        spec_version=KEYWORD,
        encoding=KEYWORD,
        serial_number=KEYWORD,
        doc_version={"type": "integer"},
        sha256=KEYWORD,
        size={"type": "long"},
        components={"type": "integer"},
        unidentified={"type": "integer"},
        quality={"type": "float"},
        missing=KEYWORD,
        submitted_by=KEYWORD,
        submitted_at=DATE,
        current={"type": "boolean"},
        matched={"type": "boolean"},
    ),
    # Like asset-packages: one document per SBOM holding its whole component list.
    "sbom-packages": _strict(
        sbom_id=KEYWORD, purls=KEYWORD, count={"type": "integer"}, packages=OPAQUE
    ),
    "deployments": _strict(
        id=KEYWORD, org_id=KEYWORD, system_id=KEYWORD, product_id=KEYWORD, created_at=DATE
    ),
    "vex": _strict(
        id=KEYWORD,
        subject=KEYWORD,
        org_id=KEYWORD,
        vuln_id=KEYWORD,
        purl=KEYWORD,
        state=KEYWORD,
        justification=KEYWORD,
        detail={"type": "text"},
        source=KEYWORD,
        created_at=DATE,
    ),
    "intel": _strict(id=KEYWORD, source=KEYWORD, key=KEYWORD, digest=KEYWORD, data=OPAQUE),
    "feeds": _strict(
        id=KEYWORD,
        source=KEYWORD,
        location=KEYWORD,
        validator=KEYWORD,
        synced_at=DATE,
        records={"type": "long"},
        last_changed={"type": "long"},
        last_error={"type": "text"},
        failed_at=DATE,
        enabled={"type": "boolean"},
    ),
    "telemetry": _strict(
        id=KEYWORD,
        org_id=KEYWORD,
        system_id=KEYWORD,
        collected_at=DATE,
        kernel=KEYWORD,
        checks_failed={"type": "integer"},
        checks_passed={"type": "integer"},
        data=OPAQUE,
    ),
    "batches": _strict(
        id=KEYWORD,
        asset_id=KEYWORD,
        org_id=KEYWORD,
        source=KEYWORD,
        digest=KEYWORD,
        packages={"type": "integer"},
        added={"type": "integer"},
        removed={"type": "integer"},
        received_at=DATE,
    ),
    "scores": _strict(
        id=KEYWORD,
        subject=KEYWORD,
        kind=KEYWORD,
        org_id=KEYWORD,
        points={"type": "double"},
        grade={"type": "double"},
        policy_version=KEYWORD,
        computed_at=DATE,
        flags=KEYWORD,
        contributions=OPAQUE,
        coverage=OPAQUE,
        measure={"type": "double"},
        band=KEYWORD,
    ),
    "score_states": _strict(
        id=KEYWORD,
        org_id=KEYWORD,
        scored_at=DATE,
        evaluated_at=DATE,
        next_change=DATE,
        policy_version=KEYWORD,
        points={"type": "double"},
        assets={"type": "long"},
        assets_reporting={"type": "long"},
        has_sbom={"type": "boolean"},
        change_token=KEYWORD,
        flags=KEYWORD,
        power_sum={"type": "double"},
        units={"type": "long"},
    ),
    "action_shares": _strict(id=KEYWORD, org_id=KEYWORD, level=KEYWORD, actions=OPAQUE),
    "score_changes": _strict(
        id=KEYWORD, org_id=KEYWORD, changed_at=DATE, reason=KEYWORD, token=KEYWORD
    ),
    "triage": _strict(
        id=KEYWORD,
        key=KEYWORD,
        status=KEYWORD,
        owner=KEYWORD,
        comments=OPAQUE,
        accepted=OPAQUE,
        created_at=DATE,
        updated_at=DATE,
        origin=OPAQUE,
    ),
    "taxii_collections": _strict(
        id=KEYWORD,
        title=KEYWORD,
        description={"type": "text"},
        alias=KEYWORD,
        readers=KEYWORD,
        writers=KEYWORD,
        default_tlp=KEYWORD,
        created_at=DATE,
    ),
    "stix_objects": _strict(
        id=KEYWORD,
        collection_id=KEYWORD,
        object_id=KEYWORD,
        type=KEYWORD,
        spec_version=KEYWORD,
        version=KEYWORD,
        date_added=DATE_NANOS,  # TAXII 2.1 s3.2: microseconds, which `date` would cut
        tlp=KEYWORD,
        owner_org=KEYWORD,
        audience=KEYWORD,
        first={"type": "boolean"},
        last={"type": "boolean"},
        deleted={"type": "boolean"},
        object=OPAQUE,
    ),
    "taxii_statuses": _strict(
        id=KEYWORD,
        collection_id=KEYWORD,
        owner_org=KEYWORD,
        status=KEYWORD,
        request_timestamp=DATE,
        total_count={"type": "long"},
        success_count={"type": "long"},
        failure_count={"type": "long"},
        pending_count={"type": "long"},
        successes=OPAQUE,
        failures=OPAQUE,
    ),
    "taxii_feeds": _strict(
        id=KEYWORD,
        org_id=KEYWORD,
        url=KEYWORD,
        collection_id=KEYWORD,
        username=KEYWORD,
        password={"type": "keyword", "index": False},
        added_after=KEYWORD,
        last_sync=DATE,
        last_error={"type": "text"},
        received={"type": "long"},
        direction=KEYWORD,
    ),
    "sightings": _strict(
        id=KEYWORD,
        indicator_id=KEYWORD,
        org_id=KEYWORD,
        system_id=KEYWORD,
        asset_id=KEYWORD,
        first_seen=DATE,
        last_seen=DATE,
        active={"type": "boolean"},
        profile=OPAQUE,
    ),
    "events": _strict(
        id=KEYWORD,
        trigger=KEYWORD,
        subject=KEYWORD,
        org_id=KEYWORD,
        at=DATE,
        fields=OPAQUE,
        status=KEYWORD,
        attempts={"type": "integer"},
        queued_at=DATE,
        handled_at=DATE,
        error={"type": "text"},
        only_for=KEYWORD,
    ),
    "action_runs": _strict(
        id=KEYWORD,
        playbook=KEYWORD,
        event_id=KEYWORD,
        action=KEYWORD,
        status=KEYWORD,
        at=DATE,
        detail=OPAQUE,
    ),
    "asset_tags": _strict(id=KEYWORD, org_id=KEYWORD, tags=KEYWORD),
    "event_cursors": _strict(id=KEYWORD, position=KEYWORD),
    "web_sessions": _strict(
        id=KEYWORD,
        token_id=KEYWORD,
        created_at=DATE,
        ended_at=DATE,
        person_id=KEYWORD,
        id_token={"type": "keyword", "index": False, "doc_values": False},
        last_seen_at=DATE,
    ),
    "persons": _strict(
        id=KEYWORD,
        issuer=KEYWORD,
        subject=KEYWORD,
        display_name=KEYWORD,
        email=KEYWORD,
        org_id=KEYWORD,
        role=KEYWORD,
        groups=KEYWORD,
        created_at=DATE,
        last_sign_in=DATE,
        disabled_at=DATE,
    ),
    "idp_mappings": _strict(
        id=KEYWORD,
        claim_value=KEYWORD,
        org_id=KEYWORD,
        role=KEYWORD,
        created_at=DATE,
        removed_at=DATE,
    ),
    "incidents": _strict(
        id=KEYWORD,
        org_id=KEYWORD,
        title=KEYWORD,
        description={"type": "text"},
        state=KEYWORD,
        severity=KEYWORD,
        tlp=KEYWORD,
        first_activity=DATE,
        last_activity=DATE,
        reported_at=DATE,
        updated_at=DATE,
        reported_by=KEYWORD,
        owner=KEYWORD,
        asset_ids=KEYWORD,
        system_ids=KEYWORD,
        observables=KEYWORD,
        techniques=KEYWORD,
        vulnerabilities=KEYWORD,
        digest=KEYWORD,
        objects=OPAQUE,
        history=OPAQUE,
    ),
    # Schema version, the writer lock and the one-slot commit journal.
    "meta": {"enabled": False},
}

# Indices kept sorted on disk in the order their listings page through them. A search
# sorted the same way stops after a page's worth of hits per segment instead of ranking
# every match: TAXII pages, always by (date_added, id), cost a third of what they did.
# Elasticsearch fixes an index's sort when it is created, so the store rebuilds an index
# made before its kind was listed here (see ElasticsearchStore.migrate).
SORTED: dict[str, tuple[str, ...]] = {"stix_objects": ("date_added", "id")}
# Fields kept to the nanosecond (date_nanos), read off the mappings: a cursor on them is
# in nanoseconds.
NANOS = frozenset(
    name
    for mapping in MAPPINGS.values()
    for name, spec in mapping.get("properties", {}).items()
    if spec.get("type") == "date_nanos"
)

# Which indices each schema version adds, in order; the store applies the ones it lacks.
MIGRATIONS: dict[int, tuple[str, ...]] = {
    1: ("meta", "organizations", "systems", "assets", "asset-packages", "tokens", "audit"),
    2: ("findings",),
    # "findings" again: its existing index gains the new fields (mappings only ever grow).
    3: ("findings", "products", "sboms", "sbom-packages", "deployments", "vex", "intel", "feeds"),
    4: ("telemetry", "batches", "asset-packages"),
    5: ("scores",),
    6: ("score_states", "score_changes", "triage", "action_shares"),
    7: ("taxii_collections", "stix_objects", "taxii_statuses", "taxii_feeds", "sightings"),
    8: ("triage", "events", "action_runs", "asset_tags", "event_cursors"),
    # stix_objects sorted on disk (SORTED): an index created unsorted is rebuilt; feeds
    # remember their last failure.
    9: ("stix_objects", "feeds"),
    # SBOMs record whether their findings were brought up to date; products their owner;
    # dashboard sign-ins are kept server-side, so logging out ends them.
    # stix_objects.date_added in nanoseconds: an index made before is rebuilt.
    10: ("sboms", "products", "web_sessions", "stix_objects"),
    # Scores keep their measure and band, states their part of the per-asset measure,
    # sightings their indicator's profile (the mappings grow).
    11: ("scores", "score_states", "sightings"),
    # Intelligence feeds can be switched off.
    12: ("feeds",),
    # People signed in through the identity provider; sessions name them; tokens expire
    # and keep their last use.
    13: ("persons", "idp_mappings", "web_sessions", "tokens"),
    # Incidents reported by agencies (the Knowledge Wall).
    14: ("incidents",),
}
SCHEMA_VERSION = max(MIGRATIONS)
