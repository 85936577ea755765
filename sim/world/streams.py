"""The random streams of a run (ODD.md, section 5).

``SeedSequence(seed).spawn(3)`` gives three independent streams: *structure* (tribe
assignment, then the network), *parameters* (every official's drawn traits) and
*dynamics* (one U[0, 1) per official per step). With ``structure_seed`` set, the
structure stream comes from that seed instead, so every run shares one set of tribes,
regions and ties, and only the traits and the dynamics vary with the run's seed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


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
