"""Officials who look ahead: the predictions of timing games, tested on the Syria scenario.

Two kinds of officials, the same in everything else:

- **myopic**: `expectations=myopic`, `timing=threshold` (the model so far);
- **foresight**: `expectations=extrapolative`, `timing=stopping` (ODD 7.8): they
  extrapolate the trend of the regime's survival and of the share defected, and leave
  when waiting one more step costs more than it pays.

Each prediction compares two conditions over the same seeds (paired design) and reports
the paired mean difference of a metric fixed in advance, with a 95 % interval, for each
kind of official. `tests/test_timing.py` tests each on 40 seeds; the figure uses 200.

    .venv/bin/python experiments/timing.py             # figures/timing_predictions.*
    .venv/bin/python experiments/timing.py --seeds 40  # quicker

The predictions (source), the conditions compared, and the metric:

- P1: with foresight, contempt for late defectors brings the rush earlier and sharper;
  the sign flips against myopic officials (Anderson, Smith & Park 2017, "fear").
  late_defector_contempt 0.9 vs 0; rush week (the week with most visible defections)
  and rush size (the defections that week).
- P2: privileges that rise for the last loyalists move the rush later (ASP 2017,
  "greed"). loyalty_bonus 2 vs 0; rush week.
- P3: a public high-profile defection makes others move at once, more with foresight
  (Brunnermeier & Morgan 2010). With vs without the ambassador's defection; officials
  who start preparing the week after his call.
- P4: a common public shock shortens the delay (Brunnermeier & Morgan 2010). With vs
  without the July 2012 talks; weeks from the talks to the first week with 5 or more
  visible defections (the end of the run if none).
- P5: propping the regime up for a while can bring more early exits (He & Xiong 2012).
  A survival shock of +1 from week 40, withdrawn at week 60, vs none; officials visibly
  defected by week 75.
- P6: where officials can delay, P(cascade) rises with contempt (Dasgupta 2007).
  late_defector_contempt 0.9 vs 0; cascade (final share >= 1/2).
"""

from __future__ import annotations

import argparse
import functools
import sys
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from common import replicates

KINDS = {
    "myopic": ["model.expectations=myopic", "model.timing=threshold"],
    "foresight": ["model.expectations=extrapolative", "model.timing=stopping"],
}
CALL = 69  # the ambassador's call to follow, and the talks: week of 2012-07-09
SEEDS = 40
_WITHOUT_AMBASSADOR = [
    "events_file=null",
    "events=[{kind: arrest, date: 2012-05-01, official: republican_guard_general},"
    " {kind: defection, date: 2012-07-05, official: republican_guard_general},"
    " {kind: survival_shock, date: 2012-07-09, size: -0.25}]",
]
_WITHOUT_TALKS = [
    "events_file=null",
    "events=[{kind: arrest, date: 2012-05-01, official: republican_guard_general},"
    " {kind: defection, date: 2012-07-05, official: republican_guard_general},"
    " {kind: defection, date: 2012-07-11, official: ambassador_to_iraq,"
    " broadcast_multiplier: 2.0}]",
]
# the scenario's four events (an events override replaces its list) and the two shocks
_PROPPED = [
    "events=[{kind: arrest, date: 2012-05-01, official: republican_guard_general},"
    " {kind: defection, date: 2012-07-05, official: republican_guard_general},"
    " {kind: survival_shock, date: 2012-07-09, size: -0.25},"
    " {kind: defection, date: 2012-07-11, official: ambassador_to_iraq,"
    " broadcast_multiplier: 2.0},"
    " {kind: survival_shock, step: 40, size: 1.0}, {kind: survival_shock, step: 60, size: -1.0}]"
]
CONDITIONS = {
    "syria": [],
    "no_contempt": ["model.late_defector_contempt=0"],
    "high_contempt": ["model.late_defector_contempt=0.9"],
    "loyalty_bonus": ["model.loyalty_bonus=2.0"],
    "no_ambassador": _WITHOUT_AMBASSADOR,
    "no_talks": _WITHOUT_TALKS,
    "propped": _PROPPED,
}


