"""crsa-hub: the hub service. `hub.core` (domain, store, auth, audit) at the bottom, one
package per capability above it (`hub.intelligence`, `hub.inventory`, `hub.risk`,
`hub.sharing`; supply is `sbom`, response is `playbooks`), the web fronts (`hub.web`,
`dashboards`) and the CLI on top. docs/architecture.md draws the layers.

Data flows one way: collectors -> API -> store -> matching -> findings and sightings ->
scores -> events -> playbooks, dashboards, exports and TAXII.
"""

__all__ = ["__version__"]

__version__ = "0.1.0"
