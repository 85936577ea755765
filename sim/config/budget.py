"""Before a run or a sweep starts: an estimate of its memory and time, and a one-line refusal
of what would not fit in this machine's memory.

The figures are rough on purpose (within a factor of about two): their job is to turn
``population.roles.x.count=100000000`` or ``steps=100000`` x ``replicates=100000`` into one
line naming the size and the key to change, instead of a machine that swaps for an hour.
They come from measurements on the project's 2-core machine (December 2026, scaled Syria
regimes; ``experiments/boundary_cases.py`` and issue 15's note):

- a single run (the Mesa agents): about 130 MB of imports, 5-6 KB per official (agent,
  arrays, tables), 2.5 s + 0.5 ms per official to set up, about 15 µs per official-step;
- a sweep point (the batched engine): about 100 MB of imports; per replicate about 210 bytes
  per official (its world and final state) and 8 bytes per curve value, kept until the
  point's tables are written; about 0.5 µs per official-step;
- ties of a ``ties`` network: 8 bytes per tie end and as much again while drawing them.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from sim.config.schema import Run
from sim.errors import ConfigError

MB = 1e6
#: the share of the machine's available memory a run may plan to use
MEMORY_SHARE = 0.8

MESA_BASE = 130 * MB
MESA_PER_OFFICIAL = 6_000.0
MESA_SETUP_SECONDS, MESA_SETUP_PER_OFFICIAL = 2.5, 0.5e-3
MESA_STEP_SECONDS = 15e-6  # per official-step
BATCH_BASE = 100 * MB
BATCH_PER_OFFICIAL = 210.0
BATCH_STEP_SECONDS = 0.5e-6  # per official-step
BYTES_PER_TIE_END = 16.0
CURVE_BYTES = 8.0 * 3  # the curves array, its per-column copies, the CSV text


@dataclass(frozen=True)
class Estimate:
    """What a run or one sweep point is expected to take: peak bytes and seconds."""

    bytes: float
    seconds: float
    officials: int
    steps: int
    replicates: int

    def text(self) -> str:
        return (
            f"{self.officials:_} officials x {self.steps:_} steps x {self.replicates:_} "
            f"replicate(s): about {_size(self.bytes)} and {_duration(self.seconds)}"
        )


def available_memory() -> float:
    """Bytes this process could use now: MemAvailable (Linux), else physical memory."""
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return float(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return float(os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
    except (ValueError, OSError, AttributeError):
        return float("inf")


def _tie_ends(run: Run) -> float:
    net = run.network.model_dump()
    if net.get("kind") == "complete":
        return 0.0
    n = run.n_officials()
    # every expected degree the network section declares (whatever its kind)
    total = sum(v for k, v in net.items() if k.endswith("degree") and isinstance(v, int | float))
    total += net.get("k", 0) if isinstance(net.get("k"), int) else 0  # lattices: k neighbours
    return n * min(float(total), n - 1.0)


def _curves(run: Run) -> int:
    """Values per step of the curves: totals plus one per role and per region."""
    return 12 + 3 * (len(run.population.roles) + len(run.regions))


def estimate(run: Run, sweep: bool = False) -> Estimate:
    """The estimate of one single run (Mesa agents), or of one sweep point (``sweep``: its
    ``run.replicates`` replicates through the batched engine)."""
    n, steps = run.n_officials(), run.steps
    ties = _tie_ends(run) * BYTES_PER_TIE_END
    if not sweep:
        memory = MESA_BASE + n * MESA_PER_OFFICIAL + ties + (steps + 1) * _curves(run) * 100
        seconds = MESA_SETUP_SECONDS + n * MESA_SETUP_PER_OFFICIAL + n * steps * MESA_STEP_SECONDS
        return Estimate(memory, seconds, n, steps, 1)
    r = run.replicates
    per_replicate = n * BATCH_PER_OFFICIAL + ties + (steps + 1) * _curves(run) * CURVE_BYTES
    memory = BATCH_BASE + r * per_replicate
    seconds = r * (n * MESA_SETUP_PER_OFFICIAL / 10 + n * steps * BATCH_STEP_SECONDS)
    return Estimate(memory, seconds, n, steps, r)


def check(run: Run, sweep: bool = False, available: float | None = None) -> Estimate:
    """The estimate, or a ConfigError naming the size and the key to change if the run (or
    one sweep point) would not fit in :data:`MEMORY_SHARE` of the available memory."""
    est = estimate(run, sweep)
    limit = MEMORY_SHARE * (available_memory() if available is None else available)
    if est.bytes <= limit:
        return est
    n, steps, r = est.officials, est.steps, est.replicates
    ties = _tie_ends(run)
    # the key whose value makes the estimate largest
    if ties * BYTES_PER_TIE_END > est.bytes / 2:
        degrees = {k: v for k, v in run.network.model_dump().items() if k.endswith("degree")}
        name = max(degrees, key=degrees.get)
        key, value = f"network.{name}", degrees[name]
    elif sweep and r > 1:
        key, value = "replicates", r
    elif (steps + 1) * _curves(run) * 100 > n * MESA_PER_OFFICIAL:
        key, value = "steps", steps
    else:
        biggest = max(run.population.roles.items(), key=lambda kv: kv[1].count)
        key, value = f"population.roles.{biggest[0]}.count", biggest[1].count
    what = "sweep point" if sweep else "run"
    raise ConfigError(
        key,
        value,
        f"a smaller value: the {what} ({n:_} officials x {steps:_} steps x {r:_} "
        f"replicate(s)) needs about {_size(est.bytes)}, this machine has {_size(limit)} to spare",
        "too large for memory",
    )


def _size(b: float) -> str:
    return f"{b / 1e9:.1f} GB" if b >= 1e9 else f"{b / 1e6:.0f} MB"


def _duration(s: float) -> str:
    if s < 120:
        return f"{s:.0f} s"
    if s < 7200:
        return f"{s / 60:.0f} min"
    return f"{s / 3600:.1f} h"
