"""Run one configured scenario end to end and write its outputs.

The only module that knows the config layout (with :mod:`sim.config`). Outputs, the
project's public schema (README.md, "Outputs"):

- ``timeseries.csv``: one row per step.
- ``officials.csv``: one row per official.
- ``events.csv``: every change of state (the event feed).
- ``config.yaml``: the resolved config, seed included.
- ``cascade.png``: share defected over time by role, with the scheduled events marked.

Every file is written to a temporary name and renamed into place, so an interrupted
run never leaves a half-written file under a final name.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from sim.config import model_kwargs, validate_config
from sim.files import atomic_write, write_csv


@dataclass(frozen=True)
class Summary:
    """The headline figures of one run."""

    final_share: float
    steepest_rise_step: int | None  # step whose share rose most from the step before
    steepest_rise: float
    peak_preparing: int
    peak_preparing_step: int
    final_arrested: int

    def line(self, label: str = "", date_of: Callable[[int], Any] | None = None) -> str:
        def when(step: int | None) -> str:
            if step is None:
                return "none"
            return f"step {step}" + (f" ({date_of(step)})" if date_of else "")

        rise = (
            f"steepest rise at {when(self.steepest_rise_step)} (+{self.steepest_rise:.3f})"
            if self.steepest_rise_step is not None
            else "no rise"
        )
        prefix = f"{label}: " if label else ""
        return (
            f"{prefix}final share defected {self.final_share:.3f} | {rise} | "
            f"peak preparing {self.peak_preparing} at {when(self.peak_preparing_step)} | "
            f"arrested {self.final_arrested}"
        )


def summarize(rows: Sequence[Mapping[str, Any]]) -> Summary:
    """Headline figures from the rows of ``timeseries.csv``: the single-run case of
    :func:`sim.sweep.summaries`, which defines them."""
    from sim.sweep import summaries

    columns = ("share_defected", "n_preparing", "n_arrested", "perceived_survival")
    curves = {c: np.array([[float(r[c])] for r in rows]) for c in columns}
    figures = {k: v[0] for k, v in summaries(curves).items()}
    rise_at = int(figures["steepest_rise_step"])
    return Summary(
        final_share=float(figures["final_share"]),
        steepest_rise_step=None if rise_at < 0 else int(rows[rise_at]["step"]),
        steepest_rise=float(figures["steepest_rise"]),
        peak_preparing=int(figures["peak_preparing"]),
        peak_preparing_step=int(rows[int(figures["peak_preparing_step"])]["step"]),
        final_arrested=int(figures["final_arrested"]),
    )


@dataclass
class RunResult:
    """What :func:`run` produced: the model, its summary and the files written."""

    model: Any
    summary: Summary
    files: dict[str, Path]


def compose_config(*overrides: str) -> dict[str, Any]:
    """The resolved config of ``python -m sim <overrides>``, as a plain dict (no run folder).

    >>> compose_config("scenario=kuran_ten")["population"]["roles"]["official"]["count"]
    10
    """
    from hydra import compose, initialize_config_dir
    from omegaconf import OmegaConf

    from sim.cli import CONFIG_DIR, CONFIG_NAME

    with initialize_config_dir(str(CONFIG_DIR), version_base="1.3", job_name="sim"):
        cfg = compose(CONFIG_NAME, overrides=list(overrides))
    return OmegaConf.to_container(cfg, resolve=True)


def simulate(cfg: Mapping[str, Any]):
    """Validate ``cfg`` (a resolved config dict), build the model and run all its steps."""
    validate_config(cfg)
    from sim.model import DefectionModel  # Mesa is imported only to run

    model = DefectionModel(**model_kwargs(cfg))
    for _ in range(cfg["steps"]):
        model.step()
    return model


def run(cfg: Mapping[str, Any], out_dir: Path, figure: bool | None = None) -> RunResult:
    """Run one scenario and write its outputs into ``out_dir``."""
    model = simulate(cfg)
    out_dir = Path(out_dir)
    rows = model.timeseries()
    files = {
        "timeseries": out_dir / "timeseries.csv",
        "officials": out_dir / "officials.csv",
        "events": out_dir / "events.csv",
        "config": out_dir / "config.yaml",
    }
    write_csv(files["timeseries"], rows, list(rows[0]))
    officials = model.officials_table()
    write_csv(files["officials"], officials, list(officials[0]) if officials else ["official_id"])
    write_csv(
        files["events"],
        model.event_log,
        ["step", "official_id", "name", "role", "from", "to", "scheduled"],
    )
    resolved = {k: v for k, v in cfg.items() if k != "hydra"}
    atomic_write(
        files["config"],
        lambda f: yaml.safe_dump(resolved, f, sort_keys=False, default_flow_style=None),
    )
    want_figure = (cfg.get("output") or {}).get("figure", True) if figure is None else figure
    if want_figure:
        from sim.plots import cascade_figure, save_figure

        fig = cascade_figure(
            rows,
            model.roles,
            model.events,
            title=cfg.get("scenario_title") or "Defection cascade",
            subtitle=f"seed {cfg['seed']}, {model.n_officials} officials",
            calendar=model.calendar,
        )
        files["figure"] = out_dir / "cascade.png"
        save_figure(fig, files["figure"])
    return RunResult(model, summarize(rows), files)
