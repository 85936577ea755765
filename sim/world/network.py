"""Networks of ties between officials, built with NumPy from a seeded generator (the
structure stream), the kinds of ``network.kind`` (ODD 7.5):

- ``complete``: everyone observes everyone. It is kept implicit (no edge list), so that
  Granovetter's and Kuran's cases run at large N; the peer share is then the share of
  the whole group that has defected, as in Granovetter (1978), whose thresholds are
  proportions of the group.
- ``ties``: the union of three Erdős–Rényi layers: within each tribe, within each
  institution (role), and random cross ties over everyone. Each layer is given by its
  expected degree, so its density does not change with the group's size.
- ``ring_lattice``: officials on a ring, each tied to the k/2 nearest on either side.
- ``watts_strogatz``: the ring lattice with each tie rewired with probability β to a
  uniformly chosen official (Watts & Strogatz 1998), avoiding loops and duplicates.
- ``erdos_renyi``: G(N, p) with p = z / (N − 1) (z: ``mean_degree``).
- ``barabasi_albert``: preferential attachment (Barabási & Albert 1999), m = z / 2 ties
  per new official, starting from a complete graph of m + 1 officials.
- ``block``: a stochastic block model over tribes, roles or regions: G(n, p) within each
  block (expected ``within_degree``), and between blocks one probability giving
  ``between_degree`` ties on average over the officials.
- ``edge_list``: the ties of a file (:mod:`sim.config.edgefile`).

Layers (``network.combine``): ``ties`` has three (tribe, institution, random), ``block``
two (within, between), an edge list one per label of its ``layer`` column. ``union``
merges them into one simple graph; ``any_layer`` keeps them apart, so an official sees
his peer signal layer by layer (Brummitt, Lee & Goh 2012): the CSR then lists a pair once
per layer that ties it, with the layer of each entry in ``layer``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numba import njit

# enumerate all pairs of a group up to this many (16 bytes a pair); sample beyond it
_ENUMERATE_MAX_PAIRS = 4_000_000


@dataclass(frozen=True)
class Network:
    """An undirected simple graph in CSR form, or the implicit complete graph.

    Attributes:
        n: number of officials.
        complete: True for the implicit complete graph (indptr and indices are empty).
        indptr, indices: neighbours of i are ``indices[indptr[i]:indptr[i + 1]]``, sorted.
    """

    n: int
    complete: bool
    indptr: np.ndarray
    indices: np.ndarray
    layer: np.ndarray | None = None  # any_layer: each CSR entry's layer
    n_layers: int = 1
    cache: dict = field(default_factory=dict, compare=False, repr=False)

    def neighbours(self, i: int) -> np.ndarray:
        if self.complete:
            return np.delete(np.arange(self.n), i)
        return self.indices[self.indptr[i] : self.indptr[i + 1]]

    def degree(self) -> np.ndarray:
        if self.complete:
            return np.full(self.n, self.n - 1)
        return np.diff(self.indptr)

    def edges(self) -> np.ndarray:
        """Edge list (i < j), shape (m, 2), each pair once. For the complete graph, all pairs."""
        edges = world_edges(self.indptr, self.indices, self.n, self.complete)
        return np.unique(edges, axis=0) if self.layer is not None else edges

    def layer_degree(self) -> np.ndarray:
        """(N, L) ties of each official in each layer (the degree itself if L = 1)."""
        if self.layer is None:
            return self.degree()[:, None]
        rows = np.repeat(np.arange(self.n), np.diff(self.indptr))
        out = np.zeros((self.n, self.n_layers), np.int64)
        np.add.at(out, (rows, self.layer), 1)
        return out

    def to_networkx(self):
        """The network as a ``networkx.Graph`` (nodes: official ids); with layers, each
        edge's ``layers`` attribute lists the layers that tie the pair."""
        import networkx as nx

        graph = nx.complete_graph(self.n) if self.complete else nx.empty_graph(self.n)
        if self.complete:
            return graph
        if self.layer is None:
            graph.add_edges_from(self.edges().tolist())
            return graph
        rows = np.repeat(np.arange(self.n), np.diff(self.indptr))
        for i, j, lay in zip(
            rows.tolist(), self.indices.tolist(), self.layer.tolist(), strict=True
        ):
            if i < j:
                if graph.has_edge(i, j):
                    graph.edges[i, j]["layers"].append(lay)
                else:
                    graph.add_edge(i, j, layers=[lay])
        return graph


def complete_network(n: int) -> Network:
    empty = np.zeros(0, dtype=np.int64)
    return Network(n, True, empty, empty)


