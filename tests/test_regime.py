"""The regime as a player (ODD 7.9): outside backing, recovery, collapse, targeted
repression and purges, against their closed forms."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.agents import DefectionModel
from sim.analysis.summary import Summary
from sim.config.schema import validate
from sim.core import rule
from sim.core.parameters import model_params
from sim.core.state import Observation
from sim.engine.batch import run_batch

P0 = 0.8


def regime(steps: int = 12, **model) -> dict:
    """A quiet population (thresholds out of reach) under a regime with the given moves."""
    return {
        "steps": steps,
        "population": {
            "tribes": {"a": {"home_region": "r"}, "b": {"home_region": "r"}},
            "roles": {"o": {"count": 40, "threshold": 9.0}},
            "named": {"head": {"role": "o", "tribe": "a", "rank_weight": 20.0, "scripted": True}},
        },
        "rebellion": {"r": {"points": [[0, 0.0], [4, 0.6], [8, 0.1]]}},
        "model": {"initial_survival": P0, "peer_weight": 0.0, **model},
    }


def survival_path(config: dict) -> list[float]:
    return [row["perceived_survival"] for row in run_batch(validate(config), [0]).timeseries(0)]


def test_outside_backing_lifts_the_log_odds_of_survival_by_its_weight():
    base = regime(survival_rebellion_sensitivity=1.0)
    backed = regime(survival_rebellion_sensitivity=1.0, backing_weight=1.5)
    backed["backing"] = {"points": [[0, 0.0], [6, 1.0], [10, 0.0]]}
    levels = np.interp(np.arange(13), [0, 6, 10], [0.0, 1.0, 0.0])
    for p, q, b in zip(survival_path(base), survival_path(backed), levels, strict=True):
        logit = math.log(q / (1 - q)) - math.log(p / (1 - p))
        assert logit == pytest.approx(1.5 * b, abs=1e-9)


def test_perceived_survival_recovers_when_the_rebellion_falls():
    """The rebellion schedule rises to step 4, then falls (a counter-offensive): p falls,
    then recovers, following logit p_0 - b_R * R."""
    path = survival_path(regime(survival_rebellion_sensitivity=2.0))
    rebellion = np.interp(np.arange(13), [0, 4, 8], [0.0, 0.6, 0.1])
    expected = [1 / (1 + math.exp(-(math.log(P0 / (1 - P0)) - 2.0 * r))) for r in rebellion]
    assert path == pytest.approx(expected, rel=1e-12)
    assert path[4] < path[0] and path[8] > path[4]


def test_the_regime_collapses_below_its_threshold_and_stays_fallen():
    """p_c = 0.6: p falls below it at the first step with 2 R > logit 0.8 - logit 0.6,
    i.e. R > 0.4766 (step 4: R = 0.6); from then on p = 0, though the rebellion falls."""
    config = regime(survival_rebellion_sensitivity=2.0, collapse_survival=0.6)
    path = survival_path(config)
    assert all(p > 0.6 for p in path[:3]) and path[3] > 0.6
    assert path[4:] == [0.0] * 9
    model = DefectionModel(config)
    for _ in range(12):
        model.step()
    assert model.dynamics.collapse_step[0] == 4
    assert Summary.of(model.timeseries()).collapse_step == 4
    assert "the regime fell at step 4" in Summary.of(model.timeseries()).line()


def test_targeted_repression_raises_detection_in_the_tribes_that_defected():
    seen = Observation(0.0, 0.25, 0.0, 0.7, 0.7, 0.7, 0.1, 0.1)
    params = model_params(detection_probability=0.1, targeted_repression=4.0)
    assert rule.detection(params, seen) == pytest.approx(0.1 * (1 + 4.0 * 0.25))
    assert rule.detection(model_params(detection_probability=0.1), seen) == 0.1
    assert (
        rule.detection(model_params(detection_probability=0.5, targeted_repression=9.0), seen)
        == 1.0
    )


def test_purges_arrest_loyal_officials_at_rate_pi_times_their_tribes_share():
    """The head of tribe a (rank weight 20; the members weigh 1 each) defects at step 1;
    from then on each loyal member of tribe a is purged with
    probability pi * s_a per step, tribe b's never. 4,000 officials per tribe, one step:
    tolerance 4 binomial standard deviations."""
    config = regime(steps=2, purge_rate=0.5)
    config["population"]["roles"]["o"]["count"] = 8000
    config["events"] = [{"kind": "defection", "step": 1, "official": "head"}]
    batch = run_batch(validate(config), [3], details=True)
    officials = batch.officials(0)
    members = [o for o in officials if o["tribe"] == "a" and not o["name"]]
    share = 20.0 / (20.0 + len(members) - 1.0)  # his 20 of the rest of the tribe's weight
    purged = [e for e in batch.events(0) if e["from"] == "loyal" and e["to"] == "arrested"]
    tribes = {officials[e["official_id"]]["tribe"] for e in purged}
    assert tribes == {"a"}
    expected = 0.5 * share
    n = len(members)
    assert len(purged) / n == pytest.approx(
        expected, abs=4 * math.sqrt(expected * (1 - expected) / n)
    )
