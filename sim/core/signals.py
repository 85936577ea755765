"""Public signals: what every official can read off the state of the regime (ODD 7.1).

Written once, compiled, and run by both paths: the Mesa model calls :func:`update` after
each step's commits and events, and reads :func:`observations` for its agents; the
batched engine calls :func:`update` and :func:`observation` from its compiled loop.

The signals are kept up to date incrementally, doing only the work that changes:

- an official's count of defected neighbours grows when a neighbour defects, and his
  peer share (count / degree) is divided out again only then;
- the rank-weighted share of the rest of his tribe that has defected is the same for
  every loyal member of a tribe with the same rank weight, so it is divided out once
  per such class (:attr:`sim.core.state.World.tribe_class`);
- rank-weight sums add the defected officials in ``official_id`` order, starting from
  0.0, and are redone only after a step with a new defection.
"""

from __future__ import annotations

from numba import uint64

from sim.core import rule
from sim.core.compiled import compiled
from sim.core.parameters import MAX_MEMORY
from sim.core.state import ARRESTED, DEFECTED, PREPARING, Observation


@compiled
def observation(world, dyn, params, i):
    """What loyal official i sees at the current step (ODD 7.2, 7.8).

    The peer signal on the complete graph is the share of the whole group that has
    defected (Granovetter's thresholds are proportions of the group), otherwise defected
    neighbours / degree (0 for an isolated official); with ``peer_threshold: count``,
    the number of them. The tribe share is the defected
    rank weight of his tribe over the total rank weight of the rest of it (0 when the
    rest weighs nothing); a loyal official is not among the defected. The survival he
    expects when his defection would be public is the forecast H = k_i + h steps ahead
    (``forecast_horizon`` h), and one step later.
    """
    horizon = world.preparation_time[i] + params.forecast_horizon
    return Observation(
        dyn.peer_share[i],
        dyn.class_share[uint64(world.tribe_class[i])],
        dyn.rebellion[uint64(world.region[i])],
        dyn.survival[0],
        dyn.forecast[uint64(horizon)],
        dyn.forecast[uint64(horizon + 1)],
        defected_share(dyn),
        dyn.defected_share_after[0],
    )


@compiled
def defected_share(dyn):
    """D_t, the rank-weighted share of officials who have defected (ODD 7.1)."""
    total = dyn.total_weight[0]
    return dyn.defected_weight[0] / total if total > 0 else 0.0


@compiled
def observations(world, dyn, params, out):
    """:func:`observation` of every official, into ``out`` (N x 6), for the Mesa agents."""
    for i in range(world.n):
        seen = observation(world, dyn, params, i)
        for j in range(out.shape[1]):
            out[i, j] = seen[j]


@compiled
def tribe_share(tribe_defected_weight, tribe_total_weight, rank_weight, defected):
    """Rank-weighted share of the *rest* of an official's tribe that has defected (0 if
    the rest has no weight)."""
    others = tribe_total_weight - rank_weight
    mine = rank_weight * defected
    return (tribe_defected_weight - mine) / others if others > 0.0 else 0.0


@compiled
def _weight_totals(world, dyn):
    """Rank-weight totals of everyone, of each tribe and of each region, adding officials
    in official_id order."""
    everyone = 0.0
    dyn.tribe_total[:] = 0.0
    dyn.region_total[:] = 0.0
    for i in range(world.n):
        w = dyn.rank_weight[i]
        everyone += w
        dyn.tribe_total[world.tribe[i]] += w
        dyn.region_total[world.region[i]] += w
    dyn.total_weight[0] = everyone


@compiled
def _sort(a, n):
    """Sort ``a[:n]`` (the few new defectors) in place, without allocating."""
    for j in range(1, n):
        x, k = a[j], j - 1
        while k >= 0 and a[k] > x:
            a[k + 1] = a[k]
            k -= 1
        a[k + 1] = x


@compiled
def _merge_sorted(a, n_a, b, n_b, out):
    """Merge the sorted ``a[:n_a]`` and ``b[:n_b]`` into ``out``."""
    i = j = 0
    for m in range(n_a + n_b):
        if j == n_b or (i < n_a and a[i] < b[j]):
            out[m] = a[i]
            i += 1
        else:
            out[m] = b[j]
            j += 1


@compiled
def _count_defected_neighbours(world, dyn, params, new, n_new):
    """Add each new defector (``new[:n_new]``) to his neighbours' counts and recompute
    their peer signals (:func:`sim.core.rule.peer_signal`); with layers kept apart
    (``any_layer``), the signal is the largest of the layers' (Brummitt, Lee & Goh 2012:
    tipped when the threshold is met in any one layer)."""
    layered = world.layer_degree.shape[0] > 0
    for m in range(n_new):
        i = new[m]
        for jj in range(world.indptr[i], world.indptr[i + 1]):
            j = uint64(world.indices[jj])
            dyn.count[j] += 1
            if layered:
                dyn.layer_count[j, uint64(world.edge_layer[jj])] += 1
                best = 0.0
                for k in range(world.layer_degree.shape[1]):
                    s = rule.peer_signal(
                        params.peer_threshold, dyn.layer_count[j, k], world.layer_degree[j, k]
                    )
                    best = max(best, s)
                dyn.peer_share[j] = best
            else:
                dyn.peer_share[j] = rule.peer_signal(
                    params.peer_threshold, dyn.count[j], world.degree[j]
                )


