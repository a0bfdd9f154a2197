"""Installed software as purls, one `PackageSource` per package manager or language.

dpkg, apk and the language trees are read from their databases on disk (no process
to start, works on a mounted image); rpm has no stable on-disk format, so it is asked
through `rpm -qa` on the live host only. Distribution packages carry their source
package in the `upstream` qualifier, because distribution advisories name sources.
"""

from __future__ import annotations

import abc
import json
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from email.parser import HeaderParser
from pathlib import Path

from packageurl import PackageURL

from collectors.endpoint.host import Distro

RPM_NAMESPACES = {
    "rhel": "redhat",
    "centos": "centos",
    "rocky": "rocky",
    "almalinux": "almalinux",
    "fedora": "fedora",
    "ol": "oracle",
    "amzn": "amazon",
    "sles": "suse",
    "opensuse-leap": "opensuse",
}


@dataclass(frozen=True)
class FoundPackage:
    purl: str
    source: str  # which PackageSource found it


class PackageSource(abc.ABC):
    name: str

    @abc.abstractmethod
    def packages(self, root: Path, distro: Distro) -> Iterator[FoundPackage]: ...


def _paragraphs(text: str) -> Iterator[dict[str, str]]:
    """Debian control-file paragraphs (dpkg status, apk's db uses single letters instead)."""
    fields: dict[str, str] = {}
    key = ""
    for line in text.splitlines():
        if not line.strip():
            if fields:
                yield fields
            fields, key = {}, ""
        elif line[0] in " \t" and key:
            fields[key] += "\n" + line.strip()
        else:
            key, _, value = line.partition(":")
            fields[key] = value.strip()
    if fields:
        yield fields


def _distro_qualifier(distro: Distro) -> str:
    return f"{distro.id}-{distro.version_id}" if distro.version_id else distro.id


class DpkgSource(PackageSource):
    name = "dpkg"

    def packages(self, root: Path, distro: Distro) -> Iterator[FoundPackage]:
        status = root / "var/lib/dpkg/status"
        if not status.is_file():
            return
        namespace = "ubuntu" if distro.id == "ubuntu" else "debian"
        for p in _paragraphs(status.read_text(encoding="utf-8", errors="replace")):
            if not p.get("Status", "").endswith(" installed") or not p.get("Version"):
                continue
            qualifiers = {"distro": _distro_qualifier(distro)}
            if p.get("Architecture"):
                qualifiers["arch"] = p["Architecture"]
            source = p.get("Source", "")
            if source:
                src_name, _, rest = source.partition(" ")
                src_version = rest.strip("() ")
                if src_name != p["Package"] or src_version:
                    qualifiers["upstream"] = (
                        f"{src_name}@{src_version}" if src_version else src_name
                    )
            purl = PackageURL(
                type="deb",
                namespace=namespace,
                name=p["Package"],
                version=p["Version"],
                qualifiers=qualifiers,
            )
            yield FoundPackage(purl.to_string(), self.name)


class ApkSource(PackageSource):
    name = "apk"

    def packages(self, root: Path, distro: Distro) -> Iterator[FoundPackage]:
        db = root / "lib/apk/db/installed"
        if not db.is_file():
            return
        for block in db.read_text(encoding="utf-8", errors="replace").split("\n\n"):
            f = {
                line[0]: line[2:] for line in block.splitlines() if len(line) > 2 and line[1] == ":"
            }
            if not f.get("P") or not f.get("V"):
                continue
            qualifiers = {"distro": _distro_qualifier(distro)}
            if f.get("A"):
                qualifiers["arch"] = f["A"]
            if f.get("o") and f["o"] != f["P"]:
                qualifiers["upstream"] = f["o"]
            purl = PackageURL(
                type="apk", namespace="alpine", name=f["P"], version=f["V"], qualifiers=qualifiers
            )
            yield FoundPackage(purl.to_string(), self.name)


