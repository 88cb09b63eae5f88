"""The fixed menu of re-planning actions, and the offline rules that pick them from failed checks.

When the critique fails, the agent changes course by changing the Plan, never by editing results:
each action below rewrites Plan fields that the existing nodes honour, and names the earliest step
that has to run again. The menu is fixed; the rules (offline) or the LLM (when configured) only
choose from it, and an LLM answer outside the available items is rejected.

Offline rules, one action per failed check, first available in this order:
- graph_falsification -> raise_alpha (the graph claims independences the data reject: edges are
  missing, so test at a looser level), then switch_discovery_algorithm;
- graph_plausibility -> forbid_implausible_edges (rule the flagged edges out and rediscover);
- overlap -> trim_common_support (estimate on units with propensity in [0.05, 0.95]);
- placebo_treatment, random_common_cause, data_subsets, bootstrap_spread -> switch_nuisance
  (gradient boosting everywhere: the nuisance models under-fit; never a simpler family, which
  cross-validation already rejected), then switch_estimator (the runner-up of the out-of-sample
  selection);
- sensitivity -> nothing: no re-analysis of the same columns removes a hidden confounder.
- decisive_questions -> nothing: only an answer (knowledge, the user, the LLM) decides them.
Only counted failures are answered (a failure that cannot change the answer is not worth a round).
Each action is tried once, and only when it can change something: raise_alpha climbs one step of
0.01 -> 0.05 -> 0.1 -> 0.2 from the level the discovery actually used (chosen on held-out rows,
not the plan's default) and only for algorithms with a level (PC, FCI, CD-NOD); switch_estimator
needs a runner-up that differs and a headline that depends on the estimator; no rediscovery when
the knowledge or answers place every covariate (a new graph cannot change the adjustment set); a
revision whose answer repeats an earlier round's is not re-checked (agent/nodes/critique.py).
There is no "switch to the ATT" item: the estimate step reports the ATT next to the ATE for every
binary treatment, and the checks refit the ATE, so a switch would leave the headline unchecked.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal, get_args

from agent.state import Action, ActionName, AnalysisState, Plan
from tools.types import CheckResult

# The tools each revision uses are imported inside it: the graph imports this module for
# MAX_ROUNDS, and a textual question must not pay for scipy, scikit-learn or causal-learn.

MAX_ROUNDS = 3
"""Hard cap on critique rounds (the first plan plus at most two revisions)."""
ALPHA_LADDER = (0.01, 0.05, 0.1, 0.2)

Restart = Literal["elicit", "estimate"]


@dataclass(frozen=True)
class MenuItem:
    description: str
    restart: Restart
    """The earliest step the change affects; the graph re-runs from there."""
    available: Callable[[AnalysisState], bool]
    apply: Callable[[Plan, AnalysisState], tuple[Plan, str]]
    """The revised plan and the change in words (for the report)."""


def _next_alpha(alpha: float) -> float | None:
    return next((a for a in ALPHA_LADDER if a > alpha + 1e-12), None)


def used_alpha(state: AnalysisState) -> float | None:
    """The level the last discovery actually used (chosen from the plan's grid on held-out rows,
    or fixed), or None when its algorithm has no significance level (GES, BOSS, LiNGAM)."""
    from tools.discovery import ALGORITHMS

    found = state.discovery
    if found is not None:
        spec = ALGORITHMS.get(found.params.algorithm)
        return found.params.alpha if spec is not None and spec.uses_alpha else None
    plan = state.plan
    if plan is None:
        return None
    spec = ALGORITHMS.get(plan.discovery_algorithm)
    return plan.alpha if spec is not None and spec.uses_alpha else None


def _raise_alpha(plan: Plan, state: AnalysisState) -> tuple[Plan, str]:
    alpha = used_alpha(state)
    new = _next_alpha(alpha)
    # A fixed level replaces the grid the first plan chose from.
    revised = plan.model_copy(update={"alpha": new, "alpha_grid": []})
    return revised, f"discovery alpha {alpha:g} -> {new:g}"


def _can_raise_alpha(state: AnalysisState) -> bool:
    alpha = used_alpha(state)
    return _rediscoverable(state) and alpha is not None and _next_alpha(alpha) is not None


def _algorithms() -> tuple[str, ...]:
    return get_args(Plan.model_fields["discovery_algorithm"].annotation)


def _wide(state: AnalysisState) -> bool:
    return state.plan is not None and state.plan.screen_fdr is not None


def _switch_algorithm(plan: Plan, state: AnalysisState) -> tuple[Plan, str]:
    """The next algorithm (the plan's own candidates first), with the test or score the data
    call for, as `--algorithm` would set them."""
    from tools.discovery_select import SETTINGS, DataFacts, forced_choice

    # FCI (PAG marks) and CD-NOD (needs a context column) are chosen by the data rules, not as a
    # fallback: a PAG leaves most directions open, which identification cannot use.
    fallbacks = [a for a in _algorithms() if a not in ("fci", "cdnod")]
    order = [*plan.candidates, *fallbacks]
    new = next(a for a in order if a != plan.discovery_algorithm)
    facts = DataFacts.model_validate(plan.discovery_facts) if plan.discovery_facts else None
    update: dict = {"discovery_algorithm": new}
    if facts is not None:
        choice = forced_choice(facts, new)
        update |= choice.model_dump(include=set(SETTINGS))
    return (
        Plan.model_validate({**plan.model_dump(), **update}),  # the choice's tuples become lists
        f"discovery algorithm {plan.discovery_algorithm} -> {new}",
    )


def _implausible(state: AnalysisState) -> list[tuple[str, str]]:
    from tools.falsification import implausible_edges

    if state.graph is None:
        return []
    prior = [(e.source, e.target, e.confidence) for e in (state.prior.edges if state.prior else [])]
    found = implausible_edges(state.graph, state.knowledge, prior)
    known = {tuple(e) for e in state.plan.forbidden_edges} if state.plan else set()
    return [(e.source, e.target) for e in found if (e.source, e.target) not in known]


def _forbid(plan: Plan, state: AnalysisState) -> tuple[Plan, str]:
    edges = _implausible(state)
    listed = ", ".join(f"{a} -> {b}" for a, b in edges)
    return (
        plan.model_copy(update={"forbidden_edges": [*plan.forbidden_edges, *edges]}),
        f"forbid {listed} and rediscover",
    )


def _trim(plan: Plan, state: AnalysisState) -> tuple[Plan, str]:
    from tools.effects.overlap import SUPPORT_BOUND

    return (
        plan.model_copy(update={"trim_propensity": SUPPORT_BOUND}),
        f"trim to common support (propensity in [{SUPPORT_BOUND:g}, {1 - SUPPORT_BOUND:g}])",
    )


def _other_nuisance(state: AnalysisState) -> str | None:
    """The more flexible family, or None when every nuisance already uses it. Never a simpler
    one: the estimate step chose each family as the simplest that cross-validation did not beat,
    so a simpler family is one the data rejected, and its bias would pass the refit checks."""
    families = state.effect.diagnostics.get("nuisance_families") if state.effect else None
    used = set((families or {}).values()) or {
        state.effect.diagnostics.get("nuisance_y") if state.effect else None
    }
    return None if used == {"gradient_boosting"} else "gradient_boosting"


def _user_fixed_nuisance(state: AnalysisState) -> bool:
    """The user set the nuisance models (`/estimator linear`, `/nuisance ...`): a revision does
    not override them."""
    return state.request.nuisance not in (None, "select")


def _switch_nuisance(plan: Plan, state: AnalysisState) -> tuple[Plan, str]:
    new = _other_nuisance(state) or "gradient_boosting"
    used = state.effect.diagnostics.get("nuisance_y", plan.nuisance) if state.effect else "?"
    return (
        plan.model_copy(update={"nuisance": new}),
        f"nuisance models {str(used).replace('_', ' ')} -> {new.replace('_', ' ')}",
    )


def _rediscoverable(state: AnalysisState) -> bool:
    """Only a graph the data produced may be learned again: a user's graph (`--graph` in replace
    mode, or edges edited in chat) is the user's claim, and the critique does not overwrite it."""
    req = state.request
    if req.graph_path and req.graph_mode == "replace":
        return False
    if not _graph_matters(state):
        return False
    return state.graph is None or not any("user" in e.origin for e in state.graph.edges)


