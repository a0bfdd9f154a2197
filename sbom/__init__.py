"""SBOMs and vulnerability matching.

Built so far: each ecosystem's version order (`versions`), OSV advisories
(`advisory`), OSV range evaluation (`affected`), purl to advisory-package naming
(`ecosystems`) and an alias-merging advisory index (`match`). Not yet: SBOM
parsing, schema validation and intake (issue 4 continues).
"""

__all__: list[str] = []
