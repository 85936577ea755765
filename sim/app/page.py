"""The classroom app: a live scenario on the network of officials (Mesa's SolaraViz).

    make app                      # prints the address, e.g. http://localhost:8765
    .venv/bin/solara run sim/app/page.py

Pick a scenario, move the sliders, press Reset (which applies them), then Step or ▶, and
watch a cascade happen (or stall). The sliders scale the scenario's own weights (× 1 = as
the scenario has it: privileges, tribal pressure, danger from the rebellion at home,
retribution for loyalists on the losing side, contempt for late defectors, secret
police detection), so the same controls work for every scenario. SolaraViz rebuilds the
model from its constructor keywords on Reset: every control is one of them.
"""

from __future__ import annotations

import copy

import solara
from matplotlib.figure import Figure
from mesa.visualization import SolaraViz
from mesa.visualization.utils import update_counter

from sim.analysis.plots import draw_network, plot_hidden_and_survival, plot_share_by_role
from sim.app.classroom import SCENARIOS, SLIDERS, ClassroomModel


@solara.component
def NetworkView(model: ClassroomModel):
    update_counter.get()
    fig = Figure(figsize=(6.4, 4.4), layout="constrained")
    ax = fig.subplots()
    tribes = {
        name: model.positions[model.world.tribe == k]
        for k, name in enumerate(model.labels.tribe_names)
    }
    draw_network(
        ax,
        model.positions,
        model.ties,
        model.states(),
        [o.role for o in model.officials],
        tribes if len(tribes) > 1 else None,
    )
    title = (
        "everyone observes everyone" if model.ties is None else "ties: tribe, institution, random"
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
