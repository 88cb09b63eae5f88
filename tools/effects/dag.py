"""Identification on one DAG (possibly with declared latent confounders): back-door with the
efficient and a minimal set, else front-door, else instrumental variables."""

from __future__ import annotations

import networkx as nx

from tools.effects.formulas import (
    backdoor_formula,
    backdoor_words,
    frontdoor_formula,
    frontdoor_words,
    iv_formula,
    iv_words,
)
from tools.effects.graph_sets import (
    METHOD,
    directed_cycle,
    dowhy_api,
    latent_partners,
    minimal_set,
    not_identified,
    optimal_set,
    to_networkx,
)
from tools.types import CausalGraph, IdentificationResult

MAX_FRONTDOOR_CANDIDATES = 12
"""dowhy's front-door search tries subsets of the treatment's descendants; bound it."""

# --------------------------------------------------------------------------- DAG


def identify_dag(graph: CausalGraph, treatment: str, outcome: str) -> IdentificationResult:
    """Back-door (optimal set, minimal set), else front-door, else IV, on a DAG with latents."""
    cycle = directed_cycle(graph)
    if cycle:
        return not_identified(
            treatment,
            outcome,
            "dag",
            f"the graph has a directed cycle ({' -> '.join(cycle + cycle[:1])}); "
            "identification needs an acyclic graph",
        )
    dw = dowhy_api()
    g, observed = to_networkx(graph)
    warnings: list[str] = []
    has_path = bool(dw["has_directed_path"](g, [treatment], [outcome]))
    if not has_path:
        reverse = bool(dw["has_directed_path"](g, [outcome], [treatment]))
        warnings.append(
            f"the graph has no directed path from {treatment} to {outcome}: it implies no effect"
            + (f" ({outcome} is upstream of {treatment})" if reverse else "")
            + "; the estimate is shown to let the data confirm it"
        )
    minimal = minimal_set(g, treatment, outcome, observed)
    optimal = optimal_set(g, treatment, outcome, observed) if minimal is not None else None
    frontdoor: tuple[str, ...] = ()
    instruments: tuple[str, ...] = ()
    if minimal is None and has_path:
        frontdoor = _frontdoor(g, treatment, outcome, observed)
        instruments = tuple(
            sorted(z for z in dw["get_instruments"](g, [treatment], [outcome]) if z in graph.nodes)
        )
    alternatives = tuple(
        name
        for name, ok in (
            ("backdoor", minimal is not None),
            ("frontdoor", bool(frontdoor)),
            ("iv", bool(instruments)),
        )
        if ok
    )
    common = {
        "method": METHOD,
        "treatment": treatment,
        "outcome": outcome,
        "graph_kind": "dag",
        "minimal_set": minimal,
        "optimal_set": optimal,
        "alternatives": alternatives,
        "diagnostics": {
            "parents": sorted(graph.parents(treatment)),
            "latent_confounders": latent_partners(graph, treatment),
            "has_directed_path": has_path,
        },
    }
    if minimal is not None:
        adjustment = optimal if optimal is not None else minimal
        which = (
            "the efficient (optimal) adjustment set"
            if optimal is not None
            else "a minimal adjustment set (no efficient set exists with these latent variables)"
        )
        extra = (
            f"; a minimal valid set is {{{', '.join(minimal)}}}"
            if optimal is not None and optimal != minimal
            else ""
        )
        descendants = sorted(nx.descendants(g, treatment) & set(graph.nodes) - {outcome})
        excluded = (
            f"; {', '.join(descendants)} are downstream of {treatment} and never adjusted for"
            if descendants
            else ""
        )
        return IdentificationResult(
            status="identified",
            strategy="backdoor",
            adjustment_set=adjustment,
            estimand=backdoor_formula(treatment, outcome, adjustment),
            estimand_text=backdoor_words(treatment, outcome, adjustment),
            reason=(
                f"{{{', '.join(adjustment) or 'nothing'}}} blocks every back-door path from "
                f"{treatment} to {outcome} and contains nothing the treatment affects; it is "
                f"{which}{extra}{excluded}"
            ),
            warnings=tuple(warnings),
            **common,
        )
    latent = latent_partners(graph, treatment)
    why_no_backdoor = (
        f"no set of observed variables blocks every back-door path from {treatment} to "
        f"{outcome}"
        + (f" (latent confounder: {treatment} <-> {', '.join(latent)})" if latent else "")
    )
    if frontdoor:
        first = _stage_set(g, treatment, frontdoor, observed, include=())
        second = _stage_set(g, frontdoor, (outcome,), observed, include=(treatment,))
        if first is not None and second is not None:
            return IdentificationResult(
                status="identified",
                strategy="frontdoor",
                mediators=frontdoor,
                first_stage_set=first,
                second_stage_set=second,
                estimand=frontdoor_formula(treatment, outcome, frontdoor, first),
                estimand_text=frontdoor_words(treatment, outcome, frontdoor),
                reason=(
                    f"back-door adjustment is impossible: {why_no_backdoor}; "
                    f"{', '.join(frontdoor)} intercept every directed path from {treatment} to "
                    f"{outcome} and satisfy the front-door criterion"
                ),
                warnings=tuple(warnings),
                **common,
            )
    if instruments:
        return IdentificationResult(
            status="identified",
            strategy="iv",
            instruments=instruments,
            estimand=iv_formula(treatment, outcome, instruments),
            estimand_text=iv_words(treatment, outcome, instruments),
            reason=(
                f"back-door adjustment is impossible: {why_no_backdoor}; "
                f"{', '.join(instruments)} cause {treatment}, reach {outcome} only through it "
                "and share no cause with it: instrumental variables"
            ),
            warnings=tuple(warnings),
            **common,
        )
    if not has_path:
        return IdentificationResult(
            status="identified",
            strategy="none",
            estimand=f"E[{outcome} | do({treatment}=t)] = E[{outcome}] (no directed path)",
            estimand_text=f"setting {treatment} changes nothing downstream that reaches {outcome}",
            reason=(
                f"the graph has no directed path from {treatment} to {outcome}: it implies the "
                f"effect is zero; {why_no_backdoor}, so the data cannot check that"
            ),
            warnings=tuple(warnings),
            **common,
        )
    reason = f"{why_no_backdoor}; no front-door mediators and no instrument either"
    return not_identified(
        treatment,
        outcome,
        "dag",
        reason,
        warnings=tuple(warnings),
        alternatives=(),
        diagnostics=common["diagnostics"],
    )


