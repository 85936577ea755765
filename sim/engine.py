"""The batched engine: R replicates of one parameter point at once, without Mesa.

It implements exactly the model of the Mesa agents (ODD.md, section 3), on flat arrays
of R replicate blocks of N officials (official i of replicate r is entry r * N + i):

- the same world (:mod:`sim.world`: officials, parameters, network) from each replicate's
  seed, and the same dynamics generator, which draws one U[0, 1) per official per step;
- the same decision rule (:mod:`sim.rule`), called on arrays instead of scalars;
- the same public signals (:mod:`sim.signals`), whose group sums add members in
  ``official_id`` order whatever R is.

So for the same seed the engine and ``DefectionModel`` give identical trajectories and
defection steps (``tests/test_engine.py`` checks it on scenarios that use every term).
Networks of different replicates are stacked block-diagonally; with ``structure_seed``
set, one network is built and repeated.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.sparse as sp

from sim import kernels, rule
from sim.population import PARAMETERS
from sim.signals import Groups, Signals, Tallies, WeightTotals, signals_from_tallies
from sim.world import (
    build_structure_and_network,
    build_world,
    dynamics_generator,
    initial_defectors,
    make_spec,
    seed_streams,
)

LOYAL, PREPARING, DEFECTED, ARRESTED = 0, 1, 2, 3
STATE_NAMES = ("loyal", "preparing", "defected", "arrested")
#: per-step curves of every replicate, in the column order of timeseries.csv
CURVES = ("share_defected", "n_preparing", "n_arrested", "perceived_survival", "n_defected")


@dataclass
class BatchResult:
    """Trajectories of R replicates.

    Attributes:
        seeds: the replicates' seeds, shape (R,).
        curves: name -> array (steps + 1, R): the columns of ``timeseries.csv``
            (``share_defected_<role>``, ``n_preparing_<role>`` and ``rebellion_<region>``
            included).
        defection_step: (R, N), -1 for officials who never defected.
        state: (R, N) final state codes (0 loyal, 1 preparing, 2 defected, 3 arrested).
        role_names, region_names: labels of the per-role and per-region curves.
    """

    seeds: np.ndarray
    curves: dict[str, np.ndarray]
    defection_step: np.ndarray
    state: np.ndarray
    role_names: list[str] = field(default_factory=list)
    region_names: list[str] = field(default_factory=list)
    setup_seconds: float = 0.0  # building officials, parameters and networks
    step_seconds: float = 0.0  # the steps themselves

    def timeseries(self, replicate: int) -> list[dict[str, Any]]:
        """One replicate's rows, as ``DefectionModel.timeseries()`` gives them."""
        steps = len(self.curves["share_defected"])
        names = list(self.curves)
        rows = []
        for t in range(steps):
            row: dict[str, Any] = {"step": t}
            for name in names:
                value = self.curves[name][t, replicate]
                row[name] = int(value) if name.startswith("n_") else float(value)
            rows.append(row)
        return rows


def _block_adjacency(networks: Sequence, n: int) -> sp.csr_matrix:
    """Block-diagonal adjacency of the replicates' networks (float, sorted indices)."""
    blocks = []
    for net in networks:
        data = np.ones(len(net.indices))
        blocks.append(sp.csr_matrix((data, net.indices, net.indptr), shape=(n, n)))
    matrix = sp.block_diag(blocks, format="csr")
    matrix.sort_indices()
    return matrix


