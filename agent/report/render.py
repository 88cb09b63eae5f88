"""Render the report (Markdown, self-contained HTML, result.json) and write it atomically.

Files are written into a hidden staging folder next to the destination and renamed into place at
the end, so a crash never leaves a report that looks complete, and an existing run is never
overwritten. Every number in the text comes from the state (tools), rendered by the templates.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import jinja2

from agent.llm.base import LLMClient
from agent.report.diagnostics import ESTIMAND_WORDS, as_dict, contrasts_sentence, sections
from agent.report.figures import (
    draw_cate_png,
    draw_graph_png,
    draw_horizon_png,
    draw_series_graph_png,
)
from agent.report.markdown import cells, code, md_text
from agent.report.outdir import (  # noqa: F401  (check_out_dir, choose_out_dir: imported from here)
    check_out_dir,
    choose_out_dir,
    staged_folder,
)
from agent.report.result import all_warnings, assumptions, build_result
from agent.revision import MAX_ROUNDS
from agent.state import AnalysisState, ReportFiles
from tools.effects.cate import CateTable
from tools.numbers import num
from tools.types import EffectEstimate, IdentificationResult

TEMPLATES = Path(__file__).parent / "templates"


def fmt(value: float | None, digits: int = 4) -> str:
    """Numbers for people (`tools.numbers.num`): no scientific notation, "n/a" if undefined."""
    return num(value, digits)


def headline(state: AnalysisState) -> str:
    failed = [r for r in state.latest_records if r.status == "failed"]
    if failed:
        first = failed[0]
        return (
            f"The analysis did not finish: the {first.node} step failed ({first.error}). "
            "Results below are partial."
        )
    if not state.wants_effect:
        graph = state.graph
        if graph is None:
            return "Discovery-only analysis: no graph was produced."
        directed = sum(e.mark == "-->" for e in graph.edges)
        return (
            f"Discovery-only analysis (no treatment or outcome given): {len(graph.nodes)} "
            f"variables, {len(graph.edges)} edges, {directed} of them directed."
        )
    if state.effect_over_time is not None:
        from agent.report.series_text import series_sentence

        return series_sentence(state)
    ident, effect = state.identification, state.effect
    if ident is not None and ident.status == "not_identified":
        return (
            f"The effect of {state.treatment} on {state.outcome} is not identified: {ident.reason}."
        )
    if ident is not None and ident.strategy == "none" and ident.status == "identified":
        return (
            f"The graph implies no effect of {state.treatment} on {state.outcome}: {ident.reason}."
        )
    if effect is None:
        return f"No estimate of the effect of {state.treatment} on {state.outcome} was produced."
    if effect.status == "possible_effects":
        values = "; ".join(
            f"{fmt(p.estimate)} ({'no causal path in ' if p.zero else ''}{p.members} DAG(s)"
            + (
                ""
                if p.zero
                else f", adjusting for {', '.join(p.adjustment_set) or 'nothing'}, 95% CI "
                f"{fmt(p.ci_low)} to {fmt(p.ci_high)}"
            )
            + ")"
            for p in effect.possible_effects
        )
        return (
            f"The effect of {effect.treatment} on {effect.outcome} is not identified by the "
            f"learned graph alone: the data cannot orient edges that matter, and the DAGs they "
            f"allow give different answers. Possible effects: {values}. No single number is "
            "reported; declaring the direction of the undirected edges would decide it."
            + (" " + critique_sentence(state) if state.critique else "")
        )
    text = effect_sentence(effect)
    if effect.ci_low <= 0 <= effect.ci_high:
        text += " The interval includes zero: the data do not distinguish this effect from none."
    if ident is not None and ident.questions and effect.possible_effects:
        text += " " + depends_sentence(ident, effect)
    if state.critique:
        text += " " + critique_sentence(state)
    return text


def depends_sentence(ident: IdentificationResult, effect: EffectEstimate) -> str:
    """The decisive questions in the headline: what was assumed and the effect otherwise."""
    parts = []
    for q in ident.questions:
        other = next((p for p in effect.possible_effects if p.answer.startswith(q.question)), None)
        if other is not None:
            flip = "no" if q.assumed == "yes" else "yes"
            parts.append(
                f"{q.question} The estimate assumes {q.assumed}; if {flip}, "
                f"it is {fmt(other.estimate)} (95% CI {fmt(other.ci_low)} to {fmt(other.ci_high)})."
            )
    return "It depends on what the data cannot decide: " + " ".join(parts)


def critique_sentence(state: AnalysisState) -> str:
    """The verdict, what the rounds changed, which round is the headline, whether an effect is
    claimed, and the warning a hidden confounder deserves."""
    crit = state.critique
    counted_failed = [c.name for c in crit.checks if not c.passed and c.counts]
    passed = len(crit.checks) - len(counted_failed)
    text = f"Critique verdict: {crit.verdict} ({passed} of {len(crit.checks)} checks passed"
    if len(counted_failed) < sum(not c.passed for c in crit.checks):
        text += " or failed in a way the answer does not depend on"
    if crit.rounds > 1:
        first = crit.history[0]
        failed = ", ".join(c.name for c in first.checks if not c.passed and c.counts)
        changes = "; ".join(ch for r in crit.history[1:] for ch in r.changes)
        text += f" after {crit.rounds} rounds: the first plan failed {failed}; changed: {changes}"
    text += ")."
    if crit.rounds > 1 and crit.headline_round and crit.headline_round != crit.rounds:
        text += f" The headline is round {crit.headline_round}'s answer: {crit.headline_reason}."
    if crit.claim == "inconclusive":
        text += " The result did not survive the critique, so no effect is claimed."
    elif crit.claim == "no_effect":
        text += " No effect is claimed."
    head = next((r for r in crit.history if r.round == crit.headline_round), None)
    for warning in head.warnings if head else []:
        text += f" {warning}."
    return text


def contrast_words(effect: EffectEstimate) -> str:
    if effect.treatment_kind == "binary":
        return f"({effect.treatment_coding['treated']!s} vs {effect.treatment_coding['control']!s})"
    if effect.treatment_kind == "multivalued":
        first = effect.contrasts[0].level if effect.contrasts else "the first level"
        return f"({first} vs {effect.treatment_coding.get('reference')!s})"
    return f"per unit increase of {effect.treatment}"


def effect_sentence(effect: EffectEstimate) -> str:
    how = {
        "backdoor": f"adjusting for {', '.join(effect.adjustment_set) or 'nothing'}",
        "frontdoor": "by the front-door formula (through the mediators)",
        "iv": "with instrumental variables",
    }[effect.strategy]
    if effect.contrasts and effect.strategy == "backdoor":
        text = contrasts_sentence(effect) + f" Adjusting for {how.split(' ', 2)[2]}"
    else:
        text = (
            f"The estimated {ESTIMAND_WORDS[effect.estimand]} of {effect.treatment} on "
            f"{effect.outcome} {contrast_words(effect)} is {fmt(effect.estimate)} (95% CI "
            f"{fmt(effect.ci_low)} to {fmt(effect.ci_high)}), {how}"
        )
    if effect.contrasts:
        pass  # every level's ATT, ATE and ATC are in the tables
    elif effect.att is not None and effect.strategy == "backdoor" and effect.estimand == "ATE":
        text += (
            f"; among the treated it is {fmt(effect.att)} (95% CI {fmt(effect.att_ci_low)} to "
            f"{fmt(effect.att_ci_high)})"
        )
    elif effect.estimand != "ATE":
        ate = next((v for v in effect.estimands if v.estimand == "ATE"), None)
        if ate is not None:
            text += (
                f"; over every row covered it is {fmt(ate.estimate)} (95% CI {fmt(ate.ci_low)} "
                f"to {fmt(ate.ci_high)})"
            )
    first = f" ({contrast_words(effect)[1:-1]})" if effect.contrasts else ""
    text += f". The unadjusted contrast{first} is {fmt(effect.naive_estimate)}."
    if effect.trimming is not None:
        text += (
            f" {effect.trimming.rows_dropped:,} rows without overlap between the groups were "
            "left out."
        )
    return text


def selection_rows(effect: EffectEstimate | None) -> list[dict[str, Any]]:
    """The candidate table: loss relative to the best, for the report."""
    if effect is None:
        return []
    scored = [c for c in effect.candidates if c.loss is not None]
    best = min((c.loss for c in scored), default=None)
    return [
        {
            "method": c.method,
            "score": c.score,
            "delta": None if c.loss is None or best is None else c.loss - best,
            "se": c.loss_se,
            "instability": c.instability,
            "selected": c.selected,
            "note": c.note,
        }
        for c in effect.candidates
    ]


def heterogeneity_note(effect: EffectEstimate | None) -> str | None:
    """Whether the chosen CATE model beats a constant effect out of sample, beyond noise."""
    if effect is None or effect.cate_summary is None:
        return None
    gain = effect.diagnostics.get("gain_over_constant")
    se = effect.diagnostics.get("gain_over_constant_se")
    if gain is None or se is None:
        return None
    if gain > 2 * se:
        return (
            "The chosen model predicts held-out outcomes better than a constant effect "
            f"(R-loss lower by {num(gain, 3)}, {gain / se:.1f} standard errors): the data support "
            "heterogeneity."
        )
    return (
        "The chosen model does not predict held-out outcomes clearly better than a constant "
        f"effect (R-loss difference {num(gain, 3)}, standard error {num(se, 3)}): the "
        "variation below is not confirmed by the data; read it as description, not finding."
    )


def _environment(markdown: bool = False) -> jinja2.Environment:
    """HTML autoescapes; Markdown escapes every `{{ value }}` (`agent.report.markdown`)."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=jinja2.select_autoescape(["html.j2"]),
        finalize=md_text if markdown else None,
    )
    env.filters["num"] = fmt
    env.filters["code"] = code
    env.filters["cells"] = cells
    return env


