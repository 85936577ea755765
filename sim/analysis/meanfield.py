"""The homogeneous mean field of the model: x_{t+1} = F(x_t), its equilibria, their
stability, bifurcation diagrams and fold points.

Everyone observes the whole group (x = share defected), ranks are equal, rebellion is a
constant, preparation is instant, officials are myopic and use the threshold rule, and
every official has the same traits except the threshold, normally distributed:
T ~ N(mu, sigma). Then the share whose Δ(x) reaches
its threshold is

    F(x) = Φ((Δ(x) − mu) / sigma),

where Δ(x) is the model's own rule (:func:`sim.core.rule.defection_pressure`, the
compiled function the agents and the engine call) with peer share = tribe share = x,
and p(x) its perceived survival (:func:`sim.core.rule.perceived_survival`) with D = x.
With every weight 0 but w_peer = 1, F is Granovetter's x -> Φ((x − mu)/sigma).
Parameters not given take their declared defaults (:mod:`sim.core.parameters`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numba import njit
from scipy import optimize, stats

from sim.core import rule
from sim.core.parameters import MODEL_BY_NAME, model_params
from sim.core.state import Observation, Traits


@njit(cache=True)
def _pressure(
    params, xs, survival_at, disaffection, privileges, exposure, amnesty_trust, rebellion
):
    """Δ at each x of ``xs``, evaluated at survival ``survival_at`` (or p(x) where it is
    NaN), with peer share = tribe share = x."""
    out = np.empty(xs.shape[0])
    logit0 = rule.log_odds(params.initial_survival)
    for k in range(xs.shape[0]):
        p = survival_at[k]
        if p != p:  # NaN: the model's own p(x)
            p = rule.perceived_survival(
                logit0,
                xs[k],
                rebellion,
                0.0,
                params.survival_defection_sensitivity,
                params.survival_rebellion_sensitivity,
            )
        traits = Traits(disaffection, privileges, exposure, amnesty_trust, 0.0, 0, 1.0)
        seen = Observation(xs[k], xs[k], rebellion, p, p, p, xs[k], xs[k])  # myopic: p̂ = p
        out[k] = rule.defection_pressure(params, traits, seen)
    return out


@njit(cache=True)
def _survival(params, xs, rebellion):
    """p at each x of ``xs``: the rule's perceived survival with D = x."""
    out = np.empty(xs.shape[0])
    logit0 = rule.log_odds(params.initial_survival)
    for k in range(xs.shape[0]):
        out[k] = rule.perceived_survival(
            logit0,
            xs[k],
            rebellion,
            0.0,
            params.survival_defection_sensitivity,
            params.survival_rebellion_sensitivity,
        )
    return out


@dataclass(frozen=True)
class FixedPoint:
    """An equilibrium x* = F(x*) of the mean-field map, and its stability."""

    x: float
    slope: float  # F'(x*)
    stable: bool  # F'(x*) < 1: small deviations shrink


class MeanField:
    """The model's homogeneous-mixing map (module docstring), for thresholds ~ N(mu, sigma).

    Args:
        mu, sigma: mean and spread of the thresholds.
        disaffection, privileges, exposure, amnesty_trust: everyone's traits.
        rebellion: the constant rebellion level.
        **model: model parameters by name (``peer_weight=...``); the rest take their
            declared defaults.
    """

    def __init__(
        self,
        mu: float,
        sigma: float,
        *,
        disaffection: float = 0.0,
        privileges: float = 0.0,
        exposure: float = 0.0,
        amnesty_trust: float = 0.0,
        rebellion: float = 0.0,
        **model: float,
    ) -> None:
        for name in model:
            if name not in MODEL_BY_NAME:
                raise TypeError(f"MeanField() got an unknown model parameter {name!r}")
        self.mu, self.sigma = mu, sigma
        self.params = model_params(model)
        self.traits = (disaffection, privileges, exposure, amnesty_trust, rebellion)

    def _delta(self, x, survival=None) -> np.ndarray:
        xs = np.atleast_1d(np.asarray(x, dtype=float))
        at = np.full(xs.shape, np.nan) if survival is None else np.broadcast_to(survival, xs.shape)
        return _pressure(self.params, xs, np.ascontiguousarray(at, dtype=float), *self.traits)

    def survival(self, x):
        """p(x), the perceived survival when a share x has defected."""
        out = _survival(self.params, np.atleast_1d(np.asarray(x, dtype=float)), self.traits[4])
        return out if np.ndim(x) else float(out[0])

    def pressure(self, x):
        """Δ(x), the model's rule with peer and tribe shares x and survival p(x)."""
        out = self._delta(x)
        return out if np.ndim(x) else float(out[0])

    def pressure_slope(self, x):
        """dΔ/dx. The rule is affine in the shares and in p, so its coefficients are
        exact differences of the rule itself: Δ(x=1) − Δ(x=0) at fixed p, and
        Δ(p=1) − Δ(p=0) at fixed x; dp/dx = −b_D p (1 − p)."""
        xs = np.atleast_1d(np.asarray(x, dtype=float))
        p = self.survival(xs)
        per_share = self._delta(np.ones_like(xs), p) - self._delta(np.zeros_like(xs), p)
        per_survival = self._delta(xs, 1.0) - self._delta(xs, 0.0)
        dp = -self.params.survival_defection_sensitivity * p * (1 - p)
        out = per_share + per_survival * dp
        return out if np.ndim(x) else float(out[0])

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