def run_batch(model_kwargs: Mapping[str, Any], seeds: Sequence[int], steps: int) -> BatchResult:
    """Run one parameter point for every seed in ``seeds`` (the replicates).

    Args:
        model_kwargs: the keyword arguments of ``DefectionModel`` except ``seed``
            (``sim.config.model_kwargs`` gives them from a config).
        seeds: one integer seed per replicate; replicate r is ``DefectionModel(seed=seeds[r])``.
        steps: number of steps after step 0.
    """
    started = time.perf_counter()
    kwargs = {k: v for k, v in model_kwargs.items() if k != "seed"}
    spec = make_spec(**kwargs)
    seeds = np.asarray(seeds, dtype=np.int64)
    r = len(seeds)
    streams = [seed_streams(int(s), spec.structure_seed) for s in seeds]
    shared = None
    if spec.structure_seed is not None:
        shared = build_structure_and_network(spec, streams[0])
    worlds = [build_world(spec, st, shared) for st in streams]
    first = worlds[0][0]
    n, n_roles = first.size, len(first.role_names)
    n_tribes, n_regions = len(first.tribe_names), len(spec.regions)

    def stack(get) -> np.ndarray:
        return np.concatenate([get(pop) for pop, _ in worlds])

    params = {p: stack(lambda pop, p=p: pop.params[p]) for p in PARAMETERS}
    role = stack(lambda pop: pop.role)
    rank_weight = params["rank_weight"].astype(np.float64)
    scripted = stack(lambda pop: pop.scripted)
    groups = Groups.build(
        np.stack([pop.tribe for pop, _ in worlds]),
        np.stack([pop.region for pop, _ in worlds]),
        n_tribes,
        n_regions,
    )
    region_of = np.concatenate([pop.region for pop, _ in worlds])
    complete = worlds[0][1].complete
    if not complete:
        adjacency = _block_adjacency([net for _, net in worlds], n)
    rngs = [dynamics_generator(st) for st in streams]
    names = first.name

    state = np.zeros(r * n, dtype=np.int8)
    preparation_left = np.zeros(r * n, dtype=np.int64)
    defection_step = np.full(r * n, -1, dtype=np.int64)
    rebellion_shock = np.zeros((n_regions, r))
    survival_shock = np.zeros(r)
    role_sizes = np.bincount(first.role, minlength=n_roles)

    curve_names = [
        *CURVES[:4],
        *(f"share_defected_{x}" for x in first.role_names),
        "n_defected",
        *(f"n_preparing_{x}" for x in first.role_names),
        *(f"rebellion_{x}" for x in spec.regions),
    ]
    curves = {name: np.zeros((steps + 1, r)) for name in curve_names}

    def enact_events(step: int) -> bool:
        """Enact the events of ``step``; True if a rank weight changed."""
        nonlocal survival_shock
        changed = False
        for event in spec.events:
            if event.step != step:
                continue
            if event.kind in {"defection", "arrest"}:
                idx = np.arange(r) * n + names.index(event.official)
                new = DEFECTED if event.kind == "defection" else ARRESTED
                act = idx[(state[idx] != DEFECTED) & (state[idx] != new)]
                if new == DEFECTED:
                    rank_weight[act] *= event.broadcast_multiplier
                    defection_step[act] = step
                    changed = changed or (len(act) > 0 and event.broadcast_multiplier != 1.0)
                state[act] = new
                preparation_left[act] = 0
            elif event.kind == "rebellion_shock":
                rebellion_shock[spec.regions.index(event.region)] += event.size
            elif event.kind == "survival_shock":
                survival_shock = survival_shock + event.size
        return changed

    totals = WeightTotals.of(groups, rank_weight)

    by_role = np.zeros((2, r, n_roles), dtype=np.int64)

    def signals_at(step: int) -> Signals:
        nonlocal by_role
        weight, tribe, region, counts, by_role = kernels.tally(
            state,
            rank_weight,
            n,
            groups.tribe_row,
            groups.region_row,
            role,
            n_tribes,
            n_regions,
            n_roles,
        )
        tallies = Tallies(weight, tribe, region, counts[0], counts[1], counts[2])
        return signals_from_tallies(
            tallies,
            totals,
            groups,
            spec.schedule.levels_at(step),
            rebellion_shock,
            survival_shock,
            spec.survival,
        )

    def record(step: int, sig: Signals) -> None:
        curves["share_defected"][step] = sig.share_defected
        curves["n_preparing"][step] = sig.n_preparing
        curves["n_arrested"][step] = sig.n_arrested
        curves["perceived_survival"][step] = sig.survival
        curves["n_defected"][step] = sig.n_defected
        for j, name in enumerate(first.role_names):
            size = role_sizes[j]
            curves[f"share_defected_{name}"][step] = by_role[0, :, j] / size if size else 0.0
            curves[f"n_preparing_{name}"][step] = by_role[1, :, j]
        for g, region in enumerate(spec.regions):
            curves[f"rebellion_{region}"][step] = sig.rebellion[g]

    for rep, (pop, _) in enumerate(worlds):
        gone = rep * n + initial_defectors(pop, spec.initial_defected_share)
        state[gone] = DEFECTED
        defection_step[gone] = 0
    if enact_events(0):
        totals = WeightTotals.of(groups, rank_weight)
    sig = signals_at(0)
    record(0, sig)
    w = spec.weights
    static = rule.static_terms(
        w,
        disaffection=params["disaffection"],
        privileges=params["privileges"],
        exposure=params["exposure"],
        amnesty_trust=params["amnesty_trust"],
    )
    static_disaffection = np.asarray(static.disaffection, dtype=np.float64)
    static_retribution = np.asarray(static.retribution, dtype=np.float64)
    static_privileges = np.asarray(static.privileges, dtype=np.float64)
    free = ~scripted
    if complete:
        indptr, indices = np.zeros(1, np.int64), np.zeros(0, np.int64)
    else:
        indptr = adjacency.indptr.astype(np.int64)
        indices = adjacency.indices.astype(np.int64)
    uniforms = np.empty((r, n))
    old_state = np.empty_like(state)
    counted = np.zeros(r * n, dtype=bool)
    defected_neighbours = np.zeros(r * n, dtype=np.int64)
    if not complete:
        kernels.propagate_defections(state, counted, indptr, indices, defected_neighbours)
    stepping = time.perf_counter()
    for t in range(steps):
        for i, rng in enumerate(rngs):
            rng.random(out=uniforms[i])
        kernels.step(
            t,
            n,
            state,
            preparation_left,
            defection_step,
            free,
            params["preparation_time"],
            params["threshold"],
            static_disaffection,
            static_retribution,
            static_privileges,
            complete,
            indptr,
            defected_neighbours,
            sig.n_defected,
            sig.tribe_defected_weight,
            sig.tribe_total_weight,
            groups.tribe_row,
            rank_weight,
            np.ascontiguousarray(sig.rebellion),
            region_of,
            sig.survival,
            w.peer_weight,
            w.tribal_pressure_weight,
            w.danger_weight,
            w.defector_credit,
            w.late_defector_contempt,
            w.defector_punishment,
            spec.detection_probability,
            spec.escape_probability,
            uniforms.ravel(),
            old_state,
        )
        if enact_events(t + 1):
            totals = WeightTotals.of(groups, rank_weight)
        if not complete:
            kernels.propagate_defections(state, counted, indptr, indices, defected_neighbours)
        sig = signals_at(t + 1)
        record(t + 1, sig)

    finished = time.perf_counter()
    return BatchResult(
        setup_seconds=stepping - started,
        step_seconds=finished - stepping,
        seeds=seeds,
        curves=curves,
        defection_step=defection_step.reshape(r, n),
        state=state.reshape(r, n).copy(),
        role_names=list(first.role_names),
        region_names=list(spec.regions),
    )
