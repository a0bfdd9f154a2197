"""SBOMs and vulnerability matching.

Built so far: each ecosystem's version order (`versions`), OSV advisories
(`advisory`), OSV range evaluation (`affected`), purl to advisory-package naming
(`ecosystems`), an alias-merging advisory index (`match`) and CycloneDX schema
validation, JSON and XML (`validate`). Not yet: SPDX, component extraction and
intake through the API and CLI (issue 4 continues).
"""

__all__: list[str] = []
