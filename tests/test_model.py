"""Mechanics of the model against exact answers and closed forms."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.agents import DefectionModel, State
from sim.config.schema import validate
from sim.world.network import from_pairs, random_pairs, ties_network, unrank_pairs
from sim.world.population import build_structure, draw_traits, largest_remainder
from tests.conftest import SCENARIOS, make_run

NATION = {"nation": {"points": [[0, 0.0]]}}


def population(count: int, **params) -> dict:
    return {
        "defaults": {},
        "tribes": {"everyone": {"home_region": "nation"}},
        "roles": {"official": {"count": count, **params}},
    }


def Model(population: dict, events=(), seed: int = 0, **params) -> DefectionModel:  # noqa: N802
    """The Mesa model of a population on one region without rebellion."""
    config = {"population": population, "rebellion": NATION, "events": list(events)}
    return DefectionModel(config, seed=seed, **params)


def run(model: DefectionModel, steps: int) -> DefectionModel:
    for _ in range(steps):
        model.step()
    return model


# --- preparation, detection, escape --------------------------------------------------------
def test_preparation_takes_k_steps_and_is_caught_with_the_closed_form_probability():
    """k = 3 steps of preparation with q = 0.2 per step: P(arrested) = 1 - 0.8**3 = 0.488.
    N = 20,000 officials; tolerance 4 binomial standard deviations (0.014)."""
    n, k, q = 20_000, 3, 0.2
    m = Model(
        population=population(n, threshold=-1.0, preparation_time=k),
        detection_probability=q,
        seed=11,
    )
    run(m, k + 2)
    arrested = np.mean([o.state is State.ARRESTED for o in m.officials])
    expected = 1 - (1 - q) ** k
    assert arrested == pytest.approx(expected, abs=4 * math.sqrt(expected * (1 - expected) / n))
    # decided at step 0, preparing from step 1, three draws, public at step k + 1
    assert {o.defection_step for o in m.officials if o.state is State.DEFECTED} == {k + 1}


def test_zero_preparation_defects_at_the_next_step_and_is_never_caught():
    m = run(Model(population=population(50, threshold=-1.0), detection_probability=1.0), 1)
    assert all(o.state is State.DEFECTED and o.defection_step == 1 for o in m.officials)


def test_arrested_officials_escape_with_the_closed_form_probability():
    """Everyone is caught at the first preparing step (q = 1); then each escapes with
    e = 0.1 per step: after s steps under arrest, 0.9**s are still held."""
    n, e, s = 20_000, 0.1, 5
    m = Model(
        population=population(n, threshold=-1.0, preparation_time=1),
        detection_probability=1.0,
        escape_probability=e,
        seed=5,
    )
    run(m, 2)
    assert all(o.state is State.ARRESTED for o in m.officials)
    run(m, s)
    held = np.mean([o.state is State.ARRESTED for o in m.officials])
    expected = (1 - e) ** s
    assert held == pytest.approx(expected, abs=4 * math.sqrt(expected * (1 - expected) / n))
    escaped = [o for o in m.officials if o.state is State.DEFECTED]
    assert escaped and all(3 <= o.defection_step <= 2 + s for o in escaped)


def test_preparing_officials_are_invisible_to_the_others():
    """Official 0 decides at once but needs 4 steps; official 1 needs one visible defector.
    Official 1 starts only after official 0's defection becomes public."""
    pop = population(
        2,
        threshold={"dist": "values", "values": [-1.0, 0.5]},
        preparation_time={"dist": "values", "values": [4, 0]},
    )
    m = run(Model(population=pop, disaffection_weight=0.0), 8)
    first, second = m.officials
    assert first.defection_step == 5  # decided at 0, preparing at 1..4, public at 5
    assert second.defection_step == 6
    rows = m.timeseries()
    assert [r["n_preparing"] for r in rows[:6]] == [0, 1, 1, 1, 1, 0]


def test_the_uniform_draws_do_not_depend_on_who_is_preparing():
    """One draw per official per step whatever the states: the generator's state after t
    steps is the same for a quiet run and a busy one with the same seed."""
    quiet = run(Model(population=population(30, threshold=5.0), seed=3), 4)
    busy = run(Model(population=population(30, threshold=-1.0, preparation_time=3), seed=3), 4)
    assert quiet.rng.random() == busy.rng.random()


# --- events ---------------------------------------------------------------------------------
def named_population() -> dict:
    pop = population(20, threshold=5.0, rank_weight=1.0)
    pop["named"] = {"chief": {"role": "official", "tribe": "everyone", "rank_weight": 4.0}}
    return pop


def test_scheduled_defection_with_a_call_to_follow():
    events = [{"kind": "defection", "step": 3, "official": "chief", "broadcast_multiplier": 2.0}]
    m = Model(named_population(), events, survival_defection_sensitivity=2.0)
    run(m, 2)
    chief = m.officials[-1]
    assert chief.state is State.LOYAL and m.survival == pytest.approx(0.9)
    run(m, 1)
    assert chief.state is State.DEFECTED and chief.defection_step == 3
    assert chief.rank_weight == 8.0
    d = 8.0 / (20 + 8.0)  # rank-weighted share defected
    expected = 1 / (1 + math.exp(-(math.log(9) - 2.0 * d)))
    assert m.survival == pytest.approx(expected)
    assert m.event_log[-1]["scheduled"] and m.event_log[-1]["to"] == "defected"