class RpmSource(PackageSource):
    name = "rpm"
    FORMAT = "%{NAME}\\t%{EPOCHNUM}\\t%{VERSION}-%{RELEASE}\\t%{ARCH}\\t%{SOURCERPM}\\n"

    def packages(self, root: Path, distro: Distro) -> Iterator[FoundPackage]:
        rpm = shutil.which("rpm")
        if rpm is None or root != Path("/") or not Path("/var/lib/rpm").exists():
            return
        try:
            out = subprocess.run(
                [rpm, "-qa", "--qf", self.FORMAT],
                capture_output=True,
                text=True,
                timeout=120,
                check=True,
            ).stdout
        except (subprocess.SubprocessError, OSError):
            return
        yield from self.parse(out, distro)

    def parse(self, out: str, distro: Distro) -> Iterator[FoundPackage]:
        namespace = RPM_NAMESPACES.get(distro.id, distro.id)
        for line in out.splitlines():
            parts = line.split("\t")
            if len(parts) != 5 or parts[0] == "gpg-pubkey":
                continue
            name, epoch, version, arch, source_rpm = parts
            qualifiers = {"arch": arch, "distro": _distro_qualifier(distro)}
            if epoch and epoch != "0":
                qualifiers["epoch"] = epoch
            source = source_rpm.rsplit("-", 2)[0] if source_rpm not in ("", "(none)") else ""
            if source and source != name:
                qualifiers["upstream"] = source
            purl = PackageURL(
                type="rpm", namespace=namespace, name=name, version=version, qualifiers=qualifiers
            )
            yield FoundPackage(purl.to_string(), self.name)


class PythonSource(PackageSource):
    """Distributions installed in the system's Python trees (dist-info and egg-info)."""

    name = "python"
    TREES = (
        "usr/lib/python3*/dist-packages",
        "usr/lib/python3*/site-packages",
        "usr/local/lib/python3*/dist-packages",
        "usr/local/lib/python3*/site-packages",
        "usr/lib64/python3*/site-packages",
    )

    def packages(self, root: Path, distro: Distro) -> Iterator[FoundPackage]:
        for pattern in self.TREES:
            for tree in sorted(root.glob(pattern)):
                for meta in sorted(tree.glob("*.dist-info/METADATA")) + sorted(
                    tree.glob("*.egg-info/PKG-INFO")
                ):
                    try:
                        headers = HeaderParser().parsestr(meta.read_text("utf-8", "replace"))
                    except (OSError, ValueError):
                        continue
                    if headers["Name"] and headers["Version"]:
                        purl = PackageURL(
                            type="pypi", name=headers["Name"].lower(), version=headers["Version"]
                        )
                        yield FoundPackage(purl.to_string(), self.name)


class NpmGlobalSource(PackageSource):
    name = "npm"
    TREES = ("usr/lib/node_modules", "usr/local/lib/node_modules")

    def packages(self, root: Path, distro: Distro) -> Iterator[FoundPackage]:
        for tree in self.TREES:
            base = root / tree
            manifests = sorted(base.glob("*/package.json")) + sorted(base.glob("@*/*/package.json"))
            for manifest in manifests:
                try:
                    data = json.loads(manifest.read_text(encoding="utf-8"))
                except (OSError, ValueError):
                    continue
                name, version = data.get("name"), data.get("version")
                if isinstance(name, str) and isinstance(version, str):
                    scope, _, bare = name.rpartition("/")
                    purl = PackageURL(
                        type="npm", namespace=scope or None, name=bare, version=version
                    )
                    yield FoundPackage(purl.to_string(), self.name)


SOURCES: tuple[PackageSource, ...] = (
    DpkgSource(),
    RpmSource(),
    ApkSource(),
    PythonSource(),
    NpmGlobalSource(),
)


def installed(root: Path, distro: Distro) -> list[FoundPackage]:
    """Every package every source finds, once per purl."""
    found: dict[str, FoundPackage] = {}
    for source in SOURCES:
        for package in source.packages(root, distro):
            found.setdefault(package.purl, package)
    return sorted(found.values(), key=lambda p: p.purl)
