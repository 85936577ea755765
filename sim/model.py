"""The defection model: officials of a crumbling regime on a network of ties.

``DefectionModel.step`` follows ODD.md, section 3: draw one uniform number per official,
every official decides on the state at t, every official commits, scheduled events
happen, and the public signals are recomputed for t + 1.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import mesa
import numpy as np

from sim.agents import Official, State
from sim.errors import ConfigError
from sim.network import Network, build_network
from sim.population import Population, build_population
from sim.rule import Weights
from sim.schedule import Event, build_events, build_rebellion, make_calendar
from sim.signals import Signals, SurvivalParameters, compute_signals

DEFAULT_POPULATION: dict[str, Any] = {
    "defaults": {},
    "tribes": {"everyone": {"home_region": "nation"}},
    "roles": {"official": {"count": 100}},
    "named": {},
}
DEFAULT_REBELLION: dict[str, Any] = {"nation": {"points": [[0, 0.0]]}}
DEFAULT_NETWORK: dict[str, Any] = {"kind": "complete"}


def seed_streams(seed: int) -> tuple[np.random.SeedSequence, ...]:
    """Independent streams for the population, the network and the dynamics.

    Spawning from one SeedSequence keeps them independent: changing the network's
    density does not change anyone's drawn threshold, for instance.
    """
    return tuple(np.random.SeedSequence(seed).spawn(3))


class DefectionModel(mesa.Model):
    """Officials deciding when to defect from a regime whose survival is in doubt.

    Every parameter is a keyword with a default; the defaults give Granovetter's
    threshold model on a complete graph of 100 officials (thresholds all 0.5).

    Args:
        population: roles, tribes, named officials and per-official parameter
            distributions (see ``configs/scenario/*.yaml`` and ODD.md, sections 2 and 5).
        network: ``{"kind": "complete"}`` or ``{"kind": "ties", "tribe_degree": ...,
            "institution_degree": ..., "random_degree": ...}``.
        rebellion: ``{region: {"points": [[step, level], ...]}}``, the exogenous schedule
            per region; its keys are the model's regions.
        events: scheduled events (see :mod:`sim.schedule`).
        calendar: ``{"start_date": "YYYY-MM-DD", "step_days": 7}`` or None.
        disaffection_weight, peer_weight, tribal_pressure_weight, danger_weight,
        retribution_weight, defector_credit, late_defector_contempt, privilege_weight,
        defector_punishment: the weights of Δ (see :class:`sim.rule.Weights`).
        detection_probability: q in [0, 1], chance per preparing step of being caught.
        escape_probability: e in [0, 1], chance per step that an arrested official escapes.
        initial_survival: p_0 in (0, 1).
        survival_defection_sensitivity: b_D >= 0, drop in the log-odds of survival per
            unit of rank-weighted defected share.
        survival_rebellion_sensitivity: b_R >= 0, the same per unit of mean rebellion.
        rebellion_feedback_weight: how much a region's rank-weighted defected share adds
            to its rebellion.
        seed: the run's seed; every random draw derives from it.
    """

    def __init__(
        self,
        *,
        population: Mapping[str, Any] = DEFAULT_POPULATION,
        network: Mapping[str, Any] = DEFAULT_NETWORK,
        rebellion: Mapping[str, Any] = DEFAULT_REBELLION,
        events: Sequence[Mapping[str, Any]] = (),
        calendar: Mapping[str, Any] | None = None,
        disaffection_weight: float = 1.0,
        peer_weight: float = 1.0,
        tribal_pressure_weight: float = 0.0,
        danger_weight: float = 0.0,
        retribution_weight: float = 0.0,
        defector_credit: float = 0.0,
        late_defector_contempt: float = 0.0,
        privilege_weight: float = 0.0,
        defector_punishment: float = 0.0,
        detection_probability: float = 0.0,
        escape_probability: float = 0.0,
        initial_survival: float = 0.9,
        survival_defection_sensitivity: float = 0.0,
        survival_rebellion_sensitivity: float = 0.0,
        rebellion_feedback_weight: float = 0.0,
        seed: int = 0,
    ) -> None:
        population_ss, network_ss, dynamics_ss = seed_streams(seed)
        # Mesa seeds its stdlib `random` with one integer drawn from this generator; the
        # dynamics' draws (ODD 7.3) come after it.
        super().__init__(rng=np.random.default_rng(dynamics_ss))
        check_probability("model.detection_probability", detection_probability)
        check_probability("model.escape_probability", escape_probability)
        if not 0.0 < initial_survival < 1.0:
            raise ConfigError("model.initial_survival", initial_survival, "a number in (0, 1)")
        self.seed = seed
        self.weights = Weights(
            disaffection_weight=disaffection_weight,
            peer_weight=peer_weight,
            tribal_pressure_weight=tribal_pressure_weight,
            danger_weight=danger_weight,
            retribution_weight=retribution_weight,
            defector_credit=defector_credit,
            late_defector_contempt=late_defector_contempt,
            privilege_weight=privilege_weight,
            defector_punishment=defector_punishment,
        )
        self.detection_probability = detection_probability
        self.escape_probability = escape_probability
        self.survival_parameters = SurvivalParameters(
            initial_survival=initial_survival,
            survival_defection_sensitivity=survival_defection_sensitivity,
            survival_rebellion_sensitivity=survival_rebellion_sensitivity,
            rebellion_feedback_weight=rebellion_feedback_weight,
        )

        self.calendar = make_calendar(calendar)
        self.rebellion_schedule = build_rebellion(rebellion, self.calendar)
        self.regions = list(self.rebellion_schedule.regions)
        self.population: Population = build_population(
            population, self.regions, np.random.default_rng(population_ss)
        )
        self.n_officials = self.population.size
        self.roles = self.population.role_names
        self.network: Network = build_network(
            network.get("kind", "complete"),
            self.population.tribe,
            self.population.role,
            np.random.default_rng(network_ss),
            tribe_degree=network.get("tribe_degree", 0.0),
            institution_degree=network.get("institution_degree", 0.0),
            random_degree=network.get("random_degree", 0.0),
        )
        self.events: list[Event] = build_events(
            events, self.calendar, None, [n for n in self.population.name if n], self.regions
        )

        self.officials: list[Official] = [self._create_official(i) for i in range(self.n_officials)]
        if not self.network.complete:
            for official in self.officials:
                official.neighbours = [
                    self.officials[j] for j in self.network.neighbours(official.official_id)
                ]
        self.rebellion_shock = np.zeros(len(self.regions))
        self.survival_shock = 0.0
        self.event_log: list[dict[str, Any]] = []
        self._uniforms = np.zeros(self.n_officials)

        role_reporters = {
            f"share_defected_{role}": (lambda m, r=role: m.role_share_defected(r))
            for role in self.roles
        }
        self.datacollector = mesa.DataCollector(
            model_reporters={
                "step": "steps",
                "share_defected": lambda m: m.signals.share_defected,
                "n_preparing": lambda m: m.signals.n_preparing,
                "n_arrested": lambda m: m.signals.n_arrested,
                "perceived_survival": lambda m: m.signals.survival,
                **role_reporters,
                "n_defected": lambda m: m.signals.n_defected,
                **{
                    f"n_preparing_{role}": (lambda m, r=role: m.role_count(r, State.PREPARING))
                    for role in self.roles
                },
                **{
                    f"rebellion_{region}": (lambda m, r=r: float(m.signals.rebellion[r]))
                    for r, region in enumerate(self.regions)
                },
            }
        )
        self.enact_events(0)
        self.update_signals()
        self.datacollector.collect(self)

    def _create_official(self, i: int) -> Official:
        pop = self.population
        return Official(
            self,
            i,
            pop.role_names[pop.role[i]],
            pop.tribe_names[pop.tribe[i]],
            pop.region_names[pop.region[i]],
            pop.name[i],
            **{param: values[i].item() for param, values in pop.params.items()},
        )

    # --- the schedule ------------------------------------------------------------------
    def step(self) -> None:
        """Advance from step t to t + 1 (Mesa has already incremented ``self.steps``)."""
        self._uniforms = self.rng.random(self.n_officials)
        self.agents.do("decide")
        self.agents.do("commit")
        self.enact_events(self.steps)
        self.update_signals()
        self.datacollector.collect(self)

    def uniform(self, official: Official) -> float:
        """The official's own U[0, 1) draw for this step (ODD 7.3)."""
        return float(self._uniforms[official.official_id])

    def update_signals(self) -> None:
        states = [o.state for o in self.officials]
        self.signals: Signals = compute_signals(
            self.steps,
            np.array([s is State.DEFECTED for s in states], dtype=bool),
            np.array([s is State.PREPARING for s in states], dtype=bool),
            np.array([s is State.ARRESTED for s in states], dtype=bool),
            np.array([o.rank_weight for o in self.officials]),
            self.population.tribe,
            self.population.region,
            len(self.population.tribe_names),
            self.rebellion_schedule,
            self.rebellion_shock,
            self.survival_shock,
            self.survival_parameters,
        )

    def enact_events(self, step: int) -> None:
        """Scheduled events of ``step``: named defections and arrests, shocks."""
        for event in self.events:
            if event.step != step:
                continue
            if event.kind in {"defection", "arrest"}:
                official = self.officials[self.population.index_of(event.official)]
                new = State.DEFECTED if event.kind == "defection" else State.ARRESTED
                if official.state is State.DEFECTED or official.state is new:
                    continue  # a defector stays defected; an arrested official stays arrested
                if new is State.DEFECTED:
                    official.rank_weight *= event.broadcast_multiplier
                    official.defection_step = step
                self.record_transition(official, official.state, new, scheduled=event.label)
                official.state, official.preparation_left = new, 0
            elif event.kind == "rebellion_shock":
                self.rebellion_shock[self.regions.index(event.region)] += event.size
            elif event.kind == "survival_shock":
                self.survival_shock += event.size

    def record_transition(
        self, official: Official, old: State, new: State, scheduled: str | None = None
    ) -> None:
        """Append to the event feed: who changed state, from what, to what, and when."""
        self.event_log.append(
            {
                "step": self.steps,
                "official_id": official.official_id,
                "name": official.name,
                "role": official.role,
                "from": old.value,
                "to": new.value,
                "scheduled": scheduled or "",
            }
        )

    # --- outputs ------------------------------------------------------------------------
    def role_count(self, role: str, state: State) -> int:
        """Number of officials of ``role`` in ``state``."""
        return sum(1 for o in self.officials if o.role == role and o.state is state)

    def role_share_defected(self, role: str) -> float:
        """Share of the officials of ``role`` who have defected (0 for an empty role)."""
        size = sum(1 for o in self.officials if o.role == role)
        return self.role_count(role, State.DEFECTED) / size if size else 0.0

    def timeseries(self) -> list[dict[str, Any]]:
        """One dict per step, in the column order of ``timeseries.csv``."""
        columns = self.datacollector.model_vars
        return [dict(zip(columns, row, strict=True)) for row in zip(*columns.values(), strict=True)]

    def officials_table(self) -> list[dict[str, Any]]:
        """One dict per official, in the column order of ``officials.csv``."""
        return [
            {
                "official_id": o.official_id,
                "name": o.name,
                "role": o.role,
                "tribe": o.tribe,
                "region": o.region,
                "defection_step": "" if o.defection_step is None else o.defection_step,
                "state": o.state.value,
                "rank_weight": o.rank_weight,
                "disaffection": o.disaffection,
                "privileges": o.privileges,
                "exposure": o.exposure,
                "amnesty_trust": o.amnesty_trust,
                "threshold": o.threshold,
                "preparation_time": o.preparation_time,
            }
            for o in self.officials
        ]


def check_probability(key: str, value: float) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0.0 <= value <= 1.0:
        raise ConfigError(key, value, "a probability in [0, 1]")
