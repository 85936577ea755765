"""Helpers shared by the figure scripts: run replicates, save figures with their data."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sim.config import model_kwargs  # noqa: E402
from sim.engine import BatchResult, run_batch  # noqa: E402
from sim.files import atomic_write  # noqa: E402
from sim.plots import save_figure  # noqa: E402
from sim.runner import compose_config  # noqa: E402
from sim.sweep import replicate_seeds, summaries  # noqa: E402

FIGURES = ROOT / "figures"


def replicates(overrides: Sequence[str], n: int, seed: int = 0) -> tuple[dict, BatchResult]:
    """Run ``n`` replicates of the config ``python -m sim <overrides>`` (batched engine)."""
    cfg = compose_config(*overrides)
    return cfg, run_batch(model_kwargs(cfg), replicate_seeds(seed, n), cfg["steps"])


def replicates_of(cfg: dict, n: int, seed: int = 0, **model: float) -> BatchResult:
    """Like :func:`replicates`, for a composed config with some ``model`` keys changed
    (composing once and varying the dict is much faster than composing per point)."""
    from sim.config import validate_config

    point = {**cfg, "model": {**cfg["model"], **model}}
    validate_config(point)
    return run_batch(model_kwargs(point), replicate_seeds(seed, n), point["steps"])


def run_table(batch: BatchResult, **columns) -> pd.DataFrame:
    """One row per replicate: its seed, summary figures and the given constant columns."""
    figures = summaries(batch.curves)
    return pd.DataFrame({**columns, "seed": batch.seeds, **figures})


def save(fig, name: str, data: pd.DataFrame) -> None:
    """figures/<name>.png and .pdf, and the data behind it in figures/<name>.csv."""
    FIGURES.mkdir(exist_ok=True)
    # no creation date: the same data give the same bytes, and git sees real changes only
    fig.savefig(FIGURES / f"{name}.pdf", bbox_inches="tight", metadata={"CreationDate": None})
    save_figure(fig, FIGURES / f"{name}.png", dpi=140)
    atomic_write(FIGURES / f"{name}.csv", lambda f: data.to_csv(f, index=False))
    print(f"wrote figures/{name}.png, .pdf, .csv")
