"""Paired mechanism study of the Syria scenario: the outcomes the sources' claims speak
about, with and without each mechanism, over the same seeds.

Each condition is a list of command-line overrides. For each seed the scenario runs under
every condition with that seed, so the officials, the network and the random draws are
the same and the difference is the mechanism's effect (paired design). The runs go
through the batched engine, which gives exactly the Mesa agents' files for each seed
(tests/test_engine.py).

    .venv/bin/python experiments/mechanisms.py            # 20 seeds, prints a Markdown table
    .venv/bin/python experiments/mechanisms.py --seeds 100

tests/test_claims.py checks the claims on these outcomes.
"""

from __future__ import annotations

import argparse
import functools
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from experiments.common import study_overrides
from sim.config.compose import compose_config
from sim.config.schema import validate
from sim.engine.batch import run_batch

SEEDS = tuple(range(20))
MANY_SEEDS = tuple(range(100))
AMBASSADOR_STEP = 69  # 2012-07-11 on the weekly calendar from 2011-03-15
SENIOR = ("ambassador", "minister", "general", "security_chief")

# The Syria events without the ambassador's defection (the general's arrest and
# flight and the talks stay), written out as in seeds/events.yaml.
WITHOUT_AMBASSADOR = [
    "events_file=null",
    "events=[{kind: arrest, date: 2012-05-01, official: republican_guard_general},"
    " {kind: defection, date: 2012-07-05, official: republican_guard_general},"
    " {kind: survival_shock, date: 2012-07-09, size: -0.25}]",
]
WITHOUT_TALKS = [
    "events_file=null",
    "events=[{kind: arrest, date: 2012-05-01, official: republican_guard_general},"
    " {kind: defection, date: 2012-07-05, official: republican_guard_general},"
    " {kind: defection, date: 2012-07-11, official: ambassador_to_iraq,"
    " broadcast_multiplier: 2.0}]",
]
REGIONS = ("east", "north", "capital", "coast")
ROLES = ("minister", "general", "security_chief", "ambassador", "governor", "party_official")
CONDITIONS: dict[str, list[str]] = {
    "syria": [],
    "no_retribution": ["model.retribution_weight=0"],
    "no_danger": ["model.danger_weight=0"],
    "no_tribal_pressure": ["model.tribal_pressure_weight=0"],
    "no_ambassador": WITHOUT_AMBASSADOR,
    "no_rebellion_feedback": ["model.rebellion_feedback_weight=0"],
    "long_preparation": [
        f"population.roles.{r}.preparation_time={{dist: integers, low: 6, high: 10}}" for r in ROLES
    ],
    "more_privileges": ["model.privilege_weight=1.5"],
    "no_contempt": ["model.late_defector_contempt=0"],
    "no_escape": ["model.escape_probability=0"],
    "no_talks": WITHOUT_TALKS,
    "flat_rebellion": [f"rebellion.{r}.points=[[0,0.05]]" for r in REGIONS],
    "amnesty_offer": ["scenario=amnesty_offer"],
    "coup_proofed": ["scenario=coup_proofed"],
}


def defected_by(officials: list[dict], step: int, keep) -> list[dict]:
    """Unnamed officials who defected by ``step`` and satisfy ``keep``."""
    return [
        o
        for o in officials
        if keep(o) and not o["name"] and o["defection_step"] != "" and o["defection_step"] <= step
    ]


def measure(rows: list[dict], officials_all: list[dict], events: list[dict]) -> dict[str, float]:
    """The outcomes the claims speak about, from one run's timeseries, officials and
    events (the rows of its three CSV files)."""
    t = AMBASSADOR_STEP
    officials = [o for o in officials_all if not o["name"]]
    eastern = [o for o in officials if o["tribe"] == "eastern_tribe"]
    core = [o for o in officials if o["tribe"] == "regime_core"]
    started = [o for o in officials if o["state"] in ("defected", "arrested")]
    return {
        "final_share": rows[-1]["share_defected"],
        "preparing_after": rows[t + 1]["n_preparing"],
        "unnamed_defected_after": len(defected_by(officials, t + 1, lambda o: True)),
        "unnamed_defected_2_months": len(defected_by(officials, t + 8, lambda o: True)),
        "eastern_tribe_2_months": len(
            defected_by(officials, t + 8, lambda o: o["tribe"] == "eastern_tribe")
        )
        / len(eastern),
        "other_ambassadors_2_months": len(
            defected_by(officials, t + 8, lambda o: o["role"] == "ambassador")
        ),
        "east_rebellion_after": rows[t + 1]["rebellion_east"],
        "east_region_by_july": np.mean(
            [
                o["defection_step"] != "" and o["defection_step"] <= t
                for o in officials
                if o["region"] == "east"
            ]
        ),
        "core_share": np.mean([o["state"] == "defected" for o in core]),
        "arrest_rate": sum(o["state"] == "arrested" for o in started) / max(1, len(started)),
        "arrested_end": rows[-1]["n_arrested"],
        "escaped": sum(1 for e in events if e["from"] == "arrested" and e["to"] == "defected"),
        "preparing_after_talks": rows[t]["n_preparing"],
        "senior_preparing_2_weeks": sum(rows[t + 2][f"n_preparing_{r}"] for r in SENIOR),
        "senior_defected_2_weeks": len(
            defected_by(officials, t + 2, lambda o: o["role"] in SENIOR)
        ),
        "rise_8_weeks_after": rows[t + 8]["share_defected"] - rows[t]["share_defected"],
        "rise_8_weeks_before": rows[t]["share_defected"] - rows[t - 8]["share_defected"],
    }


@functools.cache
def outcomes(condition: str, seeds: tuple[int, ...] = SEEDS) -> list[dict[str, float]]:
    """The outcomes of ``condition`` for each seed (one replicate per seed)."""
    overrides = study_overrides(CONDITIONS[condition])
    batch = run_batch(validate(compose_config(*overrides)), seeds, details=True)
    return [
        measure(batch.timeseries(r), batch.officials(r), batch.events(r)) for r in range(len(seeds))
    ]


TABLE_KEYS = {
    "final_share": "final share defected",
    "core_share": "regime core defected",
    "arrest_rate": "arrested / started",
    "preparing_after": "preparing, week after the call",
    "senior_preparing_2_weeks": "senior preparing, +2 weeks",
    "senior_defected_2_weeks": "senior defected, +2 weeks",
}


def table(seeds: tuple[int, ...]) -> str:
    """Mean outcomes per condition, as a Markdown table."""
    head = "| condition | " + " | ".join(TABLE_KEYS.values()) + " |"
    lines = [head, "|" + "---|" * (len(TABLE_KEYS) + 1)]
    for condition in CONDITIONS:
        runs = outcomes(condition, seeds)
        means = [np.mean([r[k] for r in runs]) for k in TABLE_KEYS]
        lines.append(f"| {condition} | " + " | ".join(f"{m:.3g}" for m in means) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=len(SEEDS), help="seeds 0..n-1 (default 20)")
    args = parser.parse_args()
    seeds = tuple(range(args.seeds))
    print(f"Syria scenario, mean over seeds 0..{args.seeds - 1}\n")
    print(table(seeds))
    runs = outcomes("syria", seeds)
    ready = sum(r["senior_preparing_2_weeks"] > r["senior_defected_2_weeks"] for r in runs)
    print(
        f"\nsyria: two weeks after the call, senior officials preparing outnumber those "
        f"visibly defected in {ready} of {len(runs)} runs"
    )


if __name__ == "__main__":
    main()
