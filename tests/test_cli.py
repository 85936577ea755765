"""The command line: a run writes the public schema; bad input gets one clear line,
exit code 2, and nothing written."""

from __future__ import annotations

import csv
import os
import subprocess
import sys

import pytest

from sim.errors import ConfigError
from sim.run.cli import precheck, split_argv
from tests.conftest import ROOT


def sim(*args: str, tmp_path) -> subprocess.CompletedProcess:
    env = os.environ | {"HYDRA_FULL_ERROR": "0"}
    return subprocess.run(
        [sys.executable, "-m", "sim", *args, f"hydra.run.dir={tmp_path / 'run'}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def test_a_run_writes_the_outputs_and_prints_a_one_line_summary(tmp_path):
    out = sim("scenario=granovetter_riot", "seed=3", "model.peer_weight=1.0", tmp_path=tmp_path)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.strip().splitlines()
    assert len(lines) == 1
    assert "final share defected 1.000" in lines[0] and "cascade.png" in lines[0]
    run_dir = tmp_path / "run"
    for name in ["timeseries.csv", "officials.csv", "events.csv", "config.yaml", "cascade.png"]:
        assert (run_dir / name).is_file(), name
    assert (run_dir / ".hydra" / "config.yaml").is_file()
    with open(run_dir / "officials.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 100 and all(r["state"] == "defected" for r in rows)
    assert "seed: 3" in (run_dir / "config.yaml").read_text()


@pytest.mark.parametrize(
    ("args", "key", "value", "allowed"),
    [
        (["scenario=atlantis"], "scenario", "atlantis", "syria_2012"),
        (["model.no_such_key=1"], "model.no_such_key", "1", "peer_weight"),
        (["model.detection_probability=1.5"], "model.detection_probability", "1.5", "[0, 1]"),
        (["population.roles.minister.count=-3"], "population.roles.minister.count", "-3", ">= 0"),
        (["model.x=["], "override", "model.x=[", "key=value"),
    ],
)
def test_bad_input_exits_with_one_line_and_writes_nothing(tmp_path, args, key, value, allowed):
    out = sim(*args, tmp_path=tmp_path)
    assert out.returncode == 2
    assert out.stdout == ""
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1, out.stderr
    assert lines[0].startswith("error: ") and key in lines[0] and value in lines[0]
    assert allowed in lines[0]
    assert not (tmp_path / "run").exists()


@pytest.mark.parametrize(
    ("override", "key", "allowed"),
    [
        ("model.escape_probability=-0.1", "model.escape_probability", "a probability in [0, 1]"),
        ("model.initial_survival=1", "model.initial_survival", "(0, 1)"),
        ("model.peer_weight=abc", "model.peer_weight", "a number"),
        ("seed=-1", "seed", "an integer >= 0"),
        ("steps=2.5", "steps", "an integer"),
        ("network.kind=star", "network.kind", "complete, ties"),
        ("network.random_degree=-2", "network.random_degree", ">= 0"),
        ("population.roles.general.count=1.5", "population.roles.general.count", "an integer"),
        (
            "population.roles.general.tribes.martians=1",
            "population.roles.general.tribes.martians",
            "regime_core, urban_elite",
        ),
        (
            "population.tribes.regime_core.amnesty_trust.high=1.4",
            "population.tribes.regime_core.amnesty_trust",
            "[0, 1]",
        ),
        (
            "population.tribes.regime_core.home_region=mars",
            "population.tribes.regime_core.home_region",
            "one of the regions",
        ),
        (
            "population.roles.minister.preparation_time={dist: uniform, low: 1, high: 3}",
            "population.roles.minister.preparation_time.dist",
            "integers",
        ),
        ("rebellion.east.points=[[0, 2.0]]", "rebellion.east.points[0]", "[0, 1]"),
        (
            "events=[{kind: defection, step: 3, official: nobody}]",
            "events[6].official",
            "republican_guard_general",
        ),
        ("events=[{kind: party, step: 3}]", "events[6].kind", "defection"),
        ("foo=3", "foo", "a key at the top level"),
        ("model.peer_weight=1,2", "model.peer_weight", "--multirun"),
        ("events_file=nowhere.yaml", "events_file", "YAML file"),
    ],
)
def test_precheck_names_the_key_the_value_and_what_is_allowed(override, key, allowed):
    with pytest.raises(ConfigError) as err:
        precheck([override])
    message = str(err.value)
    assert "\n" not in message
    assert err.value.key == key, message
    assert allowed in message


def test_precheck_accepts_good_runs_and_sweeps():
    precheck(["scenario=granovetter_riot", "seed=3", "model.peer_weight=0.5"])
    precheck(["--multirun", "model.peer_weight=0.5,1.0", "seed=range(0,2)"])


def test_hydra_flags_are_told_apart_from_overrides():
    assert split_argv(["-m", "seed=1", "--cfg", "job", "model.peer_weight=2"]) == (
        ["-m", "--cfg", "job"],
        ["seed=1", "model.peer_weight=2"],
    )
