"""Identification of the effect of a treatment on an outcome from a causal graph.

What the graph is decides what can be claimed:

- A DAG, possibly with declared latent confounders (`<->`): dowhy's graph-only identification
  finds a minimal adjustment set (generalised adjustment criterion) and the efficient "optimal"
  set (Henckel, Perković & Maathuis 2022; Smucler, Sapienza & Rotnitzky 2021); when no
  adjustment set exists (a latent confounder of treatment and outcome), the front-door criterion
  and instrumental variables are tried, in that order.
- A CPDAG (undirected `---` edges, what PC returns): its DAGs are enumerated (bounded). If one
  adjustment set is valid in every member the effect is identified; otherwise each distinct
  answer is reported with the number of members giving it (the set of possible effects,
  IDA-style, Maathuis et al. 2009), never one number from a guessed orientation. Past the bound,
  the local IDA rule lists the possible parent sets of the treatment instead.
- A PAG (circle marks, what FCI returns): not identified unless no circle mark is left, with the
  reason; the generalised adjustment criterion for PAGs is not implemented.

dowhy is imported lazily (about 2 s): only when a graph is identified.
"""

from __future__ import annotations

from tools.effects.dag import identify_dag
from tools.effects.equivalence import identify_cpdag
from tools.effects.graph_sets import graph_kind, not_identified
from tools.errors import InputError
from tools.types import CausalGraph, IdentificationResult

# --------------------------------------------------------------------------- entry point


def identify(graph: CausalGraph, treatment: str, outcome: str) -> IdentificationResult:
    """Identify the effect of `treatment` on `outcome` on whatever kind of graph this is."""
    for role, name in (("treatment", treatment), ("outcome", outcome)):
        if name not in graph.nodes:
            raise InputError(f"{role} {name!r} is not a node of the graph")
    kind = graph_kind(graph)
    if kind == "dag":
        return identify_dag(graph, treatment, outcome)
    if kind == "cpdag":
        return identify_cpdag(graph, treatment, outcome)
    circles = sorted(
        f"{e.source} {e.mark} {e.target}" for e in graph.edges if e.mark in ("o->", "o-o")
    )
    return not_identified(
        treatment,
        outcome,
        "pag",
        "the graph is a PAG (edges with undetermined marks: "
        f"{', '.join(circles)}); the agent does not apply the generalised adjustment "
        "criterion for PAGs, so it makes no claim; declare the graph (--graph or --knowledge) "
        "to resolve the circle marks",
    )


def identify_backdoor(graph: CausalGraph, treatment: str, outcome: str) -> IdentificationResult:
    """Kept for callers of the foundation API: now the full `identify`."""
    return identify(graph, treatment, outcome)
