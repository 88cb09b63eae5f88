"""A fast nonparametric conditional independence test for tigramite's PCMCI: causal-learn's
randomized conditional correlation test (RCoT, Strobl, Zhang and Visweswaran 2019), behind a thin
`CondIndTest` adapter.

RCoT approximates the kernel CI test (KCI) with random Fourier features: X and Y are each mapped
to a few random features, Z to more, the X and Y features are regressed on the Z features, and the
statistic n * ||Cov(res_x, res_y)||^2 has an analytic null (a weighted sum of chi-squares,
Lindsay-Pilla-Basak approximation), so no shuffle test is needed: a test on 1,500 points takes
milliseconds where CMIknn's shuffle test takes seconds. The unconditional case uses causal-learn's
RIT. The statistic and its null are causal-learn's; the adapter supplies the random frequencies,
drawn from a seeded generator (causal-learn draws them from numpy's global state, neither seeded
nor safe across threads) and for a kernel of our choosing (`feature_frequencies`: the library's
Gaussian kernel at three widths plus an additive kernel for the conditioning set), and maps the
result to tigramite's interface.
"""

from __future__ import annotations

import numpy as np

RCOT_FEATURES_Z = 100
"""Random features for the conditioning set (causal-learn's default)."""
RCOT_FEATURES_XY = 10
"""Random features for X and for Y (causal-learn's default is 5; with 5 random frequencies the
test missed sin(2x) links on the seeded nonlinear VARs: more frequencies, more chances to match
an oscillating link; the cost grows with the square, 100 products instead of 25)."""
RCOT_WIDTHS = (1.0, 0.5, 0.25)
"""Kernel widths as shares of the median distance (causal-learn uses the median alone): the
features cycle through them, i.e. a sum of Gaussian kernels. At the median width alone the
features are too smooth to follow a link that oscillates (sin(2x) of a series with standard
deviation 1.5): the test then misses it, or fails to regress it out of the conditioning set."""


def feature_frequencies(
    x: np.ndarray,
    num_f: int,
    sigma: float,
    rng: np.random.Generator,
    widths: tuple[float, ...] = RCOT_WIDTHS,
    additive: bool = True,
) -> np.ndarray:
    """Random Fourier frequencies (num_f x d) of a sum of kernels.

    One feature in two is a Gaussian kernel on all of x at a width of `RCOT_WIDTHS` times the
    median distance `sigma` (causal-learn's kernel, at several widths). With several columns
    (a conditioning set), the other half is additive: each on one random column, at the widths
    times that column's own median distance. In d dimensions the median distance grows like
    sqrt(d), so the joint features alone are too smooth to regress out a parent that acts
    through its own nonlinear function, and that parent's noisy proxies then look like extra
    parents; lagged parents of a series usually act that way (additive links)."""
    rows, d = x.shape
    width = np.array(widths)[np.arange(num_f) % len(widths)]
    w = rng.normal(size=(num_f, d)) / (sigma * width)[:, None]
    if additive and d > 1:
        head = x[: min(rows, 500)]
        own = np.median(np.abs(head[:, None, :] - head[None, :, :]), axis=(0, 1))
        own = np.where(own > 0, own, 1.0)
        additive = np.arange(num_f) % 2 == 1
        cols = rng.integers(0, d, size=num_f)
        single = np.zeros_like(w)
        single[np.arange(num_f), cols] = rng.normal(size=num_f) / (own[cols] * width)
        w[additive] = single[additive]
    return w


def _seeded(cls, rng: np.random.Generator, features_xy: int, kernel: dict):
    """causal-learn's class with its random Fourier features drawn from `rng` by
    `feature_frequencies`; RIT's hard-coded 5 features for X and Y become `features_xy`."""

    class Seeded(cls):
        def random_fourier_features(self, x, w=None, b=None, num_f=None, sigma=None):
            num_f = num_f or 25
            if num_f == 5:  # RIT's fixed count for X and Y
                num_f = features_xy
            sigma = sigma if sigma else 1.0
            w = feature_frequencies(x, num_f, sigma, rng, **kernel)
            b = np.tile(2 * np.pi * rng.uniform(size=(num_f, 1)), (1, x.shape[0]))
            return super().random_fourier_features(x, w=w, b=b, num_f=num_f, sigma=sigma)

    return Seeded


def rcot_test(
    seed: int = 0,
    features_z: int = RCOT_FEATURES_Z,
    features_xy: int = RCOT_FEATURES_XY,
    widths: tuple[float, ...] = RCOT_WIDTHS,
    additive: bool = True,
):
    """A tigramite `CondIndTest` running causal-learn's RCoT (RIT when Z is empty); the
    dependence value is the statistic divided by the sample size, the p-value analytic.
    `features_xy=5, widths=(1.0,), additive=False` is causal-learn's own kernel."""
    kernel = {"widths": widths, "additive": additive}
    from causallearn.utils.RCIT.RCIT import RCIT, RIT
    from threadpoolctl import threadpool_limits
    from tigramite.independence_tests.independence_tests_base import CondIndTest

    class RCoT(CondIndTest):
        @property
        def measure(self):
            return "rcot"

        def __init__(self, **kwargs):
            self._measure = "rcot"
            self.two_sided = False
            self.residual_based = False
            self.recycle_residuals = False
            super().__init__(seed=seed, significance="analytic", **kwargs)
            rng = np.random.default_rng(seed)
            self._cond = _seeded(RCIT, rng, features_xy, kernel)(
                num_f=features_z, num_f2=features_xy, rcit=False
            )
            self._uncond = _seeded(RIT, rng, features_xy, kernel)()
            self._last_p = 1.0

        def get_dependence_measure(self, array, xyz, data_type=None):
            x, y, z = (array[xyz == k].T for k in (0, 1, 2))
            # 100 x 100 matrices: BLAS threads only contend (8x slower on a loaded machine)
            with threadpool_limits(1):
                if z.shape[1]:
                    p, stat = self._cond.compute_pvalue(x, y, z)
                else:
                    p, stat = self._uncond.compute_pvalue(x, y)
            self._last_p = float(min(max(p, 0.0), 1.0))
            return float(stat) / array.shape[1]

        def get_analytic_significance(self, value, T, dim, xyz):
            # tigramite asks for the p-value right after computing the measure it belongs to
            return self._last_p

    return RCoT()
