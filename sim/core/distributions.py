"""The distributions a trait is drawn from (ODD.md, section 5), as checked values.

:mod:`sim.config.schema` builds them from a config (and checks that each one's support
lies within its trait's range); :mod:`sim.world.population` draws from them with the
parameter stream. A "positional" distribution assigns one given value per official of
a role, by position.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

INF = math.inf


@dataclass(frozen=True)
class Constant:
    """Every official gets ``value`` (a plain number in a config means this)."""

    value: float
    positional = False

    def support(self) -> tuple[float, float]:
        return self.value, self.value

    def draw(self, n: int, rng: np.random.Generator) -> np.ndarray:
        return np.full(n, self.value)


@dataclass(frozen=True)
class Uniform:
    low: float
    high: float
    positional = False

    def support(self) -> tuple[float, float]:
        return self.low, self.high

    def draw(self, n: int, rng: np.random.Generator) -> np.ndarray:
        return rng.uniform(self.low, self.high, n)


@dataclass(frozen=True)
class Normal:
    """Normal(mean, sd), clipped to [low, high]."""

    mean: float
    sd: float
    low: float = -INF
    high: float = INF
    positional = False

    def support(self) -> tuple[float, float]:
        return self.low, self.high

    def draw(self, n: int, rng: np.random.Generator) -> np.ndarray:
        return np.clip(rng.normal(self.mean, self.sd, n), self.low, self.high)


@dataclass(frozen=True)
class NormalQuantiles:
    """Deterministic values at the mid-quantiles mean + sd·Φ⁻¹((j + ½)/n), j = 0..n−1,
    clipped to [low, high]: Granovetter's (1978) normal case without sampling noise."""

    mean: float
    sd: float
    low: float = -INF
    high: float = INF
    positional = False

    def support(self) -> tuple[float, float]:
        return self.low, self.high

    def draw(self, n: int, rng: np.random.Generator) -> np.ndarray:
        from scipy.special import ndtri  # SciPy only where it is used

        q = (np.arange(n) + 0.5) / n
        return np.clip(self.mean + self.sd * ndtri(q), self.low, self.high)


@dataclass(frozen=True)
class Beta:
    """Beta(a, b), scaled to [low, high]."""

    a: float
    b: float
    low: float = 0.0
    high: float = 1.0
    positional = False

    def support(self) -> tuple[float, float]:
        return self.low, self.high

    def draw(self, n: int, rng: np.random.Generator) -> np.ndarray:
        return self.low + (self.high - self.low) * rng.beta(self.a, self.b, n)


@dataclass(frozen=True)
class Integers:
    """Integers from low to high, both included, equally likely."""

    low: int
    high: int
    positional = False

    def support(self) -> tuple[float, float]:
        return self.low, self.high

    def draw(self, n: int, rng: np.random.Generator) -> np.ndarray:
        return rng.integers(self.low, self.high, n, endpoint=True)


@dataclass(frozen=True)
class Values:
    """One value per official of a role, by position (``values``, or ``fractions``:
    numerator / denominator, the same float as a peer share D / N)."""

    values: tuple[float, ...]
    positional = True

    def support(self) -> tuple[float, float]:
        return (min(self.values), max(self.values)) if self.values else (0.0, 0.0)

    def draw(self, n: int, rng: np.random.Generator) -> np.ndarray:
        return np.asarray(self.values)


Distribution = Constant | Uniform | Normal | NormalQuantiles | Beta | Integers | Values

#: the ``dist`` names of a config and their keys
KEYS: dict[str, tuple[str, ...]] = {
    "constant": ("value",),
    "uniform": ("low", "high"),
    "normal": ("mean", "sd", "low", "high"),
    "normal_quantiles": ("mean", "sd", "low", "high"),
    "beta": ("a", "b", "low", "high"),
    "integers": ("low", "high"),
    "values": ("values",),
    "fractions": ("numerators", "denominator", "replace"),
}
#: the distributions an integer trait may take
INTEGER_DISTS = ("constant", "integers", "values")
POSITIONAL_DISTS = ("values", "fractions")
