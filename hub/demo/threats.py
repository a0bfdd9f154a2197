"""The demo's threat picture: real advisories for releases the demo fleet runs, the CISA
KEV and EPSS entries for them, telemetry from some hosts, and a partner ISAC's indicators,
run through the hub's real pipeline (feed sync, matching, indicator matching, scoring,
publication), so every dashboard has something true to show.

The advisories are real (their ids, aliases, versions and CVSS vectors as published); the
indicator values are from the documentation ranges (RFC 5737 addresses, example domains),
so nothing in the demo points at a real host.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import stix2
from packageurl import PackageURL

from hub.core.auth import Principal
from hub.core.model import FindingStatus, OrgKind
from hub.core.records.intel import IntelSource
from hub.core.records.telemetry import AssetTelemetry
from hub.core.settings import Settings
from hub.core.store import Store
from hub.core.store.interface import ASSETS, FINDINGS, Query
from hub.demo import catalog
from hub.demo.incidents import seed_incidents
from hub.intelligence.feeds import register
from hub.inventory.desk import InventoryDesk
from hub.inventory.refresh import refresh
from hub.risk.scoring import default_policy
from hub.risk.scoring.actions import highest
from hub.risk.scoring.compute import audit_draft, run_scoring
from hub.sharing.desk import SharingDesk
from hub.sharing.ioc import record
from hub.sharing.markings import MARKING_IDS, Tlp
from hub.sharing.outbound import publish
from sbom.desk import SbomDesk

HIGH = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"
MEDIUM = "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:N/A:N"
# (id, ecosystem, package, introduced, fixed, CVE, vector, summary)
ADVISORIES = (
    (
        "GHSA-jfh8-c2jp-5v3q",
        "Maven",
        "org.apache.logging.log4j:log4j-core",
        "2.0-beta9",
        "2.15.0",
        "CVE-2021-44228",
        "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H",
        "Remote code injection in Log4j (Log4Shell)",
    ),
    (
        "GHSA-36p3-wjmg-h94x",
        "Maven",
        "org.springframework:spring-webmvc",
        "5.3.0",
        "5.3.18",
        "CVE-2022-22965",
        HIGH,
        "Remote code execution in Spring Framework (Spring4Shell)",
    ),
    (
        "GHSA-35jh-r3h4-6jhm",
        "npm",
        "lodash",
        "0",
        "4.17.21",
        "CVE-2021-23337",
        "CVSS:3.1/AV:N/AC:L/PR:H/UI:N/S:U/C:H/I:H/A:H",
        "Command injection in lodash",
    ),
    (
        "GHSA-xvch-5gv4-984h",
        "npm",
        "minimist",
        "0",
        "1.2.6",
        "CVE-2021-44906",
        HIGH,
        "Prototype pollution in minimist",
    ),
    (
        "GHSA-wf5p-g6vw-rhxx",
        "npm",
        "axios",
        "0.8.1",
        "1.6.0",
        "CVE-2023-45857",
        "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:H/I:N/A:N",
        "Axios Cross-Site Request Forgery",
    ),
    (
        "GHSA-3h5v-q93c-6h6q",
        "npm",
        "ws",
        "8.0.0",
        "8.17.1",
        "CVE-2024-37890",
        "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H",
        "ws affected by a DoS with many headers",
    ),
    (
        "GHSA-9wx4-h78v-vm56",
        "PyPI",
        "requests",
        "0",
        "2.32.0",
        "CVE-2024-35195",
        MEDIUM,
        "Requests Session verify=False persists",
    ),
    (
        "GHSA-v845-jxx5-vc9f",
        "PyPI",
        "urllib3",
        "0",
        "1.26.18",
        "CVE-2023-45803",
        MEDIUM,
        "urllib3's request body not stripped after redirect",
    ),
    (
        "GHSA-pr39-8257-fxc2",
        "Maven",
        "org.apache.commons:commons-text",
        "1.5",
        "1.10.0",
        "CVE-2022-42889",
        "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
        "Arbitrary code execution in Apache Commons Text (Text4Shell)",
    ),
    (
        "GHSA-mjmj-j48q-9wg2",
        "Maven",
        "org.yaml:snakeyaml",
        "0",
        "2.0",
        "CVE-2022-1471",
        "CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H",
        "SnakeYaml Constructor deserialization",
    ),
    (
        "GHSA-qppj-fm5r-hxr3",
        "Go",
        "golang.org/x/net",
        "0",
        "0.17.0",
        "CVE-2023-44487",
        "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H",
        "HTTP/2 rapid reset",
    ),
    (
        "DSA-5532-1",
        "Debian:12",
        "openssl",
        "0",
        "3.0.11-1~deb12u2",
        "CVE-2023-5363",
        HIGH,
        "openssl: incorrect cipher key and IV length processing",
    ),
    (  # as the Go vulnerability database publishes it: no CVSS rating, so "unrated"
        "GO-2024-2687",
        "Go",
        "golang.org/x/net",
        "0",
        "0.23.0",
        "CVE-2023-45288",
        "",
        "HTTP/2 CONTINUATION flood in net/http",
    ),
)
# RustSec's informational records: notices, not vulnerabilities (id, crate, kind, summary).
NOTICES = (
    ("RUSTSEC-2024-0375", "atty", "unmaintained", "`atty` is unmaintained"),
)  # fmt: skip
KEV = (
    ("CVE-2021-44228", 15),
    ("CVE-2022-22965", 20),
    ("CVE-2022-42889", 30),
    ("CVE-2023-44487", -10),
)  # fmt: skip  (days from now to the due date)
EPSS = {
    "CVE-2021-44228": 0.9447,
    "CVE-2022-22965": 0.9745,
    "CVE-2022-42889": 0.9694,
    "CVE-2023-44487": 0.8214,
    "CVE-2021-23337": 0.0082,
    "CVE-2021-44906": 0.0119,
}
C2 = ["198.51.100.23", "198.51.100.77", "203.0.113.45", "203.0.113.99"]
C2_DOMAINS = ["update-check.example.net", "cdn-sync.example.org"]
MINER = "9f2c6e4b1d8a7c3e5f0b2d4a6c8e1f3b5d7a9c0e2f4b6d8a1c3e5f7b9d0a2c4e"


@dataclass(frozen=True)
class ThreatSummary:
    findings_opened: int
    sightings: int
    indicators: int
    objects: int  # everything the partner shared: indicators, its malware, CVE, relationships
    inbound_collection: str
    outbound_collection: str


def _write_feeds(
    folder: Path, now: datetime, advisories: Sequence[tuple[str, ...]]
) -> dict[IntelSource, Path]:
    osv = folder / "osv"
    osv.mkdir(parents=True, exist_ok=True)
    for vid, eco, name, introduced, fixed, cve, vector, summary in advisories:
        doc: dict[str, Any] = {
            "schema_version": "1.6.0",
            "id": vid,
            "modified": "2026-10-01T00:00:00Z",
            "aliases": [cve],
            "summary": summary,
            "severity": [{"type": "CVSS_V3", "score": vector}] if vector else [],
            "affected": [
                {
                    "package": {"ecosystem": eco, "name": name},
                    "ranges": [
                        {
                            "type": "ECOSYSTEM" if eco in ("Maven", "Debian:12") else "SEMVER",
                            "events": [{"introduced": introduced}, {"fixed": fixed}],
                        }
                    ],
                }
            ],
        }
        if eco in ("PyPI",):
            doc["affected"][0]["ranges"][0]["type"] = "ECOSYSTEM"
        (osv / f"{vid}.json").write_text(json.dumps(doc), encoding="utf-8")
    for vid, crate, kind, summary in NOTICES:
        notice = {
            "schema_version": "1.6.0",
            "id": vid,
            "modified": "2026-10-01T00:00:00Z",
            "summary": summary,
            "affected": [
                {
                    "package": {"ecosystem": "crates.io", "name": crate},
                    "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}]}],
                }
            ],
            "database_specific": {"informational": kind},
        }
        (osv / f"{vid}.json").write_text(json.dumps(notice), encoding="utf-8")
    kev = folder / "kev.json"
    kev.write_text(
        json.dumps(
            {
                "title": "CISA Catalog of Known Exploited Vulnerabilities (demo extract)",
                "catalogVersion": now.date().isoformat(),
                "count": len(KEV),
                "vulnerabilities": [
                    {
                        "cveID": cve,
                        "vendorProject": "demo",
                        "product": "demo",
                        "dateAdded": (now - timedelta(days=30)).date().isoformat(),
                        "dueDate": (now + timedelta(days=days)).date().isoformat(),
                        "knownRansomwareCampaignUse": "Known",
                    }
                    for cve, days in KEV
                ],
            }
        ),
        encoding="utf-8",
    )
    epss = folder / "epss.csv"
    lines = [f"#model_version:v2025.03.14,score_date:{now.date().isoformat()}T00:00:00Z"]
    lines += ["cve,epss,percentile"] + [f"{c},{s},0.99" for c, s in EPSS.items()]
    epss.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return {IntelSource.OSV: osv, IntelSource.KEV: kev, IntelSource.EPSS: epss}


def _indicator(
    n: int,
    pattern: str,
    tlp: Tlp,
    name: str,
    now: datetime,
    phase: tuple[str, str] = ("lockheed-martin-cyber-kill-chain", "command-and-control"),
    confidence: int = 85,
) -> dict[str, Any]:
    stamp = (now - timedelta(days=n % 9 + 1)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    return {
        "type": "indicator",
        "spec_version": "2.1",
        "id": f"indicator--{n:08d}-5d1e-4c9a-9b7e-2f6a3c8d1e4b",
        "created": stamp,
        "modified": stamp,
        "name": name,
        "indicator_types": ["malicious-activity"],
        "pattern": pattern,
        "pattern_type": "stix",
        "pattern_version": "2.1",
        "valid_from": stamp,
        "confidence": confidence,
        "kill_chain_phases": [{"kill_chain_name": phase[0], "phase_name": phase[1]}],
        "object_marking_refs": [MARKING_IDS[tlp]],
    }


PORTAL_V1 = (
    ("log4j-core", "2.14.1", "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1"),
    ("spring-webmvc", "5.3.17", "pkg:maven/org.springframework/spring-webmvc@5.3.17"),
    ("lodash", "4.17.20", "pkg:npm/lodash@4.17.20"),
    ("axios", "1.5.1", "pkg:npm/axios@1.5.1"),
)
PORTAL_V2 = (
    ("log4j-core", "2.17.1", "pkg:maven/org.apache.logging.log4j/log4j-core@2.17.1"),
    ("spring-webmvc", "5.3.31", "pkg:maven/org.springframework/spring-webmvc@5.3.31"),
    ("lodash", "4.17.21", "pkg:npm/lodash@4.17.21"),
    ("axios", "1.5.1", "pkg:npm/axios@1.5.1"),
    ("ws", "8.11.0", "pkg:npm/ws@8.11.0"),
)


def cyclonedx(system: str, version: int, components: Sequence[tuple[str, str, str]]) -> bytes:
    """A CycloneDX 1.6 SBOM of the kind a supplier's build pipeline delivers."""
    root = {
        "type": "application",
        "name": system,
        "version": f"{version}.0",
        "bom-ref": "root",
        "supplier": {"name": "Demo supplier K.K."},
    }
    serial = f"urn:uuid:7d3c1a52-8f7d-4b0e-a1f4-6d2b7c9e0a{version:02d}"
    return sbom_document(
        components, subject=root, serial=serial, version=version,
        author="Demo supplier build pipeline",
    )  # fmt: skip


