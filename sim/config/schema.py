"""The boundary: a resolved config (a plain mapping) becomes a typed, checked :class:`Run`.

:func:`validate` is the only place a config is checked. Every entry point calls it
once (the command line, the Python API, the app, a sweep job receiving its point); the
layers below it (:mod:`sim.world`, :mod:`sim.agents`, :mod:`sim.engine`) trust what it
returns. Any problem ends in one :class:`sim.errors.ConfigError`, whose one line names
the key, the value and what is allowed, with a "did you mean" for a misspelled name.

The checks come from the declarations of :mod:`sim.core.parameters` (model parameters
and traits) and :mod:`sim.core.distributions`; pydantic (v2) carries them through the
nested sections and records where a value sits, so that the error names its key.
"""

from __future__ import annotations

import datetime as dt
import functools
import itertools
import logging
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal, get_args, get_origin

import yaml
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    PrivateAttr,
    ValidationError,
    create_model,
    model_validator,
)

from sim.core import distributions as dist
from sim.core.events import KINDS as EVENT_KINDS
from sim.core.parameters import (
    MODEL,
    NETWORK_BY_NAME,
    TRAITS,
    TRAITS_BY_NAME,
    ModelParams,
    Parameter,
    model_params,
)
from sim.errors import ConfigError, did_you_mean, one_of

INF = math.inf
log = logging.getLogger(__name__)
PROJECT_ROOT = Path(__file__).resolve().parents[2]
_NAME_CHARS = set("abcdefghijklmnopqrstuvwxyz0123456789_")
TRAIT_NAMES = ", ".join(p.name for p in TRAITS)


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", arbitrary_types_allowed=True, strict=True)


# --- leaf checks --------------------------------------------------------------------------------
def _checked(spec: Parameter) -> Any:
    """A field type that accepts what ``spec`` allows, with its one-line error."""

    def check(value: Any) -> Any:
        if not spec.accepts(value):
            raise ConfigError("", value, spec.allowed())
        if spec.choices:
            return value
        return int(value) if spec.integer else float(value)

    return Annotated[Any, BeforeValidator(check)]


def _number(key: str, value: Any, low: float = -INF, high: float = INF, integer: bool = False):
    spec = Parameter(key, 0, "", "", low=low, high=high, integer=integer)
    if not spec.accepts(value):
        raise ConfigError(key, value, spec.allowed())
    return int(value) if integer else float(value)


def check_name(key: str, name: Any) -> str:
    """Role, tribe and region names become CSV column names: lower-case identifiers."""
    if not isinstance(name, str) or not name or not set(name) <= _NAME_CHARS:
        raise ConfigError(key, name, "a lower-case name of letters, digits and '_'")
    return name