def _frontdoor(g: nx.DiGraph, treatment: str, outcome: str, observed: list[str]) -> tuple[str, ...]:
    eligible = (nx.descendants(g, treatment) - {outcome} - nx.descendants(g, outcome)) & set(
        observed
    )
    if not eligible or len(eligible) > MAX_FRONTDOOR_CANDIDATES:
        return ()
    found = dowhy_api()["frontdoor"](g, [treatment], [outcome], observed)
    return tuple(sorted(found or ()))


def _stage_set(
    g: nx.DiGraph,
    sources: tuple[str, ...] | str,
    targets: tuple[str, ...],
    observed: list[str],
    include: tuple[str, ...],
) -> tuple[str, ...] | None:
    """A minimal back-door set for sources -> targets, forced to contain `include`."""
    sources = (sources,) if isinstance(sources, str) else tuple(sources)
    dw = dowhy_api()
    pbd = dw["proper_backdoor_graph"](g, list(sources), list(targets))
    causal = dw["proper_causal_path_nodes"](g, list(sources), list(targets))
    forb = set(causal) | set(sources)
    for node in causal:
        forb |= nx.descendants(g, node)
    allowed = (set(observed) - forb) | set(include)
    found = nx.find_minimal_d_separator(
        pbd, set(sources), set(targets), included=set(include), restricted=allowed
    )
    return None if found is None else tuple(sorted(found))
