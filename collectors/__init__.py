"""Collectors: the hub's inputs (endpoint inventory, SBOMs, vulnerability feeds, partner TAXII).

Built so far: `collectors.vulns`, the vulnerability-source seam with an OSV
directory source (JSON and YAML). Endpoint collectors (issue 5), KEV, EPSS, JVN,
OSV zip and HTTP sources (issue 4) are still to come.
"""

__all__: list[str] = []
