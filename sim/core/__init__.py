"""The model's mathematics, written once: compiled with numba, run by both paths.

- :mod:`sim.core.parameters`: every parameter and trait, declared once;
- :mod:`sim.core.state`: the arrays of a run (World, Dynamics) and :func:`move`, the one
  place an official's state changes;
- :mod:`sim.core.rule`: the decision rule (Δ_i, credit), preparation, detection, escape,
  and the formulas of rebellion and perceived survival;
- :mod:`sim.core.signals`: the public signals and what each official observes;
- :mod:`sim.core.events`: scheduled events;
- :mod:`sim.core.step`: what happens after the decisions (events, signals);
- :mod:`sim.core.distributions`: the distributions traits are drawn from.

No Mesa, no Hydra: the Mesa agents (:mod:`sim.agents`) and the batched engine
(:mod:`sim.engine`) both call these functions.
"""
