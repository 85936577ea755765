"""A calibration: the free parameters of a scenario fitted to the documented record by
ABC-SMC on the batched engine, with uncertainty, a posterior-predictive check against
the held-out record, and parameter recovery.

The config (``configs/calibration/*.yaml``) names the scenario, the record file, how the
record's groups map to the scenario's roles, the free parameters with their prior ranges
(the parameters no document gives), the date up to which the record is fitted, and the
sampler's settings. Particles share one draw of the tribes, regions and ties
(``structure_seed`` in the overrides), built once per worker; every particle has its own
traits and dynamics (its seed).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import multiprocessing as mp
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import yaml
from pydantic import BeforeValidator, Field, ValidationError

from sim.calibrate import record as rec
from sim.calibrate.abc import ABCSMC, Generation, Settings, summary
from sim.config.compose import compose_config
from sim.config.schema import Run, _Section, parse_date, resolve_path, translate, validate
from sim.core.parameters import MODEL_BY_NAME, TRAITS_BY_NAME
from sim.errors import ConfigError, one_of


def _date(value: Any) -> dt.date:
    return parse_date("", value)


#: The sampler's defaults, declared once (:class:`sim.calibrate.abc.Settings`).
_SAMPLER = {f.name: f.default for f in dataclasses.fields(Settings)}


class ABCConfig(_Section):
    """The sampler's settings in a calibration file (defaults: ``Settings``)."""

    particles: int = _SAMPLER["particles"]
    generations: int = _SAMPLER["generations"]
    quantile: float = _SAMPLER["quantile"]
    min_acceptance: float = _SAMPLER["min_acceptance"]
    seed: int = _SAMPLER["seed"]
    chunk: int = _SAMPLER["chunk"]


class PredictiveConfig(_Section):
    draws: int = 200
    level: float = 0.9
    seed: int = 1


class CalibrationConfig(_Section):
    """A calibration, checked (see the module docstring)."""

    scenario: str
    overrides: list[str] = Field(default_factory=list)
    record: str = "seeds/record.yaml"
    groups: dict[str, list[str]]
    fit_until: Annotated[dt.date, BeforeValidator(_date)]
    parameters: dict[str, list[float]]
    abc: ABCConfig = ABCConfig()
    predictive: PredictiveConfig = PredictiveConfig()
    folder: str


def load_config(path: str | Path) -> CalibrationConfig:
    p = resolve_path(path)
    if not p.is_file():
        raise ConfigError(
            "calibration", str(path), "a calibration file (configs/calibration/)", "not found"
        )
    try:
        raw = yaml.safe_load(p.read_text(encoding="utf-8"))
        return CalibrationConfig.model_validate(raw)
    except yaml.YAMLError as e:
        raise ConfigError("calibration", str(path), "a YAML file", type(e).__name__) from None
    except ValidationError as e:
        raise translate(e, CalibrationConfig) from None


# --- setting a free parameter ---------------------------------------------------------------
def apply(run: Run, values: Mapping[str, float]) -> Run:
    """``run`` with the free parameters set: ``model.<parameter>``, or a field of a trait's
    distribution, ``population.defaults.<trait>.<field>``,
    ``population.roles.<role>.<trait>.<field>``, ``population.tribes.<tribe>.<trait>.<field>``."""
    model = {k.split(".", 1)[1]: v for k, v in values.items() if k.startswith("model.")}
    if model:
        run = run.with_model(**model)
    population = run.population
    for key, value in values.items():
        if key.startswith("model."):
            continue
        parts = key.split(".")
        section, trait, field = parts[1], parts[-2], parts[-1]
        if section == "defaults":
            table = dict(population.defaults)
            table[trait] = dataclasses.replace(table[trait], **{field: value})
            population = population.model_copy(update={"defaults": table})
        else:
            entries = dict(getattr(population, section))
            entry = entries[parts[2]]
            traits = dict(entry.traits)
            traits[trait] = dataclasses.replace(traits[trait], **{field: value})
            entries[parts[2]] = entry.model_copy(update={"traits": traits})
            population = population.model_copy(update={section: entries})
    return run.model_copy(update={"population": population})


