"""Which covariates to adjust for when the graph was learned from the data: a rule that survives
the usual discovery errors (DESIGN.md, "What an effect answer must survive").

A learned graph drops weak edges and flips orientations, and a set read off that one graph (its
efficient O-set) then leaves confounders out: on a table where education weakly affects the
treatment, PC dropped education -> treatment and the O-set lost education. So the set is not read
off one graph. Every covariate is adjusted for unless there is evidence that the treatment can
change it (the pre-treatment default; it contains every cause of the treatment or the outcome
that is not a descendant of the treatment, which is what the disjunctive cause criterion of
VanderWeele & Shpitser 2011 and the O-set of Henckel, Perković & Maathuis 2022 need). Evidence,
strongest first:

- an answer to the question "can the treatment change V?" (the user's in chat, or the LLM's);
- knowledge: V sits in a later tier than the treatment (tiers are time order) or a required
  directed path (required edges, and directed edges a user drew in chat) leads from the treatment
  to V; an earlier tier (or a required path into the treatment) puts V before it;
- the data: V is a definite descendant of the treatment (a path of `-->` edges, through the
  outcome included) in the main graph and in at least `STRONG` of all the learned graphs (main +
  resamples, an ensemble instead of one bet), or no directed path from the treatment to V is even
  possible in the main graph and in at least `BEFORE` of them, and either V -> ... -> treatment
  holds in most of them or V is independent of the treatment (V is before it). A covariate that
  depends on the treatment but lost its edge to it is not decided by the missing edge: a weak
  or cancelling dependence (a mediator whose path is offset by conditioning on the outcome) is
  exactly what drops edges.

What none of these decides is `undecided`: adjusted for by default and offered as a question; the
identify step keeps the questions whose answer moves the number (`tools.effects.questions`).
"""

from __future__ import annotations

from collections.abc import Mapping

import networkx as nx

from tools.effects.formulas import backdoor_formula, backdoor_words
from tools.effects.graph_sets import METHOD
from tools.types import (
    CausalGraph,
    CovariateRole,
    DecisiveQuestion,
    IdentificationResult,
    Knowledge,
)

STRONG = 0.8
"""Share of the learned graphs an orientation must hold in to count as evidence: a half-sample
flips a weakly supported orientation often, a real one (a v-structure, LiNGAM's order) rarely."""
BEFORE = 0.5
"""Calling a covariate "before" only spares a question (an undecided one is adjusted for too), so a
majority of the graphs, the main one included, is evidence enough."""
RULE = "pre-treatment covariates (evidence-based exclusion over the resampled graphs)"


def possible_descendants(graph: CausalGraph, node: str) -> set[str]:
    """Nodes a directed path from `node` may reach: `-->` forward, `---`/`o-o` either way,
    `o->` forward (its tail may be an arrow tail). `<->` is never a causal step."""
    step: dict[str, set[str]] = {}
    for e in graph.edges:
        if e.mark in ("-->", "o->"):
            step.setdefault(e.source, set()).add(e.target)
        elif e.mark in ("---", "o-o"):
            step.setdefault(e.source, set()).add(e.target)
            step.setdefault(e.target, set()).add(e.source)
    seen: set[str] = set()
    stack = [node]
    while stack:
        for nxt in step.get(stack.pop(), ()):
            if nxt not in seen and nxt != node:
                seen.add(nxt)
                stack.append(nxt)
    return seen


def ancestors(graph: CausalGraph, node: str) -> set[str]:
    """Nodes with a directed (`-->`) path into `node`."""
    parents: dict[str, set[str]] = {}
    for e in graph.edges:
        if e.mark == "-->":
            parents.setdefault(e.target, set()).add(e.source)
    seen: set[str] = set()
    stack = [node]
    while stack:
        for parent in parents.get(stack.pop(), ()):
            if parent not in seen:
                seen.add(parent)
                stack.append(parent)
    return seen


def _directed_path(graph: CausalGraph, source: str, target: str) -> list[str] | None:
    g = nx.DiGraph()
    g.add_nodes_from(graph.nodes)
    g.add_edges_from((e.source, e.target) for e in graph.edges if e.mark == "-->")
    try:
        return nx.shortest_path(g, source, target)
    except (nx.NetworkXNoPath, nx.NodeNotFound):
        return None


def _required_order(
    knowledge: Knowledge, graph: CausalGraph, treatment: str
) -> tuple[set[str], set[str]]:
    """(after, before) the treatment along required directed paths: the knowledge's required
    edges and the directed edges a user put in the graph (a chat edit), the treatment -> outcome
    edge every effect question assumes left out (it says nothing about the covariates)."""
    g = nx.DiGraph()
    g.add_edges_from(knowledge.required)
    g.add_edges_from(
        (e.source, e.target) for e in graph.edges if e.mark == "-->" and "user" in e.origin
    )
    if treatment not in g:
        return set(), set()
    return nx.descendants(g, treatment), nx.ancestors(g, treatment)


