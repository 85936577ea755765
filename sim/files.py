"""Atomic file writing: a reader never sees a half-written file under its final name,
and a file counts as written only once its bytes are on the disk (fsync)."""

from __future__ import annotations

import csv
import errno
import io
import os
import tempfile
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any


class DiskFullError(OSError):
    """The disk filled up while writing ``path``; nothing partial was left under its name."""

    def __init__(self, path: Path) -> None:
        super().__init__(
            errno.ENOSPC,
            f"no space left on the device writing {path}: nothing partial was kept; "
            "free some space and run the same command again to resume",
        )
        self.path = Path(path)

    def __str__(self) -> str:
        return self.strerror or ""

    def __reduce__(self):  # an error raised in a worker process reaches the parent whole
        return (DiskFullError, (self.path,))


def atomic_write(path: Path, write: Callable[[io.TextIOBase], None] | bytes) -> None:
    """Write ``path`` through a temporary file in the same folder, then rename it.

    The temporary file is flushed and fsynced before the rename, and the folder after
    it, so that a power cut leaves either nothing or the complete file under the final
    name (``os.replace`` is atomic on POSIX within one file system). A full disk raises
    :class:`DiskFullError` (one line) after removing the temporary file.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, 0o644)  # readable by all, as results are, not mkstemp's 0600
        if isinstance(write, bytes):
            with os.fdopen(fd, "wb") as f:
                _write_bytes(f, write)
                f.flush()
                os.fsync(f.fileno())
        else:
            with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
                write(f)
                f.flush()
                os.fsync(f.fileno())
        os.replace(tmp, path)
        sync_folder(path.parent)
    except BaseException as e:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(e, OSError) and e.errno == errno.ENOSPC and not isinstance(e, DiskFullError):
            raise DiskFullError(path) from None
        raise


def _write_bytes(f: io.BufferedWriter, data: bytes) -> None:
    f.write(data)


def sync_folder(folder: Path) -> None:
    """fsync a folder, so that a rename into it survives a power cut (POSIX only)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def write_csv(path: Path, rows: Sequence[Mapping[str, Any]], columns: Sequence[str]) -> None:
    """Write rows (dicts) as CSV with the given column order, atomically."""

    def write(f: io.TextIOBase) -> None:
        writer = csv.DictWriter(f, fieldnames=list(columns), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)

    atomic_write(path, write)
