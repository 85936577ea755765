"""The results store of a sweep: one folder, one Parquet file per point, one dataset.

Layout of a sweep folder (README.md, "Sweeps")::

    <folder>/sweep.json            what the folder holds: the swept parameters, the rest
                                   of the config, the model version, the input files
    <folder>/runs/<point>.parquet  one row per run (replicate) of the point
    <folder>/curves/<point>.parquet  one row per run and step
    <folder>/configs/<point>.json  the point's resolved config and replicate seeds
    <folder>/.lock                 held by the process that is writing the folder
    <folder>/runs.csv, curves.csv  the same tables as CSV (``output.tables=csv|both``)

Each folder of Parquet files is one dataset, read in one line::

    pandas.read_parquet("multirun/reference/runs")   # polars: ".../runs/*.parquet"

Both tables carry the swept parameters as columns (named by their config key; a key
that is also a result column, ``seed`` or ``steps``, becomes ``config.seed``,
``config.steps``), the point's hash and the replicate's seed; each file's Parquet
metadata holds the point's resolved config and replicate seeds.

Safety (issue 15): a point's files are fsynced before they are renamed into place, and
``runs/<point>.parquet`` is written last, so a point counts as done only when both tables
are whole (a kill at any moment loses at most the points being computed); one process at
a time writes a folder (an ``flock`` on ``.lock``; a second one is refused with one line
naming the process); a folder holds one sweep and refuses another (other parameters, or
the same parameters on another config, model version or input file), before anything
is written; a full disk gives one line and leaves no partial file.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import io
import json
import os
import socket
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from sim.errors import ConfigError
from sim.files import atomic_write

#: result columns of the tables; a swept key with one of these names gets ``config.``
RUNS_LEAD = ["point", "replicate", "seed"]
RUNS_TAIL = ["n_officials", "steps"]
CURVE_COLUMNS = ["share_defected", "n_preparing", "n_arrested", "perceived_survival", "n_defected"]
RESERVED = {"point", "replicate", "seed", "step", "steps", "n_officials", *CURVE_COLUMNS}
#: config keys that do not change a point's results
NOT_RESULTS = {"hydra", "output", "sweep_name", "sample"}
MANIFEST = "sweep.json"
LOCK = ".lock"
META = b"defection_sim"


def parameter_column(key: str) -> str:
    """The column of a swept config key: the key itself, or ``config.<key>`` where the key
    is also a result column (``seed``, ``steps``)."""
    from sim.analysis.summary import RUN_COLUMNS

    return f"config.{key}" if key in RESERVED or key in RUN_COLUMNS else key


# --- what a point's results depend on ---------------------------------------------------------
@lru_cache(maxsize=1)
def model_version() -> str:
    """The package version and a digest of the model's source (sim/core, sim/engine,
    sim/world): a point computed by other code is another point."""
    from sim import __version__

    root = Path(__file__).resolve().parents[1]
    digest = hashlib.sha256()
    for folder in ("core", "engine", "world"):
        for path in sorted((root / folder).glob("*.py")):
            digest.update(path.name.encode())
            digest.update(path.read_bytes())
    return f"{__version__}+{digest.hexdigest()[:12]}"


def input_files(cfg: Mapping[str, Any]) -> dict[str, str]:
    """The input files a config reads, by key, each with a digest of its contents."""
    from sim.config.schema import resolve_path

    out = {}
    path = cfg.get("events_file")
    if isinstance(path, str) and path:
        p = resolve_path(path)
        try:
            out["events_file"] = hashlib.sha256(p.read_bytes()).hexdigest()[:16]
        except OSError:
            out["events_file"] = "unreadable"
    return out


def results_config(cfg: Mapping[str, Any]) -> dict[str, Any]:
    """The part of a resolved config that determines results, with the contents of its
    input files and the model version."""
    keep = {k: v for k, v in cfg.items() if k not in NOT_RESULTS}
    keep["__inputs__"] = input_files(cfg)
    keep["__model__"] = model_version()
    return keep


def point_hash(cfg: Mapping[str, Any]) -> str:
    """A hash of everything that determines a point's results: its config (not its output
    options), the contents of its input files and the model version."""
    text = json.dumps(results_config(cfg), sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def get_path(cfg: Mapping[str, Any], key: str) -> Any:
    node: Any = cfg
    for part in key.split("."):
        node = node[part]
    return node


def _without(cfg: Mapping[str, Any], keys: Sequence[str]) -> dict[str, Any]:
    """A deep copy of the results config without the swept keys."""
    out = json.loads(json.dumps(results_config(cfg), default=str))
    for key in keys:
        *parents, last = key.split(".")
        node = out
        for part in parents:
            node = node.get(part, {}) if isinstance(node, dict) else {}
        if isinstance(node, dict):
            node.pop(last, None)
    return out


def _first_difference(a: Any, b: Any, prefix: str = "") -> tuple[str, Any, Any] | None:
    if isinstance(a, dict) and isinstance(b, dict):
        for k in sorted(set(a) | set(b), key=str):
            found = _first_difference(a.get(k), b.get(k), f"{prefix}.{k}" if prefix else str(k))
            if found:
                return found
        return None
    return None if a == b else (prefix, a, b)


class FolderError(ConfigError):
    """A sweep folder that cannot take this sweep (one line, with the folder's full path)."""

    def _text(self) -> str:
        return f"sweep folder {self.value}: {self.problem}; allowed: {self.allowed}"


# --- the folder --------------------------------------------------------------------------------
class SweepFolder:
    """A sweep's folder: its manifest, lock, and one Parquet file per point and table."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.runs = self.path / "runs"
        self.curves = self.path / "curves"
        self.configs = self.path / "configs"

    def __repr__(self) -> str:
        return f"SweepFolder({str(self.path)!r})"

    # the manifest: which sweep this folder holds
    def manifest(self) -> dict[str, Any] | None:
        try:
            return json.loads((self.path / MANIFEST).read_text())
        except FileNotFoundError:
            return None
        except (OSError, ValueError):
            return {"unreadable": True}

    def check(self, parameters: Sequence[str], base: Mapping[str, Any], free: bool = True) -> None:
        """Refuse (ConfigError, nothing written) if the folder holds another sweep, or if
        another process is writing it (``free``)."""
        if free:
            self._check_free()
        held = self.manifest()
        if held is None:
            if self.path.exists() and any(self.runs.glob("*.parquet")):
                raise self._refuse("holds results but no sweep.json", "an empty or new folder")
            return
        if held.get("unreadable"):
            raise self._refuse("has an unreadable sweep.json", "a folder with a valid sweep.json")
        have, want = list(held.get("parameters", [])), list(parameters)
        if sorted(have) != sorted(want):
            raise self._refuse(
                f"holds a sweep of ({', '.join(have) or 'nothing'}), not of "
                f"({', '.join(want) or 'nothing'})",
                "another folder (sweep_name=NAME, hydra.sweep.dir=PATH or folder=PATH)",
            )
        mine = _without(base, want)
        found = _first_difference(held.get("config", {}), mine)
        if found:
            key, there, here = found
            what = {"__model__": "model version", "__inputs__.events_file": "events_file contents"}
            name = what.get(key, key)
            raise self._refuse(
                f"holds a sweep with {name}={_short(there)}, not {_short(here)}",
                "another folder for another sweep (same parameters, config, model and input "
                "files to resume one)",
            )

    def _refuse(self, problem: str, allowed: str) -> ConfigError:
        return FolderError("folder", str(self.path), allowed, problem)

    def _check_free(self) -> None:
        lock = self.path / LOCK
        if not lock.exists():
            return
        fd = os.open(lock, os.O_RDONLY)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
            except BlockingIOError:
                raise self._busy(lock) from None
            fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)

    def _busy(self, lock: Path) -> ConfigError:
        try:
            holder = json.loads(lock.read_text() or "{}")
        except (OSError, ValueError):
            holder = {}
        who = f"process {holder.get('pid', '?')} on {holder.get('host', '?')}"
        if holder.get("command"):
            who += f" ({_short(holder['command'])})"
        return FolderError(
            "folder",
            str(self.path),
            "a folder no other sweep is writing (wait for it, or choose another folder)",
            f"in use by {who}",
        )

    @contextlib.contextmanager
    def claim(self, parameters: Sequence[str], base: Mapping[str, Any]) -> Iterator[None]:
        """Hold the folder's lock, check it holds this sweep (or nothing) and record the
        sweep in ``sweep.json``; clean what a killed run left."""
        self.check(parameters, base)  # before anything is created
        self.path.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path / LOCK, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise self._busy(self.path / LOCK) from None
            holder = {
                "pid": os.getpid(),
                "host": socket.gethostname(),
                "command": " ".join([Path(sys.argv[0]).name, *sys.argv[1:]]),
                "since": time.strftime("%Y-%m-%d %H:%M:%S"),
            }
            os.ftruncate(fd, 0)
            os.pwrite(fd, json.dumps(holder).encode(), 0)
            self.check(parameters, base, free=False)  # again, now that no one else can write
            if self.manifest() is None:
                manifest = {
                    "parameters": list(parameters),
                    "config": _without(base, parameters),
                    "created": time.strftime("%Y-%m-%d %H:%M:%S"),
                }
                atomic_write(self.path / MANIFEST, lambda f: f.write(json.dumps(manifest)))
            self.clean()
            yield
        finally:
            os.close(fd)  # releases the lock (so does the process's death)

    def clean(self) -> None:
        """Remove temporary files and curves without their runs (a killed write)."""
        for folder in (self.path, self.runs, self.curves, self.configs):
            for stale in folder.glob(".*.tmp"):
                stale.unlink(missing_ok=True)
        for curves in self.curves.glob("*.parquet"):
            if not (self.runs / curves.name).is_file():
                curves.unlink(missing_ok=True)

    # points
    def done(self, digest: str) -> bool:
        return (self.runs / f"{digest}.parquet").is_file() and (
            self.curves / f"{digest}.parquet"
        ).is_file()

    def points(self) -> list[str]:
        return sorted(p.stem for p in self.runs.glob("*.parquet") if self.done(p.stem))

    def write_point(self, digest: str, runs: Any, curves: Any, config: Mapping[str, Any]) -> None:
        """Write a point's tables (pyarrow Tables) and config; runs last (the point is
        done when its runs file exists). On failure, nothing of the point is kept."""
        meta = json.dumps(config, default=str)
        try:
            atomic_write(self.configs / f"{digest}.json", meta.encode())
            atomic_write(self.curves / f"{digest}.parquet", _parquet_bytes(curves, meta))
            atomic_write(self.runs / f"{digest}.parquet", _parquet_bytes(runs, meta))
        except BaseException:
            (self.curves / f"{digest}.parquet").unlink(missing_ok=True)
            raise

    def tables(self, points: Sequence[str] | None = None) -> tuple[Any, Any]:
        """The runs and curves tables (pandas) of the given points (default: all done)."""
        import pandas as pd

        names = self.points() if points is None else list(dict.fromkeys(points))
        names = [d for d in names if self.done(d)]
        if not names:
            return pd.DataFrame(), pd.DataFrame()
        runs = pd.concat([_read(self.runs / f"{d}.parquet") for d in names], ignore_index=True)
        curves = pd.concat([_read(self.curves / f"{d}.parquet") for d in names], ignore_index=True)
        return runs, curves

    def export_csv(self, points: Sequence[str] | None = None) -> tuple[Path, Path]:
        """``runs.csv`` and ``curves.csv`` of the given points (default: all done)."""
        runs, curves = self.tables(points)
        out = []
        for name, table in (("runs.csv", runs), ("curves.csv", curves)):
            atomic_write(self.path / name, lambda f, t=table: t.to_csv(f, index=False))
            out.append(self.path / name)
        return out[0], out[1]


def _short(value: Any) -> str:
    text = json.dumps(value, default=str) if not isinstance(value, str) else value
    return text if len(text) <= 60 else text[:57] + "..."


def _parquet_bytes(table: Any, meta: str) -> bytes:
    import pyarrow.parquet as pq

    table = table.replace_schema_metadata({**(table.schema.metadata or {}), META: meta.encode()})
    sink = io.BytesIO()
    pq.write_table(table, sink, compression="zstd")
    return sink.getvalue()


def _read(path: Path) -> Any:
    import pyarrow.parquet as pq

    return pq.read_table(path).to_pandas()


# --- a point's tables ---------------------------------------------------------------------------
def point_tables(
    digest: str,
    parameters: Mapping[str, Any],
    seeds: np.ndarray,
    curves: Mapping[str, np.ndarray],
    n_officials: int,
    steps: int,
    extra: Mapping[str, Sequence[Any]] | None = None,
) -> tuple[Any, Any]:
    """The runs and curves tables (pyarrow) of one point's replicates.

    ``parameters``: swept key -> value (columns by :func:`parameter_column`); ``curves``:
    the batched engine's curves (steps + 1, R); ``extra``: more constant columns.
    """
    import pyarrow as pa

    from sim.analysis.summary import RUN_COLUMNS, summaries

    r = len(seeds)
    figures = summaries(curves)
    columns: dict[str, Any] = {"point": pa.array([digest] * r, pa.string())}
    for key, value in {**parameters, **(extra or {})}.items():
        columns[parameter_column(key)] = _constant(value, r)
    columns["replicate"] = pa.array(np.arange(r, dtype=np.int64))
    columns["seed"] = pa.array(np.asarray(seeds, dtype=np.int64))
    for c in RUN_COLUMNS:
        columns[c] = pa.array(np.asarray(figures[c]))
    columns["n_officials"] = pa.array(np.full(r, n_officials, dtype=np.int64))
    columns["steps"] = pa.array(np.full(r, steps, dtype=np.int64))
    runs = pa.table(columns)

    t = steps + 1
    rows = r * t
    cols: dict[str, Any] = {"point": pa.array([digest] * rows, pa.string())}
    for key, value in {**parameters, **(extra or {})}.items():
        cols[parameter_column(key)] = _constant(value, rows)
    cols["replicate"] = pa.array(np.repeat(np.arange(r, dtype=np.int64), t))
    cols["seed"] = pa.array(np.repeat(np.asarray(seeds, dtype=np.int64), t))
    cols["step"] = pa.array(np.tile(np.arange(t, dtype=np.int64), r))
    for c in CURVE_COLUMNS:
        values = np.asarray(curves[c]).T.ravel()
        cols[c] = pa.array(values.astype(np.int64 if c.startswith("n_") else np.float64))
    return runs, pa.table(cols)


def _constant(value: Any, n: int) -> Any:
    import pyarrow as pa

    if isinstance(value, bool):
        return pa.array(np.full(n, value, dtype=bool))
    if isinstance(value, int):
        return pa.array(np.full(n, value, dtype=np.int64))
    if isinstance(value, float):
        return pa.array(np.full(n, value, dtype=np.float64))
    return pa.array([str(value)] * n, pa.string())
