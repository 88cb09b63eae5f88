"""What a chat line asks for: a slash command, or free text read as an intent.

Slash commands are parsed exactly (unknown ones get the closest command suggested). Free text is
read by the LLM when one is configured (its answer must pick an intent from the fixed menu and
name only columns of the data), else by these offline keyword rules, tried in order:

1. a pasted Corr2Cause or CLadder question (a premise and a hypothesis, or a story of direct
   effects ending in a question) -> answered through the text path;
2. starts with "why" -> explain (the rest is the topic: "why did you use a forest?");
3. "is X a confounder / a cause of ..." -> answered from the graph;
4. edge edits: "drop|remove|delete the edge (from) A (to|->) B", "forbid A -> B",
   "A does not cause B", "add an edge (from) A (to|->) B";
5. "use (a) linear | boosting | forest | trees | auto ..." -> change the estimator;
6. "(set the) treatment|outcome (is|to) X";
7. one word commands: run, graph, report, undo, profile, help, quit;
8. an effect question naming two columns ("what is the effect of smoking on weight?") -> set
   treatment and outcome and run (the question rules of `agent analyze --question`).
"""

from __future__ import annotations

import difflib
import re
from typing import Literal

from pydantic import BaseModel

from agent.llm.ask import AnswerRejected, ask
from agent.llm.base import LLMClient
from agent.text import detect_kind
from agent.text.errors import ParseError
from tools.effects.cate import estimator_name
from tools.errors import InputError
from tools.graph_edit import parse_edge
from tools.question import map_question, mentions

Kind = Literal[
    "help",
    "data",
    "profile",
    "graph",
    "edge",
    "treatment",
    "outcome",
    "ask_effect",
    "estimator",
    "nuisance",
    "steer",
    "answer",
    "run",
    "report",
    "why",
    "undo",
    "sessions",
    "quit",
    "confounder",
    "text_question",
]

COMMANDS: dict[str, str] = {
    "/help": "this list",
    "/data PATH": "analyse another table (starts a new analysis in this session)",
    "/profile": "the columns: types, missing values, exclusions",
    "/graph": "the current causal graph, drawn here and saved as an image",
    "/edge add|remove|forbid A->B": "edit the graph (identification onwards re-runs)",
    "/treatment X": "set the treatment column",
    "/outcome Y": "set the outcome column",
    "/estimator NAME|auto": "the per-row effect model: linear (LinearDML with linear nuisances), "
    "forest, dr, s, t, x, a full name (linear_dml, ...), or auto (estimation onwards re-runs)",
    "/nuisance auto|boosting|linear": "the nuisance models (estimation onwards re-runs)",
    "/estimand ate|att|atc": "what the headline answers",
    "/reference LEVEL|auto": "the treatment level every contrast is against",
    "/dose on|off": "read integer treatment codes as a dose (on) or as levels (off)",
    "/modifiers COLS|all": "the columns that may modify the effect (the others: controls only)",
    "/answer VAR yes|no": "answer a decisive question: can the treatment change VAR?",
    "/run [all]": "run what is stale (all: everything, re-learning the graph)",
    "/report": "write report.md, report.html, graph.png and result.json, as `agent analyze`",
    "/why [topic]": "explain the last decision (or: estimator, adjustment, graph, plan)",
    "/undo": "go back one turn",
    "/sessions": "list saved sessions",
    "/quit": "leave (Ctrl-D too); the session is kept",
}
ESTIMATOR_WORDS = {
    "auto": "auto",
    "automatic": "auto",
    "select": "auto",
    "boosting": "boosting",
    "gradient boosting": "boosting",
    "trees": "boosting",
    "tree": "boosting",
    "linear": "linear",
    "lasso": "linear",
    "linear model": "linear",
    "forest": "causal_forest_dml",
    "causal forest": "causal_forest_dml",
    "random forest": "causal_forest_dml",
    "dr learner": "dr_learner",
    "s learner": "s_learner",
    "t learner": "t_learner",
    "x learner": "x_learner",
}
"""Words for `/estimator` and "use ...": `linear` is LinearDML with linear nuisance models,
`boosting` the nuisance models alone, the others a candidate (`agent.chat.edits`)."""
STEERING = ("/estimand", "/reference", "/dose", "/modifiers")


class Intent(BaseModel):
    kind: Kind
    arg: str | None = None
    """The command's argument: a path, a column, an estimator name, a topic, `all`."""
    op: Literal["add", "remove", "forbid"] | None = None
    source: str | None = None
    target: str | None = None
    treatment: str | None = None
    outcome: str | None = None
    text: str | None = None
    """The line itself, for a pasted textual question."""


def command_names() -> list[str]:
    return [c.split()[0] for c in COMMANDS]


