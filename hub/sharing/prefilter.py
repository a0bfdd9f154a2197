"""Which hosts a STIX pattern could possibly match, from an index, before any matching.

stix2-matcher costs tens of microseconds per pattern and observation, so evaluating
10,000 partner patterns against every host is hours of work. Almost all of them can
only match where a literal from the pattern appears: an address, a hash, a domain, a
piece of a URL. This module reads the pattern's syntax tree (the `stix2` library's) and
derives, for each comparison, the hosts holding a value that could satisfy it:

- `=` and `IN`: exact lookups;
- `LIKE`: values with the pattern's fixed prefix, suffix and inner pieces;
- `MATCHES`: values containing every literal run the regular expression requires;
- `ISSUBSET` on addresses: addresses inside the network (a sorted list, bisected);
- anything else (`NOT`, `!=`, `<`, `ISSUPERSET`, list paths, references): every host
  with the property, or with the object type.

AND intersects, OR unions, qualifiers (WITHIN, REPEATS, START/STOP) keep their
operand's hosts. Every rule keeps a superset of the true answer, and the matcher then
decides on those hosts alone, so the answers are the matcher's own.
"""

from __future__ import annotations

import bisect
import ipaddress
import re
import unicodedata
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from stix2 import patterns as ast
from stix2.pattern_visitor import create_pattern_object

from hub.sharing.observations import Host, flat

Hosts = frozenset[int]
_IP_TYPES = ("ipv4-addr:value", "ipv6-addr:value")
_STRING = re.compile(r"'(?:[^'\\]|\\.)*'")
_ESCAPE = re.compile(r"\\(.)")
_NOT = re.compile(r"\bNOT\b")
# Constants that compare with JSON values by plain equality in the matcher (timestamps,
# hex and binary ones are converted first, so they are not looked up as they are).
_EXACT = (ast.StringConstant, ast.HashConstant, ast.IntegerConstant, ast.FloatConstant,
          ast.BooleanConstant)  # fmt: skip


class ObservationIndex:
    """Hosts by (path, value), by path and by object type, with sorted address lists
    built the first time a network is asked about."""

    def __init__(self, hosts: Sequence[Host]) -> None:
        self.hosts = hosts
        self.by_value: dict[tuple[str, Any], set[int]] = defaultdict(set)
        self.by_path: dict[str, set[int]] = defaultdict(set)
        self.by_type: dict[str, set[int]] = defaultdict(set)
        self.values: dict[str, set[str]] = defaultdict(set)
        self.opaque: set[str] = set()  # paths holding lists or deeper objects somewhere
        for i, h in enumerate(hosts):
            for sco in h.objects:
                self.by_type[sco["type"]].add(i)
                for path, value in flat(sco):
                    self.by_path[path].add(i)
                    if value is None:
                        self.opaque.add(path)
                        continue
                    self.by_value[(path, value)].add(i)
                    if isinstance(value, str):
                        self.values[path].add(value)
        self._negations = False
        self._networks: dict[tuple[str, int], tuple[list[int], list[str]]] = {}

    def everyone(self) -> Hosts:
        return frozenset(range(len(self.hosts)))

    def _holding(self, path: str, values: list[Any]) -> Hosts:
        out: set[int] = set()
        for v in values:
            out |= self.by_value[(path, v)]
        return frozenset(out)

    def _addresses(self, path: str, version: int) -> tuple[list[int], list[str]]:
        key = (path, version)
        if key not in self._networks:
            pairs = []
            for v in self.values.get(path, ()):
                try:
                    net = ipaddress.ip_network(v, strict=False)
                except ValueError:
                    continue
                if net.version == version:
                    pairs.append((int(net.network_address), v))
            pairs.sort()
            self._networks[key] = ([p[0] for p in pairs], [p[1] for p in pairs])
        return self._networks[key]

    def _unparsable(self, path: str) -> list[str]:
        out = []
        for v in self.values.get(path, ()):
            try:
                ipaddress.ip_network(v, strict=False)
            except ValueError:
                out.append(v)
        return out

    def leaf(self, test: ast._ComparisonExpression) -> Hosts:
        lhs = test.lhs
        kind = lhs.object_type_name
        parts = lhs.property_path
        every_of_type = frozenset(self.by_type.get(kind, ()))
        if not all(type(p) is ast.BasicObjectPathComponent for p in parts):
            return every_of_type
        path = f"{kind}:" + ".".join(str(p.property_name) for p in parts)
        if path in self.opaque:
            return every_of_type
        if test.negated or self._negations or not isinstance(test.rhs, ast._Constant):
            return frozenset(self.by_path.get(path, ()))
        value = _literal(test.rhs)
        op = test.operator
        if op == "=" and type(test.rhs) in _EXACT:
            return frozenset(self.by_value.get((path, value), ()))
        listed = isinstance(test.rhs, ast.ListConstant)
        if op == "IN" and listed and all(type(c) in _EXACT for c in test.rhs.value):
            return self._holding(path, [_literal(c) for c in test.rhs.value])
        if op in ("LIKE", "MATCHES") and isinstance(value, str):
            pieces = like_pieces(value) if op == "LIKE" else regex_literals(value)
            if pieces is not None:
                return self._holding(path, self._with(path, *pieces))
        if op == "ISSUBSET" and path in _IP_TYPES and isinstance(value, str):
            try:
                net = ipaddress.ip_network(value, strict=False)
            except ValueError:
                return frozenset()  # the matcher finds nothing inside a malformed network
            starts, found = self._addresses(path, net.version)
            lo = bisect.bisect_left(starts, int(net.network_address))
            hi = bisect.bisect_right(starts, int(net.broadcast_address))
            return self._holding(path, found[lo:hi] + self._unparsable(path))
        return frozenset(self.by_path.get(path, ()))

    def _with(self, path: str, prefix: str, suffix: str, inner: list[str]) -> list[str]:
        out = []
        for v in self.values.get(path, ()):
            n = unicodedata.normalize("NFC", v)
            if n.startswith(prefix) and n.endswith(suffix) and all(s in n for s in inner):
                out.append(v)
        return out

    def candidates(self, pattern: str) -> Hosts:
        """A superset of the hosts `pattern` matches; every host when it will not parse
        (the matcher then reports the pattern's own error)."""
        try:
            tree = create_pattern_object(pattern, version="2.1")
        except Exception:  # any parse failure means "cannot narrow"
            return self.everyone()
        # stix2's tree keeps NOT only on `=`, and drops it from LIKE, MATCHES, IN and the
        # rest; a pattern with NOT anywhere is therefore only narrowed by paths and types.
        self._negations = _NOT.search(_STRING.sub("''", pattern)) is not None
        return self._walk(tree)

    def _walk(self, node: Any) -> Hosts:
        if isinstance(node, ast._ComparisonExpression):
            return self.leaf(node)
        if isinstance(node, ast.ObservationExpression):
            return self._walk(node.operand)
        if isinstance(node, ast.ParentheticalExpression):
            return self._walk(node.expression)
        if isinstance(node, ast.QualifiedObservationExpression):
            return self._walk(node.observation_expression)
        if isinstance(node, ast._BooleanExpression | ast._CompoundObservationExpression):
            parts = [self._walk(o) for o in node.operands]
            if node.operator == "OR":
                return frozenset().union(*parts)
            return frozenset.intersection(*parts)
        return self.everyone()


