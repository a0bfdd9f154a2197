"""Package values from purls: the one identifier the hub matches software by."""

from __future__ import annotations

from functools import lru_cache

from packageurl import PackageURL

from hub.errors import InvalidSubmission
from hub.model import Package


@lru_cache(maxsize=262_144)  # pure, and fleets repeat the same purls
def package_from_purl(purl: str) -> Package:
    """Parse and canonicalise a purl; refuse one without a version, which nothing can match."""
    try:
        parsed = PackageURL.from_string(purl.strip())
    except ValueError as exc:
        raise InvalidSubmission(f"invalid purl {purl!r}: {exc}") from None
    if not parsed.version:
        raise InvalidSubmission(f"purl {purl!r} has no version")
    name = f"{parsed.namespace}/{parsed.name}" if parsed.namespace else parsed.name
    return Package(
        purl=parsed.to_string(), name=name, version=parsed.version, ecosystem=parsed.type
    )
