"""Analysis of runs and sweeps: pure functions on the tidy tables (no Mesa, no Hydra).

Inputs are the project's tables (README.md, "Outputs" and "Sweeps"): ``curves.csv`` (one
row per run and step) and ``runs.csv`` (one row per run), as pandas DataFrames, or plain
arrays. Sections:

- per run: final share, cascade or not, time of tipping, peak preparing, late defectors;
- across replicates: mean curve with a 95 % band; P(cascade) with Wilson intervals;
- tipping point of a sweep: where P(cascade) crosses 1/2 (logistic fit, bootstrap
  interval) and where the mean final share jumps;
- mean field: fixed points of the homogeneous-mixing map, their stability, bifurcation
  diagrams and fold points (:class:`MeanField`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import optimize, stats

RUN_KEYS = ["point", "replicate"]


# --- per run ---------------------------------------------------------------------------
def tipping_step(share: Sequence[float], cutoff: float | None = None) -> int | None:
    """Time of tipping of one run's share-defected curve (index = step).

    With ``cutoff`` None: the step that ends the steepest one-step rise (the first of
    equal rises); None if the share never rises. With a ``cutoff``: the first step at
    which the share is >= cutoff; None if it never is.

    >>> tipping_step([0, 0.1, 0.5, 0.6]), tipping_step([0, 0.1, 0.5, 0.6], cutoff=0.5)
    (2, 2)
    """
    share = np.asarray(share, dtype=float)
    if cutoff is not None:
        hits = np.flatnonzero(share >= cutoff)
        return int(hits[0]) if len(hits) else None
    rises = np.diff(share)
    if not len(rises) or rises.max() <= 0:
        return None
    return int(np.argmax(rises >= rises.max() - 1e-12)) + 1


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
    cutoff), tipping step (steepest rise) and cutoff crossing step, peak preparing."""
    keys = [k for k in RUN_KEYS if k in curves.columns] or ["seed"]
    rows = []
    for key, run in curves.sort_values("step").groupby(keys, sort=True):
        share = run["share_defected"].to_numpy()
        crossing = tipping_step(share, cutoff)
        steepest = tipping_step(share)
        rows.append(
            {
                **dict(zip(keys, key if isinstance(key, tuple) else (key,), strict=True)),
                "seed": run["seed"].iloc[0] if "seed" in run else np.nan,
                "final_share": share[-1],
                "cascade": bool(share[-1] >= cutoff),
                "tipping_step": np.nan if steepest is None else steepest,
                "crossing_step": np.nan if crossing is None else crossing,
                "peak_preparing": run["n_preparing"].max(),
            }
        )
    return pd.DataFrame(rows)


