"""Analysis of runs and sweeps: pure functions on the tidy tables (no Mesa, no Hydra).

Inputs are the project's tables (README.md, "Outputs" and "Sweeps"): ``curves.csv`` (one
row per run and step) and ``runs.csv`` (one row per run), as pandas DataFrames, or plain
arrays. Sections:

- per run: final share, cascade or not, time of tipping, peak preparing, late defectors;
- across replicates: mean curve with a 95 % band; P(cascade) with Wilson intervals;
- tipping point of a sweep: where P(cascade) crosses 1/2 (logistic fit, bootstrap
  interval) and where the mean final share jumps.

The run summary is :mod:`sim.analysis.summary`; the mean field :mod:`sim.analysis.meanfield`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import optimize, stats

from sim.analysis.summary import RUN_COLUMNS, steepest_rise

RUN_KEYS = ["point", "replicate"]
#: columns of the sweep tables that are not swept parameters
NOT_PARAMETERS = {
    *RUN_KEYS,
    "seed",
    "step",
    "steps",
    "n_officials",
    "sample.row",
    "sample.block",
    "cascade",
    "crossing_step",
    *RUN_COLUMNS,
    "share_defected",
    "n_preparing",
    "n_arrested",
    "perceived_survival",
    "n_defected",
}


class PooledWarning(UserWarning):
    """An analysis pooled runs over a swept parameter (``pool=True``)."""


def swept_columns(table: pd.DataFrame) -> list[str]:
    """The parameter columns of a sweep table that take more than one value."""
    return [c for c in table.columns if c not in NOT_PARAMETERS and table[c].nunique() > 1]


def _others(table: pd.DataFrame, parameter: str | None, by: Sequence[str] | None, pool: bool):
    """The columns to group by besides ``parameter``: ``by`` if given, else every other
    swept parameter; with ``pool``, none, and a warning naming what was pooled."""
    others = [c for c in swept_columns(table) if c != parameter]
    if by is not None:
        return list(by)
    if pool:
        if others:
            import warnings

            warnings.warn(
                f"pooled over the swept parameters {', '.join(others)} (pool=True)",
                PooledWarning,
                stacklevel=3,
            )
        return []
    return others


# --- per run ---------------------------------------------------------------------------
def crossing_step(share: Sequence[float], cutoff: float) -> int | None:
    """The first step at which one run's share defected is >= ``cutoff`` (index = step);
    None if it never is. (The step of the steepest rise is the run summary's,
    :func:`sim.analysis.summary.steepest_rise`.)

    >>> crossing_step([0, 0.1, 0.5, 0.6], cutoff=0.5)
    2
    """
    hits = np.flatnonzero(np.asarray(share, dtype=float) >= cutoff)
    return int(hits[0]) if len(hits) else None


def late_defector_share(defection_steps: Sequence[float], tipping: int | None) -> float:
    """Share of a run's defectors who defected after the tipping step (NaN if no one
    defected or the run did not tip). ``defection_steps``: NaN or < 0 for non-defectors."""
    steps = np.asarray(defection_steps, dtype=float)
    defected = steps[np.isfinite(steps) & (steps >= 0)]
    if tipping is None or not len(defected):
        return float("nan")
    return float(np.mean(defected > tipping))


def run_metrics(curves: pd.DataFrame, cutoff: float = 0.5) -> pd.DataFrame:
    """One row per run of a ``curves.csv`` table: final share, cascade (final share >=
    cutoff), step of the steepest rise and of the cutoff crossing, peak preparing."""
    keys = [k for k in RUN_KEYS if k in curves.columns] or ["seed"]
    rows = []
    for key, run in curves.sort_values("step").groupby(keys, sort=True):
        share = run["share_defected"].to_numpy()
        crossing = crossing_step(share, cutoff)
        steepest = int(steepest_rise(share)[0])
        rows.append(
            {
                **dict(zip(keys, key if isinstance(key, tuple) else (key,), strict=True)),
                "seed": run["seed"].iloc[0] if "seed" in run else np.nan,
                "final_share": share[-1],
                "cascade": bool(share[-1] >= cutoff),
                "steepest_rise_step": np.nan if steepest < 0 else steepest,
                "crossing_step": np.nan if crossing is None else crossing,
                "peak_preparing": run["n_preparing"].max(),
            }
        )
    return pd.DataFrame(rows)


# --- across replicates ---------------------------------------------------------------------------
def mean_curve(
    curves: pd.DataFrame,
    column: str = "share_defected",
    by: Sequence[str] | None = None,
    level: float = 0.95,
    pool: bool = False,
) -> pd.DataFrame:
    """Mean of ``column`` over replicates at each step, with a ``level`` confidence band
    of the mean (Student t: mean ± t · sd / sqrt(n)); one band per ``by`` group.

    ``by`` defaults to every swept parameter of the table (:func:`swept_columns`), so
    points are never averaged together unless asked: ``pool=True`` averages over them
    and warns (:class:`PooledWarning`) naming what it pooled.

    Returns columns ``*by, step, mean, low, high, n``.
    """
    by = _others(curves, None, by, pool)
    groups = [*by, "step"]
    agg = curves.groupby(groups)[column].agg(["mean", "std", "count"]).reset_index()
    t = stats.t.ppf(0.5 + level / 2, np.maximum(agg["count"] - 1, 1))
    half = np.where(agg["count"] > 1, t * agg["std"].fillna(0) / np.sqrt(agg["count"]), 0.0)
    return agg.assign(low=agg["mean"] - half, high=agg["mean"] + half, n=agg["count"])[
        [*groups, "mean", "low", "high", "n"]
    ]


def wilson_interval(successes, trials, level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval of a binomial proportion (Wilson 1927).

    >>> [round(float(v), 4) for v in wilson_interval(5, 10)]
    [0.2366, 0.7634]
    """
    k, n = np.asarray(successes, dtype=float), np.asarray(trials, dtype=float)
    z = stats.norm.ppf(0.5 + level / 2)
    p = np.divide(k, n, out=np.zeros_like(k), where=n > 0)
    centre = (p + z**2 / (2 * n)) / (1 + z**2 / n)
    half = z / (1 + z**2 / n) * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2))
    return np.clip(centre - half, 0, 1), np.clip(centre + half, 0, 1)


