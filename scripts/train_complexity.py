#!/usr/bin/env python3
"""Train the complexity scorer and write the artefact the package ships.

    .venv/bin/python scripts/train_complexity.py [--data ../shared/data] [--out PATH]

What it learns, from RouteLLM's per-prompt correctness of a weak model (Mixtral-8x7B) and a
strong one (GPT-4) on MMLU and GSM8K: two logistic regressions over the same features, one
for "the strong model gets this right" and one for "the weak model gets this right". Their
difference is the accuracy expected to be gained by escalating, which is what routing should
rank by (a prompt both models fail gains nothing from the cloud). Predicting the two separately
beat predicting the gain directly or "the weak model fails" in cross-validation (docs/routing.md).

Features: hashed words and word pairs, a few length/layout measures, and the hand-written
signals of `localfirst.complexity.features`. The signals' hand weights (priors) are added on
top, so prompts unlike the training data (chat, code, role-play) are still ranked sensibly.

Only the 80% of prompts outside `evaluation.is_held_out` are used; the rest are left for
`scripts/eval_routing.py`. Pure numpy, full-batch Adam: about a minute on two cores.
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import json
import struct
import sys
import time
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
    is_held_out,
    load_routing,
    read_jsonl,
)
from localfirst.complexity.scorer import ARTEFACT_PATH, FORMAT_VERSION  # noqa: E402

N_BUCKETS = 1 << 16
L2_LEXICAL = 100.0  # chosen by 5-fold cross-validation on the training split (docs/routing.md)
L2_DENSE = 1.0
ITERATIONS = 150
LEARNING_RATE = 0.05
SOURCE_WEIGHT = {"gsm8k": 2.0}
CHAT_FILES = ("benign/mt_bench_prompts.jsonl", "benign/vicuna_bench_prompts.jsonl")


@dataclass
class Design:
    """Features for a list of prompts: sparse buckets (CSR-style) and standardised dense ones."""

    bucket_index: np.ndarray  # the buckets of all prompts, concatenated
    bucket_row: np.ndarray  # the prompt each of those buckets belongs to
    dense: np.ndarray  # (prompts, dense features), raw
    n_rows: int

    @classmethod
    def build(cls, texts: list[str]) -> Design:
        rows = [features.lexical_buckets(t, N_BUCKETS) for t in texts]
        index = np.fromiter((b for r in rows for b in r), dtype=np.int64)
        row = np.repeat(np.arange(len(rows)), [len(r) for r in rows])
        dense = np.array([list(dense_features(t).values()) for t in texts], dtype=float)
        return cls(index, row, dense, len(texts))

    def subset(self, rows: np.ndarray) -> Design:
        keep = np.isin(self.bucket_row, rows)
        renumber = np.full(self.n_rows, -1)
        renumber[rows] = np.arange(len(rows))
        return Design(
            self.bucket_index[keep], renumber[self.bucket_row[keep]], self.dense[rows], len(rows)
        )


def dense_features(text: str) -> dict[str, float]:
    """The scorer's dense inputs, in the order the artefact stores them."""
    return features.dense_inputs(text, features.signal_values(text))


@dataclass
class Logistic:
    bias: float
    dense: np.ndarray  # weights on standardised dense features
    lexical: np.ndarray  # weight per hash bucket

    def logits(self, design: Design, standardised: np.ndarray) -> np.ndarray:
        lexical = np.bincount(
            design.bucket_row, weights=self.lexical[design.bucket_index], minlength=design.n_rows
        )
        return self.bias + standardised @ self.dense + lexical


