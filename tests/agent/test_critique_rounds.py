"""Rounds that can change something, and a headline that never gets worse."""

from langgraph.runtime import Runtime

from agent.config import resolve_settings
from agent.context import RunContext
from agent.llm.offline import OfflineLLM
from agent.nodes.critique import critique, finish, round_effect
from agent.revision import available, rules_choice
from agent.state import (
    AnalysisRequest,
    AnalysisState,
    Critique,
    CritiqueRound,
    Plan,
)
from tools.types import (
    CausalGraph,
    CheckResult,
    DiscoveryParams,
    DiscoveryResult,
    EffectEstimate,
    IdentificationResult,
)


def ctx() -> RunContext:
    return RunContext(settings=resolve_settings(env={}), llm=OfflineLLM())


def effect(estimate: float, adjustment=("x",)) -> EffectEstimate:
    return EffectEstimate(
        method="test",
        treatment="t",
        outcome="y",
        treatment_kind="binary",
        estimate=estimate,
        ci_low=estimate - 0.2,
        ci_high=estimate + 0.2,
        std_error=0.1,
        n=1000,
        adjustment_set=adjustment,
        naive_estimate=3.0,
        diagnostics={"nuisance_y": "linear", "nuisance_t": "linear"},
    )


def ident(adjustment=("x",)) -> IdentificationResult:
    return IdentificationResult(
        method="test",
        status="identified",
        strategy="backdoor",
        treatment="t",
        outcome="y",
        adjustment_set=adjustment,
        estimand="E[y|do(t)]",
        reason="test",
    )


def discovery(algorithm="pc", alpha=0.05) -> DiscoveryResult:
    graph = CausalGraph(nodes=("x", "t", "y"))
    params = DiscoveryParams(algorithm=algorithm, alpha=alpha)
    return DiscoveryResult(method=algorithm, graph=graph, params=params)


def state(**fields) -> AnalysisState:
    base = {
        "request": AnalysisRequest(data_path="d.csv", out_dir="run"),
        "treatment": "t",
        "outcome": "y",
        "plan": Plan(alpha=0.05, alpha_grid=[0.001, 0.01, 0.05, 0.1]),
    }
    return AnalysisState(**{**base, **fields})


def check(name: str, passed: bool, critical: bool = False) -> CheckResult:
    return CheckResult(name=name, passed=passed, detail=name, critical=critical)


def a_round(number: int, estimate: float, verdict: str, checks: list[CheckResult]):
    return CritiqueRound(
        round=number,
        effect=round_effect(effect(estimate)),
        checks=checks,
        verdict=verdict,
        claim="effect" if verdict != "unreliable" else "inconclusive",
    )


def test_raise_alpha_climbs_from_the_alpha_discovery_used_not_the_plans():
    # the plan's default is 0.05; the held-out choice picked 0.001: the next step is 0.01
    chosen = state(discovery=discovery(alpha=0.001), effect=effect(2.0))
    actions, _ = rules_choice([check("graph_falsification", False)], chosen)
    assert [a.name for a in actions] == ["raise_alpha"]
    from agent.revision import apply_actions

    plan, applied = apply_actions(chosen.plan, actions, chosen)
    assert plan.alpha == 0.01 and applied[0].change == "discovery alpha 0.001 -> 0.01"
    # GES has no significance level: raising it cannot change the graph
    ges = state(discovery=discovery(algorithm="ges"), effect=effect(2.0))
    assert "raise_alpha" not in available(ges)
    # at the top of the ladder there is nothing left to raise
    assert "raise_alpha" not in available(state(discovery=discovery(alpha=0.2)))


def test_a_worse_revision_does_not_replace_the_better_supported_answer():
    good, bad = effect(2.07, ("x", "z")), effect(3.16, ("z",))
    first = a_round(1, 2.07, "robust", [check("placebo_treatment", True)])
    kept = Critique(
        verdict="robust",
        rounds=1,
        checks=first.checks,
        history=[first],
        kept_effect=good,
        kept_identification=ident(("x", "z")),
        kept_discovery=discovery(alpha=0.05),
    )
    worse = a_round(2, 3.16, "unreliable", [check("graph_falsification", False, critical=True)])
    later = state(
        effect=bad, identification=ident(("z",)), discovery=discovery("ges"), critique=kept
    )
    updates, result = finish(later, ctx(), [first, worse], stop=True)
    assert result.headline_round == 1 and result.verdict == "robust"
    assert "did not replace it" in result.headline_reason
    assert updates["effect"] == good and updates["identification"].adjustment_set == ("x", "z")
    assert updates["discovery"].params.algorithm == "pc"
    # a strictly better later round does replace it
    better = a_round(2, 2.0, "robust", [])
    fragile = a_round(1, 2.5, "fragile", [check("sensitivity", False)])
    _, result = finish(later, ctx(), [fragile, better], stop=True)
    assert result.headline_round == 2


def test_a_round_that_reproduces_an_earlier_answer_is_not_rechecked():
    first = a_round(1, 2.0, "fragile", [check("graph_falsification", False)])
    earlier = Critique(verdict="fragile", rounds=1, checks=first.checks, history=[first])
    # a rediscovery gave the same adjustment set, so the (cached) estimate is the same
    again = state(
        effect=effect(2.0),
        identification=ident(),
        discovery=discovery(alpha=0.1),
        critique=earlier,
        profile=None,  # no data at all: running the checks would fail
    )
    update = critique(again, Runtime(context=ctx()))
    second = update["critique"].history[-1]
    assert second.round == 2 and second.same_as == 1
    assert second.checks == first.checks and "check:placebo_treatment" not in second.seconds
    assert "same answer as round 1" in update["trail"][0].summary


def test_an_estimator_switch_that_cannot_change_the_headline_is_not_offered():
    from tools.types import Candidate

    scored = effect(2.0).model_copy(
        update={
            "selected": "linear_dml",
            "candidates": (
                Candidate(method="LinearDML", score=0.3, selected=True),
                Candidate(method="T-learner", score=0.2),
            ),
        }
    )
    assert "switch_estimator" in available(state(effect=scored))
    # the headline comes from the doubly robust score; the estimator only shapes the CATE
    aipw = scored.model_copy(update={"cate_method": "T-learner"})
    assert "switch_estimator" not in available(state(effect=aipw))


def test_no_rediscovery_when_the_knowledge_places_every_covariate():
    from agent.revision import available
    from agent.state import AnalysisRequest, AnalysisState, Plan
    from tools.types import CovariateRole, IdentificationResult

    def state_with(decided_by: str) -> AnalysisState:
        role = CovariateRole(
            name="x", adjusted=True, position="before", decided_by=decided_by, evidence=""
        )
        ident = IdentificationResult(
            method="m", status="identified", strategy="backdoor", treatment="t", outcome="y",
            estimand="e", reason="r", roles=(role,),
        )  # fmt: skip
        return AnalysisState(
            request=AnalysisRequest(data_path="d.csv"), plan=Plan(alpha=0.05), identification=ident
        )

    assert "switch_discovery_algorithm" not in available(state_with("knowledge"))
    assert "switch_discovery_algorithm" in available(state_with("default"))
