"""Which kind a prompt is, and what the named signals see in it."""

from __future__ import annotations

import pytest

from localfirst.complexity import features
from localfirst.complexity.features import EXAM, OPEN, WORD_PROBLEM, prompt_kind, signal_values

MMLU_STYLE = (
    "Which of the following is a function of the liver?\n"
    "A. Producing insulin\nB. Producing bile\nC. Filtering air\nD. Pumping blood\nAnswer:"
)
GSM8K_STYLE = (
    "Natalia sold clips to 48 of her friends in April, and then she sold half as many clips "
    "in May. How many clips did Natalia sell altogether in April and May?"
)


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        (MMLU_STYLE, EXAM),
        (GSM8K_STYLE, WORD_PROBLEM),
        (
            "Tom is three times as old as his daughter. In 12 years he will be twice as old as "
            "her. How old is Tom now?",
            WORD_PROBLEM,
        ),
        # A list in a chat request is not an exam's lettered choices.
        ("Which is healthier?\na) an apple\nb) a donut", OPEN),
        # Narratives with numbers that are about something else than arithmetic.
        (
            "A 58-year-old man has crushing chest pain and sweating for 30 minutes. What is the "
            "differential diagnosis and what should be done first?",
            OPEN,
        ),
        (
            "How would you design a notification service that sends push, email and SMS to 50 "
            "million users with retries?",
            OPEN,
        ),
        (
            "Should I pay off my 6% student loans or invest in an index fund given I earn $90k "
            "and have 2 kids?",
            OPEN,
        ),
        ("What is the probability of rolling two sixes with 2 dice in 3 throws?", OPEN),
        ("Solve for x: 3x + 10 = 5(x - 2), and show the 2 steps.", OPEN),
        ("hi", OPEN),
    ],
)
def test_prompt_kind(text: str, kind: str) -> None:
    assert prompt_kind(text) == kind


@pytest.mark.parametrize(
    "text",
    ["", " ", "é" * 50, "x" * 200_000, "1 + 1 = ?\n" * 500, "\n\n\n", "Traceback" * 3000],
)
def test_signal_values_stay_in_the_unit_interval(text: str) -> None:
    values = signal_values(text)
    assert set(values) == set(features.SIGNAL_NAMES)
    assert all(0.0 <= v <= 1.0 for v in values.values())


def test_repeated_everyday_words_are_not_code() -> None:
    story = (
        "There are 6 trees in Chris's yard. His class planted 4 more trees, and the class "
        "teacher planted 2 trees. How many trees are there now?"
    )
    assert signal_values(story)["code"] == 0.0
    assert prompt_kind(story) == WORD_PROBLEM


def test_code_words_count_next_to_code() -> None:
    assert (
        signal_values("Implement a class for a binary tree with insert and delete.")["code"] > 0.5
    )


def test_the_request_after_a_long_paste_is_read() -> None:
    # The signals read the start and the end of a long prompt: the question usually comes last.
    log = "2024-01-01 12:00:01 INFO GET /api/items 200 12ms\n" * 400
    values = signal_values(log + "Why does it then fail with KeyError: 'id'?")
    assert values["debugging"] == 1.0


def test_math_symbols_in_pasted_code_are_not_mathematics() -> None:
    code = "def total(xs):\n    s = 0\n    for x in xs:\n        s = s + x * 2\n    return s\n"
    assert signal_values("Why is this slow?\n" + code)["math"] == 0.0
    assert signal_values("Solve 3x + 10 = 5(x - 2) for x")["math"] > 0.0


@pytest.mark.parametrize(
    ("text", "signal"),
    [
        ("How do you say thank you in Japanese?", "translation"),
        ("Rephrase this: hey, can't make it today", "rewrite"),
        ("Pretend you're a pirate and say hello", "roleplay"),
    ],
)
def test_a_task_with_a_greeting_in_it_is_not_small_talk(text: str, signal: str) -> None:
    values = signal_values(text)
    assert values[signal] > 0.0
    assert values["small_talk"] == 0.0


def test_word_problem_features_are_the_trained_ones() -> None:
    values = features.word_problem_features(GSM8K_STYLE)
    assert values["has_comparison"] == 1.0  # "half as many"
    assert values["log_fractions"] > 0.0  # "half"
    assert values["log_sequence_words"] > 0.0  # "then"


def test_lexical_buckets_are_stable_across_processes() -> None:
    # crc32, not hash(): the shipped weights were trained on exactly these buckets.
    assert features.lexical_buckets("Hello world", 1 << 16) == [21922, 57959, 59535]
