"""The config boundary as a careless or hostile user meets it: hand-written bad input through
the real command line (``python -m sim key=value ...``), one fresh folder per case.

Each case is run as a subprocess in an empty temporary folder (so anything it writes is
seen) with a time limit, and its outcome is one of:

- ``one-line``: exit 2, one line ``error: ...`` on stderr, nothing on stdout, nothing written
  (what the house promises for bad input);
- ``traceback``: a Python traceback, or an exit code other than 0 and 2;
- ``hang``: still running after the time limit (killed);
- ``accepted``: exit 0 although the input is invalid (a run or sweep happened);
- ``written``: exit 2 but files were left in the folder;
- ``multi-line``: exit 2, nothing written, but more than one line of error output;
- ``ok`` / ``refused-valid``: for the few valid inputs among the cases.

Usage::

    .venv/bin/python -m experiments.boundary_cases            # all cases, a table by class
    .venv/bin/python -m experiments.boundary_cases --jobs 2 --timeout 60 --show

The figures of issue 15 (before and after the boundary's rework) come from this script.
"""

from __future__ import annotations

import argparse
import collections
import os
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYTHON = ROOT / ".venv" / "bin" / "python"
if not PYTHON.exists():
    PYTHON = Path(sys.executable)


@dataclass(frozen=True)
class Case:
    group: str  # the class of bad input (the list)
    args: tuple[str, ...]
    valid: bool = False
    files: tuple[tuple[str, str | bytes], ...] = ()  # (relative path, content) to create first


def _c(group: str, *args: str, valid: bool = False, files=()) -> Case:
    return Case(group, tuple(args), valid, tuple(files))


K = "scenario=kuran_ten"  # ten officials, twenty steps: a valid run takes a second or two
NOFIG = "output.figure=false"

G = "republican_guard_general"
EVENTS_OK = (
    f"events:\n  - id: e1\n    date: 2012-07-05\n    model: {{kind: defection, official: {G}}}\n"
)
SCENARIO_OK = (ROOT / "configs" / "scenario" / "kuran_ten.yaml").read_text()


