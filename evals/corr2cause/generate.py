"""Seeded Corr2Cause-style data: DAGs up to isomorphism, their independences, labelled hypotheses.

Labels come from the true DAG's Markov equivalence class (its v-structures and Meek closure,
`tools.graphs.cpdag_from_dag`), not from the statements the solver reads, and a hypothesis is
valid ("yes") only if it holds in every member. A hypothesis means what it means in the benchmark
(its generator's definitions, re-implemented here apart from `tools.corr2cause_semantics`): an
indirect cause has a directed path of length >= 2 to the effect (it may also be a parent), and a
confounder of the pair (first, second), in the premise's order, is a parent of `second` with a
directed path to `first` that avoids `second`. Two styles: "original" reproduces the public
wording (letters A, B, ...; the published premise and hypothesis templates); "perturbed" renames
the variables and paraphrases premise and hypotheses, to test robustness.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from itertools import combinations, permutations
from typing import Literal

import networkx as nx

from evals.dataset import Sample
from tools import graphs

Style = Literal["original", "perturbed"]
RELATIONS = (
    "parent",
    "non_parent_ancestor",
    "child",
    "non_child_descendant",
    "common_effect",
    "common_cause",
)

NAMES = [
    "ember",
    "quill",
    "harbor",
    "lantern",
    "meadow",
    "ridge",
    "cobalt",
    "falcon",
    "willow",
    "summit",
    "velvet",
    "pebble",
    "orchid",
    "canyon",
    "glacier",
    "thistle",
    "marble",
    "beacon",
    "cedar",
    "fjord",
    "garnet",
    "hollow",
    "ivory",
    "juniper",
    "kettle",
    "lagoon",
    "mosaic",
    "nectar",
    "onyx",
    "prairie",
]

ORIGINAL_HYP = {
    "parent": ["{a} directly causes {b}."],
    "non_parent_ancestor": ["{a} causes something else which causes {b}."],
    "child": ["{b} directly causes {a}."],
    "non_child_descendant": ["{b} is a cause for {a}, but not a direct one."],
    "common_effect": ["There exists at least one collider (i.e., common effect) of {a} and {b}."],
    "common_cause": ["There exists at least one confounder (i.e., common cause) of {a} and {b}."],
}
PERTURBED_HYP = {
    "parent": [
        "{a} directly affects {b}.",
        "{a} is a direct cause of {b}.",
        "{b} is directly caused by {a}.",
    ],
    "non_parent_ancestor": [
        "{a} influences {b} through some mediator(s).",
        "{a} affects {b} indirectly, via other variables.",
    ],
    "child": ["{b} directly affects {a}.", "{a} is directly influenced by {b}."],
    "non_child_descendant": [
        "{b} influences {a} through some mediator(s).",
        "{a} is affected by {b} indirectly, through other variables.",
    ],
    "common_effect": [
        "{a} and {b} together cause some other variable(s).",
        "{a} and {b} share a common effect.",
    ],
    "common_cause": [
        "Some variable(s) cause(s) both {a} and {b}.",
        "{a} and {b} have a shared cause.",
    ],
}


def list_text(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def canonical(dag: nx.DiGraph) -> tuple[int, ...]:
    """Isomorphism-invariant key: the smallest edge list over all relabellings (n <= 6)."""
    nodes = sorted(dag.nodes)
    best: tuple[int, ...] | None = None
    for perm in permutations(range(len(nodes))):
        pos = dict(zip(nodes, perm, strict=True))
        key = tuple(sorted(pos[a] * 8 + pos[b] for a, b in dag.edges))
        if best is None or key < best:
            best = key
    return best or ()


def random_dags(n: int, rng: random.Random, count: int, *, tries: int = 200) -> list[nx.DiGraph]:
    """Up to `count` pairwise non-isomorphic DAGs on n nodes (seeded, edge density varies)."""
    seen: set[tuple[int, ...]] = set()
    out: list[nx.DiGraph] = []
    nodes = list(range(n))
    for _ in range(tries):
        if len(out) >= count:
            break
        p = rng.uniform(0.25, 0.75)
        dag = nx.DiGraph()
        dag.add_nodes_from(nodes)
        dag.add_edges_from((i, j) for i, j in combinations(nodes, 2) if rng.random() < p)
        key = canonical(dag)
        if key in seen:
            continue
        seen.add(key)
        out.append(dag)
    return out


def _long_path(dag: nx.DiGraph, a: str, b: str) -> bool:
    return any(c != b and nx.has_path(dag, c, b) for c in dag.successors(a))


def relation_holds(
    dag: nx.DiGraph, relation: str, a: str, b: str, order: list[str] | None = None
) -> bool:
    """The Corr2Cause relations, read off one DAG as the benchmark defines them.

    `order` is the premise's order of variables (the benchmark's confounder depends on it).
    """
    if relation == "parent":
        return dag.has_edge(a, b)
    if relation == "child":
        return dag.has_edge(b, a)
    if relation == "non_parent_ancestor":
        return _long_path(dag, a, b)
    if relation == "non_child_descendant":
        return _long_path(dag, b, a)
    if relation == "common_effect":
        return graphs.has_common_effect(dag, a, b)
    rank = order or sorted(dag.nodes)
    first, second = sorted((a, b), key=rank.index)
    rest = dag.subgraph([v for v in dag.nodes if v != second])
    return any(m != first and first in nx.descendants(rest, m) for m in dag.predecessors(second))


def premise(names: list[str], dag: nx.DiGraph, style: Style, rng: random.Random) -> str:
    ind = graphs.implied_independences(dag)
    marg = {frozenset((a, b)) for a, b, s in ind if not s}
    corrs = [(a, b) for a, b in combinations(names, 2) if frozenset((a, b)) not in marg]
    conds = sorted(
        ind, key=lambda t: (names.index(t[0]), names.index(t[1]), len(t[2]), sorted(t[2]))
    )
    n = len(names)
    if style == "original":
        text = (
            f"Suppose there is a closed system of {n} variables, {list_text(names)}. All the "
            f"statistical relations among these {n} variables are as follows: "
        )
        corr_s = [f"{a} correlates with {b}." for a, b in corrs]
        ind_s = [
            f"{a} and {b} are independent given {list_text(sorted(s, key=names.index))}."
            if s
            else f"{a} is independent of {b}."
            for a, b, s in conds
        ]
        body = " ".join(corr_s)
        if corr_s and ind_s:
            body += " However, "
        return text + body + " ".join(ind_s)
    corr_t = [
        "{a} and {b} are correlated.",
        "{a} is associated with {b}.",
        "{a} correlates with {b}.",
    ]
    ind_t = ["{a} and {b} are independent.", "{a} is statistically independent of {b}."]
    cond_t = [
        "Given {s}, {a} and {b} are independent.",
        "{a} is independent of {b} conditional on {s}.",
        "Once we know {s}, {a} and {b} are independent.",
    ]
    text = (
        f"Consider a closed system of {n} variables: {list_text(names)}. "
        "Their statistical relations are the following: "
    )
    parts = [rng.choice(corr_t).format(a=a, b=b) for a, b in corrs]
    for a, b, s in conds:
        if s:
            parts.append(
                rng.choice(cond_t).format(a=a, b=b, s=list_text(sorted(s, key=names.index)))
            )
        else:
            parts.append(rng.choice(ind_t).format(a=a, b=b))
    return text + " ".join(parts)


def generate(
    seed: int = 0,
    *,
    style: Style = "original",
    sizes: tuple[int, ...] = (2, 3, 4, 5, 6),
    graphs_per_size: int = 12,
    negatives_per_positive: float = 2.0,
) -> list[Sample]:
    """Samples in the public text format; about one valid hypothesis in three."""
    rng = random.Random(seed)
    out: list[Sample] = []
    for n in sizes:
        for g_ix, dag in enumerate(random_dags(n, rng, graphs_per_size)):
            out.extend(_samples_for(dag, n, g_ix, rng, style, negatives_per_positive))
    return out


def _samples_for(
    dag: nx.DiGraph, n: int, g_ix: int, rng: random.Random, style: Style, ratio: float
) -> Iterator[Sample]:
    names = [chr(65 + i) for i in range(n)] if style == "original" else rng.sample(NAMES, n)
    order = list(range(n))
    rng.shuffle(order)  # hide the generation order behind the names
    named = nx.relabel_nodes(dag, {i: names[order[i]] for i in range(n)})
    members = graphs.markov_equivalence_class(graphs.cpdag_from_dag(named))
    text = premise(names, named, style, rng)
    templates = ORIGINAL_HYP if style == "original" else PERTURBED_HYP
    rows: list[tuple[str, str, str, bool]] = []
    for a, b in combinations(names, 2):
        for relation in RELATIONS:
            x, y = (
                (b, a)
                if relation in ("common_effect", "common_cause") and rng.random() < 0.5
                else (a, b)
            )
            label = all(relation_holds(m, relation, x, y, names) for m in members)
            rows.append((relation, x, y, label))
    pos = [r for r in rows if r[3]]
    neg = [r for r in rows if not r[3]]
    keep = pos + rng.sample(neg, min(len(neg), max(1, round(len(pos) * ratio))))
    rng.shuffle(keep)
    pick: Callable[[list[str]], str] = rng.choice
    for k, (relation, x, y, label) in enumerate(keep):
        hyp = pick(templates[relation]).format(a=x, b=y)
        yield Sample(
            id=f"c2c-{style}-n{n}-g{g_ix}-{k}",
            input=f"Premise: {text}\nHypothesis: {hyp}",
            target="yes" if label else "no",
            metadata={"num_variables": n, "template": relation, "style": style},
        )


def to_public_rows(samples: list[Sample]) -> list[dict[str, object]]:
    """Rows of the public CSV format (input, label, num_variables, template)."""
    return [
        {
            "input": s.input,
            "label": int(s.target == "yes"),
            "num_variables": s.metadata["num_variables"],
            "template": s.metadata["template"],
        }
        for s in samples
    ]
