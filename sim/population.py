"""Build the officials' attributes (roles, tribes, regions, parameters) from a config.

Pure NumPy, no Mesa: the Mesa model and any batched engine build the same population
from the same generator. See ODD.md, section 5 (initialization) for the draw order.

A parameter's distribution is taken from, in order of precedence: the named official's
own entry, the official's tribe, the official's role, ``population.defaults``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.special import ndtri

from sim.errors import ConfigError

INF = math.inf

#: per-official parameters: (lower bound, upper bound, integer valued, meaning)
PARAMETERS: dict[str, tuple[float, float, bool, str]] = {
    "disaffection": (0.0, INF, False, "x_i, private disaffection (Kuran)"),
    "privileges": (0.0, INF, False, "W_i, what loyalty pays"),
    "exposure": (0.0, INF, False, "X_i, retribution faced if caught loyal on the losing side"),
    "amnesty_trust": (0.0, 1.0, False, "tau_i, trust in the opposition's amnesty"),
    "threshold": (-INF, INF, False, "T_i, personal threshold"),
    "preparation_time": (0.0, INF, True, "k_i, steps needed to move family and money out"),
    "rank_weight": (0.0, INF, False, "how loudly a defection is heard"),
}
#: used where neither the population's defaults, a role, a tribe nor a name set a value
#: (configs/config.yaml's population.defaults mirrors these; a test checks it)
BUILTIN_DEFAULTS: dict[str, float] = {
    "disaffection": 0.0,
    "privileges": 0.0,
    "exposure": 0.0,
    "amnesty_trust": 0.0,
    "threshold": 0.5,
    "preparation_time": 0,
    "rank_weight": 1.0,
}

#: distributions and their keys; the "positional" ones assign values by position in a role
DISTRIBUTIONS: dict[str, tuple[str, ...]] = {
    "constant": ("value",),
    "uniform": ("low", "high"),
    "normal": ("mean", "sd", "low", "high"),
    "normal_quantiles": ("mean", "sd", "low", "high"),
    "beta": ("a", "b", "low", "high"),
    "integers": ("low", "high"),
    "values": ("values",),
    "fractions": ("numerators", "denominator", "replace"),
}
POSITIONAL = {"values", "fractions"}

_NAME_CHARS = set("abcdefghijklmnopqrstuvwxyz0123456789_")


@dataclass
class Population:
    """The officials' fixed attributes, one array entry per official (index = official_id)."""

    role_names: list[str]
    tribe_names: list[str]
    region_names: list[str]
    role: np.ndarray  # int codes into role_names
    tribe: np.ndarray  # int codes into tribe_names
    region: np.ndarray  # int codes into region_names (home region)
    name: list[str]  # "" for unnamed officials
    params: dict[str, np.ndarray] = field(default_factory=dict)
    scripted: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))  # act only by events

    @property
    def size(self) -> int:
        return len(self.role)

    def index_of(self, name: str) -> int:
        """official_id of a named official."""
        return self.name.index(name)


def check_name(key: str, name: Any) -> str:
    """Role, tribe and region names become CSV column names: lower-case identifiers."""
    if not isinstance(name, str) or not name or not set(name) <= _NAME_CHARS:
        raise ConfigError(key, name, "a lower-case name of letters, digits and '_'")
    return name


def _number(key: str, value: Any, low: float = -INF, high: float = INF, integer: bool = False):
    if isinstance(value, bool) or not isinstance(value, int | float) or math.isnan(value):
        raise ConfigError(key, value, "an integer" if integer else "a number")
    if integer and int(value) != value:
        raise ConfigError(key, value, "an integer")
    if not low <= value <= high:
        raise ConfigError(key, value, _range_text(low, high, integer))
    return int(value) if integer else float(value)


def _range_text(low: float, high: float, integer: bool = False) -> str:
    kind = "an integer" if integer else "a number"
    if low == -INF and high == INF:
        return kind
    if high == INF:
        return f"{kind} >= {low:g}"
    if low == -INF:
        return f"{kind} <= {high:g}"
    return f"{kind} in [{low:g}, {high:g}]"


