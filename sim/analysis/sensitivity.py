"""Variance-based (Sobol) sensitivity indices of a sweep over a Sobol sample.

The sample (:func:`sim.run.samplers.sobol`) is Saltelli's design: base rows A, second
rows B and, per parameter i, rows AB_i (A with parameter i from B); each point's
``sample.block`` and ``sample.row`` are columns of the sweep's ``runs`` table. With f
the output averaged over a point's replicates, Var(f) estimated over A and B together:

- first order (Saltelli et al. 2010, eq. b): S1_i = mean(f_B · (f_ABi − f_A)) / Var(f);
- total (Jansen 1999): ST_i = mean((f_A − f_ABi)²) / (2 · Var(f)).

Intervals are percentile bootstraps over the base rows.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def sobol_indices(
    runs: pd.DataFrame,
    output: str = "final_share",
    n_boot: int = 1000,
    level: float = 0.95,
    seed: int = 0,
) -> pd.DataFrame:
    """First-order and total Sobol indices of ``output`` (a column of ``runs``, averaged
    over each point's replicates) for each sampled parameter.

    Returns one row per parameter: ``parameter, S1, S1_low, S1_high, ST, ST_low, ST_high``.
    """
    if "sample.block" not in runs:
        raise ValueError("not a Sobol sample's runs: no 'sample.block' column (sim.api.sobol)")
    means = runs.groupby(["sample.row", "sample.block"])[output].mean().unstack("sample.block")
    blocks = [b for b in means.columns if b.startswith("AB:")]
    if "A" not in means or "B" not in means or not blocks:
        raise ValueError("the Sobol sample is incomplete: blocks A, B and AB:<key> are needed")
    means = means.dropna()
    f_a, f_b = means["A"].to_numpy(), means["B"].to_numpy()
    rng = np.random.default_rng(seed)
    n = len(means)
    boot_rows = [np.arange(n)] + [rng.integers(0, n, n) for _ in range(n_boot)]
    alpha = (1 - level) / 2
    rows = []
    for block in blocks:
        f_ab = means[block].to_numpy()
        s1, st = [], []
        for idx in boot_rows:
            var = np.var(np.concatenate([f_a[idx], f_b[idx]]), ddof=1)
            if not var > 0:
                s1.append(np.nan)
                st.append(np.nan)
                continue
            s1.append(np.mean(f_b[idx] * (f_ab[idx] - f_a[idx])) / var)
            st.append(np.mean((f_a[idx] - f_ab[idx]) ** 2) / (2 * var))
        s1_b, st_b = np.array(s1[1:]), np.array(st[1:])
        rows.append(
            {
                "parameter": block[3:],
                "S1": s1[0],
                "S1_low": np.nanquantile(s1_b, alpha),
                "S1_high": np.nanquantile(s1_b, 1 - alpha),
                "ST": st[0],
                "ST_low": np.nanquantile(st_b, alpha),
                "ST_high": np.nanquantile(st_b, 1 - alpha),
            }
        )
    return pd.DataFrame(rows)
