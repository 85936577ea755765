"""``make bench`` (``python -m sim.run.bench``): speed and memory figures, measured in
one run on this machine.

Writes ``bench.json`` and prints the same figures as a table:

- ``mesa_agent_steps_per_s_n1000``/``_n10000``: the Mesa model (``DefectionModel``) on the
  Syria regime scaled to N officials, stepping only (construction excluded);
- ``batched_agent_steps_per_s_n1000``/``_n10000``: the batched engine, R = 64 replicates
  of the same regime, stepping only, the random draws included (``batched_setup_s_*``
  reports building officials, parameters and networks); numba's compilation is done
  before timing;
- each rate is the best of 5 timings, taken in alternation with the other engine's;
- ``ratio_n1000``/``ratio_n10000``: batched / Mesa;
- ``batched_agent_steps_per_s_n1000_foresight``, ``foresight_slowdown``: the engine with
  officials who look ahead (extrapolative expectations, the stopping rule, ODD 7.8),
  timed in the same rounds, and its time over the myopic engine's (issue 10: <= 1.5);
- ``sweep_runs``, ``sweep_wall_s``, ``sweep_peak_rss_mib``: the reference sweep
  (configs/sweep/reference.yaml: 100 points x 100 replicates of 1,000 officials x 100
  steps) on all cores with the joblib launcher, from a fresh folder, as one command: wall
  time, and the peak of the summed resident memory of all its processes;
- ``sweep_step_s``: the engine's own stepping time of the same runs, summed over the
  sweep's points and divided by its worker processes (what the sweep would take if
  setting up, checking and writing cost nothing); ``sweep_overhead_ratio``:
  sweep_wall_s / sweep_step_s (issue 13: <= 3); ``sweep_setup_share``: the points'
  set-up time (checking the config, building the worlds) over their whole time;
- ``run_s_n100000``, ``run_peak_rss_mib_n100000``: one run of 100,000 officials (the
  Syria regime scaled up) for 100 steps with the batched engine, in a fresh process:
  the run's time (compiled kernels loaded first) and the process's peak memory;
  ``peak_rss_mib_n100000_r64``: 64 replicates of it (10 steps each), whose worlds are
  built one at a time (issue 15: memory grows with the work, not the replicates);
- ``help_start_s``: ``python -m sim --help``, median of 3.

Targets (issues 3 and 13): ratio_n1000 >= 1000, sweep_overhead_ratio <= 3,
sweep_wall_s <= 60, sweep_peak_rss_mib <= 2048, help_start_s <= 1.5.
"""

from __future__ import annotations

import json
import math
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

from sim.config.compose import PROJECT_ROOT, compose_config
from sim.config.schema import validate
from sim.files import atomic_write

ROLES = ("minister", "general", "security_chief", "ambassador", "governor", "party_official")
SYRIA_1000 = {
    "minister": 90,
    "general": 180,
    "security_chief": 60,
    "ambassador": 120,
    "governor": 42,
    "party_official": 506,
}
REPLICATES = 64
TARGETS = {
    "ratio_n1000": (">=", 1000),
    "sweep_overhead_ratio": ("<=", 3),
    "foresight_slowdown": ("<=", 1.5),
    "sweep_wall_s": ("<=", 60),
    "sweep_peak_rss_mib": ("<=", 2048),
    "help_start_s": ("<=", 1.5),
}


def regime(n: int) -> list[str]:
    """Overrides for the Syria regime with about n officials (1,000 or 10,000)."""
    scale = n // 1000
    counts = {role: c * scale for role, c in SYRIA_1000.items()}
    counts["party_official"] -= 2 * (scale - 1)  # the two named officials stay two
    return [
        "scenario=syria_1000",
        "structure_seed=1",
        *(f"population.roles.{r}.count={c}" for r, c in counts.items()),
    ]


ROUNDS = 5  # the machine is shared and noisy: the best of 5 timings for each engine


def engine_rates(n: int, mesa_steps: int, batched_steps: int) -> dict[str, float]:
    """Agent-steps per second of both engines on the same regime, timed in alternation
    (one window of each per round, so that both see the same load), best of ROUNDS."""
    from sim.agents import DefectionModel
    from sim.engine.batch import run_batch

    model = DefectionModel(compose_config(*regime(n)))
    for _ in range(60):  # into the interesting part of the run
        model.step()
    batched = validate(compose_config(*regime(n), f"steps={batched_steps}"))
    foresight = batched.with_model(expectations="extrapolative", timing="stopping")
    run_batch(batched, [0], 2)  # compile (or load) the kernels before timing
    run_batch(foresight, [0], 2)
    mesa_best = batch_best = foresight_best = math.inf
    for _ in range(ROUNDS):
        start = time.perf_counter()
        for _ in range(mesa_steps):  # successive windows of one run
            model.step()
        mesa_best = min(mesa_best, time.perf_counter() - start)
        batch = run_batch(batched, list(range(REPLICATES)), batched_steps)
        batch_best = min(batch_best, batch.step_seconds)
        if n == 1000:
            ahead = run_batch(foresight, list(range(REPLICATES)), batched_steps)
            foresight_best = min(foresight_best, ahead.step_seconds)
    agent_steps = batch.state.size * batched_steps  # R x N officials x steps
    figures = {
        f"mesa_agent_steps_per_s_n{n}": round(model.n_officials * mesa_steps / mesa_best),
        f"batched_agent_steps_per_s_n{n}": round(agent_steps / batch_best),
        f"batched_setup_s_n{n}": round(batch.setup_seconds, 3),
    }
    if n == 1000:
        # officials who look ahead (extrapolative expectations, the stopping rule)
        figures["batched_agent_steps_per_s_n1000_foresight"] = round(agent_steps / foresight_best)
        figures["foresight_slowdown"] = round(foresight_best / batch_best, 2)
    return figures


