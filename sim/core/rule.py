"""The officials' decision rule and the formulas of the public signals, written once.

Every function here is compiled with numba and called, with the same arguments, by the
Mesa agents (:class:`sim.agents.Official`, one official at a time) and by the batched
engine's loop (:mod:`sim.engine.kernel`): one implementation, so both paths compute the
same numbers to the last bit. No ``fastmath`` (it would let the compiler reorder or fuse
operations).

The defection pressure on official *i* at step *t* (ODD.md, section 7.2):

    Δ_i = a·x_i                        private disaffection (Kuran 1989, 1991)
        + w_peer · s_peer              share of network neighbours who defected (Granovetter 1978)
        + w_tribe · s_tribe            rank-weighted share of own tribe who defected
        + w_danger · r_region          rebellion in the home region (personal danger)
        + w_ret · τ_i · X_i · (1 − p)  retribution avoided: not caught on the losing side
        + credit(p)                    credit (or contempt) the opposition gives a defector
        − w_priv · W_i · p             privileges lost if the regime survives
        − K · p                        punishment of a defector and family if it survives

and a loyal official starts preparing to defect when Δ_i ≥ T_i (section 7.3 for what
follows). ``params`` is a :data:`sim.core.parameters.ModelParams`.
"""

from __future__ import annotations

import math
from typing import NamedTuple

from sim.core.compiled import compiled
from sim.core.state import ARRESTED, DEFECTED, PREPARING


@compiled
def credit(survival, defector_credit, late_defector_contempt):
    """What the opposition credits a defector, given the regime's perceived survival p.

    Linear between the two endpoints the source describes: an early defector (p = 1) is
    credited c_early; one who quits when the collapse is obvious (p = 0) earns contempt,
    −c_late. It crosses zero at p = c_late / (c_early + c_late): past that point
    defecting buys contempt. This is Hale's (2005) "lame-duck" logic (expectations of
    who wins set the value of switching sides) in its simplest monotone form.

    >>> credit(1.0, 0.3, 0.2), credit(0.0, 0.3, 0.2)
    (0.3, -0.2)
    """
    return defector_credit * survival - late_defector_contempt * (1.0 - survival)


class Terms(NamedTuple):
    """The terms of Δ_i, signed (their sum is Δ_i): what pulls an official out, and what
    holds him back (negative)."""

    disaffection: float  # a·x_i
    peers: float  # w_peer·s_peer
    tribe: float  # w_tribe·s_tribe
    danger: float  # w_danger·R
    retribution: float  # w_ret·τ_i·X_i·(1 − p)
    credit: float  # credit(p): c_early·p − c_late·(1 − p)
    privileges: float  # −w_priv·W_i·p
    punishment: float  # −K·p


@compiled
def terms(params, traits, seen):
    """The terms of Δ_i for an official with ``traits`` (:class:`sim.core.state.Traits`)
    who sees ``seen`` (:class:`sim.core.signals.Observation`: the shares of his
    neighbours and of the rest of his tribe who defected, the rebellion at home, and the
    regime's survival p as he weighs it)."""
    w, p = params, seen.survival
    return Terms(
        w.disaffection_weight * traits.disaffection,
        w.peer_weight * seen.peer_share,
        w.tribal_pressure_weight * seen.tribe_share,
        w.danger_weight * seen.rebellion,
        w.retribution_weight * traits.amnesty_trust * traits.exposure * (1.0 - p),
        credit(p, w.defector_credit, w.late_defector_contempt),
        -(w.privilege_weight * traits.privileges * p),
        -(w.defector_punishment * p),
    )


@compiled
def defection_pressure(params, traits, seen):
    """Δ_i, the net pull towards defection (the equation of the module docstring): the
    sum of :func:`terms`, added in their order. In the utility units of the threshold."""
    t = terms(params, traits, seen)
    return (
        t.disaffection
        + t.peers
        + t.tribe
        + t.danger
        + t.retribution
        + t.credit
        + t.privileges
        + t.punishment
    )


@compiled
def starts_preparing(pressure, threshold):
    """A loyal official starts preparing to defect when Δ_i >= T_i (Granovetter 1978)."""
    return pressure >= threshold


@compiled
def begin_preparing(preparation_time):
    """The official's (state, steps of preparation left) once he has decided: k_i steps
    of moving family and money out, or none, and he defects at once (k_i = 0)."""
    if preparation_time == 0:
        return DEFECTED, 0
    return PREPARING, preparation_time


@compiled
def prepare(preparation_left, uniform, detection_probability):
    """One step of preparation (ODD 7.3): the secret police catch him with probability
    q (``uniform`` is his own U[0, 1) draw of the step: caught when it falls below q);
    otherwise one step less to go, and he defects when none is left.

    Returns (state, steps of preparation left)."""
    if uniform < detection_probability:
        return ARRESTED, 0
    left = preparation_left - 1
    if left == 0:
        return DEFECTED, 0
    return PREPARING, left


@compiled
def escape(uniform, escape_probability):
    """An arrested official escapes abroad, and so defects, with probability e per step:
    the state he is in at the next step."""
    return DEFECTED if uniform < escape_probability else ARRESTED


@compiled
def log_odds(p):
    """log(p / (1 − p)), the log-odds of a probability in (0, 1)."""
    return math.log(p / (1.0 - p))


@compiled
def perceived_survival(
    initial_log_odds,
    weighted_defected_share,
    mean_rebellion,
    survival_shock,
    survival_defection_sensitivity,
    survival_rebellion_sensitivity,
):
    """The regime's perceived survival p_t, a public signal every official reads (ODD 7.1).

    Logit-linear in the public evidence: each rank-weighted share of defections and each
    unit of mean rebellion lowers the log-odds of survival by a fixed amount, and
    scheduled shocks (for instance, talks about a transitional government) shift them.
    Logit-linear aggregation keeps p in (0, 1) whatever the evidence, and makes one
    more defection matter most when the outcome is in doubt (p near 1/2), the situation
    Kuran (1991) and Hale (2005) describe. It has no memory: p_t is a function of the
    state at t, which keeps the model Markov.

    Returns:
        p_t = 1 / (1 + exp(−(logit p_0 − b_D·D_t − b_R·R̄_t + S_t))).
    """
    logit = (
        initial_log_odds
        - survival_defection_sensitivity * weighted_defected_share
        - survival_rebellion_sensitivity * mean_rebellion
        + survival_shock
    )
    return 1.0 / (1.0 + math.exp(-logit))


@compiled
def rebellion_intensity(scheduled_level, shock, defected_share_of_region, feedback_weight):
    """Rebellion intensity of a region, clipped to [0, 1] (ODD 7.1): the exogenous
    schedule's level at this step, plus the region's scheduled shocks so far, plus
    feedback from the rank-weighted share of the region's own officials who defected (a
    tribe head's defection boosting the insurrection in his tribal area, source 000)."""
    level = scheduled_level + (shock + feedback_weight * defected_share_of_region)
    return min(1.0, max(0.0, level))
