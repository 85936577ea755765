"""The batched engine's compiled loop: one replicate's whole run in one call.

It runs the model's mathematics of :mod:`sim.core` (the same compiled functions the
Mesa agents call) in the order of ``DefectionModel.step`` (ODD.md, section 3). Its own
work is only the loop: which officials decide, and their random draws.

- Only *active* officials decide: defection is absorbing, so the defected drop out.
- An official reads only his own state and the signals of step t, which change only in
  :func:`sim.core.step.end_step`; so committing his decision at once is the same as the
  agents' deciding for everyone, then committing.
- His uniform draw is draw i of the step's block of N draws of the dynamics generator
  (the Mesa model's ``rng.random(N)``): :mod:`sim.engine.pcg64` computes the draws of
  the preparing and arrested officials (and of the loyal ones when the regime purges)
  and jumps over the others.
"""

from __future__ import annotations

from numba import uint64

from sim.core import rule, signals, step
from sim.core.compiled import compiled
from sim.core.state import ARRESTED, DEFECTED, LOYAL, PREPARING, commit, traits_of
from sim.engine import pcg64


@compiled
def decide(world, dyn, params, t, active, n_active, stream, jumps):
    """Every active official decides on the signals of step t and commits (as
    ``Official.decide`` and ``Official.commit``). Drops the defected from
    ``active[:n_active]`` (kept in order); returns the new n_active."""
    drawn = kept = 0
    for m in range(n_active):
        i = uint64(active[m])  # unsigned: numba skips its check for negative indices
        s = dyn.state[i]
        if s == LOYAL:
            seen = signals.observation(world, dyn, params, i)
            purged = False
            if rule.purges(params):
                u, drawn = pcg64.draw_at(stream, jumps, active[m], drawn)
                purged = rule.purged(params, u, seen)
            if purged:
                commit(world, dyn, i, ARRESTED, 0, t + 1)
            elif rule.decides_to_leave(params, traits_of(world, i), seen):
                new, left = rule.begin_preparing(world.preparation_time[i])
                commit(world, dyn, i, new, left, t + 1)
        elif s == PREPARING:
            seen = signals.observation(world, dyn, params, i)
            u, drawn = pcg64.draw_at(stream, jumps, active[m], drawn)
            new, left = rule.prepare(params, dyn.preparation_left[i], u, seen)
            commit(world, dyn, i, new, left, t + 1)
        elif s == ARRESTED:
            u, drawn = pcg64.draw_at(stream, jumps, active[m], drawn)
            commit(world, dyn, i, rule.escape(u, params.escape_probability), 0, t + 1)
        active[kept] = i  # (those the events made defect are dropped at the next step)
        kept += dyn.state[i] != DEFECTED
    pcg64.end_block(stream, jumps, drawn)
    return kept


@compiled
def run(world, dyn, params, steps, stream, jumps, active, curves):
    """Run one replicate from step 0 to ``steps``, drawing from ``stream`` (its dynamics
    generator as :func:`pcg64.state_of` gives it; ``jumps`` is ``pcg64.jump_table(N)``),
    recording each step's row of ``timeseries.csv`` into ``curves[t]``. ``active`` is a
    work array of N integers."""
    step.begin(world, dyn, params)
    signals.record(world, dyn, curves[0])
    n_active = 0  # the officials free to act, not yet defected
    for i in range(world.n):
        if world.free[i] and dyn.state[i] != DEFECTED:
            active[n_active] = i
            n_active += 1
    for t in range(steps):
        n_active = decide(world, dyn, params, t, active, n_active, stream, jumps)
        step.end_step(world, dyn, params, t + 1)
        signals.record(world, dyn, curves[t + 1])
