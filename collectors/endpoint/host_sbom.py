"""A CycloneDX SBOM of the host, built with cyclonedx-python-lib (small: hundreds of
components, so the library's object model costs nothing worth avoiding here)."""

from __future__ import annotations

from collections.abc import Sequence

from cyclonedx.model.bom import Bom
from cyclonedx.model.component import Component, ComponentType
from cyclonedx.model.contact import OrganizationalContact
from cyclonedx.output.json import JsonV1Dot6
from packageurl import PackageURL

from collectors.endpoint.host import Host
from collectors.endpoint.packages import FoundPackage


def render(host: Host, packages: Sequence[FoundPackage]) -> str:
    bom = Bom()
    bom.metadata.authors.add(OrganizationalContact(name="crsa-hub endpoint collector"))
    root = Component(
        name=host.hostname or host.identifier,
        version=host.distro.version_id or None,
        type=ComponentType.OPERATING_SYSTEM,
        description=host.distro.pretty,
        bom_ref=f"host:{host.identifier}",
    )
    bom.metadata.component = root
    installed = []
    for p in packages:
        purl = PackageURL.from_string(p.purl)
        scoped = purl.type in ("npm", "golang") and purl.namespace
        library = p.source in ("python", "npm")
        installed.append(
            Component(
                name=f"{purl.namespace}/{purl.name}" if scoped else purl.name,
                version=purl.version,
                type=ComponentType.LIBRARY if library else ComponentType.APPLICATION,
                purl=purl,
                bom_ref=p.purl,
            )
        )
    bom.components.update(installed)
    bom.register_dependency(root, installed)  # the host runs each of them
    return str(JsonV1Dot6(bom).output_as_string(indent=2))
