"""sim.pcg64 is NumPy's PCG64: the same draws, and jumps that land where NumPy's do."""

from __future__ import annotations

import numpy as np
import pytest

from sim.engine import pcg64
from sim.world.streams import dynamics_generator, seed_streams


@pytest.mark.parametrize("seed", [0, 1, 12345, 2**40 + 3])
def test_draws_are_those_of_numpy(seed):
    rng = dynamics_generator(seed_streams(seed))
    state = pcg64.state_of(rng)
    ours = [pcg64.random(state) for _ in range(3000)]
    assert ours == rng.random(3000).tolist()


@pytest.mark.parametrize("d", [0, 1, 2, 7, 64, 999, 1000])
def test_a_jump_is_numpys_advance(d):
    rng = np.random.default_rng(d + 5)
    state = pcg64.state_of(rng)
    pcg64.skip(state, pcg64.jump_table(1000), d)
    rng.bit_generator.advance(d)
    assert state.tolist() == pcg64.state_of(rng).tolist()
    assert pcg64.random(state) == rng.random()


def test_drawing_some_and_jumping_the_rest_gives_the_same_numbers():
    """What the engine does: per block of N draws, only the used ones are computed."""
    n, steps = 300, 25
    rng = np.random.default_rng(99)
    state, table = pcg64.state_of(rng), pcg64.jump_table(n)
    blocks = np.random.default_rng(99).random((steps, n))
    used = np.random.default_rng(0).random((steps, n)) < 0.05
    used[3] = False  # a block with no draw used at all
    used[4, [0, n - 1]] = True  # the first and last draws of a block
    for t in range(steps):
        position = 0
        for i in np.flatnonzero(used[t]):
            pcg64.skip(state, table, i - position)
            assert pcg64.random(state) == blocks[t, i]
            position = i + 1
        pcg64.skip(state, table, n - position)
    rng.bit_generator.advance(steps * n)
    assert state.tolist() == pcg64.state_of(rng).tolist()


def test_only_pcg64_is_accepted():
    with pytest.raises(ValueError, match="PCG64 generator is needed, not Philox"):
        pcg64.state_of(np.random.Generator(np.random.Philox(1)))


def test_the_mesa_models_generator_is_the_dynamics_generator():
    """No draw hidden in Mesa's construction: the model's rng starts exactly where the
    engine's generator does, so the engine depends on no Mesa internal."""
    from sim.agents import DefectionModel

    for seed in (0, 9):
        model = DefectionModel(seed=seed)
        ours = dynamics_generator(seed_streams(seed))
        assert model.rng.bit_generator.state == ours.bit_generator.state
