"""The static global game of regime change: an exact benchmark (Morris & Shin 1998;
Angeletos, Hellwig & Pavan 2007, section 2).

The regime's strength θ ~ N(z, 1/α) is common knowledge only through that prior; each
official receives a private signal x_i = θ + ε_i, ε_i ~ N(0, 1/β). Attacking (defecting)
costs c and pays 1 if the regime falls; the regime falls iff the mass that attacks, A,
is at least θ. In a monotone equilibrium officials attack iff x ≤ x*, the regime falls
iff θ ≤ θ*, and

    α(θ* − z)/√β − Φ⁻¹(θ*) = √((α + β)/β) · Φ⁻¹(c),      x* = θ* + Φ⁻¹(θ*)/√β.

The equilibrium is unique iff α/√β ≤ √(2π); as β → ∞ (private noise vanishes),
θ* → 1 − c. ``tests/test_globalgame.py`` checks these against the background note's
values and against the agents of the model: given their private signals as thresholds,
a population of officials brings the regime down exactly when θ < θ* (scenario
``global_game``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import optimize
from scipy.stats import norm


@dataclass(frozen=True)
class GlobalGame:
    """The game's parameters: prior mean z and precision α of θ, precision β of the
    private signals, cost c of attacking (in (0, 1))."""

    z: float
    alpha: float
    beta: float
    c: float

    def threshold_equation(self, theta):
        """The left side minus the right side of the equilibrium condition for θ*."""
        a, b = self.alpha, self.beta
        return (
            a * (theta - self.z) / math.sqrt(b)
            - norm.ppf(theta)
            - math.sqrt((a + b) / b) * norm.ppf(self.c)
        )

    def unique(self) -> bool:
        """Whether the monotone equilibrium is unique: α/√β ≤ √(2π)."""
        return self.alpha / math.sqrt(self.beta) <= math.sqrt(2 * math.pi)

    def thresholds(self, grid: int = 20001) -> list[float]:
        """Every θ* in (0, 1) (one if :meth:`unique`, else up to three), to 1e-12."""
        eps = 1e-12
        xs = np.linspace(eps, 1 - eps, grid)
        g = self.threshold_equation(xs)
        roots = []
        for i in range(grid - 1):
            if g[i] == 0:
                roots.append(float(xs[i]))
            elif g[i] * g[i + 1] < 0:
                roots.append(optimize.brentq(self.threshold_equation, xs[i], xs[i + 1], xtol=1e-14))
        return roots

    def cutoff(self, theta_star: float) -> float:
        """x*, the signal below which officials attack, for the threshold θ*."""
        return theta_star + norm.ppf(theta_star) / math.sqrt(self.beta)

    def attack_share(self, theta: float, cutoff: float) -> float:
        """A(θ) = Φ(√β (x* − θ)): the share of officials whose signal is below x*."""
        return float(norm.cdf(math.sqrt(self.beta) * (cutoff - theta)))


def best_response_path(game: GlobalGame, start: float, rounds: int = 200) -> list[float]:
    """Cutoffs x_0, x_1, ... of officials who best respond to the previous round's
    cutoff: given that the others attack below x_k, the regime falls iff θ ≤ θ_k, where
    Φ(√β(x_k − θ_k)) = θ_k; an official with signal x attacks iff P(θ ≤ θ_k | x) ≥ c,
    so x_{k+1} solves P(θ ≤ θ_k | x) = c (the posterior is N((αz + βx)/(α+β), 1/(α+β))).
    From a high start it converges to the largest equilibrium, from a low one to the
    smallest; in the unique case, to the one."""
    a, b = game.alpha, game.beta
    path = [start]
    low, high = 1e-15, 1 - 1e-15
    for _ in range(rounds):
        x = path[-1]

        def gap(t, x=x):
            return norm.cdf(math.sqrt(b) * (x - t)) - t

        if gap(high) >= 0:  # everyone attacks: the regime falls whatever its strength
            theta = high
        elif gap(low) <= 0:  # nobody attacks
            theta = low
        else:
            theta = optimize.brentq(gap, low, high, xtol=1e-15)
        # P(θ ≤ θ_k | x) = Φ(√(α+β)(θ_k − (αz + βx)/(α+β))) = c
        mean = theta - norm.ppf(game.c) / math.sqrt(a + b)
        path.append(((a + b) * mean - a * game.z) / b)
    return path
