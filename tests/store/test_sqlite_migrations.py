"""SQLite-only: numbered migrations upgrade an existing database in place."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from hub.core.store.interface import STIX_OBJECTS, Query
from hub.core.store.sqlite import SqliteStore
from hub.core.store.sqlite.store import _migrations, _split_sql


def test_a_version_1_database_is_upgraded_with_its_data(tmp_path: Path) -> None:
    path = tmp_path / "crsa.db"
    db = sqlite3.connect(path)
    version, _, sql = _migrations()[0]
    for statement in _split_sql(sql):
        db.execute(statement)
    db.execute(f"PRAGMA user_version = {version}")
    db.execute(
        "INSERT INTO organizations VALUES ('o1', 'Old Agency', 'agency', "
        "'2026-01-01T00:00:00.000+00:00')"
    )
    db.commit()
    db.close()

    store = SqliteStore(path)
    assert store.schema_version() == 1
    assert store.migrate() == max(v for v, _, _ in _migrations()) >= 2
    org = store.get_organization("o1")
    assert org is not None and org.name == "Old Agency"
    assert store.list_findings() == [] and store.counts().findings == 0
    store.close()


def test_findings_of_a_version_2_database_read_with_their_new_fields_empty(
    tmp_path: Path,
) -> None:
    path = tmp_path / "crsa.db"
    db = sqlite3.connect(path)
    for version, _, sql in _migrations()[:2]:
        for statement in _split_sql(sql):
            db.execute(statement)
        db.execute(f"PRAGMA user_version = {version}")
    db.execute(
        "INSERT INTO findings VALUES ('f1', 'o1', 's1', 'a1', 'pkg:pypi/django@4.2.6',"
        " 'CVE-2023-46695', 'high', 7.5, 1, 0.4, 'open', '2026-01-01T00:00:00.000+00:00',"
        " '2026-01-02T00:00:00.000+00:00', NULL)"
    )
    db.commit()
    db.close()
    store = SqliteStore(path)
    assert store.migrate() >= 3
    finding = store.get_finding("f1")
    assert finding is not None and finding.cvss == 7.5 and finding.kev is True
    assert (finding.aliases, finding.fixed_in, finding.vex, finding.product_id) == ((), (), "", "")
    assert store.list_findings(system_id="s1", product_id="") == [finding]
    store.close()


def test_times_written_with_milliseconds_are_rewritten_with_microseconds(
    tmp_path: Path,
) -> None:
    """Issue 17, item 7: a version-12 database kept every time with milliseconds; after
    the upgrade they carry microseconds (the same instants), so stored times still order
    as text next to new ones, and a time bound in any precision finds them."""
    path = tmp_path / "crsa.db"
    db = sqlite3.connect(path)
    for version, _, sql in _migrations():
        if version > 12:
            break
        for statement in _split_sql(sql):
            db.execute(statement)
        db.execute(f"PRAGMA user_version = {version}")
    db.execute(
        "INSERT INTO organizations VALUES ('o1', 'Old Agency', 'agency', "
        "'2026-01-01T00:00:00.123+00:00')"
    )
    db.execute(
        "INSERT INTO stix_objects (id, collection_id, object_id, type, spec_version, version,"
        " date_added, tlp, owner_org, audience, first, last, deleted, object) VALUES"
        " ('v1', 'c1', 'indicator--1', 'indicator', '2.1', '2026-01-01T00:00:00.000Z',"
        " '2026-01-01T00:00:00.123+00:00', 'green', 'o1', '[]', 1, 1, 0, '{}')"
    )
    db.commit()
    db.close()

    store = SqliteStore(path)
    assert store.migrate() >= 13
    raw = sqlite3.connect(path)
    assert raw.execute("SELECT created_at FROM organizations").fetchone() == (
        "2026-01-01T00:00:00.123000+00:00",
    )
    assert raw.execute("SELECT date_added FROM stix_objects").fetchone() == (
        "2026-01-01T00:00:00.123000+00:00",
    )
    raw.close()
    for bound, found in (
        ("2026-01-01T00:00:00.123Z", []),
        ("2026-01-01T00:00:00.122999999Z", ["v1"]),
        ("2026-01-01T00:00:00Z", ["v1"]),
        ("2026-01-01T09:00:00.123+09:00", []),
    ):
        query = Query(equals={"collection_id": "c1"}, newer=("date_added", bound))
        assert [v.id for v in store.select(STIX_OBJECTS, query)] == found, bound
    store.close()