def view(
    state: AnalysisState,
    png: bytes | None,
    narrative: str | None,
    warnings: list[str],
    cate_png: bytes | None = None,
    horizon_png: bytes | None = None,
) -> dict[str, Any]:
    timings: dict[str, float] = {}
    for record in state.trail:
        timings[record.node] = timings.get(record.node, 0.0) + record.seconds
    return {
        "s": state,
        "headline": headline(state),
        "narrative": narrative,
        "assumptions": assumptions(state),
        "warnings": warnings,
        "total_seconds": sum(timings.values()),
        "max_rounds": MAX_ROUNDS,
        "graph_png_b64": base64.b64encode(png).decode("ascii") if png else None,
        "horizon_png_b64": base64.b64encode(horizon_png).decode("ascii") if horizon_png else None,
        "cate_png_b64": base64.b64encode(cate_png).decode("ascii") if cate_png else None,
        "selection": selection_rows(state.effect),
        "heterogeneity_note": heterogeneity_note(state.effect),
        "drivers": ", ".join(
            f"{name} ({share:.0%})"
            for name, share in (
                state.effect.cate_summary.drivers
                if state.effect and state.effect.cate_summary
                else ()
            )
        ),
        "graph_words": GRAPH_WORDS.get(
            state.identification.graph_kind if state.identification else "", ""
        ),
    }


