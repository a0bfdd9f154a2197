"""SBOMs and vulnerability matching.

Built so far: each ecosystem's version order (`versions`), OSV advisories
(`advisory`), OSV range evaluation (`affected`), purl to advisory-package naming
(`ecosystems`), an alias-merging advisory index (`match`), CycloneDX schema
validation, JSON and XML (`validate`), SPDX 2.2/2.3 parsing and validation
(`spdx`), and components as canonical purls (`components`). Not yet: intake
through the API and CLI, NTIA quality, versions and diffs, findings, KEV, EPSS,
JVN, VEX, products (issue 4 continues).
"""

__all__: list[str] = []
