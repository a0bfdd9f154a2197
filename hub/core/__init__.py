"""The core every capability builds on: the domain model and records, errors, settings,
the store contract and its backends, auth, audit and the registry. Imports nothing above it."""