def check_parameters(cal: CalibrationConfig, run: Run) -> None:
    """Each free parameter exists in the scenario, and its prior lies within its range."""
    if not cal.parameters:
        raise ConfigError("parameters", {}, "at least one free parameter")
    for key, bounds in cal.parameters.items():
        where = f"parameters.{key}"
        if not (isinstance(bounds, list) and len(bounds) == 2 and bounds[0] < bounds[1]):
            raise ConfigError(where, bounds, "[low, high] with low < high")
        parts = key.split(".")
        if parts[0] == "model" and len(parts) == 2:
            spec = MODEL_BY_NAME.get(parts[1])
            if spec is None or spec.choices:
                raise ConfigError(
                    where, key, one_of(MODEL_BY_NAME, parts[1], "a numeric model parameter:")
                )
            if not (spec.accepts(bounds[0]) and spec.accepts(bounds[1])):
                raise ConfigError(
                    where, bounds, spec.allowed(), "the prior leaves the parameter's range"
                )
            continue
        if parts[0] != "population" or len(parts) not in (4, 5) or parts[-2] not in TRAITS_BY_NAME:
            raise ConfigError(
                where,
                key,
                "model.<parameter> or population.(defaults|roles.<r>|tribes.<t>).<trait>.<field>",
            )
        try:
            table = (
                run.population.defaults
                if parts[1] == "defaults"
                else getattr(run.population, parts[1])[parts[2]].traits
            )
            dist = table[parts[-2]]
        except (AttributeError, KeyError):
            raise ConfigError(where, key, "a trait distribution the scenario sets") from None
        if not hasattr(dist, parts[-1]):
            fields = [f.name for f in dataclasses.fields(dist)]
            raise ConfigError(
                where, key, one_of(fields, parts[-1], f"a field of its {type(dist).__name__}:")
            )


# --- the worker's state and the distance ------------------------------------------------------
_STATE: dict[str, Any] = {}


def prepare(cal: CalibrationConfig) -> dict[str, Any]:
    """Everything a worker needs: the checked scenario, the record's points, the groups,
    the shared structure and network."""
    from sim.world import build_structure_and_network
    from sim.world.streams import seed_streams

    run = validate(compose_config(f"scenario={cal.scenario}", *cal.overrides))
    check_parameters(cal, run)
    points = rec.load_record(cal.record)
    rec.check_countable(points, cal.groups, run)
    fit = [p for p in points if p.use == "calibration" and p.date <= cal.fit_until]
    if not fit:
        raise ConfigError("fit_until", str(cal.fit_until), "a date after some calibration points")
    held = [p for p in points if p.use == "held_out"]
    shared = None
    if run.structure_seed is not None:
        shared = build_structure_and_network(run, seed_streams(0, run.structure_seed))
    return {
        "run": run,
        "names": tuple(cal.parameters),
        "fit": fit,
        "held": held,
        "groups": cal.groups,
        "sizes": rec.role_sizes(run),
        "fit_steps": max(run.calendar.step_of(p.date) for p in fit),
        "shared": shared,
        "observed": np.array([p.value for p in fit]),
    }


def _init(state: dict[str, Any]) -> None:
    _STATE.clear()
    _STATE.update(state)


def simulate_counts(values: np.ndarray, seed: int, points, steps: int) -> np.ndarray:
    """The model's counts of ``points`` for one particle and seed (one engine run)."""
    from sim.engine.batch import run_batch

    s = _STATE
    run = apply(s["run"], dict(zip(s["names"], map(float, values), strict=True)))
    batch = run_batch(run, [seed], steps, shared=s["shared"])
    return rec.counts(batch.curves, points, s["groups"], s["sizes"], run.calendar)[:, 0]


