"""Time LLM prior elicitation of a 10-variable graph against a slow loopback server.

    python -m evals.bench_elicit --latency 0.3 --variables 10

Runs the real `openai` client against the test suite's loopback fake server (every request waits
`latency` seconds), once with one query in flight and once with the default concurrency, and
prints both wall times. The fake server lives with the tests (tests/llm/fakeserver.py), so run this
from the repository root.
"""

from __future__ import annotations

import argparse
import time

from agent.llm.openai_compat import OpenAICompatLLM
from agent.nodes.elicit import CONCURRENCY, elicit_prior
from tests.llm.fakeserver import FakeOpenAIServer, RecordedRequest, json_reply

PAIR = {"relation": "neither", "confidence": 0.5, "rationale": "no known mechanism"}


def answer(req: RecordedRequest):
    return json_reply(PAIR)


def timed(url: str, columns: list[str], limit: int) -> tuple[float, int]:
    client = OpenAICompatLLM("fake-model", base_url=url, api_key="unused", cache=None)
    start = time.perf_counter()
    prior = elicit_prior(client, columns, {}, "pairwise", limit=limit)
    seconds = time.perf_counter() - start
    client.close()
    return seconds, prior.queries


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency", type=float, default=0.3)
    parser.add_argument("--variables", type=int, default=10)
    args = parser.parse_args()
    columns = [f"v{i}" for i in range(args.variables)]
    with FakeOpenAIServer(answer, latency=args.latency, max_requests=10_000) as server:
        sequential, queries = timed(server.url, columns, 1)
        concurrent, _ = timed(server.url, columns, CONCURRENCY)
    print(
        f"pairwise elicitation of {args.variables} variables: {queries} queries, "
        f"{args.latency * 1000:.0f} ms server latency"
    )
    print(f"  one at a time      {sequential:6.2f} s")
    print(f"  {CONCURRENCY} in flight        {concurrent:6.2f} s  ({sequential / concurrent:.1f}x)")


if __name__ == "__main__":
    main()
