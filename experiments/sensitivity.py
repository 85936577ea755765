"""Sobol sensitivity (SALib) of the final share defected and of the time of tipping
(step of the steepest rise) to six parameters of syria_stylized. Saltelli sampling with
N = 256 (2,048 parameter points), each the mean of 4 replicates (the same 4 seeds at every
point), on all cores.

    .venv/bin/python experiments/sensitivity.py
"""

from __future__ import annotations

import os
from concurrent.futures import ProcessPoolExecutor

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from common import STUDY_SCENARIO, compose_config, replicates_of, save, validate
from SALib.analyze import sobol
from SALib.sample import sobol as sobol_sample

from sim.analysis.summary import summaries

PROBLEM = {
    "num_vars": 6,
    "names": [
        "peer_weight",
        "tribal_pressure_weight",
        "danger_weight",
        "retribution_weight",
        "late_defector_contempt",
        "detection_probability",
    ],
    "bounds": [[0.0, 1.2], [0.0, 1.0], [0.0, 0.8], [0.0, 2.0], [0.0, 0.6], [0.0, 0.2]],
}
N_BASE = 256
N_REPLICATES = 4


BASE = validate(compose_config(STUDY_SCENARIO))


def evaluate(point: np.ndarray) -> tuple[float, float]:
    batch = replicates_of(
        BASE, N_REPLICATES, **dict(zip(PROBLEM["names"], map(float, point), strict=True))
    )
    figures = summaries(batch.curves)
    # a run that never rises "tips" at the last step
    tipping = np.where(figures["steepest_rise_step"] < 0, BASE.steps, figures["steepest_rise_step"])
    return float(figures["final_share"].mean()), float(tipping.mean())


def main() -> None:
    sample = sobol_sample.sample(PROBLEM, N_BASE, calc_second_order=False, seed=0)
    with ProcessPoolExecutor(max_workers=os.cpu_count()) as pool:
        results = np.array(list(pool.map(evaluate, sample, chunksize=32)))
    indices = {}
    for j, output in enumerate(["final share defected", "time of tipping (step)"]):
        # seed 1, not 0: SALib (1.6.0) tests `if seed:`, so seed=0 leaves the bootstrap of the
        # confidence intervals unseeded (they changed from one run to the next)
        si = sobol.analyze(PROBLEM, results[:, j], calc_second_order=False, seed=1)
        indices[output] = si
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.8), layout="constrained", sharey=True)
    names = [n.replace("_", " ") for n in PROBLEM["names"]]
    y = np.arange(len(names))
    rows = []
    for ax, (output, si) in zip(axes, indices.items(), strict=True):
        ax.barh(
            y - 0.18,
            si["S1"],
            height=0.35,
            xerr=si["S1_conf"],
            color="#0072B2",
            label="first order S1",
            capsize=3,
        )
        ax.barh(
            y + 0.18,
            si["ST"],
            height=0.35,
            xerr=si["ST_conf"],
            color="#E69F00",
            hatch="//",
            edgecolor="black",
            linewidth=0.5,
            label="total ST",
            capsize=3,
        )
        ax.set_title(output, fontsize=10)
        ax.set_xlabel("Sobol index (95 % bootstrap interval)")
        ax.axvline(0, color="black", linewidth=0.8)
        ax.grid(axis="x", alpha=0.3)
        for k, name in enumerate(PROBLEM["names"]):
            rows.append(
                {
                    "output": output,
                    "parameter": name,
                    "S1": si["S1"][k],
                    "S1_conf": si["S1_conf"][k],
                    "ST": si["ST"][k],
                    "ST_conf": si["ST_conf"][k],
                }
            )
    axes[0].set_yticks(y, names)
    axes[0].invert_yaxis()
    axes[0].legend(loc="lower right", fontsize=8)
    ranges = ", ".join(
        f"{n} {lo:g}-{hi:g}" for n, (lo, hi) in zip(names, PROBLEM["bounds"], strict=True)
    )
    fig.suptitle(
        f"Sobol sensitivity of syria_stylized (SALib; N = {N_BASE}, {len(sample)} points x "
        f"{N_REPLICATES} replicates)\nranges: {ranges}",
        fontsize=10,
    )
    save(fig, "sensitivity", pd.DataFrame(rows))


if __name__ == "__main__":
    main()
