"""Phase diagram: P(cascade) over the danger weight and the retribution weight (the
losing-side fear), syria_stylized, 40 replicates per cell; the contour P = 1/2 marks the
boundary between regimes that tip and regimes that hold.

    .venv/bin/python experiments/phase_diagram.py
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from common import replicates, run_table, save

from sim import analysis

DANGER = np.round(np.arange(0.0, 0.61, 0.05), 2)
RETRIBUTION = np.round(np.arange(0.0, 2.01, 0.25), 2)
N_REPLICATES = 40
CUTOFF = 0.5


def main() -> None:
    tables = []
    for d in DANGER:
        for w in RETRIBUTION:
            _, batch = replicates(
                [f"model.danger_weight={d}", f"model.retribution_weight={w}"], N_REPLICATES
            )
            tables.append(run_table(batch, danger_weight=d, retribution_weight=w))
    runs = pd.concat(tables, ignore_index=True)
    runs["cascade"] = runs["final_share"] >= CUTOFF
    cells = (
        runs.groupby(["danger_weight", "retribution_weight"])
        .agg(
            cascades=("cascade", "sum"),
            runs=("cascade", "size"),
            final_share=("final_share", "mean"),
        )
        .reset_index()
    )
    low, high = analysis.wilson_interval(cells["cascades"], cells["runs"])
    cells = cells.assign(p_cascade=cells["cascades"] / cells["runs"], low=low, high=high)
    grid = cells.pivot(index="retribution_weight", columns="danger_weight", values="p_cascade")

    fig, ax = plt.subplots(figsize=(8, 6), layout="constrained")
    mesh = ax.pcolormesh(
        grid.columns, grid.index, grid.to_numpy(), cmap="cividis", vmin=0, vmax=1, shading="nearest"
    )
    contour = ax.contour(
        grid.columns,
        grid.index,
        grid.to_numpy(),
        levels=[0.5],
        colors="white",
        linewidths=2,
        linestyles="--",
    )
    ax.clabel(contour, fmt={0.5: "P = 1/2"}, fontsize=9)
    ax.plot(
        [0.4],
        [1.0],
        marker="*",
        markersize=14,
        color="white",
        markeredgecolor="black",
        linestyle="none",
        label="syria_stylized as configured",
    )
    fig.colorbar(mesh, ax=ax, label=f"P(cascade): share of runs with final share ≥ {CUTOFF}")
    ax.set_xlabel("danger weight w_danger (dimensionless)")
    ax.set_ylabel("retribution weight w_ret (dimensionless: the losing-side fear)")
    ax.set_title(
        f"syria_stylized: where the regime tips\n{len(DANGER)} x {len(RETRIBUTION)} cells x "
        f"{N_REPLICATES} replicates",
        fontsize=11,
    )
    ax.legend(loc="upper left", fontsize=8)
    save(fig, "phase_diagram", cells)
    for w in RETRIBUTION:
        row = grid.loc[w]
        x, p = row.index.to_numpy(dtype=float), row.to_numpy()
        i = int(np.argmax(p >= 0.5))
        if p[i] >= 0.5 and i > 0:  # linear interpolation between the neighbouring cells
            x50 = x[i - 1] + (0.5 - p[i - 1]) * (x[i] - x[i - 1]) / (p[i] - p[i - 1])
            print(f"retribution weight {w:g}: P(cascade) = 1/2 at danger weight {x50:.2f}")


if __name__ == "__main__":
    main()
