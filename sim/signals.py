"""Public signals: what every official can read off the state of the regime at step t.

Pure NumPy and shared by every engine: the aggregates are summed in official_id order
with ``np.bincount``, so any engine that calls these functions gets the same floats.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from sim import rule
from sim.schedule import RebellionSchedule


@dataclass(frozen=True)
class SurvivalParameters:
    """Parameters of the perceived-survival and rebellion-feedback submodels (ODD 7.1)."""

    initial_survival: float = 0.9
    survival_defection_sensitivity: float = 0.0
    survival_rebellion_sensitivity: float = 0.0
    rebellion_feedback_weight: float = 0.0


@dataclass(frozen=True)
class Signals:
    """The public state at one step.

    Attributes:
        n_defected, n_preparing, n_arrested: head counts.
        share_defected: n_defected / number of officials.
        weighted_defected_share: D_t, defections weighted by rank weight, in [0, 1].
        tribe_defected_weight, tribe_total_weight: rank-weight sums per tribe.
        rebellion: intensity per region, in [0, 1].
        mean_rebellion: R̄_t, mean of ``rebellion`` over regions.
        survival: p_t, the regime's perceived survival.
    """

    n_defected: int
    n_preparing: int
    n_arrested: int
    share_defected: float
    weighted_defected_share: float
    tribe_defected_weight: np.ndarray
    tribe_total_weight: np.ndarray
    rebellion: np.ndarray
    mean_rebellion: float
    survival: float

    def tribe_share(self, tribe: int, rank_weight: float, defected: bool) -> float:
        """Rank-weighted share of the *rest* of a tribe that has defected (0 if alone)."""
        others = self.tribe_total_weight[tribe] - rank_weight
        if others <= 0.0:
            return 0.0
        return float(
            (self.tribe_defected_weight[tribe] - (rank_weight if defected else 0.0)) / others
        )


def compute_signals(
    step: int,
    defected: np.ndarray,
    preparing: np.ndarray,
    arrested: np.ndarray,
    rank_weight: np.ndarray,
    tribe: np.ndarray,
    region: np.ndarray,
    n_tribes: int,
    schedule: RebellionSchedule,
    rebellion_shock: np.ndarray,
    survival_shock: float,
    params: SurvivalParameters,
) -> Signals:
    """Aggregate the officials' states (boolean arrays in official_id order) into Signals."""
    n = len(defected)
    n_regions = len(schedule.regions)
    defected_weight = np.where(defected, rank_weight, 0.0)
    # math.fsum is correctly rounded, so the totals do not depend on summation order
    total_weight = math.fsum(rank_weight)
    weighted_share = math.fsum(defected_weight) / total_weight if total_weight > 0 else 0.0
    region_total = np.bincount(region, rank_weight, minlength=n_regions)
    region_defected = np.bincount(region, defected_weight, minlength=n_regions)
    region_share = np.divide(
        region_defected, region_total, out=np.zeros(n_regions), where=region_total > 0
    )
    rebellion = np.array(
        [
            rule.rebellion_intensity(
                schedule.steps[r],
                schedule.levels[r],
                step,
                float(rebellion_shock[r]),
                float(region_share[r]),
                params.rebellion_feedback_weight,
            )
            for r in range(n_regions)
        ]
    )
    mean_rebellion = float(rebellion.mean()) if n_regions else 0.0
    survival = float(
        rule.perceived_survival(
            params.initial_survival,
            weighted_share,
            mean_rebellion,
            survival_shock,
            params.survival_defection_sensitivity,
            params.survival_rebellion_sensitivity,
        )
    )
    n_defected = int(defected.sum())
    return Signals(
        n_defected=n_defected,
        n_preparing=int(preparing.sum()),
        n_arrested=int(arrested.sum()),
        share_defected=n_defected / n if n else 0.0,
        weighted_defected_share=weighted_share,
        tribe_defected_weight=np.bincount(tribe, defected_weight, minlength=n_tribes),
        tribe_total_weight=np.bincount(tribe, rank_weight, minlength=n_tribes),
        rebellion=rebellion,
        mean_rebellion=mean_rebellion,
        survival=survival,
    )