def sbom_document(
    components: Sequence[tuple[str, str, str]],
    *,
    subject: dict[str, Any],
    serial: str,
    version: int = 1,
    spec: str = "1.6",
    author: str,
    vulnerabilities: list[dict[str, Any]] | None = None,
) -> bytes:
    """A CycloneDX SBOM of `subject` whose (name, version, purl) components each depend on
    nothing and are all the subject's dependencies: the demo's and the tests' documents."""
    doc: dict[str, Any] = {
        "bomFormat": "CycloneDX",
        "specVersion": spec,
        "serialNumber": serial,
        "version": version,
        "metadata": {
            "timestamp": "2026-11-01T09:00:00Z",
            "component": subject,
            "authors": [{"name": author}],
        },
        "components": [
            {
                "type": "library",
                "bom-ref": purl,
                "name": name,
                "version": ver,
                "purl": purl,
                "supplier": {"name": "upstream"},
            }
            for name, ver, purl in components
        ],
        "dependencies": [
            {"ref": subject.get("bom-ref", "root"), "dependsOn": [p for _, _, p in components]}
        ],
    }
    if vulnerabilities:
        doc["vulnerabilities"] = vulnerabilities
    return json.dumps(doc).encode()


HISTORY_DAYS = 90
PATCH_EVERY = 7  # days between an agency's patch rounds
PATCH_SHARE = 0.12  # of its vulnerable hosts a perfectly disciplined agency patches a round
LATE_ADVISORIES = 5  # the last advisories of ADVISORIES arrive half way through the history
CAMPAIGN_STARTS = 12  # days before now: the first sightings of the partner's indicators


