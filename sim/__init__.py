"""Defection tipping points: an agent-based model of officials leaving a crumbling regime.

Modules, in the direction of their dependencies:

- :mod:`sim.rule`: the decision rule, pure functions (no Mesa);
- :mod:`sim.population`, :mod:`sim.network`, :mod:`sim.schedule`, :mod:`sim.signals`:
  the officials, their ties, the exogenous inputs, the public signals (no Mesa);
- :mod:`sim.agents`, :mod:`sim.model`: the Mesa agents and model;
- :mod:`sim.engine` (with :mod:`sim.kernels`, :mod:`sim.pcg64`): the batched engine, the
  same model without Mesa, for sweeps (:mod:`sim.sweep`);
- :mod:`sim.config`, :mod:`sim.runner`, :mod:`sim.cli`: validation, runs and the command line;
- :mod:`sim.plots`: figures (no Mesa, no Hydra).

Importing :mod:`sim` is cheap: Mesa is imported only by the modules that need it.
"""

__version__ = "0.4.0"
