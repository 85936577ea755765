"""Tipping curve: final share defected and P(cascade) against the weight of personal
danger (rebellion at home), syria_stylized, 100 replicates per value; the tipping point
(where P(cascade) crosses 1/2, logistic fit) with its 95 % bootstrap interval.

    .venv/bin/python experiments/tipping_curve.py
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from common import replicates, run_table, save

from sim import analysis
from sim.analysis.plots import series_style

PARAMETER = "model.danger_weight"
VALUES = np.round(np.arange(0.0, 0.81, 0.05), 2)
N_REPLICATES = 100
CUTOFF = 0.5  # a run cascades when at least half of the officials defect


def main() -> None:
    runs = pd.concat(
        [
            run_table(replicates([f"{PARAMETER}={v}"], N_REPLICATES)[1], **{PARAMETER: v})
            for v in VALUES
        ],
        ignore_index=True,
    )
    tp = analysis.tipping_point(runs, PARAMETER, cutoff=CUTOFF, n_boot=1000)
    prob = analysis.cascade_probability(runs, PARAMETER, cutoff=CUTOFF)
    share = runs.groupby(PARAMETER)["final_share"].agg(["mean", "std", "count"])
    half = 1.96 * share["std"] / np.sqrt(share["count"])

    fig, ax = plt.subplots(figsize=(8.5, 5.5), layout="constrained")
    ax.axvspan(
        tp.low,
        tp.high,
        color="0.85",
        label=f"tipping point 95 % interval [{tp.low:.3f}, {tp.high:.3f}]",
    )
    ax.axvline(
        tp.estimate,
        color="0.3",
        linestyle="--",
        label=f"tipping point (P = 1/2): {tp.estimate:.3f}",
    )
    ax.errorbar(
        prob[PARAMETER],
        prob["p_cascade"],
        yerr=np.maximum(0, [prob["p_cascade"] - prob["low"], prob["high"] - prob["p_cascade"]]),
        label=f"P(cascade: final share ≥ {CUTOFF}), Wilson 95 %",
        capsize=3,
        **series_style(1) | {"markevery": 1},
    )
    ax.errorbar(
        share.index,
        share["mean"],
        yerr=half,
        label="final share defected, mean ± 95 %",
        capsize=3,
        **series_style(0) | {"markevery": 1},
    )
    u = np.linspace(VALUES[0], VALUES[-1], 200)
    ax.plot(
        u,
        1 / (1 + np.exp(-tp.slope * (u - tp.estimate))),
        color="0.3",
        linewidth=1,
        label="logistic fit of P(cascade)",
    )
    ax.set_xlabel("danger weight w_danger (dimensionless: pull of the rebellion at home)")
    ax.set_ylabel("share of officials / probability")
    ax.set_ylim(-0.02, 1.02)
    ax.grid(alpha=0.3)
    ax.legend(loc="upper left", fontsize=8)
    ax.set_title(
        f"syria_stylized: the danger weight tips the regime's officials\n"
        f"{len(VALUES)} values x {N_REPLICATES} replicates; "
        f"largest jump of the mean final share near {tp.jump:.3f}",
        fontsize=11,
    )
    data = prob.merge(
        share.reset_index().rename(
            columns={"mean": "final_share_mean", "std": "final_share_sd", "count": "n"}
        )
    )
    data = data.assign(
        tipping_point=tp.estimate, tipping_low=tp.low, tipping_high=tp.high, jump=tp.jump
    )
    save(fig, "tipping_curve", data)
    print(f"tipping point {tp.estimate:.3f} [{tp.low:.3f}, {tp.high:.3f}], jump near {tp.jump:.3f}")


if __name__ == "__main__":
    main()
