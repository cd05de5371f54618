#!/usr/bin/env python3
"""Train the complexity scorer and write the artefact the package ships.

    .venv/bin/python scripts/train_complexity.py [--data ../shared/data] [--out PATH]

What it learns, from RouteLLM's per-prompt correctness of a weak model (Mixtral-8x7B) and a
strong one (GPT-4) on MMLU and GSM8K, one model per kind of prompt (`features.prompt_kind`):

- exam questions: two logistic regressions ("the strong model gets this right", "the weak
  model gets this right") over hashed words and word pairs plus a few measures;
- math word problems: the same two regressions over five measures of how many steps the
  arithmetic takes (no hashed words: with ~1,000 problems they only added noise).

Their difference is the accuracy expected to be gained by escalating, which is what routing
should rank by (a prompt both models fail gains nothing from the cloud). Open prompts (chat,
code, writing) have no labels: the scorer weighs their named signals by hand.

Every prompt of both files is used, once the design has been measured by k-fold
cross-validation over the whole of each file (the same folds give the per-kind calibration
and the threshold percentiles, from predictions on prompts each fold model never saw).
Pure numpy: a minute or two on two cores.
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import json
import statistics
import struct
import sys
import time
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "src"))

from localfirst import __version__  # noqa: E402
from localfirst.complexity import features  # noqa: E402
from localfirst.complexity.evaluation import (  # noqa: E402
    ROUTING_SOURCES,
    LabelledPrompt,
    apgr,
    load_routing,
    read_jsonl,
)
from localfirst.complexity.scorer import (  # noqa: E402
    ARTEFACT_PATH,
    FORMAT_VERSION,
    ComplexityScorer,
)

N_BUCKETS = 1 << 16
L2_LEXICAL = 100.0  # chosen by 5-fold cross-validation (docs/routing.md)
L2_DENSE = 1.0
ITERATIONS = 150
LEARNING_RATE = 0.05
L2_WORD_PROBLEM = 100.0
SQUASH = 4.0  # gains live roughly in [-0.5, 1]; this spreads the usual ones over most of [0, 1]
FOLDS = 5
CHAT_FILES = ("benign/mt_bench_prompts.jsonl", "benign/vicuna_bench_prompts.jsonl")


@dataclass
class Design:
    """Features for a list of prompts: sparse buckets (CSR-style) and raw dense ones."""

    bucket_index: np.ndarray  # the buckets of all prompts, concatenated
    bucket_row: np.ndarray  # the prompt each of those buckets belongs to
    dense: np.ndarray  # (prompts, dense features), raw
    n_rows: int

    @classmethod
    def build(cls, rows: list[list[int]], dense: np.ndarray) -> Design:
        index = np.fromiter((b for r in rows for b in r), dtype=np.int64)
        row = np.repeat(np.arange(len(rows)), [len(r) for r in rows])
        return cls(index, row, dense, len(rows))

    def subset(self, rows: np.ndarray) -> Design:
        """The design of `rows` (sorted indices), renumbered from 0."""
        keep = np.isin(self.bucket_row, rows)
        renumber = np.full(self.n_rows, -1)
        renumber[rows] = np.arange(len(rows))
        return Design(
            self.bucket_index[keep], renumber[self.bucket_row[keep]], self.dense[rows], len(rows)
        )


@dataclass
class Logistic:
    bias: float
    dense: np.ndarray  # weights on standardised dense features
    lexical: np.ndarray  # weight per hash bucket (empty without hashed words)


def train_lexical_logistic(
    design: Design, standardised: np.ndarray, labels: np.ndarray
) -> Logistic:
    """L2-regularised logistic regression over hashed words and dense inputs, by full-batch Adam
    (no scipy/sklearn needed); 150 steps also act as early stopping on the rare buckets."""
    n = design.n_rows
    params = [np.zeros(1), np.zeros(standardised.shape[1]), np.zeros(N_BUCKETS)]
    first = [np.zeros_like(p) for p in params]
    second = [np.zeros_like(p) for p in params]
    for step in range(1, ITERATIONS + 1):
        lexical = np.bincount(
            design.bucket_row, weights=params[2][design.bucket_index], minlength=n
        )
        logits = params[0][0] + standardised @ params[1] + lexical
        residual = (1 / (1 + np.exp(-logits)) - labels) / n
        grads = [
            np.array([residual.sum()]),
            standardised.T @ residual + L2_DENSE * params[1] / n,
            np.bincount(
                design.bucket_index, weights=residual[design.bucket_row], minlength=N_BUCKETS
            )
            + L2_LEXICAL * params[2] / n,
        ]
        for p, g, m, v in zip(params, grads, first, second, strict=True):
            m *= 0.9
            m += 0.1 * g
            v *= 0.999
            v += 0.001 * g * g
            p -= LEARNING_RATE * (m / (1 - 0.9**step)) / (np.sqrt(v / (1 - 0.999**step)) + 1e-8)
    return Logistic(float(params[0][0]), params[1], params[2])


def train_dense_logistic(standardised: np.ndarray, labels: np.ndarray, l2: float) -> Logistic:
    """L2-regularised logistic regression on a few dense inputs, by Newton's method."""
    n, d = standardised.shape
    x = np.hstack([np.ones((n, 1)), standardised])
    penalty = l2 * np.eye(d + 1)
    penalty[0, 0] = 0.0  # the bias is not shrunk
    w = np.zeros(d + 1)
    for _ in range(50):
        p = 1 / (1 + np.exp(-x @ w))
        gradient = x.T @ (p - labels) + penalty @ w
        hessian = (x * (p * (1 - p))[:, None]).T @ x + penalty
        step = np.linalg.solve(hessian, gradient)
        w -= step
        if np.abs(step).max() < 1e-9:
            break
    return Logistic(float(w[0]), w[1:], np.zeros(0))


