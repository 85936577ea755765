"""Cascade curves of the stylized Syria scenario (syria_stylized): mean over 200
replicates with 95 % bands, by role; officials preparing in secret ('ready') beside
those visibly defected.

    .venv/bin/python experiments/cascade_curves.py
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from common import replicates, save
from scipy import stats

from sim.analysis.plots import add_date_axis, mark_events, series_style

N_REPLICATES = 200


def band(values: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mean over replicates (axis 1) and its 95 % t-interval."""
    mean = values.mean(axis=1)
    half = (
        stats.t.ppf(0.975, values.shape[1] - 1)
        * values.std(axis=1, ddof=1)
        / np.sqrt(values.shape[1])
    )
    return mean, mean - half, mean + half


def officials_roles(run) -> list[str]:
    """Role of each official (the same in every replicate: roles are set by the config)."""
    roles = []
    for role, spec in run.population.roles.items():
        roles += [role] * spec.count
    return roles + [entry.role for entry in run.population.named.values()]


def main() -> None:
    run, batch = replicates([], N_REPLICATES)
    roles_of = officials_roles(run)
    steps = np.arange(run.steps + 1)
    calendar = run.calendar
    events = run.scheduled_events
    fig, (top, bottom, senior_ax) = plt.subplots(
        3,
        1,
        figsize=(10, 10),
        sharex=True,
        gridspec_kw={"height_ratios": [3, 2, 2]},
        layout="constrained",
    )
    data = {"step": steps}
    for i, role in enumerate(batch.role_names):
        mean, low, high = band(batch.curves[f"share_defected_{role}"])
        style = series_style(i)
        top.plot(steps, mean, label=role.replace("_", " "), **style)
        top.fill_between(steps, low, high, color=style["color"], alpha=0.15, linewidth=0)
        data[f"share_defected_{role}_mean"] = mean
    mean, low, high = band(batch.curves["share_defected"])
    top.plot(steps, mean, color="black", linewidth=2.6, label="all officials")
    top.fill_between(steps, low, high, color="black", alpha=0.15, linewidth=0)
    data["share_defected_mean"], data["share_defected_low"], data["share_defected_high"] = (
        mean,
        low,
        high,
    )
    top.set_ylabel("share defected (visible)")
    top.set_ylim(-0.02, 1.02)
    top.grid(alpha=0.3)
    top.legend(
        loc="center left", fontsize=8, ncols=2, title="role (mean, 95 % band)", title_fontsize=8
    )
    for key, label, style in (
        ("n_preparing", "preparing: 'ready', unseen", series_style(4)),
        ("n_defected", "defected: visible", {"color": "black", "linewidth": 2.0}),
        ("n_arrested", "arrested", series_style(1) | {"linestyle": ":"}),
    ):
        mean, low, high = band(batch.curves[key])
        bottom.plot(steps, mean, label=label, **style)
        bottom.fill_between(steps, low, high, color=style["color"], alpha=0.15, linewidth=0)
        data[f"{key}_mean"], data[f"{key}_low"], data[f"{key}_high"] = mean, low, high
    bottom.set_ylabel("all officials (count, mean)")
    bottom.grid(alpha=0.3)
    bottom.legend(loc="upper left", fontsize=8)
    # senior officials: 'ready' against visibly defected, the '31 ambassadors' claim
    senior = ("ambassador", "minister", "general", "security_chief")
    preparing = sum(batch.curves[f"n_preparing_{r}"] for r in senior)
    defected = np.zeros_like(preparing)
    for r, row in enumerate(batch.defection_step):
        mask = np.isin(np.asarray(roles_of), senior) & (row >= 0)
        for step in row[mask]:
            defected[step:, r] += 1
    for values, label, style in (
        (preparing, "senior officials preparing ('ready', unseen)", series_style(4)),
        (defected, "senior officials visibly defected", {"color": "black", "linewidth": 2.0}),
    ):
        mean, low, high = band(values)
        senior_ax.plot(steps, mean, label=label, **style)
        senior_ax.fill_between(steps, low, high, color=style["color"], alpha=0.15, linewidth=0)
        data[f"senior_{'preparing' if 'preparing' in label else 'defected'}_mean"] = mean
    senior_ax.set_ylabel("senior officials (count, mean)")
    senior_ax.set_xlabel("time, step (7 days)")
    senior_ax.grid(alpha=0.3)
    senior_ax.legend(
        loc="upper left",
        fontsize=8,
        title="ambassadors, ministers, generals, security chiefs",
        title_fontsize=8,
    )
    add_date_axis(top, calendar)
    texts = mark_events([top, bottom, senior_ax], events, calendar)
    fig.suptitle(
        f"Defection cascade, syria_stylized: mean of {N_REPLICATES} replicates (seeds from 0)\n"
        "visible defections by role (top); preparation in secret beside visible defection (below)",
        fontsize=11,
    )
    fig.text(0.01, -0.01, "Scheduled events:\n" + "\n".join(texts), fontsize=8, va="top")
    save(fig, "cascade_curves", pd.DataFrame(data))


if __name__ == "__main__":
    main()
