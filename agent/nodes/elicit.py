"""elicit: gather prior knowledge: the knowledge file, a user graph (seed mode), an LLM prior.

The LLM is reached only through the client protocol (`llm.supports(task)`, `llm.structured`);
the offline client supports no elicitation task, so offline the node uses the knowledge file only
and says so. With an LLM, the strategy is pairwise up to 10 variables (one query per pair),
breadth-first above (queries linear in the variables), or one whole-graph query, whichever the
client answers; independent queries run concurrently. `tools.elicitation` turns the answers into
an acyclic prior and the prior into knowledge (required edges, ruled-out directions) that
discovery uses; the file's knowledge wins every conflict. An LLM failure falls back to no prior
with a warning (with --llm-strict it stops the run).

Asking for the effect of T on Y presumes Y comes after T, so in an effect analysis the edge
Y -> T is ruled out and the edge T -> Y is kept in the graph (a test at level alpha may not delete
it: its size is the estimator's to decide, and a deleted T - Y edge would make discovery invent
colliders at their common effects). A knowledge file that contradicts T -> Y is an error.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from agent.context import RunContext
from agent.llm.base import LLMClient, Message
from agent.llm.concurrency import map_concurrent
from agent.llm.errors import LLMError
from agent.nodes.base import Step, node
from agent.prompts import render_prompt
from agent.state import AnalysisState, Prior, PriorEdge
from tools.elicitation import (
    ORIENT_AT,
    REQUIRE_AT,
    Claim,
    EffectsAnswer,
    GraphAnswer,
    PairAnswer,
    PriorGraph,
    RootsAnswer,
    Strategy,
    claims_from_effects,
    claims_from_graph,
    claims_from_pair,
    next_frontier,
    pairs,
    prior_graph,
    prior_knowledge,
    roots_from_answer,
)
from tools.knowledge import load_knowledge, merge_knowledge, validate_knowledge
from tools.types import Knowledge
from tools.user_graph import user_graph_knowledge

TASKS: dict[Strategy, tuple[str, ...]] = {
    "pairwise": ("elicit_pairwise",),
    "bfs": ("elicit_roots", "elicit_effects"),
    "graph": ("elicit_graph",),
}
PAIRWISE_MAX_VARIABLES = 10
"""Above this the pairwise strategy's queries (d(d-1)/2) give way to breadth-first ones (d+1)."""
CONCURRENCY = 8


def choose_strategy(
    llm: LLMClient, requested: str, n_variables: int
) -> tuple[Strategy | None, str]:
    """(strategy, why): the requested one if the client answers its tasks; for "auto" pairwise
    up to 10 variables, else breadth-first, else whole-graph."""
    if requested == "none":
        return None, "no prior requested (--prior none)"
    answered = [s for s, tasks in TASKS.items() if all(llm.supports(t) for t in tasks)]
    if requested != "auto":
        if requested in answered:
            return requested, f"--prior {requested}"  # type: ignore[return-value]
        return None, f"the {llm.backend} LLM does not answer the {requested} elicitation tasks"
    order: list[Strategy] = (
        ["pairwise", "bfs", "graph"]
        if n_variables <= PAIRWISE_MAX_VARIABLES
        else ["bfs", "graph", "pairwise"]
    )
    for strategy in order:
        if strategy in answered:
            return strategy, f"{strategy} ({n_variables} variables)"
    return None, f"the {llm.backend} LLM answers no elicitation task"


class _Asker:
    """Renders one elicitation query and sends it; counts the queries and keeps why failed ones
    failed (an invalid answer, e.g. a confidence outside [0, 1], is rejected, not clamped)."""

    def __init__(self, llm: LLMClient, variables: list[dict[str, str]]) -> None:
        self.llm, self.variables, self.queries = llm, variables, 0
        self.system = render_prompt("elicit_system")
        self.failures: list[str] = []

    def __call__(self, template: str, schema: type, **values: Any):
        self.queries += 1
        user = render_prompt(template, variables=self.variables, **values)
        messages: list[Message] = [
            {"role": "system", "content": self.system},
            {"role": "user", "content": user},
        ]
        try:
            return self.llm.structured(messages, schema, task=template)
        except LLMError as err:
            self.failures.append(err.reason)
            raise


