"""Officials who look ahead (ODD 7.8): forecasts and exit steps against values computed
by hand, on a scripted world where the regime's perceived survival follows a given path
and nothing is random; both paths (Mesa agents and engine) give the same exit steps."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.agents import DefectionModel
from sim.config.schema import validate
from sim.core.state import Observation, Traits
from sim.engine.batch import run_batch
from sim.errors import ConfigError

P0, SLOPE, STEPS = 0.95, 0.08, 60  # logit p_t = logit 0.95 - 0.08 t: a regime losing ground
THRESHOLDS = [0.16, 0.22, 0.18]
PREPARATION = [0, 2, 4]
WEIGHTS = {
    "disaffection_weight": 1.0,
    "peer_weight": 0.0,
    "retribution_weight": 1.0,
    "defector_credit": 0.2,
    "late_defector_contempt": 0.3,
    "privilege_weight": 1.0,
    "initial_survival": P0,
}
TRAITS = {"disaffection": 0.3, "privileges": 0.5, "exposure": 1.0, "amnesty_trust": 0.4}


def scripted(**model) -> dict:
    """Three officials, no peers, survival pushed down by a shock of -SLOPE every step."""
    role = {
        "count": 3,
        **TRAITS,
        "threshold": {"dist": "values", "values": THRESHOLDS},
        "preparation_time": {"dist": "values", "values": PREPARATION},
    }
    return {
        "steps": STEPS,
        "population": {"tribes": {"t": {"home_region": "r"}}, "roles": {"o": role}},
        "rebellion": {"r": {"points": [[0, 0.0]]}},
        "events": [
            {"kind": "survival_shock", "step": t, "size": -SLOPE} for t in range(1, STEPS + 1)
        ],
        "model": WEIGHTS | model,
    }


# --- by hand ---------------------------------------------------------------------------------
def log_odds_path() -> list[float]:
    """logit p_t as the model accumulates it: logit p_0 plus the shocks so far."""
    base, shock, out = math.log(P0 / (1 - P0)), 0.0, []
    for t in range(STEPS + 1):
        if t > 0:
            shock = shock + (-SLOPE)
        out.append(((base - 0.0 * 0.0) - 0.0 * 0.0) + shock)
    return out


def logistic(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


def forecasts(kind: str, rate: float = 0.5, memory: int = 4) -> list:
    """For each step t, a function H -> p expected H steps ahead."""
    logits, belief, out = log_odds_path(), None, []
    for t, now in enumerate(logits):
        p = logistic(now)
        belief = p if t == 0 else belief + rate * (p - belief)
        m = min(memory, t)
        trend = (now - logits[t - m]) / m if m > 0 else 0.0
        if kind == "myopic":
            out.append(lambda h, p=p: p)
        elif kind == "adaptive":
            out.append(lambda h, b=belief: b)
        else:
            out.append(lambda h, now=now, g=trend: logistic(now + h * g))
    return out


def pressure(p: float, ahead: float, defected_share: float = 0.0) -> float:
    w, x = WEIGHTS, TRAITS
    credit = w["defector_credit"] * ahead - w["late_defector_contempt"] * (1 - ahead)
    return (
        w["disaffection_weight"] * x["disaffection"]
        + w["retribution_weight"] * x["amnesty_trust"] * x["exposure"] * (1 - ahead)
        + credit
        - w["privilege_weight"] * x["privileges"] * p
    )


def exit_step(i: int, kind: str, timing: str, rate: float = 0.02) -> int | None:
    """The step at which official i's decision takes effect (he decides at t, moves at t+1)."""
    logits, expect = log_odds_path(), forecasts(kind)
    for t in range(STEPS):
        p, k = logistic(logits[t]), PREPARATION[i]
        ahead, after = expect[t](k), expect[t](k + 1)
        delta = pressure(p, ahead)
        if timing == "threshold":
            leave = delta >= THRESHOLDS[i]
        else:
            hazard = max(0.0, ahead - after) / ahead
            drift = pressure(p, after) - delta
            stake = delta - THRESHOLDS[i] + WEIGHTS["retribution_weight"] * 0.4 * 1.0
            leave = hazard * stake > rate * WEIGHTS["privilege_weight"] * 0.5 + drift
        if leave:
            return t + 1
    return None


# --- the tests --------------------------------------------------------------------------------
def exits(events: list[dict]) -> list[int | None]:
    first = {}
    for e in events:
        if e["from"] == "loyal":
            first.setdefault(e["official_id"], e["step"])
    return [first.get(i) for i in range(3)]


@pytest.mark.parametrize("kind", ["myopic", "adaptive", "extrapolative"])
@pytest.mark.parametrize("timing", ["threshold", "stopping"])
def test_exit_steps_equal_those_computed_by_hand_on_both_paths(kind, timing):
    run = validate(scripted(expectations=kind, timing=timing))
    model = DefectionModel(run)
    for _ in range(STEPS):
        model.step()
    batch = run_batch(run, [run.seed], details=True)
    expected = [exit_step(i, kind, timing) for i in range(3)]
    assert exits(model.event_log) == expected
    assert exits(batch.events(0)) == expected
    if timing == "threshold" or kind == "extrapolative":
        assert all(step is not None for step in expected), "vacuous: someone should leave"
    else:
        assert expected == [None, None, None]  # flat forecasts: waiting always pays


