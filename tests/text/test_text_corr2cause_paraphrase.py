"""Paraphrase robustness: the parser reads each rewrite as the original, or says it cannot."""

from __future__ import annotations

import pytest

from agent.text import ParseError
from agent.text.corr2cause import parse_corr2cause
from evals.corr2cause.generate import generate
from evals.corr2cause.paraphrase import KINDS, paraphrase, read_row
from evals.solvers import agent_solver
from tools.corr2cause import _facts

ROWS = generate(3, style="original", sizes=(4, 5), graphs_per_size=2)[::4]


def _meaning(text: str) -> tuple[object, ...]:
    """What the problem says, by position: renamed or reordered wordings compare equal."""
    p = parse_corr2cause(text)
    name, facts = _facts(p.variables, p.statements)
    h = p.hypothesis
    flip = {"child": "parent", "non_child_descendant": "non_parent_ancestor"}
    x, y = (name[h.y], name[h.x]) if h.relation in flip else (name[h.x], name[h.y])
    if h.relation in ("common_cause", "common_effect"):
        x, y = sorted((x, y))
    return facts, flip.get(h.relation, h.relation), x, y


def test_every_perturbation_reads_as_the_original() -> None:
    samples, skipped = paraphrase(ROWS, seed=1)
    assert skipped == 0 and len(samples) == len(ROWS) * len(KINDS)
    base = {s.id.split("~")[0]: _meaning(s.input) for s in samples if s.id.endswith("~none")}
    declined = 0
    for s in samples:
        if s.metadata["perturbation"] == "free":  # freer wording: the same meaning, or refused
            try:
                assert _meaning(s.input) == base[s.id.split("~")[0]], s.input
            except ParseError:
                declined += 1
            continue
        assert _meaning(s.input) == base[s.id.split("~")[0]], s.input
    assert declined > 0
    kinds = {s.metadata["perturbation"] for s in samples if s.input not in {r.input for r in ROWS}}
    assert kinds == set(KINDS) - {"none"}  # every rewrite changed the text


def test_rows_in_another_wording_are_skipped() -> None:
    assert read_row("Premise: A correlates with B.\nHypothesis: A causes B.") is None


@pytest.mark.parametrize(
    "hypothesis",
    [
        "A does not directly cause B.",  # a negation the templates do not have
        "A causes B and C.",  # three variables
        "No variable causes both A and B.",
    ],
)
def test_unreadable_hypotheses_are_unparsed_not_answered(hypothesis: str) -> None:
    text = (
        "Premise: Suppose there is a closed system of 3 variables, A, B and C. All the statistical "
        "relations among these 3 variables are as follows: A correlates with B. A correlates "
        f"with C. B correlates with C.\nHypothesis: {hypothesis}"
    )
    out = agent_solver(None, "corr2cause")(text)
    assert out.answer is None and out.error


@pytest.mark.parametrize(
    "statement",
    [
        "A correlates with B but is independent of C.",  # a clause the parser cannot split
        "A and B are independent given C, which causes D.",  # the condition runs on
    ],
)
def test_statements_read_in_part_raise(statement: str) -> None:
    text = (
        "Premise: Suppose there is a closed system of 4 variables, A, B, C and D. All the "
        f"statistical relations among these 4 variables are as follows: {statement}\n"
        "Hypothesis: A directly causes B."
    )
    with pytest.raises(ParseError):
        parse_corr2cause(text)


def test_joined_statements_are_split() -> None:
    text = (
        "Premise: Suppose there is a closed system of 4 variables, rainfall, blood pressure, "
        "mood and noise. All the statistical relations among these 4 variables are as follows: "
        "rainfall correlates with blood pressure, mood and noise. blood pressure and mood are "
        "independent given rainfall, and mood is independent of noise.\n"
        "Hypothesis: rainfall is directly caused by noise."
    )
    p = parse_corr2cause(text)
    got = {(s.x, s.y, s.given, s.independent) for s in p.statements}
    assert got == {
        ("rainfall", "blood pressure", (), False),
        ("rainfall", "mood", (), False),
        ("rainfall", "noise", (), False),
        ("blood pressure", "mood", ("rainfall",), True),
        ("mood", "noise", (), True),
    }
    assert (p.hypothesis.relation, p.hypothesis.x, p.hypothesis.y) == ("child", "rainfall", "noise")


def test_run_eval_scores_the_paraphrase_suite_with_the_benchmark_reading(tmp_path) -> None:
    from rich.console import Console

    from evals.cli import run_eval
    from tools.errors import InputError

    quiet = Console(stderr=True, quiet=True)
    s = run_eval("corr2cause", paraphrase=True, limit=70, out=tmp_path, console=quiet, seed=2)
    assert s.semantics == "corr2cause" and s.dataset.endswith("-paraphrase")
    kinds = next(b.groups for b in s.breakdowns if b.key == "perturbation")
    assert set(kinds) == set(KINDS)
    assert kinds["free"].unparsed > 0  # refused, and counted as such
    assert all(kinds[k].unparsed == 0 for k in KINDS if k != "free")
    with pytest.raises(InputError):
        run_eval("cladder", paraphrase=True, out=tmp_path, console=quiet)
    with pytest.raises(InputError):
        run_eval("corr2cause", semantics="bogus", out=tmp_path, console=quiet)
