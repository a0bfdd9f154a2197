"""Where feeds are read from: a file, a directory tree, or an HTTP(S) URL.

Files that are zip archives yield their entries and gzip files their one
decompressed member, so `epss_scores.csv.gz` and OSV's `all.zip` need no
special handling in the sources. HTTP uses conditional requests (If-None-Match,
If-Modified-Since) and also compares the body's digest, because many mirrors
send neither header.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import urllib.error
import urllib.request
import zipfile
from collections.abc import Iterator
from pathlib import Path

from hub.intelligence.sources.interface import FeedError, Location, LocationKind, Member, Payload

USER_AGENT = "crsa-hub feed sync"
MAX_DOWNLOAD = 2 * 1024 * 1024 * 1024


def unpack(name: str, data: bytes) -> Iterator[Member]:
    """A zip's entries, a gzip's content, or the bytes themselves."""
    if data[:4] == b"PK\x03\x04":
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            for info in archive.infolist():
                if not info.is_dir():
                    yield info.filename, archive.read(info)
    elif data[:2] == b"\x1f\x8b":
        yield name.removesuffix(".gz"), gzip.decompress(data)
    else:
        yield name, data


def _digest(data: bytes) -> str:
    return "sha256=" + hashlib.sha256(data).hexdigest()


class FileLocation(Location):
    def __init__(self, path: Path) -> None:
        self.path = path

    @property
    def name(self) -> str:
        return str(self.path)

    @property
    def kind(self) -> LocationKind:
        return LocationKind.ZIP if self.path.suffix == ".zip" else LocationKind.FILE

    def fetch(self, previous: str) -> Payload | None:
        try:
            data = self.path.read_bytes()
        except OSError as exc:
            raise FeedError(f"cannot read feed file {self.path}: {exc.strerror}") from None
        validator = _digest(data)
        if validator == previous:
            return None
        return Payload(validator, lambda: unpack(self.path.name, data))


class DirectoryLocation(Location):
    """A tree of files (a clone of an advisory database); its validator covers every
    file's path, size and modification time, so an untouched tree is not read at all."""

    def __init__(self, root: Path) -> None:
        self.root = root

    @property
    def name(self) -> str:
        return str(self.root)

    @property
    def kind(self) -> LocationKind:
        return LocationKind.DIRECTORY

    def fetch(self, previous: str) -> Payload | None:
        files = sorted(p for p in self.root.rglob("*") if p.is_file())
        h = hashlib.sha256()
        for p in files:
            st = p.stat()
            h.update(f"{p.relative_to(self.root)}:{st.st_size}:{st.st_mtime_ns};".encode())
        validator = "tree=" + h.hexdigest()
        if validator == previous:
            return None

        def members() -> Iterator[Member]:
            for p in files:
                yield from unpack(str(p.relative_to(self.root)), p.read_bytes())

        return Payload(validator, members)


class HttpLocation(Location):
    def __init__(self, url: str, timeout: float = 60.0) -> None:
        self.url = url
        self.timeout = timeout

    @property
    def name(self) -> str:
        return self.url

    @property
    def kind(self) -> LocationKind:
        return LocationKind.HTTP

    def fetch(self, previous: str) -> Payload | None:
        fields = dict(p.split("=", 1) for p in previous.split(";") if "=" in p)
        request = urllib.request.Request(self.url, headers={"User-Agent": USER_AGENT})  # noqa: S310 - http(s) only, checked in location_for
        if fields.get("etag"):
            request.add_header("If-None-Match", fields["etag"])
        if fields.get("modified"):
            request.add_header("If-Modified-Since", fields["modified"])
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                data = response.read(MAX_DOWNLOAD + 1)
                etag = response.headers.get("ETag", "")
                modified = response.headers.get("Last-Modified", "")
        except urllib.error.HTTPError as exc:
            if exc.code == 304:
                return None
            raise FeedError(f"{self.url} answered HTTP {exc.code} {exc.reason}") from None
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise FeedError(
                f"cannot fetch {self.url}: {reason}", hint="check the URL and the network"
            ) from None
        if len(data) > MAX_DOWNLOAD:
            raise FeedError(f"{self.url} sent more than {MAX_DOWNLOAD} bytes")
        digest = _digest(data)
        if digest.split("=", 1)[1] == fields.get("sha256"):
            return None
        parts = [digest]
        if etag:
            parts.append(f"etag={etag}")
        if modified:
            parts.append(f"modified={modified}")
        name = self.url.rsplit("/", 1)[-1].split("?", 1)[0] or "feed"
        return Payload(";".join(parts), lambda: unpack(name, data))


def location_for(where: str) -> Location:
    """An http(s) URL, a directory or a file; anything else is refused by name."""
    if where.startswith(("http://", "https://")):
        return HttpLocation(where)
    if "://" in where:
        raise FeedError(f"feed location {where!r}: only http, https and local paths are read")
    path = Path(where).expanduser()
    if path.is_dir():
        return DirectoryLocation(path)
    if path.is_file():
        return FileLocation(path)
    raise FeedError(f"feed location {where} does not exist", hint="give a file, directory or URL")


__all__ = ["DirectoryLocation", "FileLocation", "HttpLocation", "location_for", "unpack"]
