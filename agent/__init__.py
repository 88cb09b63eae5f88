"""The causal analysis agent: LangGraph state machine, LLM clients, CLI and report rendering.

The Python API (`from agent import analyze, ask, Analysis, AgentError`) is loaded on first use:
`import agent` stays light, so `agent --help` answers fast.
"""

from __future__ import annotations

import warnings
from importlib import import_module
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_LAZY = {
    "analyze": "agent.api",
    "ask": "agent.api",
    "Analysis": "agent.api",
    "AnalysisFailed": "agent.api",
    "TextAnswer": "agent.api",
    "AgentError": "tools.errors",
    "InputError": "tools.errors",
    "ConfigError": "tools.errors",
}

__all__ = [
    "AgentError",
    "Analysis",
    "AnalysisFailed",
    "ConfigError",
    "InputError",
    "TextAnswer",
    "__version__",
    "analyze",
    "ask",
]

if TYPE_CHECKING:
    from agent.api import Analysis, AnalysisFailed, TextAnswer, analyze, ask
    from tools.errors import AgentError, ConfigError, InputError


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'agent' has no attribute {name!r}")
    with warnings.catch_warnings():
        # tqdm.auto (imported by causal-learn and dowhy) warns in a notebook without ipywidgets;
        # nothing here draws a widget, so it would only be noise under the user's first import
        warnings.filterwarnings("ignore", message="IProgress not found")
        value = getattr(import_module(module), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_LAZY])
