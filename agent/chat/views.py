"""What the chat shows: every number is read from the analysis state (tool results), formatted
by the report's own `fmt`, so the terminal and the report never disagree."""

from __future__ import annotations

import networkx as nx
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from agent.chat.intents import COMMANDS
from agent.report.render import fmt, headline
from agent.state import AnalysisState
from tools.types import CausalGraph, DataProfile, EffectEstimate

ESTIMATOR_TOPICS = ("forest", "boost", "tree", "linear", "lasso", "estimat", "model", "nuisance")
ADJUST_TOPICS = ("adjust", "confound", "identif", "backdoor", "back-door", "set")
GRAPH_TOPICS = ("graph", "edge", "discover", "test", "alpha", "pc")


def help_view() -> RenderableType:
    table = Table(show_header=False, box=None, padding=(0, 2))
    for command, what in COMMANDS.items():
        table.add_row(Text(command, style="bold"), what)
    note = Text(
        "Or write: 'what is the effect of A on B?', 'is X a confounder?', 'drop the edge from A "
        "to B', 'use a linear model', 'why did you use a forest?', or paste a Corr2Cause/CLadder "
        "question."
    )
    return Group(table, note)


def profile_view(profile: DataProfile) -> RenderableType:
    table = Table(title=f"{profile.rows} rows, {profile.data_type} data", title_justify="left")
    for column in ("column", "type", "missing", "distinct", "excluded because"):
        table.add_column(column)
    for c in profile.columns:
        table.add_row(
            c.name,
            c.type,
            f"{c.missing_fraction:.0%}",
            str(c.n_unique),
            c.excluded_reason or "",
            style="dim" if c.excluded_reason else None,
        )
    return table


def _name(node: str, state: AnalysisState) -> Text:
    style = "bold green" if node == state.treatment else "bold magenta"
    return Text(node, style=style if node in (state.treatment, state.outcome) else "")


def layers(graph: CausalGraph) -> list[list[str]]:
    """Nodes by causal depth along the directed edges (the order the terminal drawing uses)."""
    dag = nx.DiGraph()
    dag.add_nodes_from(graph.nodes)
    dag.add_edges_from((e.source, e.target) for e in graph.edges if e.mark == "-->")
    return [sorted(layer) for layer in nx.topological_generations(dag)]


def graph_view(state: AnalysisState, image: str | None) -> RenderableType:
    """The graph as text: the causal order, then one line per edge with its mark, bootstrap
    confidence and origin; and where the image was saved."""
    graph = state.graph
    lines: list[RenderableType] = [
        Text(
            f"{len(graph.nodes)} variables, {len(graph.edges)} edges "
            f"({sum(e.mark == '-->' for e in graph.edges)} directed); {state.discovery.method}"
        )
    ]
    order = Text("order: ")
    for i, layer in enumerate(layers(graph)):
        if i:
            order.append("  →  ")
        for j, node in enumerate(layer):
            order.append(", " if j else "")
            order.append_text(_name(node, state))
    lines.append(order)
    table = Table(box=None, padding=(0, 1), show_header=True)
    for column in ("edge", "", "", "confidence", "origin"):
        table.add_column(column)
    depth = {n: i for i, layer in enumerate(layers(graph)) for n in layer}
    for e in sorted(graph.edges, key=lambda e: (depth[e.source], e.source, e.target)):
        confidence = "" if e.confidence is None else f"{e.confidence:.2f}"
        origin = ", ".join(e.origin)
        table.add_row(
            _name(e.source, state),
            e.mark,
            _name(e.target, state),
            confidence,
            Text(origin, style="yellow" if "user" in e.origin else ""),
        )
    lines.append(table)
    if image:
        lines.append(Text(f"image: {image}", style="dim"))
    return Group(*lines)


def effect_view(state: AnalysisState, previous: EffectEstimate | None = None) -> RenderableType:
    """The headline of the report, plus what changed since the previous estimate."""
    parts: list[RenderableType] = [Text(headline(state))]
    effect = state.effect
    if previous is not None and effect is not None and previous != effect:
        parts.append(
            Text(
                f"changed from {fmt(previous.estimate)} (adjusting for "
                f"{', '.join(previous.adjustment_set) or 'nothing'}) to {fmt(effect.estimate)}",
                style="yellow",
            )
        )
    ident = state.identification
    if ident is not None and ident.questions:
        parts.append(Text("Questions the data cannot answer (reply with /answer VAR yes|no):"))
        parts.extend(Text(f"  {q.question} (assumed {q.assumed})") for q in ident.questions)
    if state.critique:
        for check in state.critique.checks:
            mark = "[green]✓[/green]" if check.passed else "[red]✗[/red]"
            parts.append(Text.from_markup(f"  {mark} {check.name}: ") + Text(check.detail))
    return Group(*parts)


