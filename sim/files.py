"""Atomic file writing: a reader never sees a half-written file under its final name."""

from __future__ import annotations

import csv
import io
import os
import tempfile
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any


def atomic_write(path: Path, write: Callable[[io.TextIOBase], None] | bytes) -> None:
    """Write ``path`` through a temporary file in the same folder, then rename it.

    ``os.replace`` is atomic on POSIX within one file system: if the process dies, the
    final name holds either nothing or the complete file, never a part of it.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        if isinstance(write, bytes):
            with os.fdopen(fd, "wb") as f:
                f.write(write)
        else:
            with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
                write(f)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_csv(path: Path, rows: Sequence[Mapping[str, Any]], columns: Sequence[str]) -> None:
    """Write rows (dicts) as CSV with the given column order, atomically."""

    def write(f: io.TextIOBase) -> None:
        writer = csv.DictWriter(f, fieldnames=list(columns), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)

    atomic_write(path, write)
