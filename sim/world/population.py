"""The officials: roles, tribes, home regions and names (the structure), then their
traits (ODD.md, section 5), from a checked :class:`sim.config.schema.Population`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from sim.config.schema import Population
from sim.core.distributions import Constant, Uniform
from sim.core.parameters import TRAITS


@dataclass(frozen=True)
class Structure:
    """The officials without their traits, one array entry per official (index =
    official_id): codes into ``role_names``, ``tribe_names`` and ``region_names``."""

    role_names: list[str]
    tribe_names: list[str]
    region_names: list[str]
    role: np.ndarray
    tribe: np.ndarray
    region: np.ndarray
    name: list[str]  # "" for unnamed officials
    scripted: np.ndarray  # named officials who act only through their events

    @property
    def size(self) -> int:
        return len(self.role)


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
    population: Population, regions: Sequence[str], rng: np.random.Generator
) -> Structure:
    """Roles, tribes, regions and names, from the structure generator.

    Order of officials: roles in config order, each role's unnamed officials (tribes
    assigned by largest remainder, then permuted with ``rng``), then the named officials.
    """
    tribes, roles, named = population.tribes, population.roles, population.named
    role_names, tribe_names, region_names = list(roles), list(tribes), list(regions)
    role_codes, tribe_codes = [], []
    for r, role in enumerate(roles.values()):
        mix = role.tribes or {t: tribes[t].share for t in tribe_names}
        counts = largest_remainder(role.count, [mix.get(t, 0.0) for t in tribe_names])
        codes = np.repeat(np.arange(len(tribe_names)), counts)
        tribe_codes.append(rng.permutation(codes))
        role_codes.append(np.full(role.count, r))
    for entry in named.values():
        role_codes.append(np.array([role_names.index(entry.role)]))
        tribe_codes.append(np.array([tribe_names.index(entry.tribe)]))
    role_arr = np.concatenate(role_codes).astype(np.int64) if role_codes else np.zeros(0, int)
    tribe_arr = np.concatenate(tribe_codes).astype(np.int64) if tribe_codes else np.zeros(0, int)
    n_unnamed = sum(role.count for role in roles.values())
    home = np.array([region_names.index(t.home_region) for t in tribes.values()], dtype=np.int64)
    region_arr = home[tribe_arr] if len(tribe_arr) else np.zeros(0, np.int64)
    scripted = np.zeros(len(role_arr), dtype=bool)
    for j, entry in enumerate(named.values()):
        if entry.region is not None:
            region_arr[n_unnamed + j] = region_names.index(entry.region)
        scripted[n_unnamed + j] = entry.scripted
    names = [""] * n_unnamed + list(named)
    return Structure(
        role_names, tribe_names, region_names, role_arr, tribe_arr, region_arr, names, scripted
    )


def draw_traits(
    population: Population, structure: Structure, rng: np.random.Generator
) -> dict[str, np.ndarray]:
    """Every official's traits, from the parameter generator, in the order of ODD.md 5:
    for each trait, each role's officials from the role's distribution (or the
    defaults), then redrawn for those of each tribe that sets it, then each named
    official. Precedence: named official > tribe > role > defaults > declared default."""
    return TraitPlan(population, structure).draw(rng)


class TraitPlan:
    """The draws of :func:`draw_traits` worked out once for a population and structure
    (which officials, from which distribution, in which order), so that the replicates
    of a sweep point only draw: the same numbers in the same order, without looking
    anything up again."""

    def __init__(self, population: Population, structure: Structure) -> None:
        tribes, roles, named = population.tribes, population.roles, population.named
        n_unnamed = sum(role.count for role in roles.values())
        self.size = structure.size
        self.traits: list[tuple[str, Any, list[tuple[Any, Any]]]] = []
        for trait in TRAITS:
            steps: list[tuple[Any, Any]] = []
            start = 0
            for role_name, role in roles.items():
                idx = np.arange(start, start + role.count)
                start += role.count
                steps.append(
                    (
                        slice(idx[0], idx[-1] + 1) if len(idx) else idx,
                        population.role_distribution(trait.name, role_name),
                    )
                )
                for t, tribe in enumerate(tribes.values()):
                    if trait.name in tribe.traits:
                        cell = idx[structure.tribe[idx] == t]
                        steps.append((cell, tribe.traits[trait.name]))
            for j, (name, entry) in enumerate(named.items()):
                spec = population.distribution(trait.name, entry.role, entry.tribe, name)
                steps.append((n_unnamed + j, spec))
            dtype = np.int64 if trait.integer else np.float64
            self.traits.append((trait.name, dtype, steps))
        self._cache: dict[int, list] = {}

    def draw(self, rng: np.random.Generator) -> dict[str, np.ndarray]:
        """One replicate's traits, drawn from ``rng`` (its parameter generator).

        Shortcuts that give the same numbers: a constant draws nothing, so it is
        assigned; a run of uniform draws is one ``rng.random`` block, scaled (NumPy's
        ``uniform(low, high, n)`` is ``low + (high - low) * random(n)``, bit for bit:
        ``tests/test_model.py`` checks it)."""
        out: dict[str, np.ndarray] = {}
        for name, dtype, steps in self.traits:
            values = np.zeros(self.size, dtype=dtype)
            for kind, where, spec in self._merged(steps):
                if kind == "constant":
                    values[where] = spec.value
                elif kind == "uniforms":
                    u = rng.random(spec[0])
                    k = 0
                    for at, n, low, span in spec[1]:
                        values[at] = low + span * u[k : k + n]
                        k += n
                elif isinstance(where, int):
                    values[where] = spec.draw(1, rng)[0]
                else:
                    values[where] = spec.draw(_length(where), rng)
            out[name] = values
        return out

    def _merged(self, steps: list[tuple[Any, Any]]) -> list[tuple[str, Any, Any]]:
        key = id(steps)
        cached = self._cache.get(key)
        if cached is None:
            cached = []
            for where, spec in steps:
                if isinstance(spec, Constant) and not isinstance(where, int):
                    cached.append(("constant", where, spec))
                elif isinstance(spec, Uniform) and not isinstance(where, int):
                    n = _length(where)
                    part = (where, n, spec.low, spec.high - spec.low)
                    if cached and cached[-1][0] == "uniforms":
                        total, parts = cached[-1][2]
                        cached[-1] = ("uniforms", None, (total + n, [*parts, part]))
                    else:
                        cached.append(("uniforms", None, (n, [part])))
                else:
                    cached.append(("draw", where, spec))
            self._cache[key] = cached
        return cached


def _length(where: Any) -> int:
    return where.stop - where.start if isinstance(where, slice) else len(where)
