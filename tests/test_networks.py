"""Network kinds, count thresholds, chosen initial defectors and layers (ODD 5, 7.5):
each kind's structure against its definition, the engine against the Mesa agents on
every kind, and the one-line errors at the boundary."""

from __future__ import annotations

import logging

import numpy as np
import pytest

from sim.config.schema import validate
from sim.core.state import DEFECTED
from sim.engine.batch import run_batch
from sim.errors import ConfigError
from sim.run.runner import simulate
from sim.world import build_structure_and_network, build_world
from sim.world.network import (
    barabasi_albert_pairs,
    from_pairs,
    ring_pairs,
    watts_strogatz_pairs,
)
from sim.world.streams import seed_streams
from tests.conftest import make_config
from tests.conftest import make_run as _make_run

SMALL = ["scenario=granovetter_normal", "population.roles.official.count=400"]
SPREAD = "threshold={dist: normal, mean: 0.25, sd: 0.15, low: 0, high: 1}"
KINDS = {
    "ring_lattice": ["network.kind=ring_lattice", "network.k=6"],
    "watts_strogatz": ["network.kind=watts_strogatz", "network.k=6", "network.rewiring=0.2"],
    "erdos_renyi": ["network.kind=erdos_renyi", "network.mean_degree=6"],
    "barabasi_albert": ["network.kind=barabasi_albert", "network.mean_degree=4"],
    "block": ["network.kind=block", "network.within_degree=4", "network.between_degree=1"],
    "ties_any_layer": [
        "network.kind=ties",
        "network.tribe_degree=3",
        "network.institution_degree=3",
        "network.random_degree=2",
        "network.combine=any_layer",
    ],
}


def make_run(*overrides: str):
    """The Run of ``python -m sim <overrides>``; ``threshold=<yaml>`` replaces the
    official role's threshold distribution outright (Hydra would merge the mappings)."""
    import yaml

    plain = [o for o in overrides if not o.startswith("threshold=")]
    given = [o for o in overrides if o.startswith("threshold=")]
    if not given:
        return _make_run(*plain)
    config = make_config(*plain)
    config["population"]["roles"]["official"]["threshold"] = yaml.safe_load(given[-1][10:])
    return validate(config)


def edge_file(tmp_path, rows, header="source,target"):
    path = tmp_path / "ties.csv"
    path.write_text("\n".join([header, *rows]) + "\n")
    return str(path)


# --- structure of each kind ------------------------------------------------------------------
def test_ring_lattice_ties_each_official_to_his_k_nearest():
    net = from_pairs(10, *ring_pairs(10, 4))
    assert np.all(net.degree() == 4)
    assert list(net.neighbours(0)) == [1, 2, 8, 9]


def test_watts_strogatz_keeps_n_k_over_2_ties_and_rewires_about_beta():
    n, k = 2000, 6
    i, j = watts_strogatz_pairs(n, k, 0.1, np.random.default_rng(0))
    net = from_pairs(n, i, j)
    assert len(net.edges()) == n * k // 2  # no loop, no duplicate, none lost
    lattice = {tuple(e) for e in from_pairs(n, *ring_pairs(n, k)).edges().tolist()}
    moved = sum(tuple(e) not in lattice for e in net.edges().tolist())
    assert abs(moved / (n * k / 2) - 0.1) < 0.015  # binomial sd 0.004


def test_barabasi_albert_has_mean_degree_2m_and_a_heavy_tail():
    n, m = 20_000, 2
    net = from_pairs(n, *barabasi_albert_pairs(n, m, np.random.default_rng(1)))
    degree = net.degree()
    assert len(net.edges()) == 3 + (n - 3) * m  # every new official brings m distinct ties
    assert degree.mean() == pytest.approx(2 * m, abs=0.01)
    assert degree.min() == m and degree.max() > 100  # a scale-free tail (ER: max ~ 12)


def test_erdos_renyi_and_block_have_the_declared_mean_degrees():
    run = make_run(*SMALL, "population.roles.official.count=5000", *KINDS["erdos_renyi"])
    _, net = build_structure_and_network(run, seed_streams(0))
    assert net.degree().mean() == pytest.approx(6.0, abs=0.15)  # sd of the mean ~0.05
    run = make_run(
        "scenario=syria_1000", "network.kind=block", "network.within_degree=5",
        "network.between_degree=2",
    )  # fmt: skip
    structure, net = build_structure_and_network(run, seed_streams(0))
    edges = net.edges()
    same = structure.tribe[edges[:, 0]] == structure.tribe[edges[:, 1]]
    n = structure.size
    assert 2 * same.sum() / n == pytest.approx(5.0, rel=0.1)
    assert 2 * (~same).sum() / n == pytest.approx(2.0, rel=0.1)