def reference_sweep() -> dict[str, float]:
    folder = Path(tempfile.mkdtemp(prefix="bench-sweep-"))
    try:
        command = [
            sys.executable,
            "-m",
            "sim",
            "--multirun",
            "sweep=reference",
            "hydra/launcher=joblib",
            f"hydra.sweep.dir={folder}",
        ]
        start = time.perf_counter()
        proc = subprocess.Popen(
            command, cwd=PROJECT_ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        peak = _peak_rss(proc)
        wall = time.perf_counter() - start
        if proc.returncode != 0:
            raise SystemExit(f"the reference sweep failed (exit {proc.returncode})")
        import pyarrow.dataset as ds

        runs = ds.dataset(folder / "runs", format="parquet").count_rows()
        t = json.loads((folder / "timings.json").read_text())
        step = t["step"] / t["workers"]
        return {
            "sweep_runs": runs,
            "sweep_wall_s": round(wall, 2),
            "sweep_peak_rss_mib": round(peak / 2**20),
            "sweep_step_s": round(step, 2),
            "sweep_overhead_ratio": round(wall / step, 2),
            "sweep_setup_share": round(t["setup"] / (t["setup"] + t["step"] + t["write"]), 3),
        }
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _peak_rss(proc: subprocess.Popen) -> int:
    """The peak of the summed resident memory of a process and its children."""
    parent, peak = psutil.Process(proc.pid), 0
    while proc.poll() is None:
        try:
            rss = parent.memory_info().rss + sum(
                c.memory_info().rss for c in parent.children(recursive=True)
            )
            peak = max(peak, rss)
        except psutil.Error:
            pass
        time.sleep(0.05)
    return peak


_LARGE = """
import json, resource, sys, time
from sim.config.compose import compose_config
from sim.config.schema import validate
from sim.engine.batch import run_batch, warm_up
from sim.run.bench import regime
replicates, steps = int(sys.argv[1]), int(sys.argv[2])
warm_up(validate(compose_config(*regime(1000), "steps=2")))  # compile on a small world
run = validate(compose_config(*regime(100_000), f"steps={steps}"))
start = time.perf_counter()
batch = run_batch(run, list(range(replicates)), steps)
seconds = time.perf_counter() - start
# VmHWM: this process's own peak (ru_maxrss would carry the parent's over exec)
status = open("/proc/self/status").read().split("VmHWM:")
peak = int(status[1].split()[0]) * 1024 if len(status) > 1 else (
    resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
)
print(json.dumps({"seconds": seconds, "peak": peak}))
"""


def large_run(replicates: int, steps: int) -> dict[str, float]:
    """Time and peak memory of ``replicates`` runs of 100,000 officials, in a fresh process."""
    out = subprocess.run(
        [sys.executable, "-c", _LARGE, str(replicates), str(steps)],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def help_start() -> float:
    times = []
    for _ in range(3):
        start = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "sim", "--help"],
            cwd=PROJECT_ROOT,
            capture_output=True,
            check=True,
        )
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    figures: dict[str, float | int | str] = {}
    for n, mesa_steps, batched_steps in ((1000, 20, 100), (10000, 4, 30)):
        figures.update(engine_rates(n, mesa_steps, batched_steps))
        rate = figures[f"batched_agent_steps_per_s_n{n}"]
        figures[f"ratio_n{n}"] = round(rate / figures[f"mesa_agent_steps_per_s_n{n}"], 1)
    figures.update(reference_sweep())
    one = large_run(1, 100)
    figures["run_s_n100000"] = round(one["seconds"], 2)
    figures["run_peak_rss_mib_n100000"] = round(one["peak"] / 2**20)
    many = large_run(REPLICATES, 10)
    figures["peak_rss_mib_n100000_r64"] = round(many["peak"] / 2**20)
    figures["help_start_s"] = round(help_start(), 3)
    figures["machine"] = f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores"
    atomic_write(PROJECT_ROOT / "bench.json", lambda f: f.write(json.dumps(figures, indent=2)))
    width = max(map(len, figures))
    for key, value in figures.items():
        target = TARGETS.get(key)
        verdict = ""
        if target:
            op, bound = target
            ok = value >= bound if op == ">=" else value <= bound
            verdict = f"   target {op} {bound}: {'met' if ok else 'NOT met'}"
        shown = f"{value:,}" if isinstance(value, int) else str(value)
        print(f"{key:<{width}}  {shown:>14}{verdict}")
    print("written: bench.json")


if __name__ == "__main__":
    main()
