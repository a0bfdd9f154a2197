"""CycloneDX validation gives the specification's own verdicts, names locations, and is safe."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hub.core.errors import InvalidSubmission
from sbom.validate import (
    SUPPORTED,
    InvalidSbom,
    UnsupportedSbom,
    validate_cyclonedx_json,
    validate_cyclonedx_xml,
)


def spec_files(corpus: Path) -> list[Path]:
    files = [
        p
        for v in SUPPORTED
        for p in sorted((corpus / "cyclonedx/spec-tests" / v).iterdir())
        if p.name.startswith(("valid-", "invalid-")) and p.suffix in (".json", ".xml")
    ]
    assert len(files) > 500
    return files


def validate(path: Path) -> str:
    if path.suffix == ".json":
        return validate_cyclonedx_json(json.loads(path.read_bytes()))
    return validate_cyclonedx_xml(path.read_bytes())[0]


@pytest.mark.corpus
def test_every_spec_test_file_gets_the_specifications_verdict(corpus: Path) -> None:
    wrong = []
    for path in spec_files(corpus):
        expected_valid = path.name.startswith("valid-")
        try:
            version = validate(path)
            if not expected_valid:
                wrong.append(f"{path.parent.name}/{path.name} accepted")
            elif version != path.parent.name:
                wrong.append(f"{path.name}: version {version}")
        except InvalidSbom as exc:
            if expected_valid:
                wrong.append(f"{path.parent.name}/{path.name} refused: {exc.message}")
            elif not exc.violations or not all(v.location for v in exc.violations):
                wrong.append(f"{path.name}: violations without locations")
        except UnsupportedSbom as exc:  # e.g. an invalid file declaring specVersion "12"
            if expected_valid:
                wrong.append(f"{path.parent.name}/{path.name} refused: {exc.message}")
    assert not wrong, wrong[:10]


@pytest.mark.corpus
def test_a_violation_names_where_it_is(corpus: Path) -> None:
    path = corpus / "cyclonedx/spec-tests/1.6/invalid-component-type-1.6.json"
    with pytest.raises(InvalidSbom) as err:
        validate(path)
    assert err.value.violations[0].location.startswith("/components/0")
    xml = corpus / "cyclonedx/spec-tests/1.6/invalid-component-type-1.6.xml"
    with pytest.raises(InvalidSbom) as err:
        validate(xml)
    assert err.value.violations[0].location.startswith("line ")


@pytest.mark.corpus
def test_cyclonedx_1_1_is_refused_as_unsupported(corpus: Path) -> None:
    old = [
        p
        for p in (corpus / "cyclonedx/bom-examples").rglob("*.xml")
        if b"cyclonedx.org/schema/bom/1.1" in p.read_bytes()[:2000]
    ]
    assert old, "the corpus has CycloneDX 1.1 examples"
    with pytest.raises(UnsupportedSbom, match=r"1\.1 is not supported"):
        validate_cyclonedx_xml(old[0].read_bytes())
    with pytest.raises(UnsupportedSbom, match=r"1\.1 is not supported"):
        validate_cyclonedx_json({"bomFormat": "CycloneDX", "specVersion": "1.1"})


def test_not_cyclonedx_is_refused_clearly() -> None:
    with pytest.raises(UnsupportedSbom, match="no bomFormat"):
        validate_cyclonedx_json({"spdxVersion": "SPDX-2.3"})
    with pytest.raises(UnsupportedSbom, match="<bom>"):
        validate_cyclonedx_xml(b"<html/>")
    with pytest.raises(InvalidSubmission, match="malformed XML"):
        validate_cyclonedx_xml(b"<bom xmlns='http://cyclonedx.org/schema/bom/1.6'>")


BOM = (
    '<?xml version="1.0"?>\n{dtd}'
    '<bom xmlns="http://cyclonedx.org/schema/bom/1.6" version="1">'
    '<components><component type="library"><name>{name}</name></component></components></bom>'
)


def test_external_entities_are_never_read(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET")
    dtd = f'<!DOCTYPE bom [<!ENTITY xxe SYSTEM "file://{secret}">]>'
    data = BOM.format(dtd=dtd, name="&xxe;").encode()
    with pytest.raises(InvalidSubmission, match="DOCTYPE") as err:
        validate_cyclonedx_xml(data)
    assert "TOP-SECRET" not in err.value.message


def test_entity_bombs_do_not_expand() -> None:
    entities = '<!ENTITY a "aaaaaaaaaa">' + "".join(
        f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(8)
    )
    data = BOM.format(dtd=f"<!DOCTYPE bom [{entities}]>", name="&i;").encode()
    with pytest.raises(InvalidSubmission, match=r"DOCTYPE|amplification"):
        validate_cyclonedx_xml(data)
    # The same document without its DOCTYPE is an ordinary, valid SBOM.
    assert validate_cyclonedx_xml(BOM.format(dtd="", name="x").encode())[0] == "1.6"
