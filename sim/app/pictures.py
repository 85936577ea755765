"""The app's two pictures, drawn fast enough for a 96-week run to play in seconds.

A full matplotlib redraw of the network costs about 0.4 s on ``syria_2012`` (7,581 ties)
and of the curves about 0.8 s. Here each picture keeps its figure: the network's ties,
labels and legend are drawn once into a background, and a step only recolours the
officials' markers on top of it (blitting); the curves keep their lines and only change
their data. A picture is sized for a projector (1366x768 and up): large fonts and markers,
the named officials ringed and labelled; the page scales the PNG to the window's width.
"""

from __future__ import annotations

import io
import textwrap
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from PIL import Image

from sim.analysis.plots import MARKERS, STATE_STYLES, series_style
from sim.core.state import State

if TYPE_CHECKING:
    from sim.app.classroom import ClassroomModel

FONT = 15  # points at 100 dpi: about 14 px on a 1366x768 projector after scaling
DPI = 100
_STATE_NAMES = {int(s): s.label for s in State}


def _rgba(colour: str) -> np.ndarray:
    from matplotlib.colors import to_rgba

    return np.array(to_rgba(colour))


# state code -> colour, as lookup tables (a step recolours every marker at once)
_FACE = np.array([_rgba(STATE_STYLES[_STATE_NAMES[c]]["color"]) for c in sorted(_STATE_NAMES)])
_EDGE = np.array([_rgba(STATE_STYLES[_STATE_NAMES[c]]["edgecolor"]) for c in sorted(_STATE_NAMES)])


def encode(rgba: np.ndarray, fmt: str = "jpeg") -> bytes:
    """An RGBA array as JPEG (the live pictures: 5 ms, where PNG takes 35 ms a frame and
    would be half of a step's time) or PNG (the exports)."""
    buffer = io.BytesIO()
    image = Image.fromarray(rgba).convert("RGB")
    if fmt == "png":
        image.save(buffer, format="png", compress_level=6)
    else:
        image.save(buffer, format="jpeg", quality=92, subsampling=0)
    return buffer.getvalue()


