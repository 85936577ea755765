"""The batched engine: R replicates of one parameter point, without Mesa.

Each replicate is the Mesa model's run for its seed, exactly: the same world
(:mod:`sim.world`), the same compiled mathematics (:mod:`sim.core`), the same random
draws (:mod:`sim.engine.pcg64`), run from its first step to its last in one compiled
call (:mod:`sim.engine.kernel`) with its arrays in the processor's cache.
``tests/test_engine.py`` checks that both paths give identical files. A replicate's
world is built when it runs (memory grows with the officials, not the replicates);
what the replicates share is worked out once (:class:`sim.world.build.WorldPlan`), and
with ``structure_seed`` set, one structure and network are built and shared.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from sim.config.schema import Run
from sim.core.signals import curve_names
from sim.core.state import new_dynamics
from sim.engine import kernel, pcg64
from sim.world import Labels, build_structure_and_network
from sim.world.build import WorldPlan
from sim.world.streams import dynamics_generator, seed_streams
from sim.world.tables import event_rows, official_rows, timeseries_rows


@dataclass
class Details:
    """One replicate's officials and transitions (kept when ``details=True``)."""

    labels: Labels
    role: np.ndarray
    tribe: np.ndarray
    region: np.ndarray
    traits: dict[str, np.ndarray]
    rank_weight: np.ndarray  # at the end (events may raise it)
    log: dict[str, np.ndarray]  # step, official, from, to, event: the rows of events.csv


@dataclass
class BatchResult:
    """Trajectories of R replicates.

    Attributes:
        seeds: the replicates' seeds, shape (R,).
        curves: name -> array (steps + 1, R): the columns of ``timeseries.csv``.
        defection_step: (R, N), -1 for officials who never defected.
        state: (R, N) final :class:`sim.core.state.State` codes.
        labels: the names of replicate 0's codes (roles and regions are the same in all).
        details: per replicate, its officials and transitions (``details=True``), or None.
        setup_seconds, step_seconds: building the worlds, and running the steps.
    """

    seeds: np.ndarray
    curves: dict[str, np.ndarray]
    defection_step: np.ndarray
    state: np.ndarray
    labels: Labels
    details: list[Details] | None = None
    setup_seconds: float = 0.0
    step_seconds: float = 0.0
    _rows: np.ndarray = field(default_factory=lambda: np.zeros(0), repr=False)

    @property
    def role_names(self) -> list[str]:
        return self.labels.role_names

    @property
    def region_names(self) -> list[str]:
        return self.labels.region_names

    def timeseries(self, replicate: int) -> list[dict[str, Any]]:
        """One replicate's rows of ``timeseries.csv``, as the Mesa model gives them."""
        return timeseries_rows(self._rows[replicate], list(self.curves))

    def officials(self, replicate: int) -> list[dict[str, Any]]:
        """One replicate's rows of ``officials.csv`` (needs ``details=True``)."""
        d = self._details(replicate)
        return official_rows(
            d.labels, d.role, d.tribe, d.region, d.traits, d.rank_weight,
            self.state[replicate], self.defection_step[replicate],
        )  # fmt: skip

    def events(self, replicate: int) -> list[dict[str, Any]]:
        """One replicate's rows of ``events.csv`` (needs ``details=True``)."""
        d = self._details(replicate)
        return event_rows(d.labels, d.role, d.log)

    def _details(self, replicate: int) -> Details:
        if self.details is None:
            raise ValueError("run_batch(..., details=True) keeps the officials and events")
        return self.details[replicate]


def run_batch(
    run: Run,
    seeds: Sequence[int],
    steps: int | None = None,
    details: bool = False,
    shared: tuple | None = None,
) -> BatchResult:
    """Run the parameter point ``run`` once for every seed in ``seeds`` (the replicates).

    Args:
        run: a checked config (:func:`sim.config.schema.validate`).
        seeds: one integer seed per replicate; replicate r is the Mesa model's run with
            ``seed=seeds[r]``.
        steps: number of steps after step 0 (default: the run's ``steps``).
        details: keep each replicate's officials and transitions (``officials.csv`` and
            ``events.csv``), not only its curves.
        shared: the structure and network of ``run.structure_seed``
            (:func:`sim.world.build_structure_and_network`), if the caller already built
            them (a calibration runs many batches on one).
    """
    started = time.perf_counter()
    steps = run.steps if steps is None else int(steps)
    seeds = np.asarray(seeds, dtype=np.int64)
    params = run.params()
    if shared is None and run.structure_seed is not None:
        shared = build_structure_and_network(run, seed_streams(0, run.structure_seed))
    n = run.n_officials()
    jumps = pcg64.jump_table(n)
    names: list[str] = []
    rows = np.zeros(0)
    state = np.zeros((len(seeds), n), dtype=np.int8)
    defection_step = np.full((len(seeds), n), -1, dtype=np.int64)
    kept: list[Details] = []
    labels = None
    step_seconds = 0.0
    plan = WorldPlan(run, steps, shared)  # what the replicates share, once
    for r, seed in enumerate(seeds):
        streams = seed_streams(int(seed), run.structure_seed)
        world, labels_r, traits = plan.world(int(seed), streams)
        if labels is None:
            labels = labels_r
            names = curve_names(labels.role_names, labels.region_names)
            rows = np.zeros((len(seeds), steps + 1, len(names)))
        dyn = new_dynamics(world)
        stream = pcg64.state_of(dynamics_generator(streams))
        stepping = time.perf_counter()
        kernel.run(world, dyn, params, steps, stream, jumps, np.empty(n, np.int64), rows[r])
        step_seconds += time.perf_counter() - stepping
        state[r], defection_step[r] = dyn.state, dyn.defection_step
        if details:
            k = dyn.n_log[0]
            log = {
                "step": dyn.log_step[:k].copy(),
                "official": dyn.log_official[:k].copy(),
                "from": dyn.log_from[:k].copy(),
                "to": dyn.log_to[:k].copy(),
                "event": dyn.log_event[:k].copy(),
            }
            kept.append(
                Details(
                    labels_r, world.role, world.tribe, world.region, traits, dyn.rank_weight, log
                )
            )
    assert labels is not None or len(seeds) == 0
    result = BatchResult(
        seeds=seeds,
        curves={name: rows[:, :, j].T.copy() for j, name in enumerate(names)},
        defection_step=defection_step,
        state=state,
        labels=labels,  # type: ignore[arg-type]
        details=kept if details else None,
        setup_seconds=time.perf_counter() - started - step_seconds,
        step_seconds=step_seconds,
    )
    result._rows = rows
    return result


def warm_up(run: Run) -> None:
    """Compile the engine in this process (or load it from numba's on-disk cache),
    saying so in one line when it has never been compiled on this machine (about 20 s
    the first time; the kernels are cached beside the source afterwards)."""
    if kernel.run.signatures:
        return
    import sys
    from pathlib import Path

    cache = Path(kernel.__file__).parent / "__pycache__"
    if not any(cache.glob("kernel.run-*.nbi")):
        print(
            "[sim] compiling the engine the first time (about 20 s; cached for next time)...",
            file=sys.stderr,
            flush=True,
        )
    run_batch(run, [0], 1)
