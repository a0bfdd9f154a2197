"""The rules every name a client sends obeys: each control character is refused, named by
its code point, and nothing else is (issue 20 made the check a compiled character class,
since every field of every host report passes through it)."""

from __future__ import annotations

import re

import pytest
from pydantic import TypeAdapter, ValidationError

from hub.core.fields import Name
from hub.core.model import _CONTROLS, control_character


def test_every_control_character_and_only_those_is_named() -> None:
    for code in range(0x3000):
        char = chr(code)
        expected = f"U+{code:04X}" if char in _CONTROLS else None
        assert control_character(f"ab{char}c{char}") == expected, hex(code)
    assert control_character("\u202e and \x00") == "U+202E"  # the first one found
    assert control_character("Agency 東京 ☃") is None


@pytest.mark.parametrize(
    ("name", "named"), [("tab\there", "U+0009"), ("a\x00\nb", "U+0000"), ("new\nline", "U+000A")]
)
def test_a_name_names_its_first_control_character(name: str, named: str) -> None:
    with pytest.raises(ValidationError, match=re.escape(named)):
        TypeAdapter(Name).validate_python(name)
    assert TypeAdapter(Name).validate_python("Agency 東京") == "Agency 東京"
