"""The official: a Mesa agent who weighs the terms of the source documents' argument.

Each step is synchronous (ODD.md, section 3): every official ``decide``s on what he sees
at step t, then every official ``commit``s. The terms he weighs are the rule of
:mod:`sim.core.rule` (compiled once, the same code the batched engine runs); this class
gathers what he observes, calls the rule, and keeps his decision until the commit.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa

from sim.core import rule
from sim.core.state import Observation, State, Traits, commit

if TYPE_CHECKING:
    from sim.agents.model import DefectionModel


_STATES = tuple(State)  # by code: faster than State(code), read on every decision


def _trait_arrays(world):
    return [getattr(world, name) for name in Traits._fields]


class Official(mesa.Agent):
    """One official of the regime.

    Attributes:
        official_id: index 0..N-1, the row in ``officials.csv`` and in every array.
        role, tribe, region: names; region is the home region (where the family is).
        name: "" for unnamed officials; the key of ``population.named`` otherwise.
        scripted: a named official who acts only through scheduled events (his
            documented history), never by the decision rule.
        traits: his traits (:class:`sim.core.state.Traits`: x_i, W_i, X_i, τ_i, T_i, k_i
            and his rank weight as drawn), also as attributes ``disaffection``, ...
        state, preparation_left, defection_step, rank_weight: read from the model's
            arrays, where :func:`sim.core.state.move` keeps them.
    """

    model: DefectionModel

    def __init__(self, model: DefectionModel, official_id: int) -> None:
        super().__init__(model)
        world, labels = model.world, model.labels
        self.official_id = i = official_id
        self.role = labels.role_names[world.role[i]]
        self.tribe = labels.tribe_names[world.tribe[i]]
        self.region = labels.region_names[world.region[i]]
        self.name = labels.names[i]
        self.scripted = not world.free[i]
        self.traits = Traits(*(values[i].item() for values in _trait_arrays(world)))
        self.next_state, self.next_preparation_left = self.state, 0

    # --- his traits (x_i, W_i, X_i, τ_i, T_i, k_i) ------------------------------------------
    @property
    def disaffection(self) -> float:
        return self.traits.disaffection

    @property
    def privileges(self) -> float:
        return self.traits.privileges

    @property
    def exposure(self) -> float:
        return self.traits.exposure

    @property
    def amnesty_trust(self) -> float:
        return self.traits.amnesty_trust

    @property
    def threshold(self) -> float:
        return self.traits.threshold

    @property
    def preparation_time(self) -> int:
        return self.traits.preparation_time

    # --- his state, kept in the model's arrays ------------------------------------------------
    @property
    def state(self) -> State:
        return _STATES[self.model.dynamics.state[self.official_id]]

    @property
    def preparation_left(self) -> int:
        return int(self.model.dynamics.preparation_left[self.official_id])

    @property
    def defection_step(self) -> int | None:
        step = int(self.model.dynamics.defection_step[self.official_id])
        return None if step < 0 else step

    @property
    def rank_weight(self) -> float:
        return float(self.model.dynamics.rank_weight[self.official_id])

    def weighs(self) -> rule.Terms:
        """The terms of Δ_i as he weighs them now (their sum is :meth:`pressure`)."""
        return rule.terms(self.model.params, self.traits, self.observe())

    def pressure(self) -> float:
        """Δ_i as he weighs it now."""
        return rule.defection_pressure(self.model.params, self.traits, self.observe())

    # --- observe --------------------------------------------------------------------------
    def observe(self) -> Observation:
        """What he sees at step t: the share of his neighbours and of the rest of his
        tribe who have visibly defected, the rebellion at home, and p_t."""
        return self.model.observation(self.official_id)

    # --- decide (on the state at t) -------------------------------------------------------
    def decide(self) -> None:
        state = self.state
        self.next_state, self.next_preparation_left = state, self.preparation_left
        if self.scripted:
            return  # his moves are the documented events (ODD 7.4)
        if state is State.LOYAL:
            self.consider_defecting()
        elif state is State.PREPARING:
            self.prepare()
        elif state is State.ARRESTED:
            self.try_to_escape()

    def consider_defecting(self) -> None:
        """Weigh the terms of Δ_i (ODD 7.2): his disaffection, his neighbours' and his
        tribe's defections, the danger at home and the fear of the losing side, against
        the privileges and the punishment he would lose; start preparing when Δ_i ≥ T_i,
        or, if he times his exit, when leaving now is worth more than waiting a step
        (ODD 7.8); he defects at once if he needs no preparation (k_i = 0). If the regime
        purges (ODD 7.9), he may be arrested first."""
        seen = self.observe()
        if rule.purges(self.model.params) and rule.purged(
            self.model.params, self.model.uniform(self), seen
        ):
            self.next_state, self.next_preparation_left = State.ARRESTED, 0  # purged (ODD 7.9)
            return
        if rule.decides_to_leave(self.model.params, self.traits, seen):
            self.next_state, self.next_preparation_left = rule.begin_preparing(
                self.preparation_time
            )

    def prepare(self) -> None:
        """One step of moving family and money out: caught with probability q_i (ODD 7.3)."""
        self.next_state, self.next_preparation_left = rule.prepare(
            self.model.params, self.preparation_left, self.model.uniform(self), self.observe()
        )

    def try_to_escape(self) -> None:
        """An arrested official escapes abroad, and so defects, with probability e."""
        self.next_state = rule.escape(
            self.model.uniform(self), self.model.params.escape_probability
        )
        self.next_preparation_left = 0

    # --- commit ---------------------------------------------------------------------------
    def commit(self) -> None:
        """His decision takes effect at step t + 1."""
        if self.next_state == self.state and self.next_preparation_left == self.preparation_left:
            return  # nothing changes (most officials, most steps)
        commit(
            self.model.world,
            self.model.dynamics,
            self.official_id,
            int(self.next_state),
            int(self.next_preparation_left),
            self.model.t + 1,
        )
