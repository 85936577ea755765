"""The analytic theory of threshold cascades, beside the simulation (ODD 7.5).

- :func:`watts_condition`, :func:`watts_window`: Watts's (2002) condition for global
  cascades from one seed on a random graph with any degree distribution p_k and any
  threshold distribution: a global cascade is possible when the vulnerable officials
  (tipped by one defected neighbour) percolate,

      G = Σ_k k (k − 1) ρ_k p_k / z  > 1,     ρ_k = P(one defected neighbour of k tips him),

  z the mean degree. For Erdős–Rényi graphs (p_k Poisson) and one threshold φ the
  window is the interval of z where G > 1; its edges are roots of G(z) = 1.
- :func:`gleeson_cahalane`: the tree approximation of Gleeson & Cahalane (2007) for the
  final share defected from a seed share ρ_0, exact on locally tree-like random graphs
  as N → ∞ (the iteration q_{n+1} = ρ_0 + (1 − ρ_0) Σ_k (k p_k / z) Σ_m
  C(k−1, m) q_n^m (1 − q_n)^{k−1−m} F(m, k), then ρ = ρ_0 + (1 − ρ_0) Σ_k p_k Σ_m
  C(k, m) q^m (1 − q)^{k−m} F(m, k)), with F(m, k) the chance that an official with m
  defected of k neighbours is tipped: P(φ ≤ m / k) for share thresholds, P(T ≤ m) for
  count thresholds (:func:`share_response`, :func:`count_response`). With a vanishing
  seed it gives the size of Watts's global cascades.
- :class:`HeterogeneousMeanField`: the model's own rule over the officials actually
  drawn for a run (their traits, tribes, regions and rank weights), every official
  seeing the group's aggregate shares (complete mixing). Unlike the homogeneous
  :class:`sim.analysis.MeanField`, it keeps the tail of disaffected, low-privilege
  officials that starts a cascade.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
from numba import njit
from scipy import optimize, stats

from sim.core import rule
from sim.core.signals import observation
from sim.core.state import BY_RULE, DEFECTED, LOYAL, Observation, move, traits_of

Response = Callable[[np.ndarray, np.ndarray], np.ndarray]


# --- degree distributions and responses -----------------------------------------------------
def poisson_degrees(z: float, k_max: int | None = None) -> np.ndarray:
    """p_k of an Erdős–Rényi graph of mean degree z (Poisson), k = 0..k_max."""
    k_max = int(z + 12 * np.sqrt(z + 1) + 20) if k_max is None else k_max
    return stats.poisson.pmf(np.arange(k_max + 1), z)


def share_response(threshold_cdf: Callable[[np.ndarray], np.ndarray]) -> Response:
    """F(m, k) = P(φ ≤ m / k) for share thresholds with CDF ``threshold_cdf`` (an
    official without ties sees 0). A constant φ: ``share_response(lambda x: x >= phi)``."""

    def response(m: np.ndarray, k: np.ndarray) -> np.ndarray:
        share = np.divide(m, k, out=np.zeros(np.broadcast(m, k).shape), where=k > 0)
        return np.asarray(threshold_cdf(share), dtype=float)

    return response


def count_response(threshold_cdf: Callable[[np.ndarray], np.ndarray]) -> Response:
    """F(m, k) = P(T ≤ m) for count thresholds (Centola & Macy 2007)."""

    def response(m: np.ndarray, k: np.ndarray) -> np.ndarray:
        return np.asarray(threshold_cdf(np.broadcast_to(m, np.broadcast(m, k).shape)), float)

    return response


def fixed_threshold(phi: float) -> Callable[[np.ndarray], np.ndarray]:
    """The CDF of one threshold φ for everyone: P(φ ≤ x) = 1[x ≥ φ]."""
    return lambda x: (np.asarray(x) >= phi).astype(float)


# --- Watts (2002) ------------------------------------------------------------------------------
def watts_condition(p_k: np.ndarray, response: Response) -> float:
    """Watts's G = Σ_k k (k − 1) ρ_k p_k / z with ρ_k = F(1, k): a global cascade from
    a single seed is possible when G > 1."""
    k = np.arange(len(p_k))
    z = float((k * p_k).sum())
    if z == 0:
        return 0.0
    rho = response(np.ones_like(k), k)
    return float((k * (k - 1) * rho * p_k).sum() / z)


def watts_window(phi: float, z_max: float = 40.0, grid: int = 4000) -> tuple[float, float]:
    """The edges (z_low, z_high) of Watts's cascade window on Erdős–Rényi graphs with
    one share threshold φ: the mean degrees where G(z) crosses 1 (brentq on a grid)."""
    response = share_response(fixed_threshold(phi))

    def g(z: float) -> float:
        return watts_condition(poisson_degrees(z), response) - 1.0

    zs = np.linspace(1e-3, z_max, grid)
    values = np.array([g(z) for z in zs])
    crossings = np.flatnonzero(np.sign(values[:-1]) != np.sign(values[1:]))
    if len(crossings) < 2:
        raise ValueError(f"no cascade window below z = {z_max} for phi = {phi}")
    low = optimize.brentq(g, zs[crossings[0]], zs[crossings[0] + 1], xtol=1e-12)
    high = optimize.brentq(g, zs[crossings[-1]], zs[crossings[-1] + 1], xtol=1e-12)
    return float(low), float(high)


# --- Gleeson & Cahalane (2007) ---------------------------------------------------------------
def _binomial_table(k_max: int) -> np.ndarray:
    """C(k, m) for 0 <= m <= k <= k_max, as floats (exact for k_max < 1000)."""
    from scipy.special import comb

    k, m = np.meshgrid(np.arange(k_max + 1), np.arange(k_max + 1), indexing="ij")
    return comb(k, m)


def gleeson_cahalane(
    p_k: np.ndarray, response: Response, rho0: float, tol: float = 1e-13, max_iter: int = 100_000
) -> float:
    """The final share defected from a random seed share ``rho0`` (module docstring):
    the tree approximation of Gleeson & Cahalane (2007), iterated from q_0 = ρ_0."""
    k_max = len(p_k) - 1
    k = np.arange(k_max + 1)
    z = float((k * p_k).sum())
    kk, mm = np.meshgrid(k, k, indexing="ij")  # [k, m]
    below = mm <= kk
    table = _binomial_table(k_max)
    f_full = np.where(below, response(mm, kk), 0.0)  # F(m, k), m of k
    below_1 = mm <= kk - 1
    table_1 = np.where(below_1, _binomial_table(k_max)[np.maximum(kk - 1, 0), mm], 0.0)

    def spread(q: float, degree: np.ndarray, tab: np.ndarray, mask: np.ndarray) -> np.ndarray:
        with np.errstate(invalid="ignore", divide="ignore"):
            terms = tab * q**mm * (1 - q) ** np.maximum(degree[:, None] - mm, 0)
        return np.where(mask, terms, 0.0)

    q = rho0
    for _ in range(max_iter):
        inner = (spread(q, k - 1, table_1, below_1) * f_full).sum(axis=1)
        new = rho0 + (1 - rho0) * float((k * p_k * inner).sum() / z) if z > 0 else rho0
        if abs(new - q) < tol:
            q = new
            break
        q = new
    inner = (spread(q, k, table, below) * f_full).sum(axis=1)
    return float(rho0 + (1 - rho0) * (p_k * inner).sum())


# --- the heterogeneous mean field ------------------------------------------------------------
def complete_graph_analogue(config: Mapping[str, Any]):
    """A scenario's complete-graph, no-preparation analogue, from its resolved config
    (``sim.config.compose.compose_config(...)``): everyone observes everyone
    (``network.kind: complete``), every official defects as soon as he decides
    (``preparation_time`` 0 everywhere, so detection and escapes never happen), myopic
    officials using the threshold rule, no purges. What :class:`HeterogeneousMeanField`
    describes. Returns the checked Run."""
    from sim.config.schema import validate

    raw = copy.deepcopy(dict(config))
    raw["network"] = {"kind": "complete"}
    raw.setdefault("model", {}).update(expectations="myopic", timing="threshold", purge_rate=0.0)
    pop = raw["population"]
    for section in ("roles", "tribes", "named"):
        for entry in (pop.get(section) or {}).values():
            entry.pop("preparation_time", None)
    pop.setdefault("defaults", {})["preparation_time"] = 0
    return validate(raw)


class HeterogeneousMeanField:
    """The map F over the officials drawn for ``run`` and ``seed`` (module docstring).

    Each official i sees the same aggregate signals of the defected set S: the share
    (or count) of the group, the rank-weighted share of the rest of his tribe, the
    rebellion of his region (the schedule's level at ``step``, its shocks, and the
    feedback of the region's defected share), and the survival p(S) with its shocks,
    backing and collapse. F(S) adds to S every loyal official with Δ_i(S) ≥ T_i
    (defection is absorbing, as in the model); the prediction is the limit of
    S_{n+1} = F(S_n) from the initial defectors and the scheduled events up to
    ``step`` (default: the run's last step). Each round calls the compiled signals
    (:func:`sim.core.signals.update`) and rule (:func:`sim.core.rule.decides_to_leave`)
    that both simulation paths call.

    It describes the complete-graph, no-preparation analogue of a run
    (:func:`complete_graph_analogue`): on a network the signals are local, and with
    preparation the secret police take some officials out on the way.
    """

    def __init__(self, run, seed: int = 0, step: int | None = None) -> None:
        from sim.world import build_world

        self.run, self.seed = run, seed
        self.step = run.steps if step is None else int(step)
        self.world, self.labels, self.traits = build_world(run, seed, self.step)
        self.params = run.params()

    def final_share(self, max_rounds: int = 100_000) -> float:
        """The share of officials defected at the fixed point of F."""
        return float(self.fixed_point(max_rounds).mean())

    def fixed_point(self, max_rounds: int = 100_000) -> np.ndarray:
        """Whether each official is defected at the fixed point of F."""
        from sim.core import events, signals
        from sim.core.state import DEFECTED, new_dynamics

        world, params = self.world, self.params
        dyn = new_dynamics(world)
        for t in range(self.step + 1):
            events.enact(world, dyn, t)
        for _ in range(max_rounds):
            signals.update(world, dyn, params, self.step)
            if not _tip(world, dyn, params, self.step, self.step):
                break
        return dyn.state == DEFECTED

    def path_share(self) -> np.ndarray:
        """The share defected at each step 0..``step`` when F is iterated along the
        exogenous schedule: S_{t+1} = F_t(S_t), F_t at the rebellion, shocks and events
        of step t + 1. Without preparation, on the complete graph, with myopic
        officials and the threshold rule this is the model itself (deterministic), so
        it equals the engine's curve; the static :meth:`final_share` is what a
        bifurcation diagram at fixed conditions shows."""
        from sim.core import events, signals
        from sim.core.state import new_dynamics

        world, params = self.world, self.params
        dyn = new_dynamics(world)
        events.enact(world, dyn, 0)
        signals.update(world, dyn, params, 0)
        out = [dyn.n_defected[0] / world.n]
        for t in range(self.step):
            _tip(world, dyn, params, t + 1, t)
            events.enact(world, dyn, t + 1)
            signals.update(world, dyn, params, t + 1)
            out.append(dyn.n_defected[0] / world.n)
        return np.array(out)

    def tipping_curve(self, xs) -> np.ndarray:
        """F(x): the share of the officials with Δ_i(x) ≥ T_i when every share they see
        (peer, tribe, region) is x and the survival is p(x), at the rebellion of
        ``step`` (rank weights ignored): the issue's F(x) = (1/N) Σ_i 1[Δ_i(x) ≥ T_i]."""
        from sim.core.rule import log_odds, logistic, rebellion_intensity

        world, p = self.world, self.params
        levels = world.levels[min(self.step, world.levels.shape[0] - 1)]
        backing = world.backing[min(self.step, world.backing.shape[0] - 1)]
        out = []
        for x in np.atleast_1d(xs):
            peer = x * world.n if self.run.model.peer_threshold == "count" else x
            rebellion = np.array(
                [rebellion_intensity(lv, 0.0, x, p.rebellion_feedback_weight) for lv in levels]
            )
            lo = (
                log_odds(p.initial_survival)
                - p.survival_defection_sensitivity * x
                - p.survival_rebellion_sensitivity * rebellion.mean()
                + p.backing_weight * backing
            )
            survival = logistic(lo)
            if survival < p.collapse_survival:
                survival = 0.0
            out.append(_share_tipped(world, p, float(peer), float(x), rebellion, survival))
        return np.array(out)


@njit(cache=True)
def _tip(world, dyn, params, step, seen_at):
    """One round of F: every free loyal official whose threshold is met on the current
    signals defects at ``step`` (preparation time 0). Returns how many did."""
    tipped = np.zeros(world.n, np.bool_)
    for i in range(world.n):
        if world.free[i] and dyn.state[i] == LOYAL:
            seen = observation(world, dyn, params, i)
            tipped[i] = rule.decides_to_leave(params, traits_of(world, i), seen)
    for i in range(world.n):
        if tipped[i]:
            move(world, dyn, i, DEFECTED, step, BY_RULE)
    return tipped.sum()


@njit(cache=True)
def _share_tipped(world, params, peer, x, rebellion, survival):
    tipped = 0
    for i in range(world.n):
        seen = Observation(peer, x, rebellion[world.region[i]], survival, survival, survival, x, x)
        if rule.decides_to_leave(params, traits_of(world, i), seen):
            tipped += 1
    return tipped / world.n


# --- theory for a configured run -------------------------------------------------------------
def run_theory(run, seed: int = 0) -> dict[str, float]:
    """Watts's condition and the Gleeson-Cahalane share for a run's own network and
    thresholds (any network kind): p_k is the degree distribution of the network the
    run draws for ``seed``, the thresholds' CDF the empirical CDF of the drawn
    thresholds (share or count, ``model.peer_threshold``), the seed share the run's
    initial defectors over N (at least 1/N). Meaningful for the pure threshold model
    (peer term only) on locally tree-like networks; on a lattice or a clustered
    network the tree approximation does not hold (say so beside it).

    Returns ``mean_degree``, ``watts_G`` (> 1: a single seed can start a global
    cascade) and ``gleeson_share`` (the predicted final share)."""
    from sim.world import build_world

    world, _, traits = build_world(run, seed)
    degree = np.diff(world.indptr) if not world.complete else np.full(world.n, world.n - 1)
    p_k = np.bincount(degree) / world.n
    thresholds = np.sort(traits["threshold"])

    def cdf(x):
        return np.searchsorted(thresholds, np.asarray(x), side="right") / len(thresholds)

    counts = run.model.peer_threshold == "count"
    response = count_response(cdf) if counts else share_response(cdf)
    rho0 = max(len(world.initial_defectors), 1) / world.n
    return {
        "mean_degree": float(degree.mean()),
        "watts_G": watts_condition(p_k, response),
        "gleeson_share": gleeson_cahalane(p_k, response, rho0),
    }