def check_distribution(key: str, spec: Any, param: str, count: int | None = None) -> None:
    """Raise ConfigError unless ``spec`` is a valid distribution for ``param``.

    The distribution's whole support must lie within the parameter's bounds (so a
    probability cannot be drawn outside [0, 1] by chance in some seeds only).
    """
    low, high, integer, _ = PARAMETERS[param]
    allowed_bounds = _range_text(low, high, integer)
    if not isinstance(spec, Mapping):
        _number(key, spec, low, high, integer)
        return
    dist = spec.get("dist")
    if dist not in DISTRIBUTIONS:
        raise ConfigError(f"{key}.dist", dist, "one of " + ", ".join(DISTRIBUTIONS))
    for k in spec:
        if k != "dist" and k not in DISTRIBUTIONS[dist]:
            allowed = ", ".join(("dist", *DISTRIBUTIONS[dist]))
            raise ConfigError(f"{key}.{k}", spec[k], f"keys of a {dist} distribution: {allowed}")
    if integer and dist not in {"constant", "integers", "values"}:
        raise ConfigError(
            f"{key}.dist", dist, "constant, integers or values (an integer parameter)"
        )

    def need(k: str, lo: float = -INF, hi: float = INF, integral: bool = False):
        if k not in spec:
            raise ConfigError(f"{key}.{k}", None, f"a {dist} distribution needs '{k}'")
        return _number(f"{key}.{k}", spec[k], lo, hi, integral)

    def support_within(lo: float, hi: float) -> None:
        if lo < low or hi > high:
            raise ConfigError(
                key, dict(spec), allowed_bounds, f"its support [{lo:g}, {hi:g}] leaves the bounds"
            )

    if dist == "constant":
        need("value", low, high, integer)
    elif dist in {"uniform", "integers"}:
        lo, hi = need("low", integral=integer), need("high", integral=integer)
        if lo > hi:
            raise ConfigError(f"{key}.high", hi, f"a number >= low ({lo:g})")
        support_within(lo, hi)
    elif dist in {"normal", "normal_quantiles"}:
        need("mean")
        need("sd", 0.0)
        lo = _number(f"{key}.low", spec.get("low", -INF))
        hi = _number(f"{key}.high", spec.get("high", INF))
        if lo >= hi:
            raise ConfigError(f"{key}.high", hi, f"a number > low ({lo:g})")
        if lo < low or hi > high:
            raise ConfigError(
                key,
                dict(spec),
                f"low and high within the bounds of {param} ({allowed_bounds})",
                "a normal distribution must be clipped to the parameter's bounds",
            )
    elif dist == "beta":
        need("a", 1e-12)
        need("b", 1e-12)
        lo, hi = (
            _number(f"{key}.low", spec.get("low", 0.0)),
            _number(f"{key}.high", spec.get("high", 1.0)),
        )
        if lo >= hi:
            raise ConfigError(f"{key}.high", hi, f"a number > low ({lo:g})")
        support_within(lo, hi)
    elif dist in POSITIONAL:
        values = _positional_values(key, spec, integer)
        for i, v in enumerate(values):
            _number(f"{key}[{i}]", v, low, high, integer)
        if count is None:
            raise ConfigError(
                f"{key}.dist",
                dist,
                "constant, uniform, normal, normal_quantiles, beta, integers",
                "values and fractions assign by position and are allowed only in a role",
            )
        if len(values) != count:
            raise ConfigError(
                key,
                f"{len(values)} values",
                f"exactly one value per official of the role ({count})",
            )


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
    for idx, num in (spec.get("replace") or {}).items():
        i = _number(f"{key}.replace", idx, 0, len(nums) - 1, integer=True)
        nums[i] = _number(f"{key}.replace.{idx}", num, integer=True)
    den = _number(f"{key}.denominator", spec.get("denominator"), 1, integer=True)
    # integer / integer: the same float as the peer share D / N for D == numerator
    return [num / den for num in nums]


def draw(spec: Any, n: int, rng: np.random.Generator, param: str) -> np.ndarray:
    """Draw ``n`` values of ``param`` from a validated distribution spec."""
    integer = PARAMETERS[param][2]
    dtype = np.int64 if integer else np.float64
    if not isinstance(spec, Mapping):
        return np.full(n, spec, dtype=dtype)
    dist = spec["dist"]
    if dist == "constant":
        return np.full(n, spec["value"], dtype=dtype)
    if dist == "uniform":
        return rng.uniform(spec["low"], spec["high"], n)
    if dist == "integers":
        return rng.integers(spec["low"], spec["high"], n, endpoint=True)
    if dist == "normal":
        values = rng.normal(spec["mean"], spec["sd"], n)
        return np.clip(values, spec.get("low", -INF), spec.get("high", INF))
    if dist == "normal_quantiles":
        # deterministic thresholds at the mid-quantiles (Granovetter 1978's normal case)
        q = (np.arange(n) + 0.5) / n
        values = spec["mean"] + spec["sd"] * ndtri(q)
        return np.clip(values, spec.get("low", -INF), spec.get("high", INF))
    if dist == "beta":
        lo, hi = spec.get("low", 0.0), spec.get("high", 1.0)
        return lo + (hi - lo) * rng.beta(spec["a"], spec["b"], n)
    return np.asarray(_positional_values(param, spec, integer), dtype=dtype)


