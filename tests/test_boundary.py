"""The config boundary (issue 15): every class of bad input a careless or hostile user tried
ends in one line naming the key, the value and what is allowed; valid input still runs.

Most cases go through :func:`sim.run.cli.precheck` (what ``python -m sim`` runs before Hydra
creates any folder); the cases that concern the command line itself (Hydra's flags, extra
config folders, a scenario file naming code) run ``python -m sim`` in an empty folder and
check exit code 2, one line on stderr and nothing written.
"""

from __future__ import annotations

import functools
import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from sim.config import budget
from sim.config.compose import compose_config, known_scenarios
from sim.config.schema import MAX_FILE_BYTES, bounded, validate
from sim.core.parameters import MODEL, TRAITS
from sim.errors import ConfigError
from sim.run.cli import parse_argv, precheck
from tests.conftest import ROOT

K = "scenario=kuran_ten"
G = "republican_guard_general"


def refused(*argv: str) -> ConfigError:
    """The one-line error precheck raises for ``argv`` (fails if it accepts it)."""
    with pytest.raises(ConfigError) as err:
        precheck(list(argv))
    assert "\n" not in str(err.value)
    return err.value


def cli(*args: str, cwd: Path, timeout: float = 120) -> subprocess.CompletedProcess:
    env = os.environ | {"HYDRA_FULL_ERROR": "0", "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "sim", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env=env,
        timeout=timeout,
    )


def assert_one_line_and_nothing_written(out: subprocess.CompletedProcess, cwd: Path, before):
    assert out.returncode == 2, out.stderr
    assert out.stdout == ""
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), out.stderr
    assert "Traceback" not in out.stderr
    assert sorted(cwd.rglob("*")) == before


# --- every number finite, and bounded where its declaration is not -----------------------------
@functools.cache
def _base(scenario: str = K) -> str:
    return json.dumps(compose_config(scenario))


def checked_with(path: str, value, scenario: str = K):
    """validate() of the scenario's config with one value set (``a.b.c``), as Hydra would."""
    cfg = json.loads(_base(scenario))
    *parents, last = path.split(".")
    node = cfg
    for part in parents:
        node = node.setdefault(part, {})
    node[last] = value
    return validate(cfg)


BAD_NUMBERS = [math.inf, -math.inf, math.nan, 2e6, "abc", True, [1, 2], {"a": 1}, None]


@pytest.mark.parametrize("param", [p for p in MODEL if not p.choices], ids=lambda p: p.name)
def test_every_model_number_is_finite_and_bounded(param):
    above = param.high + (1 if param.high < 1e6 else 1e6)
    for bad in [*BAD_NUMBERS, above, param.low - 1]:
        with pytest.raises(ConfigError) as err:
            checked_with(f"model.{param.name}", bad)
        assert err.value.key == f"model.{param.name}", bad
    edge = bounded(param)
    for good in (edge.low, edge.high):
        checked_with(f"model.{param.name}", int(good) if param.integer else good)


@pytest.mark.parametrize("trait", TRAITS, ids=lambda p: p.name)
def test_every_trait_is_finite(trait):
    key = f"population.defaults.{trait.name}"
    for bad in [
        *BAD_NUMBERS,
        {"dist": "uniform", "low": 0, "high": math.inf},
        {"dist": "normal", "mean": math.nan, "sd": 1},
        {"dist": "normal", "mean": 0, "sd": math.inf},
    ]:
        with pytest.raises(ConfigError) as err:
            checked_with(key, bad)
        assert err.value.key.startswith(key), bad


@pytest.mark.parametrize(
    ("path", "value", "key"),
    [
        ("network.random_degree", math.inf, "network.random_degree"),
        ("network.tribe_degree", math.nan, "network.tribe_degree"),
        ("network.random_degree", 1e9, "network.random_degree"),
        (
            "events",
            [{"kind": "defection", "step": 3, "official": G, "size": math.inf}],
            "events[0].size",
        ),
        (
            "events",
            [{"kind": "defection", "step": 3, "official": G, "broadcast_multiplier": 1e308}],
            "events[0].broadcast_multiplier",
        ),
        (
            "population.roles.minister.tribes",
            {"regime_core": math.inf},
            "population.roles.minister.tribes",
        ),
        ("rebellion.east", {"points": [[0, math.nan]]}, "rebellion.east.points[0]"),
        ("backing", {"points": [[0, math.nan]]}, "backing.points[0]"),
    ],
)
def test_degrees_events_shares_and_schedules_are_finite(path, value, key):
    with pytest.raises(ConfigError) as err:
        checked_with(path, value, "scenario=syria_2012")
    assert err.value.key.startswith(key)


