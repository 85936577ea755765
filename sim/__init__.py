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
- :mod:`sim.app`: the classroom app and the GIF export;
- :mod:`sim.api`: the Python API (runs, replicates, sweeps as pandas tables), whose
  functions are also here: ``sim.sweep``, ``sim.replicates``, ``sim.load_sweep``,
  ``sim.latin_hypercube``, ``sim.sobol`` and ``sim.run_scenario`` (also
  ``sim.api.run``: ``sim.run`` is the package of the command line).

Importing :mod:`sim` is cheap: Mesa is imported only by the modules that need it.
"""

from typing import Any

#: the version, in this one place (pyproject.toml reads it; ``--version`` prints it)
__version__ = "0.5.0"

_API = {"sweep", "replicates", "load_sweep", "latin_hypercube", "sobol", "run_scenario"}


def __getattr__(name: str) -> Any:
    if name in _API:
        from sim import api

        return api.run if name == "run_scenario" else getattr(api, name)
    raise AttributeError(f"module 'sim' has no attribute {name!r}")
