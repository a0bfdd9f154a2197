"""`crsa store migrate --to elasticsearch`: the same hub, audit chain included, on a real node."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from hub.cli import main
from hub.core import audit
from hub.core.auth import Principal
from hub.core.model import Criticality, Finding, FindingStatus, OrgKind, Package, Role, Severity
from hub.core.records.intel import IntelSource
from hub.core.registry import Registry
from hub.core.store.interface import GENERIC_KINDS, STIX_OBJECTS
from hub.core.store.sqlite import SqliteStore
from hub.core.vault import Vault
from hub.intelligence.feeds import register as register_feed
from hub.intelligence.feeds import sync_feed
from hub.sharing.desk import SharingDesk
from hub.sharing.partners import PartnerFeeds
from tests.conftest import drop_indices, es_store
from tests.sharednode import NodeAddress
from tests.store.test_contract import PKGS, sbom_record
from tests.taxii.test_conformance import indicator

pytestmark = pytest.mark.elasticsearch


@pytest.fixture
def prefix(es_node: NodeAddress) -> Iterator[str]:
    name = f"m-{uuid.uuid4().hex[:10]}"
    yield name
    drop_indices(es_store(es_node.urls, name))


def crsa(home: Path, env: dict[str, str], *args: str) -> Result:
    return CliRunner(env=env).invoke(main, ["--home", str(home), *args], catch_exceptions=False)


def make_hub(home: Path) -> SqliteStore:
    home.mkdir()
    store = SqliteStore(home / "crsa.db")
    store.migrate()
    reg = Registry(store)
    root = Principal.operator("tests")
    ops = reg.add_organization(root, "Ops", OrgKind.OPERATOR, "t").value
    reg.issue_token(root, ops.id, Role.ADMIN, "", "t")
    for a in range(3):
        agency = reg.add_organization(root, f"Agency {a}", OrgKind.AGENCY, "t").value
        system = reg.add_system(root, agency.id, "Portal", Criticality.HIGH, True, "", "t").value
        for h in range(4):
            pkg = Package(f"pkg:pypi/django@4.2.{h}", "django", f"4.2.{h}", "pypi")
            x = reg.add_asset(root, system.id, f"host-{h}", packages=[pkg], request_id="t").value
            with store.transaction() as tx:
                tx.put_findings(
                    [
                        Finding(
                            Finding.key_id(x.id, pkg.purl, "CVE-2024-27351"),
                            x.org_id,
                            x.system_id,
                            x.id,
                            pkg.purl,
                            "CVE-2024-27351",
                            Severity.MEDIUM,
                            5.3,
                            False,
                            0.01,
                            FindingStatus.OPEN,
                            x.created_at,
                            x.created_at,
                            None,
                        )
                    ]
                )
    _share_and_supply(store, home, ops.id)
    return store


def _share_and_supply(store: SqliteStore, home: Path, ops: str) -> None:
    """What later parts of the hub keep: a TAXII collection with its objects, a partner
    feed with a sealed password, an SBOM with its components, intelligence records."""
    root = Principal.operator("tests")
    isac = Registry(store).add_organization(root, "ISAC", OrgKind.PARTNER, "t").value
    desk = SharingDesk(store)
    shared = desk.add_collection(root, "Shared", "t", readers=[isac.id], default_tlp="green")
    desk.keep(shared, [indicator(n) for n in range(30)], ops, "tests", "t")
    url = "https://isac.example/api1/collections/x/"
    PartnerFeeds(store, Vault.of(home)).add(root, url, shared.id, isac.id, "t", password="pw")
    sbom = sbom_record("system:s", ops, 1, True)
    with store.transaction() as tx:
        tx.put_sbom(sbom)
        tx.put_sbom_packages(sbom.id, PKGS)
    kev = home / "kev.json"
    kev.write_text(json.dumps({"vulnerabilities": [{"cveID": "CVE-2024-27351"}]}))
    sync_feed(store, register_feed(store, IntelSource.KEV, str(kev), "t", "tests"), "t")


def test_migrate_copies_everything_and_the_chain_still_verifies(
    tmp_path: Path, es_node: NodeAddress, prefix: str
) -> None:
    home = tmp_path / "hub"
    source = make_hub(home)
    env = {"CRSA_ES_URL": ",".join(es_node.urls), "CRSA_ES_INDEX_PREFIX": prefix}
    first = crsa(home, env, "store", "migrate", "--to", "elasticsearch")
    assert first.exit_code == 0, first.output
    assert "chain verified" in first.stdout and "CRSA_STORE=elasticsearch" in first.stdout

    target = es_store(es_node.urls, prefix)
    assert target.counts() == source.counts()
    assert list(target.iter_audit()) == list(source.iter_audit())
    assert audit.verify(target.iter_audit()).ok
    head = source.audit_head()
    assert head is not None and head.action == "store.migrate"
    assert target.counts().findings == 12
    assert target.list_findings(limit=100) == source.list_findings(limit=100)
    for asset in source.list_assets(limit=100):
        assert target.get_asset(asset.id) == asset
        assert target.list_asset_packages(asset.id) == source.list_asset_packages(asset.id)
    for kind in GENERIC_KINDS:  # everything else the hub keeps, exactly
        assert list(target.iter_all(kind)) == list(source.iter_all(kind)), kind.name
    assert len(list(target.iter_all(STIX_OBJECTS))) == 30
    [sbom] = target.list_sboms()
    assert target.list_sbom_packages(sbom.id) == source.list_sbom_packages(sbom.id) != []
    assert target.get_intel("kev:CVE-2024-27351") is not None
    assert "copied       30 stix objects" in first.stderr

    on_es = {**env, "CRSA_STORE": "elasticsearch"}
    verified = crsa(home, on_es, "audit", "verify")
    assert verified.exit_code == 0 and head.hash in verified.stdout
    assert crsa(home, on_es, "org", "list").stdout.count("\n") == 5  # the ISAC too

    again = crsa(home, env, "store", "migrate", "--to", "elasticsearch")
    assert again.exit_code == 0 and "1 new audit entries" in again.stdout
    assert target.counts() == source.counts()
    target.close()


def test_migrate_refuses_a_target_with_another_hubs_history(
    tmp_path: Path, es_node: NodeAddress, prefix: str
) -> None:
    env = {"CRSA_ES_URL": ",".join(es_node.urls), "CRSA_ES_INDEX_PREFIX": prefix}
    make_hub(tmp_path / "one")
    assert crsa(tmp_path / "one", env, "store", "migrate", "--to", "elasticsearch").exit_code == 0
    other = make_hub(tmp_path / "two")
    before = other.counts()
    refused = crsa(tmp_path / "two", env, "store", "migrate", "--to", "elasticsearch")
    assert refused.exit_code == 1 and "not this hub's" in refused.output
    assert "Traceback" not in refused.output
    assert other.counts() == before


def test_an_unreachable_cluster_is_a_clear_error(tmp_path: Path) -> None:
    make_hub(tmp_path / "hub")
    env = {"CRSA_ES_URL": "http://127.0.0.1:9", "CRSA_ES_TIMEOUT": "2"}
    result = crsa(tmp_path / "hub", env, "store", "migrate", "--to", "elasticsearch")
    assert result.exit_code == 1 and "cannot reach Elasticsearch" in result.output
    assert "CRSA_ES_URL" in result.output and "Traceback" not in result.output