@pytest.mark.parametrize("bad", ["inf", "nan", "1e400"])
def test_non_finite_numbers_are_refused_on_the_command_line(bad):
    assert refused(K, f"model.peer_weight={bad}").key == "model.peer_weight"


def test_open_bounds_keep_a_stated_margin():
    p = bounded(next(p for p in MODEL if p.name == "initial_survival"))
    assert (p.low, p.high) == (1e-9, 1 - 1e-9)
    for value in ["1e-300", "5e-324", "1e-20", "0.99999999999999"]:
        err = refused(K, f"model.initial_survival={value}")
        assert "[1e-09, 1 - 1e-09]" in str(err)
    precheck([K, "model.initial_survival=1e-9"])
    precheck([K, "model.initial_survival=0.999999999"])


# --- counts: true integers within a stated maximum ----------------------------------------------
@pytest.mark.parametrize(
    ("override", "key", "allowed"),
    [
        ("steps=1000000000", "steps", "[0, 100_000]"),
        ("steps=20.0", "steps", "an integer"),
        ("seed=3.0", "seed", "an integer"),
        ("seed=100000000000000000000000", "seed", "9_223_372_036_854_775_807"),
        ("seed=true", "seed", "an integer"),
        ("population.roles.official.count=1000000000", "population.roles.official.count", ""),
        ("population.roles.official.count=2.0", "population.roles.official.count", "integer"),
        ("population.roles.official.count=1e1", "population.roles.official.count", "integer"),
        ("model.trend_memory=4.0", "model.trend_memory", "an integer in [1, 52]"),
        ("events=[{kind: rebellion_shock, step: 1e30, region: nation}]", "events[0].step", ""),
    ],
)
def test_counts_are_integers_within_a_stated_maximum(override, key, allowed):
    err = refused(K, override)
    assert err.key == key and allowed in str(err)


def test_replicates_are_bounded_before_a_sweep_starts():
    err = refused("--multirun", K, "replicates=1000000000")
    assert err.key == "replicates" and "1_000_000" in str(err)
    assert refused("--multirun", K, "replicates=2.0").key == "replicates"
    err = refused("--multirun", K, "seed=range(0,1000000000)")
    assert err.key == "seed" and "100_000 points" in str(err)


def test_an_empty_population_is_refused():
    err = refused(K, "population.roles.official.count=0", "~population.roles.official.threshold")
    assert err.key == "population.roles"
    assert "between 1 and" in str(err)


# --- sections of the wrong type -----------------------------------------------------------------
@pytest.mark.parametrize(
    ("override", "key"),
    [
        ("network=5", "network"),
        ("model=1", "model"),
        ("output=1", "output"),
        ("population=1", "population"),
        ("calendar=abc", "calendar"),
        ("rebellion=3", "rebellion"),
        ("backing=1", "backing"),
        ("events=5", "events"),
        ("events=[5]", "events[0]"),
        ("scenario_title=[1,2]", "scenario_title"),
        ("description={a: 1}", "description"),
        ("sweep_name=[x]", "sweep_name"),
        ("events_file=5", "events_file"),
        ("structure_seed=abc", "structure_seed"),
        ("output.figure=abc", "output.figure"),
        ("model.expectations=5", "model.expectations"),
        ("population.roles=5", "population.roles"),
        ("population.roles.minister=5", "population.roles.minister"),
        ("rebellion.east=1", "rebellion.east"),
        ("rebellion.east.points=5", "rebellion.east.points"),
        ("steps=[1]", "steps"),
    ],
)
def test_a_section_of_the_wrong_type_gets_one_line(override, key):
    assert refused(override).key == key


# --- files: one error path ----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("content", "key", "problem"),
    [
        (None, "events_file", "not found"),
        ("events: [unclosed\n", "events_file", "unreadable"),
        ("- a\n- b\n", "events_file", "no list 'events'"),
        ("42\n", "events_file", "no list 'events'"),
        ("events: 5\n", "events_file", "no list 'events'"),
        ("events: [1, 2]\n", "events_file.events[0]", ""),
        ("events: [{model: 5}]\n", "events_file.events[0].model", ""),
        ("events:\n  - &a [*a]\n", "events_file.events[0]", ""),
        (b"\xff\xfe\x00binary\x00", "events_file", "unreadable"),
        ("!!python/object/apply:os.system ['echo hi']\n", "events_file", "unreadable"),
        ("events: [{model: {_target_: builtins.open, file: x}}]\n", "events_file", "_target_"),
        (
            "events: [{date: notadate, model: {kind: defection, official: x}}]\n",
            "events_file.events[0].model.date",
            "",
        ),
        (
            "events: [{model: {kind: defection, official: nobody, step: 3}}]\n",
            "events_file.events[0].model.official",
            "",
        ),
    ],
)
def test_every_events_file_problem_is_one_line_naming_where(tmp_path, content, key, problem):
    path = tmp_path / "events.yaml"
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif content is not None:
        path.write_text(content)
    err = refused(f"events_file={path}")
    assert err.key == key and problem in str(err)


