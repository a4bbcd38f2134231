"""Two pyabc parts made cheap for many-parameter calibrations: a flat prior and the Gaussian perturbation.

pyabc's general `Distribution` evaluates a scipy distribution per parameter, and its
`MultivariateNormalTransition` factorises the covariance at every draw; with 13 values these
cost more than the model itself (a profile of a 300-particle calibration: 56 of 106 s). The
same densities and draws, from numpy arrays, make the model the cost again. Imported only
once pyabc is (the `calibrate` extra).
"""

from __future__ import annotations

import numpy as np
import pyabc


class UniformPrior(pyabc.DistributionBase):
    """Independent flat priors: `bounds` {name: (low, high)}."""

    def __init__(self, bounds: dict[str, tuple[float, float]]):
        self.names = list(bounds)
        self.low, self.high = (np.array(x, dtype=float) for x in zip(*bounds.values()))
        self.density = float(np.prod(1.0 / (self.high - self.low)))

    def rvs(self, *args, **kwargs) -> pyabc.Parameter:
        return pyabc.Parameter(dict(zip(self.names, self.low + (self.high - self.low) * np.random.random_sample(len(self.names)))))

    def pdf(self, x) -> float:
        v = np.fromiter((x[name] for name in self.names), dtype=float, count=len(self.names))
        return self.density if np.all((v >= self.low) & (v <= self.high)) else 0.0


class GaussianPerturbation(pyabc.MultivariateNormalTransition):
    """pyabc's multivariate normal kernel (same bandwidth and density), drawing from a factor
    of the covariance computed once per generation."""

    def fit(self, X, w) -> None:
        super().fit(X, w)
        values, vectors = np.linalg.eigh(self.cov)
        self._factor = vectors * np.sqrt(np.clip(values, 0.0, None))  # cov = F F^T, also when singular
        self._cumulative = np.cumsum(self.w) / np.sum(self.w)

    def rvs_single(self) -> pyabc.Parameter:
        k = min(int(np.searchsorted(self._cumulative, np.random.random_sample(), side="right")), len(self._X_arr) - 1)
        x = self._X_arr[k] + self._factor @ np.random.standard_normal(len(self._factor))
        return pyabc.Parameter(dict(zip(self.X.columns, x)))
