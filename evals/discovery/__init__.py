"""The discovery benchmark suite: seeded SEMs and real graphs, every algorithm and the agent's
automatic choice, scored by skeleton P/R/F1, orientation F1, SHD and time."""

from evals.discovery.suite import run_discovery_suite

__all__ = ["run_discovery_suite"]
