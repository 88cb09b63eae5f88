"""LLM clients behind one protocol (`base.LLMClient`): offline now, OpenAI-compatible next."""

from agent.llm.base import LLMClient, Message, Usage
from agent.llm.offline import OfflineLLM

__all__ = ["LLMClient", "Message", "OfflineLLM", "Usage"]