def largest_remainder(total: int, shares: Sequence[float]) -> list[int]:
    """Split ``total`` into integer counts proportional to ``shares`` (Hamilton's method).

    >>> largest_remainder(10, [1, 1, 1])
    [4, 3, 3]
    """
    weights = np.asarray(shares, dtype=float)
    exact = total * weights / weights.sum()
    counts = np.floor(exact).astype(int)
    order = np.argsort(-(exact - counts), kind="stable")
    counts[order[: total - counts.sum()]] += 1
    return counts.tolist()


def build_structure(
    population: Mapping, regions: Sequence[str], rng: np.random.Generator
) -> Population:
    """The officials without their parameters: roles, tribes, regions, names.

    Order of officials: roles in config order, each role's unnamed officials (tribes
    assigned by largest remainder, then permuted with ``rng``), then the named officials.
    The returned Population has empty ``params`` (see :func:`draw_parameters`).

    Args:
        population: mapping with ``defaults``, ``tribes``, ``roles`` and ``named``.
        regions: the model's region names (keys of the rebellion config).
        rng: the structure generator (ODD.md, section 5).
    """
    check_population(population, regions)
    tribes: Mapping = population["tribes"]
    roles: Mapping = population["roles"]
    named: Mapping = population.get("named") or {}
    role_names, tribe_names = list(roles), list(tribes)
    region_names = list(regions)

    role_codes, tribe_codes = [], []
    for r, role in enumerate(roles.values()):
        mix = role.get("tribes") or {t: tribes[t].get("share", 1.0) for t in tribe_names}
        counts = largest_remainder(role["count"], [mix.get(t, 0.0) for t in tribe_names])
        codes = np.repeat(np.arange(len(tribe_names)), counts)
        tribe_codes.append(rng.permutation(codes))
        role_codes.append(np.full(role["count"], r))
    for entry in named.values():
        role_codes.append(np.array([role_names.index(entry["role"])]))
        tribe_codes.append(np.array([tribe_names.index(entry["tribe"])]))
    role_arr = np.concatenate(role_codes).astype(np.int64) if role_codes else np.zeros(0, int)
    tribe_arr = np.concatenate(tribe_codes).astype(np.int64) if tribe_codes else np.zeros(0, int)
    n_unnamed = sum(role["count"] for role in roles.values())
    home = np.array(
        [region_names.index(tribes[t]["home_region"]) for t in tribe_names], dtype=np.int64
    )
    region_arr = home[tribe_arr] if len(tribe_arr) else np.zeros(0, np.int64)
    names = [""] * n_unnamed + list(named)
    scripted = np.zeros(len(role_arr), dtype=bool)
    for j, entry in enumerate(named.values()):
        if entry.get("region") is not None:
            region_arr[n_unnamed + j] = region_names.index(entry["region"])
        scripted[n_unnamed + j] = bool(entry.get("scripted", False))
    return Population(
        role_names, tribe_names, region_names, role_arr, tribe_arr, region_arr, names, {}, scripted
    )


def draw_parameters(
    population: Mapping, structure: Population, rng: np.random.Generator
) -> dict[str, np.ndarray]:
    """Draw every official's parameters, in the order of ODD.md, section 5.

    Precedence: named official > tribe > role > ``population.defaults`` > built-in default.
    """
    tribes: Mapping = population["tribes"]
    roles: Mapping = population["roles"]
    named: Mapping = population.get("named") or {}
    defaults: Mapping = BUILTIN_DEFAULTS | dict(population.get("defaults") or {})
    tribe_arr = structure.tribe
    n_unnamed = sum(role["count"] for role in roles.values())
    params: dict[str, np.ndarray] = {}
    for param in PARAMETERS:
        integer = PARAMETERS[param][2]
        values = np.zeros(structure.size, dtype=np.int64 if integer else np.float64)
        start = 0
        for role in roles.values():
            idx = np.arange(start, start + role["count"])
            start += role["count"]
            values[idx] = draw(role.get(param, defaults[param]), len(idx), rng, param)
            for t, tribe in enumerate(tribes.values()):
                if param in tribe:
                    cell = idx[tribe_arr[idx] == t]
                    values[cell] = draw(tribe[param], len(cell), rng, param)
        for j, entry in enumerate(named.values()):
            spec = entry.get(
                param,
                tribes[entry["tribe"]].get(param, roles[entry["role"]].get(param, defaults[param])),
            )
            values[n_unnamed + j] = draw(spec, 1, rng, param)[0]
        params[param] = values
    return params


def build_population(
    population: Mapping,
    regions: Sequence[str],
    structure_rng: np.random.Generator,
    parameter_rng: np.random.Generator | None = None,
) -> Population:
    """The officials of ``population``: structure, then parameters (ODD.md, section 5).

    With one generator, both come from it (structure first)."""
    structure = build_structure(population, regions, structure_rng)
    structure.params = draw_parameters(population, structure, parameter_rng or structure_rng)
    return structure


