"""The text path of the state machine (intake -> formalize -> reason -> critique_answer ->
respond) and the `agent ask` / `agent eval` commands."""

import json

from typer.testing import CliRunner

from agent.config import resolve_settings
from agent.context import RunContext
from agent.llm.offline import OfflineLLM
from agent.run import run_analysis
from agent.state import AnalysisRequest
from agent.text import formalize

CLADDER = (
    "Imagine a self-contained, hypothetical world with only the following conditions, and "
    "without any unmentioned factors or causal relationships: Smoking has a direct effect on tar "
    "deposit. Tar deposit has a direct effect on lung cancer. For nonsmokers, the probability of "
    "lung cancer is 20%. For smokers, the probability of lung cancer is 60%. Will smoking "
    "increase the chance of lung cancer?"
)
# A collider: A and C are independent, both correlate with B -> A directly causes B in every DAG.
CORR2CAUSE = (
    "Premise: Suppose there is a closed system of 3 variables, A, B and C. All the statistical "
    "relations among these 3 variables are as follows: A correlates with B. B correlates with C. "
    "A is independent of C.\nHypothesis: A directly causes B."
)


def run_text(text: str, llm=None):
    ctx = RunContext(settings=resolve_settings(env={}), llm=llm or OfflineLLM())
    return run_analysis(AnalysisRequest(text=text), ctx)


def test_cladder_question_is_computed_with_its_derivation():
    state = run_text(CLADDER)
    assert [r.node for r in state.trail] == [
        "intake",
        "formalize",
        "reason",
        "critique_answer",
        "respond",
    ]
    assert state.answer.answer == "yes" and abs(state.answer.value - 0.4) < 1e-9
    assert any("ATE" in line for line in state.answer.derivation)
    assert state.critique.verdict == "robust" and state.formal_source == "parser"


def test_corr2cause_collider_orients_into_the_middle():
    state = run_text(CORR2CAUSE)
    assert state.answer.answer == "yes"
    flipped = run_text(CORR2CAUSE.replace("A directly causes B.", "B directly causes A."))
    assert flipped.answer.answer == "no"


def test_an_llm_formalisation_that_disagrees_with_the_parser_is_flagged():
    parsed = formalize(CLADDER)
    # The scripted LLM swaps the two given probabilities: a wrong reading of the text.
    given = [g.model_copy(update={"value": 1 - g.value}) for g in parsed.given]
    wrong = parsed.model_copy(update={"given": tuple(given)})
    state = run_text(CLADDER, OfflineLLM({"formalize_cladder": wrong}))
    assert state.formal_source == "llm" and state.answer.answer == "no"
    check = {c.name: c for c in state.critique.checks}["formalisations_agree"]
    assert not check.passed and state.critique.verdict == "fragile"


def test_ask_prints_answer_and_derivation_and_json():
    runner = CliRunner()
    plain = runner.invoke(app_cli(), ["ask", CLADDER, "-q"])
    assert plain.exit_code == 0, plain.output
    assert plain.output.splitlines()[0] == "yes"
    as_json = runner.invoke(app_cli(), ["ask", CORR2CAUSE, "-q", "--json"])
    payload = json.loads(as_json.output)
    assert payload["answer"]["answer"] == "yes" and payload["formal"]["kind"] == "corr2cause"


def test_ask_rejects_text_in_neither_language():
    result = CliRunner().invoke(app_cli(), ["ask", "what is love?", "-q"])
    assert result.exit_code == 2
    assert result.output.strip().startswith("error: not a textual causal question")


def test_eval_commands_score_the_generated_suites(tmp_path):
    runner = CliRunner()
    for suite in ("corr2cause", "cladder"):
        result = runner.invoke(
            app_cli(), ["eval", suite, "--limit", "60", "--out", str(tmp_path / suite)]
        )
        assert result.exit_code == 0, result.output
        summaries = list((tmp_path / suite).glob("*-summary.json"))
        assert len(summaries) == 1
        summary = json.loads(summaries[0].read_text())
        logged = (tmp_path / suite).glob("*.jsonl")
        assert sum(1 for line in next(logged).open()) == 60
        assert summary["scores"]["accuracy"] >= 0.9, summary["scores"]
    needs_llm = runner.invoke(
        app_cli(),
        ["eval", "cladder", "--solver", "direct", "--limit", "5", "--out", str(tmp_path / "d")],
    )
    assert needs_llm.exit_code == 2 and "needs an LLM" in needs_llm.output


def app_cli():
    from agent.cli import app

    return app