def cases() -> list[Case]:
    out: list[Case] = []
    # --- non-finite numbers: every number finite -------------------------------------------
    for key in [
        "model.peer_weight",
        "model.disaffection_weight",
        "model.defector_punishment",
        "model.survival_defection_sensitivity",
        "model.loyalty_bonus",
        "model.targeted_repression",
    ]:
        for v in ("inf", "-inf", "nan"):
            out.append(_c("non-finite", K, NOFIG, f"{key}={v}"))
    for trait in ("threshold", "rank_weight", "privileges", "exposure", "disaffection"):
        out.append(_c("non-finite", K, NOFIG, f"population.defaults.{trait}=inf"))
        out.append(_c("non-finite", K, NOFIG, f"population.defaults.{trait}=nan"))
    out += [
        _c(
            "non-finite",
            K,
            NOFIG,
            "population.defaults.threshold={dist: uniform, low: 0, high: inf}",
        ),
        _c(
            "non-finite", K, NOFIG, "population.defaults.threshold={dist: normal, mean: 0, sd: inf}"
        ),
        _c(
            "non-finite", K, NOFIG, "population.defaults.threshold={dist: normal, mean: nan, sd: 1}"
        ),
        _c(
            "non-finite",
            K,
            NOFIG,
            "population.defaults.rank_weight={dist: uniform, low: 0, high: inf}",
        ),
        _c("non-finite", K, NOFIG, "population.defaults.privileges={dist: beta, a: inf, b: 1}"),
        _c("non-finite", NOFIG, "network.random_degree=inf"),
        _c("non-finite", NOFIG, "network.tribe_degree=nan"),
        _c("non-finite", NOFIG, "network.institution_degree=1e400"),
        _c(
            "non-finite",
            NOFIG,
            f"events=[{{kind: defection, step: 3, official: {G}, size: inf}}]",
        ),
        _c(
            "non-finite",
            NOFIG,
            f"events=[{{kind: defection, step: 3, official: {G}, size: nan}}]",
        ),
        _c(
            "non-finite",
            NOFIG,
            "events=[{kind: rebellion_shock, step: 3, region: east, size: inf}]",
        ),
        _c(
            "non-finite",
            NOFIG,
            f"events=[{{kind: defection, step: 3, official: {G}, broadcast_multiplier: nan}}]",
        ),
        _c(
            "non-finite",
            NOFIG,
            f"events=[{{kind: defection, step: 3, official: {G}, broadcast_multiplier: 1e308}}]",
        ),
        _c("non-finite", K, NOFIG, "rebellion.nation.points=[[0, nan]]"),
        _c("non-finite", K, NOFIG, "backing.points=[[0, nan]]"),
        _c("non-finite", K, NOFIG, "population.tribes.everyone.share=inf"),
        _c("non-finite", K, NOFIG, "population.tribes.everyone.share=nan"),
        _c("non-finite", NOFIG, "population.roles.minister.tribes.regime_core=inf"),
    ]
    # --- huge counts, steps, replicates: a stated maximum, a memory estimate -----------------
    out += [
        _c("huge", K, NOFIG, "steps=1000000000"),
        _c("huge", K, "--multirun", "replicates=1000000000"),
        _c(
            "huge",
            K,
            NOFIG,
            "population.roles.official.count=1000000000",
            "population.roles.official.threshold=0.5",
        ),
        _c(
            "huge",
            K,
            NOFIG,
            "population.roles.official.count=100000000000000000000",
            "population.roles.official.threshold=0.5",
        ),
        _c("huge", NOFIG, "network.random_degree=1000000000"),
        _c("huge", K, NOFIG, "steps=100000000"),
        _c("huge", K, NOFIG, "seed=100000000000000000000000"),
        _c("huge", K, NOFIG, "model.trend_memory=1000000000"),
        _c("huge", NOFIG, "calendar.step_days=1000000000000"),
        _c(
            "huge",
            NOFIG,
            f"events=[{{kind: defection, step: 100000000000000000000, official: {G}}}]",
        ),
    ]
    # --- a section of the wrong type ----------------------------------------------------------
    for arg in [
        "network=5",
        "model=1",
        "output=1",
        "population=1",
        "calendar=abc",
        "calendar=5",
        "rebellion=3",
        "backing=1",
        "events=5",
        "events={a: 1}",
        "scenario_title=[1,2]",
        "description={a: 1}",
        "sweep_name=[x]",
        "events_file=5",
        "events_file=[a]",
        "structure_seed=abc",
        "output.figure=abc",
        "model.expectations=5",
        "model.timing=[a]",
        "population.roles=5",
        "population.tribes=[]",
        "population.named=5",
        "population.defaults=3",
        "population.roles.minister=5",
        "population.named.republican_guard_general=1",
        "rebellion.east=1",
        "rebellion.east.points=5",
        "events=[5]",
        f"events=[{{kind: defection, step: abc, official: {G}}}]",
        "network.kind=[a]",
        "seed=true",
        "steps=[1]",
    ]:
        out.append(_c("section type", NOFIG, arg))
    # --- files: events_file missing, malformed, not a mapping ---------------------------------
    out += [
        _c("files", NOFIG, "events_file=nowhere.yaml"),
        _c("files", NOFIG, "events_file=bad.yaml", files=[("bad.yaml", "events: [unclosed\n")]),
        _c("files", NOFIG, "events_file=list.yaml", files=[("list.yaml", "- a\n- b\n")]),
        _c("files", NOFIG, "events_file=scalar.yaml", files=[("scalar.yaml", "42\n")]),
        _c("files", NOFIG, "events_file=noevents.yaml", files=[("noevents.yaml", "other: 1\n")]),
        _c("files", NOFIG, "events_file=ev.yaml", files=[("ev.yaml", "events: 5\n")]),
        _c("files", NOFIG, "events_file=ev.yaml", files=[("ev.yaml", "events: [1, 2]\n")]),
        _c("files", NOFIG, "events_file=ev.yaml", files=[("ev.yaml", "events: [{model: 5}]\n")]),
        _c(
            "files",
            NOFIG,
            "events_file=ev.yaml",
            files=[
                (
                    "ev.yaml",
                    f"events: [{{date: notadate, model: {{kind: defection, official: {G}}}}}]\n",
                )
            ],
        ),
        _c(
            "files",
            NOFIG,
            "events_file=ev.yaml",
            files=[
                ("ev.yaml", "events: [{model: {kind: defection, official: nobody, step: 3}}]\n")
            ],
        ),
        _c("files", NOFIG, "events_file=ev.yaml", files=[("ev.yaml", b"\xff\xfe\x00binary\x00")]),
        _c("files", NOFIG, "events_file=ev.yaml", files=[("ev.yaml", "events:\n  - &a [*a]\n")]),
        _c(
            "files",
            NOFIG,
            "events_file=ev.yaml",
            files=[("ev.yaml", "!!python/object/apply:os.system ['echo hi']\n")],
        ),
        _c(
            "files",
            NOFIG,
            "events_file=ev.yaml",
            files=[
                (
                    "ev.yaml",
                    f"events: [{{model: {{kind: defection, official: {G}, step: 3, size: .nan}}}}]"
                    "\n",
                )
            ],
        ),
        _c("files", NOFIG, "events_file=sub", files=[("sub/x", "")]),
        _c("files", NOFIG, "events_file=/dev/zero"),
        _c("files", NOFIG, "events_file=''"),
        _c("files", NOFIG, "events_file=ev.yaml", files=[("ev.yaml", EVENTS_OK)], valid=True),
    ]
    # --- empty population, float counts, initial_survival at the edges ------------------------
    out += [
        _c(
            "population",
            K,
            NOFIG,
            "population.roles.official.count=0",
            "population.roles.official.threshold=0.5",
        ),
        # Hydra merges a mapping into the scenario's: roles={} leaves the roles as they are
        _c("population", K, NOFIG, "population.roles={}", valid=True),
        _c(
            "population",
            K,
            NOFIG,
            "population.roles.official.count=2.0",
            "population.roles.official.threshold=0.5",
        ),
        _c("population", K, NOFIG, "population.roles.official.count=1e1"),
        _c("population", K, NOFIG, "steps=20.0"),
        _c("population", K, "--multirun", "replicates=2.0"),
        _c("population", K, NOFIG, "seed=3.0"),
        _c("population", NOFIG, "calendar.step_days=7.0"),
        _c("population", K, NOFIG, "model.initial_survival=1e-300"),
        _c("population", K, NOFIG, "model.initial_survival=5e-324"),
        _c("population", K, NOFIG, "model.initial_survival=1e-20"),
        _c("population", K, NOFIG, "model.initial_survival=0.99999999999999"),
        _c("population", K, NOFIG, "model.initial_survival=0.5", valid=True),
        _c("population", K, NOFIG, "model.collapse_survival=0.9999999999999999"),
        _c("population", K, NOFIG, "model.adaptation_rate=1e-320", "model.expectations=adaptive"),
    ]
    # --- Hydra's own flags ------------------------------------------------------------------
    out += [
        _c("hydra flags", K, "--cfg"),
        _c("hydra flags", K, "--cfg", "nothing"),
        _c("hydra flags", K, "--config-name", "nope"),
        _c("hydra flags", K, "-cn", "nope"),
        _c("hydra flags", K, "--config-dir", "/nonexistent"),
        _c("hydra flags", K, "--config-path", "/nonexistent"),
        _c("hydra flags", K, "--package"),
        _c("hydra flags", K, "--frobnicate"),
        _c("hydra flags", K, "--experimental-rerun", "nope.pickle"),
        _c("hydra flags", K, "-m", "hydra/launcher=nope"),
        _c("hydra flags", K, "hydra.run.dir=[1,2]"),
        _c("hydra flags", K, "--multirun", "hydra.sweeper.params=5"),
        _c("hydra flags", K, "hydra/launcher=nope"),
        _c("hydra flags", K, "--shell-completion"),
    ]
    # --- extra scenario folders (--config-dir), names of the right key -----------------------
    extra = SCENARIO_OK.replace("count: 10", "count: 10\n      rank_weight: 2.0")
    out += [
        _c(
            "config dir",
            "--config-dir",
            "extra",
            "scenario=mine",
            NOFIG,
            files=[("extra/scenario/mine.yaml", extra)],
            valid=True,
        ),
        _c(
            "config dir",
            "--config-dir",
            "extra",
            "scenario=mine",
            NOFIG,
            "model.peer_weight=nan",
            files=[("extra/scenario/mine.yaml", extra)],
        ),
        _c(
            "config dir",
            "--config-dir",
            "extra",
            "scenario=mine",
            NOFIG,
            files=[
                ("extra/scenario/mine.yaml", extra.replace("rank_weight: 2.0", "rank_weight: .inf"))
            ],
        ),
        _c(
            "config dir",
            "--config-dir",
            "extra",
            "scenario=mine",
            NOFIG,
            files=[("extra/scenario/mine.yaml", "# @package _global_\nnetwork: 5\n")],
        ),
        _c(
            "config dir",
            "--config-dir",
            "extra",
            "scenario=mine",
            NOFIG,
            files=[("extra/scenario/mine.yaml", "# @package _global_\n: : :\n")],
        ),
    ]
    # --- scenario files are data, scenario names are names -----------------------------------
    target = (
        "# @package _global_\nmodel:\n  _target_: builtins.open\n  file: victim.txt\n  mode: w\n"
    )
    callback = (
        SCENARIO_OK + "hydra:\n  callbacks:\n    evil:\n      _target_: builtins.open\n"
        "      file: victim.txt\n      mode: w\n"
    )
    out += [
        _c(
            "code in files",
            "--config-dir",
            "extra",
            "scenario=evil",
            NOFIG,
            files=[("extra/scenario/evil.yaml", target)],
        ),
        _c(
            "code in files",
            "--config-dir",
            "extra",
            "scenario=evil",
            NOFIG,
            files=[
                (
                    "extra/scenario/evil.yaml",
                    SCENARIO_OK + "description: {_target_: builtins.print, _args_: [pwned]}\n",
                )
            ],
        ),
        _c(
            "code in files",
            "--config-dir",
            "extra",
            "scenario=evil",
            NOFIG,
            files=[
                (
                    "extra/scenario/evil.yaml",
                    SCENARIO_OK + "extra: {_partial_: true, _recursive_: false}\n",
                )
            ],
        ),
        _c(
            "code in files",
            "--config-dir",
            "extra",
            "scenario=evil",
            NOFIG,
            files=[("extra/scenario/evil.yaml", callback)],
        ),
        _c(
            "code in files",
            NOFIG,
            "+hydra.callbacks.x._target_=builtins.open",
            "+hydra.callbacks.x.file=v",
        ),
        _c("code in files", NOFIG, "+model._target_=builtins.open"),
        _c("code in files", NOFIG, "scenario=../sweep/smoke"),
        _c("code in files", NOFIG, "scenario=../config"),
        _c("code in files", NOFIG, "scenario=/etc/passwd"),
        _c("code in files", NOFIG, "events_file=/etc/passwd"),
    ]
    # --- messages under non-default scenarios -------------------------------------------------
    out += [
        _c("key names", NOFIG, "events=[{kind: defection, step: 3, official: nobody}]"),
        _c("key names", K, NOFIG, "model.peer_weight=-1"),
        _c("key names", "scenario=granovetter_riot", NOFIG, "population.roles.rioter.count=-1"),
        _c("key names", "scenario=syria_1000", NOFIG, "model.detection_probability=2"),
    ]
    # --- valid input that must run -----------------------------------------------------------
    out += [
        _c("valid", K, NOFIG, valid=True),
        _c("valid", K, NOFIG, "model.peer_weight=0.8", "seed=3", valid=True),
        _c("valid", K, NOFIG, "structure_seed=5", valid=True),
        _c("valid", "scenario=granovetter_riot", NOFIG, "steps=10", valid=True),
        _c(
            "valid",
            K,
            "--multirun",
            "model.peer_weight=0.5,1.0",
            "replicates=2",
            "sweep_name=s",
            valid=True,
        ),
        _c(
            "valid",
            "--multirun",
            K,
            "model.peer_weight=0.5,1.0",
            "replicates=2",
            "sweep_name=s",
            valid=True,
        ),
    ]
    return out


