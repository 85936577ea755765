"""Every config composes and runs; the config's defaults mirror the code's."""

from __future__ import annotations

import csv

import pytest
import yaml

from sim.config import MODEL_KEYS, event_specs, model_defaults
from sim.population import BUILTIN_DEFAULTS
from sim.runner import run
from tests.conftest import CONFIG_DIR, SCENARIOS, make_config

TIMESERIES_COLUMNS = ["step", "share_defected", "n_preparing", "n_arrested", "perceived_survival"]
OFFICIALS_COLUMNS = ["official_id", "role", "tribe", "region", "defection_step", "state"]


def test_there_are_the_scenarios_the_project_promises():
    assert {
        "syria_2012",
        "granovetter_riot",
        "granovetter_riot_variant",
        "coup_proofed",
        "amnesty_offer",
    } <= set(SCENARIOS)


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_every_scenario_composes_and_runs_a_few_steps(scenario, tmp_path):
    cfg = make_config(f"scenario={scenario}", "steps=3")
    result = run(cfg, tmp_path, figure=scenario == "syria_2012")
    with open(tmp_path / "timeseries.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert [int(r["step"]) for r in rows] == [0, 1, 2, 3]
    assert list(rows[0])[:5] == TIMESERIES_COLUMNS
    roles = result.model.roles
    assert all(f"share_defected_{role}" in rows[0] for role in roles)
    with open(tmp_path / "officials.csv", newline="") as f:
        officials = list(csv.DictReader(f))
    assert len(officials) == result.model.n_officials
    assert all(c in officials[0] for c in OFFICIALS_COLUMNS)
    assert (tmp_path / "config.yaml").read_text().count(f"seed: {cfg['seed']}") == 1
    assert (tmp_path / "cascade.png").exists() == (scenario == "syria_2012")
    assert not list(tmp_path.glob(".*.tmp")), "a temporary file was left behind"


def test_the_config_model_block_mirrors_the_model_defaults():
    base = make_config("scenario=granovetter_riot")  # a scenario that sets few model keys
    raw = yaml.safe_load((CONFIG_DIR / "config.yaml").read_text())
    assert raw["model"] == model_defaults()
    assert set(raw["model"]) == set(MODEL_KEYS)
    assert raw["population"]["defaults"] == BUILTIN_DEFAULTS
    assert set(base["model"]) == set(MODEL_KEYS)


def test_the_syria_scenario_reads_the_documented_events():
    specs = event_specs(make_config())
    kinds = {(s["kind"], s.get("official")) for s in specs}
    assert ("defection", "republican_guard_general") in kinds
    assert ("defection", "ambassador_to_iraq") in kinds
