"""profile: load the table, type every column, validate the requested treatment and outcome."""

from __future__ import annotations

from agent.context import RunContext
from agent.nodes.base import Step, node
from agent.state import AnalysisState, InputInfo
from tools.data import check_roles, profile_table


@node("profile")
def profile(state: AnalysisState, ctx: RunContext) -> Step:
    req = state.request
    table = ctx.tables.table(req.data_path, req.max_rows, req.seed)
    roles = [c for pair in req.batch_pairs for c in pair] or [req.treatment, req.outcome]
    keep = tuple(dict.fromkeys(c for c in roles if c))
    key = ("profile", req.data_path, req.max_rows, req.seed, keep, tuple(req.drop))
    prof = ctx.memo.get(key) or profile_table(table, keep=keep, drop=tuple(req.drop))
    if req.batch_pairs:
        ctx.memo[key] = prof
    if req.treatment and req.outcome:
        check_roles(table, prof, req.treatment, req.outcome)
    excluded = [c for c in prof.columns if c.excluded_reason]
    info = InputInfo(
        path=str(table.path),
        rows=table.rows_original,
        columns=len(table.frame.columns),
        sha256=table.sha256,
    )
    summary = (
        f"{prof.rows} rows x {len(prof.columns)} columns, {prof.data_type} data; "
        f"{len(excluded)} column(s) excluded"
    )
    return Step(
        updates={"input": info, "profile": prof}, summary=summary, warnings=list(prof.warnings)
    )
