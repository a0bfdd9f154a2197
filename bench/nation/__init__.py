"""A synthetic nation on one hub, measured and projected to 1,000,000 endpoints."""