def run_case(case: Case, timeout: float) -> tuple[str, str]:
    """(outcome, first lines of stderr) of one case in a fresh folder."""
    with tempfile.TemporaryDirectory(prefix="boundary-") as tmp:
        folder = Path(tmp)
        for rel, content in case.files:
            path = folder / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                path.write_bytes(content)
            else:
                path.write_text(content)
        before = {p for p in folder.rglob("*")}
        env = os.environ | {"HYDRA_FULL_ERROR": "0", "PYTHONPATH": str(ROOT)}
        started = time.monotonic()
        try:
            out = subprocess.run(
                [str(PYTHON), "-m", "sim", *case.args],
                cwd=folder,
                capture_output=True,
                text=True,
                errors="replace",
                env=env,
                timeout=timeout,
            )
        except subprocess.TimeoutExpired:
            return "hang", f"(killed after {time.monotonic() - started:.0f} s)"
        written = [p for p in folder.rglob("*") if p not in before]
        stderr = out.stderr.strip()
        lines = stderr.splitlines()
        head = " | ".join(lines[:1] + lines[-1:]) if lines else ""
        if "Traceback" in out.stderr or out.returncode not in (0, 2):
            return "traceback", f"rc={out.returncode} {head}"
        if case.valid:
            return ("ok" if out.returncode == 0 else "refused-valid"), head
        if out.returncode == 0:
            return "accepted", (out.stdout.strip().splitlines() or [""])[0][:160]
        if written:
            return "written", f"{len(written)} paths; {head}"
        if len(lines) != 1 or not lines[0].startswith("error: ") or out.stdout.strip():
            if "usage" in stderr.lower() or "Usage" in out.stdout:
                return "one-line", head  # Hydra's usage text for a bad flag is allowed
            return "multi-line", f"{len(lines)} lines: {head}"
        return "one-line", head


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--timeout", type=float, default=60.0, help="seconds before a case is a hang")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--show", action="store_true", help="print every case that is not clean")
    ap.add_argument("--only", default="", help="run only the classes whose name contains this")
    ap.add_argument("--all", action="store_true", help="print every case and its first line")
    args = ap.parse_args()
    todo = [c for c in cases() if args.only in c.group]
    with ThreadPoolExecutor(args.jobs) as pool:
        results = list(pool.map(lambda c: run_case(c, args.timeout), todo))
    table: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    for case, (outcome, text) in zip(todo, results, strict=True):
        table[case.group][outcome] += 1
        clean = outcome in ("one-line", "ok")
        if args.all or (args.show and not clean):
            print(f"[{outcome}] {' '.join(case.args)}\n    {text[:300]}")
    kinds = [
        "one-line",
        "ok",
        "traceback",
        "hang",
        "accepted",
        "written",
        "multi-line",
        "refused-valid",
    ]
    print(f"\n{'class':<16}" + "".join(f"{k:>14}" for k in kinds))
    total = collections.Counter()
    for group, counts in table.items():
        total.update(counts)
        print(f"{group:<16}" + "".join(f"{counts[k]:>14}" for k in kinds))
    print(f"{'total':<16}" + "".join(f"{total[k]:>14}" for k in kinds))
    print(f"{len(todo)} cases")


if __name__ == "__main__":
    main()
