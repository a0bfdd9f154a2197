"""A SQLite hub as an older release left it: the migrations after a version undone."""

from __future__ import annotations

import re
import sqlite3

from hub.core.store.sqlite.store import _migrations, _split_sql


def rewind(db: sqlite3.Connection, version: int) -> None:
    """Undo the schema changes of every migration after `version`, last first: what they
    create is dropped, what they drop is made again as the earlier migrations made it
    (empty), and the database says `version`. Data they rewrote stays as it is."""
    migrations = _migrations()
    for number, _, script in reversed(migrations):
        if number <= version:
            break
        earlier = [s for n, _, sql in migrations if n < number for s in _split_sql(sql)]
        for table, column in re.findall(r"ALTER TABLE (\w+) ADD COLUMN (\w+)", script):
            db.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
        for trigger in re.findall(r"CREATE TRIGGER (\w+)", script):
            db.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        for index in re.findall(r"CREATE INDEX (\w+)", script):
            db.execute(f"DROP INDEX IF EXISTS {index}")
        for table in re.findall(r"CREATE TABLE (\w+)", script):
            db.execute(f"DROP TABLE IF EXISTS {table}")
        for table in re.findall(r"DROP TABLE (\w+)", script):
            for statement in earlier:
                if re.search(
                    rf"(CREATE TABLE|ALTER TABLE|CREATE INDEX \w+ ON) {table}\b", statement
                ):
                    db.execute(statement)
        for index in re.findall(r"DROP INDEX (\w+)", script):
            for statement in earlier:
                if re.search(rf"CREATE INDEX {index}\b", statement):
                    db.execute(statement)
    db.execute(f"PRAGMA user_version = {version}")