def _role(
    name: str,
    treatment: str,
    outcome: str,
    graph: CausalGraph,
    shares: tuple[float, float, bool, bool],
    knowledge: Knowledge,
    answers: Mapping[str, str],
    required: tuple[set[str], set[str]],
    evidence_before: tuple[bool, bool] = (False, True),
) -> CovariateRole:
    """One covariate's position, by the strongest evidence there is (module docstring).
    `evidence_before`: (a directed path from it into the treatment holds in most graphs, it is
    marginally independent of the treatment); without either, a graph that merely lacks a path
    from the treatment does not decide (the missing edge may be a cancellation)."""
    definite, possible, in_main, possible_main = shares
    common = {"name": name, "descendant_share": definite, "possible_share": possible}

    def decided(after: bool, by: str, evidence: str) -> CovariateRole:
        position = "after" if after else "before"
        return CovariateRole(
            **common, adjusted=not after, position=position, decided_by=by, evidence=evidence
        )

    answer = answers.get(name)
    if answer in ("yes", "no"):
        return decided(
            answer == "yes",
            "answer",
            f"answered {answer!r} to whether {treatment} can change {name}",
        )
    tier = {v: i for i, t in enumerate(knowledge.tiers) for v in t}
    if name in tier and treatment in tier and tier[name] != tier[treatment]:
        after = tier[name] > tier[treatment]
        return decided(
            after,
            "knowledge",
            f"the knowledge puts {name} in tier {tier[name] + 1}, "
            f"{'after' if after else 'before'} {treatment} (tier {tier[treatment] + 1})",
        )
    after_req, before_req = required
    if name in after_req or name in before_req:
        ends = (treatment, name) if name in after_req else (name, treatment)
        return decided(
            name in after_req,
            "knowledge",
            f"required edges (knowledge or graph edits) lead from {ends[0]} to {ends[1]}",
        )
    if in_main and definite >= STRONG:
        path = _directed_path(graph, treatment, name) or [treatment, name]
        return CovariateRole(
            **common,
            adjusted=False,
            position="after",
            decided_by="data",
            evidence=(
                f"the learned graph has {' -> '.join(path)}, and a directed path from "
                f"{treatment} to {name} holds in {definite:.0%} of the learned graphs "
                "(resamples included)"
            ),
        )
    no_path = (
        f"no directed path from {treatment} to {name} is possible in the learned graph "
        f"and in {1 - possible:.0%} of all the learned graphs (resamples included)"
    )
    if not possible_main and possible <= 1 - BEFORE:
        upstream, independent = evidence_before
        if independent or upstream:
            return decided(
                False,
                "data",
                no_path
                + (f", and {name} -> ... -> {treatment} in most of them" if upstream else "")
                + (f"; {name} and {treatment} are independent" if independent else ""),
            )
    return CovariateRole(
        **common,
        adjusted=True,
        position="undecided",
        decided_by="default",
        evidence=(
            f"the data leave open whether {treatment} can change {name} (a directed path in "
            f"{definite:.0%} of the learned graphs, possible in {possible:.0%}); assumed not, "
            "so it is adjusted for"
        ),
    )


def covariate_roles(
    graph: CausalGraph,
    replicas: tuple[CausalGraph, ...],
    treatment: str,
    outcome: str,
    knowledge: Knowledge | None = None,
    answers: Mapping[str, str] | None = None,
    dependent: frozenset[str] | None = None,
) -> tuple[CovariateRole, ...]:
    """Every covariate's position relative to the treatment, over the ensemble of graphs.
    `dependent`: the covariates marginally dependent on the treatment (None: not measured, every
    graph-only "before" stands)."""
    knowledge = knowledge or Knowledge()
    graphs = [graph, *replicas]
    definite = [g.descendants(treatment) for g in graphs]
    possible = [possible_descendants(g, treatment) for g in graphs]
    upstream = [ancestors(g, treatment) for g in graphs]
    required = _required_order(knowledge, graph, treatment)
    roles = []
    for name in graph.nodes:
        if name in (treatment, outcome):
            continue
        shares = (
            sum(name in s for s in definite) / len(graphs),
            sum(name in s for s in possible) / len(graphs),
            name in definite[0],
            name in possible[0],
        )
        before = (
            name in upstream[0] and sum(name in s for s in upstream) / len(graphs) >= BEFORE,
            dependent is None or name not in dependent,
        )
        roles.append(
            _role(
                name, treatment, outcome, graph, shares, knowledge, answers or {}, required, before
            )
        )
    return tuple(roles)


