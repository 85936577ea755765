"""Parameter sweeps: every point's replicates through the batched engine, into a store.

    python -m sim --multirun model.peer_weight=0.2,0.4,0.6 replicates=50
    python -m sim --multirun sweep=reference          # a named grid, on all cores
    python -m sim --multirun sweep=sobol_syria        # a named Sobol sample
    sim.api.sweep({"model.peer_weight": [0.2, 0.4]}, replicates=50)   # from Python

A sweep is a list of points (a grid's product, or a sample's rows), each a config with
its replicates. :func:`run_points` runs them on all cores (a process pool; each worker
ends when its parent dies), into a :class:`sim.run.store.SweepFolder`: one Parquet file
per point and table, written atomically. A point whose files exist is skipped, so
re-running an interrupted sweep completes it without redoing or duplicating anything.
The command line runs local sweeps this way; with a cluster launcher (submitit, Ray),
each Hydra job runs one point (:func:`run_point`) into the same store.

Replicate seeds: ``SeedSequence(seed).generate_state(replicates)``, the same at every
point (common random numbers, so points are compared on the same draws); each is
recorded in every row, and ``python -m sim seed=<that seed> <the point's overrides>``
reruns that replicate with the Mesa agents, identically.
"""

from __future__ import annotations

import contextlib
import copy
import itertools
import os
import sys
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from sim.errors import ConfigError
from sim.run.store import (  # noqa: F401  (point_hash: re-exported)
    CURVE_COLUMNS,
    SweepFolder,
    get_path,
    point_hash,
    point_tables,
)


def replicate_seeds(seed: int, replicates: int) -> np.ndarray:
    """The replicates' integer seeds, derived from the point's ``seed``."""
    return np.random.SeedSequence(seed).generate_state(replicates, dtype=np.uint32).astype(np.int64)


# --- points ---------------------------------------------------------------------------------
@dataclass
class Point:
    """One parameter point: its resolved config, the swept values, its hash."""

    cfg: dict[str, Any]
    parameters: dict[str, Any]
    extra: dict[str, Any] = field(default_factory=dict)  # e.g. the sample's row and block
    digest: str = ""

    def __post_init__(self) -> None:
        if not self.digest:
            self.digest = point_hash(self.cfg)


def set_path(cfg: dict[str, Any], key: str, value: Any) -> None:
    """Set a dotted key of a resolved config (the key must exist)."""
    *parents, last = key.split(".")
    node = cfg
    for part in parents:
        node = node[part]
    node[last] = value


def check_keys(base: Mapping[str, Any], keys: Sequence[str]) -> None:
    """Refuse a swept key that is not a key of the config (one line, nothing written)."""
    from sim.errors import one_of

    for key in keys:
        node: Any = base
        path: list[str] = []
        for part in key.split("."):
            if not isinstance(node, Mapping) or part not in node:
                options = list(node) if isinstance(node, Mapping) else []
                where = f"under '{'.'.join(path)}'" if path else "at the top level"
                raise ConfigError(
                    key,
                    part,
                    one_of(options, part, f"a parameter {where}:")
                    if options
                    else f"a key of the config ('{'.'.join(path)}' has none)",
                    "unknown parameter",
                )
            node, path = node[part], [*path, part]
        if isinstance(node, Mapping | list):
            raise ConfigError(key, node, "a parameter with one value (a number or a name)")
        if key in {"replicates", "sweep_name", "sample"}:
            raise ConfigError(key, "", "a parameter of the model or the run", "not sweepable")


def typed(run: Any, key: str, raw: Any) -> Any:
    """The swept value as the checked config holds it (a float for a float parameter)."""
    node: Any = run
    try:
        for part in key.split("."):
            node = node[part] if isinstance(node, Mapping) else getattr(node, part)
    except (AttributeError, KeyError, TypeError):
        node = raw
    return node if isinstance(node, bool | int | float | str) else str(raw)


