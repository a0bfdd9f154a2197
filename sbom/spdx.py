"""SPDX 2.2 and 2.3 documents, JSON or tag-value, parsed and validated by spdx-tools.

SPDX 3.0 (JSON-LD) and older 2.x versions are refused as unsupported, naming
what is taken. Validation messages carry the SPDX id of the element they are
about, which is the location a supplier needs to fix their document.
"""

from __future__ import annotations

import contextlib
import io
import json
from typing import Any

from spdx_tools.spdx.model.document import Document
from spdx_tools.spdx.parser.error import SPDXParsingError
from spdx_tools.spdx.parser.jsonlikedict.json_like_dict_parser import JsonLikeDictParser
from spdx_tools.spdx.parser.tagvalue.parser import Parser as TagValueParser
from spdx_tools.spdx.validation.document_validator import validate_full_spdx_document
from spdx_tools.spdx.validation.validation_message import ValidationContext

from sbom.validate import MAX_VIOLATIONS, InvalidSbom, UnsupportedSbom, Violation

SUPPORTED = ("SPDX-2.2", "SPDX-2.3")


def _unsupported(version: str) -> UnsupportedSbom:
    return UnsupportedSbom(
        f"SPDX {version} is not supported",
        hint="submit SPDX 2.2 or 2.3 (JSON or tag-value), or CycloneDX 1.2 to 1.6",
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


def _parsing_failed(version: str, exc: SPDXParsingError) -> InvalidSbom:
    return InvalidSbom(
        version, [Violation("document", m[:300]) for m in exc.get_messages()[:MAX_VIOLATIONS]]
    )


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
