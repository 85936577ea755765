"""Parameter sweeps: one Hydra multirun job = one parameter point with its replicates.

    python -m sim --multirun model.peer_weight=0.2,0.4,0.6 replicates=50
    python -m sim --multirun sweep=reference hydra/launcher=joblib

Each job runs its point's replicates through the batched engine (no Mesa), and writes
``<sweep dir>/points/<hash>/runs.csv``, ``curves.csv`` and ``config.yaml``, each through a
temporary file renamed into place; ``<hash>`` is a hash of the point's resolved config.
A job whose point already has its files skips it, so re-running an interrupted sweep
completes it without redoing or duplicating anything. When the multirun ends,
:class:`SweepCallback` writes the sweep's tables: ``runs.csv`` (one row per run) and
``curves.csv`` (one row per run and step), which ``pandas.read_csv`` reads directly.

Replicate seeds: ``SeedSequence(seed).generate_state(replicates)``, the same at every
point (common random numbers, so points are compared on the same draws); each is
recorded in every row, and ``python -m sim seed=<that seed> <the point's overrides>``
reruns that replicate with the Mesa agents, identically.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from sim.analysis.summary import RUN_COLUMNS, summaries
from sim.files import atomic_write

CURVE_COLUMNS = ["share_defected", "n_preparing", "n_arrested", "perceived_survival", "n_defected"]
STATE_DIR = ".sweep"


def replicate_seeds(seed: int, replicates: int) -> np.ndarray:
    """The replicates' integer seeds, derived from the point's ``seed``."""
    return np.random.SeedSequence(seed).generate_state(replicates, dtype=np.uint32).astype(np.int64)


def point_hash(cfg: Mapping[str, Any]) -> str:
    """A hash of everything that determines the point's results (not its output options)."""
    keep = {k: v for k, v in cfg.items() if k not in {"hydra", "output", "sweep_name"}}
    text = json.dumps(keep, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def swept_values(overrides: Sequence[str]) -> dict[str, str]:
    """The job's own overrides (``key=value``), without Hydra's."""
    out = {}
    for text in overrides:
        key, _, value = text.partition("=")
        key = key.lstrip("+~")
        if not key.startswith("hydra") and key != "sweep":  # the named sweep is in the folder
            out[key] = value
    return out


def _csv_text(header: Sequence[str], columns: Sequence[np.ndarray | list]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(zip(*columns, strict=True))
    return buffer.getvalue()


def _write_text(path: Path, text: str) -> None:
    atomic_write(path, lambda f: f.write(text))


def run_point(
    cfg: Mapping[str, Any], sweep_dir: Path, overrides: Sequence[str], job_label: str = ""
) -> tuple[str, bool]:
    """Run (or skip, if done) one sweep point. Returns (hash, whether it was run now)."""
    from sim.config.schema import validate
    from sim.engine.batch import run_batch

    run = validate(cfg)
    digest = point_hash(cfg)
    point_dir = Path(sweep_dir) / "points" / digest
    _register(sweep_dir, digest)
    for stale in point_dir.glob(".*.tmp"):  # left by a run that was killed mid-write
        stale.unlink(missing_ok=True)
    if (point_dir / "runs.csv").is_file() and (point_dir / "curves.csv").is_file():
        _progress(sweep_dir, job_label, skipped=True)
        return digest, False

    replicates, steps = run.replicates, run.steps
    seeds = replicate_seeds(run.seed, replicates)
    batch = run_batch(run, seeds, steps)
    swept = swept_values(overrides)
    figures = summaries(batch.curves)
    n_officials = batch.state.shape[1]
    runs_header = ["point", *swept, "replicate", "seed", *RUN_COLUMNS, "n_officials", "steps"]
    runs_columns = [
        [digest] * replicates,
        *([value] * replicates for value in swept.values()),
        np.arange(replicates),
        seeds,
        *(figures[c] for c in RUN_COLUMNS),
        [n_officials] * replicates,
        [steps] * replicates,
    ]
    steps_axis = np.arange(steps + 1)
    curves_header = ["point", "replicate", "seed", "step", *CURVE_COLUMNS]
    curves_columns = [
        [digest] * (replicates * (steps + 1)),
        np.repeat(np.arange(replicates), steps + 1),
        np.repeat(seeds, steps + 1),
        np.tile(steps_axis, replicates),
        *(
            batch.curves[c].T.ravel().astype(np.int64 if c.startswith("n_") else np.float64)
            for c in CURVE_COLUMNS
        ),
    ]
    resolved = {k: v for k, v in cfg.items() if k != "hydra"}
    atomic_write(
        point_dir / "config.yaml",
        lambda f: yaml.safe_dump(
            {"overrides": list(overrides), "replicate_seeds": seeds.tolist(), **resolved},
            f,
            sort_keys=False,
        ),
    )
    _write_text(point_dir / "curves.csv", _csv_text(curves_header, curves_columns))
    # runs.csv last: its presence (with curves.csv) marks the point as done
    _write_text(point_dir / "runs.csv", _csv_text(runs_header, runs_columns))
    _progress(sweep_dir, job_label, skipped=False, runs=replicates)
    return digest, True


# --- bookkeeping of one multirun: which points belong to it, progress ---------------------------
def _session_file(sweep_dir: Path) -> Path:
    return Path(sweep_dir) / STATE_DIR / "session.json"


def _register(sweep_dir: Path, digest: str) -> None:
    """Record that this multirun includes the point (one small file per point)."""
    session = _read_session(sweep_dir)
    folder = Path(sweep_dir) / STATE_DIR / f"points-{session.get('id', 'none')}"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / digest).touch()


def _read_session(sweep_dir: Path) -> dict[str, Any]:
    try:
        return json.loads(_session_file(sweep_dir).read_text())
    except (OSError, ValueError):
        return {}


def _progress(sweep_dir: Path, job_label: str, skipped: bool, runs: int = 0) -> None:
    """One line per finished point: points done, runs per second, time left."""
    session = _read_session(sweep_dir)
    state = Path(sweep_dir) / STATE_DIR
    kind = "skipped" if skipped else "done"
    (state / f"{kind}-{session.get('id', 'none')}").mkdir(parents=True, exist_ok=True)
    marker = state / f"{kind}-{session.get('id', 'none')}" / f"{os.getpid()}-{time.time_ns()}"
    marker.write_text(str(runs))
    done_dir = state / f"done-{session.get('id', 'none')}"
    skipped_dir = state / f"skipped-{session.get('id', 'none')}"
    done = list(done_dir.glob("*")) if done_dir.is_dir() else []
    n_skipped = len(list(skipped_dir.glob("*"))) if skipped_dir.is_dir() else 0
    total = session.get("total")
    elapsed = max(time.time() - session.get("started", time.time()), 1e-9)
    n_runs = sum(int(p.read_text() or 0) for p in done)
    finished = len(done) + n_skipped
    rate = n_runs / elapsed
    left = ""
    if total and done:
        remaining = max(total - finished, 0)
        left = f" | ~{remaining * elapsed / len(done):.0f} s left"
    of = f"/{total}" if total else ""
    print(
        f"[sweep] {finished}{of} points ({n_skipped} already done) | {n_runs} runs in "
        f"{elapsed:.1f} s, {rate:.0f} runs/s{left}" + (f" | {job_label}" if job_label else ""),
        file=sys.stderr,
        flush=True,
    )


def count_points(overrides: Sequence[str], sweeper_params: Mapping[str, Any] | None) -> int:
    """Number of jobs of a multirun: the product of the sweeps' lengths."""
    from hydra.core.override_parser.overrides_parser import OverridesParser

    parser = OverridesParser.create()
    texts = list(overrides) + [f"{k}={v}" for k, v in (sweeper_params or {}).items()]
    total = 1
    seen = set()
    for text in texts:
        override = parser.parse_overrides([text])[0]
        key = override.get_key_element()
        if key in seen or key.startswith("hydra"):
            continue  # a command-line value replaces the sweep file's
        seen.add(key)
        if override.is_sweep_override():
            total *= len(list(override.sweep_string_iterator()))
    return total


def merge(sweep_dir: Path, digests: Sequence[str]) -> tuple[Path, Path]:
    """Concatenate the points' tables into the sweep's ``runs.csv`` and ``curves.csv``."""
    sweep_dir = Path(sweep_dir)
    out = []
    for name in ("runs.csv", "curves.csv"):
        parts = [sweep_dir / "points" / d / name for d in sorted(set(digests))]
        parts = [p for p in parts if p.is_file()]

        def write(f, parts=parts):
            header_written = False
            for part in parts:
                with open(part, encoding="utf-8") as src:
                    header = src.readline()
                    if not header_written:
                        f.write(header)
                        header_written = True
                    for block in iter(lambda src=src: src.read(1 << 20), ""):
                        f.write(block)

        atomic_write(sweep_dir / name, write)
        out.append(sweep_dir / name)
    return out[0], out[1]


try:  # the callback needs Hydra; the rest of this module does not
    from hydra.experimental.callback import Callback
except ImportError:  # pragma: no cover
    Callback = object  # type: ignore[misc,assignment]


class SweepCallback(Callback):
    """Hydra callback: counts a multirun's points at its start, merges its tables at its end."""

    def on_multirun_start(self, config, **kwargs) -> None:
        sweep_dir = Path(config.hydra.sweep.dir)
        (sweep_dir / STATE_DIR).mkdir(parents=True, exist_ok=True)
        for stale in sweep_dir.glob(".*.tmp"):  # a merge killed mid-write
            stale.unlink(missing_ok=True)
        try:
            total = count_points(
                list(config.hydra.overrides.task), dict(config.hydra.sweeper.get("params") or {})
            )
        except Exception:  # progress is a convenience: never fail a sweep over it
            total = None
        session = {"id": str(time.time_ns()), "started": time.time(), "total": total}
        atomic_write(_session_file(sweep_dir), lambda f: f.write(json.dumps(session)))

    def on_multirun_end(self, config, **kwargs) -> None:
        sweep_dir = Path(config.hydra.sweep.dir)
        session = _read_session(sweep_dir)
        folder = sweep_dir / STATE_DIR / f"points-{session.get('id', 'none')}"
        digests = [p.name for p in folder.glob("*")] if folder.is_dir() else []
        if not digests:
            return
        runs, curves = merge(sweep_dir, digests)
        print(f"[sweep] {len(digests)} points: {runs} and {curves}", file=sys.stderr, flush=True)
