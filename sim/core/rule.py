"""The officials' decision rule and the formulas of the public signals, written once.

Every function here is compiled with numba and called, with the same arguments, by the
Mesa agents (:class:`sim.agents.Official`, one official at a time) and by the batched
engine's loop (:mod:`sim.engine.kernel`): one implementation, so both paths compute the
same numbers to the last bit. No ``fastmath`` (it would let the compiler reorder or fuse
operations).

The defection pressure on official *i* at step *t* (ODD.md, section 7.2):

    Δ_i = a·x_i                        private disaffection (Kuran 1989, 1991)
        + w_peer · s_peer              share (or count) of network neighbours who defected
        + w_tribe · s_tribe            rank-weighted share of own tribe who defected
        + w_danger · r_region          rebellion in the home region (personal danger)
        + w_ret · τ_i · X_i · (1 − p)  retribution avoided: not caught on the losing side
        + credit(p)                    credit (or contempt) the opposition gives a defector
        − w_priv · W_i · (1 + b_L·D) · p   privileges lost if the regime survives
        − K · p                        punishment of a defector and family if it survives

and a loyal official starts preparing to defect when Δ_i ≥ T_i (``timing=threshold``),
or when leaving now is worth more than waiting one more step (``timing=stopping``,
:func:`decides_to_leave`); section 7.3 for what follows. The credit and the retribution
terms are evaluated at the survival he expects when his defection would become public
(:func:`expected_survival`; with ``expectations=myopic``, today's p_t). ``params`` is a
:data:`sim.core.parameters.ModelParams`.
"""

from __future__ import annotations

import math
from typing import NamedTuple

from sim.core.compiled import compiled
from sim.core.parameters import ADAPTIVE, COUNT, EXTRAPOLATIVE, THRESHOLD
from sim.core.state import ARRESTED, DEFECTED, PREPARING, Observation


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


@compiled
def peer_signal(peer_threshold, count, degree):
    """s_peer, what an official's defected neighbours weigh (ODD 7.2): their share of his
    ``degree`` ties (``peer_threshold: share``, Granovetter 1978, Watts 2002), or their
    number (``count``: an absolute threshold, Centola & Macy 2007).

    >>> peer_signal(0, 1, 4.0), peer_signal(1, 1, 4.0)
    (0.25, 1.0)
    """
    if peer_threshold == COUNT:
        return float(count)
    return count / degree


class Terms(NamedTuple):
    """The terms of Δ_i, signed (their sum is Δ_i): what pulls an official out, and what
    holds him back (negative)."""

    disaffection: float  # a·x_i
    peers: float  # w_peer·s_peer
    tribe: float  # w_tribe·s_tribe
    danger: float  # w_danger·R
    retribution: float  # w_ret·τ_i·X_i·(1 − p̂)
    credit: float  # credit(p̂): c_early·p̂ − c_late·(1 − p̂), p̂ expected when public
    privileges: float  # −w_priv·W_i·(1 + b_L·D)·p
    punishment: float  # −K·p


@compiled
def terms(params, traits, seen):
    """The terms of Δ_i for an official with ``traits`` (:class:`sim.core.state.Traits`)
    who sees ``seen`` (:class:`sim.core.state.Observation`: the shares of his neighbours
    and of the rest of his tribe who defected, the rebellion at home, the regime's
    survival today, p, and as he expects it when his defection would be public, p̂).

    The credit a defector earns and the retribution he escapes are settled when his
    defection becomes public, so they are weighed at p̂; the privileges he gives up and
    the punishment his family risks, today, at p. With myopic officials p̂ = p."""
    w, p, ahead = params, seen.survival, seen.survival_ahead
    return Terms(
        w.disaffection_weight * traits.disaffection,
        w.peer_weight * seen.peer_share,
        w.tribal_pressure_weight * seen.tribe_share,
        w.danger_weight * seen.rebellion,
        w.retribution_weight * traits.amnesty_trust * traits.exposure * (1.0 - ahead),
        credit(ahead, w.defector_credit, w.late_defector_contempt),
        -(w.privilege_weight * privileges(params, traits, seen) * p),
        -(w.defector_punishment * p),
    )


