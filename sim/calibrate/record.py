"""The documented record as data (``seeds/record.yaml``), checked at the boundary, and the
model's counts of what each of its points counts.

A point is a count of officials of a group (generals, heads of mission, the cabinet,
parliament, a tracker's total, ...) who had defected by a date. A calibration maps each
group it uses to the model's roles; the model's count of a group at a date is the number
of officials of those roles visibly defected at the step of that date.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import yaml

from sim.config.schema import Calendar, Run, parse_date, resolve_path
from sim.errors import ConfigError, one_of

USES = ("calibration", "held_out", "context")
KINDS = ("cumulative", "event")


@dataclass(frozen=True)
class Point:
    """One documented count.

    Attributes:
        id, date, group: what is counted, when.
        low, high: the count (equal unless the source gives a range); ``high`` is
            infinite for "more than" counts.
        kind: cumulative (since March 2011) or event.
        qualifier: how the source gives it (exact, about, at least, more than, range, claim).
        use: calibration, held_out or context.
    """

    id: str
    date: dt.date
    group: str
    low: float
    high: float
    kind: str
    qualifier: str
    use: str

    @property
    def value(self) -> float:
        """The count to compare with: the middle of a range, the bound of "more than"."""
        return self.low if math.isinf(self.high) else (self.low + self.high) / 2


def load_record(path: str) -> list[Point]:
    """The points of a record file, each checked (one-line ConfigError otherwise)."""
    allowed = "a YAML record file with a list 'series' (seeds/record.yaml)"
    p = resolve_path(path)
    if not p.is_file():
        raise ConfigError("record", path, allowed, "not found")
    try:
        doc = yaml.safe_load(p.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as e:
        raise ConfigError("record", path, allowed, f"unreadable ({type(e).__name__})") from None
    series = doc.get("series") if isinstance(doc, Mapping) else None
    if not isinstance(series, list):
        raise ConfigError("record", path, allowed, "no list 'series'")
    points, seen = [], set()
    for i, entry in enumerate(series):
        key = f"record.series[{i}]"
        if not isinstance(entry, Mapping):
            raise ConfigError(key, entry, "a mapping with id, date, group, count, kind, use")
        ident = entry.get("id")
        if not isinstance(ident, str) or not ident or ident in seen:
            raise ConfigError(f"{key}.id", ident, "a unique name")
        seen.add(ident)
        date = parse_date(f"{key}.date", entry.get("date"))
        group = entry.get("group")
        if not isinstance(group, str) or not group:
            raise ConfigError(f"{key}.group", group, "the name of a group")
        if "count" in entry:
            low = high = _count(f"{key}.count", entry["count"])
        else:
            low = _count(f"{key}.low", entry.get("low"))
            high = _count(f"{key}.high", entry.get("high"))
            if high < low:
                raise ConfigError(f"{key}.high", high, f"a count >= low ({low:g})")
        qualifier = str(entry.get("qualifier", "exact"))
        if qualifier == "more than":
            low, high = low + 1, math.inf
        kind = entry.get("kind", "cumulative")
        if kind not in KINDS and entry.get("use", "context") != "context":
            raise ConfigError(f"{key}.kind", kind, one_of(KINDS, kind))
        use = entry.get("use", "context")
        if use not in USES:
            raise ConfigError(f"{key}.use", use, one_of(USES, use))
        points.append(Point(ident, date, group, low, high, str(kind), qualifier, use))
    return points


def _count(key: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not value >= 0:
        raise ConfigError(key, value, "a count >= 0")
    if not math.isfinite(value):
        raise ConfigError(key, value, "a finite count >= 0")
    return float(value)


def check_countable(points: Sequence[Point], groups: Mapping[str, Sequence[str]], run: Run):
    """Every calibration and held-out point must be a cumulative count of a group that
    the calibration maps to roles the scenario has, at a date its calendar reaches."""
    if run.calendar is None:
        raise ConfigError("scenario.calendar", None, "a calendar (the record is dated)")
    roles = list(run.population.roles)
    for name, members in groups.items():
        for role in members:
            if role not in roles:
                raise ConfigError(
                    f"groups.{name}", role, one_of(roles, role, "roles of the scenario:")
                )
    for point in points:
        if point.use == "context":
            continue
        if point.group not in groups:
            raise ConfigError(
                f"record.{point.id}.group",
                point.group,
                one_of(groups, point.group, "a group the calibration counts:"),
            )
        if point.kind != "cumulative":
            raise ConfigError(f"record.{point.id}.kind", point.kind, "cumulative (to be counted)")
        step = run.calendar.step_of(point.date)
        if not 0 <= step <= run.steps:
            raise ConfigError(
                f"record.{point.id}.date",
                str(point.date),
                f"a date the run covers (steps 0..{run.steps})",
            )


def role_sizes(run: Run) -> dict[str, int]:
    """Officials per role, named officials included."""
    sizes = {name: role.count for name, role in run.population.roles.items()}
    for entry in run.population.named.values():
        sizes[entry.role] += 1
    return sizes


def counts(
    curves: Mapping[str, np.ndarray],
    points: Sequence[Point],
    groups: Mapping[str, Sequence[str]],
    sizes: Mapping[str, int],
    calendar: Calendar,
) -> np.ndarray:
    """The model's count of each point's group at its date, per run: (points, runs).

    ``curves`` are the timeseries columns (steps along axis 0, runs along axis 1):
    ``share_defected_<role>`` times the role's size is its number defected.
    """
    out = []
    for point in points:
        step = calendar.step_of(point.date)
        total = 0
        for role in groups[point.group]:
            total = total + np.rint(
                np.asarray(curves[f"share_defected_{role}"])[step] * sizes[role]
            )
        out.append(np.atleast_1d(total))
    return np.array(out, dtype=float)
