"""Shared fixtures: a fresh hub per test on each store backend, and a seeded world with one
token per role, so tests read as who-does-what."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from devtools.jvm import Unavailable
from devtools.keycloak import Keycloak
from hub.core.auth import Principal
from hub.core.model import Criticality, OrgKind, Package, Role, StoreCounts
from hub.core.registry import Registry
from hub.core.settings import Settings
from hub.core.store import Store
from hub.core.store.elasticsearch import ElasticsearchStore
from hub.core.store.sqlite import SqliteStore
from hub.web.app import create_app
from tests.indexsets import IndexSets
from tests.sharednode import NodeAddress, finished, session_node

IN_CI = os.environ.get("CI", "").lower() == "true"
# Hubs these tests serve run no scorer beside them unless a test asks for one: the scorer is
# tested where it matters (tests/test_served.py), elsewhere it would only compete for CPU.
os.environ.setdefault("CRSA_SCORE_INTERVAL", "0")
os.environ.setdefault("CRSA_SHARING_INTERVAL", "0")
os.environ.setdefault("CRSA_PLAYBOOK_INTERVAL", "0")
BACKENDS = ["sqlite", pytest.param("elasticsearch", marks=pytest.mark.elasticsearch)]
LIMIT = 64 * 1024


def unavailable(reason: str) -> None:
    """Skip a test that needs something this machine lacks; under CI that is a failure."""
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: this test must run)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def corpus() -> Path:
    """../shared/corpus (or CRSA_CORPUS): real public data, read in place, never copied."""
    root = Path(os.environ.get("CRSA_CORPUS", Path(__file__).parents[2] / "shared" / "corpus"))
    if not (root / "README.md").is_file():
        unavailable(f"no test corpus at {root} (set CRSA_CORPUS)")
    return root


@pytest.fixture(scope="session")
def es_node() -> Iterator[NodeAddress]:
    """One real single-node cluster for the whole run, shared by its workers, started on
    first use (tests/sharednode.py)."""
    nodes = session_node()
    try:
        node = next(nodes)
    except Unavailable as exc:
        unavailable(f"no Elasticsearch node: {exc}")
    yield node
    nodes.close()


def pytest_sessionfinish() -> None:
    finished()


@pytest.fixture(scope="module")
def keycloak() -> Iterator[Keycloak]:
    """A real Keycloak with the test realm (devtools/keycloak-realm.json): the identity
    provider the dashboards' sign-in is tested against. One module uses it; it stops when
    that module is done, rather than idling beside every later test of its worker."""
    try:
        provider = Keycloak()
    except Unavailable as exc:
        unavailable(f"no Keycloak: {exc}")
    provider.start()
    yield provider
    provider.stop()


@pytest.fixture(scope="session")
def index_sets(es_node: NodeAddress) -> IndexSets:
    """Migrated index sets on the session's node, lent to one test at a time."""
    return IndexSets(es_node.urls, es_store)


def es_store(urls: list[str], prefix: str | None = None, **options: Any) -> ElasticsearchStore:
    return ElasticsearchStore(urls, prefix=prefix or f"t-{uuid.uuid4().hex[:12]}", **options)


def drop_indices(store: ElasticsearchStore) -> None:
    store.es.indices.delete(index=f"{store.prefix}-*", ignore_unavailable=True)
    store.es.indices.delete_index_template(name=f"{store.prefix}-*")
    store.close()


@pytest.fixture(params=BACKENDS)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """A fresh, migrated store of each backend: every user of it runs on both."""
    if request.param == "sqlite":
        lite = SqliteStore(tmp_path / "crsa.db")
        lite.migrate()
        yield lite
        lite.close()
        return
    sets: IndexSets = request.getfixturevalue("index_sets")
    es = sets.lend()
    yield es
    sets.take_back(es, drop_indices)


def hub_env(store: Store, home: Path, **extra: str) -> dict[str, str]:
    """The environment of a `crsa` process (CLI or `crsa serve`) on `store`, as a test's
    in-process hub sees it: the same SQLite file is the home's, the same Elasticsearch
    indices are named by prefix."""
    env = {**os.environ, "CRSA_HOME": str(home), **extra}
    if isinstance(store, ElasticsearchStore):
        env |= {"CRSA_STORE": "elasticsearch", "CRSA_ES_URL": ",".join(store.urls),
                "CRSA_ES_INDEX_PREFIX": store.prefix}  # fmt: skip
    return env


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(home=tmp_path, max_request_bytes=LIMIT)


@pytest.fixture
def app(settings: Settings, store: Store) -> Flask:
    return create_app(settings, store=store)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@dataclass
class World:
    """Two agencies with a system and an asset each, a partner, and one token per role."""

    store: Store
    operator: str
    agency_a: str
    agency_b: str
    partner: str
    system_a: str
    system_b: str
    asset_a: str
    asset_b: str
    tokens: dict[str, str]

    def auth(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[who]}"}

    def snapshot(self) -> tuple[StoreCounts, str | None]:
        """What must not change when a request is refused."""
        head = self.store.audit_head()
        return self.store.counts(), None if head is None else head.hash


@pytest.fixture
def world(request: pytest.FixtureRequest, store: Store) -> World:
    """The seeded world; on Elasticsearch seeded once per worker and copied into each
    test's fresh index set (`IndexSets.saved`), since seeding is a dozen commits there."""
    if not isinstance(store, ElasticsearchStore):
        return seed_world(store)
    sets: IndexSets = request.getfixturevalue("index_sets")
    copied: World | None = sets.saved(store, "world")
    if copied is not None:
        return replace(copied, store=store)
    made = seed_world(store)
    sets.save(store, "world", made)
    return made


def seed_world(store: Store) -> World:
    reg = Registry(store)
    root = Principal.operator("tests")
    op = reg.add_organization(root, "Operations Center", OrgKind.OPERATOR, "t").value
    a = reg.add_organization(root, "Agency A", OrgKind.AGENCY, "t").value
    b = reg.add_organization(root, "Agency B", OrgKind.AGENCY, "t").value
    p = reg.add_organization(root, "Partner ISAC", OrgKind.PARTNER, "t").value
    sa = reg.add_system(root, a.id, "Portal A", Criticality.HIGH, True, "", "t").value
    sb = reg.add_system(root, b.id, "Payroll B", Criticality.LOW, False, "", "t").value
    pkg = Package("pkg:pypi/django@4.2.7", "django", "4.2.7", "pypi")
    aa = reg.add_asset(root, sa.id, "host-a", packages=[pkg], request_id="t").value
    ab = reg.add_asset(root, sb.id, "host-b", request_id="t").value
    tokens = {
        "admin": reg.issue_token(root, op.id, Role.ADMIN, "", "t").secret,
        "soc": reg.issue_token(root, op.id, Role.SOC_ANALYST, "", "t").secret,
        "auditor": reg.issue_token(root, op.id, Role.AUDITOR, "", "t").secret,
        "agency_a": reg.issue_token(root, a.id, Role.AGENCY_SUBMITTER, "", "t").secret,
        "agency_b": reg.issue_token(root, b.id, Role.AGENCY_SUBMITTER, "", "t").secret,
        "partner": reg.issue_token(root, p.id, Role.PARTNER, "", "t").secret,
    }
    revoked = reg.issue_token(root, a.id, Role.AGENCY_SUBMITTER, "old", "t")
    reg.revoke_token(root, revoked.token.id, "t")
    tokens["revoked"] = revoked.secret
    return World(store, op.id, a.id, b.id, p.id, sa.id, sb.id, aa.id, ab.id, tokens)
