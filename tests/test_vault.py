"""Sealed partner credentials: encrypted with a key in the data directory, never in the store."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from hub.core.vault import KEY_FILE, Vault, VaultError


def test_sealed_values_open_only_with_their_key(tmp_path: Path) -> None:
    vault = Vault.of(tmp_path)
    key = tmp_path / "keys" / KEY_FILE
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    sealed = vault.seal("s3cret")
    assert sealed.startswith("sealed:v1:") and "s3cret" not in sealed
    assert sealed != vault.seal("s3cret")  # each sealing is its own
    assert Vault.of(tmp_path).open(sealed) == "s3cret"  # the same key, read back
    assert vault.seal("") == "" and vault.open("") == ""
    assert vault.open("written-before-sealing") == "written-before-sealing"
    assert vault.is_sealed(sealed) and not vault.is_sealed("written-before-sealing")
    other = Vault.of(tmp_path / "elsewhere")
    with pytest.raises(VaultError) as refused:
        other.open(sealed)
    assert str(tmp_path / "elsewhere") in refused.value.message
    assert refused.value.hint is not None and "secrets.fernet" in refused.value.hint