@dataclass
class Corpus:
    """The labelled prompts with every feature computed once (folds take subsets)."""

    prompts: list[LabelledPrompt]
    kinds: np.ndarray
    weak: np.ndarray
    strong: np.ndarray
    exam_rows: np.ndarray  # indices of exam prompts, and their design (in the same order)
    exam: Design
    exam_names: list[str]
    word_problem_rows: np.ndarray
    word_problem: np.ndarray  # (word problems, measures), raw
    word_problem_names: list[str]

    @classmethod
    def build(cls, prompts: list[LabelledPrompt]) -> Corpus:
        signals = [features.signal_values(p.text) for p in prompts]
        kinds = np.array(
            [features.prompt_kind(p.text, s) for p, s in zip(prompts, signals, strict=True)]
        )
        exam_rows = np.flatnonzero(kinds == features.EXAM)
        exam_values = [features.exam_features(prompts[i].text) for i in exam_rows]
        exam = Design.build(
            [features.lexical_buckets(prompts[i].text, N_BUCKETS) for i in exam_rows],
            np.array([list(v.values()) for v in exam_values], dtype=float),
        )
        word_rows = np.flatnonzero(kinds == features.WORD_PROBLEM)
        word_values = [features.word_problem_features(prompts[i].text) for i in word_rows]
        return cls(
            prompts,
            kinds,
            np.array([p.weak for p in prompts]),
            np.array([p.strong for p in prompts]),
            exam_rows,
            exam,
            list(features.exam_features("").keys()),
            word_rows,
            np.array([list(v.values()) for v in word_values], dtype=float),
            list(features.word_problem_features("").keys()),
        )


def _float16_base64(values: np.ndarray) -> str:
    return base64.b64encode(struct.pack(f"<{len(values)}e", *values.tolist())).decode("ascii")


def _stored_model(
    names: list[str], dense: np.ndarray, strong: Logistic, weak: Logistic, n_buckets: int
) -> dict:
    mean = dense.mean(axis=0)
    scale = dense.std(axis=0) + 1e-6
    stored = {
        "dense_names": names,
        "dense_mean": mean.round(6).tolist(),
        "dense_scale": scale.round(6).tolist(),
        "dense_min": dense.min(axis=0).round(6).tolist(),
        "dense_max": dense.max(axis=0).round(6).tolist(),
        "n_buckets": n_buckets,
    }
    for name, model in (("strong", strong), ("weak", weak)):
        stored[name] = {"bias": round(model.bias, 6), "dense": model.dense.round(6).tolist()}
        if n_buckets:
            stored[name]["lexical_float16_base64"] = _float16_base64(model.lexical)
    return stored


def fit_models(corpus: Corpus, train: np.ndarray) -> dict:
    """Both kinds' models on the prompts `train` (indices into the corpus), as the artefact
    stores them (without calibration)."""
    in_train = np.zeros(len(corpus.prompts), dtype=bool)
    in_train[train] = True

    exam_keep = np.flatnonzero(in_train[corpus.exam_rows])
    design = corpus.exam.subset(exam_keep)
    rows = corpus.exam_rows[exam_keep]
    mean, scale = design.dense.mean(axis=0), design.dense.std(axis=0) + 1e-6
    standardised = (design.dense - mean) / scale
    exam = _stored_model(
        corpus.exam_names,
        design.dense,
        train_lexical_logistic(design, standardised, corpus.strong[rows]),
        train_lexical_logistic(design, standardised, corpus.weak[rows]),
        N_BUCKETS,
    )

    word_keep = np.flatnonzero(in_train[corpus.word_problem_rows])
    dense = corpus.word_problem[word_keep]
    rows = corpus.word_problem_rows[word_keep]
    standardised = (dense - dense.mean(axis=0)) / (dense.std(axis=0) + 1e-6)
    word_problem = _stored_model(
        corpus.word_problem_names,
        dense,
        train_dense_logistic(standardised, corpus.strong[rows], L2_WORD_PROBLEM),
        train_dense_logistic(standardised, corpus.weak[rows], L2_WORD_PROBLEM),
        0,
    )
    return {features.EXAM: exam, features.WORD_PROBLEM: word_problem}


