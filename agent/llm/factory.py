"""Choose and build the LLM client from flags and environment, and describe it for `agent doctor`.

Precedence (issue 6): `--llm` flag, else `AGENT_LLM`, else `openai:<default>` when
`OPENAI_API_KEY` is set, else `offline`. The environment is passed in, never read from a global
here except as the documented default of `build_client(env=None)`.
"""

from __future__ import annotations

import os
import platform
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from agent.llm.base import LLMClient
from agent.llm.cache import LLMCache, default_cache_path
from agent.llm.errors import LLMError, LLMStrictError
from agent.llm.offline import OfflineLLM
from tools.errors import ConfigError

if TYPE_CHECKING:  # the openai package takes about a second to import: only for openai:MODEL
    from agent.llm.openai_compat import Backoff

DEFAULT_OPENAI_MODEL = "gpt-5-mini"
VALID_FORMS = "'offline' or 'openai:MODEL' (e.g. openai:gpt-5-mini, openai:llama3.1:8b)"
DOCTOR_PACKAGES = ("openai", "langgraph", "econml", "causal-learn")


@dataclass(frozen=True)
class LLMSpec:
    backend: Literal["offline", "openai"]
    model: str | None = None

    def __str__(self) -> str:
        return "offline" if self.backend == "offline" else f"openai:{self.model}"


def parse_llm_spec(spec: str, *, source: str = "--llm") -> LLMSpec:
    """Parse `offline` or `openai:MODEL` (the model may itself contain ':', as Ollama tags do)."""
    text = spec.strip()
    backend, sep, model = text.partition(":")
    backend = backend.strip().lower()
    model = model.strip()
    if backend == "offline" and not sep:
        return LLMSpec("offline")
    if backend == "openai" and sep and model:
        return LLMSpec("openai", model)
    raise ConfigError(f"invalid LLM spec {spec!r} from {source}: use {VALID_FORMS}")


def resolve_llm_spec(flag: str | None, env: Mapping[str, str]) -> str:
    """The normalised spec to use; raises ConfigError naming the source of a bad value."""
    if flag is not None:
        return str(parse_llm_spec(flag, source="--llm"))
    from_env = (env.get("AGENT_LLM") or "").strip()
    if from_env:
        return str(parse_llm_spec(from_env, source="AGENT_LLM"))
    if (env.get("OPENAI_API_KEY") or "").strip():
        return f"openai:{DEFAULT_OPENAI_MODEL}"
    return "offline"


def build_client(
    spec: str,
    *,
    base_url: str | None = None,
    api_key: str | None = None,
    env: Mapping[str, str] | None = None,
    cache_path: Path | str | None = None,
    no_cache: bool = False,
    strict: bool = False,
    timeout: float = 60.0,
    max_retries: int = 3,
    backoff: Backoff | None = None,
    temperature: float | None = None,
) -> LLMClient:
    """Build the client for `spec`. `base_url` falls back to OPENAI_BASE_URL and `api_key` to
    OPENAI_API_KEY; talking to api.openai.com without a key is a ConfigError, while a local
    server (any other base URL) gets a placeholder key because it ignores it."""
    environ: Mapping[str, str] = os.environ if env is None else env
    parsed = parse_llm_spec(spec)
    if parsed.backend == "offline":
        return OfflineLLM()
    assert parsed.model is not None
    from agent.llm.openai_compat import OpenAICompatLLM, public_url

    url = (base_url or environ.get("OPENAI_BASE_URL") or "").strip() or None
    if url is not None and not url.lower().startswith(("http://", "https://")):
        raise ConfigError(f"invalid base URL {public_url(url)!r}: it must start with http(s)://")
    key = (api_key or environ.get("OPENAI_API_KEY") or "").strip() or None
    if key is None and url is None:
        raise ConfigError(
            f"--llm {parsed} needs OPENAI_API_KEY, or --base-url / OPENAI_BASE_URL "
            "pointing at a local OpenAI-compatible server"
        )
    if timeout <= 0 or max_retries < 0:
        raise ConfigError("the LLM timeout must be > 0 and max_retries >= 0")
    cache = None if no_cache else LLMCache(cache_path or default_cache_path(environ))
    return OpenAICompatLLM(
        parsed.model,
        base_url=url,
        api_key=key,
        timeout=timeout,
        max_retries=max_retries,
        backoff=backoff,
        cache=cache,
        strict=strict,
        temperature=temperature,
    )


@dataclass(frozen=True)
class Connectivity:
    """`ok` is None when the check was skipped (offline backend, or check=False)."""

    ok: bool | None
    latency_s: float | None
    detail: str


@dataclass(frozen=True)
class DoctorReport:
    python: str
    packages: Mapping[str, str | None]  # distribution -> version, None when not installed
    backend: str
    model: str | None
    base_url: str | None  # never with credentials
    cache_path: str | None  # None: cache disabled or not applicable
    connectivity: Connectivity
    notes: tuple[str, ...] = field(default_factory=tuple)

    def rows(self) -> list[tuple[str, str]]:
        """(label, value) pairs in display order, ready for a two-column table."""
        conn = self.connectivity
        if conn.ok is None:
            status = f"skipped ({conn.detail})"
        elif conn.ok:
            status = f"ok in {conn.latency_s:.3f} s"
        else:
            status = f"FAILED: {conn.detail}"
        out = [("python", self.python)]
        out += [(name, version or "not installed") for name, version in self.packages.items()]
        out += [
            ("backend", self.backend),
            ("model", self.model or "-"),
            ("base URL", self.base_url or "-"),
            ("cache", self.cache_path or "disabled"),
            ("connectivity", status),
        ]
        out += [("note", note) for note in self.notes]
        return out


def _version(dist: str) -> str | None:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return None


def doctor_report(client: LLMClient, *, check: bool = True) -> DoctorReport:
    """Versions, configured backend, cache location and (optionally) one live request."""
    cache = getattr(client, "cache", None)
    notes: list[str] = []
    if isinstance(cache, LLMCache) and cache.disabled_reason:
        notes.append(f"cache disabled after an error: {cache.disabled_reason}")
    checker = getattr(client, "check_connection", None)
    if not callable(checker):
        connectivity = Connectivity(None, None, f"{client.backend} backend needs no network")
    elif not check:
        connectivity = Connectivity(None, None, "not requested")
    else:
        try:
            latency = float(checker())
        except (LLMError, LLMStrictError) as exc:
            connectivity = Connectivity(False, None, exc.reason)
        else:
            connectivity = Connectivity(True, latency, "one chat completion answered")
    base = getattr(client, "base_url", None)
    from agent.llm.openai_compat import public_url

    return DoctorReport(
        python=platform.python_version(),
        packages={name: _version(name) for name in DOCTOR_PACKAGES},
        backend=client.backend,
        model=client.model,
        base_url=public_url(base) if isinstance(base, str) else None,
        cache_path=str(cache.path) if isinstance(cache, LLMCache) else None,
        connectivity=connectivity,
        notes=tuple(notes),
    )
