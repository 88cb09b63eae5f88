"""The one domain exception family (DESIGN.md section 6).

Raised for problems the user can fix (bad input, bad flags). The CLI turns an `AgentError` into a
single line and an exit code; anything else is a bug and is recorded as such by the node runner.
"""

from __future__ import annotations


class AgentError(Exception):
    """Base of every expected failure; `str(err)` is the one line shown to the user."""

    exit_code = 2


class InputError(AgentError):
    """The data, a column name or a file given by the user is unusable."""


class ConfigError(AgentError):
    """A flag, environment variable or settings value is invalid."""


class WorkerLost(AgentError):
    """A worker process died (killed, out of memory, crashed in native code) on the same task
    twice; the step that fanned out is recorded as failed (`tools.parallel`)."""

    exit_code = 1


class Cancelled(AgentError):
    """An executor's `cancel()` was called while its tasks were outstanding."""

    exit_code = 130
