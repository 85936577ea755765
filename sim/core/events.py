"""Scheduled events (ODD 7.4), enacted after the commits of the step they are set for.

The kinds, and what the compiled code receives for each (``World.event_kind``,
``event_target``, ``event_value``); :mod:`sim.config.schema` reads them from a config
or an events file and :mod:`sim.world` turns dates into steps.
"""

from __future__ import annotations

from sim.core.compiled import compiled
from sim.core.state import ARRESTED, DEFECTED, move

#: kind -> (code, what it does, target, value)
KINDS: dict[str, tuple[int, str]] = {
    "defection": (0, "a named official defects publicly (optionally amplifying his rank weight)"),
    "arrest": (1, "a named official is arrested (house arrest)"),
    "rebellion_shock": (2, "rebellion in a region jumps by 'size' from this step on"),
    "survival_shock": (3, "the log-odds of the regime's perceived survival shift by 'size'"),
}
DEFECTION, ARREST, REBELLION_SHOCK, SURVIVAL_SHOCK = (code for code, _ in KINDS.values())


@compiled
def enact(world, dyn, step):
    """The scheduled events of ``step``, in their order.

    - defection of a named official: he becomes DEFECTED, his preparation (if any) is
      over, and his rank weight is multiplied by the event's broadcast multiplier from
      then on; no effect if he has already defected;
    - arrest of a named official: LOYAL or PREPARING -> ARRESTED; no effect if he is
      already defected or arrested;
    - rebellion shock: the region's rebellion rises by the event's size from now on;
    - survival shock: the log-odds of survival shift by the event's size from now on.
    """
    for j in range(world.event_step.shape[0]):
        if world.event_step[j] != step:
            continue
        kind, target, value = world.event_kind[j], world.event_target[j], world.event_value[j]
        if kind in (DEFECTION, ARREST):
            new = DEFECTED if kind == DEFECTION else ARRESTED
            if dyn.state[target] == DEFECTED or dyn.state[target] == new:
                continue  # a defector stays defected; an arrested official stays arrested
            if new == DEFECTED:
                dyn.rank_weight[target] *= value
                if value != 1.0:
                    dyn.weights_changed[0] = True
            move(world, dyn, target, new, step, j)
            dyn.preparation_left[target] = 0
        elif kind == REBELLION_SHOCK:
            dyn.rebellion_shock[target] += value
        elif kind == SURVIVAL_SHOCK:
            dyn.survival_shock[0] = dyn.survival_shock[0] + value
