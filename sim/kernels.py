"""Numba kernels of the batched engine: one fused pass over the officials per step.

Each kernel performs, for every official, the same floating-point operations in the same
order as the NumPy code it replaces (:func:`sim.rule.pressure_from_static`,
:func:`sim.signals.tribe_share`, the transitions of ODD.md 7.3), one scalar at a time:
IEEE arithmetic gives the same results, and ``tests/test_engine.py`` checks that the
engine still equals the Mesa agents exactly. No ``fastmath``: it would allow
reassociation and fused multiply-adds, which change the last bits.
"""

from __future__ import annotations

import numpy as np
from numba import njit

LOYAL, PREPARING, DEFECTED, ARRESTED = 0, 1, 2, 3


@njit(cache=True)
def step(
    t,
    n,
    state,
    preparation_left,
    defection_step,
    free,
    k,
    threshold,
    static_disaffection,
    static_retribution,
    static_privileges,
    complete,
    indptr,
    defected_neighbours,
    n_defected,
    tribe_defected,
    tribe_total,
    tribe_row,
    rank_weight,
    rebellion,
    region,
    survival,
    peer_weight,
    tribal_pressure_weight,
    danger_weight,
    defector_credit,
    late_defector_contempt,
    defector_punishment,
    detection_probability,
    escape_probability,
    uniforms,
    old,
):
    """Advance every official of every replicate from step t to t + 1 (decide, commit).

    All states are read before any is written: ``old`` (a buffer shaped like ``state``)
    receives the states at t, and every official observes those.
    """
    old[:] = state
    n_replicates = state.shape[0] // n
    for rep in range(n_replicates):
        p = survival[rep]
        # the per-replicate parts of Δ, in the order of rule.pressure_from_static
        retained = 1.0 - p
        credit = defector_credit * p - late_defector_contempt * (1.0 - p)
        punishment = defector_punishment * p
        complete_peer = n_defected[rep] / n
        for i in range(rep * n, rep * n + n):
            s = old[i]
            if s == DEFECTED or not free[i]:
                continue
            if s == LOYAL:
                # observe
                if complete:
                    peer = complete_peer
                else:
                    # defected neighbours are counted incrementally (propagate_defections);
                    # 0 / degree is exactly 0.0: skip the division (and isolated officials)
                    count = defected_neighbours[i]
                    peer = count / (indptr[i + 1] - indptr[i]) if count > 0 else 0.0
                row = tribe_row[i]
                tribe = 0.0  # exactly what (0.0 - 0.0) / others gives, without dividing
                if tribe_defected[row] != 0.0:
                    others = tribe_total[row] - rank_weight[i]
                    mine = rank_weight[i] * 0.0  # a loyal official is not among the defected
                    if others > 0.0:
                        tribe = (tribe_defected[row] - mine) / others
                # decide
                d = static_disaffection[i] + peer_weight * peer
                d = d + tribal_pressure_weight * tribe
                d = d + danger_weight * rebellion[region[i], rep]
                d = d + static_retribution[i] * retained
                d = d + credit
                d = d - static_privileges[i] * p
                d = d - punishment
                if d >= threshold[i]:
                    if k[i] == 0:
                        state[i] = DEFECTED
                        defection_step[i] = t + 1
                    else:
                        state[i] = PREPARING
                        preparation_left[i] = k[i]
            elif s == PREPARING:
                if uniforms[i] < detection_probability:
                    state[i] = ARRESTED
                    preparation_left[i] = 0
                else:
                    preparation_left[i] -= 1
                    if preparation_left[i] == 0:
                        state[i] = DEFECTED
                        if defection_step[i] < 0:
                            defection_step[i] = t + 1
            elif s == ARRESTED and uniforms[i] < escape_probability:
                state[i] = DEFECTED
                if defection_step[i] < 0:
                    defection_step[i] = t + 1


@njit(cache=True)
def propagate_defections(state, counted, indptr, indices, defected_neighbours):
    """Add every official who has defected since the last call to his neighbours' counts
    of defected neighbours (exact integers; each defection is propagated once)."""
    for i in range(state.shape[0]):
        if state[i] == DEFECTED and not counted[i]:
            counted[i] = True
            for jj in range(indptr[i], indptr[i + 1]):
                defected_neighbours[indices[jj]] += 1


@njit(cache=True)
def tally(state, rank_weight, n, tribe_row, region_row, role, n_tribes, n_regions, n_roles):
    """The step's sums and counts, adding officials in ``official_id`` order.

    Only defected officials are added to the rank-weight sums: the sparse products of
    :func:`sim.signals.tally` add the +0.0 of every other official, which leaves a
    non-negative running sum unchanged, so the results are the same floats.
    """
    n_replicates = state.shape[0] // n
    weight = np.zeros(n_replicates)
    tribe = np.zeros(n_replicates * n_tribes)
    region = np.zeros(n_replicates * n_regions)
    counts = np.zeros((3, n_replicates), dtype=np.int64)  # defected, preparing, arrested
    by_role = np.zeros((2, n_replicates, n_roles), dtype=np.int64)  # defected, preparing
    for rep in range(n_replicates):
        for i in range(rep * n, rep * n + n):
            s = state[i]
            if s == DEFECTED:
                w = rank_weight[i]
                weight[rep] += w
                tribe[tribe_row[i]] += w
                region[region_row[i]] += w
                counts[0, rep] += 1
                by_role[0, rep, role[i]] += 1
            elif s == PREPARING:
                counts[1, rep] += 1
                by_role[1, rep, role[i]] += 1
            elif s == ARRESTED:
                counts[2, rep] += 1
    return weight, tribe, region, counts, by_role
