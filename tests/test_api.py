"""The Python API (sim.api): runs, replicates, sweeps and samples as tables."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import sim
from sim import api
from sim.errors import ConfigError
from sim.run.store import parameter_column
from sim.run.sweep import replicate_seeds

SMALL = ["steps=30"]


def test_a_run_gives_the_same_tables_with_the_engine_and_the_mesa_agents():
    fast = api.run("kuran_ten", seed=4)
    mesa = api.run("kuran_ten", seed=4, engine="mesa")
    for name in ("timeseries", "officials", "events"):
        pd.testing.assert_frame_equal(getattr(fast, name), getattr(mesa, name))
    assert len(fast.timeseries) == fast.config["steps"] + 1
    assert len(fast.officials) == 10
    assert fast.summary.final_share == fast.timeseries["share_defected"].iloc[-1]
    assert fast.config["seed"] == 4


def test_overrides_as_a_list_or_a_mapping_are_the_same_run():
    a = api.run("granovetter_riot", seed=2, overrides=["model.peer_weight=0.5"])
    b = api.run("granovetter_riot", seed=2, overrides={"model.peer_weight": 0.5})
    pd.testing.assert_frame_equal(a.timeseries, b.timeseries)


def test_replicates_use_the_sweeps_seeds_and_carry_one_row_per_run():
    reps = api.replicates("kuran_ten", n=6, seed=3)
    assert reps.runs["seed"].tolist() == replicate_seeds(3, 6).tolist()
    assert len(reps.curves) == 6 * (reps.config["steps"] + 1)
    one = api.run("kuran_ten", seed=int(reps.runs["seed"].iloc[2]))
    assert reps.runs["final_share"].iloc[2] == one.summary.final_share


def test_a_grid_sweep_returns_runs_and_curves_with_the_parameter_columns(tmp_path):
    grid = {"model.retribution_weight": [0.0, 2.0], "model.peer_weight": [0.3, 0.6]}
    result = sim.sweep(grid, replicates=3, overrides=SMALL, folder=tmp_path, workers=2)
    runs, curves = result.runs, result.curves
    assert len(runs) == 4 * 3 and runs["point"].nunique() == 4
    assert len(curves) == 4 * 3 * 31
    for key, values in grid.items():
        assert sorted(runs[key].unique()) == values
        assert sorted(curves[key].unique()) == values
    assert runs["model.retribution_weight"].dtype == np.float64
    # the one-line read of the store gives the same table
    assert len(pd.read_parquet(tmp_path / "runs")) == len(runs)
    # resuming redoes nothing
    again = sim.sweep(grid, replicates=3, overrides=SMALL, folder=tmp_path, workers=2)
    assert again.stats.skipped == 4 and again.stats.runs == 0
    pd.testing.assert_frame_equal(again.runs, runs)
    loaded = sim.load_sweep(tmp_path)
    assert loaded.parameters == list(grid)
    assert len(loaded.runs) == len(runs)


def test_a_sweep_row_reproduces_as_a_single_run(tmp_path):
    result = sim.sweep(
        {"model.retribution_weight": [1.5]}, replicates=3, overrides=SMALL, folder=tmp_path
    )
    row = result.runs.iloc[1]
    one = api.run(seed=int(row["seed"]), overrides=[*SMALL, "model.retribution_weight=1.5"])
    assert row["final_share"] == one.summary.final_share


def test_sweeping_seed_or_steps_never_duplicates_a_column(tmp_path):
    result = sim.sweep({"seed": [1, 2], "steps": [5, 8]}, replicates=2, folder=tmp_path)
    for table in (result.runs, result.curves):
        assert table.columns.is_unique
    assert parameter_column("seed") == "config.seed"
    assert sorted(result.runs["config.steps"].unique()) == [5, 8]
    assert (result.runs["steps"] == result.runs["config.steps"]).all()
    by_point = result.curves.groupby("point")["step"].max()
    assert sorted(by_point.unique()) == [5, 8]


def test_samplers_are_seeded_cover_their_ranges_and_build_saltelli_designs():
    ranges = {"model.peer_weight": (0.0, 1.2), "model.retribution_weight": (0.5, 2.0)}
    lhs = api.latin_hypercube(ranges, n=20, seed=1)
    assert lhs.values.shape == (20, 2)
    assert np.array_equal(lhs.values, api.latin_hypercube(ranges, n=20, seed=1).values)
    # a Latin hypercube has exactly one point in each of the n strata of every parameter
    for j, (low, high) in enumerate(ranges.values()):
        strata = np.floor((lhs.values[:, j] - low) / (high - low) * 20).astype(int)
        assert sorted(strata) == list(range(20))
    sob = api.sobol(ranges, n=8, seed=0)
    assert len(sob) == 8 * (2 + 2)
    frame = sob.to_frame()
    a = frame[frame["sample.block"] == "A"].set_index("sample.row")
    ab = frame[frame["sample.block"] == "AB:model.peer_weight"].set_index("sample.row")
    b = frame[frame["sample.block"] == "B"].set_index("sample.row")
    assert np.allclose(ab["model.retribution_weight"], a["model.retribution_weight"])
    assert np.allclose(ab["model.peer_weight"], b["model.peer_weight"])


def test_a_sampled_sweep_carries_the_sample_columns(tmp_path):
    sample = api.latin_hypercube({"model.peer_weight": (0.0, 1.0)}, n=3, seed=0)
    result = sim.sweep(sample=sample, replicates=2, overrides=SMALL, folder=tmp_path)
    assert sorted(result.runs["sample.row"].unique()) == [0, 1, 2]
    assert np.allclose(
        np.sort(result.runs["model.peer_weight"].unique()), np.sort(sample.values[:, 0])
    )


@pytest.mark.parametrize(
    ("call", "key"),
    [
        (lambda d: sim.sweep({"model.peer_wieght": [0.1]}, folder=d), "model.peer_wieght"),
        (lambda d: sim.sweep({"nonsense": [1]}, folder=d), "nonsense"),
        (lambda d: sim.sweep({"model.peer_weight": []}, folder=d), "model.peer_weight"),
        (lambda d: sim.sweep({"model.peer_weight": [0.1, -4]}, folder=d), "model.peer_weight"),
        (lambda d: api.sobol({"model.peer_weight": (0, 1)}, n=2), "sample.n"),
        (lambda d: api.sobol({"model.peer_weight": (0, 1)}, n=12), "sample.n"),
        (lambda d: api.latin_hypercube({"model.peer_weight": (0, 1)}, n=1), "sample.n"),
        (lambda d: api.latin_hypercube({"model.peer_weight": (1, 1)}, n=5), "sample.ranges"),
        (lambda d: api.latin_hypercube({}, n=5), "sample.ranges"),
    ],
)
def test_bad_sweeps_end_with_one_line_and_write_nothing(tmp_path, call, key):
    folder = tmp_path / "sweep"
    with pytest.raises(ConfigError) as err:
        call(folder)
    assert err.value.key.startswith(key)
    assert "\n" not in str(err.value)
    assert not folder.exists()


def test_sobol_indices_of_a_linear_function_are_its_variance_shares():
    """f = x1 + 2·x2 on [0, 1]²: Var f = 1/12 + 4/12, so S1 = ST = 0.2 and 0.8 (exact),
    estimated from n = 1024 base rows within 0.05."""
    from sim.analysis import sobol_indices

    sample = api.sobol({"a": (0.0, 1.0), "b": (0.0, 1.0)}, n=1024, seed=3)
    runs = sample.to_frame()
    runs["final_share"] = runs["a"] + 2 * runs["b"]
    table = sobol_indices(runs, n_boot=200).set_index("parameter")
    for key, share in (("a", 0.2), ("b", 0.8)):
        assert abs(table.loc[key, "S1"] - share) < 0.05
        assert abs(table.loc[key, "ST"] - share) < 0.05
        assert table.loc[key, "S1_low"] <= table.loc[key, "S1"] <= table.loc[key, "S1_high"]


def test_the_analysis_never_pools_a_swept_parameter_silently():
    """Two swept parameters: cascades at peer weight 0.8 always, at 0.2 never. Pooling
    over the peer weight would report P(cascade) = 0.5 at every retribution weight."""
    from sim import analysis

    rows = [
        {"point": f"{p}-{r}", "model.peer_weight": p, "model.retribution_weight": r,
         "replicate": k, "seed": k, "final_share": 0.9 if p == 0.8 else 0.1}
        for p in (0.2, 0.8) for r in (0.0, 1.0, 2.0) for k in range(10)
    ]  # fmt: skip
    runs = pd.DataFrame(rows)
    assert analysis.swept_columns(runs) == ["model.peer_weight", "model.retribution_weight"]
    table = analysis.cascade_probability(runs, "model.retribution_weight")
    assert len(table) == 6 and "model.peer_weight" in table
    assert sorted(table["p_cascade"].unique()) == [0.0, 1.0]
    with pytest.warns(analysis.PooledWarning, match=r"model\.peer_weight"):
        pooled = analysis.cascade_probability(runs, "model.retribution_weight", pool=True)
    assert (pooled["p_cascade"] == 0.5).all()
    with pytest.raises(ValueError, match=r"model\.peer_weight"):
        analysis.tipping_point(runs, "model.retribution_weight")
    curves = runs.assign(step=0, share_defected=runs["final_share"])
    band = analysis.mean_curve(curves)
    assert {"model.peer_weight", "model.retribution_weight"} <= set(band.columns)
