"""The losing-side argument: the Syria scenario with and without the retribution term
(loyalists punished if the regime falls) and with and without contempt for late
defectors, 200 replicates each: which one creates the tipping point, and how contempt
changes the timing of defections.

    .venv/bin/python experiments/losing_side.py
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from common import FIGURES, replicates, save

from sim.analysis.plots import series_style

N_REPLICATES = 200
CONDITIONS = {
    "retribution and contempt (syria_2012)": [],
    "retribution, no contempt": ["model.late_defector_contempt=0"],
    "no retribution, contempt": ["model.retribution_weight=0"],
    "neither": ["model.retribution_weight=0", "model.late_defector_contempt=0"],
}
CALL_STEP = 69  # the ambassador's call to follow, 2012-07-11


def main() -> None:
    fig, (curves_ax, timing_ax) = plt.subplots(1, 2, figsize=(12, 5), layout="constrained")
    rows, timing = [], []
    for i, (label, overrides) in enumerate(CONDITIONS.items()):
        _, batch = replicates(overrides, N_REPLICATES)
        share = batch.curves["share_defected"]
        steps = np.arange(share.shape[0])
        mean = share.mean(axis=1)
        half = 1.96 * share.std(axis=1, ddof=1) / np.sqrt(N_REPLICATES)
        style = series_style(i)
        curves_ax.plot(steps, mean, label=label, **style)
        curves_ax.fill_between(
            steps, mean - half, mean + half, color=style["color"], alpha=0.2, lw=0
        )
        defection_steps = batch.defection_step[batch.defection_step > 0]
        weeks = np.bincount(defection_steps, minlength=len(steps))[: len(steps)] / N_REPLICATES
        timing_ax.plot(steps, weeks, label=label, **style | {"markevery": 0.1})
        after = defection_steps[defection_steps > CALL_STEP]
        rows.append(
            {
                "condition": label,
                "final_share_mean": share[-1].mean(),
                "peak_defections_per_week": float(weeks.max()),
                "p_cascade": float(np.mean(share[-1] >= 0.5)),
                "median_defection_step_after_call": float(np.median(after))
                if len(after)
                else np.nan,
                "defections_in_12_weeks_after_call": float(
                    np.sum(after <= CALL_STEP + 12) / N_REPLICATES
                ),
            }
        )
        timing.append(
            pd.DataFrame(
                {"condition": label, "step": steps, "share_mean": mean, "defections_per_run": weeks}
            )
        )
    for ax in (curves_ax, timing_ax):
        ax.axvline(CALL_STEP, color="0.3", linestyle=":", linewidth=1)
        ax.grid(alpha=0.3)
        ax.set_xlabel("time, step (7 days from 2011-03-15)")
    curves_ax.text(CALL_STEP + 1, 0.02, "call to follow", fontsize=8, color="0.3")
    curves_ax.set_ylabel("share defected (mean, 95 % band)")
    curves_ax.set_ylim(-0.02, 1.02)
    curves_ax.legend(loc="upper left", fontsize=8)
    curves_ax.set_title("Who defects: the share over time", fontsize=10)
    timing_ax.set_ylabel("defections per week (mean per run)")
    timing_ax.set_title("When they defect: defections per week", fontsize=10)
    timing_ax.legend(loc="upper left", fontsize=8)
    summary = pd.DataFrame(rows)
    fig.suptitle(
        f"The losing-side argument, syria_2012, {N_REPLICATES} replicates per condition: "
        "retribution for loyalists on the losing side, contempt for late defectors",
        fontsize=11,
    )
    save(fig, "losing_side", pd.concat(timing, ignore_index=True))
    print(summary.to_string(index=False))

    summary.to_csv(FIGURES / "losing_side_summary.csv", index=False)


if __name__ == "__main__":
    main()
