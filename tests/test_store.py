"""Sweep folders that cannot be corrupted (issue 15, item 3): a lock per folder, a folder
that remembers its sweep, hashes over input contents and the model version, fsync, a
full disk, workers that end with their parent."""

from __future__ import annotations

import errno
import os
import shutil
import signal
import subprocess
import sys
import time

import pandas as pd
import psutil
import pytest

import sim
from sim import files
from sim.errors import ConfigError
from sim.run.cli import main
from sim.run.store import SweepFolder, model_version, point_hash
from tests.conftest import ROOT, make_config

SMALL = ["steps=20"]


def cli(*args: str, timeout: int = 300) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "sim", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def test_two_sweeps_into_one_folder_at_once_the_second_is_refused(tmp_path):
    folder = tmp_path / "s"
    values = ",".join(str(v / 10) for v in range(12))
    sweep = ["--multirun", "scenario=syria_1000", f"model.retribution_weight={values}",
             "replicates=40", f"hydra.sweep.dir={folder}"]  # fmt: skip
    first = subprocess.Popen(
        [sys.executable, "-m", "sim", *sweep],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.time() + 120
    while time.time() < deadline and not (folder / "sweep.json").exists():
        time.sleep(0.05)
    assert first.poll() is None, "the first sweep ended before the second could start"
    second = cli(*sweep)
    assert second.returncode == 2
    lines = second.stderr.strip().splitlines()
    assert len(lines) == 1, second.stderr
    assert str(folder) in lines[0] and f"process {first.pid}" in lines[0]
    _, err = first.communicate(timeout=300)
    assert first.returncode == 0, err
    runs = pd.read_parquet(folder / "runs")
    assert len(runs) == 12 * 40 and runs.groupby("point").size().eq(40).all()
    # and once the first is done, the same sweep resumes (nothing to do)
    third = cli(*sweep)
    assert third.returncode == 0, third.stderr
    assert "12 already done" in third.stderr


def test_a_folder_refuses_another_set_of_parameters_and_writes_nothing(tmp_path):
    sim.sweep({"model.peer_weight": [0.2, 0.4]}, replicates=2, overrides=SMALL, folder=tmp_path)
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    out = cli(
        "--multirun", "model.danger_weight=0.1,0.3", "replicates=2", *SMALL,
        f"hydra.sweep.dir={tmp_path}",
    )  # fmt: skip
    assert out.returncode == 2
    assert len(out.stderr.strip().splitlines()) == 1, out.stderr
    assert "holds a sweep of (model.peer_weight)" in out.stderr
    with pytest.raises(ConfigError, match="replicates"):  # the same parameters, another config
        sim.sweep({"model.peer_weight": [0.2, 0.4]}, replicates=3, overrides=SMALL, folder=tmp_path)
    assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*")) == before
    # more values of the same parameters on the same config: the same sweep, extended
    more = sim.sweep(
        {"model.peer_weight": [0.2, 0.4, 0.6]}, replicates=2, overrides=SMALL, folder=tmp_path
    )
    assert more.stats.skipped == 2 and len(more.runs) == 6


def test_a_changed_events_file_is_another_point_and_another_sweep(tmp_path):
    events = tmp_path / "events.yaml"
    shutil.copy(ROOT / "seeds" / "events.yaml", events)
    overrides = ["scenario=syria_2012", f"events_file={events}", "steps=60"]
    folder = tmp_path / "s"
    before = point_hash(make_config(*overrides))
    sim.sweep({"model.peer_weight": [0.3]}, replicates=2, overrides=overrides, folder=folder)
    text = events.read_text()
    assert "kind: arrest" in text
    events.write_text(text.replace("kind: arrest", "kind: defection", 1))
    assert point_hash(make_config(*overrides)) != before  # the contents, not the path
    out = cli("--multirun", "model.peer_weight=0.3,0.5", "replicates=2", *overrides,
              f"hydra.sweep.dir={folder}")  # fmt: skip
    assert out.returncode == 2 and "events_file contents" in out.stderr, out.stderr
    assert len(out.stderr.strip().splitlines()) == 1
    fresh = sim.sweep(
        {"model.peer_weight": [0.3]}, replicates=2, overrides=overrides, folder=tmp_path / "new"
    )
    assert fresh.stats.skipped == 0


def test_the_point_hash_covers_the_model_version(monkeypatch):
    cfg = make_config("replicates=3")
    before = point_hash(cfg)
    monkeypatch.setattr("sim.run.store.model_version", lambda: "9.9.9+other")
    assert point_hash(cfg) != before
    assert model_version().startswith(sim.__version__ + "+")


def test_files_are_fsynced_before_they_count_as_written(tmp_path, monkeypatch):
    synced, renamed = [], []
    real_fsync, real_replace = os.fsync, os.replace
    monkeypatch.setattr(os, "fsync", lambda fd: (synced.append(fd), real_fsync(fd))[1])
    monkeypatch.setattr(
        os, "replace", lambda a, b: (renamed.append(len(synced)), real_replace(a, b))[1]
    )
    files.atomic_write(tmp_path / "x.txt", b"data")
    assert renamed == [1]  # the file was synced before its rename
    assert len(synced) == 2  # and its folder after it
    assert (tmp_path / "x.txt").read_bytes() == b"data"


def _full_disk(monkeypatch, after: int = 0):
    calls = {"n": 0}
    real = files._write_bytes

    def write(f, data):
        calls["n"] += 1
        if calls["n"] > after:
            raise OSError(errno.ENOSPC, "No space left on device")
        real(f, data)

    monkeypatch.setattr(files, "_write_bytes", write)


@pytest.mark.parametrize("after", [0, 1])  # the first file fails, or the second (runs)
def test_a_full_disk_gives_one_line_and_leaves_nothing_partial(tmp_path, monkeypatch, after):
    _full_disk(monkeypatch, after)
    with pytest.raises(files.DiskFullError) as err:
        sim.sweep({"model.peer_weight": [0.2]}, replicates=2, overrides=SMALL, folder=tmp_path)
    assert "\n" not in str(err.value) and "no space left" in str(err.value)
    assert not list(tmp_path.rglob("*.tmp"))
    assert not list(tmp_path.glob("runs/*")) and not list(tmp_path.glob("curves/*"))


def test_a_full_disk_on_the_command_line_is_one_line_with_workers(tmp_path, monkeypatch, capsys):
    _full_disk(monkeypatch)  # inherited by the forked workers
    with pytest.raises(SystemExit) as out:
        main(["--multirun", "model.peer_weight=0.2,0.4", "replicates=2", *SMALL,
              f"hydra.sweep.dir={tmp_path}", "hydra/launcher=joblib"])  # fmt: skip
    assert out.value.code == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith("error: no space left on the device"), err
    assert not list(tmp_path.rglob("*.parquet")) and not list(tmp_path.rglob("*.tmp"))


def test_workers_end_when_the_parent_is_killed(tmp_path):
    values = ",".join(str(v / 10) for v in range(12))
    proc = subprocess.Popen(
        [sys.executable, "-m", "sim", "--multirun", f"model.retribution_weight={values}",
         "replicates=30", f"hydra.sweep.dir={tmp_path}", "hydra/launcher=joblib",
         "hydra.launcher.n_jobs=2"],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    parent = psutil.Process(proc.pid)
    deadline = time.time() + 120
    workers: list[psutil.Process] = []
    while time.time() < deadline and len(workers) < 2 and proc.poll() is None:
        workers = parent.children(recursive=True)
        time.sleep(0.05)
    assert len(workers) >= 2, "the workers did not start"
    os.kill(proc.pid, signal.SIGKILL)  # the parent only
    proc.wait()
    _, alive = psutil.wait_procs(workers, timeout=10)
    assert not alive, f"{len(alive)} workers outlived their parent"
    # and the folder is free again: the same sweep resumes
    out = cli("--multirun", f"model.retribution_weight={values}", "replicates=30",
              f"hydra.sweep.dir={tmp_path}")  # fmt: skip
    assert out.returncode == 0, out.stderr
    assert len(pd.read_parquet(tmp_path / "runs")) == 12 * 30


def test_a_killed_write_leaves_no_orphan_curves(tmp_path):
    sim.sweep({"model.peer_weight": [0.2, 0.4]}, replicates=2, overrides=SMALL, folder=tmp_path)
    folder = SweepFolder(tmp_path)
    victim = folder.points()[0]
    (tmp_path / "runs" / f"{victim}.parquet").unlink()  # killed between the two renames
    (tmp_path / "curves" / ".x.parquet.123.tmp").write_bytes(b"partial")
    again = sim.sweep(
        {"model.peer_weight": [0.2, 0.4]}, replicates=2, overrides=SMALL, folder=tmp_path
    )
    assert again.stats.skipped == 1 and len(again.runs) == 4
    assert not list(tmp_path.rglob("*.tmp"))


def test_csv_tables_on_request(tmp_path):
    result = sim.sweep(
        {"model.peer_weight": [0.2, 0.4]}, replicates=2, overrides=SMALL, folder=tmp_path,
        tables="both",
    )  # fmt: skip
    runs = pd.read_csv(tmp_path / "runs.csv")
    assert len(runs) == 4 and list(runs.columns) == list(result.runs.columns)
    assert len(pd.read_csv(tmp_path / "curves.csv")) == len(result.curves)
