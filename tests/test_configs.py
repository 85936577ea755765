"""Every config composes and runs; parameters are declared once, and everything that
lists them is derived from the declarations."""

from __future__ import annotations

import csv
import re

import pytest
import yaml

from sim.config.help import help_text, odd_table
from sim.config.schema import validate
from sim.core.parameters import MODEL, TRAITS, model_defaults, trait_defaults
from sim.run.runner import run
from tests.conftest import CONFIG_DIR, ROOT, SCENARIOS, make_config

TIMESERIES_COLUMNS = ["step", "share_defected", "n_preparing", "n_arrested", "perceived_survival"]
OFFICIALS_COLUMNS = ["official_id", "role", "tribe", "region", "defection_step", "state"]


def test_there_are_the_scenarios_the_project_promises():
    assert {
        "syria_2012",
        "syria_2024",
        "syria_stylized",
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


def test_the_defaults_come_from_the_declarations_alone():
    """configs/config.yaml writes no model parameter and no trait default: composing
    gives every declared key with its declared default."""
    raw = (CONFIG_DIR / "config.yaml").read_text()
    for p in (*MODEL, *TRAITS):
        assert not re.search(rf"^\s*{p.name}\s*:", raw, re.MULTILINE), p.name
    composed = make_config("scenario=granovetter_riot")  # sets few model keys
    assert set(composed["model"]) == {p.name for p in MODEL}
    assert composed["model"]["escape_probability"] == model_defaults()["escape_probability"]
    assert composed["population"]["defaults"] == trait_defaults()
    checked = validate(composed)
    assert checked.model.late_defector_contempt == model_defaults()["late_defector_contempt"]


@pytest.mark.parametrize("kind", ["model", "traits", "network"])
def test_odd_shows_the_tables_generated_from_the_declarations(kind):
    """ODD.md's parameter tables are `python -m sim.config.help --odd`: regenerate and
    paste them when a declaration changes."""
    assert odd_table(kind) in (ROOT / "ODD.md").read_text()


def test_help_lists_every_key_with_its_range_and_meaning():
    text = help_text("x")
    lines = text.splitlines()
    for p in MODEL:
        line = next(x for x in lines if x.strip().startswith(f"model.{p.name} "))
        assert p.range_text() in line and p.meaning in line, p.name
    for p in TRAITS:
        line = next(x for x in lines if x.strip().startswith(f"{p.name} "))
        assert p.range_text() in line and p.meaning in line, p.name
    assert "--multirun" in text


def test_the_syria_scenario_reads_the_documented_events():
    events = validate(make_config()).scheduled_events
    kinds = {(e.kind, e.official) for e in events}
    assert ("defection", "republican_guard_general") in kinds
    assert ("defection", "ambassador_to_iraq") in kinds


def test_the_documented_events_file_has_the_dates_the_scenario_uses():
    doc = yaml.safe_load((ROOT / "seeds" / "events.yaml").read_text())
    assert any(e.get("model") for e in doc["events"])
