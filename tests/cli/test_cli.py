"""`crsa` as an operator uses it: ids printed, errors without tracebacks, help everywhere."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import click
import pytest
from click.testing import CliRunner, Result

from hub.cli import main
from hub.core.settings import load_settings
from hub.core.store import open_store
from hub.people import People, SignIn
from hub.web.app import create_app
from tests.store.rewind import rewind


def crsa(home: Path, *args: str) -> Result:
    return CliRunner().invoke(main, ["--home", str(home), *args], catch_exceptions=False)


def ok(home: Path, *args: str) -> str:
    result = crsa(home, *args)
    assert result.exit_code == 0, result.output
    return result.stdout.strip()


def refused(home: Path, *args: str) -> str:
    """A user error: exit code 1 or 2, a message, and no traceback."""
    result = crsa(home, *args)
    assert result.exit_code in (1, 2), result.output
    assert "Traceback" not in result.output
    assert "Error:" in result.output
    return result.output


@pytest.fixture
def home(tmp_path: Path) -> Path:
    h = tmp_path / "hub"
    assert "created" in ok(h, "init")
    return h


def test_init_is_safe_to_repeat(home: Path) -> None:
    assert "up to date" in ok(home, "init")
    assert (home / "crsa.toml").is_file()
    db = sqlite3.connect(home / "crsa.db")
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_a_hub_on_an_older_schema_is_refused_until_init_upgrades_it(home: Path) -> None:
    """A store left behind by an older release must not be served (a missing column would
    fail mid-request): every command says which versions and what to run."""
    agency = ok(home, "org", "add", "Agency", "--kind", "agency")
    db = sqlite3.connect(home / "crsa.db")
    latest = db.execute("PRAGMA user_version").fetchone()[0]
    # As the previous release left it.
    rewind(db, latest - 1)
    db.commit()
    db.close()
    message = refused(home, "org", "list")
    assert f"schema version {latest - 1}; this crsa-hub needs {latest}" in message
    assert "crsa init" in message
    assert "upgraded" in ok(home, "init")
    assert agency in ok(home, "org", "list")
    db = sqlite3.connect(home / "crsa.db")
    db.execute(f"PRAGMA user_version = {latest + 1}")
    db.commit()
    db.close()
    assert "newer than this crsa-hub knows" in refused(home, "org", "list")


def test_an_operator_sets_up_a_hub(home: Path) -> None:
    op = ok(home, "org", "add", "Ops Center", "--kind", "operator")
    agency = ok(home, "org", "add", "Digital Agency", "--kind", "agency")
    assert ok(home, "org", "add", "Digital Agency", "--kind", "agency") == agency
    system = ok(
        home,
        "system",
        "add",
        "--org",
        agency,
        "e-Gov",
        "--criticality",
        "high",
        "--internet-facing",
    )
    listed = ok(home, "system", "list", "--org", agency)
    assert listed == f"{system}\thigh\tinternet\te-Gov"
    assert agency in ok(home, "org", "list", "--kind", "agency")

    secret = ok(home, "token", "add", "--org", op, "--role", "admin", "--name", "alice")
    assert secret.startswith("crsa_") and "\n" not in secret
    client = create_app(load_settings(home=home)).test_client()
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"})
    assert me.status_code == 200 and me.get_json()["role"] == "admin"

    token_id = ok(home, "token", "list").split("\t")[0]
    assert "revoked" in ok(home, "token", "revoke", token_id)
    assert (
        client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"}).status_code == 401
    )
    assert "chain ok: 5 entries" in ok(home, "audit", "verify")  # the repeat wrote nothing


def test_user_errors_are_clear_and_without_traceback(home: Path, tmp_path: Path) -> None:
    agency = ok(home, "org", "add", "Agency", "--kind", "agency")
    assert "no organization nope" in refused(home, "system", "add", "--org", "nope", "S")
    assert "already exists" in refused(home, "org", "add", "agency", "--kind", "partner")
    wrong_kind = refused(home, "token", "add", "--org", agency, "--role", "admin")
    assert "'Agency' is an agency" in wrong_kind  # "a agency" before (issue 21)
    partner = ok(home, "org", "add", "ISAC", "--kind", "partner")
    assert "'ISAC' is a partner" in refused(home, "system", "add", "--org", partner, "S")
    assert "'extreme'" in refused(
        home, "system", "add", "--org", agency, "S", "--criticality", "extreme"
    )
    nothing = refused(tmp_path / "empty", "org", "list")
    assert f"no hub database at {tmp_path / 'empty' / 'crsa.db'}" in nothing  # not "no a hub"
    assert "crsa init" in nothing
    (home / "crsa.toml").write_text("[hub]\nport = 'eighty'\n")
    assert "port" in refused(home, "org", "list")


def test_audit_verify_names_the_entry_edited_in_sqlite(home: Path) -> None:
    """Acceptance 3: edit one audit row directly in SQLite; verify names that entry."""
    for n in range(5):
        ok(home, "org", "add", f"Agency {n}", "--kind", "agency")
    assert "5 entries" in ok(home, "audit", "verify")
    db = sqlite3.connect(home / "crsa.db")
    with db:
        db.execute("UPDATE audit_log SET actor = 'cli:mallory' WHERE seq = 3")
    db.close()
    output = refused(home, "audit", "verify")
    assert "broken at entry 3" in output and "edited" in output
    assert "2 entries before it verified" in output


def test_audit_verify_names_a_deleted_entry(home: Path) -> None:
    for n in range(4):
        ok(home, "org", "add", f"Agency {n}", "--kind", "agency")
    db = sqlite3.connect(home / "crsa.db")
    with db:
        db.execute("DELETE FROM audit_log WHERE seq = 2")
    db.close()
    assert "broken at entry 3: expected entry 2" in refused(home, "audit", "verify")


def _commands(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = [prefix]
    for name, cmd in group.commands.items():
        if isinstance(cmd, click.Group):
            found += _commands(cmd, (*prefix, name))
        else:
            found.append((*prefix, name))
    return found


@pytest.mark.parametrize("command", _commands(main), ids=lambda c: " ".join(c) or "crsa")
def test_every_command_has_help(command: tuple[str, ...], tmp_path: Path) -> None:
    result = CliRunner().invoke(main, [*command, "--help"])
    assert result.exit_code == 0
    assert "Usage:" in result.output and len(result.output.splitlines()) > 3


def test_people_and_machine_tokens_from_the_cli(home: Path) -> None:
    """`crsa idp map` places a group; `crsa person` lists, disables, enables; `crsa token`
    issues tokens that expire and rotates them."""
    soc = ok(home, "org", "add", "SOC", "--kind", "operator")
    assert "soc_analyst of" in ok(
        home, "idp", "map", "/soc-analysts", "--org", soc, "--role", "soc_analyst"
    )
    assert ok(home, "idp", "list") == f"soc-analysts\tsoc_analyst\t{soc}"
    message = refused(home, "idp", "map", "x", "--org", soc, "--role", "partner")
    assert "role partner belongs to an organization of kind partner" in message
    people = People(open_store(load_settings(home=home)))
    person = people.sign_in(
        SignIn.from_claims(
            "https://idp",
            {"sub": "s1", "name": "Hanako Sato", "groups": ["soc-analysts"]},
            "groups",
        ),
        "t",
    )
    assert "Hanako Sato" in ok(home, "person", "list") and "\tactive\t" in ok(
        home, "person", "list"
    )
    assert "disabled" in ok(home, "person", "disable", person.id)
    assert "\tdisabled\t" in ok(home, "person", "list")
    assert "enabled" in ok(home, "person", "enable", person.id)
    assert "no person nobody" in refused(home, "person", "disable", "nobody")
    assert "no longer mapped" in ok(home, "idp", "unmap", "soc-analysts")
    secret = ok(home, "token", "add", "--org", soc, "--role", "soc_analyst", "--days", "7")
    listed = ok(home, "token", "list").split("\t")
    assert listed[3] == "active" and listed[5] == "unused"
    assert "1 to 365 days, not 0" in refused(
        home, "token", "add", "--org", soc, "--role", "admin", "--days", "0"
    )
    rotated = crsa(home, "token", "rotate", listed[0])
    assert rotated.exit_code == 0 and rotated.stdout.strip() not in ("", secret)
    assert f"replaces {listed[0]}" in rotated.stderr
    states = sorted(line.split("\t")[3] for line in ok(home, "token", "list").splitlines())
    assert states == ["active", "revoked"]
