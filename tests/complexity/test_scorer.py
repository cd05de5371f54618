"""The shipped complexity scorer: everyday prompts land on the right side of the default
threshold with reasons a user understands; range, calibration, artefact and offline loading."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest

from localfirst.complexity.evaluation import ROUTING_SOURCES, load_routing, read_jsonl
from localfirst.complexity.scorer import ARTEFACT_PATH, ArtefactError, ComplexityScorer

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"
needs_data = pytest.mark.skipif(
    not (DATA / "routing").is_dir(),
    reason=f"the routing data is not at {DATA} (it lives in the shared checkout, not the repo)",
)
# Hand-labelled everyday prompts: what a user would expect to stay local or go to the cloud
# (also reported by scripts/eval_routing.py).
EVERYDAY = [
    json.loads(line)
    for line in (Path(__file__).with_name("everyday_prompts.jsonl")).read_text().splitlines()
    if line
]
DEFAULT_SHARE = 0.5

WORD_PROBLEM = (
    "A shop sells pens at $3 each and notebooks at twice that price. Maria buys 4 pens and "
    "3 notebooks, pays with a $50 bill and then spends half of her change on 2 more pens. "
    "How much money does she have left?"
)
KEY_ERROR = (
    "Why does this fail?\n"
    "Traceback (most recent call last):\n"
    '  File "report.py", line 12, in <module>\n'
    '    print(totals["march"])\n'
    "KeyError: 'march'"
)


@pytest.fixture(scope="module")
def scorer() -> ComplexityScorer:
    return ComplexityScorer.load()


@pytest.fixture(scope="module")
def threshold(scorer: ComplexityScorer) -> float:
    return scorer.threshold_for_local_share(DEFAULT_SHARE)


@pytest.mark.parametrize(
    "case", EVERYDAY, ids=[f"{c['expect']}:{c['text'][:40]}" for c in EVERYDAY]
)
def test_everyday_prompt_lands_on_the_expected_side(
    scorer: ComplexityScorer, threshold: float, case: dict
) -> None:
    score = scorer.score(case["text"]).score
    if case["expect"] == "cloud":
        assert score >= threshold
    else:
        assert score < threshold


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("hey, thanks a lot!", "small talk"),
        ("Who painted the Mona Lisa?", "short factual question"),
        ("Rewrite this to sound more polite: send me the report now.", "rewriting or extraction"),
        ("Translate 'where is the station' into French", "simple translation"),
        (KEY_ERROR, "debugging an error"),
        ("Prove that there are infinitely many primes.", "proof"),
        ("Implement an LRU cache in Python with O(1) get and put.", "code"),
        (
            "Design a URL shortener handling 10,000 writes per second, and explain how it scales.",
            "system design",
        ),
        (
            "My landlord kept my security deposit and my lease says nothing about cleaning. Can I "
            "take him to small claims court?",
            "legal question",
        ),
        (
            "I take warfarin and was just prescribed fluconazole. Is that interaction dangerous?",
            "medical question",
        ),
        (
            "Plan a 5-day trip to Rome for two: budget under $2,000, no museums on Monday, must "
            "include a cooking class, avoid tourist traps, and give it as a table.",
            "many constraints",
        ),
    ],
)
def test_signals_name_what_pushed_the_score(
    scorer: ComplexityScorer, text: str, label: str
) -> None:
    assert label in scorer.score(text).signals


def test_a_word_problem_is_explained_as_math(scorer: ComplexityScorer, threshold: float) -> None:
    result = scorer.score(WORD_PROBLEM)
    assert result.score >= threshold
    assert result.signals[0] == "multi-step math"


def test_longer_word_problems_with_more_steps_score_higher(scorer: ComplexityScorer) -> None:
    one_step = "Sam has 12 apples and gives 5 of them to his sister. How many apples are left?"
    assert scorer.score(one_step).score < scorer.score(WORD_PROBLEM).score
    assert scorer.score(one_step).signals[0] == "simple arithmetic"


def test_pasted_python_key_error_is_escalated(scorer: ComplexityScorer, threshold: float) -> None:
    assert scorer.score(KEY_ERROR).score >= threshold


def test_long_extraction_with_many_numbers_is_not_a_word_problem(
    scorer: ComplexityScorer, threshold: float
) -> None:
    rows = "\n".join(
        f"2024-03-{d:02d}, store {d % 7}, {d * 13} units, ${d * 41}.50" for d in range(1, 29)
    )
    prompt = f"Extract the dates and amounts from this table into a list:\n{rows}"
    assessment = scorer.assess(prompt)
    assert assessment.kind == "open"
    assert scorer.score(prompt).score < threshold


@pytest.mark.parametrize(
    "text",
    ["", " ", "hi", WORD_PROBLEM, KEY_ERROR, "é" * 50, "x" * 200_000, "1 + 1 = ?\n" * 500],
)
def test_score_is_in_unit_interval(scorer: ComplexityScorer, text: str) -> None:
    result = scorer.score(text)
    assert 0.0 <= result.score <= 1.0
    assert len(result.signals) <= 3
    assert all(isinstance(s, str) and 0 < len(s) <= 40 for s in result.signals)


def test_threshold_extremes_and_order(scorer: ComplexityScorer) -> None:
    assert scorer.threshold_for_local_share(0.0) == 0.0
    assert scorer.threshold_for_local_share(1.0) > 1.0
    shares = [0.1, 0.3, 0.5, 0.7, 0.9]
    thresholds = [scorer.threshold_for_local_share(s) for s in shares]
    assert thresholds == sorted(thresholds)
    assert all(0.0 < t < 1.0 for t in thresholds)


def test_artefact_notes_its_data_version_command_and_cross_validation() -> None:
    artefact = json.loads(ARTEFACT_PATH.read_text(encoding="utf-8"))
    for key in ("note", "version", "trained", "command", "data", "calibration"):
        assert artefact[key], key
    assert "train_complexity.py" in artefact["command"]
    # What the training run measured on prompts each fold never saw: better than length.
    for source in ROUTING_SOURCES:
        measured = artefact["cross_validation"][source]
        assert measured["ours"]["mean"] > measured["length-only"]["mean"] + 0.03, source


def test_loads_and_scores_with_the_network_unreachable(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_network(*args, **kwargs):
        raise AssertionError("the scorer tried to open a socket")

    monkeypatch.setattr(socket, "socket", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    scorer = ComplexityScorer.load()
    assert 0.0 <= scorer.score(WORD_PROBLEM).score <= 1.0


def test_damaged_artefact_is_a_clear_error(tmp_path: Path) -> None:
    broken = tmp_path / "scorer_weights.json"
    broken.write_text('{"format": 2, "squash": 4}', encoding="utf-8")
    with pytest.raises(ArtefactError, match="damaged"):
        ComplexityScorer.from_file(broken)
    broken.write_text('{"format": 1}', encoding="utf-8")
    with pytest.raises(ArtefactError, match="format 1"):
        ComplexityScorer.from_file(broken)
    with pytest.raises(ArtefactError, match="cannot read"):
        ComplexityScorer.from_file(tmp_path / "missing.json")


@needs_data
def test_about_half_of_the_calibration_prompts_stay_local_at_share_one_half(
    scorer: ComplexityScorer,
) -> None:
    # The calibration mix: chat prompts, exam questions and word problems, a third each (the
    # artefact's percentiles come from held-out scores; these are in-sample, hence the slack).
    groups = [
        [
            row["text"]
            for f in ("mt_bench_prompts", "vicuna_bench_prompts")
            for row in read_jsonl(DATA / "benign" / f"{f}.jsonl")
        ],
        *[[p.text for p in load_routing(DATA, s)][::5] for s in ROUTING_SOURCES],
    ]
    threshold = scorer.threshold_for_local_share(DEFAULT_SHARE)
    local = [sum(scorer.score(t).score < threshold for t in g) / len(g) for g in groups]
    assert sum(local) / len(local) == pytest.approx(0.5, abs=0.06)