def test_a_huge_events_file_is_not_read(tmp_path):
    path = tmp_path / "big.yaml"
    with open(path, "wb") as f:
        f.seek(MAX_FILE_BYTES + 1)
        f.write(b"\n")
    assert "larger than" in str(refused(f"events_file={path}"))


def test_a_valid_events_file_is_read(tmp_path):
    path = tmp_path / "events.yaml"
    path.write_text(
        "events:\n  - id: e1\n    date: 2012-07-05\n"
        f"    model: {{kind: defection, official: {G}}}\n"
        "  - id: note\n    date: 2012-07-06\n"  # an entry without a model block: documentation
    )
    [run] = precheck([f"events_file={path}", "events=[]"])
    assert [e.label for e in run.scheduled_events] == ["e1"]


# --- messages name the right key under any scenario ----------------------------------------------
@pytest.mark.parametrize(
    ("argv", "key", "allowed"),
    [
        (["events=[{kind: defection, step: 3, official: nobody}]"], "events[0].official", G),
        ([K, "population.tribes.everyone.rank_weight=-1"], "population.tribes.everyone", "+"),
        (["scenario=granovetter_riot", "population.roles.rioter.count=3"], "", "official"),
        ([K, "population.roles.official.count=-1"], "population.roles.official.count", "[0,"),
    ],
)
def test_messages_name_the_key_of_the_chosen_scenario(argv, key, allowed):
    err = refused(*argv)
    assert err.key.startswith(key) and allowed in str(err)
    if any(a.startswith("scenario=") for a in argv):  # not the default scenario's keys
        assert "party_official" not in str(err) and "regime_core" not in str(err)


# --- data, not code; names, not paths ------------------------------------------------------------
@pytest.mark.parametrize(
    "override",
    ["+model._target_=builtins.open", "+hydra.callbacks.x._target_=builtins.open"],
)
def test_instantiation_keys_are_refused_outside_the_projects_hydra_settings(override):
    assert "_target_" in refused(K, override).key


def test_the_projects_own_callbacks_and_hydra_groups_are_accepted():
    precheck(["--multirun", K, "model.peer_weight=0.5,1.0", "hydra/launcher=basic"])


@pytest.mark.parametrize("name", ["../sweep/smoke", "../config", "/etc/passwd", "nope", ""])
def test_only_known_scenario_names_are_accepted(name):
    with pytest.raises(ConfigError) as err:
        precheck([f"scenario={name}"] if name else ["scenario="])
    assert err.value.key in {"scenario", "override"}
    with pytest.raises(ConfigError):
        compose_config(f"scenario={name}")


def test_known_scenarios_lists_the_config_folders_names(tmp_path):
    (tmp_path / "scenario").mkdir()
    (tmp_path / "scenario" / "mine.yaml").write_text("# @package _global_\nsteps: 3\n")
    (tmp_path / "scenario" / "bad name.yaml").write_text("steps: 3\n")
    assert "kuran_ten" in known_scenarios() and "mine" not in known_scenarios()
    both = known_scenarios((ROOT / "configs", tmp_path))
    assert "mine" in both and "bad name" not in both


# --- estimates before a run or sweep; refusals of what will not fit ------------------------------
def test_a_run_that_would_not_fit_in_memory_is_refused_naming_the_key():
    run = validate(
        compose_config(
            K,
            "population.roles.official.count=5000000",
            "population.roles.official.threshold=0.5",
        )
    )
    with pytest.raises(ConfigError) as err:
        budget.check(run, available=1e9)
    assert err.value.key == "population.roles.official.count" and "GB" in str(err.value)
    assert budget.check(run, available=1e12).bytes > 1e9


