"""scripts/train_complexity.py end to end on a slice of the shared data: models trained
without a fold rank that fold's prompts better than length does, through the shipped
scorer's own code."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest

from localfirst.complexity import features
from localfirst.complexity.evaluation import apgr, load_routing
from localfirst.complexity.scorer import ComplexityScorer

REPO = Path(__file__).resolve().parents[2]
DATA = REPO.parent / "shared" / "data"
pytestmark = pytest.mark.skipif(
    not (DATA / "routing").is_dir(),
    reason=f"the routing data is not at {DATA} (it lives in the shared checkout, not the repo)",
)


@pytest.fixture(scope="module")
def train_complexity():
    spec = importlib.util.spec_from_file_location(
        "train_complexity", REPO / "scripts" / "train_complexity.py"
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules["train_complexity"] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    yield module
    sys.modules.pop("train_complexity", None)


@pytest.fixture(scope="module")
def held_out_fold(train_complexity):
    """A quarter of MMLU and all of GSM8K; models fitted without fold 0, and that fold."""
    prompts = load_routing(DATA, "mmlu")[::4] + load_routing(DATA, "gsm8k")
    corpus = train_complexity.Corpus.build(prompts)
    folds = np.array([train_complexity.fold_of(p.id, 5) for p in prompts])
    models = train_complexity.fit_models(corpus, np.flatnonzero(folds != 0))
    scorer = ComplexityScorer(train_complexity.artefact_for(models))
    return scorer, [p for p, f in zip(prompts, folds, strict=True) if f == 0]


def _apgr(prompts, scores) -> float:
    return apgr(scores, [p.weak for p in prompts], [p.strong for p in prompts])


def test_exam_model_beats_length_on_questions_it_never_saw(held_out_fold) -> None:
    scorer, held_out = held_out_fold
    exam = [p for p in held_out if p.source == "mmlu"]
    ours = _apgr(exam, [scorer.assess(p.text).raw_gain for p in exam])
    assert ours > _apgr(exam, [len(p.text) for p in exam]) + 0.03


def test_word_problem_model_ranks_unseen_problems_well_above_random(held_out_fold) -> None:
    # ~210 problems: APGR's standard error is about 0.04, too wide to rank against length on
    # one fold (scripts/eval_routing.py cross-validates over all of them for that).
    scorer, held_out = held_out_fold
    problems = [p for p in held_out if p.source == "gsm8k"]
    kinds = [scorer.assess(p.text).kind for p in problems]
    assert kinds.count(features.WORD_PROBLEM) > 0.95 * len(problems)
    assert _apgr(problems, [scorer.assess(p.text).raw_gain for p in problems]) > 0.6


def test_calibration_keeps_each_kinds_order(train_complexity) -> None:
    prompts = load_routing(DATA, "gsm8k")[:300]
    corpus = train_complexity.Corpus.build(prompts)
    raw = np.linspace(-0.2, 0.6, len(prompts))
    line = train_complexity.fit_calibration(corpus, raw)[features.WORD_PROBLEM]
    assert line["slope"] > 0.0
