"""A conditional-independence test for mixed data, plugged into causal-learn's test registry.

The degenerate Gaussian test (Andrews, Ramsey & Cooper 2019): every categorical column becomes
k-1 indicator columns and the test is the Gaussian likelihood-ratio test between the two blocks
given the conditioning blocks (Wilks' lambda with Bartlett's correction, chi-square with
p_x * p_y degrees of freedom). With only continuous columns it is the Fisher-z test; unlike
Fisher-z on integer codes it does not read a category code as a quantity, which is what a
domain / regime column for CD-NOD, or a categorical column in mixed data, needs.
"""

from __future__ import annotations

import hashlib
import json

import numpy as np
from causallearn.utils.cit import CIT_Base, register_ci_test
from scipy.special import chdtrc

DEGENERATE_GAUSSIAN = "dg"
INVERSE_CACHE = 50_000


def _logdet(value: float) -> tuple[float, float]:
    if value > 0:
        return 1.0, float(np.log(value))
    return (0.0 if value == 0 else -1.0), -np.inf


def _logdets(joint: np.ndarray, kx: int) -> tuple[float, float, float, float, float, float]:
    """Signs and log-determinants of the joint block and its two diagonal blocks; the common
    case, one column each (a 2 x 2 joint), in closed form instead of three LAPACK calls."""
    if joint.shape == (2, 2) and kx == 1:
        a, b, d = float(joint[0, 0]), float(joint[0, 1]), float(joint[1, 1])
        return (*_logdet(a * d - b * b), *_logdet(a), *_logdet(d))
    sj, lj = np.linalg.slogdet(joint)
    sx, lx = np.linalg.slogdet(joint[:kx, :kx])
    sy, ly = np.linalg.slogdet(joint[kx:, kx:])
    return float(sj), float(lj), float(sx), float(lx), float(sy), float(ly)


class DegenerateGaussian(CIT_Base):
    """`categorical`: indices of the categorical columns of `data` (integer codes)."""

    def __init__(self, data: np.ndarray, categorical: tuple[int, ...] = (), **kwargs) -> None:
        super().__init__(data, **kwargs)
        self.check_cache_method_consistent(
            DEGENERATE_GAUSSIAN,
            hashlib.md5(json.dumps(sorted(map(int, categorical))).encode()).hexdigest(),
        )
        self.assert_input_data_is_valid()
        blocks, columns = [], []
        for j in range(data.shape[1]):
            if j in categorical:
                levels = np.unique(data[:, j])
                dummies = [(data[:, j] == v).astype(float) for v in levels[1:]]
            else:
                dummies = [data[:, j].astype(float)]
            blocks.append(list(range(len(columns), len(columns) + len(dummies))))
            columns.extend(dummies)
        self.blocks = blocks
        self.cov = np.cov(np.column_stack(columns), rowvar=False)
        self._inverses: dict[tuple[int, ...], np.ndarray] = {}

    def _inverse(self, given: list[int]) -> np.ndarray:
        """Pseudo-inverse of the conditioning block, cached: PC tests many pairs given the same
        set, and this is the test's largest cost."""
        key = tuple(given)
        inverse = self._inverses.get(key)
        if inverse is None:
            if len(self._inverses) > INVERSE_CACHE:
                self._inverses.clear()
            inverse = np.linalg.pinv(self.cov[np.ix_(given, given)])
            self._inverses[key] = inverse
        return inverse

    def _residual_cov(self, rows: list[int], given: list[int]) -> np.ndarray:
        block = self.cov[np.ix_(rows, rows)]
        if not given:
            return block
        cross = self.cov[np.ix_(rows, given)]
        return block - cross @ self._inverse(given) @ cross.T

    def __call__(self, X, Y, condition_set=None) -> float:
        xs, ys, condition_set, key = self.get_formatted_XYZ_and_cachekey(X, Y, condition_set)
        if key in self.pvalue_cache:
            return self.pvalue_cache[key]
        bx = [c for v in xs for c in self.blocks[v]]
        by = [c for v in ys for c in self.blocks[v]]
        bz = [c for v in condition_set for c in self.blocks[v]]
        joint = self._residual_cov(bx + by, bz)
        sign_joint, logdet_joint, sign_x, logdet_x, sign_y, logdet_y = _logdets(joint, len(bx))
        if sign_x <= 0 or sign_y <= 0 or not np.isfinite(logdet_x + logdet_y):
            # X or Y is a function of Z (e.g. an indicator column of a categorical in Z): nothing
            # is left to depend on, so independent given Z (the log-ratio would be -inf - -inf)
            p = 1.0
        elif sign_joint <= 0 or not np.isfinite(logdet_joint):
            p = 0.0  # X and Y determine each other given Z
        else:
            log_lambda = min(logdet_joint - logdet_x - logdet_y, 0.0)
            scale = self.sample_size - len(bz) - (len(bx) + len(by) + 3) / 2
            p = float(chdtrc(len(bx) * len(by), -max(scale, 1.0) * log_lambda))
        self.pvalue_cache[key] = p
        return p


register_ci_test(DEGENERATE_GAUSSIAN, DegenerateGaussian)
