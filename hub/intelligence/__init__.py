"""Vulnerability intelligence: every advisory and enrichment source, feed sync, the advisory
index and matching, and findings kept true over time."""