def parse_command(line: str) -> Intent:
    """A slash command; an unknown one is an InputError naming the closest command."""
    head, _, rest = line.strip().partition(" ")
    name, rest = head.lower(), rest.strip()
    simple = {
        "/help": "help",
        "/profile": "profile",
        "/graph": "graph",
        "/run": "run",
        "/report": "report",
        "/why": "why",
        "/undo": "undo",
        "/sessions": "sessions",
        "/quit": "quit",
        "/exit": "quit",
    }
    needs_arg = {"/data": "data", "/treatment": "treatment", "/outcome": "outcome"}
    if name in simple:
        return Intent(kind=simple[name], arg=rest or None)
    if name in needs_arg:
        if not rest:
            raise InputError(f"{name} needs an argument: {name} {_usage(name)}")
        return Intent(kind=needs_arg[name], arg=rest)
    if name == "/estimator":
        word = rest.lower().replace("-", " ").replace("_", " ")
        choice = ESTIMATOR_WORDS.get(word)
        if choice is None:
            try:
                choice = estimator_name(rest)
            except InputError:
                raise InputError(
                    "usage: /estimator auto|linear|forest|dr|s|t|x|boosting, or a full name "
                    "(linear_dml, causal_forest_dml, dr_learner, s_learner, t_learner, x_learner)"
                ) from None
        return Intent(kind="estimator", arg=choice)
    if name == "/nuisance":
        if rest.lower() not in ("auto", "boosting", "linear"):
            raise InputError("usage: /nuisance auto|boosting|linear")
        return Intent(kind="nuisance", arg=rest.lower())
    if name in STEERING:
        if not rest:
            raise InputError(f"{name} needs an argument: {name} {_usage(name)}")
        return Intent(kind="steer", op=None, source=name[1:], arg=rest)
    if name == "/answer":
        variable, _, answer = rest.rpartition(" ")
        if not variable.strip() or answer.lower() not in ("yes", "no"):
            raise InputError("usage: /answer VARIABLE yes|no (can the treatment change it?)")
        return Intent(kind="answer", arg=answer.lower(), source=variable.strip())
    if name == "/edge":
        op, _, edge = rest.partition(" ")
        if op not in ("add", "remove", "forbid") or not edge.strip():
            raise InputError("usage: /edge add|remove|forbid A->B")
        source, target = parse_edge(edge)
        return Intent(kind="edge", op=op, source=source, target=target)
    close = difflib.get_close_matches(name, [*command_names(), "/exit"], n=1, cutoff=0.5)
    hint = f"; did you mean {close[0]}?" if close else ""
    raise InputError(f"unknown command {head}{hint} (/help lists them)")


def _usage(name: str) -> str:
    return next(c.split(" ", 1)[1] for c in COMMANDS if c.startswith(name + " "))


# --------------------------------------------------------------------------- offline rules

EDGE_VERB = r"(?P<verb>drop|remove|delete|forbid|add)"
EDGE_PHRASE = re.compile(
    EDGE_VERB + r"\s+(?:the\s+|an\s+|a\s+)?(?:edge|arrow|link)?\s*(?:from\s+)?(?P<a>.+?)"
    r"\s*(?:->|→|\bto\b|\binto\b)\s*(?P<b>.+)"
)
NOT_CAUSE = re.compile(
    r"(?P<a>.+?)\s+(?:does not|doesn't|do not|don't|cannot|can't)\s+cause\s+(?P<b>.+)"
)
CONFOUNDER = re.compile(r"^(?:is|are)\s+(?P<x>.+?)\s+an?\s+(?:confounder|common cause|cause)\b")
USE = re.compile(
    r"^(?:please\s+)?(?:use|try|switch to)\s+(?:an?\s+|the\s+)?(?P<what>[a-z ]+?)"
    r"(?:\s+(?:model|models|estimator|nuisances?))*\s*$"
)
ROLE = re.compile(
    r"^(?:set\s+)?(?:the\s+)?(?P<role>treatment|outcome)\s+(?:is|to|=|:)?\s*(?P<x>\S+)$"
)
WORDS = {
    "run": "run",
    "go": "run",
    "rerun": "run",
    "re-run": "run",
    "graph": "graph",
    "show the graph": "graph",
    "show graph": "graph",
    "report": "report",
    "write the report": "report",
    "undo": "undo",
    "profile": "profile",
    "help": "help",
    "quit": "quit",
    "exit": "quit",
    "bye": "quit",
}


def _one(segment: str, columns: list[str]) -> str | None:
    named = mentions(segment, columns)
    return named[0][1] if len(named) == 1 else None


BENCHMARK_MARKERS = re.compile(
    r"hypothesis\s*:|closed system of|self-contained, hypothetical world|has a direct effect on"
)


def is_text_question(text: str) -> bool:
    """A pasted benchmark-style question: a Corr2Cause premise and hypothesis, or a CLadder
    story of direct effects, that the text path can parse."""
    if not BENCHMARK_MARKERS.search(text.lower()):
        return False
    try:
        detect_kind(text)
    except ParseError:
        return False
    return True


