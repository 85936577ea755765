"""Analysis of runs and sweeps, and the figures (no Mesa, no Hydra).

- :mod:`sim.analysis.summary`: the run summary (final share, steepest rise, ...);
- :mod:`sim.analysis.metrics`: per run, across replicates, tipping points of sweeps;
- :mod:`sim.analysis.meanfield`: the homogeneous mean field of the model's rule;
- :mod:`sim.analysis.plots`: figures, as functions that take an Axes.
"""

from sim.analysis.meanfield import FixedPoint, MeanField, bifurcation, fold_points
from sim.analysis.metrics import (
    RUN_KEYS,
    TippingPoint,
    cascade_probability,
    crossing_step,
    late_defector_share,
    mean_curve,
    run_metrics,
    tipping_point,
    wilson_interval,
)
from sim.analysis.summary import RUN_COLUMNS, Summary, steepest_rise, summaries

__all__ = [
    "RUN_COLUMNS",
    "RUN_KEYS",
    "FixedPoint",
    "MeanField",
    "Summary",
    "TippingPoint",
    "bifurcation",
    "cascade_probability",
    "crossing_step",
    "fold_points",
    "late_defector_share",
    "mean_curve",
    "run_metrics",
    "steepest_rise",
    "summaries",
    "tipping_point",
    "wilson_interval",
]
