"""Same config and seed: identical outputs, network included. Different seeds differ."""

from __future__ import annotations

import numpy as np

from sim.run.runner import run, simulate
from tests.conftest import make_config

FILES = ["timeseries.csv", "officials.csv", "events.csv", "config.yaml"]


def test_same_config_and_seed_give_byte_identical_outputs(tmp_path):
    cfg = make_config("seed=7")
    first = run(cfg, tmp_path / "a", figure=False)
    second = run(make_config("seed=7"), tmp_path / "b", figure=False)
    for name in FILES:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name
    assert np.array_equal(first.model.edges(), second.model.edges())


def test_different_seeds_differ_in_population_network_and_trajectory():
    a, b = simulate(make_config("seed=1")), simulate(make_config("seed=2"))
    assert not np.array_equal(a.edges(), b.edges())
    assert [o.threshold for o in a.officials] != [o.threshold for o in b.officials]
    assert a.timeseries() != b.timeseries()


def test_the_seed_streams_are_independent():
    """Changing the network's density leaves every drawn official parameter unchanged."""
    a = simulate(make_config("seed=4", "steps=0"))
    b = simulate(make_config("seed=4", "steps=0", "network.random_degree=5"))
    assert [o.threshold for o in a.officials] == [o.threshold for o in b.officials]
    assert len(a.edges()) < len(b.edges())


def test_a_structure_seed_shares_tribes_and_ties_across_seeds_but_not_parameters():
    a = simulate(make_config("seed=1", "structure_seed=9", "steps=0"))
    b = simulate(make_config("seed=2", "structure_seed=9", "steps=0"))
    assert np.array_equal(a.edges(), b.edges())
    assert np.array_equal(a.world.tribe, b.world.tribe)
    assert [o.threshold for o in a.officials] != [o.threshold for o in b.officials]
