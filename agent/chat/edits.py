"""What a chat edit does to the analysis state, and which results it makes stale.

Each step's results are listed in run order. An edit clears the results of the first step it
affects and of every later one, and marks that step as where the next run starts (`rerun_from`):
a new treatment re-runs everything, an edited graph identification onwards, a new estimator
estimation onwards. Results are cleared rather than kept, so nothing stale can be shown.
"""

from __future__ import annotations

from typing import get_args

from agent.state import AnalysisRequest, AnalysisState, NodeRecord, RerunFrom
from tools.data import require_column
from tools.effects.cate import LABELS, estimator_name
from tools.errors import InputError
from tools.graph_edit import EditResult, add_edge, forbid_edge, remove_edge

PRODUCTS: dict[RerunFrom, tuple[str, ...]] = {
    "profile": ("input", "profile"),
    "plan": ("plan", "treatment", "outcome"),
    "elicit": ("knowledge", "prior"),
    "discover": ("discovery",),
    "identify": ("identification",),
    "estimate": ("effect",),
    "critique": ("critique",),
    "report": ("report",),
}
STEPS: tuple[RerunFrom, ...] = get_args(RerunFrom)

NUISANCES = {"auto": "select", "boosting": "gradient_boosting", "linear": "linear"}
"""Chat names of the nuisance-model settings (plan.nuisance)."""
CHAT_ESTIMATORS: dict[str, tuple[str | None, str | None]] = {
    "auto": ("auto", "select"),
    "linear": ("linear_dml", "linear"),
    "boosting": (None, "gradient_boosting"),
}
"""Chat words that set both: (estimator or None to keep it, nuisance setting or None). Any
other word is a candidate name or alias (`tools.effects.cate.estimator_name`)."""

EDITS = {"add": add_edge, "remove": remove_edge, "forbid": forbid_edge}


def invalidate(state: AnalysisState, step: RerunFrom) -> AnalysisState:
    """Clear the results of `step` and later steps; the next run starts at the earliest stale
    step (from the top when nothing has run yet)."""
    stale = STEPS[STEPS.index(step) :]
    cleared = {name: None for s in stale for name in PRODUCTS[s]}
    if state.profile is None and step != "profile":
        rerun = None
    else:
        current = state.rerun_from or step
        rerun = min(current, step, key=STEPS.index)
    if rerun == "profile":
        rerun = None
    return state.model_copy(update={**cleared, "rerun_from": rerun})


def with_record(state: AnalysisState, summary: str) -> AnalysisState:
    """Append the user's edit to the trail, so the report and /why can show it."""
    record = NodeRecord(node="chat", status="ok", seconds=0.0, summary=summary)
    return state.model_copy(update={"trail": [*state.trail, record]})


def is_current(state: AnalysisState) -> bool:
    """Results exist and no edit has made any of them stale since the last run."""
    return state.profile is not None and state.rerun_from is None


def new_analysis(path: str, seed: int, max_rows: int | None) -> AnalysisState:
    state = AnalysisState(request=AnalysisRequest(data_path=path, seed=seed, max_rows=max_rows))
    return with_record(state, f"data {path}")


def set_roles(
    state: AnalysisState,
    columns: list[str],
    *,
    treatment: str | None = None,
    outcome: str | None = None,
) -> AnalysisState:
    """A new treatment and/or outcome: the table is re-profiled and the graph learned again (the
    user's forbidden edges are kept as knowledge)."""
    roles = {"treatment": treatment, "outcome": outcome}
    for role, column in roles.items():
        if column is not None:
            require_column(column, columns, role)
    merged = {
        role: column if column is not None else getattr(state.request, role)
        for role, column in roles.items()
    }
    if merged["treatment"] and merged["treatment"] == merged["outcome"]:
        raise InputError(f"{merged['treatment']!r} cannot be both treatment and outcome")
    request = state.request.model_copy(update=merged)
    state = invalidate(state.model_copy(update={"request": request}), "profile")
    said = ", ".join(f"{role} {column}" for role, column in roles.items() if column)
    return with_record(state, f"set {said}")


def edit_graph(
    state: AnalysisState, op: str, source: str, target: str
) -> tuple[AnalysisState, str]:
    """Add, remove or forbid an edge of the current graph; identification onwards is stale.

    A forbidden edge also becomes knowledge (and a request rule that elicit re-applies), so a
    re-discovery respects it.
    """
    if state.discovery is None:
        raise InputError("there is no graph yet: /run the analysis first")
    if op == "forbid":
        if (source, target) == (state.treatment, state.outcome):
            raise InputError(
                f"{source} -> {target} is the effect being asked about; it cannot be forbidden "
                "(choose another treatment or outcome instead)"
            )
        if state.knowledge and (source, target) in state.knowledge.required:
            raise InputError(f"{source} -> {target} is required by the knowledge file")
    done: EditResult = EDITS[op](state.discovery.graph, source, target)
    updates: dict = {}
    if done.graph != state.discovery.graph:
        edits = [*state.discovery.diagnostics.get("user_edits", []), done.change]
        updates["discovery"] = state.discovery.model_copy(
            update={
                "graph": done.graph,
                "diagnostics": {**state.discovery.diagnostics, "user_edits": edits},
            }
        )
    if op == "forbid" and (source, target) not in state.request.forbidden:
        updates["request"] = state.request.model_copy(
            update={"forbidden": (*state.request.forbidden, (source, target))}
        )
        if state.knowledge is not None:
            updates["knowledge"] = state.knowledge.model_copy(
                update={"forbidden": (*state.knowledge.forbidden, (source, target))}
            )
    state = state.model_copy(update=updates)
    if "discovery" in updates:
        state = invalidate(state, "identify")
    return with_record(state, f"/edge {op} {source}->{target}: {done.change}"), done.change


