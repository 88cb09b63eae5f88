"""CLadder's label arithmetic (loopy BP, soft interventions) and the audit's causes, on hand-made
models: the labels here are computed by the test from its own CPTs, never read from a dataset."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from evals.cladder.audit import audit_file, report, unrounded_given_info
from evals.cladder.labels import BayesNet

CHAIN = BayesNet(
    {"X": (), "V2": ("X",), "Y": ("V2",)},
    {"X": np.array([0.944]), "V2": np.array([0.24, 0.27]), "Y": np.array([0.2, 0.6])},
)
CONFOUNDING = BayesNet(
    {"V1": (), "X": ("V1",), "Y": ("V1", "X")},
    {
        "V1": np.array([0.62]),
        "X": np.array([0.28, 0.7]),
        "Y": np.array([[0.22, 0.8], [0.94, 0.33]]),
    },
)
MEDIATION = BayesNet(
    {"X": (), "V2": ("X",), "Y": ("X", "V2")},
    {"X": np.array([0.3]), "V2": np.array([0.2, 0.9]), "Y": np.array([[0.1, 0.7], [0.4, 0.5]])},
)


def test_loopy_bp_is_exact_on_a_polytree() -> None:
    for evidence in ({}, {"Y": 1}, {"X": 0}):
        bp = CHAIN.marginals(**evidence)
        for v in ("X", "V2", "Y"):
            if v not in evidence:
                assert bp[v] == pytest.approx(CHAIN.exact(v, **evidence), abs=1e-12)


def test_loopy_bp_treats_the_parents_of_y_as_independent_on_the_confounding_triangle() -> None:
    # pomegranate's P(Y) without evidence: sum P(y | v1, x) P(v1) P(x), not the exact P(Y)
    p1, px = 0.62, 0.62 * 0.7 + 0.38 * 0.28
    y = CONFOUNDING.cpt["Y"]
    independent = sum(
        y[v, x] * (p1 if v else 1 - p1) * (px if x else 1 - px) for v in (0, 1) for x in (0, 1)
    )
    assert CONFOUNDING.marginals()["Y"] == pytest.approx(independent, abs=1e-9)
    assert abs(CONFOUNDING.exact("Y") - independent) > 0.1
    # with X observed the loop is cut: the stated conditionals are exact
    assert CONFOUNDING.marginals(X=1)["Y"] == pytest.approx(CONFOUNDING.exact("Y", X=1))


def test_soft_nie_on_the_mediation_graph_is_the_mediation_formula() -> None:
    y, m = MEDIATION.cpt["Y"], MEDIATION.cpt["V2"]
    formula = (m[1] - m[0]) * (y[0, 1] - y[0, 0])
    assert MEDIATION.groundtruth("nie") == pytest.approx(formula, abs=1e-12)
    nde = (1 - m[0]) * (y[1, 0] - y[0, 0]) + m[0] * (y[1, 1] - y[0, 1])
    assert MEDIATION.groundtruth("nde") == pytest.approx(nde, abs=1e-12)


BACKGROUND = (
    "Imagine a self-contained, hypothetical world with only the following conditions, and "
    "without any unmentioned factors or causal relationships: "
)


def _question(qid: int, model: int, net: BayesNet, kind: str) -> dict:
    if kind == "correlation":
        px, j0, j1 = (
            net.marginals()["X"],
            net.probability(X=0, Y=1),
            net.probability(X=1, Y=1),
        )
        given = {"P(X=1)": px, "P(Y=1, X=0)": j0, "P(Y=1, X=1)": j1}
        text = (
            f"The overall probability of rixq is {px:.0%}. The probability of not rixq and xevu "
            f"is {j0:.0%}. The probability of rixq and xevu is {j1:.0%}."
        )
        question, graph = "Is the chance of xevu larger when observing rixq?", "chain"
        truth = net.groundtruth("correlation")
        answer = "yes" if truth >= 0.005 else "no"
    else:
        px, c0, c1 = net.marginals()["X"], net.marginals(X=0)["Y"], net.marginals(X=1)["Y"]
        given = {"P(X)": px, "P(Y | X)": [c0, c1]}
        text = (
            f"The overall probability of rixq is {px:.0%}. For those who are not rixq, the "
            f"probability of xevu is {c0:.0%}. For those who are rixq, the probability of xevu "
            f"is {c1:.0%}."
        )
        question, graph = "Is xevu more likely than not xevu overall?", "confounding"
        truth = net.groundtruth("marginal")
        answer = "yes" if truth > 0.5 else "no"
    meta = {"model_id": model, "graph_id": graph, "query_type": kind, "rung": 1}
    meta |= {"given_info": given, "groundtruth": truth}
    return {
        "question_id": qid,
        "given_info": text,
        "question": question,
        "answer": answer,
        "meta": meta,
    }


def _model(model: int, net: BayesNet, background: str) -> dict:
    params = {
        f"p({v}{' | ' + ', '.join(ps) if ps else ''})": net.cpt[v].tolist()
        for v, ps in net.parents.items()
    }
    return {"model_id": model, "background": BACKGROUND + background, "params": params}


def test_audit_names_rounding_and_hidden_parameters(tmp_path: Path) -> None:
    questions = [_question(1, 1, CHAIN, "correlation"), _question(2, 2, CONFOUNDING, "marginal")]
    models = [
        _model(1, CHAIN, "Rixq has a direct effect on zuph. Zuph has a direct effect on xevu."),
        _model(
            2,
            CONFOUNDING,
            "Zuph has a direct effect on rixq and xevu. Rixq has a direct effect on xevu.",
        ),
    ]
    data, meta = tmp_path / "q.json", tmp_path / "m.json"
    data.write_text(json.dumps(questions))
    meta.write_text(json.dumps(models))
    # the chain's exact correlation is +0.012 ("yes"); 29/94 - 2/6 from the text is negative
    assert unrounded_given_info(questions[0]) is not None
    audit = audit_file(data, meta, draws=20)
    causes = {r["id"]: r["cause"] for r in audit.rows}
    assert causes == {1: "rounding", 2: "hidden"}
    assert audit.rows[0]["share"] < 0.5
    assert audit.label_checked == 2 and audit.label_mismatch == 0
    assert (audit.exact_checked, audit.exact_wrong) == (2, 1)
    lines = report([audit])
    assert lines[2].startswith("| q.json | 2 | 2 | 1 | 1 | 0 | 0.0000 | 0.5000 | 1/2 | 2/2 |")
    assert any("cause=hidden" in line and "label_value=+0.5811" in line for line in lines)


def test_unrounded_text_refuses_numbers_it_cannot_pair() -> None:
    q = _question(1, 1, CHAIN, "correlation")
    q["meta"]["given_info"] = {"P(X=1)": 0.944}
    assert unrounded_given_info(q) is None
