"""The arrays a run is made of, and the one place where an official's state changes.

A run is a :class:`World` (what does not change: the officials' traits, roles, tribes
and regions, the network, the rebellion schedule, the scheduled events) and its
:class:`Dynamics` (what does: the officials' states and the public signals computed
from them). Both are tuples of NumPy arrays, so the compiled mathematics
(:mod:`sim.core.rule`, :mod:`sim.core.signals`, :mod:`sim.core.events`) reads them
directly, whether the Mesa model (:mod:`sim.agents`) or the batched engine
(:mod:`sim.engine`) runs it. :mod:`sim.world` builds the World from a config and a seed.

Every change of state goes through :func:`move`: it keeps the head counts per state and
role, lists the new defectors for the next update of the signals, sets the defection
step and logs the transition (the rows of ``events.csv``).
"""

from __future__ import annotations

from enum import IntEnum
from typing import NamedTuple

import numpy as np

from sim.core.compiled import compiled
from sim.core.parameters import MAX_HORIZON, MAX_MEMORY


class State(IntEnum):
    """An official's state (ODD.md, section 2)."""

    LOYAL = 0
    PREPARING = 1  # moving family and money out, unseen (one hopes)
    DEFECTED = 2
    ARRESTED = 3  # caught by the secret police while preparing, or put under house arrest

    @property
    def label(self) -> str:
        """The name written in the CSV files: loyal, preparing, defected, arrested."""
        return self.name.lower()


# the codes as plain integers: compile-time constants in the compiled code
LOYAL, PREPARING, DEFECTED, ARRESTED = (int(s) for s in State)
N_STATES = len(State)
#: the event index of a transition that no scheduled event caused (the rule's own)
BY_RULE = -1


class Traits(NamedTuple):
    """One official's traits (the fields of :data:`sim.core.parameters.TRAITS`, in order;
    a test checks they agree): what the rule weighs besides what he observes."""

    disaffection: float
    privileges: float
    exposure: float
    amnesty_trust: float
    threshold: float
    preparation_time: int
    rank_weight: float


class Observation(NamedTuple):
    """What a loyal official sees at step t: the inputs of his decision besides his traits."""

    peer_share: float  # share of his network neighbours who have visibly defected
    tribe_share: float  # rank-weighted share of the rest of his tribe who defected
    rebellion: float  # rebellion intensity in his home region
    survival: float  # p_t, the regime's perceived survival today
    survival_ahead: float  # p as he expects it when his defection would be public (ODD 7.8)
    survival_after: float  # the same, one step later (if he waits a step: timing=stopping)
    defected_share: float  # D_t, the rank-weighted share of officials who defected
    defected_share_after: float  # D as he expects it one step later (timing=stopping)


class World(NamedTuple):
    """What does not change during a run (built by :func:`sim.world.build_world`).

    Per official (length N): the traits ``disaffection``, ``privileges``, ``exposure``,
    ``amnesty_trust``, ``threshold``, ``preparation_time`` and ``rank_weight`` (at step
    0; events may raise it, see :attr:`Dynamics.rank_weight`); the codes ``role``,
    ``tribe``, ``region`` (home region); ``free`` (False for a scripted official, who
    acts only through his events); ``degree`` (number of ties, 1.0 for an isolated
    official, whose count of defected neighbours stays 0). ``tribe_class``: officials
    of one tribe and rank weight see the same tribe share while loyal, so it is
    computed once per such class (class c: tribe ``class_tribe[c]``, weight
    ``class_weight[c]``).

    Network: ``complete`` (everyone observes everyone, kept implicit) or the CSR
    arrays ``indptr``, ``indices``; with layers kept apart (``network.combine:
    any_layer``), ``edge_layer`` (the layer of each entry of ``indices``) and
    ``layer_degree[i, l]`` (ties of i in layer l, at least 1.0), else empty arrays
    (``layer_degree`` of shape (0, 1)). Rebellion: ``levels[t, g]``, the exogenous schedule
    of region g at step t (the last row holds beyond it); ``backing[t]``, the regime's
    outside backing (likewise). Events, in the order they are
    enacted: ``event_step``, ``event_kind`` (:mod:`sim.core.events`), ``event_target``
    (an official or a region), ``event_value`` (broadcast multiplier or shock size).
    ``initial_defectors``: officials already defected at step 0.
    """

    n: int
    disaffection: np.ndarray
    privileges: np.ndarray
    exposure: np.ndarray
    amnesty_trust: np.ndarray
    threshold: np.ndarray
    preparation_time: np.ndarray
    rank_weight: np.ndarray
    role: np.ndarray
    tribe: np.ndarray
    region: np.ndarray
    free: np.ndarray
    complete: bool
    indptr: np.ndarray
    indices: np.ndarray
    degree: np.ndarray
    edge_layer: np.ndarray
    layer_degree: np.ndarray
    tribe_class: np.ndarray
    class_tribe: np.ndarray
    class_weight: np.ndarray
    n_tribes: int
    role_sizes: np.ndarray
    levels: np.ndarray
    backing: np.ndarray
    event_step: np.ndarray
    event_kind: np.ndarray
    event_target: np.ndarray
    event_value: np.ndarray
    initial_defectors: np.ndarray


