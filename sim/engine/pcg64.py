"""NumPy's PCG64 generator in numba, with jumps over the draws nobody uses.

The dynamics stream gives one U[0, 1) per official per step (ODD 7.3), but only the
officials who are preparing or arrested use theirs, a few percent of them. The Mesa
model draws them all (``rng.random(N)``); the batched engine jumps over the unused ones
and computes only the used ones, which are the same numbers: for draw i of a block of
N, it jumps from the last draw it used to draw i.

PCG64 (O'Neill 2014, as in ``numpy.random.PCG64``) has a 128-bit state s and odd
increment c; each 64-bit output steps s <- M s + c (mod 2^128) and returns the XSL-RR
of the new state; ``random()`` is ``(output >> 11) * 2**-53``. After d steps,
s_d = M^d s + (M^(d-1) + ... + M + 1) c, so a jump of d is one multiply-add with the
precomputed pair (M^d, M^(d-1) + ... + 1), the same for every generator.

128-bit numbers are (high, low) pairs of uint64; numba's uint64 arithmetic wraps
modulo 2^64. ``tests/test_pcg64.py`` checks the draws, and the jumps, against NumPy's.
"""

from __future__ import annotations

import numpy as np
from numba import njit, uint64

from sim.core.compiled import compiled

MULTIPLIER = (uint64(2549297995355413924), uint64(4865540595714422341))  # (high, low)
_LOW32 = uint64(0xFFFFFFFF)
_32, _58, _11, _63, _64 = uint64(32), uint64(58), uint64(11), uint64(63), uint64(64)
_ZERO, _ONE = uint64(0), uint64(1)
_DOUBLE = 1.0 / 9007199254740992.0  # 2**-53


@compiled
def _mulhi64(a, b):
    """The high 64 bits of the 128-bit product a * b."""
    a0, a1 = a & _LOW32, a >> _32
    b0, b1 = b & _LOW32, b >> _32
    p00, p01, p10, p11 = a0 * b0, a0 * b1, a1 * b0, a1 * b1
    middle = (p00 >> _32) + (p01 & _LOW32) + (p10 & _LOW32)
    return p11 + (p01 >> _32) + (p10 >> _32) + (middle >> _32)


@compiled
def mul128(a_high, a_low, b_high, b_low):
    """a * b modulo 2^128."""
    return _mulhi64(a_low, b_low) + a_high * b_low + a_low * b_high, a_low * b_low


@compiled
def add128(a_high, a_low, b_high, b_low):
    """a + b modulo 2^128."""
    low = a_low + b_low
    return a_high + b_high + (_ONE if low < a_low else _ZERO), low


def state_of(rng: np.random.Generator) -> np.ndarray:
    """The generator's state and increment as uint64 [s_high, s_low, c_high, c_low]."""
    state = rng.bit_generator.state
    if state["bit_generator"] != "PCG64":
        raise ValueError(f"a PCG64 generator is needed, not {state['bit_generator']}")
    s, c = state["state"]["state"], state["state"]["inc"]
    mask = (1 << 64) - 1
    return np.array([s >> 64, s & mask, c >> 64, c & mask], dtype=np.uint64)


@njit(cache=True)
def jump_table(n):
    """(M^d, M^(d-1) + ... + 1) for d = 0..n, as (n + 1, 4) uint64 rows
    [M^d high, M^d low, sum high, sum low]."""
    table = np.zeros((n + 1, 4), dtype=np.uint64)
    table[0, 1] = _ONE  # M^0 = 1, empty sum = 0
    for d in range(n):
        power_high, power_low = mul128(table[d, 0], table[d, 1], MULTIPLIER[0], MULTIPLIER[1])
        sum_high, sum_low = mul128(table[d, 2], table[d, 3], MULTIPLIER[0], MULTIPLIER[1])
        sum_high, sum_low = add128(sum_high, sum_low, _ZERO, _ONE)
        table[d + 1, 0], table[d + 1, 1] = power_high, power_low
        table[d + 1, 2], table[d + 1, 3] = sum_high, sum_low
    return table


@compiled
def skip(state, table, d):
    """Advance ``state`` (from :func:`state_of`) by d outputs, 0 <= d < len(table)."""
    if d == 0:
        return
    s_high, s_low = mul128(table[d, 0], table[d, 1], state[0], state[1])
    c_high, c_low = mul128(table[d, 2], table[d, 3], state[2], state[3])
    state[0], state[1] = add128(s_high, s_low, c_high, c_low)


@compiled
def random(state):
    """The next U[0, 1) draw, as ``Generator.random()`` gives it."""
    s_high, s_low = mul128(state[0], state[1], MULTIPLIER[0], MULTIPLIER[1])
    s_high, s_low = add128(s_high, s_low, state[2], state[3])
    state[0], state[1] = s_high, s_low
    x, rotation = s_high ^ s_low, s_high >> _58
    output = (x >> rotation) | (x << ((_64 - rotation) & _63))
    return (output >> _11) * _DOUBLE


@compiled
def draw_at(state, table, i, drawn):
    """Draw i of the current block of N draws, when draws up to ``drawn`` - 1 have been
    used or jumped over (i >= drawn). Returns (the draw, the new ``drawn``)."""
    skip(state, table, i - drawn)
    return random(state), i + 1


@compiled
def end_block(state, table, drawn):
    """Jump to the end of the block of N = len(table) - 1 draws."""
    skip(state, table, table.shape[0] - 1 - drawn)
