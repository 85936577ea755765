"""Numba kernels of the batched engine: one replicate's whole run in compiled code.

:func:`run_replicate` runs one replicate from step 0 to the last step, in the order of
``DefectionModel.step`` (ODD.md, section 3): every official decides on the state at t
and commits, the scheduled events of t + 1 are enacted, and the public signals of t + 1
are computed and recorded. A replicate's arrays (about 100 bytes per official) stay in
the processor's cache for the whole run.

It does only the work that changes from one step to the next:

- defection is absorbing, so only the *active* officials (free, not defected) decide;
- an official's share of defected neighbours is divided out again only when a
  neighbour defects; the rank-weighted share of the rest of his tribe is the same for
  every loyal member of the tribe with the same rank weight, so it is divided out once
  per such *class*, after a step with a new defection;
- head counts per state and role are kept as transitions happen;
- rank-weight sums run over the defected officials only, and only after a step with a
  new defection.

Every number is computed with the same floating-point operations, on the same operands,
in the same order as the Mesa model computes it (:func:`sim.rule.defection_pressure`,
:func:`sim.signals.tribe_share`, :func:`sim.signals.compute_signals`): IEEE
arithmetic then gives the same results, and ``tests/test_engine.py`` checks that the
engine equals the Mesa agents exactly. In detail:

- sums of rank weights add the defected officials in ``official_id`` order, as SciPy's
  sparse products of :mod:`sim.signals` do; those also add the +0.0 of every other
  official, which leaves a non-negative sum unchanged;
- ``math.exp`` is the C library's ``exp``, which :func:`sim.rule.perceived_survival`
  calls too (``rule.libm_exp``);
- the uniform draws are those of the replicate's own ``numpy.random.Generator``, the
  Mesa model's ``rng.random(N)`` at every step: :mod:`sim.pcg64` computes the ones that
  preparing and arrested officials use, and jumps over the others;
- no ``fastmath``: it would allow reassociation and fused multiply-adds, which change
  the last bits.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, uint64

from sim import pcg64

LOYAL, PREPARING, DEFECTED, ARRESTED = 0, 1, 2, 3
#: event kinds, as :func:`run_replicate` receives them
EVENT_DEFECTION, EVENT_ARREST, EVENT_REBELLION_SHOCK, EVENT_SURVIVAL_SHOCK = 0, 1, 2, 3


def curve_names(role_names, region_names) -> list[str]:
    """Rows of :func:`run_replicate`'s ``curves``, in the column order of timeseries.csv."""
    return [
        "share_defected",
        "n_preparing",
        "n_arrested",
        "perceived_survival",
        *(f"share_defected_{x}" for x in role_names),
        "n_defected",
        *(f"n_preparing_{x}" for x in role_names),
        *(f"rebellion_{x}" for x in region_names),
    ]


@njit(cache=True)
def move(i, new, state, role, by_state, new_defectors, n_new):
    """Every change of state goes through here: it keeps the head counts per state and
    role (``by_state``, 4 x roles) and lists the new defectors. Returns the new n_new."""
    by_state[state[i], role[i]] -= 1
    by_state[new, role[i]] += 1
    state[i] = new
    if new == DEFECTED:
        new_defectors[n_new] = i
        n_new += 1
    return n_new


