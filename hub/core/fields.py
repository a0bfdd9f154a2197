"""The rules every field a client sends obeys, whoever receives it (REST API, inventory,
SBOM metadata): lengths, no control characters in names, unknown fields refused.

Pydantic types, kept in the core so that each capability's input schema (the
inventory document, SBOM submissions) and the API's own shapes share one definition."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from hub.core.model import control_character

_BREAKS = re.compile("[\t\n\r\x0b\x0c]")


def _printable(value: str) -> str:
    """Names and short fields: no control character at all (NUL, tab, line breaks, bidi
    overrides), so what a dashboard or an export shows is what was sent."""
    breaks = _BREAKS.search(value)
    bad = control_character(value) or (f"U+{ord(breaks.group()):04X}" if breaks else None)
    if bad is not None:
        raise ValueError(f"holds the control character {bad}")
    return value


def _text(value: str) -> str:
    """Free text may break lines, but holds no other control character."""
    bad = control_character(value)
    if bad is not None:
        raise ValueError(f"holds the control character {bad}")
    return value


Name = Annotated[str, Field(min_length=1, max_length=200), AfterValidator(_printable)]
Id = Annotated[str, Field(min_length=1, max_length=64), AfterValidator(_printable)]
Text = Annotated[str, Field(max_length=2000), AfterValidator(_text)]
Short = Annotated[str, Field(max_length=255), AfterValidator(_printable)]


class ClientInput(BaseModel):
    """Inputs refuse unknown fields, so a typo is an error instead of silently ignored."""

    model_config = ConfigDict(extra="forbid")


class Reply(BaseModel):
    model_config = ConfigDict(from_attributes=True)
