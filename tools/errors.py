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
