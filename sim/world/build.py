"""From a checked config and a seed to the :class:`sim.core.state.World` of a run.

Shared by the Mesa model and the batched engine, so both build exactly the same world
from the same seed. NumPy only; no Mesa.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.config.schema import Calendar, Run
from sim.core import events as event_kinds
from sim.core.state import World
from sim.world.network import Network, build_network
from sim.world.population import Structure, TraitPlan, build_structure
from sim.world.streams import Streams, seed_streams


@dataclass(frozen=True)
class Labels:
    """The names behind a World's codes (what the compiled code does not need).

    Attributes:
        role_names, tribe_names, region_names: the names of the codes.
        names: each official's name ("" if unnamed).
        labels: a named official's label by name (his name if none is given).
        event_labels: each scheduled event's label, in the World's event order.
        calendar: the calendar, if the config has one.
    """

    role_names: list[str]
    tribe_names: list[str]
    region_names: list[str]
    names: list[str]
    labels: dict[str, str]
    event_labels: list[str]
    calendar: Calendar | None


def build_structure_and_network(run: Run, streams: Streams) -> tuple[Structure, Network]:
    """Tribes, regions and ties from the structure stream (tribes first, then ties)."""
    rng = np.random.default_rng(streams.structure)
    structure = build_structure(run.population, run.regions, rng)
    net = run.network
    network = build_network(
        net.kind,
        structure.tribe,
        structure.role,
        rng,
        tribe_degree=net.tribe_degree,
        institution_degree=net.institution_degree,
        random_degree=net.random_degree,
        region=structure.region,
        k=net.k,
        rewiring=net.rewiring,
        mean_degree=net.mean_degree,
        blocks=net.blocks,
        within_degree=net.within_degree,
        between_degree=net.between_degree,
        edges=run.edge_file,
        combine=net.combine,
    )
    return structure, network


def child_stream(stream: np.random.SeedSequence, key: int) -> np.random.SeedSequence:
    """The ``key``-th child of a stream (as ``stream.spawn`` would give it, without
    changing ``stream``): independent of the stream's own draws."""
    return np.random.SeedSequence(stream.entropy, spawn_key=(*stream.spawn_key, key))


def initial_count(share: float, candidates: int) -> int:
    """How many of ``candidates`` officials a share makes: round(share · n), but at least
    one when the share is above 0 (a share is never silently nothing).

    >>> initial_count(0.0001, 5000), initial_count(0.1, 25), initial_count(0.0, 10)
    (1, 2, 0)
    """
    if share <= 0.0 or candidates == 0:
        return 0
    return max(1, round(share * candidates))


def initial_defectors(
    structure: Structure,
    threshold: np.ndarray,
    share: float,
    rule: str | list = "lowest_threshold",
    network: Network | None = None,
    streams: Streams | None = None,
) -> np.ndarray:
    """Officials already defected at step 0 (ODD 7.6), sorted by id.

    A list names them (ids or names of named officials). Otherwise
    :func:`initial_count` of the unnamed officials, chosen by ``rule``:
    ``lowest_threshold`` (ties broken by id), ``random`` (uniformly, from a child of the
    dynamics stream: replicates differ even on a shared network), ``degree`` or
    ``betweenness`` (highest first, ties by id; betweenness exact up to 3,000 officials,
    else estimated from 500 sources drawn from a child of the structure stream).
    """
    if isinstance(rule, list | tuple):
        names = {name: i for i, name in enumerate(structure.name) if name}
        ids = [names[v] if isinstance(v, str) else int(v) for v in rule]
        return np.unique(np.array(ids, dtype=np.int64))
    unnamed = np.flatnonzero(np.array([not name for name in structure.name], dtype=bool))
    count = initial_count(share, len(unnamed))
    if count == 0:
        return np.zeros(0, np.int64)
    if rule == "random":
        rng = np.random.default_rng(child_stream(streams.dynamics, 0))
        return np.sort(rng.choice(unnamed, size=count, replace=False))
    if rule == "lowest_threshold":
        score = threshold[unnamed]
    elif rule == "degree":
        score = -network.degree()[unnamed].astype(np.float64)
    else:
        score = -betweenness(network, streams)[unnamed]
    order = np.argsort(score, kind="stable")
    return np.sort(unnamed[order[:count]])


