"""Supply: SBOMs and VEX from agencies and suppliers.

`intake` reads one document (CycloneDX JSON or XML, SPDX 2.2/2.3, OpenVEX) into
validated components as canonical purls, its NTIA quality and any VEX claims, touching
no store; `desk` (`SbomDesk`) keeps submissions, history, products and their owners,
deployments and VEX, and has intelligence match them.
"""

__all__: list[str] = []
