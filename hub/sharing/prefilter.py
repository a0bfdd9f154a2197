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

Where the pattern is only ORs of `=`, `IN`, `LIKE`, `MATCHES` on strings and `ISSUBSET`
on IPv4 (no NOT, no AND, no qualifier), the values found are tested with the matcher's own
predicates (its LIKE translation, NFC normalisation, its subnet test), which makes the
answer exact and the matcher is not called: a suffix pattern that holds on hundreds of
hosts costs one pass over the distinct values, not hundreds of matcher runs.
"""

from __future__ import annotations

import bisect
import ipaddress
import re
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from stix2 import patterns as ast
from stix2.pattern_visitor import create_pattern_object
from stix2matcher.matcher import MatcherException, _ip_or_cidr_in_subnet, _like_to_regex

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
_STRINGS = (ast.StringConstant, ast.HashConstant)


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
        self._types: set[str] = set()
        self._odd: dict[str, list[str]] = {}
        self._by_text: dict[str, _Texts] = {}
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
        """Values at an address path that are not addresses (the matcher decides on them)."""
        if path not in self._odd:
            self._odd[path] = []
            for v in self.values.get(path, ()):
                try:
                    ipaddress.ip_network(v, strict=False)
                except ValueError:
                    self._odd[path].append(v)
        return self._odd[path]

    def leaf(self, test: ast._ComparisonExpression) -> tuple[Hosts, bool]:
        """The hosts that may satisfy one comparison, and whether they are exactly the
        matcher's answer (the comparisons it evaluates the way this does, with its own
        LIKE translation and subnet test)."""
        lhs = test.lhs
        kind = lhs.object_type_name
        self._types.add(kind)
        parts = lhs.property_path
        every_of_type = frozenset(self.by_type.get(kind, ()))
        if not all(type(p) is ast.BasicObjectPathComponent for p in parts):
            return every_of_type, False
        path = f"{kind}:" + ".".join(str(p.property_name) for p in parts)
        if path in self.opaque:
            return every_of_type, False
        # stix2's tree keeps NOT on `=` only; any other operator in a pattern with a NOT
        # somewhere may be the negated one, so it is narrowed by its path alone.
        maybe_negated = self._negations and test.operator != "="
        if test.negated or maybe_negated or not isinstance(test.rhs, ast._Constant):
            return frozenset(self.by_path.get(path, ())), False
        value = _literal(test.rhs)
        op = test.operator
        strings = not self._negations and type(test.rhs) in _STRINGS
        if op == "=" and type(test.rhs) in _EXACT:
            return frozenset(self.by_value.get((path, value), ())), strings
        listed = isinstance(test.rhs, ast.ListConstant)
        if op == "IN" and listed and all(type(c) in _EXACT for c in test.rhs.value):
            exact = not self._negations and all(type(c) in _STRINGS for c in test.rhs.value)
            return self._holding(path, [_literal(c) for c in test.rhs.value]), exact
        if op in ("LIKE", "MATCHES") and isinstance(value, str):
            pieces = like_pieces(value) if op == "LIKE" else regex_literals(value)
            if pieces is not None:
                found = self._with(path, *pieces)
                test_value = _string_test(op, value) if not self._negations else None
                if test_value is None:
                    return self._holding(path, found), False
                return self._holding(path, [v for v in found if test_value(v)]), True
        if op == "ISSUBSET" and path in _IP_TYPES and isinstance(value, str):
            try:
                net = ipaddress.ip_network(value, strict=False)
            except ValueError:
                return frozenset(), False  # the matcher finds nothing in a malformed network
            starts, found = self._addresses(path, net.version)
            lo = bisect.bisect_left(starts, int(net.network_address))
            hi = bisect.bisect_right(starts, int(net.broadcast_address))
            odd = self._unparsable(path)
            if net.version == 4 and not odd and not self._negations:
                return self._holding(path, [v for v in found[lo:hi] if _in(v, value)]), True
            return self._holding(path, found[lo:hi] + odd), False
        return frozenset(self.by_path.get(path, ())), False

    def _with(self, path: str, prefix: str, suffix: str, inner: list[str]) -> list[str]:
        """The values (as stored) whose NFC form starts with `prefix`, ends with `suffix`
        and contains every `inner` piece: a range of the sorted or the reversed-sorted
        values when there is a prefix or a suffix, else the values sharing the longest
        piece's trigrams, else all of them; each then checked in full."""
        texts = self._texts(path)
        longest = max(inner, key=len, default="")
        if prefix:
            pool: Iterable[str] = _starting(texts.forward, prefix)
        elif suffix:
            pool = [t[::-1] for t in _starting(texts.backward, suffix[::-1])]
        elif len(longest) >= 3:
            pool = texts.sharing(longest)
        else:
            pool = texts.forward
        out = []
        for n in pool:
            if n.startswith(prefix) and n.endswith(suffix) and all(s in n for s in inner):
                out.extend(texts.stored[n])
        return out

    def _texts(self, path: str) -> _Texts:
        if path not in self._by_text:
            self._by_text[path] = _Texts(self.values.get(path, set()))
        return self._by_text[path]

    def candidates(self, pattern: str) -> Hosts:
        return self.narrow(pattern).hosts

    def narrow(self, pattern: str) -> Narrowed:
        """A superset of the hosts `pattern` matches (exactly them when `exact`), and the
        object types it names (only observations holding one of them can take part in a
        match); every host and no types when it will not parse (the matcher then reports
        the pattern's own error)."""
        try:
            tree = create_pattern_object(pattern, version="2.1")
        except Exception:  # any parse failure means "cannot narrow"
            return Narrowed(self.everyone(), None, False)
        self._negations = _NOT.search(_STRING.sub("''", pattern)) is not None
        self._types = set()
        hosts, exact = self._walk(tree)
        return Narrowed(hosts, frozenset(self._types), exact)

    def _walk(self, node: Any) -> tuple[Hosts, bool]:
        """OR of exact answers is exact; AND, FOLLOWEDBY and qualifiers bind observations
        and times the index does not see, so below them the answer is only a superset."""
        if isinstance(node, ast._ComparisonExpression):
            return self.leaf(node)
        if isinstance(node, ast.ObservationExpression):
            return self._walk(node.operand)
        if isinstance(node, ast.ParentheticalExpression):
            return self._walk(node.expression)
        if isinstance(node, ast.QualifiedObservationExpression):
            return self._walk(node.observation_expression)[0], False
        if isinstance(node, ast._BooleanExpression | ast._CompoundObservationExpression):
            parts = [self._walk(o) for o in node.operands]
            hosts = [p[0] for p in parts]
            if node.operator == "OR":
                return frozenset().union(*hosts), all(p[1] for p in parts)
            return frozenset.intersection(*hosts), False
        return self.everyone(), False


