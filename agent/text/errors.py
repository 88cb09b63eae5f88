"""The one error the text parsers raise."""

from __future__ import annotations

from tools.errors import InputError


class ParseError(InputError):
    """The text is not in a language the offline parser reads (the solver counts it unparsed)."""
