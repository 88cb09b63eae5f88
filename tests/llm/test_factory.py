"""Choosing the backend (flag > AGENT_LLM > key present > offline), building it, `doctor`."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from agent.llm.cache import LLMCache
from agent.llm.factory import (
    DEFAULT_OPENAI_MODEL,
    build_client,
    doctor_report,
    parse_llm_spec,
    resolve_llm_spec,
)
from agent.llm.offline import OfflineLLM
from agent.llm.openai_compat import OpenAICompatLLM
from tools.errors import ConfigError

from .fakeserver import FakeOpenAIServer, error_reply


@pytest.mark.parametrize(
    ("flag", "env", "expected"),
    [
        ("offline", {"AGENT_LLM": "openai:a", "OPENAI_API_KEY": "k"}, "offline"),
        ("openai:gpt-x", {}, "openai:gpt-x"),
        (" OpenAI:llama3.1:8b ", {}, "openai:llama3.1:8b"),  # Ollama tags contain ':'
        (None, {"AGENT_LLM": "openai:from-env", "OPENAI_API_KEY": "k"}, "openai:from-env"),
        (None, {"AGENT_LLM": "offline", "OPENAI_API_KEY": "k"}, "offline"),
        (None, {"OPENAI_API_KEY": "k"}, f"openai:{DEFAULT_OPENAI_MODEL}"),
        (None, {"AGENT_LLM": "  ", "OPENAI_API_KEY": ""}, "offline"),
        (None, {}, "offline"),
    ],
)
def test_resolve_llm_spec_precedence(flag, env, expected) -> None:
    assert resolve_llm_spec(flag, env) == expected


@pytest.mark.parametrize("bad", ["openai", "openai:", "gpt-4", "offline:x", "", "anthropic:c"])
def test_bad_spec_is_a_one_line_config_error(bad: str) -> None:
    with pytest.raises(ConfigError) as info:
        build_client(bad, env={})
    message = str(info.value)
    assert "'offline'" in message and "'openai:MODEL'" in message and "\n" not in message


def test_bad_agent_llm_names_its_source() -> None:
    with pytest.raises(ConfigError, match="AGENT_LLM"):
        resolve_llm_spec(None, {"AGENT_LLM": "gpt-4"})


def test_parse_llm_spec() -> None:
    spec = parse_llm_spec("openai:qwen2.5:7b-instruct")
    assert (spec.backend, spec.model, str(spec)) == ("openai", "qwen2.5:7b-instruct", str(spec))


def test_build_offline() -> None:
    assert isinstance(build_client("offline", env={}), OfflineLLM)


def test_openai_without_key_or_local_server_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="OPENAI_API_KEY"):
        build_client("openai:m", env={})


def test_build_openai_from_environment(tmp_path: Path) -> None:
    env = {
        "OPENAI_BASE_URL": "http://user:pw@127.0.0.1:9/v1/",
        "OPENAI_API_KEY": "sk-env-key-123456",
        "XDG_CACHE_HOME": str(tmp_path),
    }
    client = build_client("openai:m", env=env, strict=True)
    assert isinstance(client, OpenAICompatLLM)
    try:
        assert client.base_url == "http://127.0.0.1:9/v1" and client.strict
        assert client.cache is not None
        assert client.cache.path == tmp_path / "causal-agent" / "llm.sqlite"
        assert "sk-env-key" not in repr(client)
    finally:
        client.close()


def test_flags_override_environment_and_no_cache(tmp_path: Path) -> None:
    env = {"OPENAI_BASE_URL": "http://127.0.0.1:9/v1"}
    client = build_client("openai:m", base_url="http://127.0.0.1:8/v1", env=env, no_cache=True)
    assert isinstance(client, OpenAICompatLLM)
    assert client.base_url == "http://127.0.0.1:8/v1" and client.cache is None
    client.close()
    with_path = build_client("openai:m", env=env, cache_path=tmp_path / "x.sqlite")
    assert isinstance(with_path, OpenAICompatLLM) and with_path.cache is not None
    assert with_path.cache.path == tmp_path / "x.sqlite"
    with_path.close()


def test_bad_base_url_scheme() -> None:
    with pytest.raises(ConfigError, match="http"):
        build_client("openai:m", base_url="127.0.0.1:8000", env={"OPENAI_API_KEY": "k"})


def test_doctor_against_a_live_server(tmp_path: Path) -> None:
    with FakeOpenAIServer(latency=0.02) as server:
        client = build_client(
            "openai:m", base_url=server.url, env={}, cache_path=tmp_path / "c.sqlite"
        )
        report = doctor_report(client)
        assert server.request_count == 1
    assert report.connectivity.ok is True
    assert report.connectivity.latency_s is not None and report.connectivity.latency_s >= 0.02
    assert (report.backend, report.model, report.base_url) == ("openai", "m", server.url)
    assert report.cache_path == str(tmp_path / "c.sqlite")
    assert report.packages["openai"] is not None
    rows = dict(report.rows())
    assert rows["connectivity"].startswith("ok in") and rows["backend"] == "openai"


def test_doctor_reports_a_failing_server_without_raising() -> None:
    with FakeOpenAIServer(lambda req: error_reply(401, "invalid key")) as server:
        client = build_client("openai:m", base_url=server.url, env={}, no_cache=True)
        report = doctor_report(client)
        assert server.request_count == 1  # one call, no retries
    assert report.connectivity.ok is False and "401" in report.connectivity.detail
    assert dict(report.rows())["cache"] == "disabled"


def test_doctor_server_down_and_offline() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    down = build_client("openai:m", base_url=f"http://127.0.0.1:{port}/v1", env={}, no_cache=True)
    assert doctor_report(down).connectivity.ok is False

    offline = doctor_report(OfflineLLM())
    assert offline.connectivity.ok is None and offline.backend == "offline"
    assert offline.cache_path is None and offline.base_url is None


def test_doctor_lists_a_cache_that_broke(tmp_path: Path) -> None:
    client = build_client("openai:m", base_url="http://127.0.0.1:9/v1", env={}, no_cache=True)
    assert isinstance(client, OpenAICompatLLM)
    client.cache = LLMCache(tmp_path / "c.sqlite")
    client.cache.disabled_reason = "OperationalError: disk I/O error"
    report = doctor_report(client, check=False)
    assert report.connectivity.ok is None and "disk I/O" in report.notes[0]