@compiled
def privileges(params, traits, seen):
    """What loyalty pays the official now: W_i, raised by the regime as defections mount
    when it buys the loyalty of those who remain (``loyalty_bonus`` b_L: W_i·(1 + b_L·D_t);
    the salary raises of Ohl et al. 2015)."""
    if params.loyalty_bonus == 0.0:
        return traits.privileges
    return traits.privileges * (1.0 + params.loyalty_bonus * seen.defected_share)


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
    """The threshold rule: start preparing to defect when Δ_i >= T_i (Granovetter 1978)."""
    return pressure >= threshold


@compiled
def hazard(survival_ahead, survival_after):
    """The chance, as the official expects it, that the regime falls during the step
    after the one his defection would become public: the relative fall of the expected
    survival, read as the probability that the regime is still standing at that date.
    Zero when he expects no fall (myopic or adaptive officials, or a steady regime)."""
    if survival_ahead <= 0.0:
        return 0.0
    return max(0.0, survival_ahead - survival_after) / survival_ahead


@compiled
def decides_to_leave(params, traits, seen):
    """Whether a loyal official starts preparing to defect now (ODD 7.2, 7.8).

    ``timing=threshold``: when Δ_i >= T_i.

    ``timing=stopping``: when waiting one more step costs more than it pays (the
    one-step look-ahead rule of optimal stopping, Chow, Robbins & Siegmund 1971; the
    exit timing of Abreu & Brunnermeier 2003). Waiting costs, with the chance ĥ that
    the regime falls during that step (:func:`hazard`), what he would then lose: the
    value of having left, V = Δ_i − T_i, and the retribution leaving would have spared
    him, w_ret·τ_i·X_i. Waiting pays a step of privileges, ρ·w_priv·W_i, and the change
    dV = Δ'_i − Δ_i in the value of leaving, Δ' weighing the credit and the retribution
    at the survival expected one step later, and the privileges at the share defected
    expected then (with contempt for late defectors, credit falls as p falls: dV < 0,
    waiting costs; with privileges that rise as others leave, dV > 0, waiting pays).
    He leaves when

        ĥ · (Δ_i − T_i + w_ret·τ_i·X_i)  >  ρ·w_priv·W_i + (Δ'_i − Δ_i).

    So he may leave before his threshold is met when the door is closing, or stay past
    it while leaving later pays more. When he expects no fall of the regime (myopic or
    adaptive expectations, or a steady regime: ĥ = 0 and Δ' = Δ), waiting always pays
    and he does not leave by this rule.
    """
    pressure = defection_pressure(params, traits, seen)
    if params.timing == THRESHOLD:
        return starts_preparing(pressure, traits.threshold)
    later = Observation(
        seen.peer_share,
        seen.tribe_share,
        seen.rebellion,
        seen.survival,
        seen.survival_after,
        seen.survival_after,
        seen.defected_share_after,
        seen.defected_share_after,
    )
    drift = defection_pressure(params, traits, later) - pressure
    at_stake = (
        pressure
        - traits.threshold
        + params.retribution_weight * traits.amnesty_trust * traits.exposure
    )
    privileges_of_a_step = (
        params.privilege_rate * params.privilege_weight * privileges(params, traits, seen)
    )
    return (
        hazard(seen.survival_ahead, seen.survival_after) * at_stake > privileges_of_a_step + drift
    )


@compiled
def begin_preparing(preparation_time):
    """The official's (state, steps of preparation left) once he has decided: k_i steps
    of moving family and money out, or none, and he defects at once (k_i = 0)."""
    if preparation_time == 0:
        return DEFECTED, 0
    return PREPARING, preparation_time


@compiled
def detection(params, seen):
    """q_i, the chance per step that the secret police catch him preparing: q, raised
    for the tribes whose members defected when the regime targets its repression
    (``targeted_repression`` r: q·(1 + r·s_tribe), at most 1; Rozenas 2017 on the logic
    of collective repression; ODD 7.9)."""
    q = params.detection_probability
    if params.targeted_repression == 0.0:
        return q
    return min(1.0, q * (1.0 + params.targeted_repression * seen.tribe_share))


