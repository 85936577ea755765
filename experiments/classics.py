"""The classic cascade results, analytic beside simulated, one command each (README,
"Cascades on networks"):

    python experiments/classics.py watts            # Watts 2002: the cascade window
    python experiments/classics.py gleeson          # Gleeson & Cahalane 2007: seed size
    python experiments/classics.py centola_macy     # Centola & Macy 2007: complex contagion
    python experiments/classics.py meanfield        # heterogeneous mean field vs the engine

Extra ``key=value`` arguments are passed to every run (for instance another network
kind: ``network.kind=barabasi_albert network.mean_degree=4``); the analytic values are
then computed for the network actually drawn (``sim.analysis.cascades.run_theory``).
Replicates use the batched engine, which is the Mesa model exactly (tests/test_engine.py).
"""

from __future__ import annotations

import sys

import numpy as np
from common import replicates  # noqa: F401 (sets sys.path)

from sim.analysis.cascades import (
    HeterogeneousMeanField,
    complete_graph_analogue,
    run_theory,
    watts_window,
)
from sim.config.compose import compose_config, scenarios
from sim.config.schema import validate
from sim.engine.batch import run_batch
from sim.errors import ConfigError
from sim.run.sweep import replicate_seeds

GLOBAL = 0.5  # a cascade taking more than half the officials is "global"


def watts(extra: list[str], n: int = 100) -> None:
    low, high = watts_window(0.18)
    print(f"Watts (2002), φ = 0.18; Erdős–Rényi window {low:.3f} < z < {high:.3f}")
    print("G and the sizes are for the degree distribution of the network actually drawn")
    print("   z   G (analytic)  P(global) sim   size analytic   size sim (global runs)")
    for z in (0.8, 1.5, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0):
        try:
            run = validate(
                compose_config("scenario=watts_window", f"network.mean_degree={z}", *extra)
            )
        except ConfigError as e:  # e.g. barabasi_albert takes only even mean degrees
            print(f"{z:4.1f}   skipped: {e}")
            continue
        final = run_batch(run, replicate_seeds(0, n)).curves["share_defected"][-1]
        theory = run_theory(run)
        big = final[final > GLOBAL]
        size = f"{big.mean():.3f}" if len(big) else "  -  "
        print(
            f"{z:4.1f}   {theory['watts_G']:8.3f}     {np.mean(final > GLOBAL):8.2f}"
            f"        {theory['gleeson_share'] if theory['watts_G'] > 1 else 0.0:8.3f}"
            f"        {size}"
        )


def gleeson(extra: list[str], n: int = 20) -> None:
    print("Gleeson & Cahalane (2007), Erdős–Rényi z = 10, φ = 0.25, random seeds")
    print("  seed share   analytic   simulated (mean ± sd)")
    for rho in (0.01, 0.03, 0.04, 0.05, 0.08):
        run = validate(
            compose_config(
                "scenario=watts_window", "network.mean_degree=10",
                "population.roles.official.threshold=0.25", f"model.initial_defected_share={rho}",
                *extra,
            )
        )  # fmt: skip
        final = run_batch(run, replicate_seeds(0, n)).curves["share_defected"][-1]
        print(
            f"  {rho:10.2f}   {run_theory(run)['gleeson_share']:8.4f}   "
            f"{final.mean():.4f} ± {final.std():.4f}"
        )


def centola_macy(extra: list[str], n: int = 100) -> None:
    print("Centola & Macy (2007): count threshold 2, k = 4, two adjacent seeds, N = 400")
    for label, over in (
        ("ring lattice", []),
        ("Watts–Strogatz p = 0.05", ["network.kind=watts_strogatz", "network.rewiring=0.05"]),
        ("Watts–Strogatz p = 0.5", ["network.kind=watts_strogatz", "network.rewiring=0.5"]),
    ):
        run = validate(compose_config("scenario=complex_contagion", *over, *extra))
        final = run_batch(run, replicate_seeds(0, n)).curves["share_defected"][-1]
        print(
            f"  {label:26s} final share mean {final.mean():.3f}  "
            f"(5-95%: {np.percentile(final, 5):.3f}-{np.percentile(final, 95):.3f})"
        )
    print("  (the tree approximation does not apply to a lattice: no analytic value)")


def meanfield(extra: list[str], seeds: int = 3) -> None:
    print("Heterogeneous mean field vs the engine, complete-graph no-preparation analogues")
    print("  scenario                  engine   static F   |diff|   along the schedule")
    for name in scenarios():
        run = complete_graph_analogue(compose_config(f"scenario={name}", *extra))
        final = run_batch(run, range(seeds)).curves["share_defected"]
        for seed in range(seeds):
            hmf = HeterogeneousMeanField(run, seed)
            static, path = hmf.final_share(), hmf.path_share()[-1]
            engine = final[-1, seed]
            print(
                f"  {name:24s} {engine:7.3f}   {static:7.3f}   {abs(static - engine):6.3f}"
                f"   {path:7.3f}"
            )


def main(argv: list[str]) -> None:
    commands = {"watts": watts, "gleeson": gleeson, "centola_macy": centola_macy}
    commands["meanfield"] = meanfield
    if not argv or argv[0] not in commands:
        print(__doc__)
        raise SystemExit(2)
    commands[argv[0]](argv[1:])


if __name__ == "__main__":
    main(sys.argv[1:])
