"""The batched engine: R replicates of one parameter point at once, without Mesa.

It implements exactly the model of the Mesa agents (ODD.md, section 3):

- the same world (:mod:`sim.world`: officials, parameters, network) from each replicate's
  seed, and the same dynamics generator, which draws one U[0, 1) per official per step;
- the same decision rule (:mod:`sim.rule`) and public signals (:mod:`sim.signals`),
  computed one official at a time in compiled code (:mod:`sim.kernels`), with the same
  floating-point operations in the same order.

So for the same seed the engine and ``DefectionModel`` give identical trajectories and
defection steps (``tests/test_engine.py`` checks it on scenarios that use every term).
Each replicate runs from its first step to its last in one kernel call, its arrays in
the processor's cache; with ``structure_seed`` set, one network is built and shared.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from sim import kernels, pcg64, rule
from sim.world import (
    build_structure_and_network,
    build_world,
    dynamics_generator,
    initial_defectors,
    make_spec,
    seed_streams,
)

#: names of the state codes of sim.kernels (LOYAL, PREPARING, DEFECTED, ARRESTED)
STATE_NAMES = ("loyal", "preparing", "defected", "arrested")


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


def event_arrays(spec, names: Sequence[str]) -> tuple[np.ndarray, ...]:
    """The scheduled events as the kernel takes them: step, kind, target (official or
    region index) and value (broadcast multiplier or shock size), in the spec's order."""
    kinds = {
        "defection": kernels.EVENT_DEFECTION,
        "arrest": kernels.EVENT_ARREST,
        "rebellion_shock": kernels.EVENT_REBELLION_SHOCK,
        "survival_shock": kernels.EVENT_SURVIVAL_SHOCK,
    }
    step, kind, target, value = [], [], [], []
    for event in spec.events:
        step.append(event.step)
        kind.append(kinds[event.kind])
        if event.kind in {"defection", "arrest"}:
            target.append(names.index(event.official))
            value.append(event.broadcast_multiplier)
        else:
            target.append(spec.regions.index(event.region) if event.region else 0)
            value.append(event.size)
    return (
        np.array(step, dtype=np.int64),
        np.array(kind, dtype=np.int64),
        np.array(target, dtype=np.int64),
        np.array(value, dtype=np.float64),
    )


def tribe_classes(
    tribe: np.ndarray, rank_weight: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Officials of the same tribe and rank weight, who see the same tribe share while
    loyal. Returns each official's class, and each class's tribe and rank weight."""
    classes, of = np.unique(
        np.stack([tribe.astype(np.float64), rank_weight]), axis=1, return_inverse=True
    )
    return of.astype(np.int64), classes[0].astype(np.int64), classes[1].copy()


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
    streams = [seed_streams(int(s), spec.structure_seed) for s in seeds]
    shared = None
    if spec.structure_seed is not None:
        shared = build_structure_and_network(spec, streams[0])
    worlds = [build_world(spec, st, shared) for st in streams]
    first = worlds[0][0]
    n, n_roles, n_tribes = first.size, len(first.role_names), len(first.tribe_names)
    names = list(first.name)
    events = event_arrays(spec, names)
    levels = np.zeros((steps + 1, len(spec.regions)))
    for t in range(steps + 1):
        levels[t] = spec.schedule.levels_at(t)
    w, survival = spec.weights, spec.survival
    weights = (
        w.peer_weight,
        w.tribal_pressure_weight,
        w.danger_weight,
        w.defector_credit,
        w.late_defector_contempt,
        w.defector_punishment,
    )
    survival_parameters = (
        survival.survival_defection_sensitivity,
        survival.survival_rebellion_sensitivity,
        survival.rebellion_feedback_weight,
    )
    logit0 = rule.log_odds(survival.initial_survival)
    role_sizes = np.bincount(first.role, minlength=n_roles).astype(np.int64)
    names_of_curves = kernels.curve_names(first.role_names, spec.regions)
    curves = np.zeros((len(seeds), len(names_of_curves), steps + 1))
    state = np.zeros((len(seeds), n), dtype=np.int8)
    defection_step = np.full((len(seeds), n), -1, dtype=np.int64)
    jumps = pcg64.jump_table(n)
    step_seconds = 0.0
    for rep, ((pop, net), stream) in enumerate(zip(worlds, streams, strict=True)):
        params = pop.params
        static = rule.static_terms(
            w,
            disaffection=params["disaffection"],
            privileges=params["privileges"],
            exposure=params["exposure"],
            amnesty_trust=params["amnesty_trust"],
        )
        if net.complete:
            indptr, indices = np.zeros(1, np.int64), np.zeros(0, np.int64)
        else:
            indptr, indices = net.indptr.astype(np.int64), net.indices.astype(np.int64)
        # a float degree, 1.0 for an isolated official (whose count stays 0): the kernel
        # divides count / degree as the agents do, without a branch
        degree = np.maximum(net.degree(), 1).astype(np.float64)
        gone = initial_defectors(pop, spec.initial_defected_share)
        state[rep, gone] = kernels.DEFECTED
        defection_step[rep, gone] = 0
        world = (
            np.zeros(n, dtype=np.int64),
            defection_step[rep],
            params["rank_weight"].astype(np.float64),
            ~pop.scripted,
            params["preparation_time"],
            params["threshold"],
            np.asarray(static.disaffection, dtype=np.float64),
            np.asarray(static.retribution, dtype=np.float64),
            np.asarray(static.privileges, dtype=np.float64),
            net.complete,
            indptr,
            indices,
            degree,
            pop.tribe,
            n_tribes,
            *tribe_classes(pop.tribe, params["rank_weight"]),
            pop.region,
            pop.role,
            role_sizes,
            levels,
            *events,
            weights,
            spec.detection_probability,
            spec.escape_probability,
            logit0,
            survival_parameters,
            curves[rep],
        )
        dynamics = pcg64.state_of(dynamics_generator(stream))
        stepping = time.perf_counter()
        kernels.run_replicate(steps, dynamics, jumps, state[rep], *world)
        step_seconds += time.perf_counter() - stepping

    return BatchResult(
        setup_seconds=time.perf_counter() - started - step_seconds,
        step_seconds=step_seconds,
        seeds=seeds,
        curves={name: curves[:, j, :].T.copy() for j, name in enumerate(names_of_curves)},
        defection_step=defection_step,
        state=state,
        role_names=list(first.role_names),
        region_names=list(spec.regions),
    )
