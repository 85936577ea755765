"""Figures. Plotting functions take an Axes; nothing here imports Mesa or Hydra.

Styles survive greyscale printing: every series has its own line style and marker, on
the Okabe–Ito colour-blind-safe palette.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # files only; the classroom app brings its own backend

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from sim.files import atomic_write

OKABE_ITO = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442"]
LINESTYLES = ["-", "--", "-.", ":", (0, (5, 1)), (0, (3, 1, 1, 1, 1, 1))]
MARKERS = ["o", "s", "^", "D", "v", "P", "X", "*"]


def series_style(i: int) -> dict[str, Any]:
    """Colour, line style and marker of the i-th series, distinct in greyscale too."""
    return {
        "color": OKABE_ITO[i % len(OKABE_ITO)],
        "linestyle": LINESTYLES[i % len(LINESTYLES)],
        "marker": MARKERS[i % len(MARKERS)],
        "markevery": 0.1,
        "markersize": 4,
        "linewidth": 1.4,
    }


def _column(rows: Sequence[Mapping[str, Any]], key: str) -> list[float]:
    return [float(r[key]) for r in rows]


def plot_share_by_role(ax: Axes, rows: Sequence[Mapping[str, Any]], roles: Sequence[str]) -> None:
    """Share of each role that has visibly defected, and of all officials (thick black)."""
    steps = _column(rows, "step")
    for i, role in enumerate(roles):
        ax.plot(
            steps,
            _column(rows, f"share_defected_{role}"),
            label=role.replace("_", " "),
            **series_style(i),
        )
    ax.plot(
        steps, _column(rows, "share_defected"), color="black", linewidth=2.6, label="all officials"
    )
    ax.set_ylabel("share defected (visible)")
    ax.set_ylim(-0.02, 1.02)
    ax.grid(alpha=0.3)


def plot_hidden_and_survival(ax: Axes, rows: Sequence[Mapping[str, Any]]) -> Axes:
    """Officials preparing ('ready to defect', not yet visible), defected and arrested, with
    the regime's perceived survival on a second axis. Returns the second axis."""
    steps = _column(rows, "step")
    ax.plot(
        steps, _column(rows, "n_preparing"), label="preparing ('ready', unseen)", **series_style(4)
    )
    ax.plot(
        steps, _column(rows, "n_defected"), label="defected (visible)", color="black", linewidth=2.0
    )
    ax.plot(
        steps, _column(rows, "n_arrested"), label="arrested", **series_style(1) | {"linestyle": ":"}
    )
    ax.set_ylabel("officials (count)")
    ax.grid(alpha=0.3)
    ax2 = ax.twinx()
    ax2.plot(
        steps,
        _column(rows, "perceived_survival"),
        color="0.45",
        linestyle="--",
        linewidth=1.6,
        label="perceived regime survival $p_t$ (right axis)",
    )
    ax2.set_ylabel("perceived survival $p_t$")
    ax2.set_ylim(-0.02, 1.02)
    return ax2


def mark_events(axes: Sequence[Axes], events: Sequence[Any], calendar: Any = None) -> list[str]:
    """Draw a numbered vertical line per labelled scheduled event; returns legend texts.

    Numbers, not text on the plot: scheduled events can be a week apart, and their labels
    would overlap.
    """
    texts, seen, last_step, level = [], {}, None, 0
    for event in events:
        if not event.label:
            continue
        number = seen.setdefault((event.step, event.label), len(seen) + 1)
        # events within two steps of each other get stacked markers
        level = level + 1 if last_step is not None and event.step - last_step <= 2 else 0
        last_step = event.step
        for ax in axes:
            ax.axvline(event.step, color="0.25", linestyle=(0, (1, 2)), linewidth=1.0, zorder=0)
        axes[0].annotate(
            f"{number}",
            xy=(event.step, 1.0),
            xycoords=("data", "axes fraction"),
            xytext=(0, -10 - 14 * level),
            textcoords="offset points",
            ha="center",
            va="center",
            fontsize=8,
            fontweight="bold",
            bbox={"boxstyle": "circle,pad=0.2", "fc": "white", "ec": "0.25", "lw": 0.8},
        )
        when = f"step {event.step}" + (f", {calendar.date_of(event.step)}" if calendar else "")
        texts.append(f"{number}: {event.label.replace('_', ' ')} ({when})")
    return texts


def add_date_axis(ax: Axes, calendar: Any) -> None:
    """A secondary x axis with calendar dates, for scenarios with a calendar."""
    origin = mdates.date2num(dt.datetime.combine(calendar.start_date, dt.time()))

    def to_date(step):
        return origin + step * calendar.step_days

    def to_step(num):
        return (num - origin) / calendar.step_days

    sec = ax.secondary_xaxis("top", functions=(to_date, to_step))
    sec.xaxis.set_major_locator(mdates.MonthLocator(bymonth=(1, 4, 7, 10)))
    sec.xaxis.set_major_formatter(mdates.DateFormatter("%b %Y"))
    sec.tick_params(labelsize=8)


def cascade_figure(
    rows: Sequence[Mapping[str, Any]],
    roles: Sequence[str],
    events: Sequence[Any] = (),
    title: str = "Defection cascade",
    subtitle: str = "",
    calendar: Any = None,
) -> Figure:
    """The run's figure: visible defections by role (top); hidden preparation, arrests and
    perceived survival (bottom); scheduled events numbered on both."""
    fig, (top, bottom) = plt.subplots(
        2,
        1,
        figsize=(10, 7.5),
        sharex=True,
        gridspec_kw={"height_ratios": [3, 2]},
        layout="constrained",
    )
    plot_share_by_role(top, rows, roles)
    ax2 = plot_hidden_and_survival(bottom, rows)
    step_unit = f"step ({calendar.step_days} days)" if calendar else "step"
    bottom.set_xlabel(f"time, {step_unit}")
    if calendar:
        add_date_axis(top, calendar)
    event_texts = mark_events([top, bottom], events, calendar)
    handles, labels = top.get_legend_handles_labels()
    top.legend(
        handles, labels, loc="center left", fontsize=8, ncols=2, title="role", title_fontsize=8
    )
    h1, l1 = bottom.get_legend_handles_labels()
    h2, l2 = ax2.get_legend_handles_labels()
    bottom.legend(h1 + h2, l1 + l2, loc="upper left", fontsize=8)
    if event_texts:
        fig.text(
            0.01,
            -0.01,
            "Scheduled events:\n" + "\n".join(event_texts),
            fontsize=8,
            ha="left",
            va="top",
        )
    fig.suptitle(title + (f"\n{subtitle}" if subtitle else ""), fontsize=11)
    return fig


def save_figure(fig: Figure, path: Path, dpi: int = 130) -> None:
    """Save through a temporary file and rename, so no half-written figure is left."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format=Path(path).suffix.lstrip(".") or "png", dpi=dpi, bbox_inches="tight")
    plt.close(fig)
    atomic_write(Path(path), buffer.getvalue())