def grid_points(base: Mapping[str, Any], grid: Mapping[str, Sequence[Any]]) -> list[Point]:
    """The points of a grid: every combination of the values (the first key varies
    slowest), each a checked config. Raises ConfigError before anything is written."""
    from sim.config.schema import validate

    check_keys(base, list(grid))
    for key, values in grid.items():
        if isinstance(values, str | bytes) or not isinstance(values, Sequence | np.ndarray):
            raise ConfigError(key, values, "a list of values")
        if len(values) == 0:
            raise ConfigError(key, "[]", "a non-empty list of values", "empty range")
    points = []
    for combo in itertools.product(*grid.values()):
        cfg = copy.deepcopy(dict(base))
        for key, value in zip(grid, combo, strict=True):
            set_path(cfg, key, _plain(value))
        run = validate(cfg)
        params = {k: typed(run, k, v) for k, v in zip(grid, combo, strict=True)}
        points.append(Point(cfg, params))
    return points


def sample_points(base: Mapping[str, Any], sample: Any) -> list[Point]:
    """The points of a sample (:class:`sim.run.samplers.Sample`), each a checked config."""
    from sim.config.schema import validate

    check_keys(base, list(sample.ranges))
    points = []
    for i, row in enumerate(sample.values):
        cfg = copy.deepcopy(dict(base))
        for key, value in zip(sample.ranges, row, strict=True):
            set_path(cfg, key, _plain(value))
        run = validate(cfg)
        params = {k: typed(run, k, v) for k, v in zip(sample.ranges, row, strict=True)}
        points.append(Point(cfg, params, extra=sample.extra(i)))
    return points


