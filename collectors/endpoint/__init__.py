"""The endpoint collector: what a host runs, how it is configured, and delivery to the hub."""
