"""Benchmarks: seeded data with known truth, suites, solvers, scorers and timing scripts."""
