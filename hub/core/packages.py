"""Package values from purls: the one identifier the hub matches software by."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from functools import lru_cache

from packageurl import PackageURL

from hub.core.ecosystems import Unmatchable, osv_package, pypi_name
from hub.core.errors import InvalidSubmission
from hub.core.model import Package
from hub.core.versions import base_ecosystem


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


def osv_key(ecosystem: str, name: str) -> tuple[str, str]:
    """(base ecosystem, name) the way advisories and hosts meet: one spelling per package."""
    base = base_ecosystem(ecosystem)
    if base == "PyPI":
        return base, pypi_name(name)
    if base == "NuGet":
        return base, name.lower()
    return base, name


@lru_cache(maxsize=262_144)  # pure, and fleets repeat the same purls
def package_key(purl: str) -> str | None:
    """How advisories would name this package ("PyPI:django", "Debian:openssl"), or None
    when no advisory can; the key by which a changed advisory finds the hosts it concerns."""
    try:
        package = osv_package(purl)
    except Unmatchable:
        return None
    return ":".join(osv_key(package.ecosystem, package.name))


def software_set_id(packages: Sequence[Package]) -> str:
    """The id of a software set: a digest of its packages, whatever their order, so every
    host built from one image names the same set."""
    lines = sorted(f"{p.purl}\t{p.name}\t{p.version}\t{p.ecosystem}" for p in packages)
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()
