"""The officials: roles, tribes, home regions and names (the structure), then their
traits (ODD.md, section 5), from a checked :class:`sim.config.schema.Population`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from sim.config.schema import Population
from sim.core.distributions import Constant, Normal, Uniform
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
    of a sweep point only draw: the same numbers, from the same generator, as
    :func:`draw_traits` has always drawn them.

    The draws are done in order, each of its full size (so the generator advances as
    it always has), but:

    - a constant draws nothing: the constants are set once, in a template array;
    - a value that a later entry overwrites (a tribe's trait over a role's) is not
      written at all: each draw writes only the officials it decides (its "kept" ones);
    - consecutive uniform draws are one ``rng.random`` block, scaled (NumPy's
      ``uniform(low, high, n)`` is ``low + (high - low) * random(n)``, bit for bit), and
      consecutive normal draws one ``rng.standard_normal`` block (``normal(mean, sd, n)``
      is ``mean + sd * standard_normal(n)``); ``tests/test_model.py`` checks both.
    """

    def __init__(self, population: Population, structure: Structure) -> None:
        tribes, roles, named = population.tribes, population.roles, population.named
        n_unnamed = sum(role.count for role in roles.values())
        self.size = structure.size
        self.traits: list[tuple[str, np.ndarray, list[tuple]]] = []
        for trait in TRAITS:
            steps: list[tuple[np.ndarray, Any]] = []
            start = 0
            for role_name, role in roles.items():
                idx = np.arange(start, start + role.count)
                start += role.count
                steps.append((idx, population.role_distribution(trait.name, role_name)))
                for t, tribe in enumerate(tribes.values()):
                    if trait.name in tribe.traits:
                        steps.append((idx[structure.tribe[idx] == t], tribe.traits[trait.name]))
            for j, (name, entry) in enumerate(named.items()):
                spec = population.distribution(trait.name, entry.role, entry.tribe, name)
                steps.append((np.array([n_unnamed + j]), spec))
            dtype = np.int64 if trait.integer else np.float64
            self.traits.append((trait.name, *self._program(steps, dtype)))

    def _program(self, steps: list[tuple[np.ndarray, Any]], dtype: Any) -> tuple:
        """The template (constants set) and the draws, grouped into blocks."""
        owner = np.full(self.size, -1)
        for k, (idx, _) in enumerate(steps):
            owner[idx] = k  # the last entry that writes an official decides his value
        template = np.zeros(self.size, dtype=dtype)
        program: list[tuple] = []
        for k, (idx, spec) in enumerate(steps):
            keep = owner[idx] == k
            at = idx[keep]
            whole = bool(keep.all())
            if isinstance(spec, Constant):
                template[at] = spec.value
                continue
            family = "uniform" if isinstance(spec, Uniform) else None
            family = "normal" if isinstance(spec, Normal) else family
            part = (len(idx), at, None if whole else keep, spec)
            if family and program and program[-1][0] == family:
                _, total, parts = program[-1]
                program[-1] = (family, total + len(idx), [*parts, part])
            else:
                program.append((family or "draw", len(idx), [part]))
        return template, program

    def draw(self, rng: np.random.Generator) -> dict[str, np.ndarray]:
        """One replicate's traits, drawn from ``rng`` (its parameter generator)."""
        out: dict[str, np.ndarray] = {}
        for name, template, program in self.traits:
            values = template.copy()
            for family, total, parts in program:
                if family == "uniform":
                    block = rng.random(total)
                elif family == "normal":
                    block = rng.standard_normal(total)
                k = 0
                for n, at, keep, spec in parts:
                    if family == "uniform":
                        drawn = spec.low + (spec.high - spec.low) * block[k : k + n]
                    elif family == "normal":
                        drawn = np.clip(spec.mean + spec.sd * block[k : k + n], spec.low, spec.high)
                    else:
                        drawn = spec.draw(n, rng)
                    k += n
                    values[at] = drawn if keep is None else drawn[keep]
            out[name] = values
        return out