def test_every_kind_is_reproducible_from_the_structure_seed_and_exports_to_networkx():
    for kind, overrides in KINDS.items():
        run = make_run(*SMALL, *overrides)
        a = build_structure_and_network(run, seed_streams(0, 5))[1]
        b = build_structure_and_network(run, seed_streams(9, 5))[1]
        assert np.array_equal(a.edges(), b.edges()), kind
        graph = simulate(run.model_copy(update={"steps": 1, "structure_seed": 5})).network_graph()
        assert graph.number_of_nodes() == 400
        assert graph.number_of_edges() == len(a.edges()), kind


# --- the engine is the Mesa model on every kind ------------------------------------------------
PARITY = {
    **{kind: [*SMALL, SPREAD, "steps=40", *o] for kind, o in KINDS.items()},
    "complete_count": [
        *SMALL, "steps=30", "model.peer_threshold=count",
        "threshold={dist: integers, low: 0, high: 120}",
    ],
    "ring_count_random_seeds": [
        *SMALL, "steps=60", "network.kind=watts_strogatz", "network.k=4",
        "network.rewiring=0.05", "model.peer_threshold=count",
        "threshold={dist: integers, low: 1, high: 2}",
        "model.initial_defectors=random", "model.initial_defected_share=0.01",
    ],
    "syria_any_layer_degree_seeds": [
        "steps=60", "network.combine=any_layer", "model.initial_defectors=degree",
        "model.initial_defected_share=0.02", "model.detection_probability=0.2",
    ],
    "ties_any_layer_count": [
        *SMALL, SPREAD, "steps=40", *KINDS["ties_any_layer"], "model.peer_threshold=count",
        "model.initial_defectors=betweenness", "model.initial_defected_share=0.01",
    ],
}  # fmt: skip


@pytest.mark.parametrize("case", list(PARITY))
def test_engine_and_mesa_agents_are_identical_on_every_network_kind(case):
    run = make_run(*PARITY[case])
    seeds = [0, 1]
    batch = run_batch(run, seeds, details=True)
    moved = 0
    for r, seed in enumerate(seeds):
        model = simulate(run.with_seed(seed))
        assert batch.timeseries(r) == model.timeseries(), f"seed {seed}: timeseries differ"
        assert batch.officials(r) == model.officials_table(), f"seed {seed}: officials differ"
        assert batch.events(r) == model.event_log, f"seed {seed}: events differ"
        moved += len(model.event_log)
    assert moved > 0, "nothing happened: the comparison would be vacuous"


def test_edge_list_parity_and_mapping_by_id_and_name(tmp_path):
    rows = [f"{i},{(i + 1) % 30}" for i in range(30)] + ["0,general", "general,5"]
    overrides = [
        *SMALL, "population.roles.official.count=30", "steps=30",
        "network.kind=edge_list", f"network.file={edge_file(tmp_path, rows)}",
        "threshold=0.5", "model.initial_defectors=[0, 1]",
        "+population.named.general={role: official, tribe: everyone}",
    ]  # fmt: skip
    run = make_run(*overrides)
    _, net = build_structure_and_network(run, seed_streams(0))
    assert list(net.neighbours(30)) == [0, 5]  # the named official, id 30
    batch = run_batch(run, [0], details=True)
    model = simulate(run)
    assert batch.officials(0) == model.officials_table()
    assert batch.events(0) == model.event_log
    # thresholds 1/2 on a ring: two adjacent seeds tip everyone in turn
    assert model.n_defected == 31


# --- count thresholds and the Centola-Macy contrast ---------------------------------------------
def test_count_threshold_two_adjacent_seeds_spread_on_the_lattice_only():
    """Centola & Macy (2007): a complex contagion (2 defected neighbours needed) from
    two adjacent seeds takes the whole ring lattice; on the same lattice a single seed
    spreads nowhere. Exact (deterministic) answers."""
    base = [
        *SMALL, "steps=400", "network.kind=ring_lattice", "network.k=4",
        "model.peer_threshold=count", "threshold=2",
    ]  # fmt: skip
    assert simulate(make_run(*base, "model.initial_defectors=[10, 11]")).n_defected == 400
    assert simulate(make_run(*base, "model.initial_defectors=[10]")).n_defected == 1


# --- initial defectors ---------------------------------------------------------------------
def test_a_tiny_share_gives_one_initial_defector_not_none():
    run = make_run(*SMALL, "model.initial_defected_share=0.0001")
    world, _, _ = build_world(run, 0)
    assert len(world.initial_defectors) == 1


