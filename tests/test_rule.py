"""The decision rule: each term of Δ moves the decision in its documented direction,
and the closed forms of credit(p) and p_t hold exactly."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.core import rule
from sim.core.parameters import as_dict, model_params
from sim.core.state import ARRESTED, DEFECTED, PREPARING, Observation, Traits


def Weights(**weights):  # noqa: N802 (reads like the record it builds)
    """Model parameters with every weight of Δ off unless given (a=1, w_peer=1 by default)."""
    off = {
        "tribal_pressure_weight": 0.0,
        "danger_weight": 0.0,
        "retribution_weight": 0.0,
        "defector_credit": 0.0,
        "late_defector_contempt": 0.0,
        "privilege_weight": 0.0,
        "defector_punishment": 0.0,
    }
    return model_params(off | weights)


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


def split(values: dict) -> tuple[Traits, Observation]:
    """An official's traits and what he sees, from one dict of named values."""
    traits = Traits(**{k: values.get(k, 0.0) for k in Traits._fields} | {"preparation_time": 0})
    p = values["survival"]
    ahead = {"survival_ahead": p, "survival_after": p, "defected_share": 0.0}  # myopic
    ahead["defected_share_after"] = 0.0
    seen = Observation(**(ahead | {k: values[k] for k in Observation._fields if k in values}))
    return traits, seen


def pressure(weights=ALL_ON, **changes: float) -> float:
    return rule.defection_pressure(weights, *split(BASE | changes))


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
    off = Weights(**(as_dict(ALL_ON) | {weight: 0.0}))
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
    credits = [rule.credit(p, c_early, c_late) for p in ps]
    assert np.all(np.diff(credits) > 0)  # late defection earns less


def test_late_defector_contempt_lowers_the_pressure_when_collapse_is_obvious():
    without = Weights(disaffection_weight=0, peer_weight=0, defector_credit=0.2)
    with_contempt = Weights(**(as_dict(without) | {"late_defector_contempt": 0.3}))
    assert pressure(with_contempt, survival=0.05) < pressure(without, survival=0.05)
    assert pressure(with_contempt, survival=1.0) == pressure(without, survival=1.0)


def test_perceived_survival_closed_form():
    p0, d, r, s, bd, br = 0.9, 0.3, 0.4, -0.25, 4.0, 1.0
    logit = math.log(p0 / (1 - p0)) - bd * d - br * r + s
    l0 = rule.log_odds(p0)
    assert l0 == math.log(p0 / (1 - p0))
    assert rule.perceived_survival(l0, d, r, s, bd, br) == pytest.approx(1 / (1 + math.exp(-logit)))
    assert rule.perceived_survival(l0, 0.0, 0.0, 0.0, bd, br) == pytest.approx(p0)
    # defections and rebellion lower it; a positive shock raises it
    assert rule.perceived_survival(l0, 0.5, 0, 0, bd, br) < p0
    assert rule.perceived_survival(l0, 0, 0.5, 0, bd, br) < p0
    assert rule.perceived_survival(l0, 0, 0, 0.5, bd, br) > p0


def test_detection_and_escape_are_strict_comparisons_of_the_draw():
    seen = split(BASE)[1]

    def prepare(left, u, q):
        return rule.prepare(model_params(detection_probability=q), left, u, seen)

    assert prepare(3, 0.0, 0.0) == (PREPARING, 2)  # q = 0 never catches
    assert prepare(3, 0.999999, 1.0) == (ARRESTED, 0)  # q = 1 always catches
    assert prepare(3, 0.1, 0.2) == (ARRESTED, 0)
    assert prepare(3, 0.2, 0.2) == (PREPARING, 2)
    assert prepare(1, 0.5, 0.2) == (DEFECTED, 0)  # the last step of preparation
    assert rule.escape(0.05, 0.1) == DEFECTED and rule.escape(0.5, 0.1) == ARRESTED


def test_deciding_starts_k_steps_of_preparation_or_defects_at_once():
    assert rule.begin_preparing(0) == (DEFECTED, 0)
    assert rule.begin_preparing(4) == (PREPARING, 4)
    assert rule.starts_preparing(0.5, 0.5) and not rule.starts_preparing(0.49, 0.5)


def test_rebellion_is_interpolated_shocked_fed_back_and_clipped():
    from sim.config.schema import validate
    from sim.world.build import rebellion_levels

    run = validate(
        {
            "population": {"tribes": {"t": {"home_region": "a"}}, "roles": {"r": {"count": 1}}},
            "rebellion": {"a": {"points": [[0, 0.0], [10, 0.5]]}},
        }
    )
    levels = rebellion_levels(run, 20)
    assert levels[4, 0] == pytest.approx(0.2)
    assert levels[20, 0] == pytest.approx(0.5)  # flat beyond the last point
    assert rule.rebellion_intensity(0.2, 0.1, 0.5, 0.4) == pytest.approx(0.5)
    assert rule.rebellion_intensity(0.5, 0.9, 0.0, 0.0) == 1.0
    assert rule.rebellion_intensity(0.0, -0.5, 0.0, 0.0) == 0.0


def test_the_traits_record_has_the_declared_traits_in_order():
    from sim.core.parameters import TRAITS

    assert Traits._fields == tuple(p.name for p in TRAITS)


def test_the_rule_is_the_same_compiled_or_interpreted():
    """The agents and the engine call the compiled rule; its Python source (what a
    reader reads, and what runs under NUMBA_DISABLE_JIT=1) gives the same bits."""
    rng = np.random.default_rng(0)
    for _ in range(200):
        args = {
            "disaffection": rng.uniform(0, 0.5),
            "peer_share": rng.uniform(0, 1),
            "tribe_share": rng.uniform(0, 1),
            "rebellion": rng.uniform(0, 1),
            "survival": rng.uniform(0, 1),
            "privileges": rng.uniform(0, 1),
            "exposure": rng.uniform(0, 1.2),
            "amnesty_trust": rng.uniform(0, 1),
        }
        traits, seen = split(args)
        compiled = rule.defection_pressure(ALL_ON, traits, seen)
        assert compiled == rule.defection_pressure.py_func(ALL_ON, traits, seen)
        assert compiled == sum(rule.terms(ALL_ON, traits, seen))  # added in order
