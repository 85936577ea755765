"""The defection model: officials of a crumbling regime on a network of ties (Mesa).

``DefectionModel.step`` follows ODD.md, section 3: draw one uniform number per official,
every official decides on the state at t, every official commits, then the events of
t + 1 are enacted and its public signals computed (:func:`sim.core.step.end_step`, the
same compiled code the batched engine runs).
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from typing import Any

import mesa
import numpy as np

from sim.agents.official import Official
from sim.config.schema import Run, validate
from sim.core.parameters import MODEL
from sim.core.signals import curve_names, observations, record
from sim.core.state import Observation, new_dynamics
from sim.core.step import begin, end_step
from sim.world import build_world
from sim.world.network import world_edges
from sim.world.streams import dynamics_seed, seed_streams
from sim.world.tables import event_rows, official_rows, timeseries_rows

#: the model without a config: Granovetter's threshold model, 100 officials on a complete
#: graph with thresholds 0.5 (every parameter at its declared default)
DEFAULT_CONFIG: dict[str, Any] = {
    "population": {
        "tribes": {"everyone": {"home_region": "nation"}},
        "roles": {"official": {"count": 100}},
    },
    "rebellion": {"nation": {"points": [[0, 0.0]]}},
}


class DefectionModel(mesa.Model):
    """Officials deciding when to defect from a regime whose survival is in doubt.

    Args:
        config: a run config: a checked :class:`sim.config.schema.Run`, or a mapping (a
            scenario as ``sim.config.compose.compose_config`` gives it), checked here.
            None: :data:`DEFAULT_CONFIG`.
        seed: the run's seed (default: the config's); every random draw derives from it.
        **model: model parameters by name (:data:`sim.core.parameters.MODEL`), replacing
            the config's: ``DefectionModel(peer_weight=0.5, seed=3)``.

    Attributes:
        run: the checked config; params: the model parameters the rule reads.
        world, dynamics: the run's arrays (:mod:`sim.core.state`).
        officials: the agents, in official_id order.
        t: the model's own step counter.
    """

    def __init__(
        self, config: Run | Mapping[str, Any] | None = None, *, seed: int | None = None, **model
    ) -> None:
        run = validate(DEFAULT_CONFIG if config is None else config)
        if model:
            run = run.with_model(**model)
        if seed is not None:
            run = run.with_seed(seed)
        # the model's rng is the dynamics generator (ODD 5): given an integer, Mesa makes
        # default_rng(integer) and seeds its stdlib `random` with it, drawing nothing
        super().__init__(rng=dynamics_seed(seed_streams(run.seed, run.structure_seed)))
        self.run, self.seed, self.params = run, run.seed, run.params()
        self.world, self.labels, self.traits = build_world(run, run.seed)
        self.dynamics = new_dynamics(self.world)
        self.t = 0
        self.n_officials = self.world.n
        self.roles, self.regions = self.labels.role_names, self.labels.region_names
        self.calendar, self.events = run.calendar, run.scheduled_events
        self.officials = [Official(self, i) for i in range(self.n_officials)]
        self.curve_names = curve_names(self.roles, self.regions)
        self._row = np.zeros(len(self.curve_names))
        self._seen = np.zeros((self.n_officials, len(Observation._fields)))
        self._uniforms = np.zeros(self.n_officials)
        self.datacollector = mesa.DataCollector(
            model_reporters={
                name: (lambda m, j=j: float(m._row[j])) for j, name in enumerate(self.curve_names)
            }
        )
        begin(self.world, self.dynamics, self.params)
        self._publish()

    # --- the schedule ------------------------------------------------------------------
    def step(self) -> None:
        """Advance from step t to t + 1 (ODD.md, section 3)."""
        self._uniforms = self.rng.random(self.n_officials)
        self.agents.do("decide")
        self.agents.do("commit")
        self.t += 1
        end_step(self.world, self.dynamics, self.params, self.t)
        self._publish()

    def _publish(self) -> None:
        """What everyone sees at the new step, and its row of ``timeseries.csv``."""
        observations(self.world, self.dynamics, self.params, self._seen)
        self._seen_rows = self._seen.tolist()
        record(self.world, self.dynamics, self._row)
        self.datacollector.collect(self)

    def observation(self, official_id: int) -> Observation:
        """What official ``official_id`` sees at the current step (ODD 7.2)."""
        return Observation(*self._seen_rows[official_id])

    def uniform(self, official: Official) -> float:
        """The official's own U[0, 1) draw for this step (ODD 7.3)."""
        return float(self._uniforms[official.official_id])

    # --- the public state ----------------------------------------------------------------
    def current(self, column: str) -> float:
        """The current step's value of a ``timeseries.csv`` column."""
        return float(self._row[self.curve_names.index(column)])

    @property
    def survival(self) -> float:
        """p_t, the regime's perceived survival."""
        return float(self.dynamics.survival[0])

    @property
    def n_defected(self) -> int:
        return int(self.dynamics.n_defected[0])

    def edges(self) -> np.ndarray:
        """The ties (i < j), shape (m, 2), each pair once; all pairs on the complete graph."""
        w = self.world
        edges = world_edges(w.indptr, w.indices, w.n, w.complete)
        return np.unique(edges, axis=0) if len(w.edge_layer) else edges

    def network_graph(self):
        """The officials' network as a ``networkx.Graph`` (nodes: official ids, with their
        role, tribe and region; with layers kept apart, each edge's ``layers``)."""
        import networkx as nx

        w, labels = self.world, self.labels
        graph = nx.complete_graph(w.n) if w.complete else nx.empty_graph(w.n)
        if not w.complete:
            rows = np.repeat(np.arange(w.n), np.diff(w.indptr))
            layers = w.edge_layer if len(w.edge_layer) else np.zeros(len(rows), np.int64)
            for i, j, lay in zip(rows.tolist(), w.indices.tolist(), layers.tolist(), strict=True):
                if i < j:
                    if graph.has_edge(i, j):
                        graph.edges[i, j]["layers"].append(lay)
                    else:
                        graph.add_edge(i, j, layers=[lay])
        for i in range(w.n):
            graph.nodes[i].update(
                role=labels.role_names[w.role[i]],
                tribe=labels.tribe_names[w.tribe[i]],
                region=labels.region_names[w.region[i]],
                name=labels.names[i],
            )
        return graph

    # --- outputs ------------------------------------------------------------------------
    def timeseries(self) -> list[dict[str, Any]]:
        """One dict per step, in the column order of ``timeseries.csv``."""
        columns = self.datacollector.model_vars
        rows = np.column_stack([columns[name] for name in self.curve_names])
        return timeseries_rows(rows, self.curve_names)

    def officials_table(self) -> list[dict[str, Any]]:
        """One dict per official, in the column order of ``officials.csv``."""
        w, d = self.world, self.dynamics
        return official_rows(
            self.labels, w.role, w.tribe, w.region, self.traits, d.rank_weight,
            d.state, d.defection_step,
        )  # fmt: skip

    @property
    def event_log(self) -> list[dict[str, Any]]:
        """Every change of state so far: the rows of ``events.csv``."""
        d = self.dynamics
        k = int(d.n_log[0])
        log = {
            "step": d.log_step[:k],
            "official": d.log_official[:k],
            "from": d.log_from[:k],
            "to": d.log_to[:k],
            "event": d.log_event[:k],
        }
        return event_rows(self.labels, self.world.role, log)


def _signature() -> inspect.Signature:
    """``help(DefectionModel)`` lists every model parameter as a keyword."""
    base = inspect.signature(DefectionModel.__init__)
    params = [p for p in base.parameters.values() if p.kind is not p.VAR_KEYWORD]
    params += [
        inspect.Parameter(p.name, inspect.Parameter.KEYWORD_ONLY, default=p.default) for p in MODEL
    ]
    return base.replace(parameters=params)


DefectionModel.__init__.__signature__ = _signature()  # type: ignore[attr-defined]