def test_a_sweep_point_that_would_not_fit_names_replicates():
    run = validate(compose_config("scenario=syria_1000", "replicates=200000"))
    with pytest.raises(ConfigError) as err:
        budget.check(run, sweep=True, available=4e9)
    assert err.value.key == "replicates"
    small = budget.check(validate(compose_config("scenario=syria_1000", "replicates=4")), True)
    assert 0 < small.seconds < 60 and small.bytes < 1e9


# --- the command line itself -------------------------------------------------------------------
def test_flags_are_checked_and_may_come_anywhere():
    flags, overrides = parse_argv([K, "--multirun", "seed=1,2", "-cn", "config", "-i"])
    assert flags.multirun and flags.config_name == "config" and overrides == [K, "seed=1,2"]
    assert flags.argv[:1] == ["--multirun"] and "--info" in flags.argv
    for argv, key in [
        (["--cfg"], "--cfg"),
        (["--cfg", "nothing"], "--cfg"),
        (["--frobnicate"], "flag"),
        (["--config-name", "nope"], "--config-name"),
        (["--config-dir", "/nonexistent"], "--config-dir"),
        (["--config-path", "/nonexistent"], "--config-path"),
        (["--shell-completion"], "--shell-completion"),
        (["--experimental-rerun", "nope.pickle"], "--experimental-rerun"),
    ]:
        with pytest.raises(ConfigError) as err:
            parse_argv(argv)
        assert err.value.key == key


@pytest.mark.parametrize(
    "args",
    [
        ["--config-name", "nope"],
        ["--config-dir", "/nonexistent"],
        ["--frobnicate"],
        ["hydra/launcher=nope"],
        ["hydra.run.dir=[1,2]"],
        ["--shell-completion"],
    ],
)
def test_hydra_flag_errors_are_one_line(tmp_path, args):
    before = sorted(tmp_path.rglob("*"))
    out = cli(K, *args, cwd=tmp_path)
    assert_one_line_and_nothing_written(out, tmp_path, before)


SCENARIO = (ROOT / "configs" / "scenario" / "kuran_ten.yaml").read_text()


def test_an_extra_config_folder_is_used_by_the_check_and_the_run(tmp_path):
    extra = tmp_path / "extra" / "scenario"
    extra.mkdir(parents=True)
    (extra / "mine.yaml").write_text(SCENARIO.replace("steps: 20", "steps: 7"))
    out = cli("--config-dir", "extra", "scenario=mine", "output.figure=false", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    [run_dir] = (tmp_path / "outputs" / "mine").iterdir()
    assert yaml.safe_load((run_dir / "config.yaml").read_text())["steps"] == 7
    before = sorted(tmp_path.rglob("*"))
    bad = cli("--config-dir", "extra", "scenario=mine", "model.peer_weight=nan", cwd=tmp_path)
    assert_one_line_and_nothing_written(bad, tmp_path, before)


def test_a_scenario_file_cannot_run_code(tmp_path):
    extra = tmp_path / "extra" / "scenario"
    extra.mkdir(parents=True)
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    (extra / "evil.yaml").write_text(
        SCENARIO + f"hydra:\n  callbacks:\n    evil:\n      _target_: builtins.open\n"
        f"      file: {victim}\n      mode: w\n"
    )
    before = sorted(tmp_path.rglob("*"))
    out = cli("--config-dir", "extra", "scenario=evil", cwd=tmp_path)
    assert_one_line_and_nothing_written(out, tmp_path, before)
    assert "hydra.callbacks.evil._target_" in out.stderr
    assert victim.read_text() == "precious"


def test_bad_input_on_the_command_line_is_one_line_and_writes_nothing(tmp_path):
    before = sorted(tmp_path.rglob("*"))
    for args in (["steps=1000000000"], ["network=5"], ["model.initial_survival=1e-300"]):
        out = cli(K, *args, cwd=tmp_path)
        assert_one_line_and_nothing_written(out, tmp_path, before)


def test_a_primary_config_folder_is_used_by_the_check_and_the_run(tmp_path):
    import shutil

    shutil.copytree(ROOT / "configs", tmp_path / "mine")
    (tmp_path / "mine" / "scenario" / "small.yaml").write_text(
        SCENARIO.replace("steps: 20", "steps: 4")
    )
    out = cli("--config-path", "mine", "scenario=small", "output.figure=false", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert "small seed=0" in out.stdout
    before = sorted(tmp_path.rglob("*"))
    bad = cli("--config-path", "mine", "scenario=small", "steps=2.0", cwd=tmp_path)
    assert_one_line_and_nothing_written(bad, tmp_path, before)
    assert "steps=2.0" in bad.stderr
