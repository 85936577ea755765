"""Approximate Bayesian computation by sequential Monte Carlo (ABC-SMC), reproducible and
resumable.

The algorithm of Beaumont, Cornuet, Marin & Robert (2009) and Toni et al. (2009): a
population of parameter vectors ("particles") is drawn from the prior and simulated;
each later generation draws from the previous one's weighted particles, perturbs them
with a normal kernel (twice the weighted covariance), keeps those whose simulated data
fall within a tolerance ε of the observed, and reweights them by prior / proposal
density; ε shrinks to a quantile of the accepted distances at each generation.

Why not pyabc: its parallel samplers reseed each worker from the operating system and
accept particles in the order they finish, so a calibration could not be reproduced
from its config and seed. Here every candidate's parameters and simulation seed are
fixed by (seed, generation, index) before any is evaluated, and candidates are accepted
in index order, so the result is the same on one core or many. Each finished generation
is written to its own file (through a temporary name): an interrupted calibration
resumes from the last one and loses nothing it finished.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy.stats import multivariate_normal

from sim.errors import ConfigError
from sim.files import atomic_write

#: evaluates candidates [(index, parameters, seed), ...] -> their distances, in order
Evaluate = Callable[[Sequence[tuple[int, np.ndarray, int]]], Iterable[float]]


@dataclass(frozen=True)
class Generation:
    """One generation of the ABC-SMC population."""

    t: int
    params: np.ndarray  # (particles, parameters)
    weights: np.ndarray  # (particles,), sum 1
    distances: np.ndarray  # (particles,)
    epsilon: float  # the tolerance they were accepted under (inf at t = 0)
    evaluations: int  # candidates simulated to accept them

    @property
    def acceptance(self) -> float:
        return len(self.weights) / self.evaluations


@dataclass(frozen=True)
class Settings:
    """The sampler's settings (its fingerprint guards a resumed folder)."""

    names: tuple[str, ...]
    low: tuple[float, ...]
    high: tuple[float, ...]
    particles: int = 300
    generations: int = 8
    quantile: float = 0.5
    min_acceptance: float = 0.01
    seed: int = 0
    chunk: int = 64

    def fingerprint(self, extra: str = "") -> str:
        """What determines the generations (the stopping rules do not: a calibration
        resumed with more generations continues the same sequence)."""
        kept = {
            k: v for k, v in self.__dict__.items() if k not in {"generations", "min_acceptance"}
        }
        text = json.dumps([kept, extra], sort_keys=True, default=str)
        return hashlib.sha256(text.encode()).hexdigest()[:16]


def candidate_seed(seed: int, t: int, index: int) -> int:
    """The simulation seed of candidate ``index`` of generation ``t``."""
    return int(np.random.SeedSequence([seed, t, index]).generate_state(1)[0])


def weighted_quantile(values: np.ndarray, weights: np.ndarray, q: float) -> float:
    """The q-quantile of a weighted sample (the smallest value with cumulative weight >= q)."""
    order = np.argsort(values, kind="stable")
    cumulative = np.cumsum(weights[order])
    return float(values[order][np.searchsorted(cumulative, q * cumulative[-1])])


