"""Figures. Plotting functions take an Axes; nothing here imports Mesa or Hydra.

Styles survive greyscale printing: every series has its own line style and marker, on
the Okabe–Ito colour-blind-safe palette.
"""

from __future__ import annotations

import datetime as dt
import io
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import matplotlib

if "ipykernel" not in sys.modules:  # a notebook keeps its inline backend
    matplotlib.use("Agg")  # files only; the classroom app brings its own backend

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import numpy as np
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
    # below the chart, so the survival line (near 1 at the start) never strikes through it
    bottom.legend(
        h1 + h2, l1 + l2, loc="upper center", bbox_to_anchor=(0.5, -0.22), ncols=2, fontsize=8,
        frameon=False,
    )  # fmt: skip
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


# --- the network of officials (classroom app, GIF export) -------------------------------------
STATE_STYLES = {
    # colours of distinct lightness, so the states survive greyscale too
    "loyal": {"color": "#d9d9d9", "edgecolor": "#7f7f7f", "label": "loyal"},
    "preparing": {"color": "#E69F00", "edgecolor": "#7a5300", "label": "preparing (unseen)"},
    "defected": {"color": "#000000", "edgecolor": "#000000", "label": "defected"},
    "arrested": {"color": "#CC79A7", "edgecolor": "#5e2a4a", "label": "arrested"},
}


def network_layout(tribe: Sequence[int], role: Sequence[int]) -> np.ndarray:
    """Deterministic positions: one disc per tribe on a ring, officials in a sunflower
    spiral inside it, ordered by role (so institutions sit together within a tribe)."""
    tribe, role = np.asarray(tribe), np.asarray(role)
    positions = np.zeros((len(tribe), 2))
    tribes = np.unique(tribe)
    golden = np.pi * (3 - np.sqrt(5))
    for k, t in enumerate(tribes):
        members = np.flatnonzero(tribe == t)
        members = members[np.argsort(role[members], kind="stable")]
        angle = 2 * np.pi * k / len(tribes)
        centre = np.array([np.cos(angle), np.sin(angle)]) * (0 if len(tribes) == 1 else 1.0)
        radius = 0.85 * np.sqrt(len(members) / max(len(tribe), 1)) if len(tribes) > 1 else 1.0
        j = np.arange(len(members))
        r = radius * np.sqrt((j + 0.5) / max(len(members), 1))
        positions[members] = centre + np.column_stack(
            [r * np.cos(j * golden), r * np.sin(j * golden)]
        )
    return positions


def ring_layout(n: int) -> np.ndarray:
    """Officials on a circle in ``official_id`` order: the layout that shows a ring
    lattice or a small world (``network.kind: ring_lattice``, ``watts_strogatz``), whose
    ties join neighbours by id, with rewired ties as chords."""
    angle = 2 * np.pi * np.arange(n) / max(n, 1)
    return np.column_stack([np.cos(angle), np.sin(angle)])


def draw_network(
    ax: Axes,
    positions: np.ndarray,
    edges: np.ndarray | None,
    states: Sequence[str],
    roles: Sequence[str],
    tribe_labels: Mapping[str, np.ndarray] | None = None,
) -> None:
    """Officials as markers (shape: role; colour: state), ties as thin grey lines.

    Args:
        positions: (N, 2) positions (see :func:`network_layout`).
        edges: (M, 2) ties, or None for the complete graph (not drawn).
        states: each official's state name.
        roles: each official's role.
        tribe_labels: tribe name -> positions of its members, to label the clusters.
    """
    from matplotlib.collections import LineCollection
    from matplotlib.lines import Line2D

    if edges is not None and len(edges):
        segments = positions[edges]
        ax.add_collection(LineCollection(segments, colors="0.75", linewidths=0.3, zorder=0))
    states, roles = np.asarray(states), np.asarray(roles)
    role_names = list(dict.fromkeys(roles.tolist()))
    size = 28 if len(states) <= 400 else 10
    for i, role in enumerate(role_names):
        for state, style in STATE_STYLES.items():
            mask = (roles == role) & (states == state)
            if mask.any():
                ax.scatter(
                    positions[mask, 0],
                    positions[mask, 1],
                    s=size,
                    marker=MARKERS[i % len(MARKERS)],
                    c=style["color"],
                    edgecolors=style["edgecolor"],
                    linewidths=0.5,
                    zorder=2,
                )
    for name, members in (tribe_labels or {}).items():
        top = members[:, 1].max() if len(members) else 0
        ax.text(
            members[:, 0].mean(),
            top + 0.08,
            name.replace("_", " "),
            ha="center",
            fontsize=8,
            color="0.25",
        )
    handles = [
        Line2D(
            [],
            [],
            linestyle="none",
            marker="o",
            markersize=7,
            markerfacecolor=s["color"],
            markeredgecolor=s["edgecolor"],
            label=s["label"],
        )
        for s in STATE_STYLES.values()
    ]
    handles += [
        Line2D(
            [],
            [],
            linestyle="none",
            marker=MARKERS[i % len(MARKERS)],
            markersize=6,
            markerfacecolor="white",
            markeredgecolor="0.2",
            label=r.replace("_", " "),
        )
        for i, r in enumerate(role_names)
    ]
    ax.legend(
        handles=handles,
        loc="upper center",
        bbox_to_anchor=(0.5, 0.0),
        ncols=5,
        fontsize=7,
        frameon=False,
        title="state (colour) and role (shape)",
        title_fontsize=7,
    )
    ax.set_aspect("equal")
    ax.axis("off")