def artefact_for(models: dict) -> dict:
    """A loadable artefact around `models` (no calibration yet: identity per kind)."""
    return {
        "format": FORMAT_VERSION,
        "squash": SQUASH,
        "models": models,
        "open": {
            "base": features.OPEN_BASE_GAIN,
            "signal_priors": {s.name: s.prior for s in features.SIGNALS},
        },
    }


def fold_of(prompt_id: str, folds: int, seed: int = 0) -> int:
    """A prompt's fold: a hash of its id, so every run and machine agrees."""
    return zlib.crc32(f"{seed}:{prompt_id}".encode()) % folds


@dataclass
class CrossValidation:
    folds: np.ndarray  # each prompt's fold
    raw_gain: np.ndarray  # each prompt's raw gain from the model that did not see it


def cross_validate(corpus: Corpus, folds: int = FOLDS, seed: int = 0) -> CrossValidation:
    """Raw gains for every prompt from models trained on the other folds, scored by the
    shipped scorer's own code (float16 weights, clipping and all)."""
    fold = np.array([fold_of(p.id, folds, seed) for p in corpus.prompts])
    raw = np.zeros(len(corpus.prompts))
    for k in range(folds):
        started = time.perf_counter()
        scorer = ComplexityScorer(artefact_for(fit_models(corpus, np.flatnonzero(fold != k))))
        for i in np.flatnonzero(fold == k):
            raw[i] = scorer.assess(corpus.prompts[i].text).raw_gain
        print(f"  fold {k + 1}/{folds} in {time.perf_counter() - started:.0f} s", flush=True)
    return CrossValidation(fold, raw)


def fit_calibration(corpus: Corpus, raw: np.ndarray) -> dict[str, dict[str, float]]:
    """Per kind, the line from raw to expected gain (least squares on held-out predictions).

    Regularised models shrink towards their own kind's mean; the line undoes that so one
    kind's scores are not squeezed inside the other's (both are in the same unit after it).
    """
    calibration = {}
    for kind in (features.EXAM, features.WORD_PROBLEM):
        rows = corpus.kinds == kind
        if rows.sum() < 2:
            calibration[kind] = {"intercept": 0.0, "slope": 1.0}
            continue
        x = raw[rows]
        y = corpus.strong[rows] - corpus.weak[rows]
        slope = float(np.cov(x, y)[0, 1] / max(np.var(x, ddof=1), 1e-9))
        slope = max(slope, 0.1)  # a calibration must keep the model's order
        intercept = float(y.mean() - slope * x.mean())
        calibration[kind] = {"intercept": round(intercept, 5), "slope": round(slope, 5)}
    return calibration


def calibrated_gains(corpus: Corpus, raw: np.ndarray, calibration: dict) -> np.ndarray:
    gains = raw.copy()
    for kind, line in calibration.items():
        rows = corpus.kinds == kind
        gains[rows] = line["intercept"] + line["slope"] * raw[rows]
    return gains


def fold_metrics(
    corpus: Corpus, scores: np.ndarray, folds: np.ndarray, baselines: dict | None = None
) -> dict[str, dict[str, list[float]]]:
    """APGR per source and fold for our scores and each baseline (text -> score)."""
    routers = {"ours": scores}
    for name, score in (baselines or {"length-only": len}).items():
        routers[name] = np.array([score(p.text) for p in corpus.prompts], dtype=float)
    sources = np.array([p.source for p in corpus.prompts])
    metrics: dict[str, dict[str, list[float]]] = {}
    for source in ROUTING_SOURCES:
        metrics[source] = {name: [] for name in routers}
        for k in sorted(set(folds.tolist())):
            rows = np.flatnonzero((sources == source) & (folds == k))
            for name, values in routers.items():
                metrics[source][name].append(
                    apgr(
                        values[rows].tolist(),
                        corpus.weak[rows].tolist(),
                        corpus.strong[rows].tolist(),
                    )
                )
    return metrics