def test_random_initial_defectors_differ_between_replicates_on_a_shared_network():
    run = make_run(
        *SMALL, "structure_seed=3", "threshold=0.18",
        "model.initial_defectors=random", "model.initial_defected_share=0.01",
    )  # fmt: skip
    chosen = {tuple(build_world(run, s)[0].initial_defectors) for s in range(20)}
    assert len(chosen) == 20
    # the dynamics draws are untouched: the random rule moves nothing else
    fixed = run.with_model(initial_defectors="lowest_threshold")
    assert np.array_equal(build_world(run, 4)[0].degree, build_world(fixed, 4)[0].degree)


def test_degree_and_betweenness_pick_the_hubs():
    run = make_run(
        *SMALL, *KINDS["barabasi_albert"], "model.initial_defectors=degree",
        "model.initial_defected_share=0.01",
    )  # fmt: skip
    world, _, _ = build_world(run, 0)
    degree = np.diff(world.indptr)
    assert sorted(degree[world.initial_defectors]) == sorted(np.sort(degree)[-4:])
    between = run.with_model(initial_defectors="betweenness")
    hubs = build_world(between, 0)[0].initial_defectors
    assert degree[hubs].mean() > 5 * degree.mean()


def test_a_shared_network_with_a_deterministic_rule_warns(caplog):
    with caplog.at_level(logging.WARNING):
        make_run(
            *SMALL, "structure_seed=1", "threshold=0.18",
            "model.initial_defected_share=0.01",
        )  # fmt: skip
    assert any("every replicate starts from the same" in r.message for r in caplog.records)
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        make_run(
            *SMALL, "structure_seed=1", "threshold=0.18",
            "model.initial_defected_share=0.01", "model.initial_defectors=random",
        )  # fmt: skip
    assert not caplog.records


# --- any layer ----------------------------------------------------------------------------------
def test_any_layer_tips_on_one_layer_where_the_union_does_not():
    """Official 0 has 1 defected tie of 1 in layer A and 0 of 3 in layer B: union share
    1/4, any-layer share 1 (Brummitt, Lee & Goh 2012)."""
    from sim.world.network import _combine

    layers = [(np.array([0]), np.array([1])), (np.array([0, 0, 0]), np.array([2, 3, 4]))]
    union, apart = _combine(5, layers, "union"), _combine(5, layers, "any_layer")
    assert union.degree()[0] == 4 and apart.layer_degree()[0].tolist() == [1, 3]
    assert len(apart.edges()) == len(union.edges()) == 4


def test_any_layer_cascades_at_least_as_far_as_the_union():
    share_union, share_any = [], []
    for combine in ("union", "any_layer"):
        run = make_run(
            *SMALL, *KINDS["ties_any_layer"][:-1], f"network.combine={combine}",
            "threshold=0.3", "model.initial_defected_share=0.02",
            "model.initial_defectors=random", "+population.roles.clerk={count: 400}",
            "+population.tribes.south={home_region: nation}",
        )  # fmt: skip
        final = run_batch(run, range(10)).curves["share_defected"][-1]
        (share_union if combine == "union" else share_any).append(final.mean())
    assert share_any[0] >= share_union[0]


# --- bad input ------------------------------------------------------------------------------------
BAD = {
    "network.kind=smallworld": "network.kind",
    "network.k=5": "network.k",
    "network.k=400": "network.k",
    "network.rewiring=1.5": "network.rewiring",
    "network.mean_degree=3": "network.mean_degree",
    "network.mean_degree=-1": "network.mean_degree",
    "network.file=ties.csv": "network.file",
}


@pytest.mark.parametrize("override", list(BAD))
def test_bad_network_input_is_one_line_naming_the_key(override):
    kind = {"network.k=5": "ring_lattice", "network.k=400": "watts_strogatz",
            "network.mean_degree=3": "barabasi_albert"}.get(override, "ring_lattice")  # fmt: skip
    overrides = [*SMALL, f"network.kind={kind}", override]
    if override.startswith("network.kind"):
        overrides = [*SMALL, override]
    with pytest.raises(ConfigError) as e:
        make_run(*overrides)
    assert str(e.value).startswith(BAD[override]) and "\n" not in str(e.value)


