"""``python -m sim.calibrate [CONFIG]``: fit a scenario's free parameters to the record.

    .venv/bin/python -m sim.calibrate                    # configs/calibration/syria_2012.yaml
    .venv/bin/python -m sim.calibrate configs/calibration/syria_2012.yaml --workers 2
    .venv/bin/python -m sim.calibrate --recover 10       # parameter recovery

Writes into the config's folder (default outputs/calibration/<name>/): one file per
finished generation (re-running resumes), ``posterior.csv`` (the last generation's
particles and weights), ``summary.csv`` (posterior mean, sd and 90 % interval of each
parameter), ``points.csv`` (every calibration and held-out point: observed, predictive
median and 90 % band, inside or not), ``role_mix.csv`` (the tracker's April 2013 mix
against its bands) and ``predictive.npz`` (the posterior-predictive draws). Bad input
ends with one line (exit 2) and writes nothing.
"""

from __future__ import annotations

import argparse
import csv
import io
import sys
from pathlib import Path

import numpy as np

from sim.calibrate.calibration import MIX
from sim.errors import ConfigError
from sim.files import atomic_write

DEFAULT = "configs/calibration/syria_2012.yaml"


def write_rows(path: Path, rows: list[dict]) -> None:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    atomic_write(path, lambda f: f.write(buffer.getvalue()))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("config", nargs="?", default=DEFAULT)
    parser.add_argument("--workers", type=int, default=None, help="processes (default: all cores)")
    parser.add_argument("--folder", default=None, help="where to write (default: the config's)")
    parser.add_argument(
        "--recover", type=int, default=0, metavar="N", help="parameter recovery, N cases"
    )
    args = parser.parse_args(argv)
    from sim.calibrate import calibration as cal_mod
    from sim.calibrate.abc import summary

    try:
        if args.workers is not None and args.workers < 1:
            raise ConfigError("--workers", args.workers, "an integer >= 1")
        cal = cal_mod.load_config(args.config)
        folder = Path(args.folder or cal.folder)
        if args.recover:
            rows = cal_mod.recover(cal, args.recover, folder / "recovery", args.workers)
            write_rows(folder / "recovery.csv", rows)
            inside = {}
            for r in rows:
                inside.setdefault(r["parameter"], []).append(r["inside"])
            for name, hits in inside.items():
                print(f"{name}: truth inside the 90 % interval in {sum(hits)} of {len(hits)} cases")
            return
        print(
            f"calibrating {cal.scenario} on {cal.record} up to {cal.fit_until} into {folder}",
            file=sys.stderr,
        )
        generations, state = cal_mod.calibrate(cal, folder, args.workers)
    except ConfigError as e:
        print(f"error: {e}", file=sys.stderr)
        raise SystemExit(2) from None
    posterior = generations[-1]
    names = state["names"]
    write_rows(
        folder / "posterior.csv",
        [
            {**dict(zip(names, map(float, p), strict=True)), "weight": float(w)}
            for p, w in zip(posterior.params, posterior.weights, strict=True)
        ],
    )
    rows = summary(names, posterior)
    write_rows(folder / "summary.csv", rows)
    pred = cal_mod.predictive(cal, posterior, state)
    points = cal_mod.held_out_table(pred, cal.predictive.level)
    write_rows(folder / "points.csv", points)
    mix = [i for i in MIX if any(p.id == i for p in pred["points"])]
    if mix:
        write_rows(folder / "role_mix.csv", cal_mod.role_mix(pred, mix, cal.predictive.level))
    buffer = io.BytesIO()
    np.savez(buffer, counts=pred["counts"], particles=pred["particles"])
    atomic_write(folder / "predictive.npz", buffer.getvalue())
    for r in rows:
        interval = f"[{r['low']:.3g}, {r['high']:.3g}]"
        print(f"{r['parameter']}: mean {r['mean']:.3g}, 90 % interval {interval}")
    for p in points:
        if p["use"] == "held_out":
            where = "inside" if p["inside"] else "OUTSIDE"
            band = f"[{p['band_low']:.0f}, {p['band_high']:.0f}]"
            print(
                f"held out {p['id']}: observed {p['observed']}, "
                f"predicted {p['predicted_median']:.0f} {band}: {where}"
            )
    print(f"written: {folder}")


if __name__ == "__main__":
    main()
