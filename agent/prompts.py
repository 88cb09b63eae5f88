"""Render the jinja2 prompt templates of the top-level `prompts/` folder.

Templates use StrictUndefined so a missing variable is an error, not an empty string. Text that
comes from the data (column names, values, descriptions) must be passed through the `quote` filter,
which renders it as a JSON string literal: data is shown to the model as data, never as
instructions.
"""

from __future__ import annotations

import json
import sys
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2


def _prompts_dir() -> Path:
    """The repository's `prompts/` (source checkouts, editable installs), else the copy a wheel
    install puts under `<prefix>/share/causal-agent/prompts` (pyproject `data-files`)."""
    source = Path(__file__).resolve().parent.parent / "prompts"
    if source.is_dir():
        return source
    return Path(sys.prefix) / "share" / "causal-agent" / "prompts"


PROMPTS_DIR = _prompts_dir()


@lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(PROMPTS_DIR),
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["quote"] = lambda value: json.dumps(str(value), ensure_ascii=False)
    env.filters["tojson"] = lambda value: json.dumps(value, ensure_ascii=False, sort_keys=True)
    return env


def render_prompt(name: str, **variables: Any) -> str:
    """Render `prompts/<name>.j2` with `variables`."""
    return _environment().get_template(f"{name}.j2").render(**variables)
