"""Reading chat lines: slash commands, the documented offline rules, and the checked LLM role."""

import pytest

from agent.chat.intents import Intent, interpret, parse_command, rule_intent
from agent.llm.offline import OfflineLLM
from tests.agent.test_text_path import CLADDER, CORR2CAUSE
from tools.errors import InputError

COLUMNS = ["age", "income", "smoking", "weight", "prior_earnings"]


def read(line: str, llm=None) -> Intent | None:
    return interpret(line, COLUMNS, llm or OfflineLLM())[0]


def test_slash_commands_and_suggestions_for_unknown_ones():
    assert read("/edge forbid income->age") == Intent(
        kind="edge", op="forbid", source="income", target="age"
    )
    assert read("/estimator forest") == Intent(kind="estimator", arg="causal_forest_dml")
    assert read("/estimator x_learner") == Intent(kind="estimator", arg="x_learner")
    assert read("/estimand att") == Intent(kind="steer", source="estimand", arg="att")
    assert read("/nuisance boosting") == Intent(kind="nuisance", arg="boosting")
    with pytest.raises(InputError, match="usage: /estimator"):
        parse_command("/estimator magic")
    assert read("/run all") == Intent(kind="run", arg="all")
    assert read("/treatment smoking") == Intent(kind="treatment", arg="smoking")
    with pytest.raises(InputError, match="did you mean /graph"):
        parse_command("/grpah")
    with pytest.raises(InputError, match="usage: /edge add"):
        parse_command("/edge flip a->b")
    with pytest.raises(InputError, match="/treatment needs an argument"):
        parse_command("/treatment")


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (
            "what is the effect of smoking on weight?",
            Intent(kind="ask_effect", treatment="smoking", outcome="weight"),
        ),
        ("is age a confounder?", Intent(kind="confounder", arg="age")),
        (
            "drop the edge from income to age",
            Intent(kind="edge", op="remove", source="income", target="age"),
        ),
        (
            "Income does not cause age",
            Intent(kind="edge", op="forbid", source="income", target="age"),
        ),
        (
            "add an edge from prior earnings to income",
            Intent(kind="edge", op="add", source="prior_earnings", target="income"),
        ),
        ("why did you use a forest?", Intent(kind="why", arg="did you use a forest")),
        ("use a linear model", Intent(kind="estimator", arg="linear")),
        ("set the treatment to smoking", Intent(kind="treatment", arg="smoking")),
        ("run", Intent(kind="run")),
        ("tell me a joke", None),
    ],
)
def test_offline_rules_read_the_issue_examples(line, expected):
    assert rule_intent(line, COLUMNS) == expected


def test_pasted_benchmark_questions_go_to_the_text_path():
    for text in (CLADDER, CORR2CAUSE):
        assert read(text) == Intent(kind="text_question", text=text)
    # an ordinary question that mentions causes is not mistaken for one
    assert read("what causes weight, smoking or income?") is None


def test_the_llm_reads_free_text_and_is_checked_against_the_columns():
    llm = OfflineLLM({"intent": {"intent": "edge_remove", "source": "income", "target": "age"}})
    intent, warnings = interpret("get rid of that income arrow into age", COLUMNS, llm)
    assert intent == Intent(kind="edge", op="remove", source="income", target="age")
    assert warnings == [] and llm.usage.calls == 1
    # an invented column is rejected twice, then the offline rules answer, with a warning
    bad = OfflineLLM({"intent": {"intent": "confounder", "column": "wealth"}})
    intent, warnings = interpret("is age a confounder?", COLUMNS, bad)
    assert intent == Intent(kind="confounder", arg="age")
    assert bad.usage.calls == 2 and "unknown column(s) ['wealth']" in warnings[0]
    # slash commands never reach the LLM
    assert interpret("/graph", COLUMNS, llm)[0] == Intent(kind="graph") and llm.usage.calls == 1
