"""Building a run's world from a checked config and a seed (NumPy; no Mesa).

- :mod:`sim.world.streams`: the structure, parameter and dynamics streams of a seed;
- :mod:`sim.world.population`: roles, tribes, regions, names, then the drawn traits;
- :mod:`sim.world.network`: the ties between officials;
- :mod:`sim.world.build`: all of it as a :class:`sim.core.state.World`, with its labels.
"""

from sim.world.build import Labels, build_structure_and_network, build_world

__all__ = ["Labels", "build_structure_and_network", "build_world"]
