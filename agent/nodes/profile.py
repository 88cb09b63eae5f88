"""profile: load the table, type every column, validate the requested treatment and outcome.

With --time the series branch validates the rows as a time series (agent.nodes.series); without
it, a table that looks like a series (a sorted time column, autocorrelated variables) gets a
warning that suggests the flag."""

from __future__ import annotations

from agent.context import RunContext
from agent.nodes.base import Step, node
from agent.nodes.series import profile_series
from agent.state import AnalysisState, InputInfo
from tools.data import check_roles, profile_table
from tools.timeseries.prepare import detect_time_index


@node("profile")
def profile(state: AnalysisState, ctx: RunContext) -> Step:
    req = state.request
    if req.time:
        return profile_series(state, ctx)
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
    hint = detect_time_index(
        table.frame, {c.name: c.type for c in prof.columns}, prof.analysis_columns
    )
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
        updates={"input": info, "profile": prof},
        summary=summary,
        warnings=[*prof.warnings, *([hint] if hint else [])],
    )
