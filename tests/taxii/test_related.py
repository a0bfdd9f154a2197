"""An indicator's related vulnerabilities, as partners model them in STIX: cited by the
indicator itself, or reached through what it indicates (indicator -> malware -> CVE),
with `related-to` read both ways and nothing reached that is further or unrelated."""

from __future__ import annotations

import json
from typing import Any

import stix2

from hub.core.auth import Principal
from hub.sharing.desk import SharingDesk
from hub.sharing.related import related_vulnerabilities
from tests.conftest import World


def _plain(*objects: Any) -> list[dict[str, Any]]:
    return [json.loads(o.serialize()) for o in objects]


def _cve(name: str) -> stix2.v21.Vulnerability:
    return stix2.v21.Vulnerability(
        name=name, external_references=[{"source_name": "cve", "external_id": name}]
    )


def test_vulnerabilities_are_found_through_the_partners_relationships(world: World) -> None:
    indicator = stix2.v21.Indicator(
        pattern="[ipv4-addr:value = '203.0.113.9']",
        pattern_type="stix",
        valid_from="2026-11-01T00:00:00Z",
        external_references=[{"source_name": "cve", "external_id": "CVE-2024-0001"}],
    )
    malware = stix2.v21.Malware(name="dropper", is_family=False)
    exploited, mentioned, far, other = (
        _cve("CVE-2021-44228"),
        _cve("CVE-2023-0002"),
        _cve("CVE-2020-0003"),
        _cve("CVE-2019-0004"),
    )
    tool = stix2.v21.Tool(name="loader")
    second = stix2.v21.Malware(name="second stage", is_family=False)
    objects = _plain(
        indicator,
        malware,
        exploited,
        mentioned,
        far,
        other,  # related to nothing
        tool,
        second,
        stix2.v21.Relationship(indicator.id, "indicates", malware.id),
        stix2.v21.Relationship(malware.id, "exploits", exploited.id),
        stix2.v21.Relationship(mentioned.id, "related-to", indicator.id),  # read both ways
        stix2.v21.Relationship(indicator.id, "indicates", tool.id),
        stix2.v21.Relationship(tool.id, "delivers", second.id),
        stix2.v21.Relationship(second.id, "exploits", far.id),  # three steps away: too far
    )
    desk = SharingDesk(world.store)
    collection = desk.add_collection(
        Principal.operator("tests"), "Partner", "t", readers=[world.partner]
    )
    desk.keep(collection, objects, world.partner, "partner", "t")

    found = related_vulnerabilities(world.store, objects[0])
    assert found == {
        "CVE-2024-0001": "cited",
        "CVE-2021-44228": "indicates → exploits",
        "CVE-2023-0002": "related-to",
    }
    # Other relationships read one way only: from the exploited CVE, nothing leads back.
    assert related_vulnerabilities(world.store, objects[2]) == {"CVE-2021-44228": "cited"}
