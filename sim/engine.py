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

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.sparse as sp

from sim import rule
from sim.population import PARAMETERS
from sim.signals import Groups, Signals, compute_signals, tribe_share
from sim.world import (
    build_structure_and_network,
    build_world,
    dynamics_generator,
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
    replicate_of = np.repeat(np.arange(r), n)
    region_of = np.concatenate([pop.region for pop, _ in worlds])
    complete = worlds[0][1].complete
    if not complete:
        adjacency = _block_adjacency([net for _, net in worlds], n)
        degree = np.asarray(adjacency.sum(axis=1)).ravel()
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

    def enact_events(step: int) -> None:
        nonlocal survival_shock
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
                state[act] = new
                preparation_left[act] = 0
            elif event.kind == "rebellion_shock":
                rebellion_shock[spec.regions.index(event.region)] += event.size
            elif event.kind == "survival_shock":
                survival_shock = survival_shock + event.size

    def signals_at(step: int) -> Signals:
        return compute_signals(
            step,
            state == DEFECTED,
            state == PREPARING,
            state == ARRESTED,
            rank_weight,
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
        by_role = (role + n_roles * replicate_of).reshape(r, n)
        for state_code in (DEFECTED, PREPARING):
            counts = np.bincount(
                by_role[(state == state_code).reshape(r, n)], minlength=r * n_roles
            ).reshape(r, n_roles)
            for j, name in enumerate(first.role_names):
                if state_code == DEFECTED:
                    share = counts[:, j] / role_sizes[j] if role_sizes[j] else 0.0
                    curves[f"share_defected_{name}"][step] = share
                else:
                    curves[f"n_preparing_{name}"][step] = counts[:, j]
        for g, region in enumerate(spec.regions):
            curves[f"rebellion_{region}"][step] = sig.rebellion[g]

    enact_events(0)
    sig = signals_at(0)
    record(0, sig)
    weights = spec.weights
    q, e = spec.detection_probability, spec.escape_probability
    k = params["preparation_time"]
    for t in range(steps):
        uniforms = np.concatenate([rng.random(n) for rng in rngs])
        defected = state == DEFECTED
        if complete:
            peer_share = np.repeat(sig.n_defected / n, n)
        else:
            counts = adjacency @ defected.astype(np.float64)
            peer_share = np.divide(counts, degree, out=np.zeros(r * n), where=degree > 0)
        pressure = rule.defection_pressure(
            weights,
            disaffection=params["disaffection"],
            peer_share=peer_share,
            tribe_share=tribe_share(
                sig.tribe_defected_weight[groups.tribe_row],
                sig.tribe_total_weight[groups.tribe_row],
                rank_weight,
                defected,
            ),
            rebellion=sig.rebellion[region_of, replicate_of],
            survival=np.repeat(sig.survival, n),
            privileges=params["privileges"],
            exposure=params["exposure"],
            amnesty_trust=params["amnesty_trust"],
        )
        free = ~scripted
        start = free & (state == LOYAL) & rule.starts_preparing(pressure, params["threshold"])
        preparing = free & (state == PREPARING)
        caught = preparing & rule.is_caught(uniforms, q)
        advance = preparing & ~caught
        escape = free & (state == ARRESTED) & rule.escapes(uniforms, e)

        new_state = state.copy()
        new_left = preparation_left.copy()
        new_state[start & (k == 0)] = DEFECTED
        new_state[start & (k > 0)] = PREPARING
        new_left[start & (k > 0)] = k[start & (k > 0)]
        new_state[caught] = ARRESTED
        new_left[caught] = 0
        new_left[advance] -= 1
        new_state[advance & (new_left == 0)] = DEFECTED
        new_state[escape] = DEFECTED
        newly = (new_state == DEFECTED) & (state != DEFECTED) & (defection_step < 0)
        defection_step[newly] = t + 1
        state[:], preparation_left[:] = new_state, new_left

        enact_events(t + 1)
        sig = signals_at(t + 1)
        record(t + 1, sig)

    return BatchResult(
        seeds=seeds,
        curves=curves,
        defection_step=defection_step.reshape(r, n),
        state=state.reshape(r, n).copy(),
        role_names=list(first.role_names),
        region_names=list(spec.regions),
    )