def test_scheduled_arrest_then_flight():
    events = [
        {"kind": "arrest", "step": 1, "official": "chief"},
        {"kind": "defection", "step": 4, "official": "chief"},
    ]
    m = Model(population=named_population(), events=events)
    run(m, 1)
    assert m.officials[-1].state is State.ARRESTED and m.current("n_arrested") == 1
    run(m, 3)
    assert m.officials[-1].state is State.DEFECTED and m.current("n_arrested") == 0


def test_a_second_arrest_or_a_late_defection_event_changes_nothing():
    events = [
        {"kind": "arrest", "step": 1, "official": "chief"},
        {"kind": "arrest", "step": 2, "official": "chief"},
        {"kind": "defection", "step": 3, "official": "chief"},
        {"kind": "arrest", "step": 4, "official": "chief"},
        {"kind": "defection", "step": 5, "official": "chief", "broadcast_multiplier": 3.0},
    ]
    m = run(Model(population=named_population(), events=events), 5)
    assert [(e["step"], e["to"]) for e in m.event_log] == [(1, "arrested"), (3, "defected")]
    assert m.officials[-1].state is State.DEFECTED and m.officials[-1].rank_weight == 4.0


def test_shocks_move_rebellion_and_survival():
    events = [
        {"kind": "rebellion_shock", "step": 2, "region": "nation", "size": 0.3},
        {"kind": "survival_shock", "step": 2, "size": -1.0},
    ]
    m = run(Model(population=named_population(), events=events), 2)
    assert m.current("rebellion_nation") == pytest.approx(0.3)
    assert m.survival == pytest.approx(1 / (1 + math.exp(-(math.log(9) - 1.0))))


def test_the_tribe_share_is_rank_weighted_and_excludes_oneself():
    pop = {
        "tribes": {"a": {"home_region": "nation"}, "b": {"home_region": "nation"}},
        "roles": {"official": {"count": 4, "tribes": {"a": 1.0}, "threshold": 5.0}},
        "named": {
            "head": {"role": "official", "tribe": "a", "rank_weight": 6.0},
            "other": {"role": "official", "tribe": "b", "threshold": 5.0},
        },
    }
    events = [{"kind": "defection", "step": 1, "official": "head"}]
    m = run(Model(population=pop, events=events), 1)
    member = m.officials[0]
    assert member.tribe == "a"
    assert member.observe().tribe_share == pytest.approx(6.0 / (4 * 1.0 + 6.0 - 1.0))
    assert m.officials[-1].observe().tribe_share == 0.0  # alone in tribe b


