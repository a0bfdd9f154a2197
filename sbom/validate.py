"""CycloneDX validation against the official schemas that cyclonedx-python-lib ships.

JSON goes through jsonschema-rs (formats checked) and XML through lxml's XSD
support; on the specification's own test files both give the verdicts the
specification expects (tests/sbom/test_validate.py). XML is parsed without
entity expansion, DTD loading or network access, and a document with a DOCTYPE
is refused outright (no SBOM needs one), so XXE and entity bombs never run.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import jsonschema_rs
from lxml import etree

from hub.core.errors import InvalidSubmission
from hub.core.xml import parse_xml

SUPPORTED = ("1.2", "1.3", "1.4", "1.5", "1.6")
XML_NAMESPACE = "http://cyclonedx.org/schema/bom/"
MAX_VIOLATIONS = 20


@dataclass(frozen=True)
class Violation:
    location: str  # a JSON pointer, or "line N" in XML
    message: str


class InvalidSbom(InvalidSubmission):
    """Well-formed but against its schema; carries the first violations with locations."""

    def __init__(self, spec: str, violations: list[Violation]) -> None:
        first = "; ".join(f"{v.location}: {v.message}" for v in violations[:3])
        super().__init__(f"not a valid {spec} document: {first}")
        self.violations = violations


class UnsupportedSbom(InvalidSubmission):
    """A format or version the hub does not take; the message names what is supported."""


# What the hub reads, in the words every refusal of a format ends with.
ACCEPTED = (
    "the hub reads CycloneDX 1.2 to 1.6 (JSON or XML) and SPDX 2.2 or 2.3 (JSON or tag-value)"
)


def _schemas() -> Any:
    return resources.files("cyclonedx.schema") / "_res"


def _retrieve(uri: str) -> Any:
    name = uri.rsplit("/", 1)[-1].split("#", 1)[0]
    folder = _schemas()
    target = folder / name
    if not target.is_file():
        target = folder / name.replace(".schema.json", ".SNAPSHOT.schema.json")
    return json.loads(target.read_text(encoding="utf-8"))


@cache
def _json_validator(version: str) -> Any:
    schema = json.loads((_schemas() / f"bom-{version}.SNAPSHOT.schema.json").read_text("utf-8"))
    return jsonschema_rs.validator_for(schema, validate_formats=True, retriever=_retrieve)


@cache
def _xml_schema(version: str) -> etree.XMLSchema:
    path = _schemas() / f"bom-{version}.SNAPSHOT.xsd"
    with resources.as_file(path) as local:
        return etree.XMLSchema(etree.parse(str(local)))


def _unsupported(version: str) -> UnsupportedSbom:
    return UnsupportedSbom(
        f"CycloneDX {version} is not supported",
        hint=f"submit CycloneDX {', '.join(SUPPORTED)} (newer tools can export 1.4 or later)",
    )


def validate_cyclonedx_json(doc: Any) -> str:
    """The spec version of a valid CycloneDX JSON document; InvalidSbom otherwise."""
    if not isinstance(doc, dict) or "bomFormat" not in doc:
        raise UnsupportedSbom(
            "not a CycloneDX JSON document: it has no bomFormat", hint=ACCEPTED.capitalize()
        )
    version = str(doc.get("specVersion", ""))
    if version not in SUPPORTED:
        raise _unsupported(version or "without specVersion")
    violations = [
        Violation("/" + "/".join(str(p) for p in err.instance_path), err.message[:300])
        for _, err in zip(
            range(MAX_VIOLATIONS), _json_validator(version).iter_errors(doc), strict=False
        )
    ]
    if violations:
        raise InvalidSbom(f"CycloneDX {version}", violations)
    return version


def validate_cyclonedx_xml(
    data: bytes, tree: etree._ElementTree | None = None
) -> tuple[str, etree._ElementTree]:
    """The spec version and the parsed tree of a valid CycloneDX XML document (`tree`, when
    the caller parsed `data` already with `parse_xml`)."""
    tree = parse_xml(data) if tree is None else tree
    root = tree.getroot()
    namespace = etree.QName(root).namespace or ""
    if etree.QName(root).localname != "bom" or not namespace.startswith(XML_NAMESPACE):
        raise UnsupportedSbom("not a CycloneDX XML document: no <bom> in a CycloneDX namespace")
    version = namespace[len(XML_NAMESPACE) :]
    if version not in SUPPORTED:
        raise _unsupported(version)
    schema = _xml_schema(version)
    if not schema.validate(tree):
        violations = [
            Violation(f"line {e.line}", e.message[:300])
            for e in list(schema.error_log)[:MAX_VIOLATIONS]
        ]
        raise InvalidSbom(f"CycloneDX {version}", violations)
    return version, tree
