"""Calibration to the record (sim.calibrate): the record's checks, ABC-SMC against a
known posterior, reproducibility on any number of workers, resuming, bad input, and
parameter recovery (slow)."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
import yaml

from sim.calibrate import calibration as cal_mod
from sim.calibrate import record as rec
from sim.calibrate.abc import ABCSMC, Settings, candidate_seed, summary
from sim.errors import ConfigError
from tests.conftest import ROOT, make_run

CONFIG = ROOT / "configs" / "calibration" / "syria_2012.yaml"


def small(tmp_path, **abc) -> cal_mod.CalibrationConfig:
    """The Syria calibration with few particles and generations (for speed)."""
    raw = yaml.safe_load(CONFIG.read_text())
    raw["abc"] = {"particles": 40, "generations": 2, "chunk": 16, "seed": 3} | abc
    raw["predictive"] = {"draws": 10}
    raw["folder"] = str(tmp_path / "cal")
    return cal_mod.CalibrationConfig.model_validate(raw)


# --- the record ---------------------------------------------------------------------------------
def test_every_fitted_and_held_out_point_is_counted_by_the_syria_calibration():
    cal = cal_mod.load_config(CONFIG)
    points = rec.load_record(cal.record)
    rec.check_countable(points, cal.groups, make_run("scenario=syria_2012"))
    used = [p for p in points if p.use != "context"]
    assert {p.use for p in used} == {"calibration", "held_out"}
    assert all(p.date <= cal.fit_until for p in used if p.use == "calibration")
    assert all(p.date > cal.fit_until for p in used if p.use == "held_out")
    assert any(p.qualifier == "more than" and np.isinf(p.high) for p in used)


@pytest.mark.parametrize(
    ("change", "key", "allowed"),
    [
        ({"date": "2012-13-01"}, "record.series[0].date", "a date YYYY-MM-DD"),
        ({"count": -3}, "record.series[0].count", "a count >= 0"),
        ({"use": "training"}, "record.series[0].use", "calibration, held_out, context"),
        ({"id": None}, "record.series[0].id", "a unique name"),
    ],
)
def test_a_bad_record_gets_one_line(tmp_path, change, key, allowed):
    doc = {
        "series": [
            {"id": "a", "date": "2012-07-01", "group": "cabinet", "count": 2, "use": "held_out"}
        ]
    }
    doc["series"][0] |= change
    path = tmp_path / "record.yaml"
    path.write_text(yaml.safe_dump(doc))
    with pytest.raises(ConfigError) as err:
        rec.load_record(str(path))
    assert err.value.key == key and allowed in str(err.value)


def test_a_series_the_scenario_cannot_count_gets_one_line(tmp_path):
    run = make_run("scenario=syria_2012")
    point = rec.Point(
        "p", run.calendar.date_of(10), "bishops", 3, 3, "cumulative", "exact", "held_out"
    )
    with pytest.raises(ConfigError, match="a group the calibration counts"):
        rec.check_countable([point], {"cabinet": ["minister"]}, run)
    with pytest.raises(ConfigError, match="roles of the scenario"):
        rec.check_countable([], {"cabinet": ["archbishop"]}, run)


# --- ABC-SMC ----------------------------------------------------------------------------------
def test_abc_smc_finds_the_posterior_of_a_normal_mean(tmp_path):
    """y_1..y_25 ~ N(mu, 1), uniform prior on [-5, 5], the sample mean as summary: the
    posterior is about N(ybar, 1/25). ABC-SMC's mean within 0.1 and sd within 30 %."""
    n, truth = 25, 1.3
    observed = np.random.default_rng(0).normal(truth, 1, n).mean()

    def evaluate(tasks):
        out = []
        for _, params, seed in tasks:
            sample = np.random.default_rng(seed).normal(params[0], 1, n).mean()
            out.append(abs(sample - observed))
        return out

    settings = Settings(("mu",), (-5.0,), (5.0,), particles=400, generations=7, seed=1)
    last = ABCSMC(settings, tmp_path).run(evaluate, log=lambda *a: None)[-1]
    (row,) = summary(["mu"], last)
    assert row["mean"] == pytest.approx(observed, abs=0.1)
    assert row["sd"] == pytest.approx(1 / np.sqrt(n), rel=0.3)
    assert last.epsilon < 0.1