@pytest.mark.parametrize(
    ("rows", "problem"),
    [
        (["0,1", "1,999"], "unknown official id 999"),
        (["0,1", "1,vizier"], "unknown official 'vizier'"),
        (["0,1", "2,2"], "self-loop"),
        (["0,1,2"], "wrong number of fields"),
    ],
)
def test_bad_edge_files_are_one_line_errors(tmp_path, rows, problem):
    path = edge_file(tmp_path, rows)
    with pytest.raises(ConfigError) as e:
        make_run(*SMALL, "network.kind=edge_list", f"network.file={path}")
    assert "network.file" in str(e.value) and problem in str(e.value)
    with pytest.raises(ConfigError, match="columns"):
        make_run(
            *SMALL, "network.kind=edge_list", f"network.file={edge_file(tmp_path, ['0,1'], 'a,b')}"
        )
    with pytest.raises(ConfigError, match="not found"):
        make_run(*SMALL, "network.kind=edge_list", "network.file=nowhere.csv")


def test_duplicate_ties_are_merged_with_a_warning_and_graphml_is_read(tmp_path, caplog):
    path = edge_file(tmp_path, ["0,1", "1,0", "0,1", "2,3"])
    with caplog.at_level(logging.WARNING):
        run = make_run(*SMALL, "network.kind=edge_list", f"network.file={path}")
    assert (
        "2 duplicate ties kept once" in caplog.text
        and "396 of 400 officials have no tie" in caplog.text
    )
    _, net = build_structure_and_network(run, seed_streams(0))
    assert net.edges().tolist() == [[0, 1], [2, 3]]
    import networkx as nx

    graph = nx.Graph([(0, 1), (1, 2), (2, 3)])
    nx.write_graphml(graph, tmp_path / "g.graphml")
    run = make_run(*SMALL, "network.kind=edge_list", f"network.file={tmp_path / 'g.graphml'}")
    _, net = build_structure_and_network(run, seed_streams(0))
    assert net.edges().tolist() == [[0, 1], [1, 2], [2, 3]]


def test_bad_thresholds_and_seed_lists_are_one_line_errors():
    with pytest.raises(ConfigError, match="count threshold <= N - 1 = 399"):
        make_run(*SMALL, "model.peer_threshold=count", "threshold=400")
    with pytest.raises(ConfigError, match=r"model\.initial_defectors"):
        make_run(*SMALL, "model.initial_defectors=[3, 400]")
    with pytest.raises(ConfigError, match=r"model\.initial_defectors"):
        make_run(*SMALL, "model.initial_defectors=[vizier]")
    with pytest.raises(ConfigError, match=r"model\.initial_defectors"):
        make_run(*SMALL, "model.initial_defectors=central")
    with pytest.raises(ConfigError, match="initial_defected_share"):
        make_run(*SMALL, "model.initial_defectors=[3]", "model.initial_defected_share=0.1")


def test_a_defaults_override_that_no_official_draws_from_is_an_error():
    with pytest.raises(ConfigError, match=r"population\.defaults\.threshold"):
        make_run(*SMALL, "population.defaults.threshold=0.3")
    run = make_run(*SMALL, "population.defaults.disaffection=0.3")  # the role does not set it
    assert build_world(run, 0)[2]["disaffection"].min() == 0.3


def test_initial_defectors_are_defected_at_step_zero_in_both_paths():
    run = make_run(*SMALL, "model.initial_defectors=[5, 7]", "steps=0")
    model = simulate(run)
    assert [o.official_id for o in model.officials if o.state.value == DEFECTED] == [5, 7]


def test_edge_list_layers_kept_apart_parity(tmp_path):
    """An edge file with a layer column, combined by any_layer: official 2 has one
    defected tie of one in layer 'kin' and none of three in 'work': tipped at a share
    threshold 0.5 (any layer), not with the union (1 of 4)."""
    rows = ["0,2,kin", "2,3,work", "2,4,work", "2,5,work", "0,3,work", "3,4,kin"]
    path = edge_file(tmp_path, rows, "source,target,layer")
    base = [
        *SMALL, "population.roles.official.count=8", "steps=5", "threshold=0.5",
        "network.kind=edge_list", f"network.file={path}", "model.initial_defectors=[0]",
    ]  # fmt: skip
    apart = make_run(*base, "network.combine=any_layer")
    model = simulate(apart)
    assert model.dynamics.defection_step[2] == 1
    batch = run_batch(apart, [0], details=True)
    assert batch.events(0) == model.event_log and batch.officials(0) == model.officials_table()
    union = simulate(make_run(*base))
    assert union.dynamics.defection_step[2] == -1


def test_ring_layout_puts_lattice_neighbours_next_to_each_other():
    from sim.analysis.plots import ring_layout

    pos = ring_layout(400)
    i, j = ring_pairs(400, 4)
    assert np.linalg.norm(pos[i] - pos[j], axis=1).max() < 2 * np.sin(2 * np.pi * 2 / 400) + 1e-12
