"""The adjustment rule for learned graphs and the decisive-question screen (tools.effects)."""

import numpy as np
import pandas as pd

from tools.effects.adjustment import covariate_roles, identify_learned, possible_descendants
from tools.effects.answers import scenarios
from tools.effects.questions import screen
from tools.types import CausalGraph, Edge, Knowledge


def graph(*edges: str, nodes: tuple[str, ...] = ()) -> CausalGraph:
    parsed = [e.split() for e in edges]
    names = sorted({p[0] for p in parsed} | {p[2] for p in parsed} | set(nodes))
    return CausalGraph(
        nodes=tuple(names), edges=tuple(Edge(source=s, target=t, mark=m) for s, m, t in parsed)
    )


def roles_by_name(*args, **kwargs):
    return {r.name: r for r in covariate_roles(*args, **kwargs)}


def test_possible_descendants_follow_undirected_edges_but_not_hidden_confounders():
    g = graph("t --> y", "t --- m", "m --> w", "a --> t", "t <-> h")
    assert possible_descendants(g, "t") == {"y", "m", "w"}
    assert g.descendants("t") == {"y"}


def test_an_undecided_orientation_is_adjusted_for_and_asked_about():
    g = graph("a --- t", "t --> y", "a --> y")
    result = identify_learned(g, (), "t", "y")
    assert result.adjustment_set == ("a",)
    (role,) = result.roles
    assert role.position == "undecided" and role.decided_by == "default"
    (q,) = result.questions
    assert q.question == "Can t change a?" and q.assumed == "no" and q.alternative_set == ()
    assert "assumed, without evidence either way" in result.assumption.lower()


def test_tiers_decide_the_position_and_leave_nothing_to_ask():
    g = graph("a --- t", "t --- m", "t --> y", "a --> y", "m --> y")
    tiers = Knowledge(tiers=(("a",), ("t",), ("m",), ("y",)))
    result = identify_learned(g, (), "t", "y", tiers)
    assert result.adjustment_set == ("a",)
    roles = {r.name: r for r in result.roles}
    assert roles["m"].position == "after" and roles["m"].decided_by == "knowledge"
    assert roles["a"].position == "before" and roles["a"].decided_by == "knowledge"
    assert result.questions == ()


def test_a_collider_oriented_in_every_resample_is_left_out_by_the_data():
    g = graph("c --> t", "t --> y", "c --> y", "t --> k", "y --> k")
    result = identify_learned(g, (g, g, g, g), "t", "y")
    assert result.adjustment_set == ("c",)
    roles = {r.name: r for r in result.roles}
    assert roles["k"].decided_by == "data" and roles["k"].descendant_share == 1.0
    assert roles["c"].position == "before" and roles["c"].decided_by == "data"


def test_an_orientation_one_graph_got_wrong_does_not_drop_a_confounder():
    """The issue's failure: the main graph lost edu -> t and oriented y -> edu, which makes edu a
    descendant of t there; most resamples keep edu -> y, so edu stays in the set."""
    wrong = graph("x --> t", "x --> y", "t --> y", "y --> edu")
    right = graph("x --> t", "x --> y", "t --> y", "edu --> y", "edu --> t")
    replicas = (right,) * 7 + (wrong,) * 3
    roles = roles_by_name(wrong, replicas, "t", "y")
    assert roles["edu"].adjusted and roles["edu"].position == "undecided"
    assert 0.3 < roles["edu"].descendant_share < 0.5
    # when nearly every resample agrees with the main graph, that is evidence
    roles = roles_by_name(wrong, (wrong,) * 9 + (right,), "t", "y")
    assert not roles["edu"].adjusted and roles["edu"].decided_by == "data"


def test_answers_win_over_the_data_and_required_paths_count_as_knowledge():
    g = graph("a --- t", "t --> y", "a --> y", "t --> b", "b --> y")
    roles = roles_by_name(g, (g,) * 5, "t", "y", answers={"a": "yes", "b": "no"})
    assert not roles["a"].adjusted and roles["a"].decided_by == "answer"
    assert roles["b"].adjusted and roles["b"].decided_by == "answer"
    roles = roles_by_name(g, (), "t", "y", Knowledge(required=(("t", "a"),)))
    assert not roles["a"].adjusted and roles["a"].decided_by == "knowledge"