class NetworkPicture:
    """The officials on their network: shape = role, colour = state; named officials
    ringed and labelled; ties drawn once."""

    def __init__(self, model: ClassroomModel, width: float = 7.0, height: float = 6.4) -> None:
        self.model = model
        self.fig = Figure(figsize=(width, height), dpi=DPI)
        self.canvas = FigureCanvasAgg(self.fig)
        ax = self.fig.add_axes((0.01, 0.25, 0.98, 0.6))
        pos = model.positions
        if model.ties is not None and len(model.ties):
            ax.add_collection(
                LineCollection(pos[model.ties], colors="0.8", linewidths=0.35, zorder=0)
            )
        roles = np.asarray(model.world.role)
        n = len(roles)
        size = 80 if n <= 200 else (36 if n <= 2000 else 12)
        self.scatters = []
        for k in range(len(model.roles)):
            members = np.flatnonzero(roles == k)
            if not len(members):
                continue
            sc = ax.scatter(
                pos[members, 0],
                pos[members, 1],
                s=size,
                marker=MARKERS[k % len(MARKERS)],
                linewidths=0.7,
                zorder=2,
                animated=True,
            )
            self.scatters.append((members, sc))
        for t, name in enumerate(model.labels.tribe_names):
            members = pos[np.asarray(model.world.tribe) == t]
            if len(members) and len(model.labels.tribe_names) > 1:
                ax.text(
                    members[:, 0].mean(),
                    members[:, 1].max() + 0.07,
                    name.replace("_", " "),
                    ha="center",
                    fontsize=FONT,
                    color="0.2",
                    fontweight="bold",
                )
        # the named officials: a thick ring and their label, so a class can follow them
        self.named = [i for i, name in enumerate(model.labels.names) if name]
        centre_x = float(pos[:, 0].mean())
        self.rings = None
        if self.named:
            self.rings = ax.scatter(
                pos[self.named, 0], pos[self.named, 1], s=size * 7, facecolors="none",
                edgecolors="#D55E00", linewidths=3, zorder=3, animated=True,
            )  # fmt: skip
        for j, i in enumerate(self.named):
            label = model.labels_by_name.get(model.labels.names[i], model.labels.names[i])
            left = pos[i, 0] <= centre_x + 0.05
            ax.annotate(
                label.split(",")[0],
                pos[i],
                # stacked in the bottom corners, away from the crowd, a line to each
                xytext=(
                    0.01 if left else 0.99,
                    0.27 + 0.055 * (j // 2 if len(self.named) > 4 else j),
                ),
                textcoords="figure fraction",
                ha="left" if left else "right",
                va="center",
                fontsize=FONT - 2,
                color="#8a3000",
                fontweight="bold",
                arrowprops={"arrowstyle": "-", "color": "#D55E00", "lw": 1.5},
                bbox={"boxstyle": "round,pad=0.2", "fc": "white", "ec": "#D55E00", "alpha": 0.9},
                zorder=4,
            )
        ax.set_aspect("equal")
        ax.axis("off")
        margin = 0.15
        ax.set_xlim(pos[:, 0].min() - margin, pos[:, 0].max() + margin)
        ax.set_ylim(pos[:, 1].min() - margin, pos[:, 1].max() + margin + 0.1)
        handles = [
            Line2D([], [], linestyle="none", marker="o", markersize=11,
                   markerfacecolor=s["color"], markeredgecolor=s["edgecolor"], label=s["label"])
            for s in STATE_STYLES.values()
        ]  # fmt: skip
        handles += [
            Line2D([], [], linestyle="none", marker=MARKERS[k % len(MARKERS)], markersize=10,
                   markerfacecolor="white", markeredgecolor="0.1", label=r.replace("_", " "))
            for k, r in enumerate(model.roles)
        ]  # fmt: skip
        if self.named:
            handles.append(
                Line2D([], [], linestyle="none", marker="o", markersize=13,
                       markerfacecolor="none", markeredgecolor="#D55E00", markeredgewidth=2.5,
                       label="named official")
            )  # fmt: skip
        self.fig.legend(
            handles=handles,
            loc="lower center",
            ncols=3,
            fontsize=FONT - 2,
            frameon=False,
            title="colour: state · shape: role",
            title_fontsize=FONT - 2,
            handletextpad=0.2,
            columnspacing=0.8,
        )
        title = "everyone observes everyone" if model.ties is None else "ties between officials"
        heading = textwrap.fill(model.scenario_title, 60)
        self.fig.suptitle(f"{heading}\n{title}", fontsize=FONT - 1, y=0.995, va="top")
        self.status = self.fig.text(
            0.5, 0.875, "", ha="center", va="top", fontsize=FONT, fontweight="bold", animated=True
        )
        self.canvas.draw()
        self.background = self.canvas.copy_from_bbox(self.fig.bbox)

    def render(self, fmt: str = "jpeg") -> bytes:
        """The picture at the model's current step (JPEG, or PNG)."""
        codes = np.asarray(self.model.state_codes())
        self.canvas.restore_region(self.background)
        for members, sc in self.scatters:
            states = codes[members]
            sc.set_facecolors(_FACE[states])
            sc.set_edgecolors(_EDGE[states])
            self.fig.draw_artist(sc)
        if self.rings is not None:
            self.fig.draw_artist(self.rings)
        when = "week" if self.model.calendar else "step"
        self.status.set_text(
            f"{when} {self.model.t} · defected {self.model.current('share_defected'):.0%}"
        )
        self.fig.draw_artist(self.status)
        return encode(np.asarray(self.canvas.buffer_rgba()), fmt)


class CurvesPicture:
    """Share defected by role (top); preparing, defected, arrested and the regime's
    perceived survival (bottom). Scheduled events are numbered vertical lines that appear
    when they happen. An optional second run (``compare``) is drawn on the same axes."""

    def __init__(
        self,
        model: ClassroomModel,
        compare: ClassroomModel | None = None,
        width: float = 7.0,
        height: float = 6.4,
    ) -> None:
        self.model, self.compare = model, compare
        self.fig = Figure(figsize=(width, height), dpi=DPI)
        self.canvas = FigureCanvasAgg(self.fig)
        # legends go below each chart, so no line ever strikes through them
        self.top = self.fig.add_axes((0.12, 0.62, 0.76, 0.31))
        self.bottom = self.fig.add_axes((0.12, 0.16, 0.76, 0.31), sharex=self.top)
        self.right = self.bottom.twinx()
        steps = max(model.spec_steps, compare.spec_steps if compare else 0)
        self.top.set_xlim(0, steps)
        self.top.set_ylim(-0.02, 1.02)
        self.right.set_ylim(-0.02, 1.02)
        for ax in (self.top, self.bottom, self.right):
            ax.tick_params(labelsize=FONT - 2)
        self.top.grid(alpha=0.3)
        self.bottom.grid(alpha=0.3)
        self.top.set_ylabel("share defected", fontsize=FONT - 1)
        self.bottom.set_ylabel("officials", fontsize=FONT - 1)
        self.right.set_ylabel("survival $p_t$", fontsize=FONT - 1, color="0.35")
        self.bottom.set_xlabel("week" if model.calendar else "step", fontsize=FONT - 1)
        self.lines: list[tuple[ClassroomModel, str, Line2D]] = []
        runs = [("", model)] if compare is None else [("A: ", model), ("B: ", compare)]
        for r, (prefix, run) in enumerate(runs):
            dashed = {"linestyle": "--"} if r else {}
            if compare is None:
                for k, role in enumerate(run.roles):
                    style = series_style(k) | {"markersize": 5, "linewidth": 1.8}
                    (line,) = self.top.plot([], [], label=role.replace("_", " "), **style)
                    self.lines.append((run, f"share_defected_{role}", line))
            (line,) = self.top.plot(
                [], [], color="black" if not r else "#D55E00", linewidth=3.0,
                label=f"{prefix}all officials", **dashed,
            )  # fmt: skip
            self.lines.append((run, "share_defected", line))
            counts = (
                ("n_preparing", "preparing (unseen)", series_style(4)),
                ("n_defected", "defected", {"color": "black", "linewidth": 2.4}),
                ("n_arrested", "arrested", series_style(1) | {"linestyle": ":"}),
            )
            if compare is not None:  # A and B: the defected counts only, B in colour
                colour = "black" if not r else "#D55E00"
                counts = (("n_defected", "defected", {"color": colour, "linewidth": 2.4}),)
            for column, label, style in counts:
                style = style | {"markersize": 5} if "marker" in style else style
                if r:
                    style = style | {"linestyle": "--"}
                (line,) = self.bottom.plot([], [], label=f"{prefix}{label}", **style)
                self.lines.append((run, column, line))
            (line,) = self.right.plot(
                [], [], color="0.45" if not r else "#0072B2", linestyle="-." if not r else "--",
                linewidth=2.0, label=f"{prefix}survival $p_t$ (right)",
            )  # fmt: skip
            self.lines.append((run, "perceived_survival", line))
        self.top.set_title(
            "share defected (visible)" if compare is None else "A against B: share defected",
            fontsize=FONT,
        )
        self.top.legend(
            loc="upper center", bbox_to_anchor=(0.5, -0.1), ncols=4, fontsize=FONT - 3,
            frameon=False, handlelength=2.2, columnspacing=0.8,
        )  # fmt: skip
        handles, labels = self.bottom.get_legend_handles_labels()
        extra = self.right.get_legend_handles_labels()
        self.bottom.legend(
            handles + extra[0], labels + extra[1], loc="upper center",
            bbox_to_anchor=(0.5, -0.2), ncols=3 if compare is None else 2,
            fontsize=FONT - 3, frameon=False, handlelength=2.2, columnspacing=0.8,
        )  # fmt: skip
        self.events = self._event_markers(model)
        for _, artists in self.events:
            for artist in artists:
                artist.set_visible(False)
        self.background = None
        self._max_count = 5
        self.bottom.set_ylim(0, 5)

    def _event_markers(self, model: ClassroomModel) -> list[tuple[int, list]]:
        markers, seen = [], {}
        for event in model.events:
            if not event.label or (event.step, event.label) in seen:
                continue
            number = seen.setdefault((event.step, event.label), len(seen) + 1)
            artists = [
                ax.axvline(event.step, color="#7a5300", linestyle=(0, (2, 2)), linewidth=1.3)
                for ax in (self.top, self.bottom)
            ]
            artists.append(
                self.top.annotate(
                    str(number), xy=(event.step, 1.0), xycoords=("data", "axes fraction"),
                    xytext=(0, -9 - 16 * (number % 3)), textcoords="offset points",
                    ha="center", va="center", fontsize=FONT - 3, fontweight="bold",
                    bbox={"boxstyle": "circle,pad=0.2", "fc": "white", "ec": "#7a5300"},
                )
            )  # fmt: skip
            markers.append((event.step, artists))
        return markers

    def event_legend(self) -> list[str]:
        """The numbered events that have happened, for the page's text."""
        texts, seen = [], {}
        for event in self.model.events:
            if not event.label or (event.step, event.label) in seen or event.step > self.model.t:
                continue
            number = seen.setdefault((event.step, event.label), len(seen) + 1)
            when = (
                f"week {event.step} ({self.model.calendar.date_of(event.step)})"
                if self.model.calendar
                else f"step {event.step}"
            )
            texts.append(f"{number}: {event.label.replace('_', ' ')}, {when}")
        return texts

    def render(self, fmt: str = "jpeg") -> bytes:
        """The curves up to the model's current step (JPEG, or PNG)."""
        columns = {}
        for run in {id(r): r for r, _, _ in self.lines}.values():
            rows = run.datacollector.model_vars
            columns[id(run)] = rows
        biggest = 1
        for run, column, line in self.lines:
            values = columns[id(run)][column]
            line.set_data(np.arange(len(values)), values)
            if column.startswith("n_") and len(values):
                biggest = max(biggest, max(values))
        stale = self.background is None
        if biggest > self._max_count:
            self._max_count = max(5, biggest * 1.3)
            self.bottom.set_ylim(0, self._max_count)
            stale = True
        for step, artists in self.events:
            visible = step <= self.model.t
            if artists[0].get_visible() != visible:
                for artist in artists:
                    artist.set_visible(visible)
                stale = True
        # axes, ticks, legends and event markers change rarely: they are a background,
        # redrawn only then; the lines are drawn on it every step (blitting)
        if stale:
            for _, _, line in self.lines:
                line.set_visible(False)
            self.canvas.draw()
            self.background = self.canvas.copy_from_bbox(self.fig.bbox)
            for _, _, line in self.lines:
                line.set_visible(True)
        else:
            self.canvas.restore_region(self.background)
        for _, _, line in self.lines:
            self.fig.draw_artist(line)
        return encode(np.asarray(self.canvas.buffer_rgba()), fmt)


def side_by_side(pictures: Sequence[bytes]) -> bytes:
    """Several pictures joined left to right, as PNG (the export)."""
    images = [Image.open(io.BytesIO(p)).convert("RGB") for p in pictures]
    out = Image.new("RGB", (sum(i.width for i in images), max(i.height for i in images)), "white")
    x = 0
    for image in images:
        out.paste(image, (x, 0))
        x += image.width
    buffer = io.BytesIO()
    out.save(buffer, format="png")
    return buffer.getvalue()