def test_myopic_threshold_exit_step_is_the_closed_form():
    """Δ is linear in p: Δ = A + B·p with B < 0, so Δ >= T from the first t with
    p_t <= (T - A) / B, i.e. t >= (logit p_0 - logit p*) / slope."""
    x, w = TRAITS, WEIGHTS
    a = x["disaffection"] + x["amnesty_trust"] * x["exposure"] - w["late_defector_contempt"]
    b = -x["amnesty_trust"] * x["exposure"] + w["defector_credit"] + w["late_defector_contempt"]
    b -= x["privileges"]
    for i, threshold in enumerate(THRESHOLDS):
        p_star = (threshold - a) / b
        t_star = math.ceil((math.log(P0 / (1 - P0)) - math.log(p_star / (1 - p_star))) / SLOPE)
        assert exit_step(i, "myopic", "threshold") == t_star + 1


def test_extrapolation_of_a_straight_log_odds_path_is_exact():
    """On logit p_t = logit p_0 - s t, the trend is -s from step 1 on: the forecast H
    steps ahead is the path's own value at t + H."""
    path, expect = log_odds_path(), forecasts("extrapolative")
    for t in range(1, 40):
        for h in (0, 1, 3, 7):
            assert expect[t](h) == pytest.approx(logistic(path[t + h]), rel=1e-12)


def test_adaptive_belief_closes_the_gap_geometrically():
    """After a single jump of p (one shock at step 1), b_t - p = (b_0 - p)(1 - λ)^t."""
    config = scripted(expectations="adaptive", adaptation_rate=0.3)
    config["events"] = [{"kind": "survival_shock", "step": 1, "size": -1.0}]
    model = DefectionModel(config)
    p0 = model.survival
    for t in range(1, 12):
        model.step()
        p = model.survival
        assert model.dynamics.belief[0] == pytest.approx(p + (p0 - p) * 0.7**t, rel=1e-12)


def test_foresight_with_a_steady_regime_is_myopia():
    """With p constant, every kind of expectations forecasts p: the same run."""
    runs = {}
    for kind in ("myopic", "adaptive", "extrapolative"):
        config = scripted(expectations=kind)
        config["events"] = []
        runs[kind] = run_batch(validate(config), [0], details=True).events(0)
    assert runs["myopic"] == runs["adaptive"] == runs["extrapolative"]


def test_contempt_makes_waiting_costly_only_for_officials_who_see_the_fall():
    """The stopping rule's drift term: with p̂ falling, contempt lowers the value of
    leaving later (Δ' < Δ); with a flat forecast it does not."""
    from sim.core import rule
    from sim.core.parameters import model_params

    traits = Traits(0.3, 0.5, 1.0, 0.4, 0.2, 2, 1.0)
    falling = Observation(0.0, 0.0, 0.0, 0.7, 0.6, 0.59, 0.0, 0.0)
    flat = Observation(0.0, 0.0, 0.0, 0.7, 0.7, 0.7, 0.0, 0.0)
    for c_late, leaves in ((0.0, False), (2.0, True)):
        params = model_params(WEIGHTS | {"late_defector_contempt": c_late, "timing": "stopping"})
        assert bool(rule.decides_to_leave(params, traits, falling)) is leaves
        assert not rule.decides_to_leave(params, traits, flat)


@pytest.mark.parametrize(
    ("key", "value", "allowed"),
    [
        ("expectations", "clairvoyant", "one of myopic, adaptive, extrapolative"),
        ("adaptation_rate", 0.0, "a number in [1e-09, 1]"),
        ("adaptation_rate", 1.5, "a number in [1e-09, 1]"),
        ("trend_memory", 0, "an integer in [1, 52]"),
        ("trend_memory", 2.5, "an integer in [1, 52]"),
        ("forecast_horizon", -1, "an integer in [0, 52]"),
        ("forecast_horizon", 53, "an integer in [0, 52]"),
        ("timing", "whenever", "one of threshold, stopping"),
        ("privilege_rate", 2.0, "a probability in [0, 1]"),
        ("loyalty_bonus", -1.0, "a number in [0, 1e+06]"),
    ],
)
def test_bad_expectations_get_one_line(key, value, allowed):
    with pytest.raises(ConfigError) as err:
        validate(scripted(**{key: value}))
    assert err.value.key == f"model.{key}" and allowed in str(err.value)


def test_loyalty_bonus_raises_what_loyalty_pays_as_defections_mount():
    from sim.core import rule
    from sim.core.parameters import model_params

    traits = Traits(0.0, 0.5, 0.0, 0.0, 0.0, 0, 1.0)
    seen = Observation(0.0, 0.0, 0.0, 0.8, 0.8, 0.8, 0.25, 0.25)
    params = model_params({"loyalty_bonus": 2.0, "privilege_weight": 1.0})
    assert rule.privileges(params, traits, seen) == pytest.approx(0.5 * (1 + 2.0 * 0.25))
    assert rule.terms(params, traits, seen).privileges == pytest.approx(-0.75 * 0.8)
    assert np.isclose(rule.privileges(model_params(), traits, seen), 0.5)
