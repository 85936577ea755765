"""The predictions of timing games (experiments/timing.py), tested over 40 paired seeds.

Each test states the prediction and its source, and asserts the direction the model
gives, for officials with foresight (extrapolative expectations, the stopping rule) and,
where the prediction is a contrast, for myopic officials. Tolerance: a paired one-sided
Wilcoxon signed-rank test at alpha = 0.01 (for P6, a binomial test on the discordant
pairs). Where the model contradicts the prediction, the test says so and asserts what
the model does: the results page reports both (docs/results.md).
"""

from __future__ import annotations

import numpy as np
from scipy.stats import binomtest, wilcoxon

from experiments.timing import effect

ALPHA = 0.01


def assert_sign(d: np.ndarray, sign: int) -> None:
    """The paired differences have the sign ``sign``: mean and one-sided Wilcoxon."""
    assert np.sign(d.mean()) == sign, f"mean difference {d.mean():.3f}"
    alternative = "greater" if sign > 0 else "less"
    p = wilcoxon(d, alternative=alternative, zero_method="wilcox").pvalue
    assert p < ALPHA, f"Wilcoxon p = {p:.4f} (mean difference {d.mean():.3f})"


def test_p1_with_foresight_contempt_brings_a_sharper_earlier_rush_the_sign_flips():
    """P1 (Anderson, Smith & Park 2017, "fear"): payoffs that fall for late movers give
    an early, sharp rush. Foresight: contempt 0.9 vs 0 brings the rush week earlier and
    makes it larger. Myopic: the opposite, later and smaller (the sign flips)."""
    assert_sign(effect("foresight", "P1 rush week"), -1)
    assert_sign(effect("foresight", "P1 rush size"), +1)
    assert_sign(effect("myopic", "P1 rush week"), +1)
    assert_sign(effect("myopic", "P1 rush size"), -1)


def test_p2_rising_privileges_do_not_postpone_the_rush_they_shrink_it():
    """P2 (ASP 2017, "greed"): privileges that rise for the last loyalists should move
    the rush later. NOT what the model gives: with foresight the rush week comes
    earlier, because the officials who anticipate higher pay wait and most never leave
    (final share falls), so the rush is made of the early movers; myopic, no significant
    shift. Why: the bonus pays staying, not leaving late; there is no harvest time at
    which the last loyalists gain by leaving (ODD 7.8)."""
    from experiments.timing import outcomes

    assert_sign(effect("foresight", "P2 rush week"), -1)
    shrink = (
        outcomes("foresight", "loyalty_bonus")["final_share"]
        - outcomes("foresight", "syria")["final_share"]
    )
    assert_sign(shrink, -1)
    p = wilcoxon(effect("myopic", "P2 rush week"), zero_method="wilcox").pvalue
    assert p > ALPHA, f"myopic shift significant (p = {p:.4f})"


def test_p3_a_public_defection_makes_others_move_at_once_more_with_foresight():
    """P3 (Brunnermeier & Morgan 2010): with observable moves, players herd right after
    a move. The ambassador's public defection raises the number who start preparing the
    next week, for both kinds, and by more with foresight."""
    foresight, myopic = effect("foresight", "P3 herding"), effect("myopic", "P3 herding")
    assert_sign(foresight, +1)
    assert_sign(myopic, +1)
    assert_sign(foresight - myopic, +1)


def test_p4_a_common_shock_shortens_the_delay_more_with_foresight():
    """P4 (Brunnermeier & Morgan 2010): a common public signal synchronises the clocks
    and cuts the delay. The July 2012 talks shorten the wait for the rush (first week
    with 5 or more defections) for both kinds, much more with foresight."""
    foresight, myopic = effect("foresight", "P4 delay"), effect("myopic", "P4 delay")
    assert_sign(foresight, -1)
    assert_sign(myopic, -1)
    assert_sign(foresight - myopic, -1)


def test_p5_propping_the_regime_up_for_a_while_brings_more_early_exits_with_foresight():
    """P5 (He & Xiong 2012): temporarily keeping a borrower alive can worsen runs.
    A survival boost from week 40, withdrawn at week 60: with foresight, more officials
    have defected by week 75 (the withdrawal reads as a steep fall); myopic, fewer (the
    boost only delays them)."""
    assert_sign(effect("foresight", "P5 early exits"), +1)
    assert_sign(effect("myopic", "P5 early exits"), -1)


def test_p6_where_officials_can_delay_contempt_raises_the_chance_of_a_cascade():
    """P6 (Dasgupta 2007): with an option to delay, coordination rises when acting early
    pays more than acting late. With foresight, contempt 0.9 vs 0 turns runs without a
    cascade into cascades (binomial test on the discordant pairs); myopic, the reverse."""
    for kind, sign in (("foresight", +1), ("myopic", -1)):
        d = effect(kind, "P6 P(cascade)")
        up, down = int(np.sum(d > 0)), int(np.sum(d < 0))
        wins = up if sign > 0 else down
        assert binomtest(wins, up + down, 0.5, alternative="greater").pvalue < ALPHA, kind
