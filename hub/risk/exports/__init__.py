"""Auditor exports: scores with their evidence, signed so they can be checked offline."""
