from tools.identification import identify_backdoor
from tools.types import CausalGraph, Edge


def graph(*edges: str) -> CausalGraph:
    parsed = [e.split() for e in edges]
    nodes = sorted({p[0] for p in parsed} | {p[2] for p in parsed})
    return CausalGraph(
        nodes=tuple(nodes), edges=tuple(Edge(source=s, target=t, mark=m) for s, m, t in parsed)
    )


def test_parents_when_every_edge_at_treatment_is_oriented():
    g = graph("c1 --> t", "c2 --> t", "c1 --> y", "t --> m", "m --> y", "x --> y")
    result = identify_backdoor(g, "t", "y")
    assert result.status == "identified"
    # x (a cause of y only) joins for precision; m (a mediator) never does.
    assert result.adjustment_set == ("c1", "c2", "x")
    assert "W = {c1, c2, x}" in result.estimand


def test_outcome_parents_recover_a_confounder_whose_edge_into_t_was_missed():
    g = graph("c1 --> t", "c1 --> y", "c2 --> y", "t --> y", "t --> m", "m --> y")
    assert identify_backdoor(g, "t", "y").adjustment_set == ("c1", "c2")


def test_undirected_neighbours_give_the_conservative_set_and_a_warning():
    g = graph("c1 --> t", "c2 --- t", "t --- y", "c2 --> y", "t --> d")
    result = identify_backdoor(g, "t", "y")
    assert result.status == "identified_conservative"
    assert result.adjustment_set == ("c1", "c2")
    assert any("c2" in w for w in result.warnings)
    assert any("do not decide the direction" in w for w in result.warnings)


def test_latent_confounder_at_treatment_is_not_identified():
    result = identify_backdoor(graph("t <-> y", "t --> y"), "t", "y")
    assert result.status == "not_identified" and result.adjustment_set == ()


def test_reverse_and_missing_paths_are_flagged():
    reverse = identify_backdoor(graph("y --> t", "c --> t"), "t", "y")
    assert reverse.adjustment_set == ("c",)
    assert any("outcome causes the treatment" in w for w in reverse.warnings)
    apart = identify_backdoor(graph("c --> t", "c --> y"), "t", "y")
    assert any("no directed path" in w for w in apart.warnings)
