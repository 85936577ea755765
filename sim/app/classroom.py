"""The model an instructor drives: a scenario's ``DefectionModel`` with sliders.

Mesa only (no Solara), so the GIF export (:mod:`sim.app.gif`) and the tests use it
without the web page. The sliders are the declared parameters that carry a ``slider``
label (:data:`sim.core.parameters.MODEL`); each is a factor on the scenario's own
value (× 1 = as configured), so the same controls work for every scenario.
"""

from __future__ import annotations

import copy
import functools
import inspect

from sim.agents import DefectionModel
from sim.analysis.plots import network_layout
from sim.config.compose import compose_config, scenarios
from sim.config.schema import validate
from sim.core.parameters import MODEL, MODEL_BY_NAME

SCENARIOS = scenarios()
#: slider keyword -> (model parameter, label)
SLIDERS: dict[str, tuple[str, str]] = {
    f"{p.name}_factor": (p.name, p.slider) for p in MODEL if p.slider is not None
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
        <parameter>_factor: one per slider (:data:`SLIDERS`), a factor >= 0 on the
            scenario's value of that parameter (a probability is capped at 1).
    """

    def __init__(self, scenario: str = "syria_2012", seed: int | str = 0, **factors: float) -> None:
        cfg = scenario_config(scenario)
        try:
            seed = int(seed)
        except (TypeError, ValueError):
            seed = 0  # a seed box being edited: fall back rather than crash
        run = validate(cfg)
        values = {}
        for keyword, factor in factors.items():
            name = SLIDERS[keyword][0]
            value = getattr(run.model, name) * float(factor)
            values[name] = min(value, MODEL_BY_NAME[name].high)
        super().__init__(run, seed=seed, **values)
        self.scenario = scenario
        self.spec_steps = run.steps
        self.scenario_title = run.scenario_title
        self.description = run.description
        self.positions = network_layout(self.world.tribe, self.world.role)
        self.ties = None if self.world.complete else self.edges()
        self.labels_by_name = self.labels.labels

    def states(self) -> list[str]:
        return [o.state.label for o in self.officials]

    def status(self) -> str:
        when = f"week {self.t}" if self.calendar else f"step {self.t}"
        if self.calendar:
            when += f" ({self.calendar.date_of(self.t)})"
        return (
            f"{when} · defected {self.current('share_defected'):.0%} · "
            f"preparing {int(self.current('n_preparing'))} · "
            f"arrested {int(self.current('n_arrested'))} · "
            f"perceived regime survival {self.survival:.2f}"
        )

    def feed(self, limit: int = 12) -> list[str]:
        """The latest changes of state, newest first, named officials by their label."""
        lines = []
        for event in reversed(self.event_log[-limit:]):
            who = (
                self.labels_by_name.get(event["name"])
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


def _classroom_signature() -> inspect.Signature:
    """SolaraViz rebuilds the model from its keywords: one per control."""
    base = inspect.signature(ClassroomModel.__init__)
    params = [p for p in base.parameters.values() if p.kind is not p.VAR_KEYWORD]
    params += [inspect.Parameter(k, inspect.Parameter.KEYWORD_ONLY, default=1.0) for k in SLIDERS]
    return base.replace(parameters=params)


ClassroomModel.__init__.__signature__ = _classroom_signature()  # type: ignore[attr-defined]