def _all(fn: Callable, items: Sequence, limit: int) -> list:
    """Run queries concurrently; failed queries are skipped unless all of them failed. Only
    `LLMError` counts as a failed query: anything else (LLMStrictError) propagates."""
    results = map_concurrent(fn, items, limit, return_exceptions=True)
    for result in results:
        if isinstance(result, Exception) and not isinstance(result, LLMError):
            raise result
    good = [r for r in results if not isinstance(r, Exception)]
    if items and not good:
        raise next(r for r in results if isinstance(r, LLMError))
    return [None if isinstance(r, Exception) else r for r in results]


def _pairwise(ask: _Asker, columns: list[str], sample: int, limit: int) -> tuple[list, list]:
    questions = pairs(columns)
    answers = _all(
        lambda q: ask("elicit_pairwise", PairAnswer, first=q[0], second=q[1], sample=sample),
        questions,
        limit,
    )
    claims = [
        c
        for (a, b), ans in zip(questions, answers, strict=True)
        if ans
        for c in claims_from_pair(a, b, ans)
    ]
    return claims, []


def _bfs(ask: _Asker, columns: list[str], sample: int, limit: int) -> tuple[list, list]:
    """Roots first, then each variable's direct effects level by level; variables the search
    never reaches are asked last, so every variable is asked exactly once."""
    roots, unknown = roots_from_answer(ask("elicit_roots", RootsAnswer, sample=sample), columns)
    claims: list[Claim] = []
    expanded: list[str] = []
    frontier = roots
    while True:
        if not frontier:
            frontier = [c for c in columns if c not in expanded]
            if not frontier:
                break
        answers = _all(
            lambda v: ask("elicit_effects", EffectsAnswer, cause=v, sample=sample),
            frontier,
            limit,
        )
        for cause, answer in zip(frontier, answers, strict=True):
            if answer is not None:
                found, names = claims_from_effects(cause, answer, columns)
                claims += found
                unknown += names
        expanded += frontier
        frontier = next_frontier(expanded, claims, columns)
    return claims, unknown


def _whole_graph(ask: _Asker, columns: list[str], sample: int, limit: int) -> tuple[list, list]:
    return claims_from_graph(ask("elicit_graph", GraphAnswer, sample=sample), columns)


STRATEGIES = {"pairwise": _pairwise, "bfs": _bfs, "graph": _whole_graph}


def elicit_prior(
    llm: LLMClient,
    columns: Sequence[str],
    descriptions: dict[str, str],
    strategy: Strategy,
    samples: int = 1,
    limit: int = CONCURRENCY,
) -> PriorGraph:
    """Ask the LLM by `strategy`, `samples` times, and vote the answers into an acyclic prior.
    Raises `LLMError` when the LLM answered nothing usable."""
    variables = [{"name": c, "description": descriptions.get(c, "")} for c in columns]
    ask = _Asker(llm, variables)
    per_sample, unknown = [], []
    for sample in range(1, samples + 1):
        claims, names = STRATEGIES[strategy](ask, list(columns), sample, limit)
        per_sample.append(claims)
        unknown += names
    graph = prior_graph(per_sample, strategy, ask.queries, unknown)
    if ask.failures:
        skipped = (
            f"{len(ask.failures)} of {ask.queries} LLM prior queries failed and were left out "
            f"(first: {ask.failures[0]})"
        )
        graph = graph.model_copy(update={"warnings": (*graph.warnings, skipped)})
    return graph


def _use(confidence: float) -> str:
    if confidence >= REQUIRE_AT:
        return "required"
    return "orientation" if confidence >= ORIENT_AT else "unused"


def _prior_state(graph: PriorGraph, note: str) -> Prior:
    def edge(e) -> PriorEdge:
        return PriorEdge(
            source=e.source,
            target=e.target,
            confidence=e.confidence,
            rationale=e.rationale,
            votes=e.votes,
            use=_use(e.confidence),
        )

    return Prior(
        method=graph.method,
        used=any(_use(e.confidence) != "unused" for e in graph.edges),
        note=note,
        edges=[edge(e) for e in graph.edges],
        strategy=graph.strategy,
        samples=graph.samples,
        queries=graph.queries,
        dropped=[edge(e) for e in graph.dropped],
    )


