"""The Python API: runs, replicates and sweeps as pandas tables.

    import sim
    one = sim.run("syria_2012", seed=3)                    # one run: its tables
    one.timeseries.plot(x="step", y="share_defected")
    reps = sim.replicates("syria_2012", n=100)              # reps.runs, reps.curves
    s = sim.sweep({"model.retribution_weight": [0, 0.5, 1, 1.5, 2]}, replicates=100)
    s.runs.groupby("model.retribution_weight")["final_share"].mean()
    s = sim.load_sweep("multirun/sweep")                    # a finished sweep, again

Every function takes a scenario name (``configs/scenario/``; default: the config's,
``syria_2012``), ``overrides`` as on the command line (``["model.peer_weight=0.5"]`` or
``{"model.peer_weight": 0.5}``) or a resolved ``config`` mapping, and a ``seed``. Bad
input raises :class:`sim.errors.ConfigError` (one line: key, value, what is allowed)
before anything runs or is written. The command line (``python -m sim``) is a thin
layer over these functions.

The tables are those of the files (README.md, "Outputs" and "Sweeps"): a run's
``timeseries`` (one row per step), ``officials`` (one row per official) and ``events``
(every change of state); a sweep's ``runs`` (one row per run) and ``curves`` (one row
per run and step), both with the swept parameters as columns.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sim.errors import ConfigError
from sim.run.samplers import Sample, latin_hypercube, sobol

__all__ = [
    "Replicates",
    "RunTables",
    "Sample",
    "SweepResult",
    "config",
    "latin_hypercube",
    "load_sweep",
    "replicates",
    "run",
    "sobol",
    "sweep",
]

Overrides = Sequence[str] | Mapping[str, Any]


def _override_list(scenario: str | None, overrides: Overrides) -> list[str]:
    if isinstance(overrides, str):
        raise ConfigError("overrides", overrides, "a list of 'key=value' or a mapping")
    if isinstance(overrides, Mapping):
        items = [f"{k}={_hydra_value(v)}" for k, v in overrides.items()]
    else:
        items = [str(o) for o in overrides]
    return ([f"scenario={scenario}"] if scenario else []) + items


def _hydra_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, list | tuple):
        return "[" + ",".join(_hydra_value(v) for v in value) + "]"
    return str(value)


def config(
    scenario: str | None = None, overrides: Overrides = (), seed: int | None = None
) -> dict[str, Any]:
    """The resolved config of a scenario with overrides (what ``config.yaml`` records),
    checked: ConfigError names the first bad key."""
    from sim.config.explain import compose_checked
    from sim.config.schema import validate

    items = _override_list(scenario, overrides)
    if seed is not None:
        items.append(f"seed={seed}")
    cfg = compose_checked(items)
    validate(cfg)
    return cfg


def _resolved(
    scenario: str | None, overrides: Overrides, config_: Mapping[str, Any] | None, seed: int | None
) -> dict[str, Any]:
    if config_ is None:
        return config(scenario, overrides, seed)
    if scenario or overrides:
        raise ConfigError("config", "...", "either a config or a scenario with overrides")
    cfg = copy.deepcopy({k: v for k, v in config_.items() if k != "hydra"})
    if seed is not None:
        cfg["seed"] = seed
    return cfg


# --- one run -----------------------------------------------------------------------------------
@dataclass
class RunTables:
    """One run's tables (pandas DataFrames), its config and summary.

    Attributes:
        timeseries: one row per step (``timeseries.csv``).
        officials: one row per official (``officials.csv``).
        events: every change of state (``events.csv``).
        config: the resolved config, seed included.
        summary: the run summary (:class:`sim.analysis.summary.Summary`).
    """

    timeseries: Any
    officials: Any
    events: Any
    config: dict[str, Any]
    summary: Any


def run(
    scenario: str | None = None,
    seed: int | None = None,
    overrides: Overrides = (),
    *,
    config: Mapping[str, Any] | None = None,
    engine: str = "batched",
) -> RunTables:
    """Run one scenario and return its tables.

    Args:
        scenario: a scenario name (``configs/scenario/``), default the config's.
        seed: the run's seed (default: the config's, 0).
        overrides: ``["key=value", ...]`` or ``{key: value}``, as on the command line.
        config: a resolved config instead of scenario and overrides.
        engine: ``"batched"`` (the compiled engine, no Mesa) or ``"mesa"`` (the agents);
            both give identical tables for the same config and seed.
    """
    import pandas as pd

    from sim.analysis.summary import Summary
    from sim.config.schema import validate
    from sim.world.tables import EVENT_COLUMNS

    cfg = _resolved(scenario, overrides, config, seed)
    checked = validate(cfg)
    if engine == "batched":
        from sim.engine.batch import run_batch, warm_up

        warm_up(checked)
        batch = run_batch(checked, [checked.seed], checked.steps, details=True)
        rows, officials, events = batch.timeseries(0), batch.officials(0), batch.events(0)
    elif engine == "mesa":
        from sim.engine.batch import warm_up
        from sim.run.runner import simulate

        warm_up(checked)
        model = simulate(checked)
        rows, officials, events = model.timeseries(), model.officials_table(), model.event_log
    else:
        raise ConfigError("engine", engine, "'batched' or 'mesa'")
    return RunTables(
        timeseries=pd.DataFrame(rows),
        officials=pd.DataFrame(officials),
        events=pd.DataFrame(events, columns=EVENT_COLUMNS),
        config=cfg,
        summary=Summary.of(rows),
    )


# --- replicates ---------------------------------------------------------------------------------
@dataclass
class Replicates:
    """Replicates of one point: ``runs`` (one row per run: seed and summary figures) and
    ``curves`` (one row per run and step), as pandas DataFrames."""

    runs: Any
    curves: Any
    config: dict[str, Any]


def replicates(
    scenario: str | None = None,
    n: int = 10,
    seed: int | None = None,
    overrides: Overrides = (),
    *,
    config: Mapping[str, Any] | None = None,
) -> Replicates:
    """Run ``n`` replicates of one point with the batched engine (replicate seeds derived
    from ``seed`` as in a sweep: :func:`sim.run.sweep.replicate_seeds`)."""
    from sim.config.schema import REPLICATES, validate
    from sim.engine.batch import run_batch, warm_up
    from sim.run.store import point_hash, point_tables
    from sim.run.sweep import replicate_seeds

    if not REPLICATES.accepts(n):
        raise ConfigError("n", n, REPLICATES.allowed())
    cfg = _resolved(scenario, overrides, config, seed)
    cfg["replicates"] = int(n)
    checked = validate(cfg)
    warm_up(checked)
    seeds = replicate_seeds(checked.seed, checked.replicates)
    batch = run_batch(checked, seeds, checked.steps)
    runs, curves = point_tables(
        point_hash(cfg), {}, seeds, batch.curves, batch.state.shape[1], checked.steps
    )
    return Replicates(runs.to_pandas(), curves.to_pandas(), cfg)


# --- sweeps -----------------------------------------------------------------------------------
@dataclass
class SweepResult:
    """A sweep's tables (pandas DataFrames) and where they are stored.

    Attributes:
        runs: one row per run: ``point``, the swept parameters, ``replicate``, ``seed``,
            the summary figures (``final_share``, ...), ``n_officials``, ``steps``.
        curves: one row per run and step: ``point``, the swept parameters,
            ``replicate``, ``seed``, ``step``, the curves (``share_defected``, ...).
        parameters: the swept config keys (the tables' parameter columns:
            :func:`sim.run.store.parameter_column`).
        folder: the sweep's folder (``pandas.read_parquet(folder / "runs")`` reads it).
        stats: what the call did (points run and skipped, timings), None when loaded.
    """

    runs: Any
    curves: Any
    parameters: list[str]
    folder: Path
    stats: Any = None
    sample: Sample | None = field(default=None, repr=False)


def sweep(
    grid: Mapping[str, Sequence[Any]] | None = None,
    *,
    sample: Sample | None = None,
    scenario: str | None = None,
    replicates: int | None = None,
    seed: int | None = None,
    overrides: Overrides = (),
    config: Mapping[str, Any] | None = None,
    folder: str | Path | None = None,
    workers: int | None = None,
    tables: str = "parquet",
    progress: bool = True,
) -> SweepResult:
    """Run a sweep on all cores, resumable, and return its tables.

    Args:
        grid: ``{key: [values]}``: every combination (the first key varies slowest);
            ``{}`` or nothing: the base config alone.
        sample: instead of a grid, a :func:`latin_hypercube` or :func:`sobol` sample.
        scenario, overrides, config, seed: the base config (as :func:`run`).
        replicates: runs per point (default: the config's ``replicates``).
        folder: the sweep's folder (default ``multirun/<sweep_name>``); re-running the
            same sweep into it skips the points already done. A folder holding another
            sweep, or being written by another process, is refused (ConfigError).
        workers: processes (default: every core).
        tables: ``"parquet"`` (always written), ``"csv"`` or ``"both"`` to write
            ``runs.csv`` and ``curves.csv`` too.
        progress: a progress line on stderr.
    """
    from sim.run.store import SweepFolder
    from sim.run.sweep import grid_points, run_points, sample_points

    if grid is not None and sample is not None:
        raise ConfigError("sample", "...", "either a grid or a sample, not both")
    if grid is None and sample is None:
        grid = {}  # one point: the base config
    if tables not in ("parquet", "csv", "both"):
        raise ConfigError("tables", tables, "parquet, csv or both")
    base = _resolved(scenario, overrides, config, seed)
    if replicates is not None:
        base["replicates"] = replicates
    base.setdefault("output", {})["tables"] = tables
    from sim.config.schema import validate

    validate(base)
    if grid is not None:
        if not isinstance(grid, Mapping):
            raise ConfigError("grid", grid, "a mapping {key: [values]}")
        points = grid_points(base, grid)
        keys = list(grid)
    else:
        points = sample_points(base, sample)
        keys = [*sample.ranges]
    store = SweepFolder(Path("multirun") / base["sweep_name"] if folder is None else folder)
    stats = run_points(points, store, keys, base, workers, progress)
    digests = [p.digest for p in points]
    if tables in ("csv", "both"):
        store.export_csv(digests)
    runs, curves = store.tables(digests)
    return SweepResult(_sorted(runs, keys), _sorted(curves, keys), keys, store.path, stats, sample)


def _sorted(table: Any, keys: Sequence[str]) -> Any:
    if table.empty:
        return table
    order = [c for c in ("sample.row", "point", "replicate", "step") if c in table]
    return table.sort_values(order, kind="stable", ignore_index=True) if order else table


def load_sweep(folder: str | Path) -> SweepResult:
    """A finished (or partly finished) sweep's tables, from its folder."""
    from sim.run.store import SweepFolder

    store = SweepFolder(folder)
    manifest = store.manifest()
    if manifest is None or manifest.get("unreadable"):
        raise ConfigError("folder", str(folder), "a sweep folder (with its sweep.json)")
    runs, curves = store.tables()
    keys = list(manifest.get("parameters", []))
    return SweepResult(_sorted(runs, keys), _sorted(curves, keys), keys, store.path)
