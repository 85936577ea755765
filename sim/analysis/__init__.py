"""Analysis of runs and sweeps, and the figures (no Mesa, no Hydra).

- :mod:`sim.analysis.summary`: the run summary (final share, steepest rise, ...);
- :mod:`sim.analysis.metrics`: per run, across replicates, tipping points of sweeps;
- :mod:`sim.analysis.meanfield`: the homogeneous mean field of the model's rule;
- :mod:`sim.analysis.cascades`: Watts's cascade condition, Gleeson & Cahalane's fixed
  point, the heterogeneous mean field over a run's drawn officials;
- :mod:`sim.analysis.globalgame`: the global game of regime change, an exact benchmark;
- :mod:`sim.analysis.sensitivity`: Sobol indices of a sweep over a Sobol sample;
- :mod:`sim.analysis.plots`: figures, as functions that take an Axes.

The names below are loaded when first used, so that a sweep job, which needs only the
summary, does not import pandas and SciPy's optimizers.
"""

from __future__ import annotations

import importlib
from typing import Any

_WHERE = {
    "HeterogeneousMeanField": "cascades",
    "complete_graph_analogue": "cascades",
    "gleeson_cahalane": "cascades",
    "run_theory": "cascades",
    "watts_condition": "cascades",
    "watts_window": "cascades",
    "GlobalGame": "globalgame",
    "best_response_path": "globalgame",
    "FixedPoint": "meanfield",
    "MeanField": "meanfield",
    "bifurcation": "meanfield",
    "fold_points": "meanfield",
    "RUN_KEYS": "metrics",
    "PooledWarning": "metrics",
    "swept_columns": "metrics",
    "tipping_points": "metrics",
    "sobol_indices": "sensitivity",
    "plot_cascade_band": "plots",
    "plot_tipping_curve": "plots",
    "TippingPoint": "metrics",
    "cascade_probability": "metrics",
    "crossing_step": "metrics",
    "late_defector_share": "metrics",
    "mean_curve": "metrics",
    "run_metrics": "metrics",
    "tipping_point": "metrics",
    "wilson_interval": "metrics",
    "RUN_COLUMNS": "summary",
    "Summary": "summary",
    "steepest_rise": "summary",
    "summaries": "summary",
}
__all__ = sorted(_WHERE)


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module 'sim.analysis' has no attribute {name!r}")
    return getattr(importlib.import_module(f"sim.analysis.{_WHERE[name]}"), name)


def __dir__() -> list[str]:
    return __all__
