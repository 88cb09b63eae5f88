"""The cladder suite: seeded generator (ten graph families, rungs 1-3) and public-format loaders."""