@compiled
def prepare(params, preparation_left, uniform, seen):
    """One step of preparation (ODD 7.3): the secret police catch him with probability
    q_i (:func:`detection`; ``uniform`` is his own U[0, 1) draw of the step: caught when
    it falls below q_i); otherwise one step less to go, and he defects when none is left.

    Returns (state, steps of preparation left)."""
    if uniform < detection(params, seen):
        return ARRESTED, 0
    left = preparation_left - 1
    if left == 0:
        return DEFECTED, 0
    return PREPARING, left


@compiled
def purges(params):
    """Whether the regime purges loyal officials (``purge_rate`` > 0): then every loyal
    official uses his draw of the step."""
    return params.purge_rate > 0.0


@compiled
def purged(params, uniform, seen):
    """A loyal official is purged (arrested as a suspect) with probability
    min(1, π·s_tribe): the more of his tribe has defected, the likelier (ODD 7.9; purges
    as coup-proofing, Sudduth 2017)."""
    return uniform < min(1.0, params.purge_rate * seen.tribe_share)


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
def logistic(log_odds):
    """The probability of log-odds ``log_odds``."""
    return 1.0 / (1.0 + math.exp(-log_odds))


@compiled
def perceived_survival(
    initial_log_odds,
    weighted_defected_share,
    mean_rebellion,
    survival_shock,
    survival_defection_sensitivity,
    survival_rebellion_sensitivity,
):
    """p_t = logistic(:func:`survival_log_odds`): the regime's perceived survival."""
    return logistic(
        survival_log_odds(
            initial_log_odds,
            weighted_defected_share,
            mean_rebellion,
            survival_shock,
            survival_defection_sensitivity,
            survival_rebellion_sensitivity,
        )
    )


@compiled
def survival_log_odds(
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
        logit p_t = logit p_0 − b_D·D_t − b_R·R̄_t + S_t, so that
        p_t = 1 / (1 + exp(−logit p_t)).
    """
    return (
        initial_log_odds
        - survival_defection_sensitivity * weighted_defected_share
        - survival_rebellion_sensitivity * mean_rebellion
        + survival_shock
    )


#: the log-odds officials extrapolate from once the regime has fallen (p is then 0)
FALLEN = -40.0


@compiled
def regime_falls(params, survival):
    """The regime collapses when its perceived survival, the balance of its strength
    (the initial log-odds, outside backing, shocks) against the challenge (defections,
    rebellion), falls below ``collapse_survival`` p_c (ODD 7.9; p_c = 0: never)."""
    return survival < params.collapse_survival


@compiled
def adapt(belief, survival, rate):
    """Adaptive expectations: the belief closes a share λ of its gap to today's p
    (Nerlove 1958): b_t = b_{t−1} + λ·(p_t − b_{t−1})."""
    return belief + rate * (survival - belief)


@compiled
def expected_share(params, share, trend):
    """The rank-weighted share defected as officials expect it one step ahead: its
    recent trend continued (extrapolative, the same memory m as for p, kept in [0, 1]),
    or today's share (myopic, adaptive)."""
    if params.expectations == EXTRAPOLATIVE:
        return min(1.0, max(0.0, share + trend))
    return share


@compiled
def expected_survival(params, survival, log_odds, trend, belief, horizon):
    """The regime's survival as officials expect it ``horizon`` steps ahead (ODD 7.8).

    - myopic: today's p_t, whatever the horizon;
    - adaptive: the belief b_t (:func:`adapt`), the same at every horizon;
    - extrapolative: the recent trend of the log-odds of p continued: logistic(logit p_t
      + H·g_t), g_t = (logit p_t − logit p_{t−m}) / m over the last m steps
      (``trend_memory``; fewer at the start of a run). Extrapolating the log-odds keeps
      the forecast in (0, 1).
    """
    if params.expectations == ADAPTIVE:
        return belief
    if params.expectations == EXTRAPOLATIVE:
        return logistic(log_odds + horizon * trend)
    return survival


@compiled
def rebellion_intensity(scheduled_level, shock, defected_share_of_region, feedback_weight):
    """Rebellion intensity of a region, clipped to [0, 1] (ODD 7.1): the exogenous
    schedule's level at this step, plus the region's scheduled shocks so far, plus
    feedback from the rank-weighted share of the region's own officials who defected (a
    tribe head's defection boosting the insurrection in his tribal area, source 000)."""
    level = scheduled_level + (shock + feedback_weight * defected_share_of_region)
    return min(1.0, max(0.0, level))