def betweenness(network: Network, streams: Streams | None) -> np.ndarray:
    """Each official's betweenness centrality (networkx), computed once per network."""
    if "betweenness" not in network.cache:
        import networkx as nx

        if network.complete:
            values = np.zeros(network.n)
        else:
            graph = network.to_networkx()
            k = None if network.n <= 3000 else 500
            seed = None
            if k is not None:
                seed = int(child_stream(streams.structure, 1).generate_state(1)[0])
            found = nx.betweenness_centrality(graph, k=k, seed=seed)
            values = np.array([found[i] for i in range(network.n)])
        network.cache["betweenness"] = values
    return network.cache["betweenness"]


def tribe_classes(tribe: np.ndarray, rank_weight: np.ndarray):
    """Officials of the same tribe and rank weight, who see the same tribe share while
    loyal. Returns each official's class, and each class's tribe and rank weight.

    Classes are numbered in the order of (tribe, rank weight), as ``np.unique`` of the
    pairs would number them, with one sort instead of its structured-array sort.
    """
    tribe = np.asarray(tribe)
    rank_weight = np.asarray(rank_weight, dtype=np.float64)
    if not len(tribe):
        return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0)
    order = np.lexsort((rank_weight, tribe))
    t, w = tribe[order], rank_weight[order]
    new = np.empty(len(order), dtype=bool)
    new[0] = True
    new[1:] = (t[1:] != t[:-1]) | (w[1:] != w[:-1])
    sorted_class = np.cumsum(new) - 1
    of = np.empty(len(order), dtype=np.int64)
    of[order] = sorted_class
    return of, t[new].astype(np.int64), w[new].copy()


def rebellion_levels(run: Run, steps: int, schedule=None) -> np.ndarray:
    """The exogenous schedule's level per step and region, (T + 1, G), where T covers
    the run and the schedule's last point (flat beyond it). ``schedule``: the rebellion
    (default) or another schedule of the same form (the backing)."""
    schedule = run.schedule if schedule is None else schedule
    last = max(steps, schedule.last_step(), 0)
    t = np.arange(last + 1)
    levels = np.zeros((last + 1, len(schedule.regions)))
    for g, (s, lv) in enumerate(zip(schedule.steps, schedule.levels, strict=True)):
        levels[:, g] = np.interp(t, s, lv)
    return levels


def event_arrays(run: Run, names: list[str]) -> tuple[np.ndarray, ...]:
    """The scheduled events as the compiled code takes them: step, kind, target (official
    or region index) and value (broadcast multiplier or shock size)."""
    step, kind, target, value = [], [], [], []
    regions = run.regions
    for event in run.scheduled_events:
        step.append(event.step)
        kind.append(event_kinds.KINDS[event.kind][0])
        if event.kind in {"defection", "arrest"}:
            target.append(names.index(event.official))
            value.append(event.broadcast_multiplier)
        else:
            target.append(regions.index(event.region) if event.region else 0)
            value.append(event.size)
    return (
        np.array(step, dtype=np.int64),
        np.array(kind, dtype=np.int64),
        np.array(target, dtype=np.int64),
        np.array(value, dtype=np.float64),
    )


def build_world(
    run: Run,
    seed: int,
    steps: int | None = None,
    shared: tuple[Structure, Network] | None = None,
) -> tuple[World, Labels, dict[str, np.ndarray]]:
    """The World of ``run`` for ``seed``, its labels, and the officials' traits by name.

    ``steps`` (default: the run's) sets how far the rebellion schedule is tabulated;
    ``shared`` is the structure and network of :func:`build_structure_and_network`
    when several runs share them (``structure_seed``).
    """
    return WorldPlan(run, steps, shared).world(seed)


