"""The losing-side argument: the Syria scenario with and without the retribution term
(loyalists punished if the regime falls) and with and without contempt for late
defectors, 200 replicates each, for myopic officials and for officials who look ahead
(ODD 7.8) side by side: which term creates the tipping point, and whether contempt
slows the rush or speeds it.

    .venv/bin/python experiments/losing_side.py

Writes figures/losing_side.* (share and defections per week, both kinds of officials),
figures/losing_side_summary.csv, and figures/contempt_by_expectations.* (the effect of
contempt 0.9 vs 0 on the rush, with 95 % intervals, for each kind of expectations and
each timing rule).
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from common import FIGURES, replicates, save
from scipy import stats

from sim.analysis.plots import series_style

N_REPLICATES = 200
CONDITIONS = {
    "retribution and contempt (syria_stylized)": [],
    "retribution, no contempt": ["model.late_defector_contempt=0"],
    "no retribution, contempt": ["model.retribution_weight=0"],
    "neither": ["model.retribution_weight=0", "model.late_defector_contempt=0"],
}
OFFICIALS = {
    "myopic officials": ["model.expectations=myopic", "model.timing=threshold"],
    "officials who look ahead": ["model.expectations=extrapolative", "model.timing=stopping"],
}
CALL_STEP = 69  # the ambassador's call to follow, 2012-07-11


def weekly_defections(batch) -> np.ndarray:
    """(runs, steps) visible defections of unnamed officials per step."""
    steps = batch.curves["share_defected"].shape[0]
    named = np.array([bool(n) for n in batch.labels.names])
    return np.stack(
        [np.bincount(s[(s > 0) & ~named], minlength=steps)[:steps] for s in batch.defection_step]
    )


def losing_side() -> None:
    fig, axes = plt.subplots(2, 2, figsize=(13, 8.5), layout="constrained", sharex=True)
    rows, timing = [], []
    for k, (officials, kind) in enumerate(OFFICIALS.items()):
        curves_ax, timing_ax = axes[k]
        for i, (label, overrides) in enumerate(CONDITIONS.items()):
            batch = replicates(kind + overrides, N_REPLICATES, details=True)[1]
            share = batch.curves["share_defected"]
            steps = np.arange(share.shape[0])
            mean = share.mean(axis=1)
            half = 1.96 * share.std(axis=1, ddof=1) / np.sqrt(N_REPLICATES)
            style = series_style(i)
            curves_ax.plot(steps, mean, label=label, **style)
            curves_ax.fill_between(
                steps, mean - half, mean + half, color=style["color"], alpha=0.2, lw=0
            )
            weekly = weekly_defections(batch)
            timing_ax.plot(steps, weekly.mean(axis=0), label=label, **style)
            defection_steps = batch.defection_step[batch.defection_step > 0]
            after = defection_steps[defection_steps > CALL_STEP]
            rows.append(
                {
                    "officials": officials,
                    "condition": label,
                    "final_share_mean": share[-1].mean(),
                    "rush_week_mean": weekly.argmax(axis=1).mean(),
                    "rush_size_mean": weekly.max(axis=1).mean(),
                    "p_cascade": float(np.mean(share[-1] >= 0.5)),
                    "median_defection_step_after_call": float(np.median(after))
                    if len(after)
                    else np.nan,
                }
            )
            timing.append(
                pd.DataFrame(
                    {
                        "officials": officials,
                        "condition": label,
                        "step": steps,
                        "share_mean": mean,
                        "defections_per_run": weekly.mean(axis=0),
                    }
                )
            )
        for ax in (curves_ax, timing_ax):
            ax.axvline(CALL_STEP, color="0.3", linestyle=":", linewidth=1)
            ax.grid(alpha=0.3)
        curves_ax.set_ylabel(f"{officials}\nshare defected (mean, 95 % band)")
        curves_ax.set_ylim(-0.02, 1.02)
        timing_ax.set_ylabel("defections per week (mean per run)")
        curves_ax.legend(loc="upper left", fontsize=8)
    axes[0, 0].set_title("Who defects: the share over time", fontsize=10)
    axes[0, 1].set_title("When they defect: defections per week", fontsize=10)
    for ax in axes[1]:
        ax.set_xlabel("time, step (7 days from 2011-03-15); dotted: the call to follow")
    fig.suptitle(
        f"The losing-side argument, syria_stylized, {N_REPLICATES} replicates per condition: "
        "retribution for loyalists on the losing side, contempt for late defectors",
        fontsize=11,
    )
    save(fig, "losing_side", pd.concat(timing, ignore_index=True))
    summary = pd.DataFrame(rows)
    with pd.option_context("display.width", 160, "display.max_columns", 20):
        print(summary.round(3).to_string(index=False))
    summary.to_csv(FIGURES / "losing_side_summary.csv", index=False)


def contempt_by_expectations() -> None:
    """Contempt 0.9 vs 0 (paired seeds): the change of the rush week and of the rush
    size, with 95 % t-intervals, for each kind of expectations and timing rule."""
    rows = []
    for expectations in ("myopic", "adaptive", "extrapolative"):
        for timing in ("threshold", "stopping"):
            kind = [f"model.expectations={expectations}", f"model.timing={timing}"]
            runs = {
                c: weekly_defections(
                    replicates(
                        [*kind, f"model.late_defector_contempt={c}"], N_REPLICATES, details=True
                    )[1]
                )
                for c in (0.0, 0.9)
            }
            for metric, of in (("rush_week", np.argmax), ("rush_size", np.max)):
                d = (of(runs[0.9], axis=1) - of(runs[0.0], axis=1)).astype(float)
                half = stats.t.ppf(0.975, len(d) - 1) * d.std(ddof=1) / np.sqrt(len(d))
                anyone = runs[0.0].sum() + runs[0.9].sum() > 0
                rows.append(
                    {
                        "expectations": expectations,
                        "timing": timing,
                        "metric": metric,
                        "mean_difference": d.mean() if anyone else np.nan,
                        "low": d.mean() - half if anyone else np.nan,
                        "high": d.mean() + half if anyone else np.nan,
                        "defections": int(runs[0.0].sum() + runs[0.9].sum()),
                    }
                )
    data = pd.DataFrame(rows)
    fig, axes = plt.subplots(1, 2, figsize=(11, 4), layout="constrained")
    for ax, metric, label in zip(
        axes,
        ("rush_week", "rush_size"),
        ("rush week: later (+) or earlier (−), weeks", "rush size: defections that week"),
        strict=True,
    ):
        part = data[data["metric"] == metric].reset_index(drop=True)
        for j, row in part.iterrows():
            style = series_style(0 if row["timing"] == "threshold" else 1)
            if np.isnan(row["mean_difference"]):
                ax.text(j, 0, "nobody\nleaves", ha="center", va="center", fontsize=7, color="0.4")
                continue
            ax.errorbar(
                [j],
                [row["mean_difference"]],
                yerr=[
                    [row["mean_difference"] - row["low"]],
                    [row["high"] - row["mean_difference"]],
                ],
                fmt=style["marker"],
                color=style["color"],
                capsize=4,
            )
        ax.axhline(0, color="0.5", linewidth=0.8)
        ax.set_xticks(
            range(len(part)),
            [f"{r.expectations}\n{r.timing}" for r in part.itertuples()],
            fontsize=8,
        )
        ax.set_ylabel(label, fontsize=9)
        ax.grid(alpha=0.3, axis="y")
    fig.suptitle(
        "Contempt for late defectors (0.9 vs 0), syria_stylized: its effect on the rush for each "
        f"kind of expectations and timing rule, {N_REPLICATES} paired seeds, 95 % intervals",
        fontsize=10,
    )
    save(fig, "contempt_by_expectations", data)
    print(data.round(3).to_string(index=False))


if __name__ == "__main__":
    losing_side()
    contempt_by_expectations()