def check_population(population: Mapping, regions: Sequence[str]) -> None:
    """Validate the ``population`` node; raise ConfigError naming the first bad key."""
    if not isinstance(population, Mapping):
        raise ConfigError("population", population, "a mapping with defaults, tribes, roles, named")
    for k in population:
        if k not in {"defaults", "tribes", "roles", "named"}:
            raise ConfigError(
                f"population.{k}", population[k], "keys defaults, tribes, roles, named"
            )
    regions = list(regions)
    tribes = population.get("tribes") or {}
    roles = population.get("roles") or {}
    if not tribes:
        raise ConfigError("population.tribes", tribes, "at least one tribe")
    if not roles:
        raise ConfigError("population.roles", roles, "at least one role")
    param_keys = ", ".join(PARAMETERS)
    for param, spec in (population.get("defaults") or {}).items():
        if param not in PARAMETERS:
            raise ConfigError(f"population.defaults.{param}", spec, f"one of {param_keys}")
        check_distribution(f"population.defaults.{param}", spec, param)
    for name, tribe in tribes.items():
        key = f"population.tribes.{name}"
        check_name(key, name)
        if not isinstance(tribe, Mapping):
            raise ConfigError(key, tribe, "a mapping with home_region, share and parameters")
        for k, v in tribe.items():
            if k == "home_region":
                if v not in regions:
                    raise ConfigError(
                        f"{key}.home_region", v, "one of the regions: " + ", ".join(regions)
                    )
            elif k == "share":
                _number(f"{key}.share", v, 0.0)
            elif k in PARAMETERS:
                check_distribution(f"{key}.{k}", v, k)
            else:
                raise ConfigError(f"{key}.{k}", v, f"home_region, share or one of {param_keys}")
        if "home_region" not in tribe:
            raise ConfigError(
                f"{key}.home_region", None, "one of the regions: " + ", ".join(regions)
            )
    for name, role in roles.items():
        key = f"population.roles.{name}"
        check_name(key, name)
        if not isinstance(role, Mapping):
            raise ConfigError(key, role, "a mapping with count, tribes and parameters")
        count = _number(f"{key}.count", role.get("count"), 0, integer=True)
        for k, v in role.items():
            if k == "count":
                continue
            if k == "tribes":
                if not isinstance(v, Mapping) or not v:
                    raise ConfigError(f"{key}.tribes", v, "a mapping of tribe names to shares")
                for t, share in v.items():
                    if t not in tribes:
                        raise ConfigError(
                            f"{key}.tribes.{t}", share, "one of the tribes: " + ", ".join(tribes)
                        )
                    _number(f"{key}.tribes.{t}", share, 0.0)
                if sum(v.values()) <= 0:
                    raise ConfigError(f"{key}.tribes", dict(v), "shares with a positive sum")
            elif k in PARAMETERS:
                check_distribution(f"{key}.{k}", v, k, count=count)
            else:
                raise ConfigError(f"{key}.{k}", v, f"count, tribes or one of {param_keys}")
        if "tribes" not in role and sum(t.get("share", 1.0) for t in tribes.values()) <= 0:
            raise ConfigError("population.tribes", "shares", "tribe shares with a positive sum")
    for name, entry in (population.get("named") or {}).items():
        key = f"population.named.{name}"
        check_name(key, name)
        if not isinstance(entry, Mapping):
            raise ConfigError(key, entry, "a mapping with role, tribe, region and parameters")
        if entry.get("role") not in roles:
            raise ConfigError(
                f"{key}.role", entry.get("role"), "one of the roles: " + ", ".join(roles)
            )
        if entry.get("tribe") not in tribes:
            raise ConfigError(
                f"{key}.tribe", entry.get("tribe"), "one of the tribes: " + ", ".join(tribes)
            )
        for k, v in entry.items():
            if k in {"role", "tribe", "label"}:
                continue
            if k == "scripted":
                if not isinstance(v, bool):
                    raise ConfigError(f"{key}.scripted", v, "true or false")
                continue
            if k == "region":
                if v is not None and v not in regions:
                    raise ConfigError(
                        f"{key}.region", v, "one of the regions: " + ", ".join(regions)
                    )
            elif k in PARAMETERS:
                check_distribution(f"{key}.{k}", v, k)
            else:
                raise ConfigError(
                    f"{key}.{k}", v, f"role, tribe, region, label, scripted or one of {param_keys}"
                )
        for param in PARAMETERS:
            spec = entry.get(
                param, tribes[entry["tribe"]].get(param, roles[entry["role"]].get(param))
            )
            if isinstance(spec, Mapping) and spec.get("dist") in POSITIONAL:
                raise ConfigError(
                    f"{key}.{param}",
                    None,
                    "a value for this named official",
                    f"its role assigns {param} by position",
                )
