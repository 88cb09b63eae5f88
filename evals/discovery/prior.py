"""A scripted LLM that plays an imperfect domain expert, for the suite's "with prior" rows.

It answers the real elicitation prompts (it reads the variable names out of them, as a model
would) from the true graph, with seeded mistakes: a true edge is stated correctly with
probability `accuracy`, otherwise reversed or denied; an absent edge is denied with probability
`accuracy`, otherwise claimed in a random direction. Confidences are drawn so that wrong answers
tend to be less confident. The numbers measure what a prior of this quality buys discovery, not
how good any LLM is; the prior still goes through the agent's own elicitation code.
"""

from __future__ import annotations

import json
import re
import zlib
from collections.abc import Sequence

import numpy as np

from agent.llm.base import Message
from agent.llm.offline import OfflineLLM
from agent.nodes.elicit import choose_strategy, elicit_prior
from evals.discovery.benchmark import Benchmark
from tools.elicitation import prior_knowledge
from tools.types import Knowledge

_QUOTED = r'("(?:[^"\\]|\\.)*")'


def _unquote(text: str) -> str:
    return json.loads(text)


class NoisyExpert:
    """Answers for the tasks elicit_pairwise, elicit_roots, elicit_effects and elicit_graph."""

    def __init__(self, bench: Benchmark, seed: int = 0, accuracy: float = 0.85) -> None:
        self.nodes = list(bench.scored_nodes)
        self.truth = {(a, b) for a, b in bench.truth}
        self.seed, self.accuracy = seed, accuracy

    def _rng(self, *key: str) -> np.random.Generator:
        return np.random.default_rng([self.seed, zlib.crc32("|".join(key).encode())])

    def relation(self, a: str, b: str) -> tuple[str, float]:
        """("a->b" | "b->a" | "none", confidence), the same every time for the same pair."""
        first, second = sorted((a, b))
        rng = self._rng(first, second)
        right = rng.random() < self.accuracy
        if (first, second) in self.truth or (second, first) in self.truth:
            true = "a->b" if (first, second) in self.truth else "b->a"
            wrong = "b->a" if true == "a->b" else "a->b"
            answer = true if right else (wrong if rng.random() < 0.5 else "none")
        else:
            answer = "none" if right else ("a->b" if rng.random() < 0.5 else "b->a")
        confidence = rng.uniform(0.8, 1.0) if right else rng.uniform(0.4, 0.9)
        if (a, b) != (first, second) and answer != "none":
            answer = "b->a" if answer == "a->b" else "a->b"
        return answer, round(float(confidence), 2)

    def _causes(self, a: str, b: str) -> float:
        answer, confidence = self.relation(a, b)
        return confidence if answer == "a->b" else 0.0

    def pairwise(self, messages: Sequence[Message]) -> dict:
        text = messages[-1]["content"]
        first = _unquote(re.search(r"first: " + _QUOTED, text)[1])
        second = _unquote(re.search(r"second: " + _QUOTED, text)[1])
        answer, confidence = self.relation(first, second)
        relation = {"a->b": "first_causes_second", "b->a": "second_causes_first"}.get(
            answer, "neither"
        )
        return {"relation": relation, "confidence": confidence, "rationale": "scripted expert"}

    def roots(self, messages: Sequence[Message]) -> dict:
        roots = [v for v in self.nodes if not any(self._causes(u, v) for u in self.nodes)]
        return {"roots": roots, "rationale": "scripted expert"}

    def effects(self, messages: Sequence[Message]) -> dict:
        cause = _unquote(
            re.search(r"does " + _QUOTED + " directly cause", messages[-1]["content"])[1]
        )
        effects = [
            {"variable": v, "confidence": self._causes(cause, v), "rationale": "scripted expert"}
            for v in self.nodes
            if v != cause and self._causes(cause, v) > 0
        ]
        return {"effects": effects}

    def graph(self, messages: Sequence[Message]) -> dict:
        edges = [
            {"cause": a, "effect": b, "confidence": self._causes(a, b), "rationale": "scripted"}
            for a in self.nodes
            for b in self.nodes
            if a != b and self._causes(a, b) > 0
        ]
        return {"edges": edges}

    def client(self) -> OfflineLLM:
        return OfflineLLM(
            {
                "elicit_pairwise": self.pairwise,
                "elicit_roots": self.roots,
                "elicit_effects": self.effects,
                "elicit_graph": self.graph,
            }
        )


def scripted_prior(bench: Benchmark, seed: int = 0, accuracy: float = 0.85) -> Knowledge:
    """Knowledge from the noisy expert, through the agent's elicitation (auto strategy)."""
    llm = NoisyExpert(bench, seed, accuracy).client()
    columns = list(bench.scored_nodes)
    strategy, _ = choose_strategy(llm, "auto", len(columns))
    prior = elicit_prior(llm, columns, bench.descriptions, strategy)
    return prior_knowledge(prior)
