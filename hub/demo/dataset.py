"""Builds the demo hub from a seed: the same seed gives the same organizations, ids and software.

Writes go through the store interface (so the demo runs on every backend) in
one transaction per system, each with one audit entry, so even the demo's
bulk load is on the audit chain.
"""

from __future__ import annotations

import hashlib
import hmac
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from packageurl import PackageURL

from hub.core.auth import Principal, hash_token
from hub.core.model import (
    ApiToken,
    Asset,
    AuditDraft,
    Criticality,
    Organization,
    OrgKind,
    Package,
    Role,
    System,
    derive_id,
)
from hub.core.registry import Registry
from hub.core.store import Store
from hub.demo import catalog

SYSTEMS_PER_AGENCY = 5
TOTAL_ASSETS = 3000


@dataclass(frozen=True)
class DemoCredentials:
    role: Role
    organization: str
    token: str


@dataclass(frozen=True)
class DemoSummary:
    organizations: int
    agencies: int
    systems: int
    assets: int
    packages: int
    credentials: tuple[DemoCredentials, ...]


def _package(spec: catalog.Spec, rng: random.Random, discipline: float) -> Package:
    # A disciplined agency runs the newest release; otherwise older releases are likelier:
    # real fleets lag behind upstream.
    weights = [len(spec.versions) - i + 1 for i in range(len(spec.versions))]
    lagging = rng.choices(spec.versions, weights=weights)[0]
    version = spec.versions[-1] if rng.random() < discipline else lagging
    purl = PackageURL(
        type=spec.purl_type,
        namespace=spec.namespace,
        name=spec.name,
        version=version,
        qualifiers=spec.qualifiers,
    )
    name = f"{spec.namespace}/{spec.name}" if spec.namespace else spec.name
    return Package(purl=purl.to_string(), name=name, version=version, ecosystem=spec.purl_type)


def _demo_secret(seed: int, role: Role) -> str:
    """Deterministic so a rebuilt demo keeps its printed logins; never use demo tokens elsewhere."""
    mac = hmac.new(str(seed).encode(), f"crsa-demo-{role.value}".encode(), hashlib.sha256)
    return f"crsa_demo_{role.value}_{mac.hexdigest()[:24]}"


def _split(total: int, parts: int, rng: random.Random) -> list[int]:
    """`parts` positive sizes that add up to `total`, unevenly, as real systems are."""
    weights = [rng.uniform(0.3, 2.0) for _ in range(parts)]
    scale = total / sum(weights)
    sizes = [max(1, int(w * scale)) for w in weights]
    sizes[-1] += total - sum(sizes)
    return sizes


def build_demo(
    store: Store,
    *,
    seed: int,
    now: datetime,
    progress: Callable[[int], None] | None = None,
) -> DemoSummary:
    rng = random.Random(seed)
    who = Principal.operator("demo")
    registry = Registry(store, clock=lambda: now)
    rid = f"demo-{seed}"

    operator = registry.add_organization(who, catalog.OPERATOR, OrgKind.OPERATOR, rid).value
    partners = [
        registry.add_organization(who, p, OrgKind.PARTNER, rid).value for p in catalog.PARTNERS
    ]
    agencies = [
        registry.add_organization(who, a, OrgKind.AGENCY, rid).value for a in catalog.AGENCIES
    ]

    plan: list[tuple[Organization, str, str, bool, tuple[str, ...]]] = []
    hygiene = {a.id: catalog.HYGIENE[n % len(catalog.HYGIENE)] for n, a in enumerate(agencies)}
    for agency in agencies:
        for kind in rng.sample(catalog.SYSTEM_KINDS, SYSTEMS_PER_AGENCY):
            plan.append((agency, *kind))
    sizes = _split(TOTAL_ASSETS, len(plan), rng)

    packages_total = 0
    for (agency, name, criticality, exposed, stacks), size in zip(plan, sizes, strict=True):
        system = registry.add_system(
            who,
            agency.id,
            name,
            Criticality(criticality),
            exposed,
            f"{name} of the {agency.name}",
            rid,
        ).value
        packages_total += _add_assets(
            store, who, system, size, stacks, rng, now, rid, hygiene[agency.id]
        )
        if progress is not None:
            progress(size)

    credentials = [
        (Role.ADMIN, operator),
        (Role.SOC_ANALYST, operator),
        (Role.AUDITOR, operator),
        (Role.AGENCY_SUBMITTER, agencies[0]),
        (Role.PARTNER, partners[0]),
    ]
    issued = []
    with store.transaction() as tx:
        for role, org in credentials:
            secret = _demo_secret(seed, role)
            token = ApiToken(
                id=derive_id("demo-token", str(seed), role.value),
                org_id=org.id,
                role=role,
                name=f"demo {role.value}",
                token_hash=hash_token(secret),
                created_at=now,
            )
            tx.put_token(token)
            tx.append_audit(
                AuditDraft(
                    who.actor,
                    "token.issue",
                    token.id,
                    rid,
                    {"org_id": org.id, "role": role.value, "name": token.name},
                    now,
                )
            )
            issued.append(DemoCredentials(role, org.name, secret))

    return DemoSummary(
        organizations=1 + len(partners) + len(agencies),
        agencies=len(agencies),
        systems=len(plan),
        assets=sum(sizes),
        packages=packages_total,
        credentials=tuple(issued),
    )


def _add_assets(
    store: Store,
    who: Principal,
    system: System,
    count: int,
    stacks: tuple[str, ...],
    rng: random.Random,
    now: datetime,
    rid: str,
    hygiene: tuple[float, float],
) -> int:
    discipline, reporting = hygiene
    slug = "".join(ch for ch in system.name.lower() if ch.isalnum())[:10]
    written = 0
    with store.transaction() as tx:
        for n in range(count):
            image = rng.choice(catalog.IMAGES)
            specs = list(image.packages)
            for stack in stacks:
                if rng.random() < 0.7:
                    specs.extend(catalog.STACKS[stack])
            packages = sorted({_package(s, rng, discipline) for s in specs}, key=lambda p: p.purl)
            # reporting hosts were seen in the last four days, the others up to a month ago
            quiet = rng.random() >= reporting
            minutes = rng.randint(60 * 24 * 8, 60 * 24 * 30) if quiet else rng.randint(1, 5760)
            identifier = f"{slug}-{system.id[:8]}-{n:04d}"
            octets = system.id[:2]
            asset = Asset(
                id=Asset.key_id(system.id, identifier),
                org_id=system.org_id,
                system_id=system.id,
                identifier=identifier,
                hostname=f"{slug}-{n:04d}.{system.org_id[:6]}.go.jp",
                os_name=image.os_name,
                os_version=image.os_version,
                addresses=(f"10.{int(octets, 16) % 250}.{n // 250}.{n % 250 + 1}",),
                last_seen=now - timedelta(minutes=minutes),
                created_at=now - timedelta(days=rng.randint(30, 900)),
            )
            tx.put_asset(asset)
            tx.put_asset_packages(asset.id, packages)
            written += len(packages)
        tx.append_audit(
            AuditDraft(
                who.actor,
                "asset.import",
                system.id,
                rid,
                {"assets": count, "packages": written},
                now,
            )
        )
    return written