def train_logistic(
    design: Design,
    standardised: np.ndarray,
    labels: np.ndarray,
    sample_weight: np.ndarray,
    l2_lexical: float = L2_LEXICAL,
    iterations: int = ITERATIONS,
) -> Logistic:
    """L2-regularised logistic regression by full-batch Adam (no scipy/sklearn needed)."""
    n = design.n_rows
    weight = sample_weight / sample_weight.sum()
    params = [np.zeros(1), np.zeros(standardised.shape[1]), np.zeros(N_BUCKETS)]
    first = [np.zeros_like(p) for p in params]
    second = [np.zeros_like(p) for p in params]
    for step in range(1, iterations + 1):
        model = Logistic(params[0][0], params[1], params[2])
        residual = (1 / (1 + np.exp(-model.logits(design, standardised))) - labels) * weight
        grads = [
            np.array([residual.sum()]),
            standardised.T @ residual + L2_DENSE * params[1] / n,
            np.bincount(
                design.bucket_index, weights=residual[design.bucket_row], minlength=N_BUCKETS
            )
            + l2_lexical * params[2] / n,
        ]
        for p, g, m, v in zip(params, grads, first, second, strict=True):
            m *= 0.9
            m += 0.1 * g
            v *= 0.999
            v += 0.001 * g * g
            p -= LEARNING_RATE * (m / (1 - 0.9**step)) / (np.sqrt(v / (1 - 0.999**step)) + 1e-8)
    return Logistic(params[0][0], params[1], params[2])


@dataclass
class GainModel:
    """Expected accuracy gained by escalating = P(strong right) - P(weak right)."""

    mean: np.ndarray
    scale: np.ndarray
    strong: Logistic
    weak: Logistic

    def gain(self, design: Design) -> np.ndarray:
        standardised = (design.dense - self.mean) / self.scale
        p_strong = 1 / (1 + np.exp(-self.strong.logits(design, standardised)))
        p_weak = 1 / (1 + np.exp(-self.weak.logits(design, standardised)))
        return p_strong - p_weak


def fit_gain_model(
    design: Design, prompts: list[LabelledPrompt], l2_lexical: float = L2_LEXICAL
) -> GainModel:
    """Both regressions; GSM8K's few prompts count double so MMLU does not drown them."""
    sources = [p.source for p in prompts]
    sample_weight = np.array([SOURCE_WEIGHT.get(s, 1.0) for s in sources])
    mean = design.dense.mean(axis=0)
    scale = design.dense.std(axis=0) + 1e-6
    standardised = (design.dense - mean) / scale
    strong = np.array([p.strong for p in prompts])
    weak = np.array([p.weak for p in prompts])
    return GainModel(
        mean,
        scale,
        train_logistic(design, standardised, strong, sample_weight, l2_lexical),
        train_logistic(design, standardised, weak, sample_weight, l2_lexical),
    )