class ABCSMC:
    """ABC-SMC over a box prior (independent uniforms on [low, high])."""

    def __init__(self, settings: Settings, folder: Path, fingerprint_extra: str = "") -> None:
        self.s = settings
        self.folder = Path(folder)
        self.low, self.high = np.array(settings.low), np.array(settings.high)
        self.fingerprint = settings.fingerprint(fingerprint_extra)

    # --- storage ---------------------------------------------------------------------------
    def _file(self, t: int) -> Path:
        return self.folder / f"generation_{t:02d}.npz"

    def load(self) -> list[Generation]:
        """The generations already finished in the folder (checks it is this calibration's)."""
        state = self.folder / "state.json"
        if state.is_file():
            saved = json.loads(state.read_text()).get("fingerprint")
            if saved != self.fingerprint:
                raise ConfigError(
                    "folder",
                    str(self.folder),
                    "an empty folder or one of this same calibration",
                    "it holds another calibration (different settings or data)",
                )
        done = []
        t = 0
        while self._file(t).is_file():
            with np.load(self._file(t)) as f:
                done.append(
                    Generation(
                        t,
                        f["params"],
                        f["weights"],
                        f["distances"],
                        float(f["epsilon"]),
                        int(f["evaluations"]),
                    )
                )
            t += 1
        return done

    def _save(self, g: Generation) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        atomic_write(
            self.folder / "state.json",
            lambda f: f.write(json.dumps({"fingerprint": self.fingerprint, "names": self.s.names})),
        )
        import io

        buffer = io.BytesIO()
        np.savez(
            buffer,
            params=g.params,
            weights=g.weights,
            distances=g.distances,
            epsilon=g.epsilon,
            evaluations=g.evaluations,
        )
        atomic_write(self._file(g.t), buffer.getvalue())

    # --- sampling --------------------------------------------------------------------------
    def _candidates(self, t: int, previous: Generation | None):
        """Candidates of generation t, one at a time: (index, parameters)."""
        rng = np.random.default_rng(np.random.SeedSequence([self.s.seed, t, 2**31]))
        if previous is None:
            index = 0
            while True:
                yield index, rng.uniform(self.low, self.high)
                index += 1
        cov = 2.0 * np.atleast_2d(
            np.cov(previous.params.T, aweights=previous.weights, ddof=0)
        ) + 1e-12 * np.eye(len(self.low))
        index = 0
        while True:
            while True:
                j = rng.choice(len(previous.weights), p=previous.weights)
                proposal = rng.multivariate_normal(previous.params[j], cov)
                if np.all(proposal >= self.low) and np.all(proposal <= self.high):
                    break
            yield index, proposal
            index += 1

    def _weights(self, params: np.ndarray, previous: Generation | None) -> np.ndarray:
        if previous is None:
            return np.full(len(params), 1.0 / len(params))
        cov = 2.0 * np.atleast_2d(
            np.cov(previous.params.T, aweights=previous.weights, ddof=0)
        ) + 1e-12 * np.eye(len(self.low))
        kernel = multivariate_normal(np.zeros(len(self.low)), cov)
        density = np.array(
            [np.sum(previous.weights * kernel.pdf(p - previous.params)) for p in params]
        )
        w = 1.0 / density  # the prior is uniform on the box, where every particle lies
        return w / w.sum()

    def tolerance(self, previous: Generation) -> float:
        """ε for the next generation: the ``quantile`` of the previous accepted distances.
        Counts are discrete, and many particles may share one distance (say, a world in
        which nobody but the scripted officials moves): if that tie holds more than twice
        the quantile's weight, ε steps down to the next smaller distance, so that the
        population leaves the tie instead of resampling it."""
        d, w = previous.distances, previous.weights
        epsilon = weighted_quantile(d, w, self.s.quantile)
        if np.sum(w[d <= epsilon]) > 2 * self.s.quantile and np.any(d < epsilon):
            epsilon = float(np.max(d[d < epsilon]))
        return epsilon

    def generation(
        self, t: int, previous: Generation | None, evaluate: Evaluate, progress=None
    ) -> Generation:
        """Run generation t (ε from the previous generation's accepted distances)."""
        n = self.s.particles
        epsilon = np.inf if previous is None else self.tolerance(previous)
        source = self._candidates(t, previous)
        accepted_params, accepted_distances, evaluations = [], [], 0
        while len(accepted_params) < n:
            chunk = [next(source) for _ in range(self.s.chunk)]
            tasks = [(i, p, candidate_seed(self.s.seed, t, i)) for i, p in chunk]
            for (_, params, _), distance in zip(tasks, evaluate(tasks), strict=True):
                evaluations += 1
                if distance <= epsilon:
                    accepted_params.append(params)
                    accepted_distances.append(distance)
                    if progress is not None:
                        progress(len(accepted_params), n, evaluations)
                    if len(accepted_params) == n:
                        break
        params = np.array(accepted_params)
        return Generation(
            t,
            params,
            self._weights(params, previous),
            np.array(accepted_distances),
            float(epsilon),
            evaluations,
        )

    def run(self, evaluate: Evaluate, progress=None, log=print) -> list[Generation]:
        """All generations (resuming from the folder); stops after ``generations`` or
        when the acceptance rate falls below ``min_acceptance``."""
        done = self.load()
        if done:
            log(f"resuming: {len(done)} generation(s) already done in {self.folder}")
        while len(done) < self.s.generations:
            if done and done[-1].acceptance < self.s.min_acceptance:
                break
            g = self.generation(len(done), done[-1] if done else None, evaluate, progress)
            self._save(g)
            done.append(g)
            log(
                f"generation {g.t}: epsilon {g.epsilon:.4g}, acceptance {g.acceptance:.3f} "
                f"({g.evaluations} simulations)"
            )
        return done


def summary(names: Sequence[str], g: Generation, level: float = 0.9) -> list[dict]:
    """Posterior mean, sd and central ``level`` interval of each parameter."""
    rows = []
    tail = (1 - level) / 2
    for j, name in enumerate(names):
        x = g.params[:, j]
        mean = float(np.sum(g.weights * x))
        rows.append(
            {
                "parameter": name,
                "mean": mean,
                "sd": float(np.sqrt(np.sum(g.weights * (x - mean) ** 2))),
                "low": weighted_quantile(x, g.weights, tail),
                "median": weighted_quantile(x, g.weights, 0.5),
                "high": weighted_quantile(x, g.weights, 1 - tail),
            }
        )
    return rows
