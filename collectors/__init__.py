"""Collectors: the hub's inputs (endpoint inventory, SBOMs, vulnerability feeds, partner TAXII).

Empty until issue 5 (endpoint) and issue 4 (feeds) land; nothing here claims to work yet.
"""

__all__: list[str] = []
