"""The verdict over the checks, the claim, and which of several answers is best supported.

Each check attacks one thing (its `role`):

- estimator: placebo treatment (a permuted treatment must give ~0; critical: an estimator that
  finds effects in noise makes any number untrustworthy) and random common cause;
- stability: data subsets (two halves agree) and bootstrap spread (the interval is not too narrow);
- positivity: overlap (critical: without comparable units the number is an extrapolation);
- adjustment: graph falsification, judged by what the adjustment set needs (only violations that
  could bring a left-out variable into the set count; critical when adding the implicated
  variables moves the estimate by more than 2 standard errors) and graph plausibility (counts only
  for implausible edges at a variable left out of the set);
- hidden confounding: sensitivity (Cinelli-Hazlett, benchmarked against observed covariates);
- assumption: decisive questions the data cannot answer whose answer moves the number.

A failure with `counts=False` is reported but cannot change the answer and is left out. Rules:

- robust: no counted failure;
- unreliable: a counted critical failure, or two or more counted failures of the data checks
  (estimator, stability, positivity, adjustment);
- fragile: otherwise. The caveats (hidden confounding, plausibility, assumption) alone never make
  an answer unreliable: they name an assumption the data cannot check, not a broken number.

Claim: `effect` (the interval excludes zero and the verdict is not unreliable), `no_effect` (the
interval includes zero), `inconclusive` (an interval away from zero that did not survive).

Best supported (the headline after several rounds): the better verdict; at the same verdict
fewer counted critical failures, then fewer counted failures; a tie keeps the earlier round, so a
revision replaces an answer only when it is strictly better supported.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from tools.types import CheckResult

ROLES: dict[str, str] = {
    "placebo_treatment": "estimator",
    "random_common_cause": "estimator",
    "data_subsets": "stability",
    "bootstrap_spread": "stability",
    "overlap": "positivity",
    "balance": "positivity",
    "graph_falsification": "adjustment",
    "graph_plausibility": "plausibility",
    "sensitivity": "hidden confounding",
    "decisive_questions": "assumption",
}
CAVEATS = frozenset({"hidden confounding", "plausibility", "assumption"})
"""Roles whose failure names an uncheckable assumption: at most fragile on their own."""
RANK = {"robust": 0, "fragile": 1, "unreliable": 2}


def role(check: CheckResult) -> str:
    """The check's role (its own, else by name; a per-member sensitivity keeps its prefix)."""
    return check.role or ROLES.get(check.name.split(" ")[0], "estimator")


def counted(checks: Iterable[CheckResult]) -> list[CheckResult]:
    """The failures that enter the verdict."""
    return [c for c in checks if not c.passed and c.counts]


def verdict(checks: Sequence[CheckResult]) -> str:
    """robust / fragile / unreliable by the rules of the module docstring."""
    failed = counted(checks)
    if not failed:
        return "robust"
    if any(c.critical for c in failed):
        return "unreliable"
    if sum(role(c) not in CAVEATS for c in failed) >= 2:
        return "unreliable"
    return "fragile"


def claim(low: float, high: float, verdict_: str) -> str:
    """What the report may claim for an interval [low, high] (see module doc)."""
    if low <= 0 <= high:
        return "no_effect"
    return "inconclusive" if verdict_ == "unreliable" else "effect"


def support(verdict_: str, checks: Sequence[CheckResult]) -> tuple[int, int, int]:
    """Sort key, smaller is better supported: verdict, counted critical, counted failures."""
    failed = counted(checks)
    return RANK[verdict_], sum(c.critical for c in failed), len(failed)


def best_round(rounds: Sequence[tuple[int, str, Sequence[CheckResult]]]) -> tuple[int, str]:
    """(round number, why) of the best-supported of (round, verdict, checks); earliest on ties."""
    ranked = sorted(rounds, key=lambda r: (support(r[1], r[2]), r[0]))
    number, verdict_, checks = ranked[0]
    if len(rounds) == 1:
        return number, "the only round"
    others = ", ".join(str(r[0]) for r in rounds if r[0] != number)
    failed = ", ".join(c.name for c in counted(checks)) or "none"
    if number == rounds[-1][0]:
        return number, f"better supported ({verdict_}) than round(s) {others}"
    return number, (
        f"better supported ({verdict_}; counted failures: {failed}) than round(s) {others}, so "
        "the later revisions did not replace it"
    )
