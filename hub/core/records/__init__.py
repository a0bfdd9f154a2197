"""The stored records of each capability, kept in the core so the store contract can name
them without importing any capability."""