class Dynamics(NamedTuple):
    """What changes during a run; one-element arrays hold the scalars.

    Officials: ``state`` (a :class:`State` code), ``preparation_left``,
    ``defection_step`` (-1 if none), ``rank_weight``. Head counts: ``by_state[s, role]``.
    Public signals (:mod:`sim.core.signals`): ``count`` (defected neighbours),
    ``layer_count[i, l]`` (those in layer l, with ``any_layer``), ``peer_share`` (the
    peer signal s_peer: a share or a count, ``model.peer_threshold``), ``class_share``
    (tribe share per class), rank-weight sums per tribe and region, ``rebellion`` and
    ``rebellion_shock`` per region, ``survival`` (p_t),
    ``survival_shock`` (S_t), ``defected_weight`` and ``total_weight`` (the rank-weighted
    share D_t is their ratio), ``collapse_step`` (the step the regime fell, -1 while it
    stands; ODD 7.9). Expectations (ODD 7.8): ``step`` (t), ``log_odds``
    and ``defected_history`` (the log-odds of p and D_t for the last steps, rings
    indexed by step), ``defected_share_after`` (D as officials expect it a step ahead),
    ``belief`` (the
    adaptive belief), ``forecast[H]`` (p as officials expect it H steps ahead).
    Bookkeeping: ``defected[:n_defected]`` (sorted),
    ``new_defectors[:n_new]`` (since the last update of the signals),
    ``weights_changed`` (an event changed a rank weight), and the transition log
    ``log_*[:n_log]``.
    """

    state: np.ndarray
    preparation_left: np.ndarray
    defection_step: np.ndarray
    rank_weight: np.ndarray
    by_state: np.ndarray
    count: np.ndarray
    layer_count: np.ndarray
    peer_share: np.ndarray
    class_share: np.ndarray
    tribe_total: np.ndarray
    tribe_defected: np.ndarray
    region_total: np.ndarray
    region_defected: np.ndarray
    rebellion: np.ndarray
    rebellion_shock: np.ndarray
    survival: np.ndarray
    survival_shock: np.ndarray
    defected_weight: np.ndarray
    total_weight: np.ndarray
    step: np.ndarray
    collapse_step: np.ndarray
    log_odds: np.ndarray
    defected_history: np.ndarray
    defected_share_after: np.ndarray
    belief: np.ndarray
    forecast: np.ndarray
    defected: np.ndarray
    merged: np.ndarray
    n_defected: np.ndarray
    new_defectors: np.ndarray
    n_new: np.ndarray
    weights_changed: np.ndarray
    log_step: np.ndarray
    log_official: np.ndarray
    log_from: np.ndarray
    log_to: np.ndarray
    log_event: np.ndarray
    n_log: np.ndarray


