"""Defection tipping points: an agent-based model of officials leaving a crumbling regime.

The layers, each depending only on those above it:

- :mod:`sim.core`: the model's mathematics, written once and compiled (numba): the
  declared parameters, the decision rule, the public signals, the scheduled events;
- :mod:`sim.config`: the boundary: Hydra composes a config, :func:`sim.config.schema.validate`
  checks it once and returns a typed :class:`sim.config.schema.Run`;
- :mod:`sim.world`: builds a run's world (officials, traits, network) from a Run and a seed;
- :mod:`sim.agents`: the Mesa face: officials as agents who weigh the rule's terms;
- :mod:`sim.engine`: the batched engine: the same mathematics, many replicates at once;
- :mod:`sim.run`: one run and its files, the command line, sweeps, ``make bench``;
- :mod:`sim.analysis`: the run summary, metrics, the mean field and the figures;
- :mod:`sim.app`: the classroom app and the GIF export.

Importing :mod:`sim` is cheap: Mesa is imported only by the modules that need it.
"""

__version__ = "0.5.0"
