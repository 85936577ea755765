"""What happens around the officials' decisions, the same for both paths (ODD.md, 3).

A step from t to t + 1 is: every official decides on the signals of t and his decision
is committed (the Mesa agents' ``decide``/``commit``, or the engine's loop), then
:func:`end_step` enacts the events of t + 1 and computes its signals. Step 0 is
:func:`begin`.
"""

from __future__ import annotations

from sim.core import events, signals
from sim.core.compiled import compiled


@compiled
def begin(world, dyn, params):
    """Step 0: the initial defectors are in place; enact step 0's events, compute its signals."""
    events.enact(world, dyn, 0)
    signals.update(world, dyn, params, 0)


@compiled
def end_step(world, dyn, params, t):
    """After the commits of the step that reaches t: its events, then its signals."""
    events.enact(world, dyn, t)
    signals.update(world, dyn, params, t)