def new_dynamics(world: World) -> Dynamics:
    """Everyone LOYAL but the initial defectors (DEFECTED since step 0), no signals yet:
    :func:`sim.core.step.begin` enacts step 0's events and computes the signals."""
    n, n_regions = world.n, world.levels.shape[1]
    state = np.full(n, LOYAL, dtype=np.int8)
    defection_step = np.full(n, -1, dtype=np.int64)
    state[world.initial_defectors] = DEFECTED
    defection_step[world.initial_defectors] = 0
    by_state = np.zeros((N_STATES, len(world.role_sizes)), dtype=np.int64)
    np.add.at(by_state, (state, world.role), 1)
    new_defectors = np.zeros(n, dtype=np.int64)
    new_defectors[: len(world.initial_defectors)] = np.sort(world.initial_defectors)
    # an official changes state at most three times (loyal, preparing, arrested, defected)
    capacity = 3 * n + len(world.event_step) + 1
    one = np.zeros(1)
    return Dynamics(
        state=state,
        preparation_left=np.zeros(n, dtype=np.int64),
        defection_step=defection_step,
        rank_weight=world.rank_weight.astype(np.float64).copy(),
        by_state=by_state,
        count=np.zeros(n, dtype=np.int64),
        layer_count=np.zeros(
            (world.layer_degree.shape[0], world.layer_degree.shape[1]), dtype=np.int64
        ),
        peer_share=np.zeros(n),
        class_share=np.zeros(len(world.class_tribe)),
        tribe_total=np.zeros(world.n_tribes),
        tribe_defected=np.zeros(world.n_tribes),
        region_total=np.zeros(n_regions),
        region_defected=np.zeros(n_regions),
        rebellion=np.zeros(n_regions),
        rebellion_shock=np.zeros(n_regions),
        survival=one.copy(),
        survival_shock=one.copy(),
        defected_weight=one.copy(),
        total_weight=one.copy(),
        step=np.zeros(1, dtype=np.int64),
        collapse_step=np.full(1, -1, dtype=np.int64),
        log_odds=np.zeros(MAX_MEMORY + 1),
        defected_history=np.zeros(MAX_MEMORY + 1),
        defected_share_after=one.copy(),
        belief=one.copy(),
        # forecasts up to the farthest horizon anyone uses: k_i + h + 1 (stopping)
        forecast=np.zeros(int(world.preparation_time.max(initial=0)) + MAX_HORIZON + 2),
        defected=np.zeros(n, dtype=np.int64),
        merged=np.zeros(n, dtype=np.int64),
        n_defected=np.zeros(1, dtype=np.int64),
        new_defectors=new_defectors,
        n_new=np.array([len(world.initial_defectors)], dtype=np.int64),
        weights_changed=np.ones(1, dtype=np.bool_),  # the totals are computed at step 0
        log_step=np.zeros(capacity, dtype=np.int64),
        log_official=np.zeros(capacity, dtype=np.int64),
        log_from=np.zeros(capacity, dtype=np.int8),
        log_to=np.zeros(capacity, dtype=np.int8),
        log_event=np.zeros(capacity, dtype=np.int64),
        n_log=np.zeros(1, dtype=np.int64),
    )


@compiled
def traits_of(world, i):
    """Official i's :class:`Traits` (his rank weight as drawn, before any event)."""
    return Traits(
        world.disaffection[i],
        world.privileges[i],
        world.exposure[i],
        world.amnesty_trust[i],
        world.threshold[i],
        world.preparation_time[i],
        world.rank_weight[i],
    )


@compiled
def move(world, dyn, i, new, step, event):
    """Official i enters state ``new`` at ``step`` (``event``: the scheduled event that
    moved him, or :data:`BY_RULE`). Keeps the head counts, lists a new defector for the
    next update of the signals, sets his defection step and logs the transition."""
    old = dyn.state[i]
    role = world.role[i]
    dyn.by_state[old, role] -= 1
    dyn.by_state[new, role] += 1
    k = dyn.n_log[0]
    dyn.log_step[k], dyn.log_official[k], dyn.log_event[k] = step, i, event
    dyn.log_from[k], dyn.log_to[k] = old, new
    dyn.n_log[0] = k + 1
    dyn.state[i] = new
    if new == DEFECTED:
        dyn.new_defectors[dyn.n_new[0]] = i
        dyn.n_new[0] += 1
        if dyn.defection_step[i] < 0:
            dyn.defection_step[i] = step


@compiled
def commit(world, dyn, i, new, preparation_left, step):
    """Official i's decision at step - 1 takes effect at ``step`` (ODD.md, section 3)."""
    if new != dyn.state[i]:
        move(world, dyn, i, new, step, BY_RULE)
    dyn.preparation_left[i] = preparation_left
