"""identify: decide how the effect can be computed, and what the answer depends on.

A graph the user declared (`--graph`, replace mode) is believed: back-door, front-door or IV on a
DAG, every member of an equivalence class on a CPDAG (`tools.effects.identification`). A graph
learned from the data is not bet on: the adjustment set comes from the pre-treatment rule over
the ensemble of resampled graphs, the knowledge and any answers (`tools.effects.adjustment`), and
the positions the data leave open become questions, kept when their answer moves the number
(`tools.effects.questions`). With an LLM that supports the task "decisive_question", each kept
question is put to it (concurrently, one per variable; answers validated, "unsure" ignored) and its
answers are used like tiers. A graph naming a column that is not analysed is an input error.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel

from agent.context import RunContext
from agent.llm.ask import AnswerRejected, ask
from agent.llm.concurrency import map_concurrent
from agent.nodes.base import Step, node
from agent.nodes.estimate import categorical_columns
from agent.nodes.series import identify_series
from agent.state import AnalysisState
from tools.effects.adjustment import identify_learned
from tools.effects.graph_sets import check_graph_nodes
from tools.effects.identification import identify as identify_effect
from tools.effects.questions import dependent_on_treatment, screen
from tools.types import DecisiveQuestion, IdentificationResult

TASK = "decisive_question"
CONCURRENCY = 4


class QuestionAnswer(BaseModel):
    """The LLM's answer to one decisive question."""

    answer: Literal["yes", "no", "unsure"]
    rationale: str = ""


def summary(result: IdentificationResult) -> str:
    if result.status == "not_identified":
        return f"not identified: {result.reason}"
    if result.status == "possible_effects":
        return (
            f"not identified in every DAG of the class: {len(result.possible_sets)} possible "
            f"effect(s) over {result.members} DAG(s)"
        )
    if result.strategy == "none":
        return "the graph implies no effect (no directed path)"
    if result.strategy == "frontdoor":
        return f"identified by front-door through {', '.join(result.mediators)}"
    if result.strategy == "iv":
        return f"identified by instrument(s) {', '.join(result.instruments)}"
    adjust = ", ".join(result.adjustment_set) or "nothing"
    asked = f"; {len(result.questions)} decisive question(s)" if result.questions else ""
    return f"identified by back-door; adjust for {adjust}{asked}"


def is_learned(state: AnalysisState) -> bool:
    """The graph came from the data (possibly seeded), has no declared hidden confounders."""
    if state.user_graph is not None and state.request.graph_mode == "replace":
        return False
    graph = state.graph
    if any(e.mark in ("<->", "o->", "o-o") for e in graph.edges):
        return False
    return not (state.knowledge and state.knowledge.latent)


def llm_answers(
    state: AnalysisState, ctx: RunContext, questions: tuple[DecisiveQuestion, ...]
) -> tuple[dict[str, Literal["yes", "no"]], list[str]]:
    """The LLM's yes/no answers to the questions (unsure and failed ones left out)."""
    if not questions or not ctx.llm.supports(TASK):
        return {}, []
    descriptions = state.knowledge.descriptions if state.knowledge else {}
    variables = [
        {"name": c, "description": descriptions.get(c, "")} for c in state.profile.analysis_columns
    ]

    def check(answer: QuestionAnswer) -> None:
        if answer.answer not in ("yes", "no", "unsure"):
            raise AnswerRejected("answer must be yes, no or unsure")

    def one(q: DecisiveQuestion):
        return ask(
            ctx.llm,
            TASK,
            QuestionAnswer,
            check,
            variables=variables,
            treatment=state.treatment,
            outcome=state.outcome,
            variable=q.variable,
            question=q.question,
        )

    results = map_concurrent(one, questions, CONCURRENCY)
    answers: dict[str, Literal["yes", "no"]] = {}
    warnings: list[str] = []
    for q, asked in zip(questions, results, strict=True):
        warnings.extend(asked.warnings)
        if asked.answer is not None and asked.answer.answer != "unsure":
            answers[q.variable] = asked.answer.answer
    return answers, warnings


@node("identify", needs=("discovery", "treatment", "outcome"))
def identify(state: AnalysisState, ctx: RunContext) -> Step:
    if state.request.time:
        return identify_series(state, ctx)
    graph = state.graph
    check_graph_nodes(graph, state.profile.analysis_columns)
    if not is_learned(state):
        single = identify_effect(graph, state.treatment, state.outcome)
        return Step(
            updates={"identification": single},
            summary=summary(single),
            warnings=list(single.warnings),
        )
    req = state.request
    frame = ctx.tables.prepared(req.data_path, req.max_rows, req.seed, state.profile).frame
    categorical = categorical_columns(state)
    replicas = state.discovery.replicas

    covariates = tuple(c for c in graph.nodes if c not in (state.treatment, state.outcome))
    dependent = dependent_on_treatment(frame, state.treatment, covariates, categorical)

    def learned(answers: dict[str, str]) -> IdentificationResult:
        result = identify_learned(
            graph,
            replicas,
            state.treatment,
            state.outcome,
            state.knowledge,
            answers,
            dependent=dependent,
        )
        kept = screen(
            frame,
            state.treatment,
            state.outcome,
            result.adjustment_set,
            result.questions,
            categorical,
        )
        return result.model_copy(update={"questions": kept})

    answers: dict[str, str] = {v: a for v, a in state.answers.items() if v in graph.nodes}
    result = learned(answers)
    warnings: list[str] = []
    llm, llm_warnings = llm_answers(state, ctx, result.questions)
    warnings.extend(llm_warnings)
    if llm:
        result = learned({**llm, **answers})  # the user's own answers win
        result = result.model_copy(
            update={
                "diagnostics": {**result.diagnostics, "llm_answers": llm},
                "answers": {**{v: f"{a} (LLM)" for v, a in llm.items()}, **answers},
            }
        )
    if result.questions:
        warnings.append(
            "the estimate depends on what the data cannot decide: "
            + "; ".join(f"{q.question} (assumed {q.assumed})" for q in result.questions)
            + "; the report gives the effect under each answer"
        )
    return Step(updates={"identification": result}, summary=summary(result), warnings=warnings)
