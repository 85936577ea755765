"""The model an instructor drives: a scenario's ``DefectionModel`` with sliders.

Mesa only (no Solara), so the GIF export (:mod:`sim.app.gif`) and the tests use it
without the web page. The sliders are the declared parameters that carry a ``slider``
label (:data:`sim.core.parameters.MODEL`); each is a factor on the scenario's own
value (× 1 = as configured), so the same controls work for every scenario.

What the page reads from its address (:func:`parse_settings`) and what a control may hold
is checked here, once: a bad seed, slider value or scenario name gives a message, never a
model built from it.
"""

from __future__ import annotations

import copy
import csv
import functools
import inspect
import io
import math
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import parse_qs, urlencode

import yaml

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
#: the sliders' range (a factor on the scenario's value)
FACTOR_LOW, FACTOR_HIGH, FACTOR_STEP = 0.0, 3.0, 0.1
#: the categorical switches the page offers (issue 10), with their declared choices;
#: name -> allowed values (each is also a field of :class:`Settings`)
SWITCHES: dict[str, tuple[str, ...]] = {
    name: MODEL_BY_NAME[name].choices for name in ("expectations", "timing")
}
#: the largest seed the page accepts (any non-negative integer is a valid seed; the
#: bound keeps an address from carrying a number of a million digits)
MAX_SEED = 2**63 - 1


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

    def __init__(
        self,
        scenario: str = "syria_2012",
        seed: int | str = 0,
        expectations: str | None = None,
        timing: str | None = None,
        **factors: float,
    ) -> None:
        if scenario not in SCENARIOS:
            raise ValueError(f"scenario={scenario!r}: allowed: one of {', '.join(SCENARIOS)}")
        seed = check_seed(seed)
        cfg = scenario_config(scenario)
        run = validate(cfg)
        self.base_model = run.model  # the scenario's own values, which the sliders scale
        switches = {"expectations": expectations, "timing": timing}
        values = {k: v for k, v in switches.items() if v is not None}
        for k, v in values.items():
            if v not in SWITCHES[k]:
                raise ValueError(f"{k}={v!r}: allowed: one of {', '.join(SWITCHES[k])}")
        self.factors = {k: 1.0 for k in SLIDERS}
        self.factors.update({k: check_factor(k, f) for k, f in factors.items()})
        values.update(self._scaled(self.factors))
        super().__init__(run, seed=seed, **values)
        #: (step, factors) whenever the sliders changed during the run
        self.factor_history: list[tuple[int, dict[str, float]]] = [(0, dict(self.factors))]
        self.scenario = scenario
        self.spec_steps = run.steps
        self.scenario_title = run.scenario_title
        self.description = run.description
        self.positions = network_layout(self.world.tribe, self.world.role)
        self.ties = None if self.world.complete else self.edges()
        self.labels_by_name = self.labels.labels

    def _scaled(self, factors: dict[str, float]) -> dict[str, float]:
        values = {}
        for keyword, factor in factors.items():
            name = SLIDERS[keyword][0]
            value = getattr(self.base_model, name) * float(factor)
            values[name] = min(value, MODEL_BY_NAME[name].high)
        return values

    def set_factors(self, **factors: float) -> None:
        """Live what-if: new slider values act from the next step, without a Reset.

        The weights are read afresh by every decision, so changing them mid-run is
        well defined; the change is recorded (:attr:`factor_history`) so an export says
        what the run was."""
        checked = {k: check_factor(k, f) for k, f in factors.items()}
        if all(self.factors[k] == v for k, v in checked.items()):
            return
        self.factors.update(checked)
        self.run = self.run.with_model(**self._scaled(self.factors))
        self.params = self.run.params()
        self.factor_history.append((self.t, dict(self.factors)))

    @staticmethod
    def scenario_switches(scenario: str) -> dict[str, str]:
        """The scenario's own expectations and timing."""
        model = _scenario_config(scenario).get("model", {})
        return {k: model.get(k, MODEL_BY_NAME[k].default) for k in SWITCHES}

    def params_text(self) -> str:
        """The switches and sliders that differ from the scenario's own values."""
        own = self.scenario_switches(self.scenario)
        parts = [f"{k} {getattr(self.run.model, k)}" for k in SWITCHES
                 if getattr(self.run.model, k) != own[k]]  # fmt: skip
        parts += [f"{SLIDERS[k][1]} ×{f:g}" for k, f in self.factors.items() if f != 1.0]
        return ", ".join(parts)

    @property
    def finished(self) -> bool:
        """The scenario's last step is reached (Play stops here)."""
        return self.t >= self.spec_steps

    def state_codes(self):
        """Each official's state code (:class:`sim.core.state.State`), an array."""
        return self.dynamics.state

    def states(self) -> list[str]:
        return [o.state.label for o in self.officials]

    def summary(self) -> str:
        """One line for the feed instead of a flood: what changed at the last step."""
        if self.t == 0:
            return "Nothing has happened yet: press Step or Play."
        counts: dict[str, int] = {}
        for event in self.event_log:
            if event["step"] == self.t:
                counts[event["to"]] = counts.get(event["to"], 0) + 1
        when = f"Week {self.t}" if self.calendar else f"Step {self.t}"
        if not counts:
            return f"{when}: no official changed state."
        words = {"preparing": "started preparing", "defected": "defected", "arrested": "arrested"}
        parts = [f"{n} {words.get(k, k)}" for k, n in sorted(counts.items())]
        return f"{when}: " + ", ".join(parts) + "."

    def named_feed(self, limit: int = 8) -> list[str]:
        """Changes of the named officials and scheduled events only (newest first)."""
        lines = [
            line
            for line, event in zip(self.feed(limit=10**9), reversed(self.event_log), strict=True)
            if event["name"] or event["scheduled"]
        ]
        return lines[:limit]

    def config_record(self) -> dict[str, Any]:
        """The resolved config of this run (what ``config.yaml`` records): the scenario's,
        with this seed and the model values in force now."""
        cfg = scenario_config(self.scenario)
        cfg["seed"] = self.seed
        cfg["model"] = {**cfg.get("model", {}), **self.run.model.model_dump()}
        cfg["app"] = {
            "scenario": self.scenario,
            "slider_changes": [{"step": t, **f} for t, f in self.factor_history],
        }
        return cfg

    def config_yaml(self) -> str:
        return yaml.safe_dump(self.config_record(), sort_keys=False, default_flow_style=None)

    def timeseries_csv(self) -> str:
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=["step", *self.curve_names])
        writer.writeheader()
        writer.writerows(self.timeseries())
        return buffer.getvalue()

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


