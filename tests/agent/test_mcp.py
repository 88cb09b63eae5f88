"""`agent mcp` through the real protocol: a subprocess driven by the MCP client over stdio."""

import os
import sys
from pathlib import Path

import anyio
import pytest
from mcp import ClientSession, StdioServerParameters, stdio_client

from evals.synthetic import confounded_binary

REPO = Path(__file__).resolve().parents[2]
TOOLS = {
    "profile_table",
    "discover_graph",
    "identify_effect",
    "estimate_effect",
    "critique_effect",
    "analyze",
    "ask_causal_question",
    "edit_graph",
}


@pytest.fixture(scope="module")
def root(tmp_path_factory) -> tuple[Path, float]:
    folder = tmp_path_factory.mktemp("mcp-root")
    frame, truth = confounded_binary(n=800, seed=5)
    frame.to_csv(folder / "seeded.csv", index=False)
    return folder, truth.ate


def server(root: Path) -> StdioServerParameters:
    path = os.pathsep.join(p for p in (str(REPO), os.environ.get("PYTHONPATH")) if p)
    return StdioServerParameters(
        command=sys.executable,
        args=["-m", "agent", "mcp", "--root", str(root)],
        cwd=str(root.parent),  # the root is the flag, not the working directory
        env={"PYTHONPATH": path, "XDG_CACHE_HOME": str(root.parent / "cache")},
    )


def text(result) -> str:
    return result.content[0].text


def test_a_client_lists_runs_is_refused_and_the_server_keeps_answering(root):
    folder, truth = root
    seen: list[str] = []

    async def scenario() -> None:
        async with stdio_client(server(folder)) as (read, write), ClientSession(read, write) as s:
            await s.initialize()
            tools = {t.name: t for t in (await s.list_tools()).tools}
            assert set(tools) >= TOOLS
            assert tools["analyze"].input_schema["properties"]["path"]["type"] == "string"
            assert tools["analyze"].output_schema is not None

            outside = await s.call_tool("profile_table", {"path": str(REPO / "README.md")})
            assert outside.is_error and "is outside the allowed root" in text(outside)
            escape = await s.call_tool("profile_table", {"path": "../seeded.csv"})
            assert escape.is_error and "is outside the allowed root" in text(escape)
            missing = await s.call_tool("analyze", {"path": "nope.csv", "treatment": "t"})
            assert missing.is_error and text(missing).startswith("pass both --treatment")
            wrong = await s.call_tool("profile_table", {"path": 3, "seed": "x"})
            assert wrong.is_error and "\n" not in text(wrong)
            assert text(wrong).startswith("invalid arguments for profile_table: path: ")
            missing = await s.call_tool("profile_table", {"path": "nope.csv"})
            assert missing.is_error
            assert text(missing) == f"data file not found: {folder / 'nope.csv'}"

            # a run cancelled mid-way stops and writes nothing; the server answers meanwhile
            started = anyio.Event()

            async def first_step(progress, total, message) -> None:
                started.set()

            args = {"path": "seeded.csv", "treatment": "t", "outcome": "y", "seed": 1}
            async with anyio.create_task_group() as group:

                async def doomed() -> None:
                    await s.call_tool("analyze", {**args, "out": "cancelled"}, None, first_step)

                group.start_soon(doomed)
                await started.wait()
                group.cancel_scope.cancel()
            profile = await s.call_tool("profile_table", {"path": "seeded.csv"})
            assert not profile.is_error
            assert len(profile.structured_content["columns"]) == 5

            async def note(progress, total, message) -> None:
                seen.append(message)

            done = await s.call_tool("analyze", args, None, note)
            assert not done.is_error, text(done)
            result = done.structured_content["result"]
            effect = result["effect"]
            assert effect["ci_low"] <= truth <= effect["ci_high"]
            report = Path(done.structured_content["report_dir"])
            assert report.parent == folder / "runs" and (report / "report.html").is_file()
            last = await s.read_resource("causal-agent://runs/last/result.json")
            assert f'"estimate": {effect["estimate"]}' in last.contents[0].text
            assert not (folder / "cancelled").exists()

            graph = {k: result["graph"][k] for k in ("nodes", "edges")}
            arrow = next(e for e in graph["edges"] if e["mark"] == "-->")
            removed = await s.call_tool(
                "edit_graph", {"graph": graph, "remove": [f"{arrow['source']}->{arrow['target']}"]}
            )
            assert not removed.is_error, text(removed)
            assert len(removed.structured_content["graph"]["edges"]) == len(graph["edges"]) - 1
            arrows = [(e["source"], e["target"]) for e in graph["edges"] if e["mark"] == "-->"]
            a, b, c = next((a, b, c) for a, b in arrows for b2, c in arrows if b2 == b)
            cycle = await s.call_tool("edit_graph", {"graph": graph, "add": [f"{c}->{a}"]})
            assert cycle.is_error and "would create the cycle" in text(cycle)

    anyio.run(scenario)
    assert any(m.startswith("estimate:") for m in seen) and seen[-1].startswith("report:")
