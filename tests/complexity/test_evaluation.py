"""RouteLLM's APGR and the cost metric, on hand-made curves whose answers are known."""

from __future__ import annotations

import random

import pytest

from localfirst.complexity.evaluation import apgr, strong_share_for_quality

# Ten prompts: the strong model fixes the first four, the weak model gets the last three right.
WEAK = [0, 0, 0, 0, 0, 0, 0, 1, 1, 1]
STRONG = [1, 1, 1, 1, 0, 0, 0, 1, 1, 1]
GAIN_FIRST = [10, 9, 8, 7, 6, 5, 4, 3, 2, 1]


def test_apgr_of_the_best_order_matches_the_hand_computed_area() -> None:
    # Gap recovered at 0%, 10%, ..., 100% strong calls: 0, 1/4, 2/4, 3/4, then 1 from 40% on;
    # the trapezoids sum to 0.0125 + 0.0375 + 0.0625 + 0.0875 + 0.6 = 0.8.
    assert apgr(GAIN_FIRST, WEAK, STRONG) == pytest.approx(0.8)


def test_apgr_is_low_when_the_order_is_reversed() -> None:
    assert apgr([-s for s in GAIN_FIRST], WEAK, STRONG) < 0.3


def test_apgr_of_random_scores_is_about_a_half() -> None:
    rng = random.Random(1)
    weak = [rng.random() < 0.6 for _ in range(4000)]
    strong = [w or rng.random() < 0.5 for w in weak]
    runs = [apgr([rng.random() for _ in weak], weak, strong) for _ in range(5)]
    assert sum(runs) / len(runs) == pytest.approx(0.5, abs=0.03)


def test_strong_share_for_quality_counts_the_calls_needed() -> None:
    # Strong accuracy is 0.7; 95% of it (0.665) needs all four fixes: 4 of 10 calls.
    assert strong_share_for_quality(GAIN_FIRST, WEAK, STRONG) == pytest.approx(0.4)
    # Routing the fixable prompts last needs every prompt before them.
    assert strong_share_for_quality([-s for s in GAIN_FIRST], WEAK, STRONG) == pytest.approx(1.0)


def test_strong_share_is_zero_when_the_weak_model_is_good_enough() -> None:
    assert strong_share_for_quality([1, 2], [1, 1], [1, 1]) == 0.0