def cascade_probability(
    runs: pd.DataFrame,
    parameter: str,
    cutoff: float = 0.5,
    level: float = 0.95,
    by: Sequence[str] | None = None,
    pool: bool = False,
) -> pd.DataFrame:
    """P(cascade) per value of ``parameter`` (final share >= cutoff), with Wilson intervals.

    On a sweep of several parameters, one row per value of ``parameter`` and of every
    other swept parameter (``by`` defaults to them: :func:`swept_columns`); pooling over
    them must be asked for (``pool=True``) and warns (:class:`PooledWarning`).
    """
    by = _others(runs, parameter, by, pool)
    keys = [*by, parameter]
    cascade = (runs["final_share"] >= cutoff).rename("cascade")
    table = cascade.groupby([runs[k] for k in keys]).agg(["sum", "count"]).reset_index()
    low, high = wilson_interval(table["sum"], table["count"], level)
    return pd.DataFrame(
        {
            **{k: table[k] for k in keys},
            "cascades": table["sum"],
            "runs": table["count"],
            "p_cascade": table["sum"] / table["count"],
            "low": low,
            "high": high,
        }
    )


# --- tipping point of a sweep ----------------------------------------------------------------
@dataclass(frozen=True)
class TippingPoint:
    """Where P(cascade) crosses 1/2 along a swept parameter.

    Attributes:
        estimate: the logistic fit's x50 = -b0 / b1.
        low, high: bootstrap percentile interval of x50.
        slope: b1 of the fit (per unit of the parameter).
        jump: midpoint of the two neighbouring swept values between which the mean final
            share rises most.
    """

    estimate: float
    low: float
    high: float
    slope: float
    jump: float


