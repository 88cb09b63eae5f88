"""Which value of a variable a phrase names, from the phrases the text already tied to values."""

from __future__ import annotations

from dataclasses import dataclass, field

from agent.text import assign, lexicon
from tools.formal import ValueLabel


@dataclass
class Lexicon:
    """Phrases known to name a given value of a variable (from the statements)."""

    by_var: dict[str, dict[str, int]] = field(default_factory=dict)
    text: dict[tuple[str, int], str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def add(self, var: str, phrase: str, value: int) -> None:
        self.by_var.setdefault(var, {}).setdefault(assign._key(phrase), value)
        self.text.setdefault((var, value), phrase)

    def value(self, var: str, phrase: str, name: str = "") -> int:
        known = self.by_var.get(var, {})
        key = assign._key(phrase)
        if key in known:
            return known[key]
        zeros = [p for p, v in known.items() if v == 0]
        ones = [p for p, v in known.items() if v == 1]
        votes = [lexicon.pick_side(phrase, p0, p1) for p0 in zeros for p1 in ones]
        votes = [v for v in votes if v is not None]
        if votes:
            return round(sum(votes) / len(votes)) if sum(votes) * 2 != len(votes) else votes[0]
        for ref in ones + zeros:
            same = lexicon.same_state(phrase, ref, name)
            return known[ref] if same else 1 - known[ref]
        self.warnings.append(f"could not tell which state {phrase!r} is; assumed {var}=1")
        return 1

    def labels(self) -> tuple[ValueLabel, ...]:
        return tuple(
            ValueLabel(variable=v, value=val, text=t)  # type: ignore[arg-type]
            for (v, val), t in sorted(self.text.items())
        )
