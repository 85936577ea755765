"""The official: a Mesa agent who weighs the terms of the source documents' argument.

Each step is synchronous (ODD.md, section 3): every official ``decide``s on the state at
step t, then every official ``commit``s. The decision itself is the pure rule in
:mod:`sim.rule`; this class only gathers what the official observes and keeps the state.
"""

from __future__ import annotations

import math
from enum import Enum
from typing import TYPE_CHECKING

import mesa

from sim import rule
from sim.signals import tribe_share

if TYPE_CHECKING:
    from sim.model import DefectionModel


class State(Enum):
    LOYAL = "loyal"
    PREPARING = "preparing"  # moving family and money out, unseen (one hopes)
    DEFECTED = "defected"
    ARRESTED = "arrested"  # caught by the secret police while preparing


class Official(mesa.Agent):
    """One official of the regime.

    Attributes:
        official_id: index 0..N-1, the row in ``officials.csv`` and in every array.
        role, tribe, region: names; region is the home region (where the family is).
        name: "" for unnamed officials; the key of ``population.named`` otherwise.
        scripted: a named official who acts only through scheduled events (his documented
            history), never by the decision rule; false for everyone else.
        disaffection: x_i, private disaffection (Kuran's hidden preference).
        privileges: W_i, what loyalty pays.
        exposure: X_i, retribution faced if caught loyal on the losing side.
        amnesty_trust: τ_i in [0, 1], trust that defecting spares one that retribution.
        threshold: T_i; a loyal official starts preparing when Δ_i >= T_i.
        preparation_time: k_i, steps of preparation before the defection is public.
        rank_weight: how loudly this official's defection is heard.
        state: a :class:`State`.
        preparation_left: steps of preparation still to go while PREPARING.
        defection_step: step at which the official defected, None if not (yet).
        pressure: Δ_i at the last decision (NaN before the first).
    """

    model: DefectionModel

    def __init__(
        self,
        model: DefectionModel,
        official_id: int,
        role: str,
        tribe: str,
        region: str,
        name: str,
        *,
        disaffection: float,
        privileges: float,
        exposure: float,
        amnesty_trust: float,
        threshold: float,
        preparation_time: int,
        rank_weight: float,
    ) -> None:
        super().__init__(model)
        self.official_id = official_id
        self.role, self.tribe, self.region, self.name = role, tribe, region, name
        self.scripted = bool(model.population.scripted[official_id])
        self.tribe_code = model.population.tribe[official_id]
        self.region_code = model.population.region[official_id]
        self.disaffection = disaffection
        self.privileges = privileges
        self.exposure = exposure
        self.amnesty_trust = amnesty_trust
        self.threshold = threshold
        self.preparation_time = preparation_time
        self.rank_weight = rank_weight
        self.state = State.LOYAL
        self.preparation_left = 0
        self.defection_step: int | None = None
        self.pressure = math.nan
        self.neighbours: list[Official] = []
        self._next_state = self.state
        self._next_preparation_left = 0

    # --- observe -----------------------------------------------------------------
    def peer_share(self) -> float:
        """Share of one's network neighbours who have visibly defected.

        On the complete graph: the share of the whole group (Granovetter 1978); a loyal
        official is never among the defected, so this is (defected others) / N.
        """
        if self.model.network.complete:
            return self.model.n_defected / self.model.n_officials
        if not self.neighbours:
            return 0.0
        defected = sum(1 for other in self.neighbours if other.state is State.DEFECTED)
        return defected / len(self.neighbours)

    def tribe_share(self) -> float:
        """Rank-weighted share of the rest of one's tribe who defected."""
        signals = self.model.signals
        return tribe_share(
            signals.tribe_defected_weight[self.tribe_code],
            signals.tribe_total_weight[self.tribe_code],
            self.rank_weight,
            self.state is State.DEFECTED,
        )

    def rebellion(self) -> float:
        """Rebellion intensity in one's home region."""
        return float(self.model.signals.rebellion[self.region_code])

    # --- decide (on the state at t) ------------------------------------------------
    def decide(self) -> None:
        self._next_state, self._next_preparation_left = self.state, self.preparation_left
        if self.scripted:
            return  # his moves are the documented events (ODD 7.4)
        if self.state is State.LOYAL:
            self.consider_defecting()
        elif self.state is State.PREPARING:
            self.prepare()
        elif self.state is State.ARRESTED:
            self.try_to_escape()

    def consider_defecting(self) -> None:
        """Weigh the terms of Δ_i; start preparing (or defect at once if k_i = 0)."""
        self.pressure = rule.defection_pressure(
            self.model.weights,
            disaffection=self.disaffection,
            peer_share=self.peer_share(),
            tribe_share=self.tribe_share(),
            rebellion=self.rebellion(),
            survival=self.model.survival,
            privileges=self.privileges,
            exposure=self.exposure,
            amnesty_trust=self.amnesty_trust,
        )
        if rule.starts_preparing(self.pressure, self.threshold):
            if self.preparation_time == 0:
                self._next_state = State.DEFECTED
            else:
                self._next_state = State.PREPARING
                self._next_preparation_left = self.preparation_time

    def prepare(self) -> None:
        """One step of moving family and money out: caught with probability q."""
        if rule.is_caught(self.model.uniform(self), self.model.detection_probability):
            self._next_state = State.ARRESTED
            self._next_preparation_left = 0
            return
        self._next_preparation_left = self.preparation_left - 1
        if self._next_preparation_left == 0:
            self._next_state = State.DEFECTED

    def try_to_escape(self) -> None:
        """An arrested official escapes abroad, and so defects, with probability e."""
        if rule.escapes(self.model.uniform(self), self.model.escape_probability):
            self._next_state = State.DEFECTED

    # --- commit --------------------------------------------------------------------
    def commit(self) -> None:
        if self._next_state is not self.state:
            self.model.record_transition(self, self.state, self._next_state)
        if self._next_state is State.DEFECTED and self.defection_step is None:
            self.defection_step = self.model.steps
        self.state, self.preparation_left = self._next_state, self._next_preparation_left