@compiled
def _defected_weights(world, dyn):
    """Defected rank weight in total, per tribe and per region, adding the defected
    officials in official_id order."""
    weight = 0.0
    dyn.tribe_defected[:] = 0.0
    dyn.region_defected[:] = 0.0
    for m in range(dyn.n_defected[0]):
        i = uint64(dyn.defected[m])
        w = dyn.rank_weight[i]
        weight += w
        dyn.tribe_defected[uint64(world.tribe[i])] += w
        dyn.region_defected[uint64(world.region[i])] += w
    dyn.defected_weight[0] = weight


@compiled
def _class_shares(world, dyn):
    """The tribe share a loyal official of each (tribe, rank weight) class sees."""
    for c in range(world.class_tribe.shape[0]):
        t = uint64(world.class_tribe[c])
        dyn.class_share[c] = tribe_share(
            dyn.tribe_defected[t], dyn.tribe_total[t], world.class_weight[c], False
        )


@compiled
def _rebellion_and_survival(world, dyn, params, t):
    """Rebellion per region and the perceived survival p_t (ODD 7.1)."""
    weighted_share = defected_share(dyn)
    levels = world.levels[min(t, world.levels.shape[0] - 1)]
    g = dyn.rebellion.shape[0]
    mean_rebellion = 0.0
    for r in range(g):
        total_r = dyn.region_total[r]
        share = dyn.region_defected[r] / total_r if total_r > 0 else 0.0
        dyn.rebellion[r] = rule.rebellion_intensity(
            levels[r], dyn.rebellion_shock[r], share, params.rebellion_feedback_weight
        )
        mean_rebellion = dyn.rebellion[r] if r == 0 else mean_rebellion + dyn.rebellion[r]
    if g:
        mean_rebellion = mean_rebellion / g
    log_odds = rule.survival_log_odds(
        rule.log_odds(params.initial_survival),
        weighted_share,
        mean_rebellion,
        dyn.survival_shock[0],
        params.survival_defection_sensitivity,
        params.survival_rebellion_sensitivity,
    )
    backing = world.backing[min(t, world.backing.shape[0] - 1)]
    if params.backing_weight != 0.0:
        log_odds = log_odds + params.backing_weight * backing
    p = rule.logistic(log_odds)
    if dyn.collapse_step[0] < 0 and rule.regime_falls(params, p):
        dyn.collapse_step[0] = t
    if dyn.collapse_step[0] >= 0:  # a fallen regime does not come back (ODD 7.9)
        p, log_odds = 0.0, rule.FALLEN
    dyn.survival[0] = p
    dyn.step[0] = t
    dyn.log_odds[t % (MAX_MEMORY + 1)] = log_odds
    dyn.defected_history[t % (MAX_MEMORY + 1)] = weighted_share


@compiled
def _expectations(dyn, params, t):
    """The adaptive belief, and the forecasts of p for every horizon (ODD 7.8)."""
    p = dyn.survival[0]
    dyn.belief[0] = p if t == 0 else rule.adapt(dyn.belief[0], p, params.adaptation_rate)
    memory = min(params.trend_memory, t)
    now = dyn.log_odds[t % (MAX_MEMORY + 1)]
    trend = 0.0
    if memory > 0:
        trend = (now - dyn.log_odds[(t - memory) % (MAX_MEMORY + 1)]) / memory
    for horizon in range(dyn.forecast.shape[0]):
        dyn.forecast[horizon] = rule.expected_survival(
            params, p, now, trend, dyn.belief[0], horizon
        )


@compiled
def update(world, dyn, params, t):
    """The public signals of step t, after its commits and its events."""
    changed = dyn.weights_changed[0]
    if changed:
        _weight_totals(world, dyn)
    n_new = dyn.n_new[0]
    if n_new > 0 or changed:
        new = dyn.new_defectors
        _sort(new, n_new)
        n_defected = dyn.n_defected[0]
        _merge_sorted(dyn.defected, n_defected, new, n_new, dyn.merged)
        for m in range(n_defected + n_new):
            dyn.defected[m] = dyn.merged[m]
        dyn.n_defected[0] = n_defected = n_defected + n_new
        if world.complete:
            # a loyal official is never among them
            share = rule.peer_signal(params.peer_threshold, n_defected, float(world.n))
            for i in range(world.n):
                dyn.peer_share[i] = share
        else:
            _count_defected_neighbours(world, dyn, params, new, n_new)
        _defected_weights(world, dyn)
        _class_shares(world, dyn)
        dyn.n_new[0] = 0
        dyn.weights_changed[0] = False
    _rebellion_and_survival(world, dyn, params, t)
    _expectations(dyn, params, t)


@compiled
def record(world, dyn, row):
    """The row of ``timeseries.csv`` for the current step, in :func:`curve_names` order."""
    n_roles = world.role_sizes.shape[0]
    n_defected = dyn.n_defected[0]
    row[0] = n_defected / world.n
    row[1] = dyn.by_state[PREPARING].sum()
    row[2] = dyn.by_state[ARRESTED].sum()
    row[3] = dyn.survival[0]
    for j in range(n_roles):
        size = world.role_sizes[j]
        row[4 + j] = dyn.by_state[DEFECTED, j] / size if size else 0.0
        row[5 + n_roles + j] = dyn.by_state[PREPARING, j]
    row[4 + n_roles] = n_defected
    for r in range(dyn.rebellion.shape[0]):
        row[5 + 2 * n_roles + r] = dyn.rebellion[r]


def curve_names(role_names, region_names) -> list[str]:
    """The columns of ``timeseries.csv`` after ``step``: the entries of :func:`record`."""
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
