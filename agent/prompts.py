"""Render the jinja2 prompt templates of the top-level `prompts/` folder.

Templates use StrictUndefined so a missing variable is an error, not an empty string. Text that
comes from the data (column names, values, descriptions) must be passed through the `quote` filter,
which renders it as a JSON string literal: data is shown to the model as data, never as
instructions.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2

PROMPTS_DIR = Path(__file__).resolve().parent.parent / "prompts"


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
