"""From a purl to the (OSV ecosystem, package name, version) that advisories are keyed by.

Each ecosystem names packages its own way (PyPI normalises names, Maven joins
group and artifact with a colon, npm keeps the scope), so the mapping is an
explicit table; a purl type missing here cannot be matched and says so.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from packageurl import PackageURL

_DISTROS = {
    ("deb", "debian"): "Debian",
    ("deb", "ubuntu"): "Ubuntu",
    ("rpm", "redhat"): "Red Hat",
    ("rpm", "rocky"): "Rocky Linux",
    ("rpm", "almalinux"): "AlmaLinux",
    ("rpm", "suse"): "SUSE",
    ("rpm", "opensuse"): "openSUSE",
    ("apk", "alpine"): "Alpine",
}
_LANGUAGES = {
    "pypi": "PyPI",
    "npm": "npm",
    "maven": "Maven",
    "golang": "Go",
    "cargo": "crates.io",
    "gem": "RubyGems",
    "nuget": "NuGet",
    "composer": "Packagist",
}


@dataclass(frozen=True)
class OsvPackage:
    ecosystem: str
    name: str
    version: str


class Unmatchable(ValueError):
    """A purl no advisory database can be asked about; the message says why."""


def pypi_name(name: str) -> str:
    """PEP 503 normalisation: Django, django and DJANGO are one project."""
    return re.sub(r"[-_.]+", "-", name).lower()


@lru_cache(maxsize=262_144)  # pure, and fleets repeat the same purls
def osv_package(purl: str) -> OsvPackage:
    try:
        p = PackageURL.from_string(purl)
    except ValueError as exc:
        raise Unmatchable(f"invalid purl {purl!r}: {exc}") from None
    if not p.version:
        raise Unmatchable(f"purl {purl!r} has no version")
    if p.type in _LANGUAGES:
        ecosystem = _LANGUAGES[p.type]
        if p.type == "pypi":
            name = pypi_name(p.name)
        elif p.type == "maven":
            if not p.namespace:
                raise Unmatchable(f"maven purl {purl!r} has no group id")
            name = f"{p.namespace}:{p.name}"
        elif p.type == "nuget":
            name = p.name
        else:
            name = f"{p.namespace}/{p.name}" if p.namespace else p.name
        return OsvPackage(ecosystem, name, p.version)
    distro = _DISTROS.get((p.type, (p.namespace or "").lower()))
    if distro is None:
        raise Unmatchable(f"no advisory ecosystem for purl type {p.type!r} ({purl})")
    # Distribution advisories name source packages (openssl, not libssl3); collectors and
    # Syft carry the source in the `upstream` qualifier, with its version when it differs.
    upstream = str((p.qualifiers or {}).get("upstream", ""))
    if upstream:
        name, _, version = upstream.partition("@")
        return OsvPackage(distro, name, version or p.version)
    return OsvPackage(distro, p.name, p.version)
