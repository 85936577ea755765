"""The batched engine is the same model as the Mesa agents: for the same seeds, identical
trajectories, defection steps and final states, exactly (not statistically)."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from sim import kernels
from sim.agents import State
from sim.config import model_kwargs
from sim.engine import STATE_NAMES, run_batch, tribe_classes
from sim.network import build_network
from sim.runner import simulate
from sim.signals import tribe_share
from tests.conftest import ROOT, make_config

SEEDS = [0, 1, 2]
ROLES = ["minister", "general", "security_chief", "ambassador", "governor", "party_official"]
ALL_TERMS = [
    # Syria uses every term: tribes, rank weights, ties, rebellion feedback, scheduled
    # arrest and defection with a broadcast, a survival shock; raise detection and
    # escape so that arrests and escapes happen often, and add a rebellion shock.
    "model.detection_probability=0.25",
    "model.escape_probability=0.3",
    "events=[{kind: rebellion_shock, step: 30, region: north, size: 0.2}]",
]
CASES = {
    "syria_all_terms": ["steps=90", *ALL_TERMS],
    "syria_default": ["steps=96"],
    "syria_unscripted": [
        "steps=80",
        "population.named.ambassador_to_iraq.scripted=false",
        "population.named.republican_guard_general.scripted=false",
        *ALL_TERMS,
    ],
    "syria_shared_structure": ["steps=80", "structure_seed=11", *ALL_TERMS],
    "amnesty_offer": ["scenario=amnesty_offer", "steps=96"],
    "coup_proofed": ["scenario=coup_proofed", "steps=96"],
    "granovetter_normal": [
        "scenario=granovetter_normal",
        "population.roles.official.count=2000",
        "population.roles.official.threshold={dist: normal, mean: 0.2, sd: 0.12}",
    ],
    "kuran_ten_lowered": ["scenario=kuran_ten_lowered"],
    "syria_initial_defectors": ["steps=60", "model.initial_defected_share=0.1", *ALL_TERMS],
    # rank weights drawn, not round numbers: every official is his own tribe-share class,
    # and a sum of weights depends on the order of its terms (an order bug shows)
    "syria_drawn_rank_weights": [
        "steps=90",
        *(
            f"population.roles.{role}.rank_weight={{dist: uniform, low: 0.3, high: 3.7}}"
            for role in ROLES
        ),
        *ALL_TERMS,
    ],
}


@pytest.mark.parametrize("case", list(CASES))
def test_engine_and_mesa_agents_give_identical_trajectories(case):
    cfg = make_config(*CASES[case])
    batch = run_batch(model_kwargs(cfg), SEEDS, cfg["steps"])
    moved = 0
    for r, seed in enumerate(SEEDS):
        model = simulate(make_config(*CASES[case], f"seed={seed}"))
        assert batch.timeseries(r) == model.timeseries(), f"seed {seed}: timeseries differ"
        mesa_steps = [-1 if o.defection_step is None else o.defection_step for o in model.officials]
        assert batch.defection_step[r].tolist() == mesa_steps, f"seed {seed}: defection steps"
        assert [STATE_NAMES[c] for c in batch.state[r]] == [o.state.value for o in model.officials]
        moved += sum(o.state is not State.LOYAL for o in model.officials)
    assert moved > 0, "nothing happened: the comparison would be vacuous"


def test_the_all_terms_case_exercises_every_transition():
    """Guard against a vacuous comparison: the case must see preparation, arrests,
    escapes and scheduled events in the seeds compared."""
    cfg = make_config(*CASES["syria_all_terms"])
    transitions = set()
    for seed in SEEDS:
        model = simulate(make_config(*CASES["syria_all_terms"], f"seed={seed}"))
        transitions |= {(e["from"], e["to"], bool(e["scheduled"])) for e in model.event_log}
    assert ("loyal", "preparing", False) in transitions
    assert ("preparing", "defected", False) in transitions
    assert ("preparing", "arrested", False) in transitions
    assert ("arrested", "defected", False) in transitions  # an escape
    assert ("loyal", "arrested", True) in transitions  # the general's house arrest
    assert ("arrested", "defected", True) in transitions  # his flight
    assert cfg["model"]["escape_probability"] == 0.3


def test_replicates_are_independent_of_their_batch():
    """A replicate's trajectory depends on its seed only, not on the other seeds of the batch."""
    kwargs = model_kwargs(make_config("steps=70"))
    alone = run_batch(kwargs, [5], 70)
    together = run_batch(kwargs, [3, 5, 8], 70)
    assert alone.timeseries(0) == together.timeseries(1)
    assert np.array_equal(alone.defection_step[0], together.defection_step[1])


def test_the_engine_does_not_import_mesa():
    code = (
        "import sys; from sim.engine import run_batch; from sim.config import model_kwargs;"
        "from sim.runner import compose_config;"
        "run_batch(model_kwargs(compose_config('steps=3')), [0, 1], 3);"
        "assert 'mesa' not in sys.modules, 'mesa was imported'"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr


def test_cached_shares_are_those_the_agents_compute():
    """The kernel divides out tribe shares once per (tribe, rank weight) class, and
    neighbour shares when a neighbour defects: exactly the agents' values, official by
    official, with rank weights that are not round numbers."""
    rng = np.random.default_rng(7)
    n, n_tribes = 400, 5
    tribe = rng.integers(0, n_tribes, n)
    rank_weight = rng.choice(rng.uniform(0.2, 4.0, 12), n)  # repeated weights: shared classes
    rank_weight[:3] = rank_weight[3:6] = 2.0
    tribe[:3] = 4  # with a tribe 4 of one official, whose "rest" weighs nothing
    tribe[3:] = np.where(tribe[3:] == 4, 3, tribe[3:])
    tribe[1:3] = 0
    defected = rng.random(n) < 0.3
    tribe_total = np.zeros(n_tribes)
    tribe_defected = np.zeros(n_tribes)
    for i in range(n):  # the order of sim.signals' sparse sums
        tribe_total[tribe[i]] += rank_weight[i]
        tribe_defected[tribe[i]] += rank_weight[i] if defected[i] else 0.0

    of, class_tribe, class_weight = tribe_classes(tribe, rank_weight)
    assert len(class_tribe) < n  # classes are shared
    class_share = np.zeros(len(class_tribe))
    kernels.update_class_shares(class_tribe, class_weight, tribe_defected, tribe_total, class_share)
    expected = [
        tribe_share(tribe_defected[tribe[i]], tribe_total[tribe[i]], rank_weight[i], False)
        for i in range(n)
    ]
    assert class_share[of].tolist() == expected
    assert expected[0] == 0.0  # alone in his tribe

    net = build_network(
        "ties", tribe, np.zeros(n, dtype=np.int64), rng, tribe_degree=4.0, random_degree=3.0
    )
    count, peer = np.zeros(n, dtype=np.int64), np.zeros(n)
    degree = np.maximum(net.degree(), 1).astype(np.float64)
    for batch in np.array_split(np.flatnonzero(defected), 4):  # defections over 4 steps
        kernels.count_defected_neighbours(batch, net.indptr, net.indices, degree, count, peer)
    for i in range(n):
        neighbours = net.neighbours(i)
        agents = sum(defected[j] for j in neighbours) / len(neighbours) if len(neighbours) else 0.0
        assert peer[i] == agents, i
