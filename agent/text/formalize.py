"""Text -> formal problem (LLM structured output or offline parser) -> computed answer.

The LLM path asks `llm.structured(..., schema=<formal object>, task="formalize_<kind>")` and
checks the answer against the text (every variable must be named in it; cycles and unknown
variables are rejected by the formal objects' validators). A rejected or unsupported LLM answer
falls back to the deterministic parser with a warning, so the numbers always come from tools.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Literal

from pydantic import ValidationError

from agent.llm.base import LLMClient, Message
from agent.llm.errors import LLMError
from agent.prompts import render_prompt
from agent.text import lexicon
from agent.text.cladder import parse_cladder
from agent.text.corr2cause import parse_corr2cause
from agent.text.errors import ParseError
from tools.corr2cause_semantics import Semantics
from tools.formal import Answer, CLadderProblem, Corr2CauseProblem
from tools.inference import reason

Kind = Literal["corr2cause", "cladder"]
Problem = Corr2CauseProblem | CLadderProblem
SCHEMAS: dict[str, type[Corr2CauseProblem] | type[CLadderProblem]] = {
    "corr2cause": Corr2CauseProblem,
    "cladder": CLadderProblem,
}


@dataclass(frozen=True)
class Formalized:
    problem: Problem
    kind: Kind
    source: Literal["parser", "llm"]
    warnings: tuple[str, ...] = ()


def detect_kind(text: str) -> Kind:
    """Which benchmark language the text is written in."""
    low = text.lower()
    if re.search(r"hypothesis\s*:", low) or re.search(r"closed system of .{0,20}variables", low):
        return "corr2cause"
    if "direct effect on" in low or re.search(r"\bcauses?\b.*\?", low, re.S):
        return "cladder"
    raise ParseError(
        "not a textual causal question: expected a Corr2Cause premise and hypothesis or a "
        "CLadder story ('X has a direct effect on Y') ending in a question"
    )


def _parse(text: str, kind: Kind) -> Problem:
    return parse_corr2cause(text) if kind == "corr2cause" else parse_cladder(text)


def _names(problem: Problem) -> list[str]:
    if isinstance(problem, Corr2CauseProblem):
        return list(problem.variables)
    return list(problem.graph.nodes)


def _check_against_text(problem: Problem, text: str) -> None:
    """Every variable the model used must be named in the text (no invented variables)."""
    for name in _names(problem):
        if re.search(rf"(?<![\w-]){re.escape(name)}(?![\w-])", text, re.I):
            continue
        if isinstance(problem, CLadderProblem) and lexicon.name_score(text, name) >= 0.5:
            continue
        raise ValueError(f"variable {name!r} is not mentioned in the text")


def _ask_llm(text: str, kind: Kind, llm: LLMClient) -> Problem:
    schema = SCHEMAS[kind]
    task = f"formalize_{kind}"
    prompt = render_prompt(task, text=text, schema=json.dumps(schema.model_json_schema()))
    messages: list[Message] = [{"role": "user", "content": prompt}]
    problem = llm.structured(messages, schema, task=task)
    if not isinstance(problem, schema):
        raise ValueError(
            f"the model answered a {type(problem).__name__}, expected {schema.__name__}"
        )
    _check_against_text(problem, text)
    return problem


def _why(err: Exception) -> str:
    if isinstance(err, ValidationError) and err.errors():
        first = err.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        return f"{where}: {first['msg']}" if where else first["msg"]
    return str(err).splitlines()[0]


def formalize_verbose(text: str, llm: LLMClient | None = None) -> Formalized:
    """The formal problem plus where it came from and what went wrong on the way."""
    kind = detect_kind(text)
    task = f"formalize_{kind}"
    if llm is not None and llm.supports(task):
        try:
            return Formalized(_ask_llm(text, kind, llm), kind, "llm")
        except (ValidationError, ValueError, LLMError) as err:
            warning = f"LLM formalisation rejected ({_why(err)}); used the offline parser"
            return Formalized(_parse(text, kind), kind, "parser", (warning,))
    return Formalized(_parse(text, kind), kind, "parser")


def formalize(text: str, llm: LLMClient | None = None) -> Problem:
    """Text in either benchmark language -> `Corr2CauseProblem` or `CLadderProblem`."""
    return formalize_verbose(text, llm).problem


def answer_question(
    text: str, llm: LLMClient | None = None, *, semantics: Semantics = "textbook"
) -> Answer:
    """Formalise the question, compute the answer with tools, keep the derivation.

    `semantics` is the reading of a Corr2Cause hypothesis (`tools.corr2cause_semantics`).
    """
    done = formalize_verbose(text, llm)
    answer = reason(done.problem, semantics=semantics)
    who = "LLM" if done.source == "llm" else "offline parser"
    head = f"Formalised by the {who} as a {done.kind} problem."
    return answer.model_copy(
        update={
            "method": f"{done.source}+{answer.method}",
            "derivation": (head, *answer.derivation),
            "warnings": (*done.warnings, *answer.warnings),
        }
    )
