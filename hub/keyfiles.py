"""Key files in the data directory's `keys/`: made once, mode 0600, never in the store."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path


def key_file(home: Path, name: str, make: Callable[[], bytes]) -> bytes:
    """The content of `keys/<name>`, written from `make()` the first time. Created with
    O_EXCL: of two processes starting at once, one writes it and both read that one."""
    path = home / "keys" / name
    if not path.is_file():
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "wb") as f:
                f.write(make())
    return path.read_bytes()
