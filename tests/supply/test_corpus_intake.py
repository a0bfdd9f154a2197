"""Acceptance on real documents through the API: the CycloneDX specification's own test
files, the SPDX specification's examples, the real SBOMs of bom-examples and spdx/.
Every request gets the verdict it deserves and none gets a 5xx."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from hub.core.auth import Principal
from hub.core.model import Criticality, FindingStatus
from hub.core.records.intel import IntelSource
from hub.core.registry import Registry
from hub.core.settings import Settings
from hub.core.store import Store
from hub.core.store.interface import FINDINGS
from hub.core.versions import parse
from hub.intelligence.feeds import register
from hub.inventory.refresh import refresh
from sbom.desk import SbomDesk
from sbom.validate import SUPPORTED
from tests.conftest import World
from tests.sbom.test_osv_corpus import PYPI, VULNERABLE
from tests.supply.builders import cyclonedx

pytestmark = pytest.mark.corpus


def new_system(world: World, name: str) -> str:
    root = Principal.operator("tests")
    return (
        Registry(world.store)
        .add_system(root, world.agency_a, name[-200:], Criticality.LOW, False, "", "t")
        .value.id
    )


TYPES = {".json": "application/vnd.cyclonedx+json", ".xml": "application/vnd.cyclonedx+xml"}


def send(client: FlaskClient, world: World, data: bytes, media_type: str, system: str = ""):  # type: ignore[no-untyped-def]
    return client.post(
        f"/api/v1/systems/{system or world.system_a}/sboms",
        data=data,
        headers={**world.auth("agency_a"), "Content-Type": media_type},
    )


def upload(client: FlaskClient, world: World, path: Path, system: str):  # type: ignore[no-untyped-def]
    """As a browser form or `curl -F file=@...` sends it: the hub tells the format itself."""
    return client.post(
        f"/api/v1/systems/{system}/sboms",
        data={"file": (io.BytesIO(path.read_bytes()), path.name)},
        headers=world.auth("agency_a"),
        content_type="multipart/form-data",
    )


@pytest.mark.parametrize("store", ["sqlite"], indirect=True)
def test_cyclonedx_spec_tests_get_the_specifications_verdict(
    client: FlaskClient, world: World, corpus: Path
) -> None:
    wrong: list[str] = []
    checked = 0
    for version in SUPPORTED:
        for path in sorted((corpus / "cyclonedx/spec-tests" / version).iterdir()):
            if not path.name.startswith(("valid-", "invalid-")) or path.suffix not in TYPES:
                continue
            checked += 1
            # The spec's files share serial numbers, so each is a system of its own.
            system = new_system(world, f"{version}/{path.name}")
            got = send(client, world, path.read_bytes(), TYPES[path.suffix], system)
            where = f"{version}/{path.name}: {got.status_code}"
            body = got.get_json()
            if path.name.startswith("valid-"):
                if got.status_code not in (200, 201):
                    wrong.append(f"{where} {body.get('detail')}")
                elif body["sbom"]["spec_version"] != version:
                    wrong.append(f"{where} read as {body['sbom']['spec_version']}")
            elif not 400 <= got.status_code < 500:
                wrong.append(f"{where} (expected a refusal)")
            elif "is not supported" not in body["detail"] and not (
                body.get("violations") and all(v["location"] for v in body["violations"])
            ):
                wrong.append(f"{where} refused without a located violation: {body['detail']}")
    assert checked > 500
    assert not wrong, wrong[:10]


@pytest.mark.parametrize("store", ["sqlite"], indirect=True)
def test_spdx_specification_examples_are_accepted(
    client: FlaskClient, world: World, corpus: Path
) -> None:
    for version in ("v2.2", "v2.3"):
        system = new_system(world, version)  # both versions' examples share one namespace
        for name, media_type in (
            (f"SPDXJSONExample-{version}.spdx.json", "application/spdx+json"),
            (f"SPDXTagExample-{version}.spdx", "text/spdx"),
        ):
            data = (corpus / "spdx/spdx-spec" / version / name).read_bytes()
            got = send(client, world, data, media_type, system)
            assert got.status_code in (200, 201), (name, got.get_json())
            sbom = got.get_json()["sbom"]
            assert (sbom["format"], sbom["spec_version"]) == ("SPDX", version[1:])


@pytest.mark.parametrize("store", ["sqlite"], indirect=True)
def test_real_sboms_are_accepted_or_refused_with_the_violation_named(
    client: FlaskClient, world: World, corpus: Path
) -> None:
    files = [
        p
        for folder in ("cyclonedx/bom-examples", "spdx")
        for p in sorted((corpus / folder).rglob("*"))
        if p.is_file()
        and p.suffix in (".json", ".xml", ".spdx", ".yaml")
        and "schema" not in p.parts
    ]
    assert len(files) > 100
    outcomes: dict[int, int] = {}
    unexplained: list[str] = []
    for path in files:
        got = upload(client, world, path, new_system(world, str(path.relative_to(corpus))))
        outcomes[got.status_code] = outcomes.get(got.status_code, 0) + 1
        assert got.status_code < 500, f"{path}: {got.get_json()}"
        if got.status_code >= 400:
            detail = got.get_json()["detail"]
            if not detail or ("not a valid" in detail and not got.get_json().get("violations")):
                unexplained.append(f"{path.name}: {detail}")
    assert not unexplained, unexplained[:10]
    assert outcomes.get(201, 0) + outcomes.get(200, 0) > 50, outcomes


@pytest.mark.parametrize("store", ["sqlite"], indirect=True)
def test_cyclonedx_1_1_and_spdx_3_get_an_unsupported_version_refusal(
    client: FlaskClient, world: World, corpus: Path
) -> None:
    doc = json.loads((corpus / "cyclonedx/spec-tests/1.2/valid-bom-1.2.json").read_bytes())
    doc["specVersion"] = "1.1"
    got = send(client, world, json.dumps(doc).encode(), TYPES[".json"])
    assert got.status_code == 422 and "CycloneDX 1.1 is not supported" in got.get_json()["detail"]
    xml = (corpus / "cyclonedx/spec-tests/1.2/valid-bom-1.2.xml").read_bytes()
    xml = xml.replace(
        b"http://cyclonedx.org/schema/bom/1.2", b"http://cyclonedx.org/schema/bom/1.1"
    )
    got = send(client, world, xml, TYPES[".xml"])
    assert got.status_code == 422 and "CycloneDX 1.1 is not supported" in got.get_json()["detail"]
    spdx3 = corpus / "spdx/spdx-spec/v3.0/package_sbom.json"
    got = send(client, world, spdx3.read_bytes(), "application/spdx+json")
    assert got.status_code == 422 and "an SPDX 3.0 (JSON-LD) document" in got.get_json()["detail"]


def test_real_advisories_find_known_vulnerable_versions_and_none_once_fixed(
    store: Store, world: World, corpus: Path, settings: Settings
) -> None:
    """Acceptance 3 through the hub, on both stores: PyPA and Go advisories synced as feeds."""
    for name in PYPI:
        where = corpus / "osv/pypa-advisory-database/vulns" / name
        register(world.store, IntelSource.OSV, str(where), "t", "cli:tests")
    register(world.store, IntelSource.OSV, str(corpus / "osv/golang-vulndb"), "t", "cli:tests")
    results, _ = refresh(world.store, settings, "t")
    assert sum(r.written for r in results) > 4000 and not any(r.skipped for r in results)

    desk = SbomDesk(world.store, settings)
    root = Principal.operator("tests")
    components = [(p.split("/")[-1].split("@")[0], p.rsplit("@", 1)[1], p) for p in VULNERABLE]
    first = desk.submit_for_system(
        root, world.system_a, cyclonedx(components), "application/vnd.cyclonedx+json", "t"
    )
    # The SBOM's findings (system-wide); the world's hand-registered host runs Django too and
    # got its own findings when the feeds synced.
    found = list(world.store.iter_all(FINDINGS, system_id=world.system_a, asset_id=""))
    for purl, cve in VULNERABLE.items():
        ids = {i for f in found if f.purl == purl for i in (f.vuln_id, *f.aliases)}
        assert cve in ids, f"{purl} should have {cve}, has {sorted(ids)}"
    assert first.findings["opened"] == len(found)

    # The same SBOM with every component at the highest version its findings name as fixed.
    def past_fix(purl: str) -> str:
        fixes = [v for f in found if f.purl == purl for v in f.fixed_in]
        head = purl.rpartition("@")[0]
        ecosystem = "Go" if purl.startswith("pkg:golang") else "PyPI"
        best = max(fixes, key=lambda v: parse(ecosystem, v))
        return f"{head}@{'v' if ecosystem == 'Go' and not best.startswith('v') else ''}{best}"

    fixed = [(n, past_fix(p).rsplit("@", 1)[1], past_fix(p)) for n, _, p in components]
    desk.submit_for_system(
        root, world.system_a, cyclonedx(fixed, version=2), "application/vnd.cyclonedx+json", "t"
    )
    after = list(world.store.iter_all(FINDINGS, system_id=world.system_a, asset_id=""))
    fixable = {g.vuln_id for g in found if g.fixed_in}  # some advisories name no fix yet
    still_open = {
        (f.purl, f.vuln_id)
        for f in after
        if f.status is FindingStatus.OPEN and f.vuln_id in fixable
    }
    assert not still_open, sorted(still_open)[:5]
    old = {g.id for g in found if g.fixed_in}
    assert {f.status for f in after if f.id in old} == {FindingStatus.FIXED}
