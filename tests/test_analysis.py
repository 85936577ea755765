"""sim.analysis against closed forms, known values and the simulation itself."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from sim import analysis
from sim.analysis import MeanField
from sim.engine.batch import run_batch
from tests.conftest import make_run


# --- mean field -------------------------------------------------------------------------------
def test_the_critical_spread_of_granovetters_normal_thresholds_is_0_1222():
    """Mean 0.25: the low equilibrium disappears at sigma = 0.1222 (closed form: the
    fold solves Phi(z) - z phi(z) = 0.25, sigma = phi(z)); tolerance 0.001."""
    folds = analysis.fold_points(lambda s: MeanField(0.25, s), 0.10, 0.14)
    assert len(folds) == 1
    sigma, x = folds[0]
    assert sigma == pytest.approx(0.1222, abs=0.001)
    z = stats.norm.ppf(x)
    assert stats.norm.cdf(z) - z * stats.norm.pdf(z) == pytest.approx(0.25, abs=1e-6)


def test_the_hysteresis_loop_in_the_mean_threshold_has_folds_at_0_2145_and_0_7855():
    """sigma = 0.1: phi(z) = sigma gives z = ±1.6636 and mu = Phi(z) - sigma z."""
    folds = analysis.fold_points(lambda m: MeanField(m, 0.1), 0.0, 1.0)
    assert [round(v, 3) for v, _ in folds] == [0.214, 0.786]
    assert folds[0][0] == pytest.approx(0.2145, abs=0.001)
    assert folds[1][0] == pytest.approx(0.7855, abs=0.001)
    # three equilibria inside the loop, one outside
    assert len(MeanField(0.5, 0.1).fixed_points()) == 3
    assert len(MeanField(0.1, 0.1).fixed_points()) == 1
    assert len(MeanField(0.9, 0.1).fixed_points()) == 1


@pytest.mark.parametrize(
    "field",
    [
        MeanField(0.25, 0.12),
        MeanField(0.5, 0.1),
        MeanField(0.3, 0.2),
        MeanField(
            0.45,
            0.1,
            retribution_weight=1.0,
            amnesty_trust=0.6,
            exposure=0.8,
            survival_defection_sensitivity=4.0,
            privilege_weight=1.0,
            privileges=0.3,
        ),
        MeanField(
            0.35,
            0.08,
            defector_credit=0.2,
            late_defector_contempt=0.3,
            survival_defection_sensitivity=3.0,
            defector_punishment=0.2,
        ),
    ],
)
def test_every_equilibrium_is_precise_and_classified_by_its_slope(field):
    points = field.fixed_points()
    assert points
    for fp in points:
        assert abs(field(fp.x) - fp.x) < 1e-9
        assert fp.stable == (fp.slope < 1)
        # the classification agrees with the dynamics: iterate from just beside it
        for start in (fp.x - 1e-3, fp.x + 1e-3):
            if not 0 <= start <= 1:
                continue
            x = start
            for _ in range(50):
                x = float(field(x))
            if fp.stable:
                assert abs(x - fp.x) < 1e-3
            else:
                assert abs(x - fp.x) > 1e-3


def test_the_analytic_slope_matches_a_finite_difference():
    field = MeanField(
        0.45,
        0.1,
        retribution_weight=1.0,
        amnesty_trust=0.6,
        exposure=0.8,
        survival_defection_sensitivity=4.0,
        defector_credit=0.2,
    )
    for x in np.linspace(0.05, 0.95, 10):
        h = 1e-6
        numeric = (field(x + h) - field(x - h)) / (2 * h)
        assert field.slope(x) == pytest.approx(numeric, rel=1e-5, abs=1e-8)


@pytest.mark.parametrize("mu", [0.2, 0.22, 0.3, 0.5])
def test_the_simulation_stops_at_the_mean_fields_lowest_equilibrium(mu):
    """Granovetter's quantile thresholds, N = 10,000, everyone loyal at first: the final
    share is the lowest fixed point of the map (tolerance 0.005, finite-N rounding)."""
    run = make_run(
        "scenario=granovetter_normal",
        f"population.roles.official.threshold.mean={mu}",
        "population.roles.official.threshold.sd=0.1",
        "steps=200",
    )
    batch = run_batch(run, [0])
    lowest = min(fp.x for fp in MeanField(mu, 0.1).fixed_points())
    assert batch.curves["share_defected"][-1, 0] == pytest.approx(lowest, abs=0.005)


# --- proportions and tipping points ------------------------------------------------------------
def test_wilson_interval_known_values():
    low, high = analysis.wilson_interval(np.array([5, 0, 10]), np.array([10, 10, 10]))
    assert low.round(4).tolist() == [0.2366, 0.0, 0.7225]
    assert high.round(4).tolist() == [0.7634, 0.2775, 1.0]


def synthetic_sweep(x50: float, slope: float, runs_per_value: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    values = np.round(np.linspace(0, 1, 11), 2)
    x = np.repeat(values, runs_per_value)
    p = 1 / (1 + np.exp(-slope * (x - x50)))
    cascade = rng.random(len(x)) < p
    final = np.where(cascade, rng.uniform(0.6, 1.0, len(x)), rng.uniform(0.0, 0.2, len(x)))
    return pd.DataFrame({"w": x, "final_share": final})


def test_the_tipping_point_is_recovered_from_a_known_logistic():
    runs = synthetic_sweep(0.43, 20.0, 300, seed=1)
    tp = analysis.tipping_point(runs, "w", n_boot=300)
    assert tp.estimate == pytest.approx(0.43, abs=0.02)
    assert tp.low < 0.43 < tp.high
    assert tp.slope == pytest.approx(20.0, rel=0.25)
    assert 0.35 <= tp.jump <= 0.55


def test_the_bootstrap_interval_covers_the_truth_about_95_percent_of_the_time():
    """40 synthetic sweeps: the 95 % interval should cover x50 in most of them; we
    require >= 32 of 40 (a binomial(40, 0.95) falls below that with p < 0.001)."""
    covered = 0
    for seed in range(40):
        tp = analysis.tipping_point(
            synthetic_sweep(0.37, 15.0, 60, seed), "w", n_boot=200, seed=seed
        )
        covered += tp.low <= 0.37 <= tp.high
    assert covered >= 32


def test_cascade_probability_counts_and_intervals():
    runs = pd.DataFrame(
        {"w": [0, 0, 0, 1, 1, 1, 1], "final_share": [0.1, 0.6, 0.2, 0.9, 0.8, 0.7, 0.4]}
    )
    table = analysis.cascade_probability(runs, "w")
    assert table["cascades"].tolist() == [1, 3] and table["runs"].tolist() == [3, 4]
    assert table["p_cascade"].tolist() == [1 / 3, 0.75]
    assert (table["low"] <= table["p_cascade"]).all() and (
        table["p_cascade"] <= table["high"]
    ).all()


# --- per run and curves ----------------------------------------------------------------
def test_tipping_steps_and_late_defectors():
    share = [0.0, 0.0, 0.1, 0.5, 0.7, 0.75]  # rises 0, 0.1, 0.4, 0.2, 0.05
    assert analysis.steepest_rise(np.array(share))[0] == 3
    assert analysis.crossing_step(share, cutoff=0.6) == 4
    assert analysis.steepest_rise(np.array([0.0, 0.0]))[0] == -1
    assert analysis.late_defector_share([1, 2, 3, 5, 6, np.nan, -1], 3) == pytest.approx(2 / 5)
    assert np.isnan(analysis.late_defector_share([np.nan], 3))


def test_mean_curve_and_its_band():
    curves = pd.DataFrame(
        {
            "step": [0, 0, 0, 1, 1, 1],
            "replicate": [0, 1, 2] * 2,
            "share_defected": [0, 0, 0, 0.1, 0.2, 0.3],
        }
    )
    band = analysis.mean_curve(curves)
    assert band["mean"].tolist() == pytest.approx([0.0, 0.2])
    half = stats.t.ppf(0.975, 2) * 0.1 / np.sqrt(3)
    assert band["high"].iloc[1] == pytest.approx(0.2 + half)
    assert band["low"].iloc[0] == 0.0


def test_run_metrics_from_a_curves_table():
    curves = pd.DataFrame(
        {
            "point": ["a"] * 8,
            "replicate": [0] * 4 + [1] * 4,
            "seed": [7] * 4 + [8] * 4,
            "step": [0, 1, 2, 3] * 2,
            "share_defected": [0, 0.1, 0.6, 0.7, 0, 0, 0.05, 0.05],
            "n_preparing": [0, 3, 1, 0, 0, 1, 0, 0],
        }
    )
    m = analysis.run_metrics(curves)
    assert m["final_share"].tolist() == [0.7, 0.05]
    assert m["cascade"].tolist() == [True, False]
    assert m["steepest_rise_step"].tolist() == [2, 2]
    assert m["crossing_step"].iloc[0] == 2 and np.isnan(m["crossing_step"].iloc[1])
    assert m["peak_preparing"].tolist() == [3, 1]
