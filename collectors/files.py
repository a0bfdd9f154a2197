"""Private files: folders 0700, files 0600, whatever the umask of whoever started us.

The hub's data directory holds token hashes and every agency's data (the database, its
WAL, keys, settings, exports); a collector's spool holds a host's inventory and its
token. Both sides use this one module, which is why it ships with the collectors."""

from __future__ import annotations

import os
from pathlib import Path

DIR_MODE = 0o700
FILE_MODE = 0o600


def private_dir(path: Path) -> Path:
    """`path` created if missing (with its parents), and made 0700 either way."""
    path.mkdir(parents=True, exist_ok=True, mode=DIR_MODE)
    if path.stat().st_mode & 0o777 != DIR_MODE:
        path.chmod(DIR_MODE)
    return path


def private_file(path: Path) -> Path:
    """An existing file made 0600 (SQLite creates its files with the process umask)."""
    if path.exists() and path.stat().st_mode & 0o777 != FILE_MODE:
        path.chmod(FILE_MODE)
    return path


def restrict_umask() -> int:
    """Files this process creates from now on are 0600 and folders 0700 (SQLite's WAL and
    shared-memory files, exports): the previous umask, for a caller that restores it."""
    return os.umask(0o077)


def write_private(path: Path, data: bytes) -> None:
    """`data` into `path`, created (or left) 0600 from the first byte on."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    private_file(path)