def _literal(constant: ast._Constant) -> Any:
    """The constant's value; stix2 keeps string literals as written, escapes and all."""
    value = constant.value
    return _ESCAPE.sub(r"\1", value) if isinstance(value, str) else value


def like_pieces(like: str) -> tuple[str, str, list[str]]:
    """(prefix, suffix, inner pieces) every value matching the LIKE pattern has."""
    like = unicodedata.normalize("NFC", like)
    pieces = like.replace("_", "%").split("%")
    if len(pieces) == 1:
        return like, like, []
    return pieces[0], pieces[-1], [p for p in pieces[1:-1] if p]


def regex_literals(regex: str) -> tuple[str, str, list[str]] | None:
    """('', '', literal runs every match contains), or None when the expression has
    alternation or inline flags, where no literal is certain."""
    regex = unicodedata.normalize("NFC", regex)
    if "|" in regex or re.search(r"\(\?(?!:)", regex):
        return None
    runs: list[str] = []
    run: list[str] = []
    depth = 0
    i = 0

    def cut() -> None:
        if run:
            runs.append("".join(run))
            run.clear()

    while i < len(regex):
        c = regex[i]
        if c == "\\":
            nxt = regex[i + 1 : i + 2]
            i += 2
            if nxt and not nxt.isalnum() and depth == 0:
                run.append(nxt)
            else:
                cut()
            continue
        if c == "[":
            cut()
            i += 2 if regex[i + 1 : i + 2] == "]" else 1
            while i < len(regex) and regex[i] != "]":
                i += 2 if regex[i] == "\\" else 1
            i += 1
            continue
        if c in "*?{":
            if run:
                run.pop()  # the atom before may be absent
            cut()
            if c == "{":
                while i < len(regex) and regex[i] != "}":
                    i += 1
            i += 1
            continue
        if c in "()":
            depth += 1 if c == "(" else -1
            cut()
        elif c in ".^$+":
            cut()
        elif depth == 0:
            run.append(c)
        else:
            cut()
        i += 1
    cut()
    return "", "", runs
