"""Samples of parameter ranges for sweeps (scipy.stats.qmc): Latin hypercube and Sobol.

    latin_hypercube({"model.peer_weight": (0, 1.2), "model.retribution_weight": (0, 2)}, n=50)
    sobol({"model.peer_weight": (0, 1.2), "model.retribution_weight": (0, 2)}, n=64)

A named sweep holds the same as a ``sample`` block (configs/sweep/sobol_syria.yaml)::

    sample: {method: sobol, n: 64, seed: 0, ranges: {model.peer_weight: [0, 1.2]}}

The Sobol sample is Saltelli's design for variance-based sensitivity indices (Saltelli
et al. 2010): from a scrambled Sobol sequence of 2·D dimensions, a base matrix A (the
first D columns), a second matrix B (the other D), and for each parameter i the matrix
AB_i (A with column i from B): n·(D + 2) points. Each point's ``sample.block`` ("A",
"B" or "AB:<key>") and ``sample.row`` (0..n-1) are columns of the sweep's tables, which
:func:`sim.analysis.sensitivity.sobol_indices` reads.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from sim.errors import ConfigError, one_of

METHODS = ("lhs", "sobol")
MIN_LHS = 2
MIN_SOBOL = 4


@dataclass(frozen=True)
class Sample:
    """Points of a sample: ``values[i, j]`` is point i's value of ``keys[j]``."""

    method: str
    ranges: dict[str, tuple[float, float]]
    values: np.ndarray
    rows: np.ndarray
    blocks: tuple[str, ...]
    seed: int

    def __len__(self) -> int:
        return len(self.values)

    @property
    def keys(self) -> list[str]:
        return list(self.ranges)

    def extra(self, i: int) -> dict[str, Any]:
        """The point's sample columns: its row, and its block (Sobol)."""
        out: dict[str, Any] = {"sample.row": int(self.rows[i])}
        if self.method == "sobol":
            out["sample.block"] = self.blocks[i]
        return out

    def to_frame(self):
        """The points as a DataFrame (one column per parameter, then the sample columns)."""
        import pandas as pd

        frame = pd.DataFrame(self.values, columns=self.keys)
        for key in self.extra(0):
            frame[key] = [self.extra(i)[key] for i in range(len(self))]
        return frame


def _ranges(ranges: Mapping[str, Sequence[float]]) -> dict[str, tuple[float, float]]:
    if not isinstance(ranges, Mapping) or not ranges:
        raise ConfigError("sample.ranges", ranges, "a mapping {key: [low, high]}", "empty")
    out = {}
    for key, bounds in ranges.items():
        allowed = "[low, high], two finite numbers with low < high"
        if isinstance(bounds, str) or not isinstance(bounds, Sequence | np.ndarray):
            raise ConfigError(f"sample.ranges.{key}", bounds, allowed)
        if len(bounds) != 2:
            raise ConfigError(f"sample.ranges.{key}", list(bounds), allowed)
        try:
            low, high = float(bounds[0]), float(bounds[1])
        except (TypeError, ValueError):
            raise ConfigError(f"sample.ranges.{key}", list(bounds), allowed) from None
        if not (math.isfinite(low) and math.isfinite(high)) or not low < high:
            raise ConfigError(f"sample.ranges.{key}", list(bounds), allowed, "empty range")
        out[str(key)] = (low, high)
    return out


def _count(n: Any, minimum: int, what: str) -> int:
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < minimum:
        raise ConfigError("sample.n", n, what, "too small for the sampler")
    return int(n)


def _scale(unit: np.ndarray, ranges: Mapping[str, tuple[float, float]]) -> np.ndarray:
    low = np.array([r[0] for r in ranges.values()])
    high = np.array([r[1] for r in ranges.values()])
    return low + unit * (high - low)


def latin_hypercube(ranges: Mapping[str, Sequence[float]], n: int, seed: int = 0) -> Sample:
    """``n`` points of a Latin hypercube over ``ranges`` ({key: (low, high)}), seeded."""
    from scipy.stats import qmc

    checked = _ranges(ranges)
    n = _count(n, MIN_LHS, f"an integer >= {MIN_LHS}")
    unit = qmc.LatinHypercube(d=len(checked), seed=np.random.default_rng(seed)).random(n)
    return Sample("lhs", checked, _scale(unit, checked), np.arange(n), ("",) * n, seed)


def sobol(ranges: Mapping[str, Sequence[float]], n: int, seed: int = 0) -> Sample:
    """Saltelli's design from a scrambled Sobol sequence: ``n`` base rows (a power of 2,
    at least 4), n·(D + 2) points over ``ranges`` ({key: (low, high)})."""
    from scipy.stats import qmc

    checked = _ranges(ranges)
    allowed = f"a power of 2 >= {MIN_SOBOL} (the Sobol sequence's balance needs it)"
    n = _count(n, MIN_SOBOL, allowed)
    if n & (n - 1):
        raise ConfigError("sample.n", n, allowed, "not a power of 2")
    d = len(checked)
    base = qmc.Sobol(d=2 * d, scramble=True, seed=np.random.default_rng(seed)).random_base2(
        int(math.log2(n))
    )
    a, b = base[:, :d], base[:, d:]
    values, rows, blocks = [], [], []
    for j in range(n):  # SALib's order: A_j, AB_1j .. AB_Dj, B_j
        values.append(a[j])
        rows.append(j)
        blocks.append("A")
        for i, key in enumerate(checked):
            ab = a[j].copy()
            ab[i] = b[j, i]
            values.append(ab)
            rows.append(j)
            blocks.append(f"AB:{key}")
        values.append(b[j])
        rows.append(j)
        blocks.append("B")
    unit = np.array(values)
    return Sample("sobol", checked, _scale(unit, checked), np.array(rows), tuple(blocks), seed)


def from_config(spec: Any) -> Sample:
    """A sample from a config's ``sample`` block: {method, n, seed, ranges}."""
    if not isinstance(spec, Mapping):
        raise ConfigError("sample", spec, "a mapping {method, n, seed, ranges}")
    for key in spec:
        if key not in {"method", "n", "seed", "ranges"}:
            raise ConfigError(f"sample.{key}", spec[key], one_of(["method", "n", "seed", "ranges"]))
    method = spec.get("method")
    if method not in METHODS:
        raise ConfigError("sample.method", method, one_of(METHODS, method))
    seed = spec.get("seed", 0)
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ConfigError("sample.seed", seed, "an integer >= 0")
    make = latin_hypercube if method == "lhs" else sobol
    return make(spec.get("ranges"), spec.get("n"), seed)
