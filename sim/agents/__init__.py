"""The Mesa face of the model: officials as agents (:class:`Official`) in a
:class:`DefectionModel`. They weigh the terms of :mod:`sim.core.rule` one official at a
time; :mod:`sim.engine` runs the same compiled mathematics for many replicates at once."""

from sim.agents.model import DefectionModel
from sim.agents.official import Official
from sim.core.state import State

__all__ = ["DefectionModel", "Official", "State"]