def rule_intent(text: str, columns: list[str]) -> Intent | None:
    """The offline keyword rules of the module docstring; None when none fires."""
    if is_text_question(text):
        return Intent(kind="text_question", text=text)
    low = re.sub(r"\s+", " ", text.strip().lower()).rstrip("?!. ")
    if low.startswith("why"):
        return Intent(kind="why", arg=low[3:].strip() or None)
    if m := CONFOUNDER.match(low):
        column = _one(m["x"], columns)
        if column:
            return Intent(kind="confounder", arg=column)
    if m := EDGE_PHRASE.search(low):
        a, b = _one(m["a"], columns), _one(m["b"], columns)
        if a and b and a != b:
            op = {"drop": "remove", "delete": "remove"}.get(m["verb"], m["verb"])
            return Intent(kind="edge", op=op, source=a, target=b)
    if m := NOT_CAUSE.search(low):
        a, b = _one(m["a"], columns), _one(m["b"], columns)
        if a and b and a != b:
            return Intent(kind="edge", op="forbid", source=a, target=b)
    if (m := USE.match(low)) and m["what"].strip() in ESTIMATOR_WORDS:
        return Intent(kind="estimator", arg=ESTIMATOR_WORDS[m["what"].strip()])
    if m := ROLE.match(low):
        column = _one(m["x"], columns) or m["x"]
        return Intent(kind=m["role"], arg=column)
    if low in WORDS:
        return Intent(kind=WORDS[low])
    try:
        mapping = map_question(text, columns)
    except InputError:
        return None
    return Intent(kind="ask_effect", treatment=mapping.treatment, outcome=mapping.outcome)


# --------------------------------------------------------------------------- LLM


class IntentAnswer(BaseModel):
    """What the LLM may answer: one intent from the menu and the columns it names."""

    intent: Literal[
        "ask_effect",
        "treatment",
        "outcome",
        "edge_add",
        "edge_remove",
        "edge_forbid",
        "estimator",
        "confounder",
        "why",
        "run",
        "graph",
        "report",
        "profile",
        "help",
        "unknown",
    ]
    treatment: str | None = None
    outcome: str | None = None
    source: str | None = None
    target: str | None = None
    column: str | None = None
    estimator: Literal["auto", "boosting", "linear"] | None = None
    topic: str | None = None


NEEDS = {
    "ask_effect": ("treatment", "outcome"),
    "treatment": ("column",),
    "outcome": ("column",),
    "edge_add": ("source", "target"),
    "edge_remove": ("source", "target"),
    "edge_forbid": ("source", "target"),
    "estimator": ("estimator",),
    "confounder": ("column",),
}


def _from_answer(answer: IntentAnswer) -> Intent | None:
    kind = answer.intent
    if kind == "unknown":
        return None
    if kind.startswith("edge_"):
        return Intent(kind="edge", op=kind[5:], source=answer.source, target=answer.target)
    if kind == "ask_effect":
        return Intent(kind=kind, treatment=answer.treatment, outcome=answer.outcome)
    if kind in ("treatment", "outcome", "confounder"):
        return Intent(kind=kind, arg=answer.column)
    if kind == "estimator":
        return Intent(kind=kind, arg=answer.estimator)
    return Intent(kind=kind, arg=answer.topic if kind == "why" else None)


def llm_intent(llm: LLMClient, text: str, columns: list[str]) -> tuple[Intent | None, list[str]]:
    """The LLM's reading of `text`, checked: fields the intent needs are given and every named
    column exists. (None, warnings) when it cannot answer or the answer fails the check."""

    def check(answer: IntentAnswer) -> None:
        missing = [f for f in NEEDS.get(answer.intent, ()) if not getattr(answer, f)]
        if missing:
            raise AnswerRejected(f"intent {answer.intent} needs {', '.join(missing)}")
        named = [answer.treatment, answer.outcome, answer.source, answer.target, answer.column]
        unknown = sorted({n for n in named if n and n not in columns})
        if unknown:
            raise AnswerRejected(f"unknown column(s) {unknown}; use names from the list exactly")

    asked = ask(llm, "intent", IntentAnswer, check, text=text, columns=columns)
    if asked.answer is None:
        return None, asked.warnings
    return _from_answer(asked.answer), asked.warnings


def interpret(line: str, columns: list[str], llm: LLMClient) -> tuple[Intent | None, list[str]]:
    """The intent of one chat line: slash command, pasted question, LLM, then offline rules."""
    if line.lstrip().startswith("/"):
        return parse_command(line), []
    if is_text_question(line):
        return Intent(kind="text_question", text=line), []
    intent, warnings = llm_intent(llm, line, columns)
    if intent is not None:
        return intent, warnings
    return rule_intent(line, columns), warnings
