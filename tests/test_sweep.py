"""Sweeps: tidy tables, reproducible rows, resumable after SIGKILL, launchers, no Mesa."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import numpy as np
import pandas as pd
import pytest

from sim.analysis.summary import Summary, summaries
from sim.engine.batch import run_batch
from sim.errors import ConfigError
from sim.run.cli import precheck
from sim.run.runner import simulate
from sim.run.sweep import point_hash, replicate_seeds
from tests.conftest import ROOT, make_config, make_run


def sim_multirun(*args: str, timeout: int = 300) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "sim", "--multirun", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def test_summaries_are_those_of_a_single_run():
    batch = run_batch(make_run("model.detection_probability=0.2"), [0, 1, 2, 3])
    figures = summaries(batch.curves)
    for r in range(4):
        one = Summary.of(batch.timeseries(r))
        assert figures["final_share"][r] == one.final_share
        assert figures["steepest_rise_step"][r] == (one.steepest_rise_step or -1)
        assert figures["steepest_rise"][r] == one.steepest_rise
        assert figures["peak_preparing"][r] == one.peak_preparing
        assert figures["peak_preparing_step"][r] == one.peak_preparing_step
        assert figures["final_arrested"][r] == one.final_arrested


def test_replicate_seeds_are_deterministic_and_distinct():
    seeds = replicate_seeds(0, 1000)
    assert np.array_equal(seeds, replicate_seeds(0, 1000))
    assert len(set(seeds.tolist())) == 1000
    assert not np.array_equal(seeds[:10], replicate_seeds(1, 10))
    assert np.array_equal(
        replicate_seeds(0, 10), seeds[:10]
    )  # more replicates extend, not reshuffle


def test_the_point_hash_depends_on_what_determines_results_only():
    base = make_config("replicates=5")
    assert point_hash(base) == point_hash(make_config("replicates=5"))
    assert point_hash(base) != point_hash(make_config("replicates=5", "model.peer_weight=0.7"))
    assert point_hash(base) != point_hash(make_config("replicates=6"))
    assert point_hash(base) == point_hash(make_config("replicates=5", "output.figure=false"))


def test_a_sweep_writes_one_row_per_run_and_each_row_reproduces_with_the_mesa_agents(tmp_path):
    out = sim_multirun(
        "model.retribution_weight=0.0,1.0,2.0",
        "replicates=4",
        "steps=80",
        f"hydra.sweep.dir={tmp_path}",
    )
    assert out.returncode == 0, out.stderr
    runs = pd.read_parquet(tmp_path / "runs")
    curves = pd.read_parquet(tmp_path / "curves")
    assert len(runs) == 12 and runs["point"].nunique() == 3
    assert sorted(runs["model.retribution_weight"].unique()) == [0.0, 1.0, 2.0]
    assert len(curves) == 12 * 81
    assert set(runs["seed"]) == set(replicate_seeds(0, 4).tolist())
    assert "3/3 points" in out.stderr
    # the curves carry the parameter columns too: no join needed
    assert sorted(curves["model.retribution_weight"].unique()) == [0.0, 1.0, 2.0]
    row = runs[runs["model.retribution_weight"] == 2.0].iloc[2]
    model = simulate(make_config(f"seed={row['seed']}", "model.retribution_weight=2.0", "steps=80"))
    one = Summary.of(model.timeseries())
    assert row["final_share"] == one.final_share
    assert row["peak_preparing"] == one.peak_preparing
    mesa_curve = [r["n_defected"] for r in model.timeseries()]
    sweep_curve = curves[(curves["point"] == row["point"]) & (curves["seed"] == row["seed"])]
    assert sweep_curve["n_defected"].tolist() == mesa_curve


def test_the_sweep_path_does_not_import_mesa(tmp_path):
    code = (
        "import sys\n"
        "from sim.run.cli import main\n"
        f"main(['--multirun', 'model.peer_weight=0.5,0.7', 'replicates=2', 'steps=5',"
        f" 'hydra.sweep.dir={tmp_path}'])\n"
        "assert 'mesa' not in sys.modules, 'mesa was imported on the sweep path'\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert len(pd.read_parquet(tmp_path / "runs")) == 4


def test_a_killed_sweep_resumes_with_every_point_exactly_once(tmp_path):
    values = ",".join(str(v / 10) for v in range(12))
    args = [
        sys.executable,
        "-m",
        "sim",
        "--multirun",
        "scenario=syria_stylized",  # 96 steps
        f"model.retribution_weight={values}",
        "replicates=30",
        f"hydra.sweep.dir={tmp_path}",
    ]
    proc = subprocess.Popen(
        args,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.time() + 120
    done = []
    while time.time() < deadline:
        done = list(tmp_path.glob("runs/*.parquet"))
        if len(done) >= 3 or proc.poll() is not None:
            break
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    assert 3 <= len(done) < 12, f"the kill did not land mid-way ({len(done)} points done)"
    assert not (tmp_path / "runs.csv").exists()
    for runs_file in tmp_path.glob("runs/*.parquet"):  # finished points are whole
        assert len(pd.read_parquet(runs_file)) == 30
        assert (tmp_path / "curves" / runs_file.name).is_file()

    out = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    runs = pd.read_parquet(tmp_path / "runs")
    assert runs["point"].nunique() == 12 and len(runs) == 12 * 30
    assert sorted(runs["model.retribution_weight"].unique()) == [v / 10 for v in range(12)]
    assert runs.groupby("point").size().eq(30).all()
    assert len(pd.read_parquet(tmp_path / "curves")) == 12 * 30 * 97
    assert not list(tmp_path.rglob("*.tmp")), "a partial file was left behind"
    skipped = [
        int(line.split("(")[1].split()[0])
        for line in out.stderr.splitlines()
        if "12/12 points" in line
    ]
    assert skipped and skipped[-1] >= len(done), "the re-run redid finished points"


@pytest.mark.parametrize("launcher", ["joblib", "submitit_local"])
def test_sweeps_run_through_the_parallel_and_cluster_launchers(tmp_path, launcher):
    out = sim_multirun(
        f"hydra/launcher={launcher}",
        "model.peer_weight=0.4,0.8",
        "replicates=3",
        "steps=10",
        f"hydra.sweep.dir={tmp_path}",
    )
    assert out.returncode == 0, out.stderr
    runs = pd.read_parquet(tmp_path / "runs")
    assert len(runs) == 6 and runs["point"].nunique() == 2
    assert sorted(runs["model.peer_weight"].unique()) == [0.4, 0.8]
    assert "replicates" not in runs and runs.columns.is_unique  # fixed overrides are not columns


def test_named_sweeps_are_validated_before_anything_runs():
    precheck(["--multirun", "sweep=smoke"])
    precheck(["--multirun", "sweep=reference"])
    with pytest.raises(ConfigError) as err:
        precheck(["--multirun", "sweep=smoke", "model.detection_probability=2"])
    assert err.value.key == "model.detection_probability"
    with pytest.raises(ConfigError) as err:
        precheck(["--multirun", "model.retribution_weight=-1,0.5"])
    assert err.value.key == "model.retribution_weight"
    with pytest.raises(ConfigError) as err:
        precheck(["--multirun", "replicates=0"])
    assert err.value.key == "replicates"