def _graph_matters(state: AnalysisState) -> bool:
    """Whether a new graph could change the adjustment set: not when the knowledge or answers
    place every covariate (tiers declared for all): rediscovering would cost a whole discovery
    and give the same estimate."""
    ident = state.identification
    if ident is None or not ident.roles:
        return True
    return any(r.decided_by in ("data", "default") for r in ident.roles)


def _runner_up(state: AnalysisState) -> str | None:
    """The best-scored candidate of the last selection other than the one used (estimator name)."""
    from tools.effects.cate import LABELS

    effect = state.effect
    if effect is None or effect.selected not in LABELS:
        return None
    if getattr(effect, "cate_method", None) is not None:
        return None  # the headline comes from the efficient score, not the CATE estimator
    names = {label: name for name, label in LABELS.items()}
    scored = [
        c
        for c in effect.candidates
        if c.score is not None and names.get(c.method) not in (None, effect.selected)
    ]
    best = max(scored, key=lambda c: c.score, default=None)
    return names[best.method] if best is not None else None


def _switch_estimator(plan: Plan, state: AnalysisState) -> tuple[Plan, str]:
    from tools.effects.cate import LABELS

    new = _runner_up(state)
    return (
        plan.model_copy(update={"estimators": [new]}),
        f"estimator {LABELS[state.effect.selected]} -> {LABELS[new]} (the runner-up out of sample)",
    )