def _float16_base64(values: np.ndarray) -> str:
    return base64.b64encode(struct.pack(f"<{len(values)}e", *values.tolist())).decode("ascii")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    parser.add_argument("--out", type=Path, default=ARTEFACT_PATH)
    args = parser.parse_args(argv)
    started = time.perf_counter()

    by_source = {s: load_routing(args.data, s) for s in ROUTING_SOURCES}
    train = [p for s in ROUTING_SOURCES for p in by_source[s] if not is_held_out(p.id)]
    held_out = {s: [p for p in by_source[s] if is_held_out(p.id)] for s in ROUTING_SOURCES}
    chat = [row["text"] for f in CHAT_FILES for row in read_jsonl(args.data / f)]
    print(
        f"training on {len(train)} prompts ({', '.join(ROUTING_SOURCES)}; held out: "
        f"{', '.join(f'{s} {len(v)}' for s, v in held_out.items())})"
    )

    design = Design.build([p.text for p in train])
    model = fit_gain_model(design, train)

    calibration_groups = {
        "chat": chat,
        **{s: [p.text for p in prompts] for s, prompts in held_out.items()},
    }
    artefact = {
        "format": FORMAT_VERSION,
        "note": (
            "Complexity scorer for localfirst: two logistic regressions (strong / weak model "
            "answers correctly) over hashed words and word pairs plus named signals, trained on "
            "RouteLLM's per-prompt labels (weak Mixtral-8x7B, strong GPT-4-1106) for MMLU and "
            "GSM8K, Apache-2.0 / MIT."
        ),
        "version": __version__,
        "trained": dt.date.today().isoformat(),
        "command": "python scripts/train_complexity.py --data ../shared/data",
        "data": {
            "train_prompts": {s: sum(p.source == s for p in train) for s in ROUTING_SOURCES},
            "split": "localfirst.complexity.evaluation.is_held_out: crc32(id) % 100 < 20",
            "calibration_prompts": {k: len(v) for k, v in calibration_groups.items()},
        },
        "hyperparameters": {
            "n_buckets": N_BUCKETS,
            "l2_lexical": L2_LEXICAL,
            "l2_dense": L2_DENSE,
            "iterations": ITERATIONS,
            "learning_rate": LEARNING_RATE,
        },
        "n_buckets": N_BUCKETS,
        "dense_names": list(dense_features("").keys()),
        "dense_mean": model.mean.round(6).tolist(),
        "dense_scale": model.scale.round(6).tolist(),
        # Inputs are clipped to the range seen in training: a pasted 5,000-word document must
        # not be extrapolated from word problems of at most a few hundred.
        "dense_min": design.dense.min(axis=0).round(6).tolist(),
        "dense_max": design.dense.max(axis=0).round(6).tolist(),
        "signal_priors": {s.name: s.prior for s in features.SIGNALS},
        "models": {
            name: {
                "bias": round(float(m.bias), 6),
                "dense": m.dense.round(6).tolist(),
                "lexical_float16_base64": _float16_base64(m.lexical),
            }
            for name, m in (("strong", model.strong), ("weak", model.weak))
        },
    }
    # The calibration quantiles must come from the shipped scorer itself (float16 weights and
    # all), so they are computed by loading what was just written.
    args.out.write_text(json.dumps(artefact, indent=1) + "\n", encoding="utf-8")
    from localfirst.complexity.scorer import ComplexityScorer

    scorer = ComplexityScorer.from_file(args.out)
    artefact["calibration"] = calibration_quantiles(scorer, calibration_groups)
    artefact["calibration"]["median_trained_gain"] = round(
        float(np.median([scorer.trained_gain(t) for g in calibration_groups.values() for t in g])),
        5,
    )
    artefact["held_out_metrics"] = held_out_metrics(scorer, held_out)
    args.out.write_text(json.dumps(artefact, indent=1) + "\n", encoding="utf-8")
    size_kib = args.out.stat().st_size / 1024
    print(f"wrote {args.out} ({size_kib:.0f} KiB) in {time.perf_counter() - started:.0f} s")
    return 0


def held_out_metrics(scorer, held_out: dict[str, list[LabelledPrompt]]) -> dict:
    """APGR of the shipped scorer and of length-only on the prompts kept out of training."""
    metrics = {}
    for source, prompts in held_out.items():
        weak = [p.weak for p in prompts]
        strong = [p.strong for p in prompts]
        ours = apgr([scorer.score(p.text).score for p in prompts], weak, strong)
        length_only = apgr([len(p.text) for p in prompts], weak, strong)
        metrics[source] = {
            "held_out_prompts": len(prompts),
            "apgr": round(ours, 4),
            "apgr_length_only": round(length_only, 4),
        }
        print(f"  {source}: held-out APGR {ours:.3f} (length-only {length_only:.3f})")
    return metrics


def calibration_quantiles(scorer, groups: dict[str, list[str]]) -> dict:
    """Score percentiles over the calibration prompts, each group weighing the same.

    RouteLLM calibrates its threshold on a sample of real user prompts; we have three kinds of
    prompt (open-ended chat, exam questions, math word problems) and give each a third.
    """
    weighted = []
    for texts in groups.values():
        weighted += [(scorer.score(t).score, 1.0 / len(texts)) for t in texts]
    weighted.sort()
    total = sum(w for _, w in weighted)
    quantiles, cumulative, i = [], 0.0, 0
    for q in range(101):
        target = q / 100 * total
        while i < len(weighted) - 1 and cumulative + weighted[i][1] < target:
            cumulative += weighted[i][1]
            i += 1
        quantiles.append(round(weighted[i][0], 5))
    return {"percentiles": quantiles, "groups": list(groups), "weighting": "equal per group"}


if __name__ == "__main__":
    raise SystemExit(main())
