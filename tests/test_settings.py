"""Settings layer: defaults, then the TOML file in CRSA_HOME, then CRSA_* variables."""

from __future__ import annotations

from pathlib import Path

import pytest

from hub.core.errors import ConfigError
from hub.core.settings import Settings, default_config_text, load_settings


def test_defaults(tmp_path: Path) -> None:
    s = load_settings(env={"CRSA_HOME": str(tmp_path)})
    assert s == Settings(home=tmp_path)
    assert s.sqlite_path == tmp_path / "crsa.db"
    assert load_settings(env={}).home == Path("./crsa-data")


def test_file_then_environment(tmp_path: Path) -> None:
    (tmp_path / "crsa.toml").write_text("[hub]\nport = 9000\nworkers = 3\n")
    s = load_settings(env={"CRSA_HOME": str(tmp_path), "CRSA_WORKERS": "5"})
    assert (s.port, s.workers) == (9000, 5)
    assert load_settings(env={"CRSA_HOME": str(tmp_path)}, port=1234).port == 1234


def test_the_written_default_file_loads_to_the_defaults(tmp_path: Path) -> None:
    (tmp_path / "crsa.toml").write_text(default_config_text())
    assert load_settings(env={"CRSA_HOME": str(tmp_path)}) == Settings(home=tmp_path)


@pytest.mark.parametrize(
    ("file", "env", "words"),
    [
        ("[hub]\nprot = 1\n", {}, "unknown setting 'prot'"),
        ("[hub]\nport = 'x'\n", {}, "not a valid value for port"),
        ("[hub\n", {}, "crsa.toml"),
        ("", {"CRSA_PORT": "eighty"}, "CRSA_PORT"),
        ("", {"CRSA_STORE": "oracle"}, "store 'oracle' is not supported"),
        ("", {"CRSA_WORKERS": "0"}, "workers must be a positive number"),
    ],
)
def test_bad_settings_name_the_problem(
    tmp_path: Path, file: str, env: dict[str, str], words: str
) -> None:
    (tmp_path / "crsa.toml").write_text(file)
    with pytest.raises(ConfigError) as err:
        load_settings(env={"CRSA_HOME": str(tmp_path), **env})
    assert words in err.value.diagnostics()
