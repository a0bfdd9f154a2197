"""The fuzzing stage (issue 17, item 10): schemathesis over the hub's own OpenAPI document
against a real `crsa serve`, and hypothesis-made TAXII envelopes against the same server.

Every operation gets a bounded number of generated requests (valid and invalid bodies,
queries and path parameters), as an admin and as an agency; each answer must be below 500
and, where the document describes its status, match its schema. The envelopes mix valid
indicators with objects missing or mistyping `id` and `type`, hostile patterns and marking
references; the server must answer each with a TAXII status or a TAXII error, never 5xx,
and every object it accepted must be readable back."""

from __future__ import annotations

import functools
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Ok
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

from devtools.esnode import Cluster
from tests.conftest import BACKENDS
from tests.test_served import free_port, stop, wait_healthy

pytestmark = pytest.mark.slow
CRSA = [sys.executable, "-m", "hub.cli"]
TAXII = "application/taxii+json;version=2.1"
# Examples per operation, bounded so the stage fits the suite's time; CRSA_FUZZ_EXAMPLES=200
# (say) for a deeper run by hand.
EXAMPLES = int(os.environ.get("CRSA_FUZZ_EXAMPLES", "20"))


@dataclass(frozen=True)
class Served:
    url: str
    tokens: dict[str, str]
    system: str
    collection: str


def _run(home: Path, env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [*CRSA, "--home", str(home), *args], capture_output=True, text=True, check=True, env=env
    )
    return done.stdout.strip()


@pytest.fixture(scope="module", params=BACKENDS)
def served(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Served]:
    """A hub set up through the CLI and served by `crsa serve`, on each store."""
    home = tmp_path_factory.mktemp("fuzz") / "hub"
    env = dict(os.environ)
    if request.param == "elasticsearch":
        node: Cluster = request.getfixturevalue("es_node")
        env |= {"CRSA_STORE": "elasticsearch", "CRSA_ES_URL": ",".join(node.urls),
                "CRSA_ES_INDEX_PREFIX": f"fz-{uuid.uuid4().hex[:10]}"}  # fmt: skip
    run = functools.partial(_run, home, env)
    run("init")
    ops = run("org", "add", "Ops", "--kind", "operator")
    agency = run("org", "add", "Agency", "--kind", "agency")
    partner = run("org", "add", "ISAC", "--kind", "partner")
    system = run("system", "add", "--org", agency, "Portal", "--criticality", "high")
    tokens = {
        "admin": run("token", "add", "--org", ops, "--role", "admin"),
        "agency": run("token", "add", "--org", agency, "--role", "agency_submitter"),
        "partner": run("token", "add", "--org", partner, "--role", "partner"),
    }
    collection = run("taxii", "collection", "add", "--title", "Fuzz", "--read", partner,
                      "--write", partner, "--tlp", "green")  # fmt: skip
    port = free_port()
    proc = subprocess.Popen(
        [*CRSA, "--home", str(home), "serve", "--port", str(port), "--workers", "2"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url, proc, 120)
        yield Served(url, tokens, system, collection)
    finally:
        stop(proc)


CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]


def test_no_operation_answers_5xx_or_off_its_schema(served: Served) -> None:
    """Every operation of /api/v1/openapi.json, EXAMPLES generated requests each, sent as
    the hub's admin and as an agency (its scope): the failures of all operations are
    gathered, so one run shows every problem."""
    schema = schemathesis.openapi.from_url(f"{served.url}/api/v1/openapi.json")
    failures: list[str] = []
    operations = 0
    calls: list[int] = []
    for result in schema.get_all_operations():
        if not isinstance(result, Ok):  # the document itself is wrong for this operation
            failures.append(f"invalid operation in the document: {result.err()}")
            continue
        operation = result.ok()
        operations += 1

        modes = (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)  # valid, and not
        cases = st.one_of(*(operation.as_strategy(m) for m in modes))

        @given(case=cases)
        @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck),
                  derandomize=True, database=None)  # fmt: skip
        def call(case: Any) -> None:
            for role in ("admin", "agency"):  # the hub's operator, and an agency in its scope
                headers = {"Authorization": f"Bearer {served.tokens[role]}"}
                answer = case.call_and_validate(
                    base_url=served.url, headers=headers, checks=CHECKS, timeout=60
                )
                calls.append(answer.status_code)

        try:
            call()
        except Exception as exc:  # one operation's failure must not hide the others'
            failures.append(f"{operation.label}: {exc}"[:2000])
    assert operations >= 30 and len(calls) >= operations * 2
    assert failures == []
    assert {200, 400, 404, 422} <= set(calls)  # valid and invalid requests both went in


_ids = st.one_of(
    st.uuids().map(lambda u: f"indicator--{u}"),
    st.integers(),
    st.none(),
    st.text(max_size=20),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)
_patterns = st.one_of(
    st.just("[ipv4-addr:value = '198.51.100.7']"),
    st.just(""),
    st.integers(1, 3000).map(lambda n: "(" * n + "[x:y = '1']" + ")" * n),
    st.text(max_size=40),
)
_refs = st.one_of(
    st.just("marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1"),
    st.just("marking-definition--E828B379-4E03-4974-9AC4-E53A884C97C1"),
    st.text(max_size=20),
)


@st.composite
def _objects(draw: st.DrawFn) -> Any:
    if draw(st.integers(0, 9)) == 0:
        return draw(st.one_of(st.text(max_size=5), st.integers(), st.lists(st.none(), max_size=2)))
    obj: dict[str, Any] = {
        "type": draw(st.sampled_from(["indicator", "indicator", "INDICATOR", "x"]) | st.integers()),
        "spec_version": "2.1",
        "id": draw(_ids),
        "created": "2026-01-01T00:00:00.000Z",
        "modified": "2026-01-01T00:00:00.000Z",
        "pattern": draw(_patterns),
        "pattern_type": "stix",
        "valid_from": "2026-01-01T00:00:00Z",
    }
    if draw(st.booleans()):
        obj["object_marking_refs"] = draw(st.lists(_refs, max_size=2))
    if draw(st.booleans()):
        obj["granular_markings"] = [
            {
                "marking_ref": draw(_refs),
                "selectors": draw(st.lists(st.text(max_size=8), max_size=2)),
            }
        ]
    for key in draw(st.lists(st.sampled_from(list(obj)), max_size=2)):
        obj.pop(key, None)
    return obj


@given(objects=st.lists(_objects(), min_size=1, max_size=6))
@settings(max_examples=3 * EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck),
          derandomize=True, database=None)  # fmt: skip
def test_taxii_envelopes_never_answer_5xx(served: Served, objects: list[Any]) -> None:
    url = f"{served.url}/taxii2/crsa/collections/{served.collection}/objects/"
    auth = {"Authorization": f"Bearer {served.tokens['partner']}", "Accept": TAXII}
    got = requests.post(
        url, json={"objects": objects}, headers={**auth, "Content-Type": TAXII}, timeout=60
    )
    assert got.status_code < 500, got.text[:500]
    assert got.headers["Content-Type"] == TAXII
    if got.status_code != 202:
        assert got.json()["http_status"] == str(got.status_code)
        return
    status = got.json()
    assert status["total_count"] == len(objects)
    assert status["success_count"] + status["failure_count"] == len(objects)
    for kept in status.get("successes", []):
        one = requests.get(f"{url}{kept['id']}/", headers=auth, timeout=60)
        assert one.status_code in (200, 404), one.text[:300]  # 404: withheld (RED)