def _telemetry(
    assets: list[Any], rng: random.Random, at: datetime, wave: int
) -> list[AssetTelemetry]:
    """What the sampled hosts report at `at`: most talk to internal addresses; some beacon
    to the partner's C2 addresses, resolve its C2 domains or run its miner. The second
    wave is the campaign grown: more hosts run the miner, and some earlier beacons stop."""
    out = []
    for n, asset in enumerate(assets):
        hit = n % 10 == 0 and not (wave == 2 and n % 30 == 0)
        miner = n % (25 if wave == 1 else 8) == 3
        remote = C2[n // 10 % len(C2)] if hit else f"10.20.{n % 250}.{rng.randrange(1, 250)}"
        data: dict[str, Any] = {
            "ports": [],
            "connections": [
                {
                    "protocol": "tcp",
                    "state": "established",
                    "local_address": asset.addresses[0],
                    "local_port": 40000 + n,
                    "remote_address": remote,
                    "remote_port": 443,
                }
            ],
            "processes": [
                {
                    "pid": 100 + n,
                    "name": "kworkerds" if miner else "nginx",
                    "exe": "/usr/sbin/nginx",
                    "cmdline": "",
                    "sha256": MINER if miner else f"{n:064x}",
                }
            ],
            "checks": [],
            "domains": [C2_DOMAINS[n % 2]] if n % 17 == 5 else ["www.example.com"],
            "urls": [],
            "detections": (
                [
                    {
                        "kind": "ipv4-addr",
                        "value": remote,
                        "rule": "EDR: C2 beacon",
                        "detected_at": at.isoformat(),
                    }
                ]
                if hit
                else []
            ),
        }
        out.append(AssetTelemetry(asset.id, asset.org_id, asset.system_id, at, "6.1.0", 0, 0, data))
    return out


def seed_threats(
    store: Store,
    settings: Settings,
    folder: Path,
    now: datetime,
    rng: random.Random,
    history_days: int = HISTORY_DAYS,
) -> ThreatSummary:
    """The threat picture, replayed through the real pipeline over the last `history_days`
    so that score history is what the hub would have recorded: the older advisories arrive
    at the start, the newer half way, the partner's campaign is sighted twelve days ago and
    grows until now, and the scorer runs once a day at that day's time."""
    rid = "demo-threats"
    who = Principal.operator("demo")
    policy = default_policy()
    start = now - timedelta(days=history_days)
    late_at = now - timedelta(days=history_days // 2)

    def score(at: datetime, full: bool = False) -> None:
        run_scoring(store, policy, at, audit_draft(who.actor, rid, policy, at), full=full)

    feeds = _write_feeds(folder, now, ADVISORIES[:-LATE_ADVISORIES])
    for source, path in feeds.items():
        register(store, source, str(path), rid, who.actor)
    _, report = refresh(store, settings, rid, clock=lambda: start)
    opened = report.opened if report else 0

    partners = store.list_organizations(kind=OrgKind.PARTNER)
    agencies = store.list_organizations(kind=OrgKind.AGENCY, limit=1000)
    isac = partners[0]
    desk = SharingDesk(store, clock=lambda: now)
    inbound = desk.add_collection(
        who,
        f"{isac.name}: indicators",
        rid,
        readers=[a.id for a in agencies] + [isac.id],
        writers=[isac.id],
        default_tlp="amber",
    )
    outbound = desk.add_collection(
        who, "Hub sightings and advisories", rid, readers=[isac.id], default_tlp="green"
    )
    indicators = _indicators(now)
    shared = indicators + _campaign(indicators, now)
    desk.keep(inbound, shared, isac.id, "demo", rid)
    sampled = rng.sample(store.select(ASSETS, Query(limit=400)), 120)

    for day in range(history_days, 0, -1):
        at = now - timedelta(days=day)
        if at.date() == late_at.date():
            _write_feeds(folder, now, ADVISORIES)
            _, report = refresh(store, settings, rid, clock=_clock(at))
            opened += report.opened if report else 0
        if day == CAMPAIGN_STARTS:
            _report(store, _telemetry(sampled, rng, at, 1))
            record(store, at)
        if day % PATCH_EVERY == 0 and day != history_days:
            _patch(store, settings, at, rng, rid)
        score(at, full=day == history_days)

    first_agency = next(  # the agency whose demo login is printed
        o for o in agencies if o.name == catalog.AGENCIES[0]
    )
    portal = next(iter(store.iter_all_systems(first_agency.id)))
    # The supplier's first SBOM a fortnight ago, its patched build this morning: a history
    # the SBOM page's diff reads older to newer.
    for version, parts, at in ((1, PORTAL_V1, now - timedelta(days=14)), (2, PORTAL_V2, now)):
        document = cyclonedx(portal.name, version, parts)
        SbomDesk(store, settings, clock=_clock(at)).submit_for_system(
            who, portal.id, document, "application/vnd.cyclonedx+json", rid
        )
    refresh(store, settings, rid, clock=lambda: now)  # this morning's feed sync
    _report(store, _telemetry(sampled, rng, now, 2))
    matched = record(store, now)
    beaconing = [a for n, a in enumerate(sampled) if n % 10 == 0]
    seed_incidents(store, now, beaconing, first_agency, portal.id, C2[0], C2_DOMAINS[0],
                   "198.51.100.140")  # fmt: skip
    score(now)
    [operator] = store.list_organizations(kind=OrgKind.OPERATOR)
    publish(store, outbound.id, operator, now, rid)
    return ThreatSummary(
        opened, matched.sightings, len(indicators), len(shared), inbound.id, outbound.id
    )


def _patch(store: Store, settings: Settings, at: datetime, rng: random.Random, rid: str) -> None:
    """A weekly patch round: each agency upgrades some of its vulnerable hosts to the
    versions that fix them, as many as its discipline gets to, and their collectors report
    the new software (matching then closes the findings, as it would for a real report)."""
    discipline = {
        o.id: catalog.HYGIENE[catalog.AGENCIES.index(o.name) % len(catalog.HYGIENE)][0]
        for o in store.list_organizations(kind=OrgKind.AGENCY, limit=1000)
        if o.name in catalog.AGENCIES
    }
    fixes: dict[str, dict[str, str]] = {}
    for f in store.iter_all(FINDINGS, status=FindingStatus.OPEN.value):
        if f.asset_id and f.fixed_in:
            fixes.setdefault(f.asset_id, {})[f.purl] = highest(f.purl, f.fixed_in)
    desk = InventoryDesk(store, settings, clock=_clock(at))
    for asset_id, upgrades in sorted(fixes.items()):
        asset = store.get_asset(asset_id)
        if asset is None or rng.random() >= PATCH_SHARE * discipline.get(asset.org_id, 0.5):
            continue
        packages = [
            replace(p, purl=_upgraded(p.purl, upgrades[p.purl]), version=upgrades[p.purl])
            if p.purl in upgrades
            else p
            for p in store.list_asset_packages(asset_id)
        ]
        with store.transaction() as tx:
            tx.put_asset_packages(asset_id, packages)
        desk.rematch_asset(replace(asset, last_seen=at), packages, rid)


def _upgraded(purl: str, version: str) -> str:
    p = PackageURL.from_string(purl)
    return PackageURL(p.type, p.namespace, p.name, version, p.qualifiers, p.subpath).to_string()


def _clock(at: datetime) -> Callable[[], datetime]:
    return lambda: at


def _report(store: Store, telemetry: list[AssetTelemetry]) -> None:
    with store.transaction() as tx:
        for t in telemetry:
            tx.put_telemetry(t)
            tx.mark_changed([(t.org_id, t.system_id)], "telemetry")


def _campaign(indicators: list[dict[str, Any]], now: datetime) -> list[dict[str, Any]]:
    """What the partner says the C2 and dropper indicators are about: a Log4Shell web-shell
    dropper (malware) that exploits CVE-2021-44228, which the demo's agencies have open."""
    stamp = (now - timedelta(days=20)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    marking = [MARKING_IDS[Tlp.GREEN]]
    dates = {"created": stamp, "modified": stamp, "object_marking_refs": marking}
    malware = stix2.v21.Malware(
        id="malware--00000001-7a2b-4c3d-9e8f-1a2b3c4d5e6f",
        name="Log4Shell web-shell dropper",
        is_family=False,
        malware_types=["dropper", "webshell"],
        **dates,
    )
    cve = stix2.v21.Vulnerability(
        id="vulnerability--00000001-7a2b-4c3d-9e8f-1a2b3c4d5e6f",
        name="CVE-2021-44228",
        external_references=[{"source_name": "cve", "external_id": "CVE-2021-44228"}],
        **dates,
    )
    related = [
        stix2.v21.Relationship(i["id"], "indicates", malware.id, **dates)
        for i in indicators
        if i["name"] in ("C2 server", "Web shell dropper URL")
    ]
    related.append(stix2.v21.Relationship(malware.id, "exploits", cve.id, **dates))
    return [json.loads(o.serialize()) for o in (malware, cve, *related)]


def _indicators(now: datetime) -> list[dict[str, Any]]:
    """The partner ISAC's indicators: C2 addresses and domains, a miner, a web shell
    dropper, a sinkhole only the partner may see, and scanners."""
    indicators = [
        _indicator(n, f"[ipv4-addr:value = '{ip}']", Tlp.GREEN, "C2 server", now)
        for n, ip in enumerate(C2)
    ]
    indicators += [
        _indicator(10 + n, f"[domain-name:value = '{d}']", Tlp.AMBER, "C2 domain", now)
        for n, d in enumerate(C2_DOMAINS)
    ]
    indicators.append(
        _indicator(
            20,
            f"[file:hashes.'SHA-256' = '{MINER}']",
            Tlp.CLEAR,
            "Cryptocurrency miner",
            now,
            ("mitre-attack", "impact"),
            90,
        )
    )
    indicators.append(
        _indicator(
            21,
            "[url:value LIKE '%/wp-admin/setup-config.php%']",
            Tlp.GREEN,
            "Web shell dropper URL",
            now,
        )
    )
    indicators.append(
        _indicator(
            22,
            "[ipv4-addr:value ISSUBSET '192.0.2.0/24']",
            Tlp.RED,
            "Partner-internal sinkhole",
            now,
        )
    )
    for n in range(30, 60):
        ip = f"198.51.100.{100 + n}"
        indicators.append(
            _indicator(
                n,
                f"[ipv4-addr:value = '{ip}']",
                Tlp.GREEN,
                "Scanner",
                now,
                ("lockheed-martin-cyber-kill-chain", "reconnaissance"),
                60,
            )
        )
    return indicators