# --- what the page accepts ------------------------------------------------------------------
class SettingsError(ValueError):
    """A value the page cannot use: ``key``, the value, and what is allowed."""

    def __init__(self, key: str, value: Any, allowed: str) -> None:
        shown = value if len(str(value)) <= 40 else str(value)[:40] + "..."
        super().__init__(f"{key}={shown!r} is not allowed: {allowed}")
        self.key = key


def check_seed(seed: Any) -> int:
    """A seed from a box or an address: a whole number in [0, MAX_SEED]."""
    allowed = f"a whole number from 0 to {MAX_SEED}"
    if isinstance(seed, bool):
        raise SettingsError("seed", seed, allowed)
    if isinstance(seed, str):
        text = seed.strip()
        if not text.isdigit() or len(text) > 19:
            raise SettingsError("seed", seed, allowed)
        seed = int(text)
    if not isinstance(seed, int) or not 0 <= seed <= MAX_SEED:
        raise SettingsError("seed", seed, allowed)
    return seed


def check_factor(keyword: str, value: Any) -> float:
    """A slider value: a number in [FACTOR_LOW, FACTOR_HIGH]."""
    if keyword not in SLIDERS:
        raise SettingsError(keyword, value, "one of " + ", ".join(SLIDERS))
    allowed = f"a number from {FACTOR_LOW:g} to {FACTOR_HIGH:g}"
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise SettingsError(keyword, value, allowed) from None
    if isinstance(value, bool) or not math.isfinite(number):
        raise SettingsError(keyword, value, allowed)
    if not FACTOR_LOW <= number <= FACTOR_HIGH:
        raise SettingsError(keyword, value, allowed)
    return number


def check_scenario(name: Any) -> str:
    """Only a known scenario name (a file of ``configs/scenario/``), never a path."""
    if not isinstance(name, str) or name not in SCENARIOS:
        raise SettingsError("scenario", name, "one of " + ", ".join(SCENARIOS))
    return name


@dataclass(frozen=True)
class Settings:
    """What the page needs to build a run: everything the address can carry."""

    scenario: str = "syria_2012"
    seed: int = 0
    expectations: str | None = None
    timing: str | None = None
    factors: dict[str, float] = field(default_factory=dict)

    def build(self) -> ClassroomModel:
        return ClassroomModel(
            self.scenario, self.seed, self.expectations, self.timing, **self.factors
        )

    def query(self) -> str:
        """The address's query string that reproduces this run."""
        items: dict[str, Any] = {"scenario": self.scenario, "seed": self.seed}
        for k in SWITCHES:
            if getattr(self, k) is not None:
                items[k] = getattr(self, k)
        items.update({k: f"{v:g}" for k, v in self.factors.items() if v != 1.0})
        return urlencode(items)

    def with_(self, **changes: Any) -> Settings:
        return replace(self, **changes)


def parse_settings(query: str | None) -> tuple[Settings, list[str]]:
    """The settings an address asks for, and a message per value that was refused (the
    refused value is left at its default)."""
    settings, errors = Settings(), []
    if not query:
        return settings, errors
    if len(query) > 2000:
        return settings, ["the address is too long: nothing in it was used"]
    values = {k: v[-1] for k, v in parse_qs(query, keep_blank_values=True).items()}
    changes: dict[str, Any] = {}
    factors: dict[str, float] = {}
    for key, value in values.items():
        try:
            if key == "scenario":
                changes["scenario"] = check_scenario(value)
            elif key == "seed":
                changes["seed"] = check_seed(value)
            elif key in SWITCHES:
                if value not in SWITCHES[key]:
                    raise SettingsError(key, value, "one of " + ", ".join(SWITCHES[key]))
                changes[key] = value
            elif key in SLIDERS:
                factors[key] = check_factor(key, value)
            else:
                allowed = ", ".join(["scenario", "seed", *SWITCHES, *SLIDERS])
                raise SettingsError(key, value, f"the address may carry: {allowed}")
        except SettingsError as e:
            errors.append(str(e))
    return replace(settings, factors=factors, **changes), errors