def _llm_prior(
    state: AnalysisState, ctx: RunContext, knowledge: Knowledge
) -> tuple[Prior, Knowledge, list[str]]:
    req, columns = state.request, list(state.profile.analysis_columns)
    if state.user_graph is not None and req.graph_mode == "replace":
        return (
            Prior(
                method="none",
                used=False,
                note="the user graph replaces discovery; no prior was elicited",
            ),
            knowledge,
            [],
        )
    strategy, why = choose_strategy(ctx.llm, req.prior, len(columns))
    if strategy is None:
        note = f"no LLM prior: {why}; the knowledge file only"
        return Prior(method="none", used=False, note=note), knowledge, []
    try:
        graph = elicit_prior(ctx.llm, columns, knowledge.descriptions, strategy, req.prior_samples)
    except LLMError as err:
        note = f"no LLM prior: elicitation failed ({err}); continuing with the knowledge file only"
        return Prior(method="none", used=False, note=note), knowledge, [note]
    merged, notes = merge_knowledge(knowledge, prior_knowledge(graph), "prior")
    required = sum(_use(e.confidence) == "required" for e in graph.edges)
    oriented = sum(_use(e.confidence) == "orientation" for e in graph.edges)
    note = (
        f"LLM prior by {why}: {len(graph.edges)} edge(s) from {graph.queries} queries; "
        f"{required} required (score >= {REQUIRE_AT:g}), {oriented} only rule out the opposite "
        f"direction (score >= {ORIENT_AT:g}); it enters discovery as knowledge"
    )
    return _prior_state(graph, note), merged, [*graph.warnings, *notes]


@node("elicit", needs=("plan",))
def elicit(state: AnalysisState, ctx: RunContext) -> Step:
    req = state.request
    path = req.knowledge_path
    knowledge = load_knowledge(path) if path else Knowledge(source="the question")
    assumed, warnings = [], []
    ruled_out = [e for e in req.forbidden if e not in knowledge.forbidden]
    if ruled_out:
        knowledge = knowledge.model_copy(
            update={"forbidden": knowledge.forbidden + tuple(ruled_out)}
        )
        assumed.append(f"{len(ruled_out)} edge(s) forbidden by the user in chat")
    question_edge = (state.treatment, state.outcome)
    # a lagged search forces no edge (its lag is unknown), so a series assumes nothing here
    if state.wants_effect and not req.time and question_edge not in knowledge.required:
        # a batch adds every pair's edge, in the batch's order: the same knowledge for every
        # pair, so one discovery serves them all
        edges = [p for p in req.batch_pairs or (question_edge,) if p not in knowledge.required]
        knowledge = knowledge.model_copy(update={"required": knowledge.required + tuple(edges)})
        assumed.append(
            f"assumed {state.treatment} may cause {state.outcome} and not the reverse "
            "(the edge is kept for the estimator to size)"
        )
        if len(edges) > 1:
            assumed.append(
                "as for every pair of the batch, assumed each treatment may cause its outcome: "
                + ", ".join(f"{a} -> {b}" for a, b in edges)
            )
    ruled_out = [
        (a, b)
        for a, b in state.plan.forbidden_edges
        if (a, b) not in knowledge.required and (a, b) not in knowledge.forbidden
    ]
    if ruled_out:
        knowledge = knowledge.model_copy(
            update={"forbidden": knowledge.forbidden + tuple(ruled_out)}
        )
        assumed.append(
            "ruled out as implausible by the critique: "
            + ", ".join(f"{a} -> {b}" for a, b in ruled_out)
        )
    knowledge = validate_knowledge(knowledge, state.profile.analysis_columns)
    facts = (
        f"{len(knowledge.required)} required, {len(knowledge.forbidden)} forbidden edge(s), "
        f"{len(knowledge.tiers)} tier(s) from {path}"
        if path
        else "no knowledge file"
    )
    if state.user_graph is not None and req.graph_mode == "seed":
        seeded, notes = user_graph_knowledge(state.user_graph, req.graph_path)
        knowledge, merge_notes = merge_knowledge(knowledge, seeded, "user")
        warnings += notes + merge_notes
        assumed.append(
            f"user graph {req.graph_path} seeds discovery: {len(seeded.required)} required "
            f"edge(s), {len(seeded.latent)} hidden confounder(s)"
        )
    prior, knowledge, prior_warnings = _llm_prior(state, ctx, knowledge)
    warnings += prior_warnings
    return Step(
        updates={"knowledge": knowledge, "prior": prior},
        summary="; ".join([facts, *assumed, prior.note]),
        warnings=warnings,
    )
