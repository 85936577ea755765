"""Exogenous inputs: the calendar, rebellion schedules and scheduled events.

Events come from the config's ``events`` list and, optionally, from an events file
(``seeds/events.yaml`` for the Syria scenario), whose documented entries carry a
``model`` block saying how the model enacts them.
"""

from __future__ import annotations

import datetime as dt
import itertools
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from sim.errors import ConfigError
from sim.population import check_name

EVENT_KINDS = {
    "defection": "a named official defects publicly (optionally amplifying his rank weight)",
    "arrest": "a named official is arrested (house arrest)",
    "rebellion_shock": "rebellion in a region jumps by 'size' from this step on",
    "survival_shock": "the log-odds of the regime's perceived survival shift by 'size'",
}
_EVENT_KEYS = {
    "kind",
    "step",
    "date",
    "official",
    "region",
    "size",
    "broadcast_multiplier",
    "label",
}

log = logging.getLogger(__name__)
PROJECT_ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Event:
    """One scheduled event, enacted at the end of the model step that reaches ``step``."""

    step: int
    kind: str
    official: str | None = None
    region: str | None = None
    size: float = 0.0
    broadcast_multiplier: float = 1.0
    label: str = ""


@dataclass(frozen=True)
class Calendar:
    """Maps dates to steps: step = floor((date - start_date) / step_days)."""

    start_date: dt.date
    step_days: int

    def step_of(self, date: dt.date) -> int:
        return (date - self.start_date).days // self.step_days

    def date_of(self, step: int) -> dt.date:
        return self.start_date + dt.timedelta(days=self.step_days * step)