@njit(cache=True)
def decide_and_commit(
    t,
    stream,
    jumps,
    active,
    n_active,
    state,
    preparation_left,
    defection_step,
    k,
    threshold,
    static_disaffection,
    static_retribution,
    static_privileges,
    peer_share,
    tribe_class,
    class_share,
    rebellion,
    region,
    role,
    survival,
    weights,
    detection_probability,
    escape_probability,
    by_state,
    new_defectors,
):
    """Advance the active officials from step t to t + 1 (ODD 7.2 and 7.3).

    An official reads only his own state and the public signals of step t (his shares
    of defected neighbours and tribe included), so writing his new state at once is the
    same as deciding for everyone before committing. Official i's uniform is draw i of
    this step's block of N draws of ``stream`` (a :mod:`sim.pcg64` state, with its
    ``jumps`` table).

    Drops the defected from ``active[:n_active]`` in place, keeping the order. Returns
    the new n_active, and the number of new defectors, listed in ``new_defectors`` in
    official_id order.
    """
    (
        peer_weight,
        tribal_pressure_weight,
        danger_weight,
        defector_credit,
        late_defector_contempt,
        defector_punishment,
    ) = weights
    p = survival
    # the parts of Δ shared by every official, in the order of rule.defection_pressure
    retained = 1.0 - p
    credit = defector_credit * p - late_defector_contempt * (1.0 - p)
    punishment = defector_punishment * p
    n_new = kept = drawn = 0
    for m in range(n_active):
        i = uint64(active[m])  # unsigned: numba skips its check for negative indices
        s = state[i]
        if s == LOYAL:
            d = static_disaffection[i] + peer_weight * peer_share[i]
            d = d + tribal_pressure_weight * class_share[uint64(tribe_class[i])]
            d = d + danger_weight * rebellion[uint64(region[i])]
            d = d + static_retribution[i] * retained
            d = d + credit
            d = d - static_privileges[i] * p
            d = d - punishment
            if d >= threshold[i]:
                if k[i] == 0:
                    n_new = move(i, DEFECTED, state, role, by_state, new_defectors, n_new)
                    defection_step[i] = t + 1
                else:
                    move(i, PREPARING, state, role, by_state, new_defectors, n_new)
                    preparation_left[i] = k[i]
        elif s == PREPARING:
            pcg64.skip(stream, jumps, active[m] - drawn)  # to draw i of the block
            drawn = active[m] + 1
            if pcg64.random(stream) < detection_probability:
                move(i, ARRESTED, state, role, by_state, new_defectors, n_new)
                preparation_left[i] = 0
            else:
                preparation_left[i] -= 1
                if preparation_left[i] == 0:
                    n_new = move(i, DEFECTED, state, role, by_state, new_defectors, n_new)
                    if defection_step[i] < 0:
                        defection_step[i] = t + 1
        elif s == ARRESTED:
            pcg64.skip(stream, jumps, active[m] - drawn)
            drawn = active[m] + 1
            if pcg64.random(stream) < escape_probability:
                n_new = move(i, DEFECTED, state, role, by_state, new_defectors, n_new)
                if defection_step[i] < 0:
                    defection_step[i] = t + 1
        active[kept] = i  # (those the events made defect are dropped at the next step)
        kept += state[i] != DEFECTED
    pcg64.skip(stream, jumps, jumps.shape[0] - 1 - drawn)  # to the end of the block
    return kept, n_new


@njit(cache=True)
def enact_events(
    step,
    event_step,
    event_kind,
    event_target,
    event_value,
    state,
    preparation_left,
    defection_step,
    rank_weight,
    role,
    by_state,
    new_defectors,
    n_new,
    rebellion_shock,
    survival_shock,
):
    """The scheduled events of ``step``, as ``DefectionModel.enact_events`` enacts them.

    Returns the new n_new, the accumulated survival shock, and whether a rank weight
    changed.
    """
    changed = False
    for j in range(event_step.shape[0]):
        if event_step[j] != step:
            continue
        kind, target = event_kind[j], event_target[j]
        if kind in (EVENT_DEFECTION, EVENT_ARREST):
            new = DEFECTED if kind == EVENT_DEFECTION else ARRESTED
            if state[target] == DEFECTED or state[target] == new:
                continue  # a defector stays defected; an arrested official stays arrested
            if new == DEFECTED:
                rank_weight[target] *= event_value[j]
                defection_step[target] = step
                changed = changed or event_value[j] != 1.0
            n_new = move(target, new, state, role, by_state, new_defectors, n_new)
            preparation_left[target] = 0
        elif kind == EVENT_REBELLION_SHOCK:
            rebellion_shock[target] += event_value[j]
        else:
            survival_shock = survival_shock + event_value[j]
    return n_new, survival_shock, changed


@njit(cache=True)
def weight_totals(rank_weight, tribe, region, tribe_total, region_total):
    """Rank-weight totals of everyone (returned), of each tribe and of each region
    (into ``tribe_total`` and ``region_total``), adding officials in official_id order."""
    everyone = 0.0
    tribe_total[:] = 0.0
    region_total[:] = 0.0
    for i in range(rank_weight.shape[0]):
        w = rank_weight[i]
        everyone += w
        tribe_total[tribe[i]] += w
        region_total[region[i]] += w
    return everyone


