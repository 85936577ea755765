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
from sim.network import Network
from sim.population import Population
from sim.signals import Groups, Signals, compute_signals
from sim.world import (
    DEFAULT_NETWORK,
    DEFAULT_POPULATION,
    DEFAULT_REBELLION,
    build_world,
    initial_defectors,
    make_spec,
    seed_streams,
)


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
        initial_defected_share: share in [0, 1] of the unnamed officials, those with the
            lowest thresholds, who have already defected at step 0.
        seed: the run's seed; every random draw derives from it.
        structure_seed: if set, tribes, regions and ties come from this seed instead, so
            that runs with different seeds share them (sim.world).
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
        initial_defected_share: float = 0.0,
        seed: int = 0,
        structure_seed: int | None = None,
    ) -> None:
        streams = seed_streams(seed, structure_seed)
        # Mesa seeds its stdlib `random` with one integer drawn from this generator; the
        # dynamics' draws (ODD 7.3) come after it (sim.world.dynamics_generator mirrors it).
        super().__init__(rng=np.random.default_rng(streams.dynamics))
        self.seed = seed
        self.spec = make_spec(
            population=population,
            network=network,
            rebellion=rebellion,
            events=events,
            calendar=calendar,
            structure_seed=structure_seed,
            disaffection_weight=disaffection_weight,
            peer_weight=peer_weight,
            tribal_pressure_weight=tribal_pressure_weight,
            danger_weight=danger_weight,
            retribution_weight=retribution_weight,
            defector_credit=defector_credit,
            late_defector_contempt=late_defector_contempt,
            privilege_weight=privilege_weight,
            defector_punishment=defector_punishment,
            detection_probability=detection_probability,
            escape_probability=escape_probability,
            initial_survival=initial_survival,
            survival_defection_sensitivity=survival_defection_sensitivity,
            survival_rebellion_sensitivity=survival_rebellion_sensitivity,
            rebellion_feedback_weight=rebellion_feedback_weight,
            initial_defected_share=initial_defected_share,
        )
        self.weights = self.spec.weights
        self.detection_probability = detection_probability
        self.escape_probability = escape_probability
        self.survival_parameters = self.spec.survival
        self.calendar = self.spec.calendar
        self.rebellion_schedule = self.spec.schedule
        self.regions = self.spec.regions
        self.events = self.spec.events
        pop_and_net: tuple[Population, Network] = build_world(self.spec, streams)
        self.population, self.network = pop_and_net
        self.n_officials = self.population.size
        self.roles = self.population.role_names
        self.groups = Groups.build(
            self.population.tribe,
            self.population.region,
            len(self.population.tribe_names),
            len(self.regions),
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
                "perceived_survival": lambda m: m.survival,
                **role_reporters,
                "n_defected": lambda m: m.n_defected,
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
        for i in initial_defectors(self.population, initial_defected_share):
            self.officials[i].state = State.DEFECTED
            self.officials[i].defection_step = 0
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
        """The public signals of the current step (ODD 7.1)."""
        states = [o.state for o in self.officials]
        self.signals: Signals = compute_signals(
            np.array([s is State.DEFECTED for s in states], dtype=bool),
            np.array([s is State.PREPARING for s in states], dtype=bool),
            np.array([s is State.ARRESTED for s in states], dtype=bool),
            np.array([o.rank_weight for o in self.officials], dtype=np.float64),
            self.groups,
            self.rebellion_schedule.levels_at(self.steps),
            self.rebellion_shock,
            self.survival_shock,
            self.survival_parameters,
        )
        self.n_defected = self.signals.n_defected
        self.survival = self.signals.survival

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
                self.survival_shock = self.survival_shock + event.size

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
