"""Seeded generators: reproducible, cover the space, labels from truth that the agent recovers."""

from __future__ import annotations

import random
import re
from collections import Counter

import pytest

from evals.cladder import generate as cladder_gen
from evals.cladder.scm import BinarySCM
from evals.cladder.stories import COMMONSENSE, FAMILIES, anticommonsense, confusable
from evals.corr2cause import generate as c2c_gen
from evals.solvers import agent_solver


@pytest.fixture(scope="module")
def cladder_samples():
    return cladder_gen.generate(seed=0, models_per_story=1)


def test_corr2cause_generation_is_seeded_and_balanced_enough() -> None:
    a = c2c_gen.generate(seed=1, sizes=(3, 4), graphs_per_size=4)
    b = c2c_gen.generate(seed=1, sizes=(3, 4), graphs_per_size=4)
    c = c2c_gen.generate(seed=2, sizes=(3, 4), graphs_per_size=4)
    assert [s.input for s in a] == [s.input for s in b] != [s.input for s in c]
    share = sum(s.target == "yes" for s in a) / len(a)
    assert 0.15 < share < 0.6
    assert {s.metadata["template"] for s in a} == set(c2c_gen.RELATIONS)


def test_isomorphic_dags_are_generated_once() -> None:
    dags = c2c_gen.random_dags(3, random.Random(0), count=50, tries=2000)
    assert len(dags) == 6  # the six DAGs on three unlabelled nodes
    assert len({c2c_gen.canonical(d) for d in dags}) == 6


@pytest.mark.parametrize("style", ["original", "perturbed"])
def test_agent_recovers_corr2cause_labels(style: str) -> None:
    samples = c2c_gen.generate(seed=3, style=style, sizes=(3, 4, 5), graphs_per_size=3)
    solve = agent_solver()
    tp = fp = fn = 0
    for s in samples:
        yes = solve(s.input).answer == "yes"
        tp += yes and s.target == "yes"
        fp += yes and s.target == "no"
        fn += (not yes) and s.target == "yes"
    assert 2 * tp / (2 * tp + fp + fn) >= 0.93


def test_perturbed_wording_differs_from_the_original() -> None:
    orig = c2c_gen.generate(seed=4, style="original", sizes=(4,), graphs_per_size=2)
    pert = c2c_gen.generate(seed=4, style="perturbed", sizes=(4,), graphs_per_size=2)
    assert "closed system of 4 variables, A, B" in orig[0].input
    assert " A, B" not in pert[0].input and "Consider a closed system" in pert[0].input
    rows = c2c_gen.to_public_rows(orig)
    assert set(rows[0]) == {"input", "label", "num_variables", "template"}


def test_cladder_covers_families_rungs_query_types_and_kinds(cladder_samples) -> None:
    meta = [s.metadata for s in cladder_samples]
    assert {m["graph_id"] for m in meta} == set(FAMILIES)
    assert {m["rung"] for m in meta} == {1, 2, 3}
    assert {m["query_type"] for m in meta} == set(cladder_gen.BUILDERS)
    assert {m["kind"] for m in meta} == {"commonsense", "anticommonsense", "nonsense"}
    counts = Counter(s.target for s in cladder_samples)
    assert abs(counts["yes"] - counts["no"]) < 0.1 * len(cladder_samples)
    assert cladder_gen.generate(seed=0, models_per_story=1) == cladder_samples


def test_cladder_text_is_in_the_public_language(cladder_samples) -> None:
    s = next(x for x in cladder_samples if x.metadata["query_type"] == "ate")
    assert s.input.startswith("Imagine a self-contained, hypothetical world")
    assert s.input.rstrip().endswith("?")
    assert "%" in s.input


def test_agent_accuracy_on_generated_cladder(cladder_samples) -> None:
    solve = agent_solver()
    for kind in ("commonsense", "anticommonsense", "nonsense"):
        mine = [s for s in cladder_samples if s.metadata["kind"] == kind]
        right = sum(solve(s.input).answer == s.target for s in mine)
        assert right / len(mine) >= 0.97, kind


