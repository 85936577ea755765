"""Public signals: what every official can read off the state of the regime at step t.

Pure NumPy/SciPy, shared by every engine. Arrays are *flat over replicate blocks*: with
R replicates of N officials, official i of replicate r is entry r * N + i. The Mesa
model calls these functions with R = 1, the batched engine with R > 1, so both get the
same floating-point results: group sums are sparse matrix-vector products whose rows
add their members in ``official_id`` order, whatever R is.
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
    """Sparse (groups x officials) 0/1 matrix of a flat code array (codes already offset
    per replicate block); ``membership(codes, G) @ values`` sums values per group,
    adding the members of each group in index order."""
    n = len(codes)
    matrix = sp.csr_matrix(
        (np.ones(n), (codes, np.arange(n))), shape=(n_groups, n), dtype=np.float64
    )
    matrix.sort_indices()
    return matrix


@dataclass(frozen=True)
class Groups:
    """Membership matrices of R replicate blocks of N officials.

    Attributes:
        n_replicates, n_officials: R and N.
        n_tribes, n_regions: T and G.
        everyone: (R x RN), one row per replicate.
        tribe: (RT x RN), row r * T + t is tribe t of replicate r.
        region: (RG x RN), row r * G + g is region g of replicate r.
        tribe_row, region_row: per official, the row of his tribe and region.
    """

    n_replicates: int
    n_officials: int
    n_tribes: int
    n_regions: int
    everyone: sp.csr_matrix
    tribe: sp.csr_matrix
    region: sp.csr_matrix
    tribe_row: np.ndarray
    region_row: np.ndarray

    @classmethod
    def build(
        cls, tribes: np.ndarray, regions: np.ndarray, n_tribes: int, n_regions: int
    ) -> Groups:
        """From (R, N) arrays of tribe and region codes (one row per replicate)."""
        tribes, regions = np.atleast_2d(tribes), np.atleast_2d(regions)
        r, n = tribes.shape
        block = np.repeat(np.arange(r), n)
        tribe_row = block * n_tribes + tribes.ravel()
        region_row = block * n_regions + regions.ravel()
        return cls(
            r,
            n,
            n_tribes,
            n_regions,
            membership(block, r),
            membership(tribe_row, r * n_tribes),
            membership(region_row, r * n_regions),
            tribe_row,
            region_row,
        )


@dataclass(frozen=True)
class WeightTotals:
    """Rank-weight totals per replicate, region (G, R) and tribe (R * T)."""

    everyone: np.ndarray
    region: np.ndarray
    tribe: np.ndarray

    @classmethod
    def of(cls, groups: Groups, rank_weight: np.ndarray) -> WeightTotals:
        r, g = groups.n_replicates, groups.n_regions
        return cls(
            groups.everyone @ rank_weight,
            (groups.region @ rank_weight).reshape(r, g).T,
            groups.tribe @ rank_weight,
        )


@dataclass(frozen=True)
class Signals:
    """The public state at one step, one value per replicate.

    Attributes:
        n_defected, n_preparing, n_arrested: head counts, shape (R,).
        share_defected: n_defected / N, shape (R,).
        weighted_defected_share: D_t, defections weighted by rank weight, shape (R,).
        tribe_defected_weight, tribe_total_weight: rank-weight sums, shape (R * T,).
        rebellion: intensity per region, shape (G, R).
        mean_rebellion: R̄_t, shape (R,).
        survival: p_t, shape (R,).
    """

    n_defected: np.ndarray
    n_preparing: np.ndarray
    n_arrested: np.ndarray
    share_defected: np.ndarray
    weighted_defected_share: np.ndarray
    tribe_defected_weight: np.ndarray
    tribe_total_weight: np.ndarray
    rebellion: np.ndarray
    mean_rebellion: np.ndarray
    survival: np.ndarray


def tribe_share(
    tribe_defected_weight: float, tribe_total_weight: float, rank_weight: float, defected: bool
) -> float:
    """Rank-weighted share of the *rest* of one official's tribe that has defected (0 if
    the rest has no weight). The batched engine's kernel does the same operations."""
    others = tribe_total_weight - rank_weight
    mine = rank_weight * defected
    return float((tribe_defected_weight - mine) / others) if others > 0.0 else 0.0


def sequential_mean(rows: np.ndarray) -> np.ndarray:
    """Mean over the first axis, added row by row (the same order for any R)."""
    total = rows[0].copy()
    for row in rows[1:]:
        total = total + row
    return total / len(rows)


