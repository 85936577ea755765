"""Run one configured scenario end to end with the Mesa agents and write its outputs.

Outputs, the project's public schema (README.md, "Outputs"):

- ``timeseries.csv``: one row per step.
- ``officials.csv``: one row per official.
- ``events.csv``: every change of state (the event feed).
- ``config.yaml``: the resolved config, seed included.
- ``cascade.png``: share defected over time by role, with the scheduled events marked.

Every file is written to a temporary name and renamed into place, so an interrupted
run never leaves a half-written file under a final name.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from sim.analysis.summary import Summary
from sim.config.schema import Run, validate
from sim.files import atomic_write, write_csv
from sim.world.tables import EVENT_COLUMNS

log = logging.getLogger(__name__)


@dataclass
class RunResult:
    """What :func:`run` produced: the model, its summary and the files written."""

    model: Any
    summary: Summary
    files: dict[str, Path]


def simulate(config: Run | Mapping[str, Any]):
    """Build the Mesa model of a config (checked here if it is a plain mapping) and run
    all its steps."""
    from sim.agents import DefectionModel  # Mesa is imported only to run

    run = validate(config)
    for event in run.scheduled_events:
        if event.step > run.steps:
            log.warning(
                "the event '%s' is at step %d, after the run's last step %d: it will not happen",
                event.label,
                event.step,
                run.steps,
            )
    _compile_notice()
    model = DefectionModel(run)
    for _ in range(run.steps):
        model.step()
    return model


def _compile_notice() -> None:
    """One line when the model's compiled functions have never been cached here (their
    first compilation takes about 20 s; numba caches them beside the source)."""
    import sys

    import sim.core

    cache = Path(sim.core.__file__).parent / "__pycache__"
    if not any(cache.glob("rule.*.nbi")):
        print(
            "[sim] compiling the model the first time (about 20 s; cached for next time)...",
            file=sys.stderr,
            flush=True,
        )


def run(
    config: Run | Mapping[str, Any],
    out_dir: Path,
    figure: bool | None = None,
    resolved: Mapping[str, Any] | None = None,
) -> RunResult:
    """Run one scenario and write its outputs into ``out_dir``.

    ``config`` is the resolved config (what ``config.yaml`` records), checked here, or a
    checked Run together with the ``resolved`` config it came from.
    """
    checked = validate(config)
    if resolved is None:
        if isinstance(config, Run):
            raise TypeError("run(<a checked Run>, ...) needs the resolved config it came from")
        resolved = config
    model = simulate(checked)
    out_dir = Path(out_dir)
    rows = model.timeseries()
    files = {
        "timeseries": out_dir / "timeseries.csv",
        "officials": out_dir / "officials.csv",
        "events": out_dir / "events.csv",
        "config": out_dir / "config.yaml",
    }
    write_csv(files["timeseries"], rows, ["step", *model.curve_names])
    officials = model.officials_table()
    write_csv(files["officials"], officials, list(officials[0]) if officials else ["official_id"])
    write_csv(files["events"], model.event_log, EVENT_COLUMNS)
    record = {k: v for k, v in resolved.items() if k != "hydra"}
    atomic_write(
        files["config"],
        lambda f: yaml.safe_dump(record, f, sort_keys=False, default_flow_style=None),
    )
    want_figure = checked.output.figure if figure is None else figure
    if want_figure:
        from sim.analysis.plots import cascade_figure, save_figure

        fig = cascade_figure(
            rows,
            model.roles,
            model.events,
            title=checked.scenario_title,
            subtitle=f"seed {checked.seed}, {model.n_officials} officials",
            calendar=model.calendar,
        )
        files["figure"] = out_dir / "cascade.png"
        save_figure(fig, files["figure"])
    return RunResult(model, Summary.of(rows), files)
