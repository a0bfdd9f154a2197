"""hub.core.jsontext: orjson's speed without losing what the standard library would keep."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hub.core import jsontext

values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda inner: st.lists(inner) | st.dictionaries(st.text(), inner),
    max_leaves=20,
)


@given(values)
def test_round_trips_like_the_standard_library(value: object) -> None:
    text = jsontext.dumps(value)
    assert jsontext.loads(text) == json.loads(text) == value
    assert jsontext.loads(text.encode()) == value


def test_what_orjson_refuses_falls_back() -> None:
    huge = {"size": 2**70, "n": -(2**65)}  # beyond 64 bits: a partner's object may hold it
    assert jsontext.loads(jsontext.dumps(huge)) == huge
    assert jsontext.loads('{"x": NaN}')["x"] != jsontext.loads('{"x": NaN}')["x"]
    # JSON has no non-finite numbers: they are written as null, never as invalid JSON.
    assert jsontext.dumps([float("inf"), float("nan")]) == "[null,null]"


def test_sorted_keys_give_one_text_per_value() -> None:
    assert jsontext.dumps({"b": 1, "a": [2, {"d": 3, "c": 4}]}, sort_keys=True) == (
        '{"a":[2,{"c":4,"d":3}],"b":1}'
    )
    assert jsontext.dumps({"名前": "値"}) == '{"名前":"値"}'


@pytest.mark.parametrize(
    ("text", "value"),
    [("2", 2), ("null", None), ('"x"', "x"), ("[]", []), ('{"a": [1]}', {"a": [1]})],
)
def test_bounded_reading_takes_any_json_value(text: str, value: object) -> None:
    """A scalar at the top (a client sending `2` where an object belongs) is read, and
    refused later by the schema with a 4xx; the depth check made it a 500 once, which the
    fuzzing stage found."""
    assert jsontext.loads_bounded(text) == value


def test_bounded_reading_refuses_deep_nesting() -> None:
    assert jsontext.loads_bounded("[" * 100 + "]" * 100) is not None
    with pytest.raises(jsontext.TooDeep):
        jsontext.loads_bounded("[" * 101 + "]" * 101)
    with pytest.raises(jsontext.TooDeep):
        jsontext.loads_bounded("[" * 5000 + "]" * 5000)