def parse_date(key: str, value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise ConfigError(key, value, "a date YYYY-MM-DD") from None


def _mapping(key: str, value: Any, allowed: str) -> Mapping:
    if not isinstance(value, Mapping):
        raise ConfigError(key, value, allowed)
    return value


# --- distributions of traits -------------------------------------------------------------------
def parse_trait(key: str, spec: Any, trait: Parameter, count: int | None = None):
    """A trait's distribution from a config value (a number or a ``dist`` mapping).

    The distribution's whole support must lie within the trait's range, so that a
    probability cannot be drawn outside [0, 1] by chance in some seeds only; an integer
    trait takes only a number, ``constant``, ``integers`` or ``values``; a positional
    distribution (``values``, ``fractions``) gives exactly one value per official of
    the role (``count``) and is allowed only in a role.
    """
    allowed_bounds = trait.allowed()
    if not isinstance(spec, Mapping):
        if not trait.accepts(spec):
            raise ConfigError(key, spec, allowed_bounds)
        return dist.Constant(int(spec) if trait.integer else float(spec))
    name = spec.get("dist")
    if name not in dist.KEYS:
        raise ConfigError(f"{key}.dist", name, one_of(dist.KEYS, name))
    for k in spec:
        if k != "dist" and k not in dist.KEYS[name]:
            keys = ", ".join(("dist", *dist.KEYS[name]))
            raise ConfigError(f"{key}.{k}", spec[k], f"keys of a {name} distribution: {keys}")
    if trait.integer and name not in dist.INTEGER_DISTS:
        raise ConfigError(
            f"{key}.dist", name, "constant, integers or values (an integer parameter)"
        )

    def need(k: str, lo: float = -INF, hi: float = INF, integral: bool = False):
        if k not in spec:
            raise ConfigError(f"{key}.{k}", None, f"a {name} distribution needs '{k}'")
        return _number(f"{key}.{k}", spec[k], lo, hi, integral)

    def optional(k: str, default: float) -> float:
        return _number(f"{key}.{k}", spec.get(k, default)) if k in spec else default

    def within(d, problem: str = "") -> Any:
        lo, hi = d.support()
        if lo < trait.low or hi > trait.high:
            raise ConfigError(
                key,
                dict(spec),
                allowed_bounds,
                problem or f"its support [{lo:g}, {hi:g}] leaves the bounds",
            )
        return d

    if name == "constant":
        value = need("value", trait.low, trait.high, trait.integer)
        if not trait.accepts(value):
            raise ConfigError(f"{key}.value", spec["value"], allowed_bounds)
        return dist.Constant(value)
    if name in {"uniform", "integers"}:
        integer = name == "integers"
        lo, hi = need("low", integral=integer), need("high", integral=integer)
        if lo > hi:
            raise ConfigError(f"{key}.high", hi, f"a number >= low ({lo:g})")
        made = dist.Integers(int(lo), int(hi)) if integer else dist.Uniform(lo, hi)
        return within(made)
    if name in {"normal", "normal_quantiles"}:
        mean, sd = need("mean"), need("sd", 0.0)
        lo, hi = optional("low", -INF), optional("high", INF)
        if lo >= hi:
            raise ConfigError(f"{key}.high", hi, f"a number > low ({lo:g})")
        kind = dist.Normal if name == "normal" else dist.NormalQuantiles
        if lo < trait.low or hi > trait.high:
            raise ConfigError(
                key,
                dict(spec),
                f"low and high within the bounds of {trait.name} ({allowed_bounds})",
                "a normal distribution must be clipped to the parameter's bounds",
            )
        return kind(mean, sd, lo, hi)
    if name == "beta":
        a, b = need("a", 1e-12), need("b", 1e-12)
        lo, hi = optional("low", 0.0), optional("high", 1.0)
        if lo >= hi:
            raise ConfigError(f"{key}.high", hi, f"a number > low ({lo:g})")
        return within(dist.Beta(a, b, lo, hi))
    values = _positional_values(key, spec, trait.integer)
    for i, v in enumerate(values):
        if not trait.accepts(v):
            raise ConfigError(f"{key}[{i}]", v, allowed_bounds)
    if count is None:
        raise ConfigError(
            f"{key}.dist",
            name,
            "constant, uniform, normal, normal_quantiles, beta, integers",
            "values and fractions assign by position and are allowed only in a role",
        )
    if len(values) != count:
        raise ConfigError(
            key, f"{len(values)} values", f"exactly one value per official of the role ({count})"
        )
    return dist.Values(tuple(int(v) if trait.integer else float(v) for v in values))


def _positional_values(key: str, spec: Mapping, integer: bool) -> list[float]:
    if spec["dist"] == "values":
        values = spec.get("values")
        if not isinstance(values, Sequence) or isinstance(values, str):
            raise ConfigError(f"{key}.values", values, "a list of numbers")
        return list(values)
    numerators = spec.get("numerators")
    if isinstance(numerators, Mapping):
        start = _number(f"{key}.numerators.start", numerators.get("start", 0), integer=True)
        stop = _number(f"{key}.numerators.stop", numerators.get("stop"), integer=True)
        nums = list(range(start, stop))
    elif isinstance(numerators, Sequence) and not isinstance(numerators, str):
        nums = [
            _number(f"{key}.numerators[{i}]", v, integer=True) for i, v in enumerate(numerators)
        ]
    else:
        raise ConfigError(f"{key}.numerators", numerators, "a list of integers or {start, stop}")
    replace = spec.get("replace") or {}
    if not isinstance(replace, Mapping):
        raise ConfigError(f"{key}.replace", replace, "a mapping of positions to numerators")
    for idx, num in replace.items():
        i = _number(f"{key}.replace", idx, 0, len(nums) - 1, integer=True)
        nums[i] = _number(f"{key}.replace.{idx}", num, integer=True)
    den = _number(f"{key}.denominator", spec.get("denominator"), 1, integer=True)
    # integer / integer: the same float as the peer share D / N for D == numerator
    return [num / den for num in nums]


def _split_traits(
    raw: Any, fixed: Sequence[str], what: str, count: int | None = None
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Separate a population entry's own keys from its traits (parsed), in one pass."""
    allowed = f"{', '.join(fixed)} or one of {TRAIT_NAMES}"
    entry = _mapping("", raw, f"a mapping with {what}")
    own, traits = {}, {}
    for k, v in entry.items():
        if k in fixed:
            own[k] = v
        elif k in TRAITS_BY_NAME:
            traits[k] = parse_trait(str(k), v, TRAITS_BY_NAME[k], count)
        else:
            hint = did_you_mean(k, [*fixed, *TRAITS_BY_NAME])
            raise ConfigError(str(k), v, allowed + (f" ({hint})" if hint else ""))
    return own, traits


# --- population -------------------------------------------------------------------------------
class Tribe(_Section):
    """A community or tribe: its home region, its share of officials (default equal), and
    trait distributions for its members."""

    home_region: str
    share: float = 1.0
    traits: dict[str, Any] = {}

    @model_validator(mode="before")
    @classmethod
    def _parse(cls, raw: Any) -> dict:
        own, traits = _split_traits(raw, ("home_region", "share"), "home_region, share and traits")
        if "share" in own:
            own["share"] = _number("share", own["share"], 0.0)
        if "home_region" not in own:
            raise ConfigError("home_region", None, "the name of one of the regions")
        return {**own, "traits": traits}


class Role(_Section):
    """An institution: its number of (unnamed) officials, its mix of tribes (default: the
    tribes' shares) and trait distributions for its members."""

    count: int
    tribes: dict[str, float] | None = None
    traits: dict[str, Any] = {}

    @model_validator(mode="before")
    @classmethod
    def _parse(cls, raw: Any) -> dict:
        entry = _mapping("", raw, "a mapping with count, tribes and traits")
        count = _number("count", entry.get("count"), 0, integer=True)
        own, traits = _split_traits(entry, ("count", "tribes"), "count, tribes and traits", count)
        own["count"] = count
        if "tribes" in own:
            mix = own["tribes"]
            if not isinstance(mix, Mapping) or not mix:
                raise ConfigError("tribes", mix, "a mapping of tribe names to shares")
            own["tribes"] = {t: _number(f"tribes.{t}", s, 0.0) for t, s in mix.items()}
            if sum(own["tribes"].values()) <= 0:
                raise ConfigError("tribes", dict(mix), "shares with a positive sum")
        return {**own, "traits": traits}


class Named(_Section):
    """A documented official: his role and tribe (and home region if not his tribe's),
    a label, whether he is scripted (acts only through his events), his own traits."""

    role: str
    tribe: str
    region: str | None = None
    label: str = ""
    scripted: bool = False
    traits: dict[str, Any] = {}

    @model_validator(mode="before")
    @classmethod
    def _parse(cls, raw: Any) -> dict:
        fixed = ("role", "tribe", "region", "label", "scripted")
        own, traits = _split_traits(raw, fixed, "role, tribe, region and traits")
        if "scripted" in own and not isinstance(own["scripted"], bool):
            raise ConfigError("scripted", own["scripted"], "true or false")
        if "label" in own:
            own["label"] = str(own["label"] or "")
        return {**own, "traits": traits}


class Population(_Section):
    """The officials: ``defaults`` (trait distributions), ``tribes``, ``roles``, ``named``."""

    defaults: dict[str, Any] = {}
    tribes: dict[str, Tribe]
    roles: dict[str, Role]
    named: dict[str, Named] = {}

    @model_validator(mode="before")
    @classmethod
    def _parse(cls, raw: Any) -> dict:
        pop = dict(_mapping("", raw, "a mapping with defaults, tribes, roles, named"))
        for k in pop:
            if k not in {"defaults", "tribes", "roles", "named"}:
                raise ConfigError(
                    k, pop[k], one_of(["defaults", "tribes", "roles", "named"], k, "keys")
                )
        for section in ("tribes", "roles", "named"):
            entries = pop.get(section) or {}
            _mapping(section, entries, f"a mapping of {section} by name")
            for name in entries:
                check_name(f"{section}.{name}", name)
            pop[section] = entries
        if not pop["tribes"]:
            raise ConfigError("tribes", pop["tribes"], "at least one tribe")
        if not pop["roles"]:
            raise ConfigError("roles", pop["roles"], "at least one role")
        defaults = _mapping("defaults", pop.get("defaults") or {}, "a mapping of traits")
        parsed = {}
        for k, v in defaults.items():
            if k not in TRAITS_BY_NAME:
                raise ConfigError(f"defaults.{k}", v, one_of(TRAITS_BY_NAME, k))
            parsed[k] = parse_trait(f"defaults.{k}", v, TRAITS_BY_NAME[k])
        pop["defaults"] = parsed
        return pop

    def distribution(self, trait: str, role: str, tribe: str, named: str | None = None):
        """The distribution an official's trait is drawn from. Precedence: the named
        official's own entry > his tribe > his role > ``defaults`` > the declared default."""
        sources = [self.tribes[tribe].traits, self.roles[role].traits, self.defaults]
        if named is not None:
            sources.insert(0, self.named[named].traits)
        for source in sources:
            if trait in source:
                return source[trait]
        return dist.Constant(TRAITS_BY_NAME[trait].default)

    def role_distribution(self, trait: str, role: str):
        """A role's own distribution of a trait: the role's > ``defaults`` > declared."""
        for source in (self.roles[role].traits, self.defaults):
            if trait in source:
                return source[trait]
        return dist.Constant(TRAITS_BY_NAME[trait].default)


# --- exogenous inputs --------------------------------------------------------------------------
class Calendar(_Section):
    """Maps dates to steps: step = floor((date - start_date) / step_days)."""

    start_date: dt.date
    step_days: int = 7

    @model_validator(mode="before")
    @classmethod
    def _parse(cls, raw: Any) -> dict:
        cal = _mapping("", raw, "a mapping with start_date and step_days")
        for k in cal:
            if k not in {"start_date", "step_days"}:
                raise ConfigError(k, cal[k], one_of(["start_date", "step_days"], k, "keys"))
        days = cal.get("step_days", 7)
        if isinstance(days, bool) or not isinstance(days, int) or days < 1:
            raise ConfigError("step_days", days, "an integer >= 1")
        return {"start_date": parse_date("start_date", cal.get("start_date")), "step_days": days}

    def step_of(self, date: dt.date) -> int:
        return (date - self.start_date).days // self.step_days

    def date_of(self, step: int) -> dt.date:
        return self.start_date + dt.timedelta(days=self.step_days * step)


class Network(_Section):
    """The graph of ties (ODD 7.5): its kind and sizes, declared in
    :data:`sim.core.parameters.NETWORK`. Checks that need the number of officials or
    the edge file are made by :class:`Run`."""

    kind: str = "complete"
    tribe_degree: float = 0.0
    institution_degree: float = 0.0
    random_degree: float = 0.0
    k: int = 4
    rewiring: float = 0.0
    mean_degree: float = 4.0
    blocks: str = "tribe"
    within_degree: float = 0.0
    between_degree: float = 0.0
    file: str = ""
    combine: str = "union"

    @model_validator(mode="before")
    @classmethod
    def _parse(cls, raw: Any) -> dict:
        net = dict(_mapping("", raw, "a mapping with kind and its sizes"))
        for k, v in net.items():
            spec = NETWORK_BY_NAME.get(k)
            if spec is None:
                raise ConfigError(k, v, one_of(NETWORK_BY_NAME, k, "one of"))
            if v is None and spec.text:
                v = ""
            if not spec.accepts(v):
                raise ConfigError(k, v, spec.allowed())
            if not (spec.choices or spec.text):
                net[k] = int(v) if spec.integer else float(v)
        return net


@dataclass(frozen=True)
class Event:
    """One scheduled event, resolved to a step (ODD 7.4)."""

    step: int
    kind: str
    official: str | None = None
    region: str | None = None
    size: float = 0.0
    broadcast_multiplier: float = 1.0
    label: str = ""


@dataclass(frozen=True)
class RebellionSchedule:
    """Piecewise-linear exogenous rebellion per region: ``steps[r]``, ``levels[r]``,
    flat beyond its first and last points."""

    regions: tuple[str, ...]
    steps: tuple[tuple[float, ...], ...]
    levels: tuple[tuple[float, ...], ...]

    def last_step(self) -> int:
        return int(max((s[-1] for s in self.steps), default=0))


_EVENT_KEYS = (
    "kind",
    "step",
    "date",
    "official",
    "region",
    "size",
    "broadcast_multiplier",
    "label",
)


def resolve_path(path: str | Path) -> Path:
    """A relative path is taken from the current folder, else from the project root."""
    p = Path(path)
    if p.is_absolute() or p.exists():
        return p
    return PROJECT_ROOT / p


@functools.lru_cache(maxsize=16)
def _load_yaml(path: str, mtime_ns: int, size: int) -> Any:
    """A YAML file's contents, read once per version of the file (a sweep checks the
    same events file at every point; the key changes when the file does)."""
    return yaml.safe_load(Path(path).read_text(encoding="utf-8"))


def read_events_file(path: Any) -> list[dict]:
    """The ``model`` blocks of a documented events file, each with its entry's date."""
    allowed = "a YAML file of documented events (a mapping with a list 'events')"
    if not isinstance(path, str) or not path:
        raise ConfigError("events_file", path, allowed)
    p = resolve_path(path)
    if not p.is_file():
        raise ConfigError("events_file", path, allowed, "not found")
    try:
        stat = p.stat()
        doc = _load_yaml(str(p.resolve()), stat.st_mtime_ns, stat.st_size) or {}
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as e:
        raise ConfigError(
            "events_file", path, allowed, f"unreadable ({type(e).__name__})"
        ) from None
    entries = doc.get("events") if isinstance(doc, Mapping) else None
    if not isinstance(entries, list):
        raise ConfigError("events_file", path, allowed, "no list 'events'")
    out = []
    for i, entry in enumerate(entries):
        if isinstance(entry, Mapping) and entry.get("model"):
            spec = entry["model"]
            if not isinstance(spec, Mapping):
                raise ConfigError(
                    "events_file", path, allowed, f"entry {i}: 'model' is not a mapping"
                )
            spec = dict(spec)
            spec.setdefault("date", entry.get("date"))
            spec.setdefault("label", entry.get("id", f"event {i}"))
            out.append(spec)
    return out


def _event(key: str, spec: Any, calendar: Calendar | None, named: Sequence[str], regions):
    if not isinstance(spec, Mapping):
        raise ConfigError(key, spec, "a mapping with kind and step (or date)")
    for k in spec:
        if k not in _EVENT_KEYS:
            raise ConfigError(f"{key}.{k}", spec[k], one_of(sorted(_EVENT_KEYS), k, "keys"))
    kind = spec.get("kind")
    if kind not in EVENT_KINDS:
        raise ConfigError(f"{key}.kind", kind, one_of(EVENT_KINDS, kind))
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
    official, region = spec.get("official"), spec.get("region")
    if kind in {"defection", "arrest"} and official not in named:
        text = (
            one_of(named, official, "a named official:")
            if named
            else "a named official: none are defined in population.named"
        )
        raise ConfigError(f"{key}.official", official, text)
    if kind == "rebellion_shock" and region not in regions:
        raise ConfigError(f"{key}.region", region, one_of(regions, region, "one of the regions:"))
    size = _number(f"{key}.size", spec.get("size", 0.0))
    mult = spec.get("broadcast_multiplier", 1.0)
    if isinstance(mult, bool) or not isinstance(mult, int | float) or not (0 < mult < INF):
        raise ConfigError(f"{key}.broadcast_multiplier", mult, "a number > 0")
    label = str(spec.get("label") or f"{kind} {official or region or ''}".strip())
    return Event(step, kind, official, region, size, float(mult), label)


def _points(key: str, spec: Any, calendar: Calendar | None) -> tuple[tuple, tuple]:
    """A schedule ``{points: [[step or date, level in [0, 1]], ...]}``: (steps, levels)."""
    points = spec.get("points") if isinstance(spec, Mapping) else None
    if isinstance(spec, Mapping) and set(spec) - {"points"}:
        extra = sorted(set(spec) - {"points"})[0]
        raise ConfigError(f"{key}.{extra}", spec[extra], "points")
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
            raise ConfigError(f"{key}.points[{j}]", when, "an integer step (no calendar is set)")
        if isinstance(level, bool) or not isinstance(level, int | float) or not 0 <= level <= 1:
            raise ConfigError(f"{key}.points[{j}]", level, "a level in [0, 1]")
        lv.append(float(level))
    if any(b <= a for a, b in itertools.pairwise(s)):
        raise ConfigError(f"{key}.points", points, "points in increasing order of step")
    return tuple(float(x) for x in s), tuple(lv)


def _rebellion(raw: Any, calendar: Calendar | None) -> RebellionSchedule:
    allowed = "a mapping of region names to {points: [[step, level], ...]}"
    if not isinstance(raw, Mapping) or not raw:
        raise ConfigError("rebellion", raw, allowed)
    regions, steps, levels = [], [], []
    for region, spec in raw.items():
        key = f"rebellion.{region}"
        check_name(key, region)
        s, lv = _points(key, spec, calendar)
        regions.append(region)
        steps.append(s)
        levels.append(lv)
    return RebellionSchedule(tuple(regions), tuple(steps), tuple(levels))


class Output(_Section):
    figure: bool = True  # write cascade.png
    tables: Literal["parquet", "csv", "both"] = "parquet"  # a sweep's tables (sim/run/store.py)


_Model = create_model(
    "Model",
    __base__=_Section,
    __doc__="The model parameters (declared in :mod:`sim.core.parameters`).",
    **{p.name: (_checked(p), p.default) for p in MODEL},
)


class Model(_Model):  # type: ignore[valid-type, misc]
    """The model parameters (declared in :mod:`sim.core.parameters`)."""

    def params(self) -> ModelParams:
        """The record the compiled code reads."""
        return model_params(self.model_dump())


SEED = Parameter("seed", 0, "", "every random draw of the run derives from it", integer=True)
STEPS = Parameter("steps", 100, "", "number of model steps after step 0", integer=True)
REPLICATES = Parameter(
    "replicates", 1, "", "runs per parameter point in a sweep", integer=True, low=1
)
Seed = _checked(SEED)
Steps = _checked(STEPS)
Replicates = _checked(REPLICATES)


class Run(_Section):
    """A whole run config, checked: what :func:`validate` returns.

    Besides the sections, it carries the resolved inputs: :attr:`regions`,
    :attr:`schedule` (the rebellion schedule) and :attr:`scheduled_events` (the events
    file's entries, then the config's own ``events``, resolved to steps and sorted by
    step).
    """

    scenario_title: str = "Defection cascade"
    description: str = ""
    seed: Seed = 0
    structure_seed: Seed | None = None
    replicates: Replicates = 1
    sweep_name: str = "sweep"
    sample: dict[str, Any] | None = None  # a sampled sweep (sim/run/samplers.py)
    steps: Steps = 100
    calendar: Calendar | None = None
    model: Model = Model()
    network: Network = Network()
    population: Population
    rebellion: dict[str, Any]
    backing: dict[str, Any] = {"points": [[0, 0.0]]}
    events: list[Any] = []
    events_file: str | None = None
    output: Output = Output()

    _schedule: RebellionSchedule = PrivateAttr()
    _backing: RebellionSchedule = PrivateAttr()
    _events: list[Event] = PrivateAttr(default_factory=list)
    _edges: Any = PrivateAttr(default=None)
    _notes: list[str] = PrivateAttr(default_factory=list)

    @model_validator(mode="after")
    def _cross_check(self) -> Run:
        self._schedule = _rebellion(self.rebellion, self.calendar)
        backing_steps, backing_levels = _points("backing", self.backing, self.calendar)
        self._backing = RebellionSchedule(("backing",), (backing_steps,), (backing_levels,))
        regions = list(self._schedule.regions)
        pop = self.population
        for name, tribe in pop.tribes.items():
            if tribe.home_region not in regions:
                raise ConfigError(
                    f"population.tribes.{name}.home_region",
                    tribe.home_region,
                    one_of(regions, tribe.home_region, "one of the regions:"),
                )
        for name, role in pop.roles.items():
            for t in role.tribes or {}:
                if t not in pop.tribes:
                    raise ConfigError(
                        f"population.roles.{name}.tribes.{t}",
                        role.tribes[t],
                        one_of(pop.tribes, t, "one of the tribes:"),
                    )
            if role.tribes is None and sum(t.share for t in pop.tribes.values()) <= 0:
                raise ConfigError("population.tribes", "shares", "tribe shares with a positive sum")
        for name, entry in pop.named.items():
            key = f"population.named.{name}"
            if entry.role not in pop.roles:
                raise ConfigError(
                    f"{key}.role", entry.role, one_of(pop.roles, entry.role, "one of the roles:")
                )
            if entry.tribe not in pop.tribes:
                raise ConfigError(
                    f"{key}.tribe",
                    entry.tribe,
                    one_of(pop.tribes, entry.tribe, "one of the tribes:"),
                )
            if entry.region is not None and entry.region not in regions:
                raise ConfigError(
                    f"{key}.region",
                    entry.region,
                    one_of(regions, entry.region, "one of the regions:"),
                )
            for trait in TRAITS:
                if pop.distribution(trait.name, entry.role, entry.tribe, name).positional:
                    raise ConfigError(
                        f"{key}.{trait.name}",
                        None,
                        "a value for this named official",
                        f"its role assigns {trait.name} by position",
                    )
        if not isinstance(self.events, list):
            raise ConfigError("events", self.events, "a list of events")
        specs = read_events_file(self.events_file) if self.events_file is not None else []
        specs += list(self.events)
        named = list(pop.named)
        self._events = sorted(
            (_event(f"events[{i}]", s, self.calendar, named, regions) for i, s in enumerate(specs)),
            key=lambda e: e.step,
        )
        self._notes = []
        _check_defaults_used(pop)
        self._check_network()
        self._check_initial_defectors()
        for note in self._notes:
            log.warning(note)
        return self

    def _check_network(self) -> None:
        """The network's checks that need the number of officials or the edge file."""
        net, n = self.network, self.n_officials()
        if net.kind in {"ring_lattice", "watts_strogatz"} and not (
            net.k >= 2 and net.k % 2 == 0 and net.k < n
        ):
            raise ConfigError(
                "network.k", net.k, f"an even integer in [2, N - 1] (N = {n} officials)"
            )
        if net.kind == "barabasi_albert":
            m = net.mean_degree / 2
            if not (m >= 1 and m == int(m) and m < n):
                raise ConfigError(
                    "network.mean_degree",
                    net.mean_degree,
                    f"an even integer 2m, 1 <= m < N (N = {n}): each new official brings m ties",
                )
        if net.kind == "erdos_renyi" and net.mean_degree > max(n - 1, 0):
            raise ConfigError(
                "network.mean_degree", net.mean_degree, f"a number <= N - 1 = {n - 1}"
            )
        if net.kind == "edge_list":
            from sim.config.edgefile import read_edge_file

            self._edges = read_edge_file(net.file, n, list(self.population.named), PROJECT_ROOT)
            self._notes += self._edges.notes
        elif net.file:
            raise ConfigError("network.file", net.file, "unset unless network.kind is edge_list")
        if self.model.peer_threshold == "count" and net.kind == "complete":
            pop = self.population
            for role in pop.roles:
                for tribe in pop.tribes:
                    # (an unbounded distribution, a normal, may reach above N - 1 by chance)
                    lo, hi = pop.distribution("threshold", role, tribe).support()
                    if lo > n - 1 or (hi > n - 1 and math.isfinite(hi)):
                        raise ConfigError(
                            f"population.roles.{role}.threshold",
                            hi if math.isfinite(hi) else lo,
                            f"a count threshold <= N - 1 = {n - 1} on the complete graph",
                            "no count of defected peers can reach it",
                        )

    def _check_initial_defectors(self) -> None:
        """A listed official must exist; a shared network with a deterministic rule
        gives every replicate the same initial defectors (a warning)."""
        rule, share, n = (
            self.model.initial_defectors,
            self.model.initial_defected_share,
            self.n_officials(),
        )
        if isinstance(rule, list | tuple):
            if share > 0:
                raise ConfigError(
                    "model.initial_defected_share",
                    share,
                    "0 when model.initial_defectors lists the officials",
                )
            named = list(self.population.named)
            for value in rule:
                if isinstance(value, int) and not 0 <= value < n:
                    raise ConfigError(
                        "model.initial_defectors", value, f"an official id in [0, {n - 1}]"
                    )
                if isinstance(value, str) and value not in named:
                    raise ConfigError(
                        "model.initial_defectors",
                        value,
                        one_of(named, value, "an id or a named official:")
                        if named
                        else "an official id (no official is named)",
                    )
        if self.structure_seed is None or rule == "random" or (not share and not rule):
            return
        if rule == "lowest_threshold":
            pop = self.population
            drawn = [pop.role_distribution("threshold", r) for r in pop.roles]
            drawn += [t.traits["threshold"] for t in pop.tribes.values() if "threshold" in t.traits]
            if not all(isinstance(d, dist.Constant) for d in drawn):
                return  # thresholds drawn per seed: the lowest differ between replicates
        self._notes.append(
            f"structure_seed is set and model.initial_defectors={rule} does not depend on "
            "the seed: every replicate starts from the same initial defectors (use random)"
        )

    @property
    def notes(self) -> list[str]:
        """Warnings about the config (logged once when it is checked)."""
        return list(self._notes)

    @property
    def edge_file(self) -> Any:
        """The ties of ``network.file`` (:class:`sim.config.edgefile.EdgeFile`), or None."""
        return self._edges

    @property
    def regions(self) -> list[str]:
        return list(self._schedule.regions)

    @property
    def schedule(self) -> RebellionSchedule:
        return self._schedule

    @property
    def backing_schedule(self) -> RebellionSchedule:
        """The outside backing of the regime over time (one schedule, levels in [0, 1])."""
        return self._backing

    @property
    def scheduled_events(self) -> list[Event]:
        return list(self._events)

    def params(self) -> ModelParams:
        return self.model.params()

    def with_model(self, **values: Any) -> Run:
        """The same run with some model parameters changed (each checked)."""
        return self.model_copy(
            update={"model": validate_model({**self.model.model_dump(), **values})}
        )

    def with_seed(self, seed: Any) -> Run:
        """The same run with another seed (checked)."""
        if not SEED.accepts(seed):
            raise ConfigError("seed", seed, SEED.allowed())
        return self.model_copy(update={"seed": int(seed)})

    def n_officials(self) -> int:
        return sum(r.count for r in self.population.roles.values()) + len(self.population.named)


def _check_defaults_used(pop: Population) -> None:
    """A trait set in ``population.defaults`` (away from its declared default) that no
    official draws from is an error, not a silent no-op: every role sets its own (or
    every tribe of it does). The precedence stays named > tribe > role > defaults."""
    for trait, spec in pop.defaults.items():
        if spec == dist.Constant(TRAITS_BY_NAME[trait].default):
            continue
        used = False
        for role in pop.roles.values():
            if trait in role.traits or role.count == 0:
                continue
            mix = role.tribes or {t: pop.tribes[t].share for t in pop.tribes}
            if any(s > 0 and trait not in pop.tribes[t].traits for t, s in mix.items()):
                used = True
        for entry in pop.named.values():
            sources = (entry.traits, pop.tribes[entry.tribe].traits, pop.roles[entry.role].traits)
            used = used or not any(trait in src for src in sources)
        if not used:
            setters = [
                f"population.roles.{r}.{trait}" for r, v in pop.roles.items() if trait in v.traits
            ]
            raise ConfigError(
                f"population.defaults.{trait}",
                getattr(spec, "value", spec),
                f"set it where it applies ({', '.join(setters[:3]) or 'the tribes'})",
                "no official draws from it: every role or tribe sets its own",
            )


# --- the boundary ----------------------------------------------------------------------------
def validate(raw: Mapping[str, Any]) -> Run:
    """Check a resolved config (Hydra's ``hydra`` key is ignored); raise ConfigError."""
    if isinstance(raw, Run):
        return raw
    if not isinstance(raw, Mapping):
        raise ConfigError("config", raw, "a mapping of the config's keys")
    data = {k: v for k, v in raw.items() if k != "hydra"}
    try:
        return Run.model_validate(data)
    except ValidationError as e:
        raise translate(e, Run) from None


def validate_model(raw: Mapping[str, Any]) -> Model:
    """Check a ``model`` block alone (the app's sliders, :meth:`Run.with_model`)."""
    try:
        return Model.model_validate(dict(raw))
    except ValidationError as e:
        raise translate(e, Model, ("model",)) from None


def translate(error: ValidationError, root: type[BaseModel], prefix: tuple = ()) -> ConfigError:
    """The first problem of a pydantic ValidationError as a one-line ConfigError."""
    err = error.errors(include_url=False)[0]
    loc = (*prefix, *err["loc"])
    path = key_of(loc)
    cause = (err.get("ctx") or {}).get("error")
    if isinstance(cause, ConfigError):
        return cause.under(path)
    kind, value = err["type"], err.get("input")
    fields = _fields_at(root, err["loc"][:-1]) if err["loc"] else []
    if kind == "extra_forbidden":
        parent = key_of(loc[:-1])
        where = f"under '{parent}'" if parent else "at the top level"
        return ConfigError(path, value, one_of(fields, loc[-1], f"a key {where}:"), "unknown key")
    if kind == "missing":
        return ConfigError(path, None, "a value", "missing")
    if kind in {"model_type", "model_attributes_type", "dict_type"}:
        keys = _fields_at(root, err["loc"])
        return ConfigError(
            path, value, "a mapping" + (f" with keys {', '.join(keys)}" if keys else "")
        )
    words = {
        "string_type": "a string",
        "bool_type": "true or false",
        "list_type": "a list",
        "int_type": "an integer",
        "float_type": "a number",
        "date_type": "a date YYYY-MM-DD",
    }
    return ConfigError(path, value, words.get(kind, err["msg"]))


def key_of(loc: Sequence[Any]) -> str:
    """('events', 4, 'official') -> 'events[4].official'."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _fields_at(root: type[BaseModel], loc: Sequence[Any]) -> list[str]:
    """The keys allowed at ``loc`` (walking the sections' types), or [] if not a section."""
    node: Any = root
    for part in loc:
        node = _unwrap(node)
        if isinstance(node, type) and issubclass(node, BaseModel):
            field = node.model_fields.get(str(part))
            if field is None:
                return []
            node = field.annotation
        elif get_origin(node) in (dict, list):
            node = get_args(node)[-1]
        else:
            return []
    node = _unwrap(node)
    if isinstance(node, type) and issubclass(node, BaseModel):
        return [k for k in node.model_fields if k != "traits"]
    return []


def _unwrap(node: Any) -> Any:
    """X | None -> X."""
    args = [a for a in get_args(node) if a is not type(None)]
    if get_origin(node) not in (dict, list) and len(args) == 1:
        return args[0]
    return node
