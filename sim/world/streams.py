"""The random streams of a run (ODD.md, section 5).

``SeedSequence(seed).spawn(3)`` gives three independent streams: *structure* (tribe
assignment, then the network), *parameters* (every official's drawn traits) and
*dynamics* (one U[0, 1) per official per step, from :func:`dynamics_generator`). With
``structure_seed`` set, the
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


def dynamics_seed(streams: Streams) -> int:
    """The integer that seeds the dynamics generator: the dynamics stream's first 64 bits.

    An integer, because ``mesa.Model(rng=<int>)`` makes its generator with
    ``numpy.random.default_rng(<int>)`` and seeds Python's ``random`` with the same
    integer, drawing nothing: the model's ``rng`` is then exactly :func:`dynamics_generator`.
    """
    return int(streams.dynamics.generate_state(1, dtype=np.uint64)[0])


def dynamics_generator(streams: Streams) -> np.random.Generator:
    """The generator of the dynamics' draws (ODD 7.3): the Mesa model's ``rng``, and the
    generator the batched engine draws the same numbers from."""
    return np.random.default_rng(dynamics_seed(streams))
