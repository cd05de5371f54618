"""The shipped complexity scorer: range, sanity orderings, calibration, offline loading, and
routing quality on prompts it never saw in training (when the shared data is present)."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest

from localfirst.complexity.evaluation import (
    ROUTING_SOURCES,
    apgr,
    is_held_out,
    load_routing,
    read_jsonl,
)
from localfirst.complexity.scorer import ARTEFACT_PATH, ArtefactError, ComplexityScorer

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"
needs_data = pytest.mark.skipif(
    not (DATA / "routing").is_dir(),
    reason=f"the routing data is not at {DATA} (it lives in the shared checkout, not the repo)",
)

GREETING = "hi there, thanks!"
WORD_PROBLEM = (
    "A shop sells pens at $3 each and notebooks at twice that price. Maria buys 4 pens and "
    "3 notebooks, pays with a $50 bill and then spends half of her change on 2 more pens. "
    "How much money does she have left? Explain your reasoning step by step."
)
CODE_TASK = (
    "Implement a function in Python that returns the k-th smallest element of the union of two "
    "sorted arrays in O(log n) time without using extra data structures."
)
POEM = "Write a short poem about autumn leaves for my daughter's birthday card."


@pytest.fixture(scope="module")
def scorer() -> ComplexityScorer:
    return ComplexityScorer.load()


@pytest.mark.parametrize(
    "text",
    ["", " ", GREETING, WORD_PROBLEM, CODE_TASK, "é" * 50, "x" * 200_000, "1 + 1 = ?\n" * 500],
)
def test_score_is_in_unit_interval(scorer: ComplexityScorer, text: str) -> None:
    result = scorer.score(text)
    assert 0.0 <= result.score <= 1.0
    assert len(result.signals) <= 3
    assert all(isinstance(s, str) and 0 < len(s) <= 40 for s in result.signals)


def test_greeting_scores_below_a_multi_step_word_problem(scorer: ComplexityScorer) -> None:
    assert scorer.score(GREETING).score < scorer.score(WORD_PROBLEM).score


def test_code_task_scores_above_a_poem(scorer: ComplexityScorer) -> None:
    assert scorer.score(POEM).score < scorer.score(CODE_TASK).score


def test_signals_name_what_pushed_the_score(scorer: ComplexityScorer) -> None:
    assert "code" in scorer.score(CODE_TASK).signals
    assert "small talk" in scorer.score(GREETING).signals


def test_threshold_extremes_and_order(scorer: ComplexityScorer) -> None:
    assert scorer.threshold_for_local_share(0.0) == 0.0
    assert scorer.threshold_for_local_share(1.0) > 1.0
    shares = [0.1, 0.3, 0.5, 0.7, 0.9]
    thresholds = [scorer.threshold_for_local_share(s) for s in shares]
    assert thresholds == sorted(thresholds)
    assert all(0.0 < t < 1.0 for t in thresholds)


def test_artefact_notes_its_data_version_and_command() -> None:
    artefact = json.loads(ARTEFACT_PATH.read_text(encoding="utf-8"))
    for key in ("note", "version", "trained", "command", "data", "calibration"):
        assert artefact[key], key
    assert "train_complexity.py" in artefact["command"]


def test_loads_and_scores_with_the_network_unreachable(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_network(*args, **kwargs):
        raise AssertionError("the scorer tried to open a socket")

    monkeypatch.setattr(socket, "socket", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    scorer = ComplexityScorer.load()
    assert 0.0 <= scorer.score(WORD_PROBLEM).score <= 1.0


def test_damaged_artefact_is_a_clear_error(tmp_path: Path) -> None:
    broken = tmp_path / "scorer_weights.json"
    broken.write_text('{"format": 1, "n_buckets": 4}', encoding="utf-8")
    with pytest.raises(ArtefactError, match="damaged"):
        ComplexityScorer.from_file(broken)
    with pytest.raises(ArtefactError, match="cannot read"):
        ComplexityScorer.from_file(tmp_path / "missing.json")


@needs_data
def test_half_of_the_calibration_prompts_stay_local_at_share_one_half(
    scorer: ComplexityScorer,
) -> None:
    # The calibration mix: chat prompts and the held-out exam and word problems, a third each.
    groups = [
        [
            row["text"]
            for f in ("mt_bench_prompts", "vicuna_bench_prompts")
            for row in read_jsonl(DATA / "benign" / f"{f}.jsonl")
        ],
        *[[p.text for p in load_routing(DATA, s) if is_held_out(p.id)] for s in ROUTING_SOURCES],
    ]
    threshold = scorer.threshold_for_local_share(0.5)
    local = [sum(scorer.score(t).score < threshold for t in g) / len(g) for g in groups]
    assert sum(local) / len(local) == pytest.approx(0.5, abs=0.05)


def _held_out(source: str):
    prompts = [p for p in load_routing(DATA, source) if is_held_out(p.id)]
    return [p.text for p in prompts], [p.weak for p in prompts], [p.strong for p in prompts]


@needs_data
def test_held_out_mmlu_apgr_beats_length_only(scorer: ComplexityScorer) -> None:
    texts, weak, strong = _held_out("mmlu")
    ours = apgr([scorer.score(t).score for t in texts], weak, strong)
    length_only = apgr([len(t) for t in texts], weak, strong)
    assert ours > length_only + 0.03


@needs_data
def test_held_out_gsm8k_apgr_is_well_above_random(scorer: ComplexityScorer) -> None:
    # Only ~200 GSM8K prompts are held out: APGR's standard error there is about 0.04, too
    # wide to rank against length-only (cross-validation does that: docs/routing.md).
    texts, weak, strong = _held_out("gsm8k")
    assert apgr([scorer.score(t).score for t in texts], weak, strong) > 0.6
