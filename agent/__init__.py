"""The causal analysis agent: LangGraph state machine, LLM clients, CLI and report rendering."""

__version__ = "0.1.0"