def answer_question(state: AnalysisState, variable: str, answer: str) -> AnalysisState:
    """The user's answer to "can the treatment change VARIABLE?": used like a tier by the
    identify step (yes: left out of the adjustment set; no: adjusted for); identification
    onwards is stale."""
    if state.profile is None:
        raise InputError("there is no analysis yet: /run it first, then answer its questions")
    require_column(variable, state.profile.analysis_columns, "/answer:")
    if variable in (state.treatment, state.outcome):
        raise InputError(f"{variable!r} is the treatment or the outcome; answer about a covariate")
    answers = {**state.answers, variable: answer}
    state = state.model_copy(update={"answers": answers})
    if state.identification is not None:
        state = invalidate(state, "identify")
    verb = "can" if answer == "yes" else "cannot"
    return with_record(state, f"/answer {variable} {answer}: {state.treatment} {verb} change it")


def set_estimator(state: AnalysisState, word: str) -> tuple[AnalysisState, str]:
    """Choose the per-row effect model (any candidate, or auto) and, for the chat words
    `linear` / `boosting` / `auto`, the nuisance models too (kept in the request, so they hold
    before the first run and after a re-plan); estimation onwards is stale. Returns the new
    state and what was set, in words."""
    estimator, nuisance = CHAT_ESTIMATORS.get(word, (estimator_name(word), None))
    said = []
    request, plan = state.request, state.plan
    if estimator is not None:
        request = request.model_copy(update={"estimator": estimator})
        said.append(
            "estimator auto (chosen out of sample)"
            if estimator == "auto"
            else f"estimator {LABELS[estimator]}"
        )
    if nuisance is not None:
        request = request.model_copy(update={"nuisance": nuisance})
        if plan is not None:
            rationale = [*plan.rationale, f"nuisance models set to {nuisance} by the user in chat"]
            plan = plan.model_copy(update={"nuisance": nuisance, "rationale": rationale})
        said.append(
            "nuisance models chosen by cross-validation"
            if nuisance == "select"
            else f"{nuisance.replace('_', ' ')} nuisance models"
        )
    words = " with ".join(said)
    state = state.model_copy(update={"request": request, "plan": plan})
    if plan is not None:
        state = invalidate(state, "estimate")
    return with_record(state, f"/estimator {word}: {words}"), words


def set_nuisance(state: AnalysisState, word: str) -> tuple[AnalysisState, str]:
    """The nuisance models alone (auto: chosen by cross-validation)."""
    if word not in NUISANCES:
        raise InputError(f"unknown nuisance setting {word!r}; choose one of {', '.join(NUISANCES)}")
    nuisance = NUISANCES[word]
    request = state.request.model_copy(update={"nuisance": nuisance})
    state = state.model_copy(update={"request": request})
    if state.plan is not None:
        rationale = [
            *state.plan.rationale,
            f"nuisance models set to {nuisance} by the user in chat",
        ]
        plan = state.plan.model_copy(update={"nuisance": nuisance, "rationale": rationale})
        state = invalidate(state.model_copy(update={"plan": plan}), "estimate")
    words = f"nuisance models: {nuisance.replace('_', ' ')}"
    return with_record(state, f"/nuisance {word}: {words}"), words


def set_steering(state: AnalysisState, setting: str, value: str) -> tuple[AnalysisState, str]:
    """`/estimand ate|att|atc`, `/reference LEVEL|auto`, `/dose on|off`, `/modifiers COLS|all`:
    the request field changes and estimation onwards is stale (the estimate checks the value
    against the data and says what is wrong)."""
    value = value.strip()
    if setting == "estimand":
        if value.lower() not in ("ate", "att", "atc"):
            raise InputError("usage: /estimand ate|att|atc")
        update: dict = {"estimand": value.lower()}
    elif setting == "reference":
        update = {"reference": None if value.lower() == "auto" else value}
    elif setting == "dose":
        if value.lower() not in ("on", "off"):
            raise InputError("usage: /dose on|off (on: integer codes are a dose, not levels)")
        update = {"dose": value.lower() == "on"}
    elif setting == "modifiers":
        names = [c.strip() for c in value.split(",") if c.strip()]
        if state.profile is not None and value.lower() != "all":
            for name in names:
                require_column(name, state.profile.analysis_columns, "/modifiers:")
        update = {"modifiers": None if value.lower() == "all" else names}
    else:
        raise InputError(f"unknown setting {setting!r}")
    request = state.request.model_copy(update=update)
    state = state.model_copy(update={"request": request})
    if state.plan is not None:
        state = invalidate(state, "estimate")
    return with_record(state, f"/{setting} {value}"), f"{setting}: {value}"
