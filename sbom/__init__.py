"""SBOMs and vulnerability matching.

Built so far: each ecosystem's version order (`versions`), OSV advisories
(`advisory`), OSV range evaluation (`affected`), purl to advisory-package naming
(`ecosystems`), an alias-merging advisory index (`match`), CycloneDX schema
validation, JSON and XML (`validate`), and SPDX 2.2/2.3 parsing and validation
(`spdx`). Not yet: component extraction, intake through the API and CLI, findings
(issue 4 continues).
"""

__all__: list[str] = []