def test_candidate_seeds_depend_on_the_seed_generation_and_index_only():
    assert candidate_seed(0, 1, 5) == candidate_seed(0, 1, 5)
    assert len({candidate_seed(0, t, i) for t in range(3) for i in range(100)}) == 300


def test_a_calibration_is_the_same_on_one_worker_or_two(tmp_path):
    one, _ = cal_mod.calibrate(
        small(tmp_path), tmp_path / "one", workers=1, progress=False, log=lambda *a: None
    )
    two, _ = cal_mod.calibrate(
        small(tmp_path), tmp_path / "two", workers=2, progress=False, log=lambda *a: None
    )
    for a, b in zip(one, two, strict=True):
        assert np.array_equal(a.params, b.params) and np.array_equal(a.weights, b.weights)
        assert a.evaluations == b.evaluations


def test_an_interrupted_calibration_resumes_and_loses_nothing(tmp_path):
    quiet = {"progress": False, "log": lambda *a: None}
    cal_mod.calibrate(small(tmp_path, generations=1), tmp_path / "r", 1, **quiet)
    saved = (tmp_path / "r" / "generation_00.npz").read_bytes()
    resumed, _ = cal_mod.calibrate(small(tmp_path, generations=2), tmp_path / "r", 1, **quiet)
    assert (tmp_path / "r" / "generation_00.npz").read_bytes() == saved
    fresh, _ = cal_mod.calibrate(small(tmp_path, generations=2), tmp_path / "f", 1, **quiet)
    assert np.array_equal(resumed[-1].params, fresh[-1].params)


def test_a_folder_of_another_calibration_is_refused(tmp_path):
    quiet = {"progress": False, "log": lambda *a: None}
    cal_mod.calibrate(small(tmp_path, generations=1), tmp_path / "x", 1, **quiet)
    with pytest.raises(ConfigError, match="another calibration"):
        cal_mod.calibrate(small(tmp_path, generations=1, seed=9), tmp_path / "x", 1, **quiet)


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        ({"parameters": {"model.no_such": [0, 1]}}, "a numeric model parameter"),
        ({"parameters": {"model.detection_probability": [0, 2]}}, "the prior leaves"),
        ({"parameters": {"model.danger_weight": [1, 0]}}, "low < high"),
        ({"groups": {"cabinet": ["archbishop"]}}, "roles of the scenario"),
        ({"record": "nowhere.yaml"}, "not found"),
    ],
)
def test_bad_calibration_input_ends_with_one_line_and_writes_nothing(tmp_path, edit, message):
    raw = yaml.safe_load(CONFIG.read_text()) | edit | {"folder": str(tmp_path / "out")}
    config = tmp_path / "cal.yaml"
    config.write_text(yaml.safe_dump(raw))
    out = subprocess.run(
        [sys.executable, "-m", "sim.calibrate", str(config)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 2
    lines = out.stderr.strip().splitlines()
    assert lines[-1].startswith("error: ") and message in lines[-1], out.stderr
    assert not (tmp_path / "out").exists()


# --- parameter recovery ------------------------------------------------------------------------
@pytest.mark.slow
def test_parameters_are_recovered_from_records_simulated_with_them(tmp_path):
    """Ten synthetic records, each simulated from parameters drawn from the prior:
    each parameter's true value lies in its 90 % interval in at least 8 of 10 cases."""
    raw = yaml.safe_load(CONFIG.read_text())
    raw["abc"] = raw["abc"] | {"particles": 200, "generations": 6}
    cal = cal_mod.CalibrationConfig.model_validate(raw)
    rows = cal_mod.recover(cal, 10, tmp_path, workers=2, log=lambda *a: None)
    for name in cal.parameters:
        hits = [r["inside"] for r in rows if r["parameter"] == name]
        assert sum(hits) >= 8, f"{name}: inside in {sum(hits)} of {len(hits)}"
