"""critique: attack the estimate with refuters and give a verdict from documented rules.

The checks are independent refits, so they run concurrently (threads: the model fits release the
GIL in their numeric kernels).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from agent.context import RunContext
from agent.nodes.base import Step, node
from agent.nodes.estimate import categorical_columns, estimation_params
from agent.state import AnalysisState, Critique
from tools.refutation import placebo_treatment, random_common_cause, verdict


@node("critique", needs=("effect",))
def critique(state: AnalysisState, ctx: RunContext) -> Step:
    effect = state.effect
    if effect.estimate is None:
        return Step(updates={}, summary="skipped: no single estimate to attack (possible effects)")
    if effect.strategy != "backdoor" or effect.treatment_kind == "multivalued":
        what = effect.strategy if effect.strategy != "backdoor" else "multi-valued"
        return Step(
            updates={},
            summary=f"skipped: the refuters refit single-contrast back-door estimates, not {what}",
        )
    req = state.request
    frame = ctx.tables.prepared(req.data_path, req.max_rows, req.seed, state.profile).frame
    params, categorical = estimation_params(state), categorical_columns(state)
    with ThreadPoolExecutor(max_workers=ctx.settings.n_jobs) as pool:
        futures = [
            pool.submit(check, frame, state.effect, params, categorical)
            for check in (placebo_treatment, random_common_cause)
        ]
        checks = [f.result() for f in futures]
    result = Critique(verdict=verdict(checks), rounds=1, checks=checks)
    failed = [c.name for c in checks if not c.passed]
    return Step(
        updates={"critique": result},
        summary=f"{result.verdict}: {len(checks) - len(failed)}/{len(checks)} checks passed",
        warnings=[f"check {name} failed" for name in failed],
    )
