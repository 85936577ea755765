"""The decision rule: each term of Δ moves the decision in its documented direction,
and the closed forms of credit(p) and p_t hold exactly."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim import rule
from sim.rule import Weights

ALL_ON = Weights(
    disaffection_weight=1.0,
    peer_weight=0.5,
    tribal_pressure_weight=0.4,
    danger_weight=0.3,
    retribution_weight=1.0,
    defector_credit=0.2,
    late_defector_contempt=0.3,
    privilege_weight=1.0,
    defector_punishment=0.3,
)
BASE = {
    "disaffection": 0.2,
    "peer_share": 0.25,
    "tribe_share": 0.1,
    "rebellion": 0.3,
    "survival": 0.6,
    "privileges": 0.5,
    "exposure": 0.8,
    "amnesty_trust": 0.5,
}


def pressure(weights: Weights = ALL_ON, **changes: float) -> float:
    return rule.defection_pressure(weights, **(BASE | changes))


def test_pressure_matches_the_equation_term_by_term():
    w, b = ALL_ON, BASE
    p = b["survival"]
    expected = (
        w.disaffection_weight * b["disaffection"]
        + w.peer_weight * b["peer_share"]
        + w.tribal_pressure_weight * b["tribe_share"]
        + w.danger_weight * b["rebellion"]
        + w.retribution_weight * b["amnesty_trust"] * b["exposure"] * (1 - p)
        + (w.defector_credit * p - w.late_defector_contempt * (1 - p))
        - w.privilege_weight * b["privileges"] * p
        - w.defector_punishment * p
    )
    assert pressure() == pytest.approx(expected, abs=1e-15)


@pytest.mark.parametrize(
    ("term", "low", "high", "sign"),
    [
        ("disaffection", 0.1, 0.4, +1),  # more hidden disaffection pushes out (Kuran)
        ("peer_share", 0.0, 0.5, +1),  # more neighbours gone pushes out (Granovetter)
        ("tribe_share", 0.0, 0.5, +1),  # tribal pressure
        ("rebellion", 0.0, 0.8, +1),  # personal danger at home
        ("privileges", 0.2, 0.9, -1),  # privileges hold back
        ("exposure", 0.2, 0.9, +1),  # more to fear if caught on the losing side
        ("amnesty_trust", 0.1, 0.9, +1),  # defecting actually spares retribution
    ],
)
def test_each_term_moves_the_decision_in_its_direction(term, low, high, sign):
    delta = pressure(**{term: high}) - pressure(**{term: low})
    assert sign * delta > 0
    # an official exactly at the threshold for `low` decides the documented way for `high`
    threshold = pressure(**{term: low})
    assert rule.starts_preparing(pressure(**{term: high}), threshold) == (sign > 0)


@pytest.mark.parametrize(
    "weight",
    [
        "disaffection_weight",
        "peer_weight",
        "tribal_pressure_weight",
        "danger_weight",
        "retribution_weight",
        "privilege_weight",
        "defector_punishment",
    ],
)
def test_a_weight_of_zero_switches_its_term_off(weight):
    off = Weights(**(ALL_ON.__dict__ | {weight: 0.0}))
    varied = {
        "disaffection_weight": "disaffection",
        "peer_weight": "peer_share",
        "tribal_pressure_weight": "tribe_share",
        "danger_weight": "rebellion",
        "retribution_weight": "exposure",
        "privilege_weight": "privileges",
    }.get(weight)
    if varied is None:  # K multiplies no attribute: compare against the equation without it
        assert pressure(off) - pressure() == pytest.approx(ALL_ON.defector_punishment * 0.6)
    else:
        assert pressure(off, **{varied: 0.0}) == pressure(off, **{varied: 0.9})


def test_retribution_matters_more_as_the_regime_weakens():
    w = Weights(disaffection_weight=0, peer_weight=0, retribution_weight=1.0)
    strong, weak = pressure(w, survival=0.9), pressure(w, survival=0.1)
    assert weak - strong == pytest.approx(0.5 * 0.8 * (0.9 - 0.1))


def test_privileges_and_punishment_matter_less_as_the_regime_weakens():
    w = Weights(disaffection_weight=0, peer_weight=0, privilege_weight=1.0, defector_punishment=0.3)
    assert pressure(w, survival=0.1) > pressure(w, survival=0.9)


def test_credit_closed_form_and_the_contempt_crossing():
    c_early, c_late = 0.3, 0.2
    assert rule.credit(1.0, c_early, c_late) == pytest.approx(c_early)
    assert rule.credit(0.0, c_early, c_late) == pytest.approx(-c_late)
    crossing = c_late / (c_early + c_late)
    assert rule.credit(crossing, c_early, c_late) == pytest.approx(0.0, abs=1e-15)
    ps = np.linspace(0, 1, 11)
    assert np.all(np.diff(rule.credit(ps, c_early, c_late)) > 0)  # late defection earns less


def test_late_defector_contempt_lowers_the_pressure_when_collapse_is_obvious():
    without = Weights(disaffection_weight=0, peer_weight=0, defector_credit=0.2)
    with_contempt = Weights(**(without.__dict__ | {"late_defector_contempt": 0.3}))
    assert pressure(with_contempt, survival=0.05) < pressure(without, survival=0.05)
    assert pressure(with_contempt, survival=1.0) == pressure(without, survival=1.0)


def test_perceived_survival_closed_form():
    p0, d, r, s, bd, br = 0.9, 0.3, 0.4, -0.25, 4.0, 1.0
    logit = math.log(p0 / (1 - p0)) - bd * d - br * r + s
    assert rule.perceived_survival(p0, d, r, s, bd, br) == pytest.approx(1 / (1 + math.exp(-logit)))
    assert rule.perceived_survival(p0, 0.0, 0.0, 0.0, bd, br) == pytest.approx(p0)
    # defections and rebellion lower it; a positive shock raises it
    assert rule.perceived_survival(p0, 0.5, 0, 0, bd, br) < p0
    assert rule.perceived_survival(p0, 0, 0.5, 0, bd, br) < p0
    assert rule.perceived_survival(p0, 0, 0, 0.5, bd, br) > p0


def test_detection_and_escape_are_strict_comparisons_of_the_draw():
    assert not rule.is_caught(0.0, 0.0)  # q = 0 never catches, even the smallest draw
    assert rule.is_caught(0.999999, 1.0)  # q = 1 always catches
    assert rule.is_caught(0.1, 0.2) and not rule.is_caught(0.2, 0.2)
    assert rule.escapes(0.05, 0.1) and not rule.escapes(0.5, 0.1)


def test_rebellion_is_interpolated_shocked_fed_back_and_clipped():
    from sim.schedule import RebellionSchedule

    schedule = RebellionSchedule(("a",), (np.array([0.0, 10.0]),), (np.array([0.0, 0.5]),))
    assert schedule.levels_at(4)[0] == pytest.approx(0.2)
    assert schedule.levels_at(20)[0] == pytest.approx(0.5)  # flat beyond the last point
    assert rule.rebellion_intensity(0.2, 0.1, 0.5, 0.4) == pytest.approx(0.5)
    assert rule.rebellion_intensity(0.5, 0.9, 0.0, 0.0) == 1.0
    assert rule.rebellion_intensity(0.0, -0.5, 0.0, 0.0) == 0.0
    levels = rule.rebellion_intensity(np.array([0.2, 0.2]), 0.0, np.array([0.0, 1.0]), 0.5)
    assert levels.tolist() == [0.2, 0.7]


def test_the_factored_pressure_is_bit_identical_to_the_equation():
    rng = np.random.default_rng(0)
    n = 10_000
    attrs = {
        "disaffection": rng.uniform(0, 0.5, n),
        "privileges": rng.uniform(0, 1, n),
        "exposure": rng.uniform(0, 1.2, n),
        "amnesty_trust": rng.uniform(0, 1, n),
    }
    signals = {
        "peer_share": rng.uniform(0, 1, n),
        "tribe_share": rng.uniform(0, 1, n),
        "rebellion": rng.uniform(0, 1, n),
        "survival": rng.uniform(0, 1, n),
    }
    direct = rule.defection_pressure(ALL_ON, **attrs, **signals)
    factored = rule.pressure_from_static(ALL_ON, rule.static_terms(ALL_ON, **attrs), **signals)
    assert np.array_equal(direct, factored)
    # and one official at a time, with Python floats, as the Mesa agent computes it
    for i in range(0, n, 997):
        one = rule.defection_pressure(
            ALL_ON, **{k: float(v[i]) for k, v in (attrs | signals).items()}
        )
        assert one == direct[i]
