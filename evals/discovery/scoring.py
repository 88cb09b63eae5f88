"""Scores of a learned graph against the true DAG.

- skeleton precision / recall / F1: adjacencies, direction ignored;
- orientation F1: predicted `-->` edges against true directed edges (an undirected or circle
  edge is a prediction of no direction, so it counts in neither the numerator nor precision's
  denominator but is missed in recall);
- SHD: missing + extra adjacencies + shared adjacencies whose mark is not the true `-->`.
"""

from __future__ import annotations

from dataclasses import dataclass

from tools.types import CausalGraph


@dataclass(frozen=True)
class GraphScores:
    skeleton_precision: float
    skeleton_recall: float
    skeleton_f1: float
    orientation_f1: float
    shd: int


def _f1(tp: int, predicted: int, actual: int) -> tuple[float, float, float]:
    precision = tp / predicted if predicted else (1.0 if not actual else 0.0)
    recall = tp / actual if actual else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def score_graph(
    graph: CausalGraph, truth: tuple[tuple[str, str], ...], nodes: tuple[str, ...] | None = None
) -> GraphScores:
    """Score `graph` on `nodes` (default: all of its nodes); edges touching others are ignored."""
    keep = set(nodes or graph.nodes)
    edges = [e for e in graph.edges if e.source in keep and e.target in keep]
    true_dir = {(a, b) for a, b in truth if a in keep and b in keep}
    true_adj = {frozenset(e) for e in true_dir}
    found_adj = {frozenset((e.source, e.target)) for e in edges}
    found_dir = {(e.source, e.target) for e in edges if e.mark == "-->"}
    sp, sr, sf = _f1(len(found_adj & true_adj), len(found_adj), len(true_adj))
    _, _, of = _f1(len(found_dir & true_dir), len(found_dir), len(true_dir))
    shared = found_adj & true_adj
    wrong_marks = sum(
        1
        for e in edges
        if frozenset((e.source, e.target)) in shared
        and not (e.mark == "-->" and (e.source, e.target) in true_dir)
    )
    shd = len(true_adj - found_adj) + len(found_adj - true_adj) + wrong_marks
    return GraphScores(round(sp, 4), round(sr, 4), round(sf, 4), round(of, 4), shd)
