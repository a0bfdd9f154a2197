"""Each ecosystem's own version order, through univers; never string comparison.

One explicit table from OSV ecosystem names to version classes: an ecosystem
missing here is reported as unsupported rather than compared by a guess.
"""

from __future__ import annotations

import functools

from univers.versions import (
    AlpineLinuxVersion,
    ComposerVersion,
    DebianVersion,
    GolangVersion,
    InvalidVersion,
    MavenVersion,
    NugetVersion,
    PypiVersion,
    RpmVersion,
    RubygemsVersion,
    SemverVersion,
    Version,
)

ORDER: dict[str, type[Version]] = {
    "PyPI": PypiVersion,
    "npm": SemverVersion,
    "Maven": MavenVersion,
    "Go": GolangVersion,
    "crates.io": SemverVersion,
    "RubyGems": RubygemsVersion,
    "NuGet": NugetVersion,
    "Packagist": ComposerVersion,
    "Debian": DebianVersion,
    "Ubuntu": DebianVersion,
    "Alpine": AlpineLinuxVersion,
    "Red Hat": RpmVersion,
    "Rocky Linux": RpmVersion,
    "AlmaLinux": RpmVersion,
    "SUSE": RpmVersion,
    "openSUSE": RpmVersion,
}


class UnsupportedVersion(ValueError):
    """A version string this ecosystem's rules cannot order."""


def base_ecosystem(ecosystem: str) -> str:
    """'Debian:12' -> 'Debian', 'Alpine:v3.19' -> 'Alpine': releases share one order."""
    return ecosystem.split(":", 1)[0]


def supported(ecosystem: str) -> bool:
    return base_ecosystem(ecosystem) in ORDER


def parse(ecosystem: str, version: str, *, semver: bool = False) -> Version:
    """The version in its ecosystem's order (or plain SemVer, for OSV SEMVER ranges)."""
    cls = SemverVersion if semver else ORDER.get(base_ecosystem(ecosystem))
    if cls is None:
        raise UnsupportedVersion(f"no version rules for ecosystem {ecosystem!r}")
    text = version.strip()
    if cls in (GolangVersion, SemverVersion) and text[:1] == "v" and text[1:2].isdigit():
        text = text[1:]  # Go module versions carry a "v" that OSV ranges leave out
    try:
        return _version(cls, text)  # type: ignore[arg-type]
    except (InvalidVersion, ValueError, TypeError) as exc:
        raise UnsupportedVersion(f"{ecosystem} version {version!r}: {exc}") from None


@functools.lru_cache(maxsize=262_144)
def _version(cls: type[Version], text: str) -> Version:
    """Parsed once: matching compares every range bound of a package's advisories with
    every version of it, and univers parses slowly (half of a 40,000-component SBOM's
    matching, bench/sbom). Versions are immutable, so sharing one is safe."""
    return cls(text)