def unrank_pairs(k: np.ndarray, g: int) -> tuple[np.ndarray, np.ndarray]:
    """Map linear indices of the upper triangle (row-major, i < j) of a g x g matrix to (i, j).

    >>> unrank_pairs(np.arange(3), 3)
    (array([0, 0, 1]), array([1, 2, 2]))
    """
    k = np.asarray(k, dtype=np.int64)
    total = g * (g - 1) // 2
    # rows counted from the bottom: the pair k is in row i with
    # total - (g-i)(g-i-1)/2 <= k < total - (g-i-1)(g-i-2)/2
    m = total - 1 - k
    r = ((np.sqrt(8.0 * m + 1.0) - 1.0) // 2).astype(np.int64)
    # guard the float square root at large g
    r += ((r + 1) * (r + 2) // 2 <= m).astype(np.int64)
    r -= (r * (r + 1) // 2 > m).astype(np.int64)
    i = g - 2 - r
    j = k - (total - (g - i) * (g - i - 1) // 2) + i + 1
    return i, j


def random_pairs(
    members: np.ndarray, p: float, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Pairs of a G(n, p) graph on ``members`` (Erdős–Rényi).

    Small groups: one uniform draw per pair. Large groups: the number of edges is drawn
    from its binomial distribution, then that many distinct pairs uniformly, which gives
    exactly the G(n, p) distribution without enumerating every pair.
    """
    g = len(members)
    total = g * (g - 1) // 2
    if g < 2 or p <= 0.0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    if total <= _ENUMERATE_MAX_PAIRS:
        i, j = np.triu_indices(g, k=1)
        keep = rng.random(total) < p
        return members[i[keep]], members[j[keep]]
    m = int(rng.binomial(total, min(p, 1.0)))
    chosen = rng.choice(total, size=m, replace=False)
    i, j = unrank_pairs(np.sort(chosen), g)
    return members[i], members[j]


def ties_network(
    tribe: np.ndarray,
    role: np.ndarray,
    tribe_degree: float,
    institution_degree: float,
    random_degree: float,
    rng: np.random.Generator,
    combine: str = "union",
) -> Network:
    """Within-tribe, within-institution and random ties (see module docstring).

    Args:
        tribe, role: integer codes per official.
        tribe_degree: expected number of ties to members of one's own tribe.
        institution_degree: expected number of ties within one's own role.
        random_degree: expected number of ties to anyone.
        rng: the network's generator. Layers are drawn in this order: tribes (by code),
            institutions (by code), random ties.
        combine: ``union`` (one graph) or ``any_layer`` (three layers).
    """
    return _combine(
        len(tribe),
        _ties_layers(tribe, role, tribe_degree, institution_degree, random_degree, rng),
        combine,
    )


def _ties_layers(tribe, role, tribe_degree, institution_degree, random_degree, rng):
    n = len(tribe)
    layers = []
    for codes, degree in ((tribe, tribe_degree), (role, institution_degree)):
        parts_i, parts_j = [], []
        for code in np.unique(codes):
            members = np.flatnonzero(codes == code)
            if len(members) > 1:
                i, j = random_pairs(members, degree / (len(members) - 1), rng)
                parts_i.append(i)
                parts_j.append(j)
        layers.append((parts_i, parts_j))
    parts_i, parts_j = [], []
    if n > 1:
        i, j = random_pairs(np.arange(n), random_degree / (n - 1), rng)
        parts_i.append(i)
        parts_j.append(j)
    layers.append((parts_i, parts_j))
    return [(_cat(i), _cat(j)) for i, j in layers]


def _cat(parts: list) -> np.ndarray:
    return np.concatenate(parts).astype(np.int64) if parts else np.zeros(0, np.int64)


def _combine(n: int, layers: list, combine: str) -> Network:
    """One network from its layers' pairs: their union, or kept apart (any_layer)."""
    if combine != "any_layer" or len(layers) == 1:
        return from_pairs(n, _cat([i for i, _ in layers]), _cat([j for _, j in layers]))
    return from_layered_pairs(
        n,
        _cat([i for i, _ in layers]),
        _cat([j for _, j in layers]),
        _cat([np.full(len(i), k, np.int64) for k, (i, _) in enumerate(layers)]),
        len(layers),
    )


def from_pairs(n: int, i: np.ndarray, j: np.ndarray) -> Network:
    """Simple undirected graph in CSR from a list of pairs (duplicates and loops dropped)."""
    i, j = np.asarray(i, np.int64), np.asarray(j, np.int64)
    lo, hi = np.minimum(i, j), np.maximum(i, j)
    keep = lo != hi
    codes = np.unique(lo[keep] * n + hi[keep])
    lo, hi = codes // n, codes % n
    src = np.concatenate([lo, hi])
    dst = np.concatenate([hi, lo])
    order = np.lexsort((dst, src))
    src, dst = src[order], dst[order]
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(src, minlength=n), out=indptr[1:])
    return Network(n, False, indptr, dst)


def from_layered_pairs(
    n: int, i: np.ndarray, j: np.ndarray, layer: np.ndarray, n_layers: int
) -> Network:
    """A layered graph in CSR: each pair once per layer (loops and duplicates within a
    layer dropped), entries sorted by (official, neighbour, layer)."""
    i, j, layer = (np.asarray(x, np.int64) for x in (i, j, layer))
    lo, hi = np.minimum(i, j), np.maximum(i, j)
    keep = lo != hi
    codes = np.unique((layer[keep] * n + lo[keep]) * n + hi[keep])
    layer, rest = codes // (n * n), codes % (n * n)
    lo, hi = rest // n, rest % n
    src, dst, lay = np.concatenate([lo, hi]), np.concatenate([hi, lo]), np.concatenate([layer] * 2)
    order = np.lexsort((lay, dst, src))
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(src, minlength=n), out=indptr[1:])
    return Network(n, False, indptr, dst[order], lay[order], n_layers)


def ring_pairs(n: int, k: int) -> tuple[np.ndarray, np.ndarray]:
    """The ring lattice: i tied to i + 1, ..., i + k/2 (mod n), in order of distance, then i.

    >>> ring_pairs(5, 2)
    (array([0, 1, 2, 3, 4]), array([1, 2, 3, 4, 0]))
    """
    base = np.arange(n, dtype=np.int64)
    i = np.tile(base, k // 2)
    j = (i + np.repeat(np.arange(1, k // 2 + 1, dtype=np.int64), n)) % n
    return i, j


def watts_strogatz_pairs(
    n: int, k: int, beta: float, rng: np.random.Generator, rounds: int = 100
) -> tuple[np.ndarray, np.ndarray]:
    """Watts & Strogatz (1998): each lattice tie (i, i + d) has its far end moved, with
    probability β, to an official drawn uniformly. A draw that would make a loop or
    a tie already present is drawn again (up to ``rounds`` times; a tie still without a
    free end stays on the lattice), so the graph keeps exactly N·k/2 ties."""
    i, j = ring_pairs(n, k)
    rewire = np.flatnonzero(rng.random(len(i)) < beta)
    stay = np.ones(len(i), bool)
    stay[rewire] = False
    lo, hi = np.minimum(i, j), np.maximum(i, j)
    taken = set((lo[stay] * n + hi[stay]).tolist())
    pending = rewire
    for _ in range(rounds):
        if len(pending) == 0:
            break
        target = rng.integers(0, n, size=len(pending))
        left = []
        for e, t in zip(pending.tolist(), target.tolist(), strict=True):
            a = int(i[e])
            code = min(a, t) * n + max(a, t)
            if t == a or code in taken:
                left.append(e)
            else:
                taken.add(code)
                j[e] = t
        pending = np.array(left, dtype=np.int64)
    for e in pending.tolist():  # no free end found: the lattice tie stays, if still free
        code = min(i[e], j[e]) * n + max(i[e], j[e])
        if code not in taken:
            taken.add(code)
    return i, j


def barabasi_albert_pairs(n: int, m: int, rng: np.random.Generator):
    """Preferential attachment (Barabási & Albert 1999): a complete graph of m + 1
    officials, then each next official ties to m distinct earlier ones, each drawn with
    probability proportional to its degree (by drawing an end of a uniformly chosen
    tie). Uniform draws come from ``rng`` in blocks."""
    size = 2 * n * m + 64
    uniforms = rng.random(size)
    while True:
        i, j, used = _attach(n, m, uniforms)
        if used >= 0:
            return i, j
        uniforms = np.concatenate([uniforms, rng.random(size)])


@njit(cache=True)
def _attach(n, m, uniforms):
    seed = m + 1
    n_edges = seed * m // 2 + (n - seed) * m
    src = np.empty(n_edges, np.int64)
    dst = np.empty(n_edges, np.int64)
    ends = np.empty(2 * n_edges, np.int64)
    e = 0
    for a in range(seed):
        for b in range(a + 1, seed):
            src[e], dst[e] = a, b
            ends[2 * e], ends[2 * e + 1] = a, b
            e += 1
    u = 0
    chosen = np.empty(m, np.int64)
    for v in range(seed, n):
        got = 0
        while got < m:
            if u >= uniforms.shape[0]:
                return src, dst, -1
            t = ends[int(uniforms[u] * (2 * e))]
            u += 1
            fresh = True
            for c in range(got):
                if chosen[c] == t:
                    fresh = False
            if fresh:
                chosen[got] = t
                got += 1
        for c in range(m):
            src[e], dst[e] = v, chosen[c]
            ends[2 * e], ends[2 * e + 1] = v, chosen[c]
            e += 1
    return src, dst, u


def block_layers(groups: np.ndarray, within: float, between: float, rng: np.random.Generator):
    """A stochastic block model: (within pairs, between pairs). Within block b of size
    n_b, G(n_b, within / (n_b − 1)); between blocks, every pair of officials of two
    different blocks tied with one probability p_out, chosen so that the officials have
    ``between`` such ties on average: p_out = between · N / Σ_b n_b (N − n_b). Drawn
    block by block (by code), then block pairs (a < b) in order."""
    n = len(groups)
    codes = np.unique(groups)
    members = [np.flatnonzero(groups == c) for c in codes]
    wi, wj = [], []
    for mem in members:
        if len(mem) > 1:
            i, j = random_pairs(mem, within / (len(mem) - 1), rng)
            wi.append(i)
            wj.append(j)
    cross = sum(len(mem) * (n - len(mem)) for mem in members)
    p_out = min(1.0, between * n / cross) if cross else 0.0
    bi, bj = [], []
    for a in range(len(members)):
        for b in range(a + 1, len(members)):
            i, j = bipartite_pairs(members[a], members[b], p_out, rng)
            bi.append(i)
            bj.append(j)
    return [(_cat(wi), _cat(wj)), (_cat(bi), _cat(bj))]


def bipartite_pairs(left: np.ndarray, right: np.ndarray, p: float, rng: np.random.Generator):
    """Each pair (l, r) of ``left`` x ``right`` tied with probability p (as
    :func:`random_pairs`: one draw per pair when few, else a binomial count of
    distinct pairs)."""
    total = len(left) * len(right)
    if total == 0 or p <= 0.0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    if total <= _ENUMERATE_MAX_PAIRS:
        k = np.flatnonzero(rng.random(total) < p)
    else:
        k = np.sort(rng.choice(total, size=int(rng.binomial(total, min(p, 1.0))), replace=False))
    return left[k // len(right)], right[k % len(right)]


def build_network(
    kind: str,
    tribe: np.ndarray,
    role: np.ndarray,
    rng: np.random.Generator,
    tribe_degree: float = 0.0,
    institution_degree: float = 0.0,
    random_degree: float = 0.0,
    *,
    region: np.ndarray | None = None,
    k: int = 4,
    rewiring: float = 0.0,
    mean_degree: float = 4.0,
    blocks: str = "tribe",
    within_degree: float = 0.0,
    between_degree: float = 0.0,
    edges=None,
    combine: str = "union",
) -> Network:
    """Build the network named by ``kind`` (module docstring) from the structure
    generator ``rng``; ``edges``: the :class:`sim.config.edgefile.EdgeFile` of an
    edge list. The keys are checked at the boundary (:mod:`sim.config.schema`)."""
    n = len(tribe)
    if kind == "complete":
        return complete_network(n)
    if kind == "ties":
        return ties_network(
            tribe, role, tribe_degree, institution_degree, random_degree, rng, combine
        )
    if kind == "ring_lattice":
        return from_pairs(n, *ring_pairs(n, k))
    if kind == "watts_strogatz":
        return from_pairs(n, *watts_strogatz_pairs(n, k, rewiring, rng))
    if kind == "erdos_renyi":
        return from_pairs(n, *random_pairs(np.arange(n), mean_degree / max(n - 1, 1), rng))
    if kind == "barabasi_albert":
        return from_pairs(n, *barabasi_albert_pairs(n, int(mean_degree) // 2, rng))
    if kind == "block":
        groups = {"tribe": tribe, "role": role, "region": region}[blocks]
        return _combine(n, block_layers(groups, within_degree, between_degree, rng), combine)
    if kind == "edge_list":
        layers = [
            (edges.source[edges.layer == k_], edges.target[edges.layer == k_])
            for k_ in range(len(edges.layer_names))
        ]
        return _combine(n, layers, combine)
    raise ValueError(f"unknown network kind {kind!r}")


def world_edges(indptr: np.ndarray, indices: np.ndarray, n: int, complete: bool) -> np.ndarray:
    """Edge list (i < j), shape (m, 2), of a World's network (all pairs if complete)."""
    if complete:
        i, j = np.triu_indices(n, k=1)
        return np.column_stack([i, j])
    rows = np.repeat(np.arange(n), np.diff(indptr))
    keep = rows < indices
    return np.column_stack([rows[keep], indices[keep]])