GRAPH_WORDS = {
    "dag": "a DAG (every edge oriented; <-> marks a latent confounder)",
    "cpdag": "an equivalence class (CPDAG): some edges are undirected",
    "pag": "a PAG: some edge marks are undetermined",
}


def cate_figure(state: AnalysisState, cate: CateTable | None) -> bytes | None:
    """The per-row effects and the held-out group averages (GATES) with their intervals."""
    effect = state.effect
    if cate is None or effect is None or effect.heterogeneity is None:
        return None
    column = next(c for c in cate.frame.columns if c.startswith("cate"))
    # the rows the headline and the summary are about (the others' effects are extrapolations)
    rows = cate.frame[cate.frame["in_overlap"]] if "in_overlap" in cate.frame else cate.frame
    gates = effect.heterogeneity.gates
    return draw_cate_png(
        rows[column].tolist(),
        [(f"G{g.group}", g.estimate, g.ci_low, g.ci_high) for g in gates],
        ate=effect.estimate,
        title=f"effect of {effect.treatment} on {effect.outcome} per row",
    )


def write_report(
    state: AnalysisState,
    llm: LLMClient,
    out: Path,
    artifacts: dict[str, Any] | None = None,
    narrative: str | None = None,
    own_warnings: tuple[str, ...] = (),
    elapsed: float | None = None,
) -> ReportFiles:
    """Render and write the run folder; `artifacts` holds what is too big for the state (the
    per-row CATE table); `own_warnings` are the report step's own (its trail record is appended
    only after it returns); `elapsed` is the seconds from the command's start to the report,
    for a run with a time budget."""
    with staged_folder(out) as staging:
        png = None
        if state.graph is not None and state.graph.nodes:
            draw = draw_series_graph_png if state.request.time else draw_graph_png
            png = draw(state.graph, treatment=state.treatment, outcome=state.outcome)
            (staging / "graph.png").write_bytes(png)
        horizon_png = None
        if state.effect_over_time is not None:
            e = state.effect_over_time
            horizon_png = draw_horizon_png(
                [(h.h, h.estimate, h.ci_low, h.ci_high) for h in e.horizons],
                treatment=e.treatment,
                outcome=e.outcome,
                members=[
                    (e.deciding_label(p), [h.estimate for h in p.horizons]) for p in e.possible
                ]
                if e.undecided
                else None,
            )
            (staging / "effect_over_time.png").write_bytes(horizon_png)
        files: dict[str, str] = {}
        cate = (artifacts or {}).get("cate")
        cate_png = cate_figure(state, cate)
        if cate is not None:
            cate.write_csv(staging / "cate.csv")
            files["cate_csv"] = str(out / "cate.csv")
        if cate_png is not None:
            (staging / "cate.png").write_bytes(cate_png)
        warnings = all_warnings(state) + [f"[report] {w}" for w in own_warnings]
        figures: dict[str, bytes] = {}
        extra = [as_dict(section) for section in sections(state, figures)]
        for name, data in figures.items():
            (staging / name).write_bytes(data)
        context = view(state, png, narrative, warnings, cate_png, horizon_png)
        context["sections"] = extra
        context["figures_b64"] = {
            name: base64.b64encode(data).decode("ascii") for name, data in figures.items()
        }
        context["llm_label"] = f"{llm.backend}:{llm.model}" if llm.model else llm.backend
        (staging / "report.md").write_text(
            _environment(markdown=True).get_template("report.md.j2").render(**context),
            encoding="utf-8",
        )
        (staging / "report.html").write_text(
            _environment().get_template("report.html.j2").render(**context), encoding="utf-8"
        )
        files.update({"markdown": str(out / "report.md"), "html": str(out / "report.html")})
        result = build_result(state, llm, files, elapsed)
        result["narrative"] = narrative
        result["warnings"] = warnings
        (staging / "result.json").write_text(
            json.dumps(result, indent=2, default=str), encoding="utf-8"
        )
    return ReportFiles(
        directory=str(out),
        markdown=files["markdown"],
        html=files["html"],
        result_json=str(out / "result.json"),
        graph_png=str(out / "graph.png") if png else None,
        cate_csv=files.get("cate_csv"),
    )