MENU: dict[ActionName, MenuItem] = {
    "raise_alpha": MenuItem(
        "rediscover the graph with a looser significance level (keeps more edges)",
        "elicit",
        _can_raise_alpha,
        _raise_alpha,
    ),
    "switch_discovery_algorithm": MenuItem(
        "rediscover the graph with another discovery algorithm",
        "elicit",
        # a wide table keeps its screened PC: the other searches do not finish at that width
        lambda s: _rediscoverable(s) and len(_algorithms()) > 1 and not _wide(s),
        _switch_algorithm,
    ),
    "forbid_implausible_edges": MenuItem(
        "rule out the implausible edges (against tiers, into fixed attributes, against a strong "
        "prior) and rediscover",
        "elicit",
        lambda s: _rediscoverable(s) and bool(_implausible(s)),
        _forbid,
    ),
    "trim_common_support": MenuItem(
        "estimate on the units with propensity in [0.05, 0.95] only (common support)",
        "estimate",
        lambda s: (
            s.effect is not None
            and s.effect.strategy == "backdoor"
            and s.effect.treatment_kind == "binary"
            and s.plan.trim_propensity is None
        ),
        _trim,
    ),
    "switch_nuisance": MenuItem(
        "refit with gradient boosting for every nuisance model (never a simpler family than "
        "cross-validation chose)",
        "estimate",
        lambda s: (
            s.effect is not None
            and _other_nuisance(s) is not None
            and s.plan.nuisance != _other_nuisance(s)
            and not _user_fixed_nuisance(s)
        ),
        _switch_nuisance,
    ),
    "switch_estimator": MenuItem(
        "estimate with the runner-up of the out-of-sample estimator selection",
        "estimate",
        lambda s: _runner_up(s) is not None,
        _switch_estimator,
    ),
}

RULES: dict[str, tuple[ActionName, ...]] = {
    "graph_falsification": ("raise_alpha", "switch_discovery_algorithm"),
    "graph_plausibility": ("forbid_implausible_edges",),
    "overlap": ("trim_common_support",),
    "placebo_treatment": ("switch_nuisance", "switch_estimator"),
    "random_common_cause": ("switch_nuisance", "switch_estimator"),
    "data_subsets": ("switch_nuisance", "switch_estimator"),
    "bootstrap_spread": ("switch_nuisance", "switch_estimator"),
    "sensitivity": (),
    "decisive_questions": (),
}
REPEATABLE: frozenset[str] = frozenset()


def tried(state: AnalysisState) -> set[str]:
    """Actions applied in earlier rounds."""
    return {a.name for a in (state.critique.actions if state.critique else [])}


def available(state: AnalysisState) -> list[ActionName]:
    """Menu items that can be applied now (and were not tried before, unless repeatable)."""
    done = tried(state)
    return [
        name
        for name, item in MENU.items()
        if (name in REPEATABLE or name not in done) and item.available(state)
    ]


def rules_choice(failed: list[CheckResult], state: AnalysisState) -> tuple[list[Action], list[str]]:
    """One action per failed check by the rules above; plus the checks nothing in the menu fixes."""
    open_items = available(state)
    actions: list[Action] = []
    unanswered: list[str] = []
    for check in failed:
        choice = next((a for a in RULES.get(check.name, ()) if a in open_items), None)
        if choice is None:
            unanswered.append(check.name)
        elif choice not in {a.name for a in actions}:
            actions.append(Action(name=choice, check=check.name, source="rules"))
        else:
            actions = [
                a.model_copy(update={"check": f"{a.check}, {check.name}"})
                if a.name == choice
                else a
                for a in actions
            ]
    return actions, unanswered


def apply_actions(
    plan: Plan, actions: list[Action], state: AnalysisState
) -> tuple[Plan, list[Action]]:
    """The revised plan, and the actions with their change written out."""
    done = []
    for action in actions:
        plan, change = MENU[action.name].apply(plan, state)
        done.append(action.model_copy(update={"change": change}))
    return plan, done


def restart_step(actions: list[Action]) -> Restart:
    """The earliest step any of the actions affects."""
    return "elicit" if any(MENU[a.name].restart == "elicit" for a in actions) else "estimate"