@njit(cache=True)
def merge_sorted(a, n_a, b, n_b, out):
    """Merge the sorted ``a[:n_a]`` and ``b[:n_b]`` into ``out``; returns n_a + n_b."""
    i = j = 0
    for m in range(n_a + n_b):
        if j == n_b or (i < n_a and a[i] < b[j]):
            out[m] = a[i]
            i += 1
        else:
            out[m] = b[j]
            j += 1
    return n_a + n_b


@njit(cache=True)
def count_defected_neighbours(new_defectors, indptr, indices, degree, count, peer_share):
    """Add each new defector to his neighbours' counts, and divide out their shares of
    defected neighbours (count / degree, as ``Official.peer_share``)."""
    for i in new_defectors:
        for jj in range(indptr[i], indptr[i + 1]):
            j = uint64(indices[jj])
            count[j] += 1
            peer_share[j] = count[j] / degree[j]


@njit(cache=True)
def defected_weight(defected, rank_weight, tribe, region, tribe_defected, region_defected):
    """Defected rank weight in total (returned), per tribe and per region, adding the
    defected officials (``defected``, sorted) in official_id order."""
    weight = 0.0
    tribe_defected[:] = 0.0
    region_defected[:] = 0.0
    for m in range(defected.shape[0]):
        i = uint64(defected[m])
        w = rank_weight[i]
        weight += w
        tribe_defected[uint64(tribe[i])] += w
        region_defected[uint64(region[i])] += w
    return weight


@njit(cache=True)
def update_class_shares(class_tribe, class_weight, tribe_defected, tribe_total, class_share):
    """The tribe share a loyal official of each class (tribe, rank weight) sees, as
    ``signals.tribe_share`` computes it: the rank-weighted share of the rest of his tribe
    that has defected."""
    for c in range(class_tribe.shape[0]):
        row = uint64(class_tribe[c])
        others = tribe_total[row] - class_weight[c]
        mine = class_weight[c] * 0.0  # a loyal official is not among the defected
        class_share[c] = (tribe_defected[row] - mine) / others if others > 0.0 else 0.0


@njit(cache=True)
def rebellion_and_survival(
    weight,
    total_weight,
    region_defected,
    region_total,
    levels,
    rebellion_shock,
    survival_shock,
    logit0,
    survival_parameters,
    rebellion,
):
    """Rebellion per region (into ``rebellion``) and perceived survival p_t, as
    :func:`sim.signals.compute_signals` computes them (ODD 7.1)."""
    b_d, b_r, feedback = survival_parameters
    weighted_share = weight / total_weight if total_weight > 0 else 0.0
    g = rebellion.shape[0]
    mean_rebellion = 0.0
    for j in range(g):
        share = region_defected[j] / region_total[j] if region_total[j] > 0 else 0.0
        level = levels[j] + (rebellion_shock[j] + feedback * share)
        rebellion[j] = min(1.0, max(0.0, level))
        mean_rebellion = rebellion[j] if j == 0 else mean_rebellion + rebellion[j]
    if g:
        mean_rebellion = mean_rebellion / g
    logit = logit0 - b_d * weighted_share - b_r * mean_rebellion + survival_shock
    return 1.0 / (1.0 + math.exp(-logit))


@njit(cache=True)
def record(t, n_defected, survival, by_state, role_sizes, rebellion, curves):
    """Column t of ``curves``, in the rows of :func:`curve_names`."""
    n_roles = role_sizes.shape[0]
    curves[0, t] = n_defected / role_sizes.sum()
    curves[1, t] = by_state[PREPARING].sum()
    curves[2, t] = by_state[ARRESTED].sum()
    curves[3, t] = survival
    for j in range(n_roles):
        curves[4 + j, t] = by_state[DEFECTED, j] / role_sizes[j] if role_sizes[j] else 0.0
        curves[5 + n_roles + j, t] = by_state[PREPARING, j]
    curves[4 + n_roles, t] = n_defected
    for j in range(rebellion.shape[0]):
        curves[5 + 2 * n_roles + j, t] = rebellion[j]