@functools.cache
def outcomes(kind: str, condition: str, seeds: int = SEEDS) -> dict[str, np.ndarray]:
    """Per-run metrics (arrays over seeds 0..seeds-1 of the replicate seeds)."""
    run, batch = replicates(KINDS[kind] + CONDITIONS[condition], seeds, details=True)
    steps = run.steps + 1
    unnamed = np.array([not name for name in batch.labels.names])
    steps_of = batch.defection_step
    weekly = np.stack(
        [np.bincount(s[(s > 0) & unnamed], minlength=steps)[:steps] for s in steps_of]
    )
    started = np.zeros(seeds)
    for r in range(seeds):
        started[r] = sum(
            1
            for e in batch.events(r)
            if e["from"] == "loyal" and not e["name"] and e["step"] == CALL + 1
        )
    rush_after = np.array(
        [next((t for t in range(CALL, steps) if w[t] >= 5), steps - 1) - CALL for w in weekly]
    )
    return {
        "rush_week": weekly.argmax(axis=1).astype(float),
        "rush_size": weekly.max(axis=1).astype(float),
        "started_after_call": started,
        "delay_to_rush": rush_after.astype(float),
        "defected_by_75": weekly[:, :76].sum(axis=1).astype(float),
        "cascade": (batch.curves["share_defected"][-1] >= 0.5).astype(float),
        "final_share": batch.curves["share_defected"][-1],
    }


#: prediction -> (condition, baseline, metric, expected sign of condition - baseline)
PREDICTIONS = {
    "P1 rush week": ("high_contempt", "no_contempt", "rush_week", -1),
    "P1 rush size": ("high_contempt", "no_contempt", "rush_size", +1),
    "P2 rush week": ("loyalty_bonus", "syria", "rush_week", +1),
    "P3 herding": ("syria", "no_ambassador", "started_after_call", +1),
    "P4 delay": ("syria", "no_talks", "delay_to_rush", -1),
    "P5 early exits": ("propped", "syria", "defected_by_75", +1),
    "P6 P(cascade)": ("high_contempt", "no_contempt", "cascade", +1),
}


def effect(kind: str, prediction: str, seeds: int = SEEDS) -> np.ndarray:
    """Paired differences (condition - baseline) of the prediction's metric."""
    condition, baseline, metric, _ = PREDICTIONS[prediction]
    return outcomes(kind, condition, seeds)[metric] - outcomes(kind, baseline, seeds)[metric]


def table(seeds: int) -> pd.DataFrame:
    """Mean paired difference and its 95 % t-interval, per prediction and kind."""
    from scipy import stats

    rows = []
    for prediction, (_, _, metric, sign) in PREDICTIONS.items():
        for kind in KINDS:
            d = effect(kind, prediction, seeds)
            half = stats.t.ppf(0.975, len(d) - 1) * d.std(ddof=1) / np.sqrt(len(d))
            rows.append(
                {
                    "prediction": prediction,
                    "kind": kind,
                    "metric": metric,
                    "expected_sign": sign,
                    "mean_difference": d.mean(),
                    "low": d.mean() - half,
                    "high": d.mean() + half,
                    "as_predicted": bool(
                        np.sign(d.mean()) == sign and (d.mean() - half) * sign > 0
                    ),
                    "seeds": len(d),
                }
            )
    return pd.DataFrame(rows)


def figure(data: pd.DataFrame):
    """One panel per prediction: the paired difference with its interval, per kind."""
    import matplotlib.pyplot as plt

    from sim.analysis.plots import series_style

    predictions = list(PREDICTIONS)
    fig, axes = plt.subplots(1, len(predictions), figsize=(16, 3.6), layout="constrained")
    for ax, prediction in zip(axes, predictions, strict=True):
        rows = data[data["prediction"] == prediction]
        for j, row in enumerate(rows.itertuples()):
            style = series_style(j)
            ax.errorbar(
                [j],
                [row.mean_difference],
                yerr=[[row.mean_difference - row.low], [row.high - row.mean_difference]],
                fmt=style["marker"],
                color=style["color"],
                capsize=4,
                markersize=7,
            )
        ax.axhline(0, color="0.5", linewidth=0.8)
        sign = rows["expected_sign"].iloc[0]
        ax.set_title(f"{prediction}\n(predicted {'+' if sign > 0 else '−'})", fontsize=9)
        ax.set_xticks(range(len(rows)), rows["kind"].tolist(), fontsize=8)
        ax.set_xlim(-0.6, len(rows) - 0.4)
        ax.tick_params(axis="y", labelsize=8)
        metric = rows["metric"].iloc[0]
        ax.set_ylabel("P(cascade)" if metric == "cascade" else metric.replace("_", " "), fontsize=8)
    fig.suptitle(
        "Timing-game predictions: paired differences (condition − baseline), 95 % intervals, "
        f"{int(data['seeds'].iloc[0])} seeds",
        fontsize=10,
    )
    return fig


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=200)
    args = parser.parse_args()
    from common import save

    data = table(args.seeds)
    with pd.option_context("display.width", 140, "display.max_columns", 20):
        print(data.round(3).to_string(index=False))
    save(figure(data), "timing_predictions", data)


if __name__ == "__main__":
    main()
