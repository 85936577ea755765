"""Helpers shared by the figure scripts: run replicates, save figures with their data."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sim.analysis.plots import save_figure  # noqa: E402
from sim.analysis.summary import summaries  # noqa: E402
from sim.config.compose import compose_config  # noqa: E402
from sim.config.schema import Run, validate  # noqa: E402
from sim.engine.batch import BatchResult, run_batch  # noqa: E402
from sim.files import atomic_write  # noqa: E402
from sim.run.sweep import replicate_seeds  # noqa: E402

FIGURES = ROOT / "figures"
#: The scenario the studies of mechanisms run on unless an override names another: the
#: sources' story with assumed values, where officials tip (ODD.md 7.6). The calibrated
#: syria_2012 has its own study, syria_record.py.
STUDY_SCENARIO = "scenario=syria_stylized"


def study_overrides(overrides: Sequence[str]) -> list[str]:
    """``overrides`` on the studies' scenario, unless they name a scenario themselves."""
    if any(str(o).startswith("scenario=") for o in overrides):
        return list(overrides)
    return [STUDY_SCENARIO, *overrides]


def replicates(
    overrides: Sequence[str], n: int, seed: int = 0, details: bool = False
) -> tuple[Run, BatchResult]:
    """Run ``n`` replicates of ``python -m sim <overrides>`` on the studies' scenario
    (:func:`study_overrides`; batched engine)."""
    run = validate(compose_config(*study_overrides(overrides)))
    return run, run_batch(run, replicate_seeds(seed, n), details=details)


def replicates_of(run: Run, n: int, seed: int = 0, **model: float) -> BatchResult:
    """Like :func:`replicates`, for a checked config with some model parameters changed
    (composing once and varying the parameters is much faster than composing per point)."""
    return run_batch(run.with_model(**model), replicate_seeds(seed, n))


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
