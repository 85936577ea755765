"""An empirical network from a file (``network.kind: edge_list``), read at the boundary.

Two formats, told apart by the file's extension:

- CSV (any other extension): a header with the columns ``source`` and ``target``, and an
  optional ``layer`` (any label; ties of one label form one layer, ODD 7.5); one tie a
  row;
- GraphML (``.graphml``, read with networkx): every edge is a tie (direction ignored),
  its ``layer`` attribute, if any, its layer.

An official is named by his ``official_id`` (an integer in [0, N)) or by the name of a
named official (``population.named``). What is done with imperfect input:

- a missing or unreadable file, a missing column, an unknown official, a tie of an
  official to himself: the one-line error (key ``network.file``), nothing is run;
- a tie listed twice (in either direction, in one layer): kept once; the number merged
  is returned as a note (the run logs it as a warning);
- officials with no tie at all: allowed (their peer signal stays 0), counted in a note.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from sim.errors import ConfigError

KEY = "network.file"
ALLOWED = "a CSV with columns source,target[,layer] (official ids or names) or a .graphml file"


@dataclass(frozen=True)
class EdgeFile:
    """The ties of an edge file, mapped to official ids.

    Attributes:
        source, target: the ties' ends (official ids), duplicates removed.
        layer: each tie's layer (an index into ``layer_names``).
        layer_names: the layers' labels in order of first appearance ("" if none given).
        notes: what was done with imperfect input (merged duplicates, isolated officials).
    """

    source: np.ndarray
    target: np.ndarray
    layer: np.ndarray
    layer_names: list[str]
    notes: list[str]


def _official(value: str, n: int, names: dict[str, int], path: str, where: str) -> int:
    text = str(value).strip()
    try:
        i = int(text)
    except ValueError:
        if text in names:
            return names[text]
        raise ConfigError(
            KEY,
            path,
            ALLOWED,
            f"{where}: unknown official '{text}' (ids 0..{n - 1} or a name of population.named)",
        ) from None
    if not 0 <= i < n:
        raise ConfigError(KEY, path, ALLOWED, f"{where}: unknown official id {i} (0..{n - 1})")
    return i


def _rows_csv(p: Path, path: str) -> list[tuple[str, str, str, str]]:
    try:
        with p.open(newline="", encoding="utf-8") as f:
            reader = csv.DictReader(f)
            fields = [c.strip() for c in reader.fieldnames or []]
            if "source" not in fields or "target" not in fields:
                raise ConfigError(KEY, path, ALLOWED, f"columns {fields or 'none'}")
            reader.fieldnames = fields
            rows = []
            for line, row in enumerate(reader, start=2):
                if row.get("source") is None or row.get("target") is None or None in row:
                    raise ConfigError(KEY, path, ALLOWED, f"line {line}: wrong number of fields")
                rows.append((row["source"], row["target"], row.get("layer") or "", f"line {line}"))
            return rows
    except (OSError, UnicodeDecodeError, csv.Error) as e:
        raise ConfigError(KEY, path, ALLOWED, f"unreadable ({type(e).__name__})") from None


def _rows_graphml(p: Path, path: str) -> list[tuple[str, str, str, str]]:
    import networkx as nx

    try:
        graph = nx.read_graphml(p)
    except Exception as e:  # networkx raises several kinds on a malformed file
        raise ConfigError(KEY, path, ALLOWED, f"unreadable GraphML ({type(e).__name__})") from None
    return [
        (str(u), str(v), str(data.get("layer", "")), f"edge {u}-{v}")
        for u, v, data in graph.edges(data=True)
    ]


def read_edge_file(path: str, n: int, named: Sequence[str], root: Path) -> EdgeFile:
    """The ties of ``path`` (relative to the current folder, else to ``root``) for N
    officials, the named ones last (ids N - len(named) ...); see the module docstring."""
    if not path:
        raise ConfigError(KEY, path, ALLOWED, "network.kind is edge_list but no file is given")
    p = Path(path)
    if not p.is_absolute() and not p.exists():
        p = root / p
    if not p.is_file():
        raise ConfigError(KEY, path, ALLOWED, "not found")
    rows = _rows_graphml(p, path) if p.suffix.lower() == ".graphml" else _rows_csv(p, path)
    names = {name: n - len(named) + j for j, name in enumerate(named)}
    src, dst, lay = [], [], []
    layer_names: dict[str, int] = {}
    for a, b, layer, where in rows:
        i, j = _official(a, n, names, path, where), _official(b, n, names, path, where)
        if i == j:
            raise ConfigError(
                KEY, path, ALLOWED, f"{where}: official {a} is tied to himself (a self-loop)"
            )
        src.append(min(i, j))
        dst.append(max(i, j))
        lay.append(layer_names.setdefault(layer, len(layer_names)))
    notes = []
    if src:
        codes = (np.array(lay, np.int64) * n + np.array(src, np.int64)) * n + np.array(dst)
        unique, first = np.unique(codes, return_index=True)
        merged = len(codes) - len(unique)
        if merged:
            notes.append(f"network.file {path}: {merged} duplicate ties kept once")
        keep = np.sort(first)
        source, target, layer_arr = (np.array(x, np.int64)[keep] for x in (src, dst, lay))
    else:
        source = target = layer_arr = np.zeros(0, np.int64)
    tied = np.zeros(n, bool)
    tied[source] = tied[target] = True
    if not tied.all():
        notes.append(
            f"network.file {path}: {int((~tied).sum())} of {n} officials have no tie "
            "(their peer signal stays 0)"
        )
    return EdgeFile(source, target, layer_arr, list(layer_names) or [""], notes)
