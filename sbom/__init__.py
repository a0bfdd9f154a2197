"""SBOM parsing, validation, purl normalization and vulnerability matching.

Empty until issue 4 lands; nothing here claims to work yet.
"""

__all__: list[str] = []
