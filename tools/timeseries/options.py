"""The time-series options (`--time`, `--unit`, `--max-lag`, `--horizon`,
`--hidden-confounders`) checked before anything heavy is loaded; shared by the CLI and the Python
API (agent.request)."""

from __future__ import annotations

from tools.errors import InputError


def check_series_flags(
    time: str | None, unit: str | None, max_lag: int | None, horizon: int, hidden: bool
) -> None:
    """The time-series flags need --time, and sensible numbers."""
    if time is None:
        given = [
            flag
            for flag, on in (
                ("--unit", unit is not None),
                ("--max-lag", max_lag is not None),
                ("--horizon", horizon != 5),
                ("--hidden-confounders", hidden),
            )
            if on
        ]
        if given:
            raise InputError(f"{', '.join(given)} need(s) --time COLUMN (a time-series analysis)")
    if max_lag is not None and not 1 <= max_lag <= 50:
        raise InputError(f"--max-lag must be between 1 and 50 (got {max_lag})")
    if not 0 <= horizon <= 100:
        raise InputError(f"--horizon must be between 0 and 100 (got {horizon})")