def question_text(graph: CausalGraph, treatment: str, outcome: str, name: str) -> str:
    """ "Can T change V?", or through the outcome when V hangs off the outcome only."""
    near = graph.adjacent(name)
    if outcome in near and treatment not in near:
        return f"Can {outcome} change {name}? (Then {treatment} can change it through {outcome}.)"
    return f"Can {treatment} change {name}?"


def candidate_questions(
    graph: CausalGraph, roles: tuple[CovariateRole, ...], treatment: str, outcome: str
) -> tuple[DecisiveQuestion, ...]:
    """A question for every position the data alone decided or left open (knowledge and answers
    are not asked again), with the adjustment set the other answer gives. Flipping V to "after"
    also drops what the main graph has downstream of V (if T changes V, it changes those too)."""
    adjusted = {r.name for r in roles if r.adjusted}
    questions = []
    for role in roles:
        if role.decided_by not in ("data", "default"):
            continue
        if role.adjusted:
            if role.position == "before" and role.decided_by == "data":
                continue  # no path is even possible: nothing to ask
            dropped = {role.name} | (graph.descendants(role.name) & adjusted)
            alternative = tuple(sorted(adjusted - dropped))
            assumed = "no"
        else:
            alternative = tuple(sorted(adjusted | {role.name}))
            assumed = "yes"
        questions.append(
            DecisiveQuestion(
                variable=role.name,
                question=question_text(graph, treatment, outcome, role.name),
                assumed=assumed,
                alternative_set=alternative,
                evidence=role.evidence,
                settled=role.decided_by == "data",
            )
        )
    return tuple(questions)


def assumption_words(roles: tuple[CovariateRole, ...], treatment: str, outcome: str) -> str:
    """The assumption in words, for the report's first sentence on identification."""
    adjusted = [r.name for r in roles if r.adjusted]
    left = [r for r in roles if not r.adjusted]
    open_ = [r.name for r in roles if r.position == "undecided"]
    text = (
        f"Adjusted for every covariate not known to come after {treatment}: "
        f"{', '.join(adjusted) or 'none'}."
    )
    if left:
        text += (
            " Left out because "
            + treatment
            + " can change them: "
            + "; ".join(f"{r.name} ({r.evidence})" for r in left)
        )
        text += "."
    if open_:
        text += (
            f" Assumed, without evidence either way, to come before {treatment}: "
            f"{', '.join(open_)}."
        )
    text += (
        f" The estimate is causal if no unmeasured variable affects both {treatment} and "
        f"{outcome} and none of the adjusted covariates is changed by {treatment}."
    )
    return text


def identify_learned(
    graph: CausalGraph,
    replicas: tuple[CausalGraph, ...],
    treatment: str,
    outcome: str,
    knowledge: Knowledge | None = None,
    answers: Mapping[str, str] | None = None,
    dependent: frozenset[str] | None = None,
) -> IdentificationResult:
    """Back-door identification on a graph learned from data, by the rule above. The candidate
    questions are all listed; the caller keeps those whose answer moves the number."""
    roles = covariate_roles(graph, replicas, treatment, outcome, knowledge, answers, dependent)
    adjustment = tuple(sorted(r.name for r in roles if r.adjusted))
    diagnostics: dict[str, object] = {
        "rule": RULE,
        "graphs": 1 + len(replicas),
        "strong": STRONG,
    }
    after = [r.name for r in roles if not r.adjusted]
    return IdentificationResult(
        method=METHOD + "; " + RULE,
        status="identified",
        strategy="backdoor",
        treatment=treatment,
        outcome=outcome,
        adjustment_set=adjustment,
        estimand=backdoor_formula(treatment, outcome, adjustment),
        estimand_text=backdoor_words(treatment, outcome, adjustment),
        reason=(
            f"{{{', '.join(adjustment) or 'nothing'}}}: every covariate not known to come after "
            f"{treatment}"
            + (f"; left out as changed by {treatment}: {', '.join(after)}" if after else "")
            + ". The set does not rest on one learned graph: positions come from the knowledge, "
            f"answers, or orientations that hold in {STRONG:.0%} of "
            f"{1 + len(replicas)} learned graphs"
        ),
        graph_kind="dag" if graph.is_dag else "cpdag",
        alternatives=("backdoor",),
        roles=roles,
        questions=candidate_questions(graph, roles, treatment, outcome),
        assumption=assumption_words(roles, treatment, outcome),
        answers=dict(answers or {}),
        diagnostics=diagnostics,
    )
