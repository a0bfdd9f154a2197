"""The REST API under /api/v1: declared endpoints, wire schemas, error mapping, OpenAPI."""