@njit(cache=True)
def run_replicate(
    steps,
    stream,
    jumps,
    state,
    preparation_left,
    defection_step,
    rank_weight,
    free,
    k,
    threshold,
    static_disaffection,
    static_retribution,
    static_privileges,
    complete,
    indptr,
    indices,
    degree,
    tribe,
    n_tribes,
    tribe_class,
    class_tribe,
    class_weight,
    region,
    role,
    role_sizes,
    levels,
    event_step,
    event_kind,
    event_target,
    event_value,
    weights,
    detection_probability,
    escape_probability,
    logit0,
    survival_parameters,
    curves,
):
    """Run one replicate from step 0 (initial defectors already set) to step ``steps``,
    drawing from ``stream``, the replicate's dynamics generator as :func:`pcg64.state_of`
    gives it (``jumps`` is ``pcg64.jump_table(N)``).

    ``state``, ``preparation_left``, ``defection_step`` and ``rank_weight`` are updated in
    place; ``curves`` (rows named by :func:`curve_names`, one column per step) is filled.
    ``levels`` is the rebellion schedule's level per step and region, (steps + 1, G).
    The network is ``indptr``/``indices`` with ``degree`` (1.0 for isolated officials),
    unless ``complete``. Official i is of class ``tribe_class[i]``; class c is of tribe
    ``class_tribe[c]`` and rank weight ``class_weight[c]``.
    """
    n = state.shape[0]
    n_regions = levels.shape[1]
    # head counts per state and role, and the lists of officials by what they do
    by_state = np.zeros((4, role_sizes.shape[0]), dtype=np.int64)
    for i in range(n):
        by_state[state[i], role[i]] += 1
    new_defectors = np.flatnonzero(state == DEFECTED)  # the initial defectors
    n_new = new_defectors.shape[0]
    new_defectors = np.concatenate((new_defectors, np.empty(n, np.int64)))
    defected = np.empty(n, np.int64)
    merged = np.empty(n, np.int64)
    n_defected = 0
    active = np.flatnonzero(free & (state != DEFECTED))
    n_active = active.shape[0]
    # signals: shares per official, sums per group
    count = np.zeros(n, dtype=np.int64)
    peer_share = np.zeros(n)
    class_share = np.zeros(class_tribe.shape[0])
    tribe_total, region_total = np.zeros(n_tribes), np.zeros(n_regions)
    tribe_defected, region_defected = np.zeros(n_tribes), np.zeros(n_regions)
    rebellion, rebellion_shock = np.zeros(n_regions), np.zeros(n_regions)
    weight = 0.0
    events = (event_step, event_kind, event_target, event_value)
    survival = 0.0
    survival_shock = 0.0
    for t in range(steps + 1):
        # the step from t - 1 to t, then the events of t (step 0: the events only)
        if t > 0:
            n_active, n_new = decide_and_commit(
                t - 1,
                stream,
                jumps,
                active,
                n_active,
                state,
                preparation_left,
                defection_step,
                k,
                threshold,
                static_disaffection,
                static_retribution,
                static_privileges,
                peer_share,
                tribe_class,
                class_share,
                rebellion,
                region,
                role,
                survival,
                weights,
                detection_probability,
                escape_probability,
                by_state,
                new_defectors,
            )
        n_new, survival_shock, changed = enact_events(
            t,
            *events,
            state,
            preparation_left,
            defection_step,
            rank_weight,
            role,
            by_state,
            new_defectors,
            n_new,
            rebellion_shock,
            survival_shock,
        )
        if t == 0 or changed:
            total_weight = weight_totals(rank_weight, tribe, region, tribe_total, region_total)
        # the public signals of t, updated for the new defectors
        if n_new > 0 or changed:
            new = np.sort(new_defectors[:n_new])
            n_defected = merge_sorted(defected, n_defected, new, n_new, merged)
            defected, merged = merged, defected
            if complete:
                peer_share[:] = n_defected / n  # a loyal official is never among them
            else:
                count_defected_neighbours(new, indptr, indices, degree, count, peer_share)
            weight = defected_weight(
                defected[:n_defected],
                rank_weight,
                tribe,
                region,
                tribe_defected,
                region_defected,
            )
            update_class_shares(class_tribe, class_weight, tribe_defected, tribe_total, class_share)
            n_new = 0
        survival = rebellion_and_survival(
            weight,
            total_weight,
            region_defected,
            region_total,
            levels[t],
            rebellion_shock,
            survival_shock,
            logit0,
            survival_parameters,
            rebellion,
        )
        record(t, n_defected, survival, by_state, role_sizes, rebellion, curves)