def _user_said(state: AnalysisState, *prefixes: str, about: str = "") -> str | None:
    """The user's last chat command starting with one of `prefixes` whose record mentions
    `about` (from the trail), as typed."""
    said = [
        r.summary
        for r in state.trail
        if r.node == "chat" and r.summary.startswith(prefixes) and about in r.summary
    ]
    return said[-1].split(":")[0] if said else None


def _estimator_why(state: AnalysisState, topic: str = "") -> list[str]:
    """The headline's method, the per-row model and the nuisance models, each said once, with
    who decided it (the user's edit from the trail, --estimator, the plan or cross-validation)."""
    effect = state.effect
    if effect is None:
        return ["no estimate yet"]
    lines = [f"headline: the {effect.estimand}, {effect.interval_method}"]
    chosen = {effect.diagnostics.get("nuisance_y"), effect.diagnostics.get("nuisance_t")}
    trees = "gradient_boosting" in chosen or effect.selected == "causal_forest_dml"
    if any(w in topic for w in ("forest", "tree", "boost")) and not trees:
        lines.insert(0, "no tree model (forest or boosting) is in the final estimate:")
    model = effect.cate_method or effect.selected
    scored = [c for c in effect.candidates if c.score is not None]
    if state.request.estimator != "auto":
        edit = _user_said(state, "/estimator") or f"--estimator {state.request.estimator}"
        lines.append(f"per-row effects: {model}, fixed by you ({edit}); no selection ran")
    elif len(scored) > 1:
        ranked = ", ".join(f"{c.method} {fmt(c.score)}" for c in scored)
        lines.append(
            f"per-row effects: {model}, chosen out of sample among {len(scored)} candidates "
            f"(held-out R-score: {ranked}; the lowest loss wins)"
        )
    elif model:
        lines.append(f"per-row effects: {model}")
    scores = effect.diagnostics.get("nuisance_cv") or {}
    families = effect.diagnostics.get("nuisance_families") or {}
    if scores:
        for key, losses in scores.items():
            label = "treatment" if key == "t" else _outcome_label(key, effect)
            family = families.get(key) or effect.diagnostics.get("att_outcome_family") or "?"
            family = str(family).replace("_", " ")
            if key.endswith("_att"):
                label = "control outcome for the ATT (weighted toward the treated)"
            ranked = ", ".join(f"{name.replace('_', ' ')} {fmt(v)}" for name, v in losses.items())
            lines.append(
                f"the {label} model is {family}: the simplest family within one standard error "
                f"of the best cross-validated score (out-of-sample loss, lower is better: "
                f"{ranked})"
            )
    else:
        nuisance = state.plan.nuisance.replace("_", " ")
        edit = _user_said(state, "/estimator", "/nuisance", about="nuisance")
        if edit:
            lines.append(f"the nuisance models are {nuisance}: set by you ({edit})")
        else:
            why = [r for r in state.plan.rationale if "nuisance" in r]
            lines.append(
                f"the nuisance models are {nuisance}: set by the plan"
                + (f" ({why[-1]})" if why else "")
            )
    return lines


def _outcome_label(key: str, effect: EffectEstimate) -> str:
    """`y0`/`y1`...: the outcome model of one treatment arm; `y`: the one outcome model."""
    labels = effect.treatment_coding.get("levels") or [
        effect.treatment_coding.get("control"),
        effect.treatment_coding.get("treated"),
    ]
    if key[1:].isdigit() and int(key[1:]) < len(labels):
        return f"outcome (arm {labels[int(key[1:])]})"
    return "outcome"


def _critique_why(state: AnalysisState) -> list[str]:
    if state.critique is None:
        return ["no critique yet"]
    failed = [c.name for c in state.critique.checks if not c.passed]
    lines = [
        f"critique: {state.critique.verdict} (failed: {', '.join(failed) or 'none'}; robust when "
        "no check the answer depends on fails)"
    ]
    lines += [
        f"{c.name}: {'passed' if c.passed else 'failed'}: {c.detail}" for c in state.critique.checks
    ]
    return lines


def _adjust_why(state: AnalysisState) -> list[str]:
    ident = state.identification
    if ident is None:
        return ["no identification yet"]
    adjust = ", ".join(ident.adjustment_set) or "nothing"
    return [
        f"identification: {ident.status} by {ident.strategy}; adjust for {adjust}",
        f"why: {ident.reason}",
        f"estimand: {ident.estimand}",
    ]


