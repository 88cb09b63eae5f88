"""Deterministic counterfactual questions: 'A or B causes C. We observed ... Would Y if X?'"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import combinations

from agent.text import assign, lexicon
from agent.text.cladder_statements import Statements
from agent.text.cladder_values import Lexicon
from agent.text.errors import ParseError
from tools.formal import Assignment, CLadderGraph, CLadderProblem, CLadderQuery, Mechanism


@dataclass
class _Clause:
    inputs: list[str]
    operator: str
    outputs: list[str]


def _protect(text: str, phrases: list[str]) -> tuple[str, dict[str, str]]:
    slots: dict[str, str] = {}
    for i, p in enumerate(sorted(set(phrases), key=len, reverse=True)):
        token = f"\x00{i}\x00"
        pattern = re.compile(re.escape(p), re.I)
        if pattern.search(text):
            text = pattern.sub(token, text)
            slots[token] = p
    return text, slots


def _restore(text: str, slots: dict[str, str]) -> str:
    for token, p in slots.items():
        text = text.replace(token, p)
    return text.strip()


def _clauses(know: list[str], protect: list[str]) -> list[_Clause]:
    out = []
    for raw in know:
        text, slots = _protect(raw.rstrip("."), protect)
        if " causes " not in text:
            raise ParseError(f"expected 'A causes B': {raw!r}")
        lhs, rhs = text.rsplit(" causes ", 1)
        ops = set(re.findall(r" (and|or) ", lhs))
        if len(ops) > 1:
            raise ParseError(f"mixed 'and'/'or' in {raw!r}")
        op = ops.pop() if ops else "and"
        inputs = [_restore(p, slots) for p in re.split(r" (?:and|or) ", lhs)]
        outputs = (
            [_restore(p, slots) for p in re.split(r" and ", rhs)]
            if len(inputs) == 1
            else [_restore(rhs, slots)]
        )
        out.append(_Clause(inputs, op, outputs))
    return out


def parse_deterministic(graph: CLadderGraph, st: Statements, m: re.Match[str]) -> CLadderProblem:
    nodes = list(graph.nodes)
    parents = {n: {a for a, b in graph.edges if b == n} for n in nodes}
    sinks = {n for n in nodes if not any(a == n for a, _ in graph.edges)}
    new, old, y_text = m["new"].strip(), m["old"].strip(), m["y"].strip()
    clauses = _clauses(st.know, [new, old])
    if not clauses:
        raise ParseError("no mechanisms ('A causes B') in the text")
    units = assign.Units()
    x_unit = units.add(new, old)
    for cl in clauses:
        ins = [units.add(p) for p in cl.inputs]
        outs = [units.add(p) for p in cl.outputs]
        units.distinct.append(tuple(ins))
        units.distinct.append(tuple(outs + ins))

        def check(partial: dict[int, str], ins: list[int] = ins, outs: list[int] = outs) -> bool:
            if not all(i in partial for i in ins + outs):
                return True
            got = {partial[i] for i in ins}
            return all(parents[partial[o]] == got for o in outs)

        units.checks.append(check)
    y_unit = units.add(y_text)
    for v in sinks:
        units.bonus[(y_unit, v)] = 0.5
    units.distinct.append((x_unit, y_unit))
    sources = [n for n in nodes if not parents[n]]
    ev_units: list[int] = []
    for body in st.observed:
        pieces = _split_evidence(body, max(1, len(sources)))
        for p in pieces:
            u = units.add(p)
            units.allowed[u] = set(sources)
            ev_units.append(u)
    units.distinct.append((x_unit, *ev_units))
    solution = assign.solve(units, nodes)
    if solution is None:
        raise ParseError("no reading of the mechanisms fits the graph")

    lex = Lexicon()
    for cl in clauses:  # first phrase seen for a variable names its value 1
        for p in cl.inputs + cl.outputs:
            var = solution[units.find(p)]  # type: ignore[index]
            known = lex.by_var.get(var, {})
            lex.add(var, p, 1 if not known else (known.get(assign._key(p), 0)))
    x = solution[x_unit]
    action = (
        lex.value(x, new, x)
        if assign._key(new) in lex.by_var.get(x, {})
        else 1 - lex.value(x, old, x)
    )
    y = solution[y_unit]
    mechanisms = []
    for cl in clauses:
        inputs = tuple(
            Assignment(
                variable=solution[units.find(p)], value=lex.value(solution[units.find(p)], p)
            )  # type: ignore[index]
            for p in cl.inputs
        )
        for out in cl.outputs:
            var = solution[units.find(out)]  # type: ignore[index]
            mechanisms.append(
                Mechanism(
                    variable=var,
                    value=lex.value(var, out),  # type: ignore[arg-type]
                    operator=cl.operator,
                    inputs=inputs,
                )
            )  # type: ignore[arg-type]
    evidence = tuple(
        Assignment(variable=solution[u], value=_state(lex, solution[u], p))  # type: ignore[arg-type]
        for u in ev_units
        for p in units.groups[u][:1]
    )
    query = CLadderQuery(
        type="det_counterfactual",
        treatment=x,
        outcome=y,
        treatment_value=action,  # type: ignore[arg-type]
        outcome_value=_state(lex, y, y_text),  # type: ignore[arg-type]
        condition=evidence,
    )
    return CLadderProblem(
        graph=graph, mechanisms=tuple(mechanisms), query=query, labels=lex.labels()
    )


def _state(lex: Lexicon, var: str, sentence: str) -> int:
    """Value of a sentence-form state ('the room is dark') against the mechanism phrases."""
    known = lex.by_var.get(var, {})
    if assign._key(sentence) in known:
        return known[assign._key(sentence)]
    ones = [p for p, v in known.items() if v == 1]
    zeros = [p for p, v in known.items() if v == 0]
    if ones and zeros:
        side = lexicon.pick_side(sentence, zeros[0], ones[0])
        if side is not None:
            return side
    ref = (ones or zeros)[0] if (ones or zeros) else None
    if ref is None:
        lex.warnings.append(f"no phrase for {var}; assumed {var}=1 for {sentence!r}")
        return 1
    same = lexicon.same_state(sentence, ref, var)
    return known[ref] if same else 1 - known[ref]


def _split_evidence(body: str, k: int) -> list[str]:
    cuts = [mm.start() for mm in re.finditer(r" and ", body)]
    if len(cuts) + 1 <= k:
        return [p.strip() for p in re.split(r" and ", body)]
    best = None
    for chosen in combinations(cuts, k - 1):
        bounds = [0, *chosen, len(body)]
        pieces = [body[bounds[i] + (5 if i else 0) : bounds[i + 1]].strip() for i in range(k)]
        spread = max(len(p) for p in pieces) - min(len(p) for p in pieces)
        if best is None or spread < best[0]:
            best = (spread, pieces)
    assert best is not None
    return best[1]