# --- network ------------------------------------------------------------------------------------
@pytest.mark.parametrize("g", [2, 3, 7, 50])
def test_unranking_pairs_matches_the_upper_triangle(g):
    i, j = np.triu_indices(g, k=1)
    ui, uj = unrank_pairs(np.arange(g * (g - 1) // 2), g)
    assert np.array_equal(ui, i) and np.array_equal(uj, j)


def test_large_groups_are_sampled_with_the_right_density():
    """Above the enumeration limit, G(n, p) by a binomial count of distinct pairs."""
    n, p = 4000, 0.002
    i, j = random_pairs(np.arange(n), p, np.random.default_rng(0))
    total = n * (n - 1) // 2
    assert len(set(zip(i.tolist(), j.tolist(), strict=True))) == len(i)  # distinct
    assert np.all(i < j)
    assert len(i) == pytest.approx(p * total, abs=5 * math.sqrt(p * total))


def test_ties_network_is_simple_symmetric_and_has_the_expected_degrees():
    rng = np.random.default_rng(1)
    n = 3000
    tribe, role = rng.integers(0, 5, n), rng.integers(0, 3, n)
    net = ties_network(tribe, role, 4.0, 3.0, 2.0, np.random.default_rng(2))
    edges = net.edges()
    assert np.all(edges[:, 0] < edges[:, 1])
    assert len({tuple(e) for e in edges.tolist()}) == len(edges)
    for i in range(0, n, 97):
        for j in net.neighbours(i):
            assert i in net.neighbours(j)
    # union of three layers: just under 4 + 3 + 2 because a few pairs are in two layers
    assert 8.8 < net.degree().mean() < 9.0


def test_from_pairs_drops_loops_and_duplicates():
    net = from_pairs(4, np.array([0, 1, 2, 2]), np.array([1, 0, 2, 3]))
    assert net.edges().tolist() == [[0, 1], [2, 3]]


# --- population ------------------------------------------------------------------------------
def test_largest_remainder_is_exact():
    assert largest_remainder(10, [0.35, 0.4, 0.15, 0.1]) == [4, 4, 1, 1]
    assert sum(largest_remainder(313, [1, 2, 3])) == 313


def test_parameter_precedence_named_over_tribe_over_role_over_defaults():
    pop = {
        "defaults": {"exposure": 0.2, "disaffection": 0.3},
        "tribes": {
            "core": {"home_region": "coast", "exposure": 0.9},
            "other": {"home_region": "east"},
        },
        "roles": {
            "minister": {"count": 10, "tribes": {"core": 0.5, "other": 0.5}, "privileges": 0.7}
        },
        "named": {
            "vip": {"role": "minister", "tribe": "core", "region": "east", "disaffection": 0.8}
        },
    }
    run = validate(
        {"population": pop, "rebellion": {"coast": NATION["nation"], "east": NATION["nation"]}}
    )
    p = build_structure(run.population, run.regions, np.random.default_rng(0))
    traits = draw_traits(run.population, p, np.random.default_rng(1))
    assert p.size == 11 and p.name[-1] == "vip"
    core = p.tribe == p.tribe_names.index("core")
    assert np.all(traits["exposure"][core] == 0.9) and np.all(traits["exposure"][~core] == 0.2)
    assert np.all(traits["privileges"] == 0.7)
    assert traits["disaffection"][-1] == 0.8 and np.all(traits["disaffection"][:-1] == 0.3)
    assert p.region_names[p.region[-1]] == "east"  # a named official's own region
    assert np.sum(core[:10]) == 5  # largest remainder: exactly half of the ministers


def test_initial_defectors_are_those_with_the_lowest_thresholds():
    pop = population(10, threshold={"dist": "values", "values": [9, 3, 7, 1, 5, 8, 2, 6, 4, 0]})
    m = Model(population=pop, initial_defected_share=0.3, peer_weight=0.0)
    gone = [o.official_id for o in m.officials if o.state is State.DEFECTED]
    assert gone == [3, 6, 9] and all(m.officials[i].defection_step == 0 for i in gone)
    assert m.timeseries()[0]["share_defected"] == pytest.approx(0.3)


def test_the_trait_plans_shortcuts_draw_the_same_numbers():
    """TraitPlan draws a run of uniforms (normals) as one block, scaled: NumPy's
    uniform(low, high, n) must be low + (high - low) * random(n), and normal(mean, sd, n)
    mean + sd * standard_normal(n), bit for bit; tribe classes by one sort must be
    np.unique's."""
    from sim.world.build import tribe_classes

    for seed in range(50):
        a, b = np.random.default_rng(seed), np.random.default_rng(seed)
        low, high = sorted(np.random.default_rng(seed + 1000).uniform(-3, 3, 2))
        assert np.array_equal(a.uniform(low, high, 300), low + (high - low) * b.random(300))
        assert np.array_equal(
            a.normal(low, high - low, 300), low + (high - low) * b.standard_normal(300)
        )
        rng = np.random.default_rng(seed)
        tribe = rng.integers(0, 4, 200)
        weight = rng.choice([0.5, 1.0, 2.0, 3.0], 200)
        classes, of = np.unique(
            np.stack([tribe.astype(float), weight]), axis=1, return_inverse=True
        )
        mine, class_tribe, class_weight = tribe_classes(tribe, weight)
        assert np.array_equal(mine, of.ravel())
        assert np.array_equal(class_tribe, classes[0]) and np.array_equal(class_weight, classes[1])


def _draw_traits_one_by_one(population, structure, rng):
    """draw_traits as it was before the trait plan: every entry in order, written whole."""
    from sim.core.parameters import TRAITS

    tribes, roles, named = population.tribes, population.roles, population.named
    n_unnamed = sum(role.count for role in roles.values())
    traits = {}
    for trait in TRAITS:
        values = np.zeros(structure.size, dtype=np.int64 if trait.integer else np.float64)
        start = 0
        for role_name, role in roles.items():
            idx = np.arange(start, start + role.count)
            start += role.count
            values[idx] = population.role_distribution(trait.name, role_name).draw(len(idx), rng)
            for t, tribe in enumerate(tribes.values()):
                if trait.name in tribe.traits:
                    cell = idx[structure.tribe[idx] == t]
                    values[cell] = tribe.traits[trait.name].draw(len(cell), rng)
        for j, (name, entry) in enumerate(named.items()):
            spec = population.distribution(trait.name, entry.role, entry.tribe, name)
            values[n_unnamed + j] = spec.draw(1, rng)[0]
        traits[trait.name] = values
    return traits


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_the_trait_plan_draws_what_drawing_one_by_one_draws(scenario):
    from sim.world.population import TraitPlan

    run = make_run(f"scenario={scenario}")
    structure = build_structure(run.population, run.regions, np.random.default_rng(0))
    plan = TraitPlan(run.population, structure)
    for seed in range(3):
        mine = plan.draw(np.random.default_rng(seed))
        theirs = _draw_traits_one_by_one(run.population, structure, np.random.default_rng(seed))
        for name in theirs:
            assert np.array_equal(mine[name], theirs[name]), (scenario, seed, name)
            assert mine[name].dtype == theirs[name].dtype
