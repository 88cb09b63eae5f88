"""Edge confidence by block half-samples, which keep time order inside each block.

Each unit is cut into consecutive blocks of `block_length(T)` time points; a half-sample keeps a
random half of the blocks, drawn without replacement (as the i.i.d. discovery uses half-samples
of rows: a bootstrap with replacement repeats blocks, which makes every test over-confident, finds
spurious edges and is slower). tigramite reads the blocks as separate datasets
(`analysis_mode="multiple"`), so no lag ever spans two blocks; VARLiNGAM needs one array and reads
them one after another (the few windows across a block boundary are a known approximation). An
edge's confidence is the share of half-samples in which its two nodes are linked at the same lag;
its orientation confidence, the share with the same mark and direction.

`block_resample` (moving blocks with replacement) is the bootstrap for least-squares refits
(`tools.timeseries.irf`), where repeated blocks are what a bootstrap should do.
"""

from __future__ import annotations

import math
import time
from collections import Counter
from collections.abc import Callable

import numpy as np

from tools.parallel import Executor, LocalExecutor
from tools.timeseries.discovery import Link

MIN_RESAMPLES = 4
MAX_RESAMPLES = 20


def block_length(steps: int, max_lag: int) -> int:
    """sqrt(T), at least ten windows of the largest lag, never longer than the series."""
    return int(min(steps, max(10 * (max_lag + 1), round(math.sqrt(steps)))))


def block_resample(units: list[np.ndarray], max_lag: int, rng: np.random.Generator) -> list:
    """One moving-block resample: a list of contiguous blocks, about as many points as the data."""
    blocks = []
    for unit in units:
        length = block_length(len(unit), max_lag)
        starts = rng.integers(0, len(unit) - length + 1, size=math.ceil(len(unit) / length))
        blocks += [unit[s : s + length] for s in starts]
    return blocks


def block_halfsample(units: list[np.ndarray], max_lag: int, rng: np.random.Generator) -> list:
    """Half of the consecutive blocks of every unit, drawn without replacement."""
    blocks = []
    for unit in units:
        length = block_length(len(unit), max_lag)
        cuts = [unit[s : s + length] for s in range(0, len(unit), length)]
        cuts = [c for c in cuts if len(c) > 2 * (max_lag + 1)]
        keep = rng.choice(len(cuts), size=max(1, (len(cuts) + 1) // 2), replace=False)
        blocks += [cuts[k] for k in sorted(keep)]
    return blocks


def adjacency_key(link: Link) -> tuple[int, int, int]:
    if link.lag == 0:
        return (min(link.source, link.target), max(link.source, link.target), 0)
    return (link.source, link.target, link.lag)


RESAMPLE_COST = 1.25
"""Wall seconds of one half-sample search, in threads that share the interpreter lock, as a
multiple of the main search's (measured: 20 half-samples of a 10 x 2,000 series took about 20 s
on 2 threads after a 0.6-0.9 s main search); threads barely overlap, so `n_jobs` is not counted."""


def count_resamples(one_search_seconds: float, budget: float) -> int:
    """As many half-samples as fit in `budget` seconds of wall time, capped at 20; 0 when even
    the minimum of 4 does not fit (the caller says so)."""
    fits = int(budget / (RESAMPLE_COST * max(one_search_seconds, 1e-3)))
    return 0 if fits < MIN_RESAMPLES else min(MAX_RESAMPLES, fits)


def _half_sample_search(task: tuple[list[np.ndarray], int], search: Callable) -> list[Link]:
    """One block half-sample's search as an executor task (the search is shared)."""
    blocks, seed = task
    return search(blocks, seed)


def edge_confidence(
    search: Callable[[list[np.ndarray], int], list[Link]],
    units: list[np.ndarray],
    max_lag: int,
    resamples: int,
    seed: int,
    n_jobs: int = 1,
    executor: Executor | None = None,
) -> tuple[dict[tuple[int, int, int, str], tuple[float, float]], Counter, float]:
    """Run `search(blocks, seed)` on `resamples` block half-samples (seeded, on `executor`; None:
    `n_jobs` local threads); return (adjacency share, exact-mark share) by link key, the
    adjacency counts, and seconds."""
    start = time.perf_counter()
    rngs = np.random.default_rng(seed).spawn(resamples)
    draws = [block_halfsample(units, max_lag, rng) for rng in rngs]
    # threads: a worker process would import numpy, scipy and tigramite first (seconds on a
    # loaded machine); the tests spend much of their time in numpy, which releases the GIL
    executor = executor or LocalExecutor(min(n_jobs, resamples) or 1)
    results = executor.map(
        _half_sample_search,
        [(blocks, seed + k) for k, blocks in enumerate(draws)],
        shared=search,
        prefer="threads",
        label="block half-sample",
    )
    adjacency: Counter = Counter()
    exact: Counter = Counter()
    for links in results:
        adjacency.update({adjacency_key(link) for link in links})
        exact.update({link.key for link in links})
    shares: dict[tuple[int, int, int, str], tuple[float, float]] = {}
    for links in results:
        for link in links:
            shares[link.key] = (
                round(adjacency[adjacency_key(link)] / resamples, 3),
                round(exact[link.key] / resamples, 3),
            )
    return shares, adjacency, time.perf_counter() - start


def confidence_for(
    links: list[Link],
    shares: dict[tuple[int, int, int, str], tuple[float, float]],
    adjacency: Counter,
    resamples: int,
) -> dict[tuple[int, int, int, str], tuple[float, float]]:
    """The confidence of each link of the main search (0 exact share when never reproduced)."""
    out = {}
    for link in links:
        adj = round(adjacency[adjacency_key(link)] / resamples, 3) if resamples else 0.0
        out[link.key] = (adj, shares.get(link.key, (adj, 0.0))[1])
    return out