# --- the standard figures of a sweep ----------------------------------------------------------
def plot_cascade_band(
    ax: Axes,
    curves: Any,
    column: str = "share_defected",
    by: Sequence[str] | None = None,
    level: float = 0.95,
    pool: bool = False,
) -> Axes:
    """The cascade curve: the mean of ``column`` over replicates at each step, with its
    ``level`` confidence band, one line per group of ``by`` (default: every swept
    parameter of the table, :func:`sim.analysis.metrics.mean_curve`)."""
    from sim.analysis.metrics import mean_curve

    band = mean_curve(curves, column, by=by, level=level, pool=pool)
    keys = [c for c in band.columns if c not in {"step", "mean", "low", "high", "n"}]
    groups = band.groupby(keys, sort=True) if keys else [((), band)]
    for i, (key, g) in enumerate(groups):
        key = key if isinstance(key, tuple) else (key,)
        label = ", ".join(
            f"{k}={v:g}" if isinstance(v, float) else f"{k}={v}"
            for k, v in zip(keys, key, strict=True)
        )
        style = series_style(i)
        ax.plot(g["step"], g["mean"], label=label or f"mean ({int(g['n'].max())} runs)", **style)
        ax.fill_between(g["step"], g["low"], g["high"], color=style["color"], alpha=0.2, lw=0)
    ax.set_xlabel("step")
    ax.set_ylabel(f"{column.replace('_', ' ')} (mean, {level:.0%} band)")
    ax.legend(fontsize="small")
    return ax


def plot_tipping_curve(
    ax: Axes, runs: Any, parameter: str, cutoff: float = 0.5, level: float = 0.95, n_boot: int = 500
) -> Axes:
    """The tipping curve: P(cascade) (final share >= ``cutoff``) against ``parameter``
    with Wilson intervals, the logistic fit, and the tipping point (P = 1/2) with its
    bootstrap interval shaded. The runs must vary ``parameter`` only (select one value
    of any other swept parameter first)."""
    from sim.analysis.metrics import _fit_logistic, cascade_probability, tipping_point

    tp = tipping_point(runs, parameter, cutoff=cutoff, n_boot=n_boot, level=level)
    table = cascade_probability(runs, parameter, cutoff=cutoff, level=level)
    x = table[parameter].to_numpy(dtype=float)
    p = table["p_cascade"].to_numpy()
    err = np.vstack([p - table["low"].to_numpy(), table["high"].to_numpy() - p])
    ax.errorbar(x, p, yerr=err, fmt="o", color=OKABE_ITO[0], capsize=3, label="P(cascade), Wilson")
    b0, b1 = _fit_logistic(
        runs[parameter].to_numpy(dtype=float), (runs["final_share"] >= cutoff).to_numpy(float)
    )
    grid = np.linspace(x.min(), x.max(), 200)
    ax.plot(
        grid, 1 / (1 + np.exp(-(b0 + b1 * grid))), color=OKABE_ITO[1], ls="--", label="logistic fit"
    )
    ax.axvspan(
        tp.low, tp.high, color=OKABE_ITO[2], alpha=0.2, lw=0, label=f"tipping point, {level:.0%}"
    )
    ax.axvline(tp.estimate, color=OKABE_ITO[2], lw=1.2)
    ax.set_xlabel(parameter)
    ax.set_ylabel(f"P(final share >= {cutoff:g})")
    ax.set_ylim(-0.03, 1.03)
    ax.legend(fontsize="small")
    return ax
