"""Incidents agencies report, correlated with what the hub knows: the Knowledge Wall."""
