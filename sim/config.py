"""Validation of a resolved run config (a plain dict), without Mesa or Hydra.

Every check raises :class:`sim.errors.ConfigError`, whose one-line message names the key,
the value and what is allowed. ``validate_config`` runs before anything is written.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Mapping
from typing import Any

from sim.errors import ConfigError
from sim.population import check_population
from sim.schedule import (
    build_events,
    build_rebellion,
    make_calendar,
    read_events_file,
)

INF = math.inf

#: the model block: key -> (low, high, open interval?)
MODEL_KEYS: dict[str, tuple[float, float, bool]] = {
    "disaffection_weight": (0.0, INF, False),
    "peer_weight": (0.0, INF, False),
    "tribal_pressure_weight": (0.0, INF, False),
    "danger_weight": (0.0, INF, False),
    "retribution_weight": (0.0, INF, False),
    "defector_credit": (0.0, INF, False),
    "late_defector_contempt": (0.0, INF, False),
    "privilege_weight": (0.0, INF, False),
    "defector_punishment": (0.0, INF, False),
    "detection_probability": (0.0, 1.0, False),
    "escape_probability": (0.0, 1.0, False),
    "initial_survival": (0.0, 1.0, True),
    "survival_defection_sensitivity": (0.0, INF, False),
    "survival_rebellion_sensitivity": (0.0, INF, False),
    "rebellion_feedback_weight": (0.0, INF, False),
    "initial_defected_share": (0.0, 1.0, False),
}
NETWORK_KINDS = ("complete", "ties")
NETWORK_DEGREES = ("tribe_degree", "institution_degree", "random_degree")
TOP_KEYS = (
    "scenario_title",
    "description",
    "seed",
    "structure_seed",
    "replicates",
    "sweep_name",
    "steps",
    "calendar",
    "model",
    "network",
    "population",
    "rebellion",
    "events",
    "events_file",
    "output",
)


def _number_in(key: str, value: Any, low: float, high: float, open_: bool = False) -> float:
    ok = not isinstance(value, bool) and isinstance(value, int | float) and not math.isnan(value)
    if ok:
        ok = low < value < high if open_ else low <= value <= high
    if not ok:
        if low == 0.0 and high == 1.0:
            allowed = "a number in (0, 1)" if open_ else "a probability in [0, 1]"
        elif high == INF:
            allowed = f"a number >= {low:g}"
        else:
            allowed = f"a number in [{low:g}, {high:g}]"
        raise ConfigError(key, value, allowed)
    return float(value)


def _integer(key: str, value: Any, low: int = 0) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise ConfigError(key, value, f"an integer >= {low}")
    return value


def event_specs(cfg: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The events file's model blocks followed by the config's own ``events``."""
    specs = read_events_file(cfg["events_file"]) if cfg.get("events_file") else []
    events = cfg.get("events") or []
    if not isinstance(events, list):
        raise ConfigError("events", events, "a list of events")
    return specs + [dict(e) if isinstance(e, Mapping) else e for e in events]


def validate_config(cfg: Mapping[str, Any]) -> None:
    """Check a resolved config; raise ConfigError naming the first bad key."""
    for key in cfg:
        if key not in TOP_KEYS and key != "hydra":
            raise ConfigError(key, cfg[key], "top-level keys " + ", ".join(TOP_KEYS))
    _integer("seed", cfg.get("seed"))
    if cfg.get("structure_seed") is not None:
        _integer("structure_seed", cfg.get("structure_seed"))
    steps = _integer("steps", cfg.get("steps"))
    _integer("replicates", cfg.get("replicates", 1), low=1)
    model = cfg.get("model") or {}
    for key, value in model.items():
        if key not in MODEL_KEYS:
            raise ConfigError(f"model.{key}", value, "one of " + ", ".join(MODEL_KEYS))
        _number_in(f"model.{key}", value, *MODEL_KEYS[key])
    network = cfg.get("network") or {}
    kind = network.get("kind", "complete")
    if kind not in NETWORK_KINDS:
        raise ConfigError("network.kind", kind, "one of " + ", ".join(NETWORK_KINDS))
    for key, value in network.items():
        if key == "kind":
            continue
        if key not in NETWORK_DEGREES:
            raise ConfigError(
                f"network.{key}", value, "kind or one of " + ", ".join(NETWORK_DEGREES)
            )
        _number_in(f"network.{key}", value, 0.0, INF)
    calendar = make_calendar(cfg.get("calendar"))
    schedule = build_rebellion(cfg.get("rebellion") or {}, calendar)
    population = cfg.get("population") or {}
    check_population(population, schedule.regions)
    build_events(
        event_specs(cfg), calendar, steps, list(population.get("named") or {}), schedule.regions
    )


def model_kwargs(cfg: Mapping[str, Any]) -> dict[str, Any]:
    """Keyword arguments of :class:`sim.model.DefectionModel` from a resolved config."""
    return {
        **dict(cfg.get("model") or {}),
        "population": cfg["population"],
        "network": dict(cfg.get("network") or {}),
        "rebellion": cfg["rebellion"],
        "events": event_specs(cfg),
        "calendar": cfg.get("calendar"),
        "seed": cfg["seed"],
        "structure_seed": cfg.get("structure_seed"),
    }


def model_defaults() -> dict[str, Any]:
    """Defaults of the model's scalar keywords (the config's ``model`` block mirrors them)."""
    from sim.model import DefectionModel  # imports Mesa: only when asked

    params = inspect.signature(DefectionModel.__init__).parameters
    return {k: params[k].default for k in MODEL_KEYS}