def parse_date(key: str, value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise ConfigError(key, value, "a date YYYY-MM-DD") from None


def make_calendar(calendar: Mapping | None) -> Calendar | None:
    if not calendar:
        return None
    start = parse_date("calendar.start_date", calendar.get("start_date"))
    days = calendar.get("step_days", 7)
    if isinstance(days, bool) or not isinstance(days, int) or days < 1:
        raise ConfigError("calendar.step_days", days, "an integer >= 1")
    return Calendar(start, days)


def resolve_path(path: str | Path) -> Path:
    """A relative path is taken from the current folder, else from the project root."""
    p = Path(path)
    if p.is_absolute() or p.exists():
        return p
    return PROJECT_ROOT / p


def read_events_file(path: str | Path) -> list[dict]:
    """The ``model`` blocks of a documented events file, each with its entry's date."""
    p = resolve_path(path)
    if not p.is_file():
        raise ConfigError("events_file", str(path), "a YAML file of documented events", "not found")
    with open(p, encoding="utf-8") as f:
        doc = yaml.safe_load(f) or {}
    out = []
    for i, entry in enumerate(doc.get("events") or []):
        if entry.get("model"):
            spec = dict(entry["model"])
            spec.setdefault("date", entry.get("date"))
            spec.setdefault("label", entry.get("id", f"event {i}"))
            out.append(spec)
    return out


def build_events(
    specs: Sequence[Mapping],
    calendar: Calendar | None,
    steps: int | None,
    officials: Sequence[str],
    regions: Sequence[str],
) -> list[Event]:
    """Validate event specs and turn dates into steps; returns events sorted by step."""
    events = []
    for i, spec in enumerate(specs):
        key = f"events[{i}]"
        if not isinstance(spec, Mapping):
            raise ConfigError(key, spec, "a mapping with kind and step (or date)")
        for k in spec:
            if k not in _EVENT_KEYS:
                raise ConfigError(f"{key}.{k}", spec[k], "keys " + ", ".join(sorted(_EVENT_KEYS)))
        kind = spec.get("kind")
        if kind not in EVENT_KINDS:
            raise ConfigError(f"{key}.kind", kind, "one of " + ", ".join(EVENT_KINDS))
        if spec.get("step") is not None:
            step = spec["step"]
            if isinstance(step, bool) or not isinstance(step, int):
                raise ConfigError(f"{key}.step", step, "an integer step")
        elif spec.get("date") is not None:
            if calendar is None:
                raise ConfigError(f"{key}.date", spec["date"], "a step (no calendar is set)")
            step = calendar.step_of(parse_date(f"{key}.date", spec["date"]))
        else:
            raise ConfigError(f"{key}.step", None, "an integer step or a date")
        if step < 0:
            raise ConfigError(f"{key}.step", step, "a step >= 0")
        if steps is not None and step > steps:
            log.warning(
                "%s (%s) is at step %d, after the run's last step %d: it will not happen",
                key,
                spec.get("label") or kind,
                step,
                steps,
            )
        official, region = spec.get("official"), spec.get("region")
        if kind in {"defection", "arrest"} and official not in officials:
            allowed = ", ".join(officials) or "none are defined in population.named"
            raise ConfigError(f"{key}.official", official, f"a named official: {allowed}")
        if kind == "rebellion_shock" and region not in regions:
            raise ConfigError(f"{key}.region", region, "one of the regions: " + ", ".join(regions))
        size = spec.get("size", 0.0)
        if isinstance(size, bool) or not isinstance(size, int | float):
            raise ConfigError(f"{key}.size", size, "a number")
        mult = spec.get("broadcast_multiplier", 1.0)
        if isinstance(mult, bool) or not isinstance(mult, int | float) or mult <= 0:
            raise ConfigError(f"{key}.broadcast_multiplier", mult, "a number > 0")
        label = str(spec.get("label") or f"{kind} {official or region or ''}".strip())
        events.append(Event(step, kind, official, region, float(size), float(mult), label))
    return sorted(events, key=lambda e: e.step)


@dataclass(frozen=True)
class RebellionSchedule:
    """Piecewise-linear exogenous rebellion per region: ``steps[r]``, ``levels[r]``."""

    regions: tuple[str, ...]
    steps: tuple[np.ndarray, ...]
    levels: tuple[np.ndarray, ...]

    def levels_at(self, step: int) -> np.ndarray:
        """The schedule's level per region at ``step``, shape (G,)."""
        return np.array(
            [np.interp(step, s, lv) for s, lv in zip(self.steps, self.levels, strict=True)]
        )


def build_rebellion(rebellion: Mapping, calendar: Calendar | None) -> RebellionSchedule:
    """Validate ``rebellion`` ({region: {points: [[step or date, level], ...]}})."""
    if not isinstance(rebellion, Mapping) or not rebellion:
        raise ConfigError(
            "rebellion", rebellion, "a mapping of region names to {points: [[step, level], ...]}"
        )
    regions, steps, levels = [], [], []
    for region, spec in rebellion.items():
        key = f"rebellion.{region}"
        check_name(key, region)
        points = spec.get("points") if isinstance(spec, Mapping) else None
        if not points or not all(isinstance(p, Sequence) and len(p) == 2 for p in points):
            raise ConfigError(
                f"{key}.points", points, "a non-empty list of [step or date, level] pairs"
            )
        s, lv = [], []
        for j, (when, level) in enumerate(points):
            if isinstance(when, int) and not isinstance(when, bool):
                s.append(when)
            elif calendar is not None:
                s.append(calendar.step_of(parse_date(f"{key}.points[{j}]", when)))
            else:
                raise ConfigError(
                    f"{key}.points[{j}]", when, "an integer step (no calendar is set)"
                )
            if isinstance(level, bool) or not isinstance(level, int | float) or not 0 <= level <= 1:
                raise ConfigError(f"{key}.points[{j}]", level, "a rebellion level in [0, 1]")
            lv.append(float(level))
        if any(b <= a for a, b in itertools.pairwise(s)):
            raise ConfigError(f"{key}.points", points, "points in increasing order of step")
        regions.append(region)
        steps.append(np.asarray(s, dtype=float))
        levels.append(np.asarray(lv))
    return RebellionSchedule(tuple(regions), tuple(steps), tuple(levels))