class WorldPlan:
    """What the worlds of one config share, worked out once: the rebellion and backing
    schedules, the scheduled events, the labels and, when the structure is shared
    (``structure_seed``), the structure, network, trait plan and initial tribe classes.
    :meth:`world` then builds one seed's World as :func:`build_world` does, exactly."""

    def __init__(
        self, run: Run, steps: int | None = None, shared: tuple[Structure, Network] | None = None
    ) -> None:
        self.run = run
        steps = run.steps if steps is None else steps
        self.levels = rebellion_levels(run, steps)
        self.backing = rebellion_levels(run, steps, run.backing_schedule)[:, 0].copy()
        pop = run.population
        n_unnamed = sum(role.count for role in pop.roles.values())
        names = [""] * n_unnamed + list(pop.named)
        self.events = event_arrays(run, names)
        self.unnamed = np.arange(n_unnamed)
        self.shared = shared
        self._plans: dict[int, tuple] = {}
        self._classes: dict[int, tuple] = {}  # the last rank weights and their classes
        if shared is not None:
            self._plans[id(shared[0])] = self._plan(*shared)

    def _plan(self, structure: Structure, network: Network) -> tuple:
        if network.complete:
            indptr, indices = np.zeros(1, np.int64), np.zeros(0, np.int64)
        else:
            indptr, indices = network.indptr.astype(np.int64), network.indices.astype(np.int64)
        # a float degree, 1.0 for an isolated official (whose count stays 0): the peer
        # share is count / degree without a branch
        degree = np.maximum(network.degree(), 1).astype(np.float64)
        if network.layer is None:
            edge_layer = np.zeros(0, np.int64)
            layer_degree = np.zeros((0, 1))
        else:  # any_layer: the peer signal layer by layer
            edge_layer = network.layer.astype(np.int64)
            layer_degree = np.maximum(network.layer_degree(), 1).astype(np.float64)
        role_sizes = np.bincount(structure.role, minlength=len(structure.role_names))
        labels = Labels(
            role_names=structure.role_names,
            tribe_names=structure.tribe_names,
            region_names=structure.region_names,
            names=structure.name,
            labels={name: entry.label or name for name, entry in self.run.population.named.items()},
            event_labels=[e.label for e in self.run.scheduled_events],
            calendar=self.run.calendar,
        )
        traits = TraitPlan(self.run.population, structure)
        sizes = role_sizes.astype(np.int64)
        return indptr, indices, degree, edge_layer, layer_degree, sizes, labels, traits

    def world(
        self, seed: int, streams: Streams | None = None
    ) -> tuple[World, Labels, dict[str, np.ndarray]]:
        """The World of ``seed``, its labels and the officials' traits."""
        run = self.run
        streams = streams or seed_streams(seed, run.structure_seed)
        structure, network = self.shared or build_structure_and_network(run, streams)
        plan = self._plans.get(id(structure)) or self._plan(structure, network)
        indptr, indices, degree, edge_layer, layer_degree, role_sizes, labels, trait_plan = plan
        traits = trait_plan.draw(np.random.default_rng(streams.parameters))
        rank_weight = traits["rank_weight"].astype(np.float64)
        last = self._classes.get(id(structure))
        if last is not None and np.array_equal(last[0], rank_weight):
            tribe_class, class_tribe, class_weight = last[1]  # rank weights as before
        else:
            classes = tribe_classes(structure.tribe, rank_weight)
            tribe_class, class_tribe, class_weight = classes
            if self.shared is not None:
                self._classes[id(structure)] = (rank_weight, classes)
        event_step, event_kind, event_target, event_value = self.events
        threshold = traits["threshold"]
        world = World(
            n=structure.size,
            disaffection=traits["disaffection"],
            privileges=traits["privileges"],
            exposure=traits["exposure"],
            amnesty_trust=traits["amnesty_trust"],
            threshold=threshold,
            preparation_time=traits["preparation_time"],
            rank_weight=rank_weight,
            role=structure.role,
            tribe=structure.tribe,
            region=structure.region,
            free=~structure.scripted,
            complete=network.complete,
            indptr=indptr,
            indices=indices,
            degree=degree,
            edge_layer=edge_layer,
            layer_degree=layer_degree,
            tribe_class=tribe_class,
            class_tribe=class_tribe,
            class_weight=class_weight,
            n_tribes=len(structure.tribe_names),
            role_sizes=role_sizes,
            levels=self.levels,
            backing=self.backing,
            event_step=event_step,
            event_kind=event_kind,
            event_target=event_target,
            event_value=event_value,
            initial_defectors=initial_defectors(
                structure,
                threshold,
                run.model.initial_defected_share,
                run.model.initial_defectors,
                network,
                streams,
            ),
        )
        return world, labels, traits
