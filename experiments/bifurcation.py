"""Mean-field bifurcation diagram of the threshold map against the mean threshold
(normal thresholds, sigma = 0.1). The model drawn is the *homogeneous* mean field
(:class:`sim.analysis.MeanField`) of Granovetter's case: peer term only, complete graph,
identical officials but for their thresholds. It is not a prediction for a
heterogeneous scenario such as Syria's (there, use
:class:`sim.analysis.cascades.HeterogeneousMeanField`, over the drawn officials).
Drawn: stable and unstable equilibria, both fold points of the hysteresis loop, and
the simulation's final shares overlaid (N = 10,000, complete graph), started with
everyone loyal and with the 90 % lowest-threshold officials gone.

    .venv/bin/python experiments/bifurcation.py
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from common import replicates, save

from sim import analysis
from sim.analysis import MeanField

SIGMA = 0.1
MEANS = np.round(np.arange(0.05, 0.96, 0.025), 3)
STARTS = {0.0: ("everyone loyal at first", "o"), 0.9: ("90 % already defected at first", "^")}


def main() -> None:
    diagram = analysis.bifurcation(lambda m: MeanField(m, SIGMA), np.linspace(0.0, 1.0, 801))
    folds = analysis.fold_points(lambda m: MeanField(m, SIGMA), 0.0, 1.0)

    fig, ax = plt.subplots(figsize=(8.5, 6), layout="constrained")
    for stable, style in (
        (True, {"color": "black", "s": 4, "label": "stable equilibrium (mean field)"}),
        (False, {"color": "0.6", "s": 2, "label": "unstable equilibrium"}),
    ):
        part = diagram[diagram["stable"] == stable]
        ax.scatter(part["value"], part["x"], marker="o", linewidths=0, **style)
    for value, x in folds:
        ax.plot(value, x, marker="X", markersize=11, color="#D55E00", linestyle="none")
        ax.annotate(
            f"fold: mean threshold {value:.4f}",
            (value, x),
            textcoords="offset points",
            xytext=(10, -14 if x > 0.5 else 8),
            fontsize=8,
            color="#D55E00",
        )
    simulated = []
    for start, (label, marker) in STARTS.items():
        finals = []
        for mu in MEANS:
            _, batch = replicates(
                [
                    "scenario=granovetter_normal",
                    f"population.roles.official.threshold.mean={mu}",
                    f"population.roles.official.threshold.sd={SIGMA}",
                    "steps=300",
                    f"model.initial_defected_share={start}",
                ],
                1,
            )
            finals.append(batch.curves["share_defected"][-1, 0])
            simulated.append(
                {"mean_threshold": mu, "initial_defected_share": start, "final_share": finals[-1]}
            )
        ax.plot(
            MEANS,
            finals,
            marker=marker,
            linestyle="none",
            markersize=6,
            markerfacecolor="none",
            markeredgecolor="#0072B2" if start == 0 else "#009E73",
            label=f"simulation, {label}",
        )
    # below the lower fold the low equilibrium is gone: the cascade jumps to the top
    ax.annotate(
        "",
        xy=(folds[0][0] - 0.012, 0.95),
        xytext=(folds[0][0] - 0.012, 0.07),
        arrowprops={"arrowstyle": "->", "color": "#0072B2", "lw": 1.2},
    )
    ax.text(
        folds[0][0] - 0.02,
        0.5,
        "cascade: the low\nequilibrium is gone",
        ha="right",
        fontsize=8,
        color="#0072B2",
    )
    ax.set_xlabel("mean threshold mu (share of officials who must have defected)")
    ax.set_ylabel("share defected at equilibrium x*")
    ax.set_xlim(0, 1)
    ax.set_ylim(-0.03, 1.03)
    ax.grid(alpha=0.3)
    ax.legend(loc="center right", fontsize=8)
    ax.set_title(
        f"Hysteresis of the threshold map x -> Phi((x - mu) / {SIGMA}): folds at "
        f"{folds[0][0]:.4f} and {folds[1][0]:.4f}\n"
        "defection is absorbing, so runs reach the upper branch only when started above it\n"
        "homogeneous mean field of Granovetter's normal thresholds (peer term only); not the "
        "Syria scenario (see sim.analysis.cascades)",
        fontsize=10,
    )
    data = pd.concat(
        [diagram.assign(kind="mean field"), pd.DataFrame(simulated).assign(kind="simulation")],
        ignore_index=True,
    )
    save(fig, "bifurcation", data)


if __name__ == "__main__":
    main()
