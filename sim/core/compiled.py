"""How the model's mathematics is compiled: one decorator for :mod:`sim.core` and the
engine's loop.

``compiled`` is numba's ``njit`` with the on-disk cache and without NRT, numba's
reference counting of arrays (its ``_nrt=False`` target option). The World and Dynamics
records (:mod:`sim.core.state`) are tuples of arrays; with NRT, numba increments and
decrements an array's reference count each time a function takes it out of a record,
and the engine's loop spent most of its time doing so (measured on the 2-core machine:
29 million agent-steps per second with NRT, 141 million without, the same as the
earlier hand-written kernel). These functions allocate nothing: the arrays they work
on are made in Python (``state.new_dynamics``, ``sim.world.build``), and numba refuses
to compile an allocation without NRT, so nothing can fail silently. The Mesa agents
call the same compiled functions.
"""

from __future__ import annotations

from numba import njit

compiled = njit(cache=True, _nrt=False)