_OUTCOME = {
    "ate": r"the chance of (?P<y>.+)\?$",
    "ett": r"likely to see (?P<y>.+?) if ",
    "correlation": r"the chance of (?P<y>.+) (?:larger|smaller) when",
    "exp_away": r"the chance of (?P<y>.+) (?:increase|decrease) when",
}


def test_questions_ask_about_the_outcome_value_the_text_states(cladder_samples) -> None:
    """As in CLadder, the outcome is named by the value whose probability the text gives."""
    checked = 0
    for s in cladder_samples:
        pattern = _OUTCOME.get(s.metadata["query_type"])
        if pattern is None:
            continue
        question = s.input.rsplit("\n\n", 1)[1]
        y = re.search(pattern, question)
        assert y, question
        assert f"probability of {y['y']} is" in s.input or f"and {y['y']} is" in s.input, s.input
        checked += 1
    assert checked > 100


_FILLER = {"the", "and", "not", "who", "has", "had", "are", "for", "with", "without", "been"}


def _stems(text: str) -> set[str]:
    return {w[:5] for w in re.findall(r"[a-z]+", text.lower()) if len(w) > 2 and w not in _FILLER}


def test_every_form_of_a_value_repeats_the_name_or_the_value_noun() -> None:
    """The house style that makes every question resolvable from the text alone."""
    seen = 0
    for story in COMMONSENSE:
        for var in story.roles.values():
            assert var.noun[0] != var.noun[1]
            for v in (0, 1):
                forms = [var.sentence[v], var.where[v], var.partial[v], var.condition[v]]
                for form in filter(None, forms):
                    assert _stems(form) & (_stems(var.name) | _stems(var.noun[v])), (var.name, form)
                seen += 1
    assert seen == 2 * sum(len(s.roles) for s in COMMONSENSE)


def test_anticommonsense_swaps_keep_the_variables_apart() -> None:
    rng = random.Random(0)
    for _ in range(20):
        for base in COMMONSENSE:
            story = anticommonsense(base, rng)
            roles = list(story.roles.values())
            assert sum(a != b for a, b in zip(roles, base.roles.values(), strict=True)) == 1
            for i, a in enumerate(roles):
                assert not any(confusable(a, b) for b in roles[i + 1 :]), story.id


def test_iv_models_have_a_homogeneous_effect_so_the_wald_ratio_is_the_ate() -> None:
    for seed in range(20):
        scm = cladder_gen.random_scm("IV", random.Random(seed))
        gap = [scm.prob({v: 1}, {"V2": 1}) - scm.prob({v: 1}, {"V2": 0}) for v in ("Y", "X")]
        assert gap[0] / gap[1] == pytest.approx(scm.ate("X", "Y"), abs=1e-9)


def test_scm_truth_is_consistent() -> None:
    scm = cladder_gen.random_scm("mediation", random.Random(0))
    assert sum(w for w, _ in scm.cells) == pytest.approx(1.0)
    assert scm.prob({"X": 1}) == pytest.approx(scm.cpt["X"][()])
    total = scm.ate("X", "Y")
    nde = scm.natural("X", "Y", ("V2",), "nde")
    # total effect = NDE + reverse NIE; for a chain all of it is indirect
    assert total - nde == pytest.approx(scm.prob({"Y": 1}, do={"X": 1}) - _y1m0(scm))
    chain = cladder_gen.random_scm("chain", random.Random(1))
    assert chain.natural("X", "Y", ("V2",), "nde") == pytest.approx(0.0)
    assert chain.natural("X", "Y", ("V2",), "nie") == pytest.approx(chain.ate("X", "Y"))


def _y1m0(scm: BinarySCM) -> float:
    total = 0.0
    for w, noise in scm.cells:
        m0 = scm.world(noise, {"X": 0})["V2"]
        total += w * scm.world(noise, {"X": 1, "V2": m0})["Y"]
    return total


def test_stories_name_every_role_of_their_family() -> None:
    for story in COMMONSENSE:
        roles = {r for edge in FAMILIES[story.family] for r in edge}
        assert roles == set(story.roles), story.id
        if story.family != "collision":  # counterfactual questions need the "if ... had" clause
            assert story.roles["X"].condition[0], story.id
