"""The run summary: the headline figures of a run, defined once.

Used for the one-line summary of ``python -m sim``, the rows of a sweep's ``runs.csv``
and the analysis of replicates: final share defected, the step of the steepest rise
(the first step with the largest one-step increase of the share defected), the peak
number preparing and its step, the number arrested at the end, the final perceived
survival, and the step at which the regime fell (-1 if it stands: a fallen regime's
perceived survival is exactly 0, ODD 7.9).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

#: the summary's columns in a sweep's runs.csv, in order
RUN_COLUMNS = [
    "final_share",
    "steepest_rise_step",
    "steepest_rise",
    "peak_preparing",
    "peak_preparing_step",
    "final_arrested",
    "final_survival",
    "collapse_step",
]


def steepest_rise(share: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The step ending the largest one-step rise of ``share`` (steps along axis 0; the
    first of equal rises, within float noise) and the rise; step -1 and rise 0 when the
    share never rises.

    >>> steepest_rise(np.array([0, 0.1, 0.5, 0.6]))
    (array(2), array(0.4))
    """
    share = np.asarray(share, dtype=float)
    rises = np.diff(share, axis=0)
    if not len(rises):
        zero = np.zeros(share.shape[1:])
        return (zero - 1).astype(np.int64), zero
    top = rises.max(axis=0)
    first = np.argmax(rises >= top - 1e-12, axis=0)
    has_rise = top > 0
    return np.where(has_rise, first + 1, -1), np.where(has_rise, top, 0.0)


def summaries(curves: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Per-run figures of :data:`RUN_COLUMNS` from curves (steps along axis 0, one
    column per run): ``share_defected``, ``n_preparing``, ``n_arrested``,
    ``perceived_survival``."""
    share = np.asarray(curves["share_defected"], dtype=float)
    rise_step, rise = steepest_rise(share)
    preparing = np.asarray(curves["n_preparing"])
    return {
        "final_share": share[-1],
        "steepest_rise_step": rise_step,
        "steepest_rise": rise,
        "peak_preparing": preparing.max(axis=0).astype(np.int64),
        "peak_preparing_step": np.argmax(preparing, axis=0),
        "final_arrested": np.asarray(curves["n_arrested"])[-1].astype(np.int64),
        "final_survival": np.asarray(curves["perceived_survival"])[-1],
        "collapse_step": collapse_step(np.asarray(curves["perceived_survival"])),
    }


def collapse_step(survival: np.ndarray) -> np.ndarray:
    """The first step at which the perceived survival is 0 (the regime fell), per run
    (steps along axis 0); -1 where it never is."""
    fallen = np.asarray(survival) == 0.0
    return np.where(fallen.any(axis=0), np.argmax(fallen, axis=0), -1)


@dataclass(frozen=True)
class Summary:
    """The headline figures of one run (:func:`summaries` for a single run)."""

    final_share: float
    steepest_rise_step: int | None  # None if the share never rises
    steepest_rise: float
    peak_preparing: int
    peak_preparing_step: int
    final_arrested: int
    final_survival: float
    collapse_step: int | None  # None while the regime stands

    @classmethod
    def of(cls, rows: Sequence[Mapping[str, Any]]) -> Summary:
        """From the rows of ``timeseries.csv`` (step t is row t)."""
        columns = ("share_defected", "n_preparing", "n_arrested", "perceived_survival")
        figures = summaries({c: np.array([[float(r[c])] for r in rows]) for c in columns})
        one = {k: v[0].item() for k, v in figures.items()}
        rise_at, fell_at = int(one["steepest_rise_step"]), int(one["collapse_step"])
        return cls(
            **{
                **one,
                "steepest_rise_step": None if rise_at < 0 else rise_at,
                "collapse_step": None if fell_at < 0 else fell_at,
            }
        )

    def line(self, label: str = "", date_of: Callable[[int], Any] | None = None) -> str:
        """The one-line summary ``python -m sim`` prints."""

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
        fell = (
            ""
            if self.collapse_step is None
            else f" | the regime fell at {when(self.collapse_step)}"
        )
        return (
            f"{prefix}final share defected {self.final_share:.3f} | {rise} | "
            f"peak preparing {self.peak_preparing} at {when(self.peak_preparing_step)} | "
            f"arrested {self.final_arrested}{fell}"
        )
