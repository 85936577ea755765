"""The classroom app: a live scenario on the network of officials (Mesa's SolaraViz).

    make app                      # prints the address, e.g. http://localhost:8765
    .venv/bin/solara run sim/app.py

Pick a scenario, move the sliders, press Reset (which applies them), then Step or ▶, and
watch a cascade happen (or stall). The sliders scale the scenario's own weights (× 1 = as
the scenario has it: privileges, tribal pressure, danger from the rebellion at home,
retribution for loyalists on the losing side, contempt for late defectors, secret
police detection), so the same controls work for every scenario. SolaraViz rebuilds the
model from its constructor keywords on Reset: every control is one of them.
"""

from __future__ import annotations

import copy
import functools
from pathlib import Path

import solara
from matplotlib.figure import Figure
from mesa.visualization import SolaraViz
from mesa.visualization.utils import update_counter

from sim.cli import CONFIG_DIR
from sim.config import model_kwargs
from sim.model import DefectionModel
from sim.plots import draw_network, network_layout, plot_hidden_and_survival, plot_share_by_role
from sim.runner import compose_config

SCENARIOS = sorted(p.stem for p in (Path(CONFIG_DIR) / "scenario").glob("*.yaml"))
#: slider keyword -> (model key, label); each scales the scenario's value
SLIDERS = {
    "privileges": ("privilege_weight", "privileges"),
    "tribal_pressure": ("tribal_pressure_weight", "tribal pressure"),
    "danger": ("danger_weight", "danger"),
    "retribution": ("retribution_weight", "retribution"),
    "contempt": ("late_defector_contempt", "late contempt"),
    "detection": ("detection_probability", "detection"),
}


@functools.cache
def _scenario_config(scenario: str) -> dict:
    return compose_config(f"scenario={scenario}")


def scenario_config(scenario: str) -> dict:
    """The scenario's resolved config (composed once per scenario, then copied)."""
    return copy.deepcopy(_scenario_config(scenario))


class ClassroomModel(DefectionModel):
    """``DefectionModel`` of a scenario file, with its main weights scaled by sliders.

    Args:
        scenario: a file of ``configs/scenario/``.
        seed: the run's seed.
        privileges, tribal_pressure, danger, retribution, contempt, detection: factors
            (>= 0) applied to the scenario's privilege_weight, tribal_pressure_weight,
            danger_weight, retribution_weight, late_defector_contempt and
            detection_probability (the last capped at 1).
    """

    def __init__(
        self,
        scenario: str = "syria_2012",
        seed: int | str = 0,
        privileges: float = 1.0,
        tribal_pressure: float = 1.0,
        danger: float = 1.0,
        retribution: float = 1.0,
        contempt: float = 1.0,
        detection: float = 1.0,
    ) -> None:
        cfg = scenario_config(scenario)
        kwargs = model_kwargs(cfg)
        try:
            kwargs["seed"] = int(seed)
        except (TypeError, ValueError):
            kwargs["seed"] = 0  # a seed box being edited: fall back rather than crash
        factors = dict(
            privileges=privileges,
            tribal_pressure=tribal_pressure,
            danger=danger,
            retribution=retribution,
            contempt=contempt,
            detection=detection,
        )
        for name, factor in factors.items():
            key = SLIDERS[name][0]
            kwargs[key] = kwargs.get(key, 0.0) * float(factor)
        kwargs["detection_probability"] = min(1.0, kwargs["detection_probability"])
        super().__init__(**kwargs)
        self.scenario = scenario
        self.spec_steps = int(cfg["steps"])
        self.scenario_title = cfg.get("scenario_title", scenario)
        self.description = cfg.get("description", "")
        self.positions = network_layout(self.population.tribe, self.population.role)
        self.edges = None if self.network.complete else self.network.edges()
        self.labels = {
            name: entry.get("label", name)
            for name, entry in (cfg["population"]["named"] or {}).items()
        }

    def states(self) -> list[str]:
        return [o.state.value for o in self.officials]

    def status(self) -> str:
        when = f"week {self.steps}" if self.calendar else f"step {self.steps}"
        if self.calendar:
            when += f" ({self.calendar.date_of(self.steps)})"
        sig = self.signals
        return (
            f"{when} · defected {sig.share_defected:.0%} · "
            f"preparing {sig.n_preparing} · arrested {sig.n_arrested} · "
            f"perceived regime survival {self.survival:.2f}"
        )

    def feed(self, limit: int = 12) -> list[str]:
        """The latest changes of state, newest first, named officials by their label."""
        lines = []
        for event in reversed(self.event_log[-limit:]):
            who = (
                self.labels.get(event["name"])
                or f"{event['role'].replace('_', ' ')} #{event['official_id']}"
            )
            what = {
                "preparing": "started preparing to defect",
                "defected": "defected",
                "arrested": "was arrested",
            }.get(event["to"], event["to"])
            if event["from"] == "arrested" and event["to"] == "defected":
                what = "escaped and defected"
            when = f"week {event['step']}" if self.calendar else f"step {event['step']}"
            scheduled = f" (scheduled: {event['scheduled']})" if event["scheduled"] else ""
            lines.append(f"{when}: {who} {what}{scheduled}")
        return lines