# --- across replicates ---------------------------------------------------------------------------
def mean_curve(
    curves: pd.DataFrame,
    column: str = "share_defected",
    by: Sequence[str] = (),
    level: float = 0.95,
) -> pd.DataFrame:
    """Mean of ``column`` over replicates at each step, with a ``level`` confidence band
    of the mean (Student t: mean ± t · sd / sqrt(n)); one band per ``by`` group.

    Returns columns ``*by, step, mean, low, high, n``.
    """
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
    runs: pd.DataFrame, parameter: str, cutoff: float = 0.5, level: float = 0.95
) -> pd.DataFrame:
    """P(cascade) per value of ``parameter`` (final share >= cutoff), with Wilson intervals."""
    cascade = runs["final_share"] >= cutoff
    table = cascade.groupby(runs[parameter]).agg(["sum", "count"]).reset_index()
    low, high = wilson_interval(table["sum"], table["count"], level)
    return pd.DataFrame(
        {
            parameter: table[parameter],
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
    """
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


# --- mean field ------------------------------------------------------------------------
@dataclass(frozen=True)
class FixedPoint:
    """An equilibrium x* = F(x*) of the mean-field map, and its stability."""

    x: float
    slope: float  # F'(x*)
    stable: bool  # F'(x*) < 1: small deviations shrink


class MeanField:
    """The model's homogeneous-mixing map x_{t+1} = F(x_t), for thresholds ~ N(mu, sigma).

    Everyone observes the whole group (x = share defected), ranks are equal, rebellion is
    a constant ``rebellion``, preparation is instant and every official has the same
    attributes (disaffection, privileges, exposure, amnesty trust); only thresholds
    differ, normally distributed. Then the share whose Δ(x) exceeds its threshold is

        F(x) = Φ((Δ(x) − mu) / sigma),   p(x) = logistic(logit p_0 − b_D · x − b_R · rebellion),
        Δ(x) = a·x_0 + w_peer·x + w_tribe·x + w_danger·rebellion + w_ret·τ·X·(1 − p)
               + c_early·p − c_late·(1 − p) − w_priv·W·p − K·p

    (the tribe share is x too under homogeneous mixing). With every weight 0 but
    w_peer = 1, F is Granovetter's x -> Φ((x − mu)/sigma).
    """

    def __init__(
        self,
        mu: float,
        sigma: float,
        *,
        peer_weight: float = 1.0,
        tribal_pressure_weight: float = 0.0,
        disaffection_weight: float = 0.0,
        danger_weight: float = 0.0,
        retribution_weight: float = 0.0,
        defector_credit: float = 0.0,
        late_defector_contempt: float = 0.0,
        privilege_weight: float = 0.0,
        defector_punishment: float = 0.0,
        disaffection: float = 0.0,
        privileges: float = 0.0,
        exposure: float = 0.0,
        amnesty_trust: float = 0.0,
        rebellion: float = 0.0,
        initial_survival: float = 0.9,
        survival_defection_sensitivity: float = 0.0,
        survival_rebellion_sensitivity: float = 0.0,
    ) -> None:
        self.mu, self.sigma = mu, sigma
        self.w_x = peer_weight + tribal_pressure_weight
        self.constant = disaffection_weight * disaffection + danger_weight * rebellion
        self.ret = retribution_weight * amnesty_trust * exposure
        self.c_early, self.c_late = defector_credit, late_defector_contempt
        self.cost = privilege_weight * privileges + defector_punishment
        self.logit0 = np.log(initial_survival / (1 - initial_survival)) - (
            survival_rebellion_sensitivity * rebellion
        )
        self.b_d = survival_defection_sensitivity

    def survival(self, x):
        return 1.0 / (1.0 + np.exp(-(self.logit0 - self.b_d * x)))

    def pressure(self, x):
        p = self.survival(x)
        return (
            self.constant
            + self.w_x * x
            + self.ret * (1 - p)
            + self.c_early * p
            - self.c_late * (1 - p)
            - self.cost * p
        )

    def pressure_slope(self, x):
        p = self.survival(x)
        dp = -self.b_d * p * (1 - p)
        # dΔ/dp = -ret + c_early + c_late - cost
        return self.w_x + (-self.ret + self.c_early + self.c_late - self.cost) * dp

    def __call__(self, x):
        return stats.norm.cdf((self.pressure(x) - self.mu) / self.sigma)

    def slope(self, x):
        """F'(x), analytic."""
        z = (self.pressure(x) - self.mu) / self.sigma
        return stats.norm.pdf(z) / self.sigma * self.pressure_slope(x)

    def fixed_points(self, grid: int = 4001) -> list[FixedPoint]:
        """All x* in [0, 1] with F(x*) = x*, each polished to |F(x*) − x*| < 1e-12 where
        floating point allows, and classified stable iff F'(x*) < 1."""
        xs = np.linspace(0.0, 1.0, grid)
        g = self(xs) - xs
        roots = []
        for i in range(grid - 1):
            if g[i] == 0.0:
                roots.append(xs[i])
            elif g[i] * g[i + 1] < 0:
                roots.append(
                    optimize.brentq(lambda x: self(x) - x, xs[i], xs[i + 1], xtol=1e-15, rtol=1e-15)
                )
        if g[-1] == 0.0:
            roots.append(1.0)
        return [FixedPoint(float(r), float(self.slope(r)), bool(self.slope(r) < 1)) for r in roots]


def bifurcation(make_map: Callable[[float], MeanField], values: Sequence[float]) -> pd.DataFrame:
    """Fixed points against a parameter: rows ``value, x, slope, stable``."""
    rows = [
        {"value": v, "x": fp.x, "slope": fp.slope, "stable": fp.stable}
        for v in values
        for fp in make_map(float(v)).fixed_points()
    ]
    return pd.DataFrame(rows, columns=["value", "x", "slope", "stable"])


def fold_points(
    make_map: Callable[[float], MeanField], low: float, high: float, grid: int = 400
) -> list[tuple[float, float]]:
    """Saddle-node (fold) points of the fixed-point curve in [low, high]: pairs
    (parameter value, x) where F(x) = x and F'(x) = 1 (scipy root finding).

    Found by scanning the parameter for changes in the number of fixed points, then
    solving the two equations jointly from the bracketing guess.
    """
    values = np.linspace(low, high, grid)
    counts = [len(make_map(float(v)).fixed_points(1001)) for v in values]
    folds = []
    for i in range(grid - 1):
        if counts[i] == counts[i + 1]:
            continue
        a, b = values[i], values[i + 1]
        # the fixed points that meet: the pair with slopes closest to 1 on the side with more
        side = a if counts[i] > counts[i + 1] else b
        fps = make_map(float(side)).fixed_points()
        guess_x = min(fps, key=lambda fp: abs(fp.slope - 1)).x

        def equations(z):
            m = make_map(float(z[1]))
            return [m(z[0]) - z[0], m.slope(z[0]) - 1.0]

        sol = optimize.root(equations, [guess_x, (a + b) / 2], method="hybr", tol=1e-14)
        # judged by its residuals: hybr may report that it cannot improve a solution
        # that is already exact to rounding
        if np.max(np.abs(equations(sol.x))) < 1e-10:
            folds.append((float(sol.x[1]), float(sol.x[0])))
    return folds