def _graph_why(state: AnalysisState) -> list[str]:
    if state.discovery is None:
        return ["no graph yet"]
    lines = [f"graph: {state.discovery.method}"]
    lines += [r for r in state.plan.rationale if "alpha" in r or "PC" in r or "bootstrap" in r]
    lines += [f"your edit: {e}" for e in state.discovery.diagnostics.get("user_edits", [])]
    if state.knowledge and state.knowledge.forbidden:
        rules = ", ".join(f"{a} -> {b}" for a, b in state.knowledge.forbidden)
        lines.append(f"forbidden by knowledge: {rules}")
    return lines


def _last_run(state: AnalysisState) -> list[str]:
    """What the latest run re-ran and the user edits that made it necessary (from the trail)."""
    starts = [i for i, r in enumerate(state.trail) if r.node == "intake"]
    if not starts:
        return []
    last = starts[-1]
    steps = [r.node for r in state.trail[last + 1 :] if r.node != "chat"]
    earlier = starts[-2] if len(starts) > 1 else -1
    edits = [r.summary for r in state.trail[earlier + 1 : last] if r.node == "chat"]
    if len(starts) == 1:
        return [f"the last run was the whole analysis ({', '.join(steps)})"]
    return [f"the last run re-ran {', '.join(steps)} after: {'; '.join(edits) or 'a /run'}"]


def why_lines(state: AnalysisState, topic: str | None = None) -> list[str]:
    """Explain a decision from the trail and the results: the topic's, or those of the last run
    (what it re-ran and why, then its adjustment, estimator and critique)."""
    if state.profile is None or state.plan is None:
        return ["nothing has been decided yet: /run the analysis first"]
    topic = (topic or "").lower()
    if any(word in topic for word in ESTIMATOR_TOPICS):
        return _estimator_why(state, topic)
    if any(word in topic for word in ADJUST_TOPICS):
        return _adjust_why(state)
    if any(word in topic for word in GRAPH_TOPICS):
        return _graph_why(state)
    if "plan" in topic:
        return list(state.plan.rationale)
    lines = _last_run(state)
    failed = [r for r in state.latest_records if r.status == "failed"]
    lines += [f"step {r.node} failed: {r.error}" for r in failed]
    if state.identification:
        lines += _adjust_why(state)[:2]
    elif state.discovery:
        lines += _graph_why(state)
    if state.effect:
        lines.append(f"estimator: {state.effect.method}")
    if state.critique:
        lines.append(_critique_why(state)[0])
    if state.rerun_from:
        lines.append(f"since then you changed the analysis: /run re-runs from {state.rerun_from}")
    return lines


def confounder_lines(state: AnalysisState, column: str) -> list[str]:
    """Is `column` a common cause of treatment and outcome in the current graph?"""
    graph, t, y = state.graph, state.treatment, state.outcome
    if graph is None or not (t and y):
        return ["there is no graph for an effect yet: set treatment and outcome, then /run"]
    if column not in graph.nodes:
        return [f"{column} is not in the graph (it was not analysed)"]
    if column in (t, y):
        return [f"{column} is the {'treatment' if column == t else 'outcome'}"]
    dag = nx.DiGraph()
    dag.add_edges_from((e.source, e.target) for e in graph.edges if e.mark == "-->")
    dag.add_nodes_from(graph.nodes)
    causes_t = nx.has_path(dag, column, t)
    causes_y = nx.has_path(dag.subgraph(set(graph.nodes) - {t}), column, y)
    undecided = column in graph.undecided_neighbours(t)
    adjusted = state.identification and column in state.identification.adjustment_set
    if causes_t and causes_y:
        verdict = f"yes: in the graph {column} causes both {t} and {y} (a confounder)"
    elif undecided:
        verdict = f"maybe: the edge between {column} and {t} is undirected in the graph"
    elif column in graph.descendants(t):
        verdict = f"no: the graph places {column} downstream of {t} (a possible mediator)"
    else:
        what = f"causes {t}" if causes_t else f"causes {y}" if causes_y else "causes neither"
        verdict = f"no: in the graph {column} {what}, not both"
    adjust = "includes" if adjusted else "does not include"
    return [verdict, f"the adjustment set {adjust} {column}"]


def text_answer_view(state: AnalysisState) -> RenderableType:
    answer = state.answer
    verdict = state.critique.verdict if state.critique else "unchecked"
    lines: list[RenderableType] = [
        Text(f"answer: {answer.answer}", style="bold"),
        Text(f"formalised by the {state.formal_source}; critique: {verdict}", style="dim"),
    ]
    lines += [Text(f"  {line}") for line in answer.derivation]
    return Group(*lines)
