"""Causal computations: pure functions with typed inputs and outputs (no LLM, no network).

Nothing here imports `agent` or `evals`; results are the value objects of `tools.types`.
"""
