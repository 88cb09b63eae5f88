"""First-contact speed: how long `agent --help`, a bad flag and `agent ask` take to answer.

    python -m evals.bench_cli_startup [--repeat N]

Runs the installed `agent` console script (the one beside this Python) N times per command and
prints the median wall time and the median CPU time (user + system of the child). On a shared,
loaded machine the wall time includes waiting for a core; the CPU time is what the command costs.
Targets (issue 18): `--help` under 0.5 s, `ask` under 1 s. This is a benchmark, not a test: the
timings depend on the machine; `tests/agent/test_cli_input.py` checks what `import agent.cli`
loads, which is what makes it fast.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

AGENT = str(Path(sys.executable).with_name("agent"))
QUESTION = (
    "Premise: Suppose there is a closed system of 3 variables, A, B and C. All the statistical "
    "relations among these 3 variables are as follows: A correlates with C. B correlates with C. "
    "However, A is independent of B. Hypothesis: A directly causes C."
)
COMMANDS: dict[str, tuple[list[str], float]] = {
    "agent --help": ([AGENT, "--help"], 0.5),
    "agent analyze --help": ([AGENT, "analyze", "--help"], 0.5),
    "agent analyze --max-rows 0 (refused)": (
        [AGENT, "analyze", "x.csv", "--max-rows", "0"],
        0.5,
    ),
    "agent ask QUESTION": ([AGENT, "ask", QUESTION, "--quiet"], 1.0),
    'python -c "import agent.cli"': ([sys.executable, "-c", "import agent.cli"], 0.5),
}


def time_once(argv: list[str]) -> tuple[float, float, int]:
    """(wall seconds, CPU seconds of the child, exit code) of one run."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(
        argv,
        capture_output=True,
        env={**os.environ, "AGENT_LLM": "offline"},
        check=False,
    )
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, done.returncode


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="runs per command (median kept)")
    args = parser.parse_args(argv)
    load = os.getloadavg()[0]
    print(f"load average {load:.2f} on {os.cpu_count()} cores; {args.repeat} runs each\n")
    print("| command | median wall s | median CPU s | target s | exit |")
    print("|---|---:|---:|---:|---:|")
    for label, (command, target) in COMMANDS.items():
        time_once(command)  # warm the file cache (.pyc files, shared libraries)
        runs = [time_once(command) for _ in range(args.repeat)]
        wall = statistics.median(r[0] for r in runs)
        cpu = statistics.median(r[1] for r in runs)
        codes = sorted({r[2] for r in runs})
        print(f"| {label} | {wall:.3f} | {cpu:.3f} | {target} | {','.join(map(str, codes))} |")


if __name__ == "__main__":
    main()