def _fit_logistic(x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Maximum-likelihood logistic regression of 0/1 outcomes y on x: (b0, b1)."""
    scale = np.std(x) or 1.0
    centre = np.mean(x)
    u = (x - centre) / scale

    def nll(b):
        eta = b[0] + b[1] * u
        return np.sum(np.logaddexp(0, eta) - y * eta)

    def grad(b):
        p = 1 / (1 + np.exp(-(b[0] + b[1] * u)))
        return np.array([np.sum(p - y), np.sum((p - y) * u)])

    fit = optimize.minimize(nll, np.zeros(2), jac=grad, method="BFGS")
    b0, b1 = fit.x
    # a perfectly separated sample has no finite MLE: BFGS stops at a steep slope, whose
    # x50 is still the separating point, which is what we want
    return b0 - b1 * centre / scale, b1 / scale


def tipping_point(
    runs: pd.DataFrame,
    parameter: str,
    cutoff: float = 0.5,
    n_boot: int = 1000,
    level: float = 0.95,
    seed: int = 0,
) -> TippingPoint:
    """The tipping point of a sweep along ``parameter``, with a bootstrap interval.

    The logistic fit uses every run (cascade: final share >= cutoff). The bootstrap
    resamples runs within each swept value (a stratified bootstrap, so every value keeps
    its number of runs), refits, and takes percentiles of x50.

    Runs that vary another swept parameter are refused (ValueError): select one value
    of it first (``runs[runs[key] == value]``), or use :func:`tipping_points`.
    """
    others = [c for c in swept_columns(runs) if c != parameter]
    if others:
        raise ValueError(
            f"the runs vary {', '.join(others)} too: one tipping point along {parameter} "
            "would pool them; select one value of each, or use tipping_points(..., by=...)"
        )
    x = runs[parameter].to_numpy(dtype=float)
    y = (runs["final_share"].to_numpy() >= cutoff).astype(float)
    b0, b1 = _fit_logistic(x, y)
    rng = np.random.default_rng(seed)
    strata = [np.flatnonzero(x == v) for v in np.unique(x)]
    boot = np.empty(n_boot)
    for b in range(n_boot):
        idx = np.concatenate([rng.choice(s, size=len(s), replace=True) for s in strata])
        c0, c1 = _fit_logistic(x[idx], y[idx])
        boot[b] = -c0 / c1 if c1 != 0 else np.nan
    boot = boot[np.isfinite(boot)]
    alpha = (1 - level) / 2
    means = runs.groupby(parameter)["final_share"].mean().sort_index()
    values = means.index.to_numpy(dtype=float)
    jumps = np.diff(means.to_numpy())
    jump = (
        float((values[np.argmax(jumps)] + values[np.argmax(jumps) + 1]) / 2)
        if len(jumps)
        else float("nan")
    )
    return TippingPoint(
        estimate=float(-b0 / b1),
        low=float(np.quantile(boot, alpha)),
        high=float(np.quantile(boot, 1 - alpha)),
        slope=float(b1),
        jump=jump,
    )


def tipping_points(
    runs: pd.DataFrame, parameter: str, by: Sequence[str] | None = None, **kwargs
) -> pd.DataFrame:
    """:func:`tipping_point` along ``parameter`` for every combination of the other
    swept parameters (``by``, default all of them): one row each."""
    by = _others(runs, parameter, by, False)
    if not by:
        tp = tipping_point(runs, parameter, **kwargs)
        return pd.DataFrame([tp.__dict__])
    rows = []
    for key, group in runs.groupby(by, sort=True):
        key = key if isinstance(key, tuple) else (key,)
        sub = group.drop(columns=by)
        rows.append(
            {**dict(zip(by, key, strict=True)), **tipping_point(sub, parameter, **kwargs).__dict__}
        )
    return pd.DataFrame(rows)