@dataclass(frozen=True)
class Tallies:
    """Sums and counts of one step: defected rank weight per replicate (R,), per tribe
    (R * T,) and per region (R * G,), and head counts per replicate (R,)."""

    defected_weight: np.ndarray
    tribe_defected_weight: np.ndarray
    region_defected_weight: np.ndarray
    n_defected: np.ndarray
    n_preparing: np.ndarray
    n_arrested: np.ndarray


def tally(
    defected: np.ndarray,
    preparing: np.ndarray,
    arrested: np.ndarray,
    rank_weight: np.ndarray,
    groups: Groups,
) -> Tallies:
    """Group sums in ``official_id`` order (sparse products). The batched engine's kernel
    adds only the defected officials, in the same order: the same floats, because adding
    the +0.0 of a loyal official leaves a non-negative running sum unchanged."""
    r, n = groups.n_replicates, groups.n_officials
    defected_weight = np.where(defected, rank_weight, 0.0)
    return Tallies(
        defected_weight=groups.everyone @ defected_weight,
        tribe_defected_weight=groups.tribe @ defected_weight,
        region_defected_weight=groups.region @ defected_weight,
        n_defected=defected.reshape(r, n).sum(axis=1),
        n_preparing=preparing.reshape(r, n).sum(axis=1),
        n_arrested=arrested.reshape(r, n).sum(axis=1),
    )


def compute_signals(
    defected: np.ndarray,
    preparing: np.ndarray,
    arrested: np.ndarray,
    rank_weight: np.ndarray,
    groups: Groups,
    scheduled_rebellion: np.ndarray,
    rebellion_shock: np.ndarray,
    survival_shock: np.ndarray,
    params: SurvivalParameters,
    totals: WeightTotals | None = None,
) -> Signals:
    """Aggregate flat state arrays (R * N, in replicate blocks) into Signals.

    Args:
        defected, preparing, arrested: boolean arrays of length R * N.
        rank_weight: float array of length R * N.
        groups: the membership matrices.
        scheduled_rebellion: the exogenous schedule's level per region at this step, (G,).
        rebellion_shock: accumulated shocks, (G, R).
        survival_shock: accumulated shifts of the log-odds of survival, (R,).
        params: the survival and feedback parameters.
        totals: the rank-weight totals of ``rank_weight`` if already known (they change
            only when an event changes a rank weight); computed here otherwise.
    """
    return signals_from_tallies(
        tally(defected, preparing, arrested, rank_weight, groups),
        totals or WeightTotals.of(groups, rank_weight),
        groups,
        scheduled_rebellion,
        rebellion_shock,
        survival_shock,
        params,
    )


def signals_from_tallies(
    tallies: Tallies,
    totals: WeightTotals,
    groups: Groups,
    scheduled_rebellion: np.ndarray,
    rebellion_shock: np.ndarray,
    survival_shock: np.ndarray,
    params: SurvivalParameters,
) -> Signals:
    """Shares, rebellion and perceived survival from the step's tallies (ODD 7.1)."""
    r, n, g = groups.n_replicates, groups.n_officials, groups.n_regions
    total_weight = totals.everyone
    weighted_share = np.divide(
        tallies.defected_weight, total_weight, out=np.zeros(r), where=total_weight > 0
    )
    region_total = totals.region
    region_defected = tallies.region_defected_weight.reshape(r, g).T
    region_share = np.divide(
        region_defected, region_total, out=np.zeros((g, r)), where=region_total > 0
    )
    rebellion = rule.rebellion_intensity(
        scheduled_rebellion[:, None],
        rebellion_shock,
        region_share,
        params.rebellion_feedback_weight,
    )
    mean_rebellion = sequential_mean(rebellion) if g else np.zeros(r)
    survival = rule.perceived_survival(
        params.initial_survival,
        weighted_share,
        mean_rebellion,
        survival_shock,
        params.survival_defection_sensitivity,
        params.survival_rebellion_sensitivity,
    )
    return Signals(
        n_defected=tallies.n_defected,
        n_preparing=tallies.n_preparing,
        n_arrested=tallies.n_arrested,
        share_defected=tallies.n_defected / n if n else np.zeros(r),
        weighted_defected_share=weighted_share,
        tribe_defected_weight=tallies.tribe_defected_weight,
        tribe_total_weight=totals.tribe,
        rebellion=rebellion,
        mean_rebellion=mean_rebellion,
        survival=survival,
    )
