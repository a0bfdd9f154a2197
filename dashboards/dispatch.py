"""Dash callback requests checked before Dash runs them.

A callback request is the browser telling the hub the state of the page: which callback,
and the value of every input and state it declares. Dash trusts that description; a
crafted one (a dict where a dropdown value belongs, an input the callback does not take, a
callback that does not exist) made callbacks fail with a 500. Here every request must name
a registered callback with exactly its declared inputs and states, and each value must
have the JSON type its property can have; anything else is a 400 that names the problem,
and nothing runs.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from dash import Dash
from flask import Flask, Response, request

from hub.core import jsontext

DISPATCH = "_dash-update-component"
PREFIX = "/ui/"


def _scalar(v: Any) -> bool:
    return v is None or (isinstance(v, str | int | float) and not isinstance(v, bool))


def _count(v: Any) -> bool:
    return v is None or (isinstance(v, int) and not isinstance(v, bool) and v >= 0)


def _text(v: Any) -> bool:
    return v is None or isinstance(v, str)


def _value(v: Any) -> bool:
    """A form control's value on these pages: an id or a choice (text), a switch, or a
    multi-select's list of choices."""
    if isinstance(v, list):
        return len(v) <= 1000 and all(isinstance(x, str) for x in v)
    return v is None or isinstance(v, str | bool)


def _pathname(v: Any) -> bool:
    return v is None or (isinstance(v, str) and v.startswith(PREFIX))


def _cursors(v: Any) -> bool:
    """The agency page's paging state: a stack of asset ids (None: the first page)."""
    return (
        isinstance(v, dict)
        and isinstance(v.get("stack"), list)
        and 0 < len(v["stack"]) <= 10_000
        and all(_text(x) for x in v["stack"])
        and isinstance(v.get("more", False), bool)
    )


def _object(v: Any) -> bool:
    return v is None or isinstance(v, dict)


def _any(_v: Any) -> bool:
    return True


Rule = tuple[Callable[[Any], bool], str]
# What each property may hold; `children` is what the hub itself rendered (callbacks use it
# only as a trigger), `data` is checked per store below.
PROPERTY_TYPES: dict[str, Rule] = {
    "n_clicks": (_count, "a count"),
    "n_intervals": (_count, "a count"),
    "pathname": (_pathname, f"a path under {PREFIX}"),
    "search": (_text, "text"),
    "href": (_text, "text"),
    "filename": (_text, "text"),
    "contents": (_text, "text"),
    "value": (_value, "text, true or false, or a list of text"),
    "children": (_any, "anything"),
    "data": (_any, "anything"),
}
# The pages' stores (dcc.Store), by id: each callback reading one relies on its shape.
STORE_TYPES: dict[str, Rule] = {
    "agency-org": (_text, "an organization id"),
    "asset-id": (_text, "an asset id"),
    "system-id": (_text, "a system id"),
    "vulnerability-id": (_text, "a vulnerability id"),
    "indicator-id": (_text, "an indicator id"),
    "agency-cursors": (_cursors, "the paging state {stack: [ids], more: bool}"),
    "_pages_store": (_object, "an object"),
}


class Refused(ValueError):
    """The request does not describe a state the page can be in."""


def _entries(body: dict[str, Any], part: str) -> list[dict[str, Any]]:
    entries = body.get(part, [])
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise Refused(f"'{part}' must be a list of objects")
    return entries


def check(app: Dash, body: Any) -> None:
    """Raise Refused unless `body` is a well-formed call of a registered callback."""
    if not isinstance(body, dict):
        raise Refused("the callback request must be a JSON object")
    output = body.get("output")
    if not isinstance(output, str) or output not in app.callback_map:
        raise Refused("'output' names no callback of these pages")
    spec = app.callback_map[output]
    if "callback" not in spec:
        raise Refused("'output' names a callback that runs in the browser, not here")
    outputs = body.get("outputs")
    if not isinstance(outputs, dict | list):
        raise Refused("'outputs' must be an object or a list of objects")
    changed = body.get("changedPropIds", [])
    if not isinstance(changed, list) or not all(isinstance(c, str) for c in changed):
        raise Refused("'changedPropIds' must be a list of strings")
    for part in ("inputs", "state"):
        sent = _entries(body, part)
        declared = spec[part]
        if len(sent) != len(declared):
            raise Refused(f"'{part}' must hold {len(declared)} entries for this callback")
        for entry, want in zip(sent, declared, strict=True):
            if entry.get("id") != want["id"] or entry.get("property") != want["property"]:
                raise Refused(
                    f"'{part}' entry {entry.get('id')!r}.{entry.get('property')!r} is not"
                    f" {want['id']!r}.{want['property']!r}"
                )
            rule = STORE_TYPES.get(want["id"]) if want["property"] == "data" else None
            fits, what = rule or PROPERTY_TYPES.get(want["property"], (_any, "anything"))
            if not fits(entry.get("value")):
                raise Refused(f"{want['id']}.{want['property']} must be {what}")


def install(server: Flask, app: Dash) -> None:
    """Check every callback request to `app` before Dash sees it."""
    path = f"{PREFIX}{DISPATCH}"

    @server.before_request
    def refuse_malformed() -> Response | None:
        if request.path != path or request.method != "POST":
            return None
        try:
            check(app, jsontext.loads_bounded(request.get_data()))
        except (Refused, ValueError) as exc:
            message = str(exc) if isinstance(exc, Refused) else f"not JSON: {exc}"
            body = json.dumps({"error": f"malformed dashboard request: {message}"})
            return Response(body, 400, mimetype="application/json")
        return None
