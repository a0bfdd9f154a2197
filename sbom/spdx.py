"""SPDX 2.2 and 2.3 documents, JSON or tag-value, parsed and validated by spdx-tools.

SPDX 3.0 (JSON-LD) and older 2.x versions are refused as unsupported, naming
what is taken. Validation messages carry the SPDX id of the element they are
about, which is the location a supplier needs to fix their document.
"""

from __future__ import annotations

import contextlib
import io
import json
import re
from typing import Any

from spdx_tools.spdx.model.document import Document
from spdx_tools.spdx.parser.error import SPDXParsingError
from spdx_tools.spdx.parser.jsonlikedict.json_like_dict_parser import JsonLikeDictParser
from spdx_tools.spdx.parser.tagvalue.parser import Parser as TagValueParser
from spdx_tools.spdx.validation.document_validator import validate_full_spdx_document
from spdx_tools.spdx.validation.validation_message import ValidationContext

from sbom.validate import ACCEPTED, MAX_VIOLATIONS, InvalidSbom, UnsupportedSbom, Violation

SUPPORTED = ("SPDX-2.2", "SPDX-2.3")


def _unsupported(version: str) -> UnsupportedSbom:
    what = "an SPDX 3.0 (JSON-LD) document" if version == "3.0" else f"SPDX {version}"
    return UnsupportedSbom(
        f"this is {what}, which the hub does not read: {ACCEPTED}",
        hint="export SPDX 2.3 or CycloneDX from the tool that made it",
    )


def _check_version(version: str) -> None:
    if version not in SUPPORTED:
        raise _unsupported(version.removeprefix("SPDX-") or "without a version")


def _location(context: ValidationContext) -> str:
    if context.spdx_id:
        return str(context.spdx_id)
    return context.element_type.name if context.element_type else "document"


def _validated(document: Document) -> Document:
    version = document.creation_info.spdx_version
    messages = validate_full_spdx_document(document, spdx_version=version)
    if messages:
        violations = [
            Violation(_location(m.context), m.validation_message[:300])
            for m in messages[:MAX_VIOLATIONS]
        ]
        raise InvalidSbom(version, violations)
    return document


# spdx-tools reports a value its model refuses in Python's words ("SetterError Package:
# Method spdx_tools...set_field() parameter download_location="None" violates type hint
# typing.Union[...]"), and a time in strptime's; a supplier needs the element, the field
# and the value.
_SETTER = re.compile(r"SetterError (\w+): .*?parameter (\w+)=(.{0,80}?) violates type hint")
_TIME = re.compile(r"time data '([^']*)' does not match format '([^']*)'")


def _plain(message: str) -> list[str]:
    """The problems one spdx-tools parsing message reports, in a supplier's words; a
    message no rule covers is kept, without Python's module paths."""
    found = [
        f"{element} {field}: the value {value} is not allowed there"
        for element, field, value in _SETTER.findall(message)
    ]
    found += [
        f"the time {when} is not in SPDX's form YYYY-MM-DDThh:mm:ssZ (no fractions of a second)"
        for when, _ in _TIME.findall(message)
    ]
    return found or [re.sub(r"\b(?:spdx_tools|typing)\.[\w.]+", "", message)[:300]]


def _parsing_failed(version: str, exc: SPDXParsingError) -> InvalidSbom:
    """Each distinct problem once, with how often it occurs: one refused field of a
    thousand packages is one thing to fix."""
    counts: dict[str, int] = {}
    for raw in exc.get_messages():
        for text in _plain(raw):
            counts[text] = counts.get(text, 0) + 1
    violations = [
        Violation("document", text if n == 1 else f"{text} ({n} times)")
        for text, n in list(counts.items())[:MAX_VIOLATIONS]
    ]
    return InvalidSbom(version, violations)


def parse_spdx_json(doc: Any) -> Document:
    if not isinstance(doc, dict):
        raise UnsupportedSbom("not an SPDX JSON document")
    if "@context" in doc or "@graph" in doc:
        raise _unsupported("3.0")
    version = str(doc.get("spdxVersion", ""))
    _check_version(version)
    try:
        document = JsonLikeDictParser().parse(doc)
    except SPDXParsingError as exc:
        raise _parsing_failed(version, exc) from None
    return _validated(document)


def parse_spdx_tag_value(text: str) -> Document:
    version = next(
        (
            line.split(":", 1)[1].strip()
            for line in text.splitlines()
            if line.startswith("SPDXVersion:")
        ),
        "",
    )
    _check_version(version)
    try:
        # ply announces its table generation on stdout the first time; keep it off ours.
        with contextlib.redirect_stdout(io.StringIO()):
            document = TagValueParser().parse(text)
    except SPDXParsingError as exc:
        raise _parsing_failed(version, exc) from None
    return _validated(document)


def parse_spdx(data: bytes) -> Document:
    """JSON or tag-value, told apart by the first character."""
    text = data.decode("utf-8-sig")
    if text.lstrip().startswith("{"):
        try:
            return parse_spdx_json(json.loads(text))
        except json.JSONDecodeError as exc:
            raise UnsupportedSbom(f"malformed SPDX JSON: {exc}") from None
    return parse_spdx_tag_value(text)