def distance(simulated: np.ndarray, observed: np.ndarray) -> float:
    """Root mean square of the differences, each in units of sqrt(observed + 1)
    (about the standard deviation of a Poisson count)."""
    return float(np.sqrt(np.mean(((simulated - observed) / np.sqrt(observed + 1.0)) ** 2)))


def _evaluate(task) -> float:
    _, values, seed = task
    s = _STATE
    return distance(simulate_counts(values, seed, s["fit"], s["fit_steps"]), s["observed"])


class Pool:
    """The evaluation of candidates on ``workers`` processes (1: in this process)."""

    def __init__(self, state: dict[str, Any], workers: int) -> None:
        _init(state)
        self.workers = max(1, workers)
        self.pool = None
        if self.workers > 1:
            self.pool = mp.get_context("fork").Pool(
                self.workers, initializer=_init, initargs=(state,)
            )

    def __call__(self, tasks):
        if self.pool is None:
            return [_evaluate(t) for t in tasks]
        return self.pool.map(_evaluate, tasks, chunksize=max(1, len(tasks) // (4 * self.workers)))

    def close(self) -> None:
        if self.pool is not None:
            self.pool.terminate()
            self.pool.join()


def settings(cal: CalibrationConfig) -> Settings:
    low, high = zip(*cal.parameters.values(), strict=True)
    a = cal.abc
    return Settings(
        tuple(cal.parameters), tuple(low), tuple(high), a.particles, a.generations,
        a.quantile, a.min_acceptance, a.seed, a.chunk,
    )  # fmt: skip


def calibrate(
    cal: CalibrationConfig,
    folder: Path,
    workers: int | None = None,
    observed: np.ndarray | None = None,
    progress: bool = True,
    log=print,
) -> tuple[list[Generation], dict[str, Any]]:
    """Run (or resume) the calibration in ``folder``. ``observed`` replaces the record's
    values (parameter recovery)."""
    state = prepare(cal)
    if observed is not None:
        state["observed"] = np.asarray(observed, dtype=float)
    stable = cal.model_dump(exclude={"abc": {"generations", "min_acceptance"}, "predictive": True})
    extra = f"{stable}|{state['observed'].tolist()}"
    sampler = ABCSMC(settings(cal), folder, fingerprint_extra=extra)
    pool = Pool(state, workers if workers is not None else (os.cpu_count() or 1))
    bar = _progress_bar(cal) if progress else None
    try:
        generations = sampler.run(pool, progress=bar, log=log)
    finally:
        pool.close()
        if bar is not None:
            bar.close()
    return generations, state


def _progress_bar(cal: CalibrationConfig):
    """A tqdm bar of the particles accepted in the current generation."""
    from tqdm import tqdm

    bar = tqdm(
        total=cal.abc.particles,
        unit="particle",
        leave=False,
        dynamic_ncols=True,
        mininterval=1.0,
        disable=None,  # off when stderr is not a terminal
    )

    def update(accepted: int, total: int, evaluations: int) -> None:
        if accepted == 1:
            bar.reset(total)
        bar.n = accepted
        bar.set_postfix(simulations=evaluations, refresh=False)
        bar.refresh()

    update.close = bar.close  # type: ignore[attr-defined]
    return update


# --- the posterior predictive and the held-out check ----------------------------------------
def predictive(cal: CalibrationConfig, posterior: Generation, state: dict[str, Any]) -> dict:
    """Posterior draws run over the whole scenario: the counts of every calibration and
    held-out point, and each group's curve over time, per draw."""
    _init(state)
    rng = np.random.default_rng(np.random.SeedSequence([cal.predictive.seed, 7]))
    picks = rng.choice(len(posterior.weights), size=cal.predictive.draws, p=posterior.weights)
    points = [*state["fit"], *state["held"]]
    run = state["run"]
    counts, curves = [], []
    from sim.engine.batch import run_batch

    for k, j in enumerate(picks):
        seed = int(np.random.SeedSequence([cal.predictive.seed, k]).generate_state(1)[0])
        particle = apply(
            run, dict(zip(state["names"], map(float, posterior.params[j]), strict=True))
        )
        batch = run_batch(particle, [seed], shared=state["shared"])
        counts.append(
            rec.counts(batch.curves, points, state["groups"], state["sizes"], run.calendar)[:, 0]
        )
        curves.append(batch.curves)
    return {"points": points, "counts": np.array(counts), "curves": curves, "particles": picks}


def held_out_table(pred: dict, level: float = 0.9) -> list[dict]:
    """For each point: the observed count, the predictive median and band, and whether
    the observation falls inside the band (for a range or a lower bound: overlaps it)."""
    tail = (1 - level) / 2
    rows = []
    for j, point in enumerate(pred["points"]):
        x = pred["counts"][:, j]
        low, high = np.quantile(x, tail), np.quantile(x, 1 - tail)
        inside = bool(point.low <= high and point.high >= low)
        rows.append(
            {
                "id": point.id,
                "use": point.use,
                "date": str(point.date),
                "group": point.group,
                "observed": point.value if math.isfinite(point.high) else f">{point.low - 1:g}",
                "predicted_median": float(np.median(x)),
                "band_low": float(low),
                "band_high": float(high),
                "p_at_least_observed": float(np.mean(x >= point.low)),
                "inside": inside,
            }
        )
    return rows


#: the held-out April 2013 role mix: the tracker's four classes on 11 April 2013
MIX = (
    "trk_military_65_2013_04_11",
    "trk_diplomats_13_2013_04_11",
    "trk_cabinet_3_2013_04_11",
    "trk_parliament_4_2013_04_11",
)


def role_mix(pred: dict, ids: Sequence[str], level: float = 0.9) -> list[dict]:
    """The shares of a total's parts (the tracker's April 2013 mix): observed against the
    predictive band of each share."""
    tail = (1 - level) / 2
    index = {p.id: j for j, p in enumerate(pred["points"])}
    parts = [p for p in pred["points"] if p.id in ids]
    total_obs = sum(p.value for p in parts)
    sims = np.stack([pred["counts"][:, index[p.id]] for p in parts], axis=1)
    shares = sims / np.maximum(sims.sum(axis=1, keepdims=True), 1)
    rows = []
    for k, p in enumerate(parts):
        low, high = np.quantile(shares[:, k], tail), np.quantile(shares[:, k], 1 - tail)
        share = p.value / total_obs
        rows.append(
            {
                "id": p.id,
                "group": p.group,
                "observed_share": share,
                "predicted_median": float(np.median(shares[:, k])),
                "band_low": float(low),
                "band_high": float(high),
                "inside": bool(low <= share <= high),
            }
        )
    return rows


# --- parameter recovery -----------------------------------------------------------------------
def recover(
    cal: CalibrationConfig, cases: int, folder: Path, workers: int | None = None, log=print
):
    """Calibrate ``cases`` synthetic records, each simulated from parameters drawn from
    the prior, and report whether each true value lies in its 90 % interval."""
    state = prepare(cal)
    _init(state)
    rng = np.random.default_rng(np.random.SeedSequence([cal.abc.seed, 99]))
    low, high = (np.array(v) for v in zip(*cal.parameters.values(), strict=True))
    rows = []
    for case in range(cases):
        truth = rng.uniform(low, high)
        seed = int(rng.integers(2**31))
        data = simulate_counts(truth, seed, state["fit"], state["fit_steps"])
        generations, _ = calibrate(
            cal, Path(folder) / f"case_{case:02d}", workers, observed=data, progress=False, log=log
        )
        for s, true in zip(summary(state["names"], generations[-1]), truth, strict=True):
            rows.append(
                {"case": case, **s, "truth": float(true), "inside": s["low"] <= true <= s["high"]}
            )
        hits = sum(r["inside"] for r in rows[-len(truth) :])
        log(f"recovery case {case}: {hits}/{len(truth)} inside")
    return rows