def _mediated(seed: int, n: int = 3000) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    base = rng.normal(size=n)
    t = (rng.random(n) < 1 / (1 + np.exp(-0.5 * base))).astype(int)
    m = t + rng.normal(size=n)
    noise = rng.normal(size=n)
    y = t + 1.5 * m + base + rng.normal(size=n)
    return pd.DataFrame({"base": base, "t": t, "m": m, "noise": noise, "y": y})


def test_the_screen_keeps_the_questions_whose_answer_moves_the_number():
    frame = _mediated(0)
    g = graph("base --- t", "t --- m", "m --> y", "t --> y", "base --> y", "t --- noise")
    result = identify_learned(g, (), "t", "y")
    asked = {q.variable for q in result.questions}
    assert asked == {"base", "m", "noise"}
    kept = screen(frame, "t", "y", result.adjustment_set, result.questions)
    assert [q.variable for q in kept][0] == "m"  # the mediator moves it most
    assert "noise" not in {q.variable for q in kept}
    m = next(q for q in kept if q.variable == "m")
    assert m.shift > 1.0 and m.shift_se < 0.1  # excluding m adds the indirect effect, 1.5


def test_two_questions_assumed_no_also_get_the_all_yes_scenario():
    g = graph("a --- t", "b --- t", "t --> y", "a --> y", "b --> y")
    result = identify_learned(g, (), "t", "y")
    listed = scenarios(result.questions, result.adjustment_set)
    assert len(listed) == 3
    assert listed[-1][0].startswith("Yes to every question") and listed[-1][1] == ()


def test_a_question_the_data_settled_is_marked_and_an_open_one_is_not():
    g = graph("c --> t", "t --> y", "c --> y", "t --> k", "y --> k", "t --- m", "m --> y")
    result = identify_learned(g, (g,) * 4, "t", "y")
    by_variable = {q.variable: q for q in result.questions}
    assert by_variable["k"].settled and by_variable["k"].assumed == "yes"
    assert not by_variable["m"].settled and by_variable["m"].assumed == "no"


def test_the_critique_counts_open_questions_only():
    from tools.critique.assumptions import decisive_questions

    g = graph("c --> t", "t --> y", "c --> y", "t --> k", "y --> k", "t --- m", "m --> y")
    result = identify_learned(g, (g,) * 4, "t", "y")
    moved = tuple(q.model_copy(update={"shift": 1.0, "shift_se": 0.1}) for q in result.questions)
    check = decisive_questions(result.model_copy(update={"questions": moved}))
    assert not check.passed and check.value == 1.0  # m is open; k the data settled
    settled = tuple(q for q in moved if q.settled)
    check = decisive_questions(result.model_copy(update={"questions": settled}))
    assert check.passed


def test_a_dependent_covariate_without_a_path_is_not_before_by_the_data():
    """A mediator whose edge to the treatment cancelled out (given the outcome) leaves no path
    from the treatment; the missing edge alone does not decide: its dependence on t keeps it open
    """
    g = graph("t --> y", "m --> y", "b --> y", "b --- t")
    without = roles_by_name(g, (g,) * 4, "t", "y")
    assert without["m"].position == "before" and without["m"].decided_by == "data"
    roles = roles_by_name(g, (g,) * 4, "t", "y", dependent=frozenset({"m", "b"}))
    assert roles["m"].position == "undecided" and roles["m"].adjusted
    roles = roles_by_name(g, (g,) * 4, "t", "y", dependent=frozenset({"b"}))
    assert roles["m"].position == "before"  # independent of t: t cannot change it


def test_marginal_dependence_on_the_treatment_is_measured():
    from tools.effects.questions import dependent_on_treatment

    frame = _mediated(1)
    found = dependent_on_treatment(frame, "t", ("base", "m", "noise"))
    assert found == {"base", "m"}
