"""Public signals: what every official can read off the state of the regime at step t.

Pure NumPy/SciPy, used by the Mesa model (:mod:`sim.model`). Group sums are sparse
matrix-vector products, whose rows add their members in ``official_id`` order; the
batched engine (:mod:`sim.kernels`) computes the same numbers with the same operations
in the same order.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from sim import rule


@dataclass(frozen=True)
class SurvivalParameters:
    """Parameters of the perceived-survival and rebellion-feedback submodels (ODD 7.1)."""

    initial_survival: float = 0.9
    survival_defection_sensitivity: float = 0.0
    survival_rebellion_sensitivity: float = 0.0
    rebellion_feedback_weight: float = 0.0


def membership(codes: np.ndarray, n_groups: int) -> sp.csr_matrix:
    """Sparse (groups x officials) 0/1 matrix of a code array; ``membership(codes, G) @
    values`` sums values per group, adding the members of each group in index order."""
    n = len(codes)
    matrix = sp.csr_matrix(
        (np.ones(n), (codes, np.arange(n))), shape=(n_groups, n), dtype=np.float64
    )
    matrix.sort_indices()
    return matrix


@dataclass(frozen=True)
class Groups:
    """Membership matrices: everyone (1 x N), tribes (T x N) and home regions (G x N)."""

    everyone: sp.csr_matrix
    tribe: sp.csr_matrix
    region: sp.csr_matrix

    @classmethod
    def build(
        cls, tribes: np.ndarray, regions: np.ndarray, n_tribes: int, n_regions: int
    ) -> Groups:
        """From the officials' tribe and region codes."""
        return cls(
            membership(np.zeros(len(tribes), dtype=np.int64), 1),
            membership(tribes, n_tribes),
            membership(regions, n_regions),
        )


@dataclass(frozen=True)
class Signals:
    """The public state at one step.

    Attributes:
        n_defected, n_preparing, n_arrested: head counts.
        share_defected: n_defected / N.
        weighted_defected_share: D_t, defections weighted by rank weight.
        tribe_defected_weight, tribe_total_weight: rank-weight sums per tribe, (T,).
        rebellion: intensity per region, (G,).
        mean_rebellion: R̄_t.
        survival: p_t.
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


def tribe_share(
    tribe_defected_weight: float, tribe_total_weight: float, rank_weight: float, defected: bool
) -> float:
    """Rank-weighted share of the *rest* of one official's tribe that has defected (0 if
    the rest has no weight). The batched engine's kernel does the same operations."""
    others = tribe_total_weight - rank_weight
    mine = rank_weight * defected
    return float((tribe_defected_weight - mine) / others) if others > 0.0 else 0.0


def compute_signals(
    defected: np.ndarray,
    preparing: np.ndarray,
    arrested: np.ndarray,
    rank_weight: np.ndarray,
    groups: Groups,
    scheduled_rebellion: np.ndarray,
    rebellion_shock: np.ndarray,
    survival_shock: float,
    params: SurvivalParameters,
) -> Signals:
    """Shares, rebellion and perceived survival from the officials' states (ODD 7.1).

    Args:
        defected, preparing, arrested: boolean arrays, one entry per official.
        rank_weight: the officials' rank weights.
        groups: the membership matrices.
        scheduled_rebellion: the exogenous schedule's level per region at this step, (G,).
        rebellion_shock: accumulated shocks per region, (G,).
        survival_shock: accumulated shifts of the log-odds of survival.
        params: the survival and feedback parameters.
    """
    defected_weight = np.where(defected, rank_weight, 0.0)
    total_weight = (groups.everyone @ rank_weight)[0]
    weighted_share = (
        (groups.everyone @ defected_weight)[0] / total_weight if total_weight > 0 else 0.0
    )
    region_total = groups.region @ rank_weight
    region_share = np.divide(
        groups.region @ defected_weight,
        region_total,
        out=np.zeros(len(region_total)),
        where=region_total > 0,
    )
    rebellion = rule.rebellion_intensity(
        scheduled_rebellion, rebellion_shock, region_share, params.rebellion_feedback_weight
    )
    mean_rebellion = 0.0
    for j, level in enumerate(rebellion):  # added in region order, as the kernel does
        mean_rebellion = level if j == 0 else mean_rebellion + level
    if len(rebellion):
        mean_rebellion = mean_rebellion / len(rebellion)
    survival = rule.perceived_survival(
        params.initial_survival,
        weighted_share,
        mean_rebellion,
        survival_shock,
        params.survival_defection_sensitivity,
        params.survival_rebellion_sensitivity,
    )
    n_defected = int(defected.sum())
    return Signals(
        n_defected=n_defected,
        n_preparing=int(preparing.sum()),
        n_arrested=int(arrested.sum()),
        share_defected=n_defected / len(defected) if len(defected) else 0.0,
        weighted_defected_share=float(weighted_share),
        tribe_defected_weight=groups.tribe @ defected_weight,
        tribe_total_weight=groups.tribe @ rank_weight,
        rebellion=rebellion,
        mean_rebellion=float(mean_rebellion),
        survival=float(survival),
    )
