"""Choose the discovery algorithm, its test or score, and its alpha grid from the data.

`data_facts` measures what the choice depends on (data type, missing values, a context column,
linearity, Gaussianity of the residuals, size); `choose_discovery` applies the rules in order and
returns the choice with the rule that fired, for the plan's rationale. Rules, first match wins:

1. the user declared a hidden common cause (`A <-> B` in --graph): FCI, which allows them;
2. a domain / regime / time-index column (declared, or detected by name): CD-NOD;
3. discrete data (every column binary or coded): PC with the G-test and, up to 12 variables with
   at most 6 states, GES with the BDeu score as a second candidate (their graphs are compared
   on held-out rows; GES's BDeu search in causal-learn is too slow for larger networks);
4. continuous data with missing values: PC with Fisher-z under test-wise deletion (mv_fisherz);
5. nonlinear relations (polynomial terms add held-out R^2): PC with the RCIT kernel test on a
   bounded subsample;
6. linear, non-Gaussian residuals: DirectLiNGAM, which orients every edge, with BOSS as a second
   candidate (same held-out comparison; a tie, which means the same equivalence class, keeps
   DirectLiNGAM's orientations);
7. linear and Gaussian: BOSS with BIC up to 40 variables, PC with Fisher-z above;
8. mixed types: PC with the degenerate Gaussian test (categories as indicator columns).

Wide tables (at least 50 columns) skip rules 3-8: PC with the data type's test, started from the
pairs whose marginal dependence survives Benjamini-Hochberg at FDR 0.05 and limited to
conditioning sets of at most 3 (`tools.discovery_screen`): the searches above are too slow there,
and an unscreened PC at alpha 0.1 finds hundreds of false edges among unrelated columns.

Constraint-based choices get an alpha grid: the level whose graph best predicts held-out rows is
kept (`tools.discovery`), so alpha follows the data rather than a convention.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
from scipy import stats
from threadpoolctl import threadpool_limits

from tools.data.prepare import seeded_rows
from tools.discovery import ALGORITHMS
from tools.discovery_screen import SCREEN_COLUMNS, SCREEN_FDR, WIDE_COLUMNS, WIDE_MAX_DEPTH
from tools.errors import InputError
from tools.types import Algorithm, CITest, DiscoveryParams, Frozen, GraphScore

ALPHA_GRID = (0.001, 0.01, 0.05, 0.1)
CONTEXT_NAME = re.compile(
    r"(^|_)(domain|regime|environment|env|site|batch|condition|experiment|context)(_|$)"
    r"|^(time|time_index|year|month|period|wave|season|epoch)$",
    re.IGNORECASE,
)
MAX_CONTEXT_LEVELS = 30
FACT_ROWS = 5000
"""Facts are measured on a seeded sample of at most this many rows (they are cheap, not exact)."""
NONLINEAR_GAIN = 0.1
"""Held-out R^2 a column must gain from polynomial terms to count as nonlinear."""
NONGAUSSIAN_SHARE = 0.5
NONLINEAR_SHARE = 0.2
DISCOVERY_MAX_ROWS = 20_000
"""Discovery runs on a seeded sample of at most this many rows; the effect uses every row."""
BOSS_MAX_VARIABLES = 40
GES_MAX_VARIABLES = 12
GES_MAX_STATES = 6


class DataFacts(Frozen):
    rows: int
    columns: int
    kind: str
    """continuous, discrete or mixed (from the profile)."""
    continuous_share: float
    categorical: tuple[str, ...] = ()
    """Binary and categorical columns (the context included)."""
    missing_fraction: float
    """Share of rows with at least one missing value among the analysed columns."""
    max_states: int
    """Largest number of distinct values of a discrete column (0 when none)."""
    context: str | None = None
    context_reason: str | None = None
    nonlinear_share: float | None = None
    """Share of continuous columns whose fit gains from polynomial terms (None: not measured)."""
    nongaussian_share: float | None = None
    """Share of continuous columns whose linear residual rejects normality."""
    latent_declared: bool = False


SETTINGS = (
    "ci_test",
    "score",
    "alpha_grid",
    "candidates",
    "context",
    "categorical",
    "screen_fdr",
    "max_depth",
)
"""The fields a choice hands to `DiscoveryParams` (and the plan keeps) besides the algorithm."""


class DiscoveryChoice(Frozen):
    algorithm: Algorithm
    ci_test: CITest = "fisherz"
    score: GraphScore = "bic"
    alpha_grid: tuple[float, ...] = ()
    candidates: tuple[Algorithm, ...] = ()
    context: str | None = None
    categorical: tuple[str, ...] = ()
    screen_fdr: float | None = None
    max_depth: int | None = None
    rule: str
    facts: DataFacts

    def params(self, **settings) -> DiscoveryParams:
        """Discovery parameters for this choice; `settings` adds seed, bootstrap, n_jobs."""
        return DiscoveryParams(
            algorithm=self.algorithm, **self.model_dump(include=set(SETTINGS)), **settings
        )


def discovery_sample(frame: pd.DataFrame, rows: int | None, seed: int) -> pd.DataFrame:
    """The seeded rows discovery sees (all when `rows` is None or the table is smaller)."""
    return seeded_rows(frame, rows, seed, stream=11)


def find_context(frame: pd.DataFrame, exclude: frozenset[str] = frozenset()) -> str | None:
    """A column named like a domain, regime, batch or time index that takes few values: a
    CD-NOD context. The treatment and outcome (`exclude`) never are: a context is uncaused."""
    for name in frame.columns:
        if (
            name not in exclude
            and CONTEXT_NAME.search(str(name))
            and 2 <= frame[name].nunique() <= MAX_CONTEXT_LEVELS
        ):
            return str(name)
    return None


def _residual_facts(frame: pd.DataFrame, seed: int) -> tuple[float, float]:
    """(nonlinear share, non-Gaussian share) over the columns, from regressions on the others.

    Each column is regressed on the others twice on a training half: linearly, and with squares
    and cubes added; the held-out R^2 gain says whether the relations bend. The linear residual is
    then tested for normality (D'Agostino K^2); a linear model with non-Gaussian noise leaves
    non-Gaussian residuals, which is what LiNGAM needs.
    """
    rng = np.random.default_rng(seed)
    data = frame.to_numpy(dtype=float)
    if len(data) > FACT_ROWS:
        data = data[rng.choice(len(data), FACT_ROWS, replace=False)]
    data = (data - data.mean(axis=0)) / data.std(axis=0)
    half = rng.permutation(len(data)) < len(data) // 2
    nonlinear, nongaussian = 0, 0
    for j in range(data.shape[1]):
        y, others = data[:, j], np.delete(data, j, axis=1)
        linear = np.column_stack([np.ones(len(y)), others])
        poly = np.column_stack([linear, others**2, others**3])
        gains = []
        for design in (linear, poly):
            coef, *_ = np.linalg.lstsq(design[half], y[half], rcond=None)
            resid = y[~half] - design[~half] @ coef
            gains.append(1 - resid.var() / y[~half].var())
        nonlinear += gains[1] - gains[0] > NONLINEAR_GAIN
        coef, *_ = np.linalg.lstsq(linear, y, rcond=None)
        resid = y - linear @ coef
        nongaussian += stats.normaltest(resid).pvalue < 0.01 and (
            abs(stats.skew(resid)) > 0.1 or abs(stats.kurtosis(resid)) > 0.2
        )
    d = data.shape[1]
    return nonlinear / d, nongaussian / d


def data_facts(
    frame: pd.DataFrame,
    discrete_columns: set[str] | frozenset[str],
    *,
    context: str | None = None,
    latent_declared: bool = False,
    roles: tuple[str | None, ...] = (),
    seed: int = 0,
) -> DataFacts:
    """Measure what the choice depends on. `frame` holds the analysed columns (NaN allowed);
    `discrete_columns` are the binary/categorical ones (from the profile); `roles` are the
    treatment and outcome."""
    discrete = set(discrete_columns)
    reason = "declared with --context" if context else None
    if context is None:
        context = find_context(frame, frozenset(r for r in roles if r))
        reason = "detected by its name and few values" if context else None
    columns = [str(c) for c in frame.columns if c != context]
    kind = (
        "discrete"
        if discrete >= set(columns)
        else ("continuous" if not discrete & set(columns) else "mixed")
    )
    continuous = [c for c in columns if c not in discrete]
    nonlinear = nongaussian = None
    complete = frame[continuous].dropna()
    if len(continuous) >= 2 and len(columns) < WIDE_COLUMNS and len(complete) >= 50:
        # (a wide table's choice does not read them, and each column's regression on all
        # others with polynomial terms would cost seconds per column)
        with threadpool_limits(limits=1):  # small matrices: BLAS threads only contend
            nonlinear, nongaussian = _residual_facts(complete, seed)
    return DataFacts(
        rows=len(frame),
        columns=len(columns),
        kind=kind,
        continuous_share=round(len(continuous) / max(len(columns), 1), 4),
        categorical=tuple(str(c) for c in frame.columns if c in discrete or c == context),
        missing_fraction=round(float(frame.isna().any(axis=1).mean()), 4),
        max_states=max((int(frame[c].nunique()) for c in discrete & set(columns)), default=0),
        context=context,
        context_reason=reason,
        nonlinear_share=nonlinear,
        nongaussian_share=nongaussian,
        latent_declared=latent_declared,
    )


TEST_NAMES = {
    "gsq": "the G-test",
    "dg": "the degenerate Gaussian test (categories as indicator columns)",
    "fisherz": "Fisher-z",
    "mv_fisherz": "Fisher-z under test-wise deletion",
    "rcit": "the RCIT kernel test",
}


def default_test(facts: DataFacts) -> CITest:
    """The CI test for the data type: G-test (discrete), degenerate Gaussian (categories among
    continuous columns), Fisher-z (continuous; test-wise deletion when values are missing)."""
    if facts.kind == "discrete":
        return "gsq"
    if facts.kind == "mixed" or (facts.context and facts.categorical):
        return "dg"
    return "mv_fisherz" if facts.missing_fraction > 0 else "fisherz"


def _choice(facts: DataFacts, algorithm: Algorithm, rule: str, **kw) -> DiscoveryChoice:
    kw.setdefault("ci_test", default_test(facts))
    kw.setdefault("score", "bdeu" if facts.kind == "discrete" else "bic")
    if ALGORITHMS[algorithm].uses_alpha:
        kw.setdefault("alpha_grid", ALPHA_GRID)
    if algorithm == "cdnod":
        kw.setdefault("context", facts.context)
    if algorithm == "pc" and facts.columns >= SCREEN_COLUMNS:
        kw.setdefault("screen_fdr", SCREEN_FDR)
        rule += (
            f"; PC starts from the pairs whose marginal dependence survives Benjamini-Hochberg "
            f"at FDR {SCREEN_FDR:g} ({facts.columns} columns: at a fixed alpha, chance edges "
            "among hundreds of pairs would make spurious colliders that orient real edges)"
        )
    if algorithm == "pc" and facts.columns >= WIDE_COLUMNS:  # also with --algorithm pc
        kw.setdefault("max_depth", WIDE_MAX_DEPTH)
    return DiscoveryChoice(
        algorithm=algorithm, rule=rule, facts=facts, categorical=facts.categorical, **kw
    )


def forced_choice(facts: DataFacts, algorithm: Algorithm) -> DiscoveryChoice:
    """The user's algorithm (`--algorithm`), with the test or score the data type calls for."""
    if algorithm == "cdnod" and not facts.context:
        raise InputError(
            "--algorithm cdnod needs a domain/regime/time column: pass --context COLUMN"
        )
    return _choice(facts, algorithm, f"{ALGORITHMS[algorithm].label} requested with --algorithm")


def choose_discovery(facts: DataFacts) -> DiscoveryChoice:
    """Apply the rules of the module docstring; the first that matches wins."""
    d, n = facts.columns, facts.rows
    size = f"{n} rows x {d} columns"
    test = default_test(facts)
    names = TEST_NAMES

    def pick(algorithm: Algorithm, rule: str, **kw) -> DiscoveryChoice:
        return _choice(facts, algorithm, rule, **kw)

    if facts.latent_declared:
        return pick(
            "fci",
            "the user graph declares a hidden common cause: FCI, which allows hidden "
            f"confounders (PAG marks), with {names[test]}",
        )
    if facts.context:
        return pick(
            "cdnod",
            f"column {facts.context} is a domain/regime context ({facts.context_reason}): "
            f"CD-NOD, whose changing mechanisms orient edges, with {names[test]}",
        )
    if d >= WIDE_COLUMNS:
        return pick(
            "pc",
            f"a wide table ({size}): PC with {names[test]}, conditioning on at most "
            f"{WIDE_MAX_DEPTH} columns at a time (other searches are too slow at this width)",
        )
    if facts.kind == "discrete":
        if d <= GES_MAX_VARIABLES and facts.max_states <= GES_MAX_STATES:
            return pick(
                "pc",
                f"discrete data ({size}, at most {facts.max_states} states): PC with the G-test "
                "and GES with the BDeu score, the graph that predicts held-out rows better kept",
                candidates=("ges",),
            )
        return pick(
            "pc",
            f"discrete data ({size}, up to {facts.max_states} states): PC with the G-test "
            f"(GES with BDeu is too slow beyond {GES_MAX_VARIABLES} variables or "
            f"{GES_MAX_STATES} states)",
        )
    if facts.kind == "mixed":
        return pick(
            "pc",
            f"mixed data ({facts.continuous_share:.0%} of {d} columns continuous): PC with "
            f"{names[test]}",
        )
    if facts.missing_fraction > 0:
        return pick(
            "pc",
            f"{facts.missing_fraction:.0%} of rows have missing values: PC with Fisher-z "
            "under test-wise deletion (mv_fisherz), which keeps every observed value",
        )
    if (facts.nonlinear_share or 0) >= NONLINEAR_SHARE:
        return pick(
            "pc",
            f"{facts.nonlinear_share:.0%} of columns gain over {NONLINEAR_GAIN:g} held-out R^2 "
            "from polynomial terms (nonlinear): PC with the RCIT kernel test on a bounded "
            "subsample",
            ci_test="rcit",
        )
    if (facts.nongaussian_share or 0) >= NONGAUSSIAN_SHARE:
        return pick(
            "direct_lingam",
            f"linear relations with non-Gaussian residuals in {facts.nongaussian_share:.0%} "
            "of columns: DirectLiNGAM, which orients every edge, and BOSS (BIC), the graph that "
            "predicts held-out rows better kept (a tie keeps DirectLiNGAM's orientations)",
            candidates=("boss",),
        )
    if d <= BOSS_MAX_VARIABLES:
        return pick(
            "boss",
            f"linear Gaussian data ({size}): BOSS with the BIC score (a permutation search, "
            "more accurate than PC at this size)",
        )
    return pick(
        "pc",
        f"linear Gaussian data with {d} columns: PC with Fisher-z (BOSS is slow beyond "
        f"{BOSS_MAX_VARIABLES} variables)",
    )
