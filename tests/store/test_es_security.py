"""The Elasticsearch store against a secured node: HTTPS with a CA file and basic auth, and
clear errors for wrong credentials, a missing CA and an unsupported server version."""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest

from devtools.esnode import Cluster
from devtools.jvm import Unavailable
from hub.core.errors import StoreError
from hub.core.model import Organization, OrgKind, utcnow
from hub.core.settings import load_settings
from hub.core.store import Store, open_store
from hub.core.store.elasticsearch import ElasticsearchStore
from tests.conftest import drop_indices, unavailable

pytestmark = pytest.mark.elasticsearch


@pytest.fixture(scope="module")
def secure_node() -> Iterator[Cluster]:
    try:
        cluster = Cluster(size=1, secure=True)
    except Unavailable as exc:
        unavailable(f"no Elasticsearch node: {exc}")
    cluster.start()
    yield cluster
    cluster.stop()


def settings_for(tmp_path: Path, node: Cluster, **env: str) -> dict[str, str]:
    return {
        "CRSA_HOME": str(tmp_path),
        "CRSA_STORE": "elasticsearch",
        "CRSA_ES_URL": node.urls[0],
        "CRSA_ES_INDEX_PREFIX": f"s-{uuid.uuid4().hex[:10]}",
        **env,
    }


def round_trip(store: Store) -> None:
    store.migrate()
    org = Organization.new("Secured Agency", OrgKind.AGENCY, utcnow())
    with store.transaction() as tx:
        tx.put_organization(org)
    assert store.get_organization(org.id) == org
    assert store.list_organizations() == [org]


def test_https_with_basic_auth_and_a_ca_file(tmp_path: Path, secure_node: Cluster) -> None:
    assert secure_node.urls[0].startswith("https://")
    env = settings_for(
        tmp_path,
        secure_node,
        CRSA_ES_USERNAME="elastic",
        CRSA_ES_PASSWORD=secure_node.password,
        CRSA_ES_CA_FILE=str(secure_node.ca_file),
    )
    store = open_store(load_settings(env=env), must_exist=False)
    round_trip(store)
    assert isinstance(store, ElasticsearchStore)
    drop_indices(store)


@pytest.mark.parametrize(
    ("extra", "words"),
    [
        ({"CRSA_ES_USERNAME": "elastic", "CRSA_ES_PASSWORD": "wrong"}, "refused the credentials"),
        ({"CRSA_ES_API_KEY": "bm90OmFrZXk="}, "refused the credentials"),
        (
            {"CRSA_ES_USERNAME": "elastic", "CRSA_ES_PASSWORD": "x", "CRSA_ES_CA_FILE": ""},
            "CRSA_ES_CA_FILE",
        ),
    ],
)
def test_bad_credentials_or_trust_are_clear_errors(
    tmp_path: Path, secure_node: Cluster, extra: dict[str, str], words: str
) -> None:
    env = {"CRSA_ES_CA_FILE": str(secure_node.ca_file), "CRSA_ES_TIMEOUT": "5", **extra}
    with pytest.raises(StoreError) as err:
        open_store(load_settings(env=settings_for(tmp_path, secure_node, **env)))
    assert words in err.value.diagnostics()


class _PretendsToBeElasticsearch(BaseHTTPRequestHandler):
    """Answers the node-info request with a chosen version and records what it was sent."""

    version = "8.19.0"
    seen: ClassVar[list[dict[str, str]]] = []

    def do_GET(self) -> None:
        type(self).seen.append({k.lower(): v for k, v in self.headers.items()})
        body = json.dumps({"nodes": {"n1": {"name": "n1", "version": self.version}}}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("X-Elastic-Product", "Elasticsearch")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def pretender() -> Iterator[tuple[str, type[_PretendsToBeElasticsearch]]]:
    handler = type("Handler", (_PretendsToBeElasticsearch,), {"seen": []})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", handler
    server.shutdown()


def test_an_unsupported_server_version_is_refused(
    tmp_path: Path, pretender: tuple[str, type[_PretendsToBeElasticsearch]]
) -> None:
    url, handler = pretender
    handler.version = "9.1.0"
    env = {"CRSA_HOME": str(tmp_path), "CRSA_STORE": "elasticsearch", "CRSA_ES_URL": url}
    with pytest.raises(StoreError) as err:
        open_store(load_settings(env=env))
    assert "9.1.0 is not supported" in err.value.diagnostics()


def test_an_api_key_is_sent_as_apikey_authorization(
    tmp_path: Path, pretender: tuple[str, type[_PretendsToBeElasticsearch]]
) -> None:
    """API keys live in the .security index, which needs the analysis-common module that the
    Maven Central distribution lacks; so the real node cannot mint one here, and this checks
    the wiring on the wire instead."""
    url, handler = pretender
    env = {
        "CRSA_HOME": str(tmp_path),
        "CRSA_STORE": "elasticsearch",
        "CRSA_ES_URL": url,
        "CRSA_ES_API_KEY": "aWQ6c2VjcmV0",
    }
    store = open_store(load_settings(env=env), must_exist=False)
    assert isinstance(store, ElasticsearchStore)
    assert store.es is not None
    assert handler.seen[0]["authorization"] == "ApiKey aWQ6c2VjcmV0"
    store.close()
