"""The rows of the public output files, from a run's arrays (README, "Outputs").

The Mesa model and the batched engine both write their outputs through these
functions, so a run gives the same ``timeseries.csv``, ``officials.csv`` and
``events.csv`` whichever path ran it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from sim.core.parameters import TRAITS
from sim.core.state import BY_RULE, State
from sim.world.build import Labels

EVENT_COLUMNS = ["step", "official_id", "name", "role", "from", "to", "scheduled"]


def timeseries_rows(rows: np.ndarray, names: Sequence[str]) -> list[dict[str, Any]]:
    """``timeseries.csv``: one dict per step (``step``, then ``names``); counts as ints."""
    out = []
    for t, row in enumerate(rows):
        entry: dict[str, Any] = {"step": t}
        for name, value in zip(names, row, strict=True):
            entry[name] = int(value) if name.startswith("n_") else float(value)
        out.append(entry)
    return out


def official_rows(
    labels: Labels,
    role: np.ndarray,
    tribe: np.ndarray,
    region: np.ndarray,
    traits: Mapping[str, np.ndarray],
    rank_weight: np.ndarray,
    state: np.ndarray,
    defection_step: np.ndarray,
) -> list[dict[str, Any]]:
    """``officials.csv``: one dict per official; ``rank_weight`` as at the end of the run
    (a broadcast defection multiplies it), the other traits as drawn."""
    rows = []
    for i in range(len(role)):
        row: dict[str, Any] = {
            "official_id": i,
            "name": labels.names[i],
            "role": labels.role_names[role[i]],
            "tribe": labels.tribe_names[tribe[i]],
            "region": labels.region_names[region[i]],
            "defection_step": "" if defection_step[i] < 0 else int(defection_step[i]),
            "state": State(int(state[i])).label,
            "rank_weight": float(rank_weight[i]),
        }
        for trait in TRAITS:
            if trait.name != "rank_weight":
                row[trait.name] = traits[trait.name][i].item()
        rows.append(row)
    return rows


def event_rows(
    labels: Labels, role: np.ndarray, log: Mapping[str, np.ndarray]
) -> list[dict[str, Any]]:
    """``events.csv``: every change of state, in the order it happened."""
    rows = []
    for step, i, old, new, event in zip(
        log["step"], log["official"], log["from"], log["to"], log["event"], strict=True
    ):
        rows.append(
            {
                "step": int(step),
                "official_id": int(i),
                "name": labels.names[i],
                "role": labels.role_names[role[i]],
                "from": State(int(old)).label,
                "to": State(int(new)).label,
                "scheduled": "" if event == BY_RULE else labels.event_labels[event],
            }
        )
    return rows