def _plain(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


# --- one point ------------------------------------------------------------------------------
def compute_point(point: Point, folder: SweepFolder) -> dict[str, float]:
    """Run a point's replicates and write its tables; returns its timings (seconds):
    ``setup`` (checking the config, building the worlds), ``step`` (the compiled
    stepping) and ``write``."""
    from sim.config.schema import validate
    from sim.engine.batch import run_batch

    started = time.perf_counter()
    run = validate(point.cfg)
    seeds = replicate_seeds(run.seed, run.replicates)
    batch = run_batch(run, seeds, run.steps)
    computed = time.perf_counter()
    runs, curves = point_tables(
        point.digest,
        point.parameters,
        seeds,
        batch.curves,
        batch.state.shape[1],
        run.steps,
        point.extra,
    )
    record = {
        "parameters": point.parameters,
        "replicate_seeds": seeds.tolist(),
        **{k: v for k, v in point.cfg.items() if k != "hydra"},
    }
    folder.write_point(point.digest, runs, curves, record)
    return {
        "setup": computed - started - batch.step_seconds,
        "step": batch.step_seconds,
        "write": time.perf_counter() - computed,
        "runs": len(seeds),
    }


def _job(args: tuple[Point, str]) -> dict[str, float]:
    point, path = args
    return compute_point(point, SweepFolder(path))


# --- workers that end with their parent ------------------------------------------------------
_watching = False


def watch_parent(interval: float = 0.5) -> None:
    """End this (worker) process soon after its parent dies (a daemon thread polling the
    parent's pid): killing a sweep's parent leaves no worker computing for nobody."""
    global _watching
    if _watching:
        return
    _watching = True
    parent = os.getppid()
    if sys.stderr is not sys.__stderr__ and sys.__stderr__ is not None:
        # forked from a Jupyter kernel: its output streams are the parent's sockets
        sys.stdout, sys.stderr = sys.__stdout__, sys.__stderr__

    def watch() -> None:
        while True:
            time.sleep(interval)
            if os.getppid() != parent:
                os._exit(1)

    threading.Thread(target=watch, name="watch-parent", daemon=True).start()


def _pool_context():
    import multiprocessing as mp

    # fork: a worker starts with the parent's compiled kernels and imports, in milliseconds
    return mp.get_context("fork" if sys.platform.startswith("linux") else "spawn")


# --- many points ------------------------------------------------------------------------------
@dataclass
class SweepStats:
    """What :func:`run_points` did, for the progress line and ``make bench``."""

    points: int = 0
    skipped: int = 0
    runs: int = 0
    wall: float = 0.0
    setup: float = 0.0
    step: float = 0.0
    write: float = 0.0
    workers: int = 1


def run_points(
    points: Sequence[Point],
    folder: SweepFolder,
    parameters: Sequence[str],
    base: Mapping[str, Any],
    workers: int | None = None,
    progress: bool | Callable[[str], None] = True,
) -> SweepStats:
    """Run every point not yet done into ``folder`` (held locked meanwhile), on
    ``workers`` processes (default: every core)."""
    started = time.perf_counter()
    workers = max(1, min(workers or os.cpu_count() or 1, len(points) or 1))
    stats = SweepStats(points=len(points), workers=workers)
    say = _progress_printer(progress)
    with folder.claim(parameters, base):
        todo = [p for p in dict((p.digest, p) for p in points).values()]
        todo = [p for p in todo if not folder.done(p.digest)]
        stats.skipped = len({p.digest for p in points}) - len(todo)
        if todo:
            from sim.config.schema import validate
            from sim.engine.batch import warm_up

            warm_up(validate(todo[0].cfg))  # once, before the workers fork
            import pyarrow.parquet  # noqa: F401  (imported once, not by every worker)
        finished = stats.skipped

        def account(t: Mapping[str, float]) -> None:
            nonlocal finished
            finished += 1
            stats.runs += int(t["runs"])
            stats.setup += t["setup"]
            stats.step += t["step"]
            stats.write += t["write"]
            say(_line(finished, len({p.digest for p in points}), stats, started))

        say(_line(finished, len({p.digest for p in points}), stats, started))
        if workers == 1 or len(todo) <= 1:
            for p in todo:
                account(compute_point(p, folder))
        else:
            from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait

            with ProcessPoolExecutor(
                workers, mp_context=_pool_context(), initializer=watch_parent
            ) as pool:
                pending = {pool.submit(_job, (p, str(folder.path))) for p in todo}
                try:
                    while pending:
                        done, pending = wait(pending, return_when=FIRST_COMPLETED)
                        for future in done:
                            account(future.result())
                except BaseException:
                    for future in pending:
                        future.cancel()
                    raise
        say(None)
    stats.wall = time.perf_counter() - started
    return stats


def _line(finished: int, total: int, stats: SweepStats, started: float) -> str:
    elapsed = time.perf_counter() - started
    rate = stats.runs / elapsed if elapsed > 0 else 0.0
    computed = finished - stats.skipped
    left = ""
    if computed and finished < total:
        left = f" | ~{(total - finished) * elapsed / computed:.0f} s left"
    width = 24
    filled = int(width * finished / total) if total else width
    bar = "#" * filled + "." * (width - filled)
    return (
        f"[sweep] [{bar}] {finished}/{total} points ({stats.skipped} already done) | "
        f"{stats.runs} runs in {elapsed:.1f} s, {rate:.0f} runs/s{left}"
    )


def _progress_printer(progress: bool | Callable[[str], None]) -> Callable[[str | None], None]:
    """One progress line, rewritten in place on a terminal; elsewhere (a log, a
    notebook) a line every few seconds and the last one."""
    if callable(progress):
        return lambda text: progress(text) if text else None
    if not progress:
        return lambda text: None
    tty = sys.stderr.isatty()
    last = {"text": "", "shown": "", "at": -1e9}

    def show(text: str) -> None:
        print(("\r" + text) if tty else text, end="" if tty else "\n", file=sys.stderr, flush=True)
        last["shown"], last["at"] = text, time.perf_counter()

    def say(text: str | None) -> None:
        if text is None:  # the end: the last state, then a new line on a terminal
            if last["text"] and last["text"] != last["shown"]:
                show(last["text"])
            if tty and last["shown"]:
                print(file=sys.stderr, flush=True)
            return
        last["text"] = text
        if tty or time.perf_counter() - last["at"] >= 2.0:
            show(text)

    return say


# --- the Hydra job of a cluster launcher -----------------------------------------------------
def swept_values(overrides: Sequence[str]) -> dict[str, str]:
    """The job's own overrides (``key=value``), without Hydra's."""
    out = {}
    for text in overrides:
        key, _, value = text.partition("=")
        key = key.lstrip("+~")
        if not key.startswith("hydra") and key != "sweep":  # the named sweep is in the folder
            out[key] = value
    return out


def run_point(
    cfg: Mapping[str, Any], sweep_dir: Path, overrides: Sequence[str], job_label: str = ""
) -> tuple[str, bool]:
    """Run (or skip, if done) one sweep point in a Hydra job. Returns (hash, whether it
    was run now). The parent (:class:`SweepCallback`) holds the folder's lock."""
    from sim.config.schema import validate

    watch_parent()
    run = validate(cfg)
    folder = SweepFolder(sweep_dir)
    swept = swept_values(overrides)
    keys = (folder.manifest() or {}).get("parameters")  # written by SweepCallback
    if keys is not None:  # the swept keys only, not the fixed overrides
        swept = {k: v for k, v in swept.items() if k in keys}
    point = Point(dict(cfg), {k: typed(run, k, v) for k, v in swept.items()})
    if folder.done(point.digest):
        print(f"[sweep] already done | {job_label}", file=sys.stderr, flush=True)
        return point.digest, False
    t = compute_point(point, folder)
    print(
        f"[sweep] {t['runs']} runs in {t['setup'] + t['step'] + t['write']:.1f} s | {job_label}",
        file=sys.stderr,
        flush=True,
    )
    return point.digest, True


try:  # the callback needs Hydra; the rest of this module does not
    from hydra.experimental.callback import Callback
except ImportError:  # pragma: no cover
    Callback = object  # type: ignore[misc,assignment]


#: the lock of the folder a Hydra multirun writes, held by the parent process (module
#: state, not the callback's: a cluster launcher pickles the callbacks)
def sweep_plan(
    overrides: Sequence[str], sweeper_params: dict[str, Any] | None
) -> tuple[list[str], list[str]]:
    """A multirun's fixed overrides and its swept keys (command line first, then the
    named sweep's parameters that the command line does not set)."""
    from hydra.core.override_parser.overrides_parser import OverridesParser

    parser = OverridesParser.create()
    fixed, keys = [], []
    for text in overrides:
        o = parser.parse_overrides([text])[0]
        key = o.get_key_element().lstrip("+~")
        if key.startswith("hydra"):
            continue
        if o.is_sweep_override():
            keys.append(key)
        else:
            fixed.append(o.input_line)
    set_here = {o.split("=", 1)[0].lstrip("+~") for o in fixed}
    for key in sweeper_params or {}:
        if key not in keys and key not in set_here:
            keys.append(key)
    return fixed, keys


_HELD = contextlib.ExitStack()


class SweepCallback(Callback):
    """Hydra callback of a multirun through a launcher: holds the folder's lock for the
    whole multirun (checking it holds this sweep), writes the CSV tables at its end."""

    def on_multirun_start(self, config, **kwargs) -> None:
        from omegaconf import OmegaConf

        container = OmegaConf.to_container(config, resolve=False)
        overrides = list(config.hydra.overrides.task)
        _, keys = sweep_plan(overrides, dict(config.hydra.sweeper.get("params") or {}))
        base = {k: v for k, v in container.items() if k != "hydra"}
        folder = SweepFolder(Path(config.hydra.sweep.dir))
        try:
            _HELD.enter_context(folder.claim(keys, base))
        except ConfigError as e:
            print(f"error: {e}", file=sys.stderr)
            raise SystemExit(2) from None

    def on_multirun_end(self, config, **kwargs) -> None:
        try:
            folder = SweepFolder(Path(config.hydra.sweep.dir))
            if config.get("output", {}).get("tables", "parquet") in ("csv", "both"):
                folder.export_csv()
            n = len(folder.points())
            print(f"[sweep] {n} points in {folder.path}", file=sys.stderr, flush=True)
        finally:
            _HELD.close()
