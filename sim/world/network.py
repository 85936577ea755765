"""Networks of ties between officials, built with NumPy from a seeded generator.

Two kinds:

- ``complete``: everyone observes everyone. It is kept implicit (no edge list), so that
  Granovetter's and Kuran's cases run at large N; the peer share is then the share of
  the whole group that has defected, as in Granovetter (1978), whose thresholds are
  proportions of the group.
- ``ties``: the union of three Erdős–Rényi layers: within each tribe, within each
  institution (role), and random cross ties over everyone. Each layer is given by its
  expected degree, so its density does not change with the group's size.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

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

    def neighbours(self, i: int) -> np.ndarray:
        if self.complete:
            return np.delete(np.arange(self.n), i)
        return self.indices[self.indptr[i] : self.indptr[i + 1]]

    def degree(self) -> np.ndarray:
        if self.complete:
            return np.full(self.n, self.n - 1)
        return np.diff(self.indptr)

    def edges(self) -> np.ndarray:
        """Edge list (i < j), shape (m, 2). For the complete graph, all pairs."""
        return world_edges(self.indptr, self.indices, self.n, self.complete)


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
) -> Network:
    """Union of within-tribe, within-institution and random ties (see module docstring).

    Args:
        tribe, role: integer codes per official.
        tribe_degree: expected number of ties to members of one's own tribe.
        institution_degree: expected number of ties within one's own role.
        random_degree: expected number of ties to anyone.
        rng: the network's generator. Layers are drawn in this order: tribes (by code),
            institutions (by code), random ties.
    """
    n = len(tribe)
    parts_i, parts_j = [], []
    for codes, degree in ((tribe, tribe_degree), (role, institution_degree)):
        for code in np.unique(codes):
            members = np.flatnonzero(codes == code)
            if len(members) > 1:
                i, j = random_pairs(members, degree / (len(members) - 1), rng)
                parts_i.append(i)
                parts_j.append(j)
    if n > 1:
        i, j = random_pairs(np.arange(n), random_degree / (n - 1), rng)
        parts_i.append(i)
        parts_j.append(j)
    return from_pairs(n, np.concatenate(parts_i or [[]]), np.concatenate(parts_j or [[]]))


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


def build_network(
    kind: str,
    tribe: np.ndarray,
    role: np.ndarray,
    rng: np.random.Generator,
    tribe_degree: float = 0.0,
    institution_degree: float = 0.0,
    random_degree: float = 0.0,
) -> Network:
    """Build the network named by ``kind`` ("complete" or "ties")."""
    if kind == "complete":
        return complete_network(len(tribe))
    return ties_network(tribe, role, tribe_degree, institution_degree, random_degree, rng)


def world_edges(indptr: np.ndarray, indices: np.ndarray, n: int, complete: bool) -> np.ndarray:
    """Edge list (i < j), shape (m, 2), of a World's network (all pairs if complete)."""
    if complete:
        i, j = np.triu_indices(n, k=1)
        return np.column_stack([i, j])
    rows = np.repeat(np.arange(n), np.diff(indptr))
    keep = rows < indices
    return np.column_stack([rows[keep], indices[keep]])
