"""The classic threshold results, reproduced exactly through the scenarios' configs
(with the batched engine, which test_engine.py checks is the Mesa model exactly)."""

from __future__ import annotations

import numpy as np
import pytest

from sim.engine.batch import BatchResult, run_batch
from tests.conftest import make_run


def simulate(*overrides: str, seed: int | None = None) -> BatchResult:
    """One run of ``python -m sim <overrides>``, with its officials."""
    run = make_run(*overrides)
    return run_batch(run, [run.seed if seed is None else seed], details=True)


def final_defected(*overrides: str) -> int:
    return simulate(*overrides).timeseries(0)[-1]["n_defected"]


def thresholds(batch: BatchResult) -> np.ndarray:
    return np.array([o["threshold"] for o in batch.officials(0)])


def test_granovetter_riot_everyone_joins():
    assert final_defected("scenario=granovetter_riot") == 100


def test_granovetter_riot_with_threshold_one_moved_to_two_stops_at_the_instigator():
    assert final_defected("scenario=granovetter_riot_variant") == 1


@pytest.mark.parametrize(("sd", "below", "above"), [(0.12, None, 0.1), (0.125, 0.9, None)])
def test_granovetter_normal_thresholds_jump_across_the_critical_spread(sd, below, above):
    """Mean 0.25, deterministic mid-quantile thresholds, N = 10,000: the critical spread
    is about 0.1222 (the mean-field map x -> Phi((x - 0.25) / sd) loses its low fixed
    point there), so 0.12 stays below 0.1 and 0.125 goes above 0.9."""
    model = simulate(
        "scenario=granovetter_normal", f"population.roles.official.threshold.sd={sd}", "steps=60"
    )
    rows = model.timeseries(0)
    share = rows[-1]["share_defected"]
    assert rows[-1]["share_defected"] == rows[-2]["share_defected"], "not at equilibrium yet"
    if above is not None:
        assert share < above
    if below is not None:
        assert share > below


def test_kuran_ten_only_the_first_speaks_out():
    assert final_defected("scenario=kuran_ten") == 1


def test_kuran_ten_with_one_twenty_lowered_to_ten_goes_to_ninety_percent():
    assert final_defected("scenario=kuran_ten_lowered") == 9


def granovetter_trajectory(thresholds: np.ndarray, steps: int) -> list[int]:
    """Granovetter (1978) directly: x_{t+1} = #{i : T_i <= x_t}, x as a share of N."""
    n, counts = len(thresholds), [0]
    for _ in range(steps):
        counts.append(int(np.sum(thresholds <= counts[-1] / n)))
    return counts


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_with_only_the_peer_term_the_model_is_exactly_granovetters(seed):
    """Everything off but the peer term, zero preparation, complete graph: the number
    defected at every step equals the direct threshold iteration, for random thresholds."""
    model = simulate(
        "scenario=granovetter_normal",
        "population.roles.official.count=500",
        "population.roles.official.threshold={dist: normal, mean: 0.2, sd: 0.12}",
        "steps=40",
        seed=seed,
    )
    got = [row["n_defected"] for row in model.timeseries(0)]
    assert got == granovetter_trajectory(thresholds(model), 40)
    assert len(set(got)) > 4, "the cascade should take several steps, or the test is trivial"


def test_the_reduction_holds_with_every_other_attribute_present_but_switched_off():
    """The Syria population has privileges, exposure, amnesty trust, tribes, ranks and
    rebellion; with their weights at 0, no preparation and a complete graph, its
    trajectory is still Granovetter's."""
    weights = [
        "disaffection_weight",
        "tribal_pressure_weight",
        "danger_weight",
        "retribution_weight",
        "defector_credit",
        "late_defector_contempt",
        "privilege_weight",
        "defector_punishment",
    ]
    roles = make_run("scenario=syria_stylized").population.roles
    model = simulate(
        "scenario=syria_stylized",
        *[f"model.{w}=0" for w in weights],
        "model.peer_weight=1",
        "network.kind=complete",
        "events_file=null",
        *[f"population.roles.{r}.preparation_time=0" for r in roles],
        "+population.named.republican_guard_general.preparation_time=0",
        "+population.named.ambassador_to_iraq.preparation_time=0",
        "population.named.republican_guard_general.scripted=false",
        "population.named.ambassador_to_iraq.scripted=false",
        *[f"population.roles.{r}.threshold={{dist: normal, mean: 0.15, sd: 0.1}}" for r in roles],
        "steps=30",
    )
    got = [row["n_defected"] for row in model.timeseries(0)]
    assert got == granovetter_trajectory(thresholds(model), 30)
    assert len(set(got)) > 3
