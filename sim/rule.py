"""The officials' decision rule, as pure functions.

Nothing here imports Mesa: the agents in :mod:`sim.agents` call these functions one
official at a time (every function works on Python floats and on NumPy arrays alike).
The batched engine's compiled kernel (:mod:`sim.kernels`) performs the operations of
:func:`pressure_from_static` in the same order, so both produce identical
floating-point results.

The defection pressure on official *i* at step *t* (ODD.md, section 7.2):

    Δ_i = a·x_i                        private disaffection (Kuran 1989, 1991)
        + w_peer · s_peer              share of network neighbours who defected (Granovetter 1978)
        + w_tribe · s_tribe            rank-weighted share of own tribe who defected
        + w_danger · r_region          rebellion in the home region (personal danger)
        + w_ret · τ_i · X_i · (1 − p)  retribution avoided: not caught on the losing side
        + credit(p)                    credit (or contempt) the opposition gives a defector
        − w_priv · W_i · p             privileges lost if the regime survives
        − K · p                        punishment of a defector and family if it survives

and a loyal official starts preparing to defect when Δ_i ≥ T_i.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike


@dataclass(frozen=True)
class Weights:
    """Model-level weights of the terms of Δ. Setting one to 0 switches its term off.

    Attributes:
        disaffection_weight: a, weight of private disaffection x_i.
        peer_weight: w_peer, weight of the share of network neighbours who defected.
        tribal_pressure_weight: w_tribe, weight of the rank-weighted share of one's tribe
            who defected.
        danger_weight: w_danger, weight of rebellion intensity in one's home region.
        retribution_weight: w_ret, weight of the retribution a loyalist expects if the
            regime falls (τ_i · X_i · (1 − p)).
        defector_credit: c_early, credit a defector earns while the regime looks certain
            to survive (p = 1).
        late_defector_contempt: c_late, contempt a defector earns once the regime's
            collapse is certain (p = 0).
        privilege_weight: w_priv, weight of the privileges W_i lost by defecting.
        defector_punishment: K, punishment of a defector and family if the regime survives.
    """

    disaffection_weight: float = 1.0
    peer_weight: float = 1.0
    tribal_pressure_weight: float = 0.0
    danger_weight: float = 0.0
    retribution_weight: float = 0.0
    defector_credit: float = 0.0
    late_defector_contempt: float = 0.0
    privilege_weight: float = 0.0
    defector_punishment: float = 0.0


def credit(survival: ArrayLike, defector_credit: float, late_defector_contempt: float):
    """What the opposition credits a defector, given the regime's perceived survival.

    Linear between the two endpoints the source describes: an early defector (regime
    still strong, p = 1) is credited ``defector_credit``; one who quits when the collapse
    is obvious (p = 0) earns contempt, ``-late_defector_contempt``. The value crosses zero
    at p = c_late / (c_early + c_late): past that point defecting buys contempt. This is
    Hale's "lame-duck" logic (expectations of who wins set the value of switching sides)
    in its simplest monotone form.

    Args:
        survival: perceived probability p in [0, 1] that the regime survives.
        defector_credit: c_early >= 0.
        late_defector_contempt: c_late >= 0.

    Returns:
        c_early · p − c_late · (1 − p), same shape as ``survival``.

    >>> credit(1.0, 0.3, 0.2), credit(0.0, 0.3, 0.2)
    (0.3, -0.2)
    """
    return defector_credit * survival - late_defector_contempt * (1.0 - survival)


def defection_pressure(
    weights: Weights,
    *,
    disaffection: ArrayLike,
    peer_share: ArrayLike,
    tribe_share: ArrayLike,
    rebellion: ArrayLike,
    survival: ArrayLike,
    privileges: ArrayLike,
    exposure: ArrayLike,
    amnesty_trust: ArrayLike,
):
    """Δ_i, the net pull towards defection (see the module docstring for the equation).

    Args:
        weights: the model-level weights.
        disaffection: x_i, private disaffection (Kuran's hidden preference), >= 0.
        peer_share: share in [0, 1] of network neighbours who have visibly defected.
        tribe_share: rank-weighted share in [0, 1] of the rest of one's tribe who defected.
        rebellion: rebellion intensity in [0, 1] in one's home region.
        survival: p, perceived probability in [0, 1] that the regime survives.
        privileges: W_i >= 0, what loyalty pays.
        exposure: X_i >= 0, retribution one faces if caught loyal on the losing side.
        amnesty_trust: τ_i in [0, 1], trust that defecting spares one that retribution.

    Returns:
        Δ_i, in the same utility units as the threshold T_i.
    """
    w = weights
    return (
        w.disaffection_weight * disaffection
        + w.peer_weight * peer_share
        + w.tribal_pressure_weight * tribe_share
        + w.danger_weight * rebellion
        + w.retribution_weight * amnesty_trust * exposure * (1.0 - survival)
        + credit(survival, w.defector_credit, w.late_defector_contempt)
        - w.privilege_weight * privileges * survival
        - w.defector_punishment * survival
    )


@dataclass(frozen=True)
class StaticTerms:
    """The products of Δ that involve only an official's fixed attributes."""

    disaffection: ArrayLike  # a · x_i
    retribution: ArrayLike  # w_ret · τ_i · X_i
    privileges: ArrayLike  # w_priv · W_i


def static_terms(
    weights: Weights, *, disaffection, privileges, exposure, amnesty_trust
) -> StaticTerms:
    """Precompute the fixed products of Δ, in the operation order of
    :func:`defection_pressure` (so that :func:`pressure_from_static` is bit-identical)."""
    w = weights
    return StaticTerms(
        disaffection=w.disaffection_weight * disaffection,
        retribution=w.retribution_weight * amnesty_trust * exposure,
        privileges=w.privilege_weight * privileges,
    )


def pressure_from_static(
    weights: Weights, static: StaticTerms, *, peer_share, tribe_share, rebellion, survival
):
    """Δ_i as :func:`defection_pressure` computes it, with the fixed products precomputed.

    The same floating-point operations in the same order, so the same result to the last
    bit (``tests/test_rule.py`` checks it). The batched engine precomputes the fixed
    products with :func:`static_terms` and its kernel follows this order.
    """
    w = weights
    return (
        static.disaffection
        + w.peer_weight * peer_share
        + w.tribal_pressure_weight * tribe_share
        + w.danger_weight * rebellion
        + static.retribution * (1.0 - survival)
        + credit(survival, w.defector_credit, w.late_defector_contempt)
        - static.privileges * survival
        - w.defector_punishment * survival
    )


def starts_preparing(pressure: ArrayLike, threshold: ArrayLike):
    """A loyal official starts preparing to defect when Δ_i >= T_i (Granovetter 1978)."""
    return pressure >= threshold


def is_caught(uniform: ArrayLike, detection_probability: float):
    """The secret police catch a preparing official with probability q per step.

    ``uniform`` is the official's own U[0, 1) draw for this step (ODD.md, 7.3); it is
    caught when the draw falls below q, so q = 0 never catches and q = 1 always does.
    """
    return uniform < detection_probability


def escapes(uniform: ArrayLike, escape_probability: float):
    """An arrested official escapes (and defects) with probability e per step."""
    return uniform < escape_probability


def perceived_survival(
    initial_survival: float,
    weighted_defected_share: ArrayLike,
    mean_rebellion: ArrayLike,
    survival_shock: ArrayLike,
    survival_defection_sensitivity: float,
    survival_rebellion_sensitivity: float,
):
    """The regime's perceived survival p_t, a public signal every official reads.

    Logit-linear in the public evidence: each rank-weighted share of defections and each
    unit of mean rebellion lowers the log-odds of survival by a fixed amount, and
    scheduled shocks (for instance, talks about a transitional government) shift them.
    Logit-linear aggregation keeps p in (0, 1) whatever the evidence, and makes one
    more defection matter most when the outcome is in doubt (p near 1/2), the situation
    Kuran (1991) and Hale (2005) describe. p_t has no memory: it is a function of the
    state at t, which keeps the model Markov (ODD.md, 7.1).

    Args:
        initial_survival: p_0 in (0, 1), survival perceived before any defection or rebellion.
        weighted_defected_share: D_t in [0, 1], defections weighted by rank weight.
        mean_rebellion: R̄_t in [0, 1], rebellion intensity averaged over regions.
        survival_shock: S_t, the sum of scheduled shifts of the log-odds up to t.
        survival_defection_sensitivity: b_D >= 0.
        survival_rebellion_sensitivity: b_R >= 0.

    Returns:
        p_t = 1 / (1 + exp(−(logit p_0 − b_D·D_t − b_R·R̄_t + S_t))).
    """
    logit = (
        log_odds(initial_survival)
        - survival_defection_sensitivity * weighted_defected_share
        - survival_rebellion_sensitivity * mean_rebellion
        + survival_shock
    )
    return 1.0 / (1.0 + libm_exp(-logit))


#: ``exp`` of the C library (``math.exp``), element by element. NumPy's own ``np.exp``
#: is a SIMD routine that differs from it in the last bit for about 5% of arguments, and
#: from one CPU to another; the compiled engine (:mod:`sim.kernels`) calls the C
#: library's ``exp``, so both engines, on any CPU, compute the same p_t.
libm_exp = np.vectorize(math.exp, otypes=[np.float64])


def log_odds(p: float) -> float:
    """log(p / (1 − p)), the log-odds of a probability in (0, 1)."""
    return float(np.log(p / (1.0 - p)))


def rebellion_intensity(
    scheduled_level: ArrayLike,
    shock: ArrayLike,
    defected_share_of_region: ArrayLike,
    rebellion_feedback_weight: float,
):
    """Rebellion intensity of a region, clipped to [0, 1].

    The exogenous schedule's level at this step (piecewise linear between its points,
    flat beyond them: ``RebellionSchedule.levels_at``), plus the region's scheduled
    shocks up to this step, plus feedback from the rank-weighted share of the region's
    own officials who defected (a tribe head's defection boosting the insurrection in
    his tribal area, source 000).

    Args:
        scheduled_level: the schedule's level in [0, 1] at this step.
        shock: sum of the region's scheduled shocks up to this step.
        defected_share_of_region: rank-weighted share in [0, 1] of officials from the
            region who defected.
        rebellion_feedback_weight: f, how much that share adds to the rebellion.

    Returns:
        min(1, max(0, level + (shock + f * share))).
    """
    level = scheduled_level + (shock + rebellion_feedback_weight * defected_share_of_region)
    return np.minimum(1.0, np.maximum(0.0, level))
