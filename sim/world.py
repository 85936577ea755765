"""From the model's keyword arguments and a seed to its officials and network.

Mesa-free and shared by the Mesa model (:mod:`sim.model`) and the batched engine
(:mod:`sim.engine`), so both build exactly the same world from the same seed.

Random streams (ODD.md, section 5): ``SeedSequence(seed).spawn(3)`` gives the
*structure* stream (tribe assignment, then the network), the *parameter* stream (every
official's drawn parameters) and the *dynamics* stream (one uniform per official per
step). With ``structure_seed`` set, the structure stream comes from that seed instead,
so every run shares one set of tribes, regions and ties, and only the parameters and
the dynamics vary with the run's seed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from sim.errors import ConfigError
from sim.network import Network, build_network
from sim.population import Population, build_structure, draw_parameters
from sim.rule import Weights
from sim.schedule import (
    Calendar,
    Event,
    RebellionSchedule,
    build_events,
    build_rebellion,
    make_calendar,
)
from sim.signals import SurvivalParameters

DEFAULT_POPULATION: dict[str, Any] = {
    "defaults": {},
    "tribes": {"everyone": {"home_region": "nation"}},
    "roles": {"official": {"count": 100}},
    "named": {},
}
DEFAULT_REBELLION: dict[str, Any] = {"nation": {"points": [[0, 0.0]]}}
DEFAULT_NETWORK: dict[str, Any] = {"kind": "complete"}


@dataclass(frozen=True)
class Streams:
    structure: np.random.SeedSequence
    parameters: np.random.SeedSequence
    dynamics: np.random.SeedSequence


def seed_streams(seed: int, structure_seed: int | None = None) -> Streams:
    """The three independent streams of a run (see the module docstring)."""
    structure, parameters, dynamics = np.random.SeedSequence(seed).spawn(3)
    if structure_seed is not None:
        structure = np.random.SeedSequence(structure_seed).spawn(3)[0]
    return Streams(structure, parameters, dynamics)


def dynamics_generator(streams: Streams) -> np.random.Generator:
    """The dynamics generator as the Mesa model has it after ``mesa.Model(rng=...)``:
    Mesa draws one integer from it to seed Python's ``random``."""
    rng = np.random.default_rng(streams.dynamics)
    rng.integers(np.iinfo(np.int32).max)
    return rng


@dataclass(frozen=True)
class Spec:
    """Everything but the seed: the model's parameters, validated and built."""

    weights: Weights
    survival: SurvivalParameters
    detection_probability: float
    escape_probability: float
    calendar: Calendar | None
    schedule: RebellionSchedule
    regions: list[str]
    events: list[Event]
    population: Mapping[str, Any]
    network: Mapping[str, Any]
    structure_seed: int | None
    initial_defected_share: float = 0.0


def check_probability(key: str, value: float) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0.0 <= value <= 1.0:
        raise ConfigError(key, value, "a probability in [0, 1]")


def make_spec(
    *,
    population: Mapping[str, Any] = DEFAULT_POPULATION,
    network: Mapping[str, Any] = DEFAULT_NETWORK,
    rebellion: Mapping[str, Any] = DEFAULT_REBELLION,
    events: Sequence[Mapping[str, Any]] = (),
    calendar: Mapping[str, Any] | None = None,
    structure_seed: int | None = None,
    disaffection_weight: float = 1.0,
    peer_weight: float = 1.0,
    tribal_pressure_weight: float = 0.0,
    danger_weight: float = 0.0,
    retribution_weight: float = 0.0,
    defector_credit: float = 0.0,
    late_defector_contempt: float = 0.0,
    privilege_weight: float = 0.0,
    defector_punishment: float = 0.0,
    detection_probability: float = 0.0,
    escape_probability: float = 0.0,
    initial_survival: float = 0.9,
    survival_defection_sensitivity: float = 0.0,
    survival_rebellion_sensitivity: float = 0.0,
    rebellion_feedback_weight: float = 0.0,
    initial_defected_share: float = 0.0,
) -> Spec:
    """Validate and assemble the model's keyword arguments (see ``DefectionModel``)."""
    check_probability("model.detection_probability", detection_probability)
    check_probability("model.escape_probability", escape_probability)
    check_probability("model.initial_defected_share", initial_defected_share)
    if not 0.0 < initial_survival < 1.0:
        raise ConfigError("model.initial_survival", initial_survival, "a number in (0, 1)")
    cal = make_calendar(calendar)
    schedule = build_rebellion(rebellion, cal)
    regions = list(schedule.regions)
    named = [str(n) for n in (population.get("named") or {})]
    return Spec(
        weights=Weights(
            disaffection_weight=disaffection_weight,
            peer_weight=peer_weight,
            tribal_pressure_weight=tribal_pressure_weight,
            danger_weight=danger_weight,
            retribution_weight=retribution_weight,
            defector_credit=defector_credit,
            late_defector_contempt=late_defector_contempt,
            privilege_weight=privilege_weight,
            defector_punishment=defector_punishment,
        ),
        survival=SurvivalParameters(
            initial_survival=initial_survival,
            survival_defection_sensitivity=survival_defection_sensitivity,
            survival_rebellion_sensitivity=survival_rebellion_sensitivity,
            rebellion_feedback_weight=rebellion_feedback_weight,
        ),
        detection_probability=detection_probability,
        escape_probability=escape_probability,
        calendar=cal,
        schedule=schedule,
        regions=regions,
        events=build_events(events, cal, None, named, regions),
        population=population,
        network=network,
        structure_seed=structure_seed,
        initial_defected_share=initial_defected_share,
    )


def initial_defectors(population: Population, share: float) -> np.ndarray:
    """Officials already defected at step 0: the round(share * n) unnamed officials with
    the lowest thresholds (ties broken by official_id)."""
    unnamed = np.flatnonzero(np.array([not name for name in population.name], dtype=bool))
    count = round(share * len(unnamed))
    order = np.argsort(population.params["threshold"][unnamed], kind="stable")
    return np.sort(unnamed[order[:count]])


def build_structure_and_network(spec: Spec, streams: Streams) -> tuple[Population, Network]:
    """Tribes, regions and ties from the structure stream (tribes first, then ties)."""
    rng = np.random.default_rng(streams.structure)
    structure = build_structure(spec.population, spec.regions, rng)
    net = spec.network
    network = build_network(
        net.get("kind", "complete"),
        structure.tribe,
        structure.role,
        rng,
        tribe_degree=net.get("tribe_degree", 0.0),
        institution_degree=net.get("institution_degree", 0.0),
        random_degree=net.get("random_degree", 0.0),
    )
    return structure, network


def build_world(
    spec: Spec, streams: Streams, structure: tuple[Population, Network] | None = None
) -> tuple[Population, Network]:
    """The officials with their drawn parameters, and the network.

    ``structure`` (from :func:`build_structure_and_network`) may be passed in when it is
    shared by several runs (``structure_seed``); it is not modified.
    """
    base, network = structure or build_structure_and_network(spec, streams)
    params = draw_parameters(spec.population, base, np.random.default_rng(streams.parameters))
    population = Population(
        base.role_names,
        base.tribe_names,
        base.region_names,
        base.role,
        base.tribe,
        base.region,
        base.name,
        params,
        base.scripted,
    )
    return population, network
