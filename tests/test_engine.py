"""The batched engine is the same model as the Mesa agents: for the same seeds, identical
timeseries, officials and events files, exactly (not statistically).

Both paths run the same compiled mathematics (sim.core); what these cases check is what
is left to differ: the engine's loop against the agents' decide/commit, its jumps over
unused random draws against the model's draws, and its bookkeeping of the officials."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from sim.core import signals
from sim.core.state import DEFECTED, new_dynamics
from sim.engine import kernel, pcg64
from sim.engine.batch import run_batch
from sim.run.runner import simulate
from sim.world import build_world
from sim.world.streams import dynamics_generator, seed_streams
from tests.conftest import ROOT, make_run

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
    # officials who look ahead and time their exit, with privileges that rise as others go
    "syria_foresight_stopping": [
        "steps=90",
        "model.expectations=extrapolative",
        "model.timing=stopping",
        "model.trend_memory=3",
        "model.forecast_horizon=2",
        "model.loyalty_bonus=1.0",
        *ALL_TERMS,
    ],
    # the regime as a player: backing that arrives and leaves, collapse, targeted
    # repression, purges, rising privileges (ODD 7.9)
    "syria_regime": [
        "steps=96",
        "model.backing_weight=2.0",
        "backing.points=[[0, 0.0], [60, 0.8], [80, 0.0]]",
        "model.collapse_survival=0.5",
        "model.targeted_repression=3.0",
        "model.purge_rate=0.2",
        "model.loyalty_bonus=1.0",
        *ALL_TERMS,
    ],
    "syria_regime_foresight": [
        "steps=96",
        "model.expectations=extrapolative",
        "model.timing=stopping",
        "model.backing_weight=1.0",
        "backing.points=[[0, 0.5], [70, 0.0]]",
        "model.purge_rate=0.1",
        *ALL_TERMS,
    ],
    "syria_adaptive_threshold": [
        "steps=90",
        "model.expectations=adaptive",
        "model.adaptation_rate=0.3",
        "model.forecast_horizon=1",
        *ALL_TERMS,
    ],
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
def test_engine_and_mesa_agents_give_identical_files(case):
    run = make_run(*CASES[case])
    batch = run_batch(run, SEEDS, details=True)
    moved = 0
    for r, seed in enumerate(SEEDS):
        model = simulate(run.with_seed(seed))
        assert batch.timeseries(r) == model.timeseries(), f"seed {seed}: timeseries differ"
        assert batch.officials(r) == model.officials_table(), f"seed {seed}: officials differ"
        assert batch.events(r) == model.event_log, f"seed {seed}: events differ"
        moved += len(model.event_log)
    assert moved > 0, "nothing happened: the comparison would be vacuous"


def test_the_all_terms_case_exercises_every_transition():
    """Guard against a vacuous comparison: the case must see preparation, arrests,
    escapes and scheduled events in the seeds compared."""
    batch = run_batch(make_run(*CASES["syria_all_terms"]), SEEDS, details=True)
    transitions = {
        (e["from"], e["to"], bool(e["scheduled"]))
        for r in range(len(SEEDS))
        for e in batch.events(r)
    }
    assert ("loyal", "preparing", False) in transitions
    assert ("preparing", "defected", False) in transitions
    assert ("preparing", "arrested", False) in transitions
    assert ("arrested", "defected", False) in transitions  # an escape
    assert ("loyal", "arrested", True) in transitions  # the general's house arrest
    assert ("arrested", "defected", True) in transitions  # his flight


def test_the_regime_case_exercises_collapse_purges_and_backing():
    """Guard against a vacuous comparison of the regime's moves: the regime falls in
    every seed compared, loyal officials are purged, and the backing moves p."""
    batch = run_batch(make_run(*CASES["syria_regime"]), SEEDS, details=True)
    survival = batch.curves["perceived_survival"]
    assert (survival == 0).any(axis=0).all(), "the regime should fall in every seed"
    purged = [e for r in range(len(SEEDS)) for e in batch.events(r) if e["from"] == "loyal"]
    assert any(e["to"] == "arrested" and not e["scheduled"] for e in purged)
    assert (np.diff(survival[50:70], axis=0) > 0).any(), "the arriving backing should lift p"


def test_replicates_are_independent_of_their_batch():
    """A replicate's trajectory depends on its seed only, not on the other seeds of the batch."""
    run = make_run("steps=70")
    alone = run_batch(run, [5])
    together = run_batch(run, [3, 5, 8])
    assert alone.timeseries(0) == together.timeseries(1)
    assert np.array_equal(alone.defection_step[0], together.defection_step[1])


def test_the_engine_does_not_import_mesa():
    code = (
        "import sys; from sim.engine.batch import run_batch;"
        "from sim.config.schema import validate; from sim.config.compose import compose_config;"
        "run_batch(validate(compose_config('steps=3')), [0, 1]);"
        "assert 'mesa' not in sys.modules, 'mesa was imported'"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr


def test_the_incremental_signals_equal_a_recount_from_scratch():
    """The signals are kept up to date incrementally (tribe shares once per class of
    tribe and rank weight, neighbour counts when a neighbour defects): at the end of a
    run they equal a recount, official by official, with rank weights that are not
    round numbers and events that raise some of them."""
    run = make_run(*CASES["syria_drawn_rank_weights"])
    world, labels, _ = build_world(run, 3)
    dyn = new_dynamics(world)
    stream = pcg64.state_of(dynamics_generator(seed_streams(3)))
    names = signals.curve_names(labels.role_names, labels.region_names)
    curves = np.zeros((run.steps + 1, len(names)))
    jumps, active = pcg64.jump_table(world.n), np.empty(world.n, np.int64)
    kernel.run(world, dyn, run.params(), run.steps, stream, jumps, active, curves)
    defected = dyn.state == DEFECTED
    assert 0.05 < defected.mean() < 0.95, "too few or too many defections to be telling"
    assert len(world.class_tribe) > 100  # drawn rank weights: classes of one or two officials
    for i in np.flatnonzero(~defected):
        tribe = world.tribe == world.tribe[i]
        total = sum(dyn.rank_weight[j] for j in np.flatnonzero(tribe))
        gone = sum(dyn.rank_weight[j] for j in np.flatnonzero(tribe & defected))
        others = total - world.rank_weight[i]
        recount = gone / others if others > 0 else 0.0
        seen = signals.observation(world, dyn, run.params(), i)
        assert seen.tribe_share == pytest.approx(recount, rel=1e-12), i
        neighbours = world.indices[world.indptr[i] : world.indptr[i + 1]]
        share = defected[neighbours].sum() / len(neighbours) if len(neighbours) else 0.0
        assert seen.peer_share == share, i  # integer counts over the degree: exact