@solara.component
def NetworkView(model: ClassroomModel):
    update_counter.get()
    fig = Figure(figsize=(6.4, 4.4), layout="constrained")
    ax = fig.subplots()
    tribes = {
        name: model.positions[model.population.tribe == k]
        for k, name in enumerate(model.population.tribe_names)
    }
    draw_network(
        ax,
        model.positions,
        model.edges,
        model.states(),
        [o.role for o in model.officials],
        tribes if len(tribes) > 1 else None,
    )
    title = (
        "everyone observes everyone" if model.edges is None else "ties: tribe, institution, random"
    )
    ax.set_title(f"{model.scenario_title}\n{title}", fontsize=9)
    solara.Text(model.status(), style={"font-weight": "bold"}, classes=["status-line"])
    solara.FigureMatplotlib(fig, format="png", dependencies=[update_counter.value])


@solara.component
def CurvesView(model: ClassroomModel):
    update_counter.get()
    rows = model.timeseries()
    fig = Figure(figsize=(6.4, 5.2), layout="constrained")
    top, bottom = fig.subplots(2, 1, sharex=True)
    plot_share_by_role(top, rows, model.roles)
    top.legend(fontsize=7, loc="upper left", ncols=2)
    top.set_title("share defected by role", fontsize=9)
    ax2 = plot_hidden_and_survival(bottom, rows)
    handles = bottom.get_legend_handles_labels()
    extra = ax2.get_legend_handles_labels()
    bottom.legend(handles[0] + extra[0], handles[1] + extra[1], fontsize=7, loc="upper left")
    bottom.set_xlabel("week" if model.calendar else "step")
    solara.FigureMatplotlib(fig, format="png", dependencies=[update_counter.value])


@solara.component
def EventFeed(model: ClassroomModel):
    update_counter.get()
    lines = model.feed()
    text = "\n".join(f"- {line}" for line in lines) or (
        "_nothing has happened yet: press Step or ▶. A new scenario, seed or slider value "
        "takes effect when you press Reset._"
    )
    solara.Markdown("#### Event feed (newest first)\n" + text)


MODEL_PARAMS = {
    "scenario": {"type": "Select", "value": "syria_2012", "values": SCENARIOS, "label": "Scenario"},
    "seed": {"type": "InputText", "value": 0, "label": "Seed"},
    **{
        name: {
            "type": "SliderFloat",
            "value": 1.0,
            "min": 0.0,
            "max": 3.0,
            "step": 0.1,
            "label": f"{label} ×",
        }
        for name, (_, label) in SLIDERS.items()
    },
}


def make_page(scenario: str = "syria_2012"):
    """The app's page, starting on ``scenario``."""
    params = copy.deepcopy(MODEL_PARAMS)
    params["scenario"]["value"] = scenario
    return SolaraViz(
        ClassroomModel(scenario=scenario),
        components=[(NetworkView, 0), (CurvesView, 0), (EventFeed, 0)],
        model_params=params,
        name="Defection tipping points",
        play_interval=150,
    )


page = make_page()
