"""Key files in the data directory's `keys/`: made once, mode 0600, never in the store.

Every gunicorn worker, the scorer beside them and the CLI may ask for the same key at the
same moment on a new hub. A key is therefore written whole to a private temporary file
and linked into place in one step (`os.link` fails if the name exists): nobody can read a
half-written or empty key, and of several processes that race, one key wins and all of
them read that one. 800 concurrent starts once gave `FileExistsError` 53 times and an
empty key 38 times with the older create-then-write.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from collectors.files import private_dir


def key_file(home: Path, name: str, make: Callable[[], bytes]) -> bytes:
    """The content of `keys/<name>`, written from `make()` the first time."""
    folder = private_dir(home / "keys")
    path = folder / name
    if not path.is_file():
        key = make()
        if not key:
            raise ValueError(f"an empty key was made for {name}")
        fd, temp = tempfile.mkstemp(dir=folder, prefix=f".{name}.")  # mode 0600
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(key)
                f.flush()
                os.fsync(f.fileno())
            with contextlib.suppress(FileExistsError):  # another process linked its key first
                os.link(temp, path)  # atomic, and never over an existing key
        finally:
            os.unlink(temp)
    return path.read_bytes()
