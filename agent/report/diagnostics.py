"""The report sections an analyst reaches for next to the headline: what was steered (estimand,
estimator, reference level, effect modifiers), every estimand, covariate balance, sensitivity
(E-value and Cinelli-Hazlett contours) and the heterogeneity test (BLP, GATES, policy tree).

Each section is a list of blocks (paragraph, table, figure) that both templates render, so the
Markdown and the HTML say the same thing; every number is read from the state (tool results).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from agent.report.plots import contour_png, love_plot_png, propensity_png
from agent.state import AnalysisState
from tools.effects.cate import LABELS
from tools.numbers import num
from tools.types import EffectEstimate

ESTIMAND_WORDS = {
    "ATE": "average effect",
    "ATT": "average effect among the treated (ATT)",
    "ATC": "average effect among the controls (ATC)",
}


def contrasts_sentence(effect: EffectEstimate) -> str:
    """A multi-valued treatment: every level against the reference, with the multiplicity note."""
    ref = effect.treatment_coding.get("reference")
    parts = "; ".join(
        f"{c.level} vs {ref}: {num(c.estimate)} (95% CI {num(c.ci_low)} to {num(c.ci_high)})"
        for c in effect.contrasts
    )
    k = len(effect.contrasts)
    return (
        f"The estimated {ESTIMAND_WORDS[effect.estimand]} of each level of {effect.treatment} on "
        f"{effect.outcome} against {ref}: {parts}. These are {k} comparisons: the chance that "
        f"at least one 95% interval misses its truth is higher than 5%; intervals that hold "
        f"together (Bonferroni, 95% for all {k}) are in the table."
    )


FIGURES = ("love.png", "propensity.png", "sensitivity.png")
"""The diagnostics figures written next to the report (when they apply)."""


@dataclass
class Block:
    kind: str
    """p, table or figure."""
    text: str = ""
    header: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)
    file: str = ""


@dataclass
class Section:
    title: str
    blocks: list[Block]


def _steering(state: AnalysisState, e: EffectEstimate) -> Section:
    req = state.request
    you, default = "you", "default rule"
    estimator = (
        f"{LABELS[req.estimator]} for the per-row effects"
        if req.estimator != "auto"
        else f"auto: {e.cate_method or 'n/a'}, chosen out of sample"
    )
    rows = [
        ["estimand", e.estimand, you if req.estimand != "ate" else "default (ATE)"],
        ["estimator", estimator, you if req.estimator != "auto" else default],
        ["treatment", e.treatment_rule or "n/a", you if (req.reference or req.dose) else default],
        [
            "effect modifiers (X)",
            ", ".join(e.modifiers) or "none (a constant effect)",
            you if req.modifiers is not None else default,
        ],
    ]
    if e.modifier_rule:
        rows.append(["controls only (W)", _controls(e) or "none", e.modifier_rule])
    text = (
        "The headline comes from the doubly robust (AIPW) score on one cross-fitting pass "
        "whatever the estimator; the estimator sets the per-row effects, the heterogeneity "
        "test and the policy tree. Every critique refit keeps these settings."
    )
    return Section(
        "What was asked",
        [Block("table", header=["setting", "value", "set by"], rows=rows), Block("p", text)],
    )


def _controls(e: EffectEstimate) -> str:
    return ", ".join(c for c in e.adjustment_set if c not in e.modifiers)


def _estimands(e: EffectEstimate) -> Section | None:
    if not e.estimands:
        return None
    rows = [
        [
            v.estimand + (" (headline)" if v.estimand == e.estimand else ""),
            v.level,
            num(v.estimate),
            f"{num(v.ci_low)} to {num(v.ci_high)}",
            num(v.std_error),
        ]
        for v in e.estimands
    ]
    text = (
        "ATE: the average effect over the rows covered; ATT: among the units that received the "
        "level; ATC: among the reference units. Each against the reference level."
    )
    header = ["estimand", "level", "estimate", "95% interval", "std. error"]
    return Section("Estimands", [Block("p", text), Block("table", header=header, rows=rows)])


def _balance(e: EffectEstimate, figures: dict[str, bytes]) -> Section | None:
    b = e.balance
    if b is None:
        return None
    ok = "every covariate is" if b.balanced else "not every covariate is"
    text = (
        f"Standardised mean differences (treated minus control, over the pooled standard "
        f"deviation) before weighting (every row) and after weighting by the estimated "
        f"propensity, with the {b.estimand} weights: {b.weights}. Largest |SMD|: "
        f"{num(b.max_before, 3)} before, {num(b.max_after, 3)} after: {ok} below "
        f"{num(b.threshold)} after weighting."
    )
    if not b.balanced:
        text += (
            " The doubly robust headline corrects the remaining imbalance through the outcome "
            "model; the critique reports it (not counted)."
        )
    rows = [[r.covariate, num(r.smd_before, 3), num(r.smd_after, 3)] for r in b.rows]
    figures["love.png"] = love_plot_png(b)
    coding = e.treatment_coding
    figures["propensity.png"] = propensity_png(
        b, str(coding.get("treated")), str(coding.get("control"))
    )
    return Section(
        "Covariate balance",
        [
            Block("p", text),
            Block("table", header=["covariate", "SMD before", "SMD after"], rows=rows),
            Block("figure", "Love plot", file="love.png"),
            Block("figure", "propensity by arm", file="propensity.png"),
        ],
    )


def _sensitivity(e: EffectEstimate, figures: dict[str, bytes]) -> Section | None:
    blocks: list[Block] = []
    if e.evalue is not None:
        v = e.evalue
        blocks.append(
            Block(
                "p",
                f"E-value {num(v.e_value, 3)} (for the interval's limit nearer no effect: "
                f"{num(v.e_value_ci, 3)}): a hidden confounder associated with both "
                f"{e.treatment} and {e.outcome} by a risk ratio of {num(v.e_value, 3)} each, "
                "beyond the measured covariates, could explain the estimate away; a weaker one "
                f"could not. Risk ratio {num(v.risk_ratio, 3)} ({num(v.risk_ratio_ci[0], 3)} "
                f"to {num(v.risk_ratio_ci[1], 3)}); {v.method}.",
            )
        )
    g = e.sensitivity
    if g is not None:
        blocks.append(
            Block(
                "p",
                f"Robustness value (Cinelli & Hazlett): a confounder explaining "
                f"{num(100 * g.robustness_value, 3)}% of the residual variance of both "
                f"{e.treatment} and {e.outcome} would erase the estimate; "
                f"{num(100 * g.robustness_value_ci, 3)}% would bring its 95% interval to zero. "
                "The contours give the estimate after removing the bias of a confounder of "
                "each strength; the triangles are confounders as strong as each adjusted "
                "covariate.",
            )
        )
        if g.benchmarks:
            rows = [
                [
                    b.covariate,
                    num(b.r2_treatment, 3),
                    num(b.r2_outcome, 3),
                    num(b.adjusted_estimate),
                ]
                for b in g.benchmarks
            ]
            header = ["as strong as", "R² with treatment", "R² with outcome", "adjusted estimate"]
            blocks.append(Block("table", header=header, rows=rows))
        figures["sensitivity.png"] = contour_png(g, e.treatment, e.outcome)
        blocks.append(Block("figure", "sensitivity contours", file="sensitivity.png"))
    return Section("Sensitivity to a hidden confounder", blocks) if blocks else None


def _heterogeneity(e: EffectEstimate) -> Section | None:
    h = e.heterogeneity
    if h is None:
        return None
    verdict = (
        "the data show heterogeneity: the held-out predictions carry signal about who gains more"
        if h.found
        else "no heterogeneity is found: the held-out predictions carry no detectable signal "
        "about who gains more, so read the per-row effects as one average effect plus noise"
    )
    blocks = [
        Block(
            "p",
            f"Best linear predictor (BLP): slope on the held-out CATE {num(h.beta2, 3)} "
            f"(std. error {num(h.beta2_se, 3)}, one-sided p = {num(h.p_value, 2)}); average "
            f"{num(h.beta1)}. At the 5% level {verdict}. Method: {h.method}.",
        )
    ]
    if h.r_scores_negative:
        blocks.append(
            Block(
                "p",
                "Every candidate's out-of-sample R-score is negative: no CATE model predicts "
                "held-out outcomes better than a constant effect.",
            )
        )
    rows = [
        [str(g.group), f"{g.n:,}", num(g.estimate), f"{num(g.ci_low)} to {num(g.ci_high)}"]
        for g in h.gates
    ]
    blocks.append(
        Block(
            "p",
            f"Sorted group average effects (GATES), group 1 = lowest held-out prediction; "
            f"top minus bottom {num(h.top_minus_bottom)} (std. error "
            f"{num(h.top_minus_bottom_se)}).",
        )
    )
    header = ["group", "rows", "average effect", "95% interval"]
    blocks.append(Block("table", header=header, rows=rows))
    p = h.policy
    if p is not None:
        blocks.append(
            Block(
                "p",
                f"Policy tree (depth 2, EconML's SingleTreePolicyInterpreter on the held-out "
                f"CATE; splits on {', '.join(p.splits) or 'nothing'}): treating as it says "
                f"({num(100 * p.share_treated, 3)}% of rows) gains {num(p.value)} per unit "
                f"(std. error {num(p.value_se)}) over treating no one (0), against "
                f"{num(p.treat_all)} for treating everyone; valued on the rows it was fitted "
                "on, so optimistic.",
            )
        )
        rows = [
            [
                leaf.rule,
                f"{leaf.n:,}",
                "treat" if leaf.treat else "do not treat",
                num(leaf.mean_effect),
            ]
            for leaf in p.leaves
        ]
        header = ["rows where", "rows", "decision", "mean predicted effect"]
        blocks.append(Block("table", header=header, rows=rows))
    return Section("Is the heterogeneity real?", blocks)


def sections(state: AnalysisState, figures: dict[str, bytes]) -> list[Section]:
    """The sections for a back-door estimate (empty otherwise); figures are added to
    `figures` by file name."""
    e = state.effect
    if e is None or e.status != "estimated" or e.strategy != "backdoor":
        return []
    built = [
        _steering(state, e),
        _estimands(e),
        _balance(e, figures),
        _sensitivity(e, figures),
        _heterogeneity(e),
    ]
    return [s for s in built if s is not None]


def as_dict(section: Section) -> dict[str, Any]:
    return {"title": section.title, "blocks": [b.__dict__ for b in section.blocks]}
