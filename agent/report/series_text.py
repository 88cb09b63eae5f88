"""The headline of an effect over time (a `--time` run): one response, or the set of possible
responses when the graph leaves a same-time link undirected that changes the effect."""

from __future__ import annotations

from agent.report.render import critique_sentence, fmt
from agent.state import AnalysisState


def series_sentence(state: AnalysisState) -> str:
    """The headline of an effect over time: the largest effect, its horizon, the method."""
    effect = state.effect_over_time
    peak = effect.peak
    last = effect.horizons[-1].h
    if effect.undecided:
        spread, se = effect.spread
        values = "; ".join(
            f"{fmt(p.horizons[peak.h].estimate)} if {effect.deciding_label(p)} (95% CI "
            f"{fmt(p.horizons[peak.h].ci_low)} to {fmt(p.horizons[peak.h].ci_high)}; "
            f"{p.members} of {effect.orientations} orientation(s))"
            for p in effect.possible
        )
        text = (
            f"The effect of {effect.treatment} at time t on {effect.outcome} at t + h is not "
            f"decided by the learned graph: the data cannot orient {', '.join(effect.deciding)}, "
            f"and the orientations give {len(effect.possible)} different impulse responses. At "
            f"h = {peak.h}: {values}. No single response is reported; declaring the direction "
            f"(--knowledge) would decide it. They differ by at most {fmt(spread)} at any horizon "
            f"({fmt(spread / se)} standard errors)."
        )
        return text + (" " + critique_sentence(state) if state.critique else "")
    text = (
        f"A unit change of {effect.treatment} at time t changes {effect.outcome} at t + h by at "
        f"most {fmt(peak.estimate)} (at h = {peak.h}; 95% CI {fmt(peak.ci_low)} to "
        f"{fmt(peak.ci_high)}) over h = 0..{last}, by the {effect.method}."
    )
    if peak.ci_low <= 0 <= peak.ci_high:
        text += " The interval includes zero: the data do not distinguish it from no effect."
    if state.critique:
        text += " " + critique_sentence(state)
    return text
