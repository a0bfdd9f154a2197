"""Developer tooling that is not shipped in the wheel: the real Elasticsearch node for tests."""
