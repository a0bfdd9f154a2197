"""crsa-hub core: domain model, store, auth, audit log, REST API and CLI.

Data flows one way through the hub: collectors -> API -> store -> matching ->
findings -> scores -> events -> playbooks, dashboards, exports and TAXII.
"""

__all__ = ["__version__"]

__version__ = "0.1.0"