def _starting(ordered: list[str], prefix: str) -> list[str]:
    """The run of a sorted list that starts with `prefix`."""
    out = []
    for i in range(bisect.bisect_left(ordered, prefix), len(ordered)):
        if not ordered[i].startswith(prefix):
            break
        out.append(ordered[i])
    return out


class _Texts:
    """One path's distinct string values in NFC (the form the matcher compares), sorted
    forwards and by their reversed text, with a trigram index built when first needed."""

    def __init__(self, values: set[str]) -> None:
        self.stored: dict[str, list[str]] = defaultdict(list)
        for v in values:
            self.stored[unicodedata.normalize("NFC", v)].append(v)
        self.forward = sorted(self.stored)
        self.backward = sorted(t[::-1] for t in self.stored)
        self._grams: dict[str, set[str]] | None = None

    def sharing(self, piece: str) -> Iterable[str]:
        """The texts holding every trigram of `piece` (a superset of those holding it)."""
        if self._grams is None:
            self._grams = defaultdict(set)
            for t in self.forward:
                for i in range(len(t) - 2):
                    self._grams[t[i : i + 3]].add(t)
        sets = [self._grams.get(piece[i : i + 3], set()) for i in range(len(piece) - 2)]
        return set.intersection(*sorted(sets, key=len))


@dataclass(frozen=True)
class Narrowed:
    hosts: Hosts
    types: frozenset[str] | None
    exact: bool


def _string_test(op: str, literal: str) -> Callable[[str], bool] | None:
    """The matcher's own test of a value against LIKE or MATCHES (NFC on both sides, its
    LIKE translation, search for MATCHES), or None when the matcher would refuse it."""
    text = unicodedata.normalize("NFC", literal)
    regex = _like_to_regex(text) if op == "LIKE" else text
    try:
        compiled = re.compile(regex)
        if all(ord(c) < 256 for c in regex):
            re.compile(bytes(ord(c) for c in regex))  # the matcher compiles this too
    except re.error:
        return None
    if op == "LIKE":
        return lambda v: compiled.match(unicodedata.normalize("NFC", v)) is not None
    return lambda v: compiled.search(unicodedata.normalize("NFC", v)) is not None


def _in(value: str, subnet: str) -> bool:
    try:
        return bool(_ip_or_cidr_in_subnet(value, subnet))
    except (MatcherException, ValueError):
        return False


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