def percentiles(groups: dict[str, Sequence[float]]) -> list[float]:
    """Score percentiles over the calibration prompts, each group weighing the same.

    RouteLLM calibrates its threshold on a sample of real user prompts; we have three kinds of
    prompt (open-ended chat, exam questions, math word problems) and give each a third.
    """
    weighted = sorted((s, 1.0 / len(scores)) for scores in groups.values() for s in scores)
    total = sum(w for _, w in weighted)
    quantiles, cumulative, i = [], 0.0, 0
    for q in range(101):
        target = q / 100 * total
        while i < len(weighted) - 1 and cumulative + weighted[i][1] < target:
            cumulative += weighted[i][1]
            i += 1
        quantiles.append(round(weighted[i][0], 5))
    return quantiles


def load_corpus(data: Path) -> Corpus:
    return Corpus.build([p for s in ROUTING_SOURCES for p in load_routing(data, s)])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    parser.add_argument("--out", type=Path, default=ARTEFACT_PATH)
    args = parser.parse_args(argv)
    if not (args.data / "routing").is_dir():
        parser.error(f"no routing data under {args.data} (expected {args.data / 'routing'})")
    started = time.perf_counter()

    corpus = load_corpus(args.data)
    chat = [row["text"] for f in CHAT_FILES for row in read_jsonl(args.data / f)]
    kinds = {k: int((corpus.kinds == k).sum()) for k in features.KINDS}
    print(f"{len(corpus.prompts)} labelled prompts ({kinds}); {FOLDS}-fold cross-validation:")
    cv = cross_validate(corpus)
    calibration = fit_calibration(corpus, cv.raw_gain)
    held_out_gain = calibrated_gains(corpus, cv.raw_gain, calibration)

    models = fit_models(corpus, np.arange(len(corpus.prompts)))
    for kind, line in calibration.items():
        models[kind]["calibration"] = line
        models[kind]["typical_gain"] = round(
            float(np.median(held_out_gain[corpus.kinds == kind])), 5
        )
    artefact = {
        "format": FORMAT_VERSION,
        "note": (
            "Complexity scorer for localfirst: per kind of prompt, two logistic regressions "
            "(strong / weak model answers correctly) trained on RouteLLM's per-prompt labels "
            "(weak Mixtral-8x7B, strong GPT-4-1106): MMLU for exam questions (hashed words and "
            "measures), GSM8K for math word problems (five measures); hand-weighted signals "
            "for open prompts. Data Apache-2.0 / MIT."
        ),
        "version": __version__,
        "trained": dt.date.today().isoformat(),
        "command": "python scripts/train_complexity.py --data ../shared/data",
        "data": {
            "train_prompts": {
                s: sum(p.source == s for p in corpus.prompts) for s in ROUTING_SOURCES
            },
            "prompts_per_kind": kinds,
            "calibration_prompts": {
                "chat": len(chat),
                **{s: sum(p.source == s for p in corpus.prompts) for s in ROUTING_SOURCES},
            },
        },
        "hyperparameters": {
            "n_buckets": N_BUCKETS,
            "l2_lexical": L2_LEXICAL,
            "l2_dense": L2_DENSE,
            "iterations": ITERATIONS,
            "learning_rate": LEARNING_RATE,
            "l2_word_problem": L2_WORD_PROBLEM,
            "folds": FOLDS,
        },
        **{k: v for k, v in artefact_for(models).items() if k != "format"},
    }
    scorer = ComplexityScorer(artefact)
    # The threshold percentiles: chat scored by the shipped scorer; the benchmarks by the fold
    # models, i.e. as prompts the scorer never saw (in-sample scores would be too spread).
    held_out_scores = np.array([scorer.gain_to_score(g) for g in held_out_gain])
    sources = np.array([p.source for p in corpus.prompts])
    groups = {"chat": [scorer.score(t).score for t in chat]}
    groups |= {s: held_out_scores[sources == s].tolist() for s in ROUTING_SOURCES}
    artefact["calibration"] = {
        "percentiles": percentiles(groups),
        "groups": list(groups),
        "weighting": "equal per group; benchmark prompts scored by the fold that held them out",
    }
    metrics = fold_metrics(corpus, held_out_scores, cv.folds)
    artefact["cross_validation"] = {
        source: {
            name: {"mean": round(statistics.mean(v), 4), "sd": round(statistics.stdev(v), 4)}
            for name, v in by_router.items()
        }
        for source, by_router in metrics.items()
    }
    args.out.write_text(json.dumps(artefact, indent=1) + "\n", encoding="utf-8")
    for source, by_router in artefact["cross_validation"].items():
        summary = ", ".join(f"{n} {m['mean']:.3f} ± {m['sd']:.3f}" for n, m in by_router.items())
        print(f"  {source}: APGR {summary}")
    size_kib = args.out.stat().st_size / 1024
    print(f"wrote {args.out} ({size_kib:.0f} KiB) in {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
