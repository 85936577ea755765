"""The global game of regime change (sim.analysis.globalgame) against its closed forms,
and the model's officials playing it (scenario global_game)."""

from __future__ import annotations

import math

import pytest

from sim.analysis.globalgame import GlobalGame, best_response_path
from sim.engine.batch import run_batch
from tests.conftest import make_run


@pytest.mark.parametrize(
    ("alpha", "beta", "c", "theta", "cutoff"),
    [
        (1, 1e8, 0.3, 0.7000, None),  # private noise vanishing: 1 - c
        (1, 100, 0.3, 0.7081, 0.7629),
        (1, 1, 0.3, 0.8660, None),
        (1, 4, 0.5, 0.5, None),
    ],
)
def test_the_unique_threshold_matches_the_background_values(alpha, beta, c, theta, cutoff):
    game = GlobalGame(z=0.5, alpha=alpha, beta=beta, c=c)
    assert game.unique()
    (found,) = game.thresholds()
    assert found == pytest.approx(theta, abs=5e-5)
    assert game.threshold_equation(found) == pytest.approx(0.0, abs=1e-9)
    if cutoff is not None:
        assert game.cutoff(found) == pytest.approx(cutoff, abs=5e-5)


def test_three_equilibria_when_the_prior_is_precise_relative_to_the_signals():
    """z = 0.5, alpha = 10, beta = 4: alpha / sqrt(beta) = 5 > sqrt(2 pi) = 2.507."""
    game = GlobalGame(z=0.5, alpha=10, beta=4, c=0.5)
    assert not game.unique()
    assert [round(t, 4) for t in game.thresholds()] == [0.0068, 0.5, 0.9932]


@pytest.mark.parametrize("c", [0.2, 0.35, 0.8])  # (c = 0.5 with z = 0.5 gives 0.5 always)
def test_the_threshold_tends_to_one_minus_c_as_the_signals_sharpen(c):
    gaps = [abs(GlobalGame(0.5, 1, b, c).thresholds()[0] - (1 - c)) for b in (1e2, 1e4, 1e6)]
    assert gaps[0] > gaps[1] > gaps[2] and gaps[2] < 1e-3


def test_uniqueness_holds_exactly_up_to_the_bound():
    bound = math.sqrt(2 * math.pi)
    assert GlobalGame(0.5, bound * 2 * 0.999, 4, 0.5).unique()
    assert not GlobalGame(0.5, bound * 2 * 1.001, 4, 0.5).unique()


def test_best_responses_converge_to_the_equilibrium_cutoff():
    game = GlobalGame(z=0.5, alpha=1, beta=100, c=0.3)
    x_star = game.cutoff(game.thresholds()[0])
    for start in (-1.0, 2.0):
        assert best_response_path(game, start)[-1] == pytest.approx(x_star, abs=1e-9)
    three = GlobalGame(z=0.5, alpha=10, beta=4, c=0.5)
    low, _, high = three.thresholds()
    assert best_response_path(three, -2.0)[-1] == pytest.approx(three.cutoff(low), abs=1e-6)
    assert best_response_path(three, 3.0)[-1] == pytest.approx(three.cutoff(high), abs=1e-6)


def falls(theta: float, cutoff: float, n: int = 20000) -> bool:
    """One round of the scenario global_game at strength theta: does the regime fall?"""
    run = make_run(
        "scenario=global_game",
        f"population.roles.official.count={n}",
        f"population.roles.official.threshold.mean={theta - cutoff}",
        f"model.collapse_survival={1 / (1 + math.exp(theta))}",
    )
    return bool(run_batch(run, [0]).curves["perceived_survival"][-1, 0] == 0.0)


def test_the_models_officials_bring_the_regime_down_exactly_below_theta_star():
    """Officials whose thresholds are their private signals minus the cutoff defect iff
    x_i <= x*; the regime falls iff more than theta defect. Bisecting theta with the
    model (20,000 officials, mid-quantile signals) finds theta* within 0.002."""
    game = GlobalGame(z=0.5, alpha=1, beta=100, c=0.3)
    theta_star = game.thresholds()[0]
    cutoff = game.cutoff(theta_star)
    assert falls(0.70, cutoff) and not falls(0.72, cutoff)
    low, high = 0.60, 0.80
    for _ in range(12):
        mid = (low + high) / 2
        low, high = (mid, high) if falls(mid, cutoff) else (low, mid)
    assert (low + high) / 2 == pytest.approx(theta_star, abs=0.002)
