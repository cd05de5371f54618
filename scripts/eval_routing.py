#!/usr/bin/env python3
"""Measure the complexity scorer against simple baselines on prompts it never saw in training.

    .venv/bin/python scripts/eval_routing.py [--data ../shared/data] [--weights PATH]

For each routing benchmark (RouteLLM's per-prompt correctness of a weak and a strong model on
MMLU and GSM8K), on the held-out fifth of the prompts (`evaluation.is_held_out`), it prints:

- APGR (RouteLLM's average performance gap recovered; random is about 0.5), and
- the share of strong-model calls needed to reach 95% of the strong model's accuracy,

for our scorer, random routing (mean of 20 seeds), length-only, and a LiteLLM-style rule
scorer, all in the same run. The open-ended chat prompts (MT-Bench, Vicuna) carry categories
but no per-prompt labels, so for them it prints what can be measured: how often a math,
reasoning or coding prompt outscores the others (AUC), and the APGR of a proxy where only
those categories gain from escalation. Last, the scorer's load time and latency p50/p99.
"""

from __future__ import annotations

import argparse
import random
import re
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "src"))

from localfirst.complexity.evaluation import (  # noqa: E402
    ROUTING_SOURCES,
    apgr,
    is_held_out,
    load_routing,
    read_jsonl,
    strong_share_for_quality,
)
from localfirst.complexity.scorer import ARTEFACT_PATH, ComplexityScorer  # noqa: E402

CHAT_FILES = {
    "mt-bench": "benign/mt_bench_prompts.jsonl",
    "vicuna": "benign/vicuna_bench_prompts.jsonl",
}
# The categories where a strong model is known to beat a small one by far (RouteLLM's MT-Bench
# results and the MT-Bench leaderboard); the others are ones small models write well.
HARD_CATEGORIES = {"math", "reasoning", "coding"}
RANDOM_SEEDS = 20
# Each prompt is timed this many times and its fastest run kept (as `timeit` does), so that
# other jobs on a shared machine do not pass for the scorer's own cost.
LATENCY_REPEATS = 3


# --- LiteLLM-style rule scorer (baseline) ------------------------------------------------
# After LiteLLM's complexity router defaults: dimension weights and thresholds as there,
# keyword lists abbreviated.
_LITELLM_KEYWORDS = {
    "codePresence": [
        "function",
        "class",
        "def",
        "import",
        "return",
        "async",
        "exception",
        "error",
        "debug",
        "api",
        "database",
        "sql",
        "query",
        "algorithm",
        "implement",
        "refactor",
        "optimize",
        "python",
        "javascript",
        "typescript",
        "java",
        "rust",
    ],
    "reasoningMarkers": [
        "step by step",
        "think through",
        "let's think",
        "explain your reasoning",
        "show your work",
        "think carefully",
        "evaluate",
        "pros and cons",
        "compare and contrast",
        "logical",
        "deduce",
        "infer",
        "conclude",
    ],
    "technicalTerms": [
        "architecture",
        "distributed",
        "scalable",
        "machine learning",
        "neural network",
        "encryption",
        "authentication",
        "performance",
        "latency",
        "concurrency",
        "parallel",
        "memory",
        "optimization",
        "protocol",
    ],
    "simpleIndicators": [
        "what is",
        "what's",
        "define",
        "who is",
        "who was",
        "when did",
        "where is",
        "how many",
        "how much",
        "yes or no",
        "true or false",
        "simple",
        "brief",
        "short",
        "quick",
        "hello",
        "hi",
        "hey",
        "thanks",
        "thank you",
    ],
}
_LITELLM_WEIGHTS = {
    "tokenCount": 0.10,
    "codePresence": 0.30,
    "reasoningMarkers": 0.25,
    "technicalTerms": 0.25,
    "simpleIndicators": 0.05,
    "multiStepPatterns": 0.03,
    "questionComplexity": 0.02,
}
_LITELLM_PATTERNS = {
    name: [re.compile(r"\b" + re.escape(k) + r"\b") for k in words]
    for name, words in _LITELLM_KEYWORDS.items()
}
_MULTI_STEP = [
    re.compile(p, re.IGNORECASE) for p in (r"first.*?then", r"step\s*\d", r"\d+\.\s", r"[a-z]\)\s")
]


def litellm_style_score(text: str) -> float:
    lower = text.lower()
    tokens = len(text) // 4
    dims = {"tokenCount": -1.0 if tokens < 15 else 1.0 if tokens > 400 else 0.0}
    for name, patterns in _LITELLM_PATTERNS.items():
        matches = sum(1 for p in patterns if p.search(lower))
        level = 1.0 if matches >= 2 else 0.5 if matches == 1 else 0.0
        dims[name] = -level if name == "simpleIndicators" else level
    dims["multiStepPatterns"] = 0.5 if any(p.search(text) for p in _MULTI_STEP) else 0.0
    dims["questionComplexity"] = 0.5 if text.count("?") > 3 else 0.0
    return sum(_LITELLM_WEIGHTS[k] * v for k, v in dims.items())


# --- the table ------------------------------------------------------------------------------
def routing_rows(
    scorers: dict[str, Callable[[str], float]],
    texts: Sequence[str],
    weak: Sequence[float],
    strong: Sequence[float],
) -> list[tuple[str, float, float]]:
    rows = []
    for name, score in scorers.items():
        values = [score(t) for t in texts]
        rows.append(
            (name, apgr(values, weak, strong), strong_share_for_quality(values, weak, strong))
        )
    rng = random.Random(0)
    runs = []
    for _ in range(RANDOM_SEEDS):
        values = [rng.random() for _ in texts]
        runs.append((apgr(values, weak, strong), strong_share_for_quality(values, weak, strong)))
    rows.insert(
        1, ("random", statistics.mean(r[0] for r in runs), statistics.mean(r[1] for r in runs))
    )
    return rows


def chat_rows(
    scorers: dict[str, Callable[[str], float]], rows: list[dict]
) -> list[tuple[str, float, float]]:
    """AUC of hard vs other categories, and APGR when only hard categories gain (a proxy)."""
    hard = [1.0 if r["category"] in HARD_CATEGORIES else 0.0 for r in rows]
    zeros = [0.0] * len(rows)
    out = []
    for name, score in scorers.items():
        values = [score(r["text"]) for r in rows]
        pos = [v for v, h in zip(values, hard, strict=True) if h]
        neg = [v for v, h in zip(values, hard, strict=True) if not h]
        auc = sum((p > n) + 0.5 * (p == n) for p in pos for n in neg) / (len(pos) * len(neg))
        out.append((name, auc, apgr(values, zeros, hard)))
    return out


def print_table(title: str, header: tuple[str, str, str], rows, percent_last: bool = True) -> None:
    print(f"\n{title}")
    print(f"| {header[0]:<22} | {header[1]:>6} | {header[2]:>28} |")
    print(f"|{'-' * 24}|{'-' * 7}:|{'-' * 29}:|")
    for name, first, second in rows:
        last = f"{second:.0%}" if percent_last else f"{second:.3f}"
        print(f"| {name:<22} | {first:6.3f} | {last:>28} |")


def latency_rows(
    scorers: dict[str, Callable[[str], float]], texts: Sequence[str]
) -> list[tuple[str, float, float]]:
    rows = []
    for name, score in scorers.items():
        times = []
        for text in texts:
            runs = []
            for _ in range(LATENCY_REPEATS):
                started = time.perf_counter()
                score(text)
                runs.append((time.perf_counter() - started) * 1000)
            times.append(min(runs))
        times.sort()
        rows.append(
            (name, times[len(times) // 2], times[min(len(times) - 1, int(len(times) * 0.99))])
        )
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    parser.add_argument("--weights", type=Path, default=ARTEFACT_PATH)
    args = parser.parse_args(argv)
    if not (args.data / "routing").is_dir():
        parser.error(f"no routing data under {args.data} (expected {args.data / 'routing'})")

    started = time.perf_counter()
    scorer = ComplexityScorer.from_file(args.weights)
    load_ms = (time.perf_counter() - started) * 1000
    ours = f"localfirst {scorer.info.get('version')}"
    scorers = {
        ours: lambda t: scorer.score(t).score,
        "length-only": len,
        "LiteLLM-style rules": litellm_style_score,
    }
    print(
        f"scorer weights: {args.weights.name}, trained {scorer.info.get('trained')}; "
        f"data: {args.data}"
    )

    every_text = []
    for source in ROUTING_SOURCES:
        prompts = [p for p in load_routing(args.data, source) if is_held_out(p.id)]
        texts = [p.text for p in prompts]
        every_text += texts
        weak = [p.weak for p in prompts]
        strong = [p.strong for p in prompts]
        print_table(
            f"{source}: {len(prompts)} held-out prompts (weak {statistics.mean(weak):.1%}, "
            f"strong {statistics.mean(strong):.1%} correct)",
            ("router", "APGR", "strong calls for 95% quality"),
            routing_rows(scorers, texts, weak, strong),
        )

    for name, path in CHAT_FILES.items():
        if not (args.data / path).exists():
            continue
        rows = list(read_jsonl(args.data / path))
        every_text += [r["text"] for r in rows]
        print_table(
            f"{name}: {len(rows)} open-ended prompts, no per-prompt labels; hard = "
            f"{', '.join(sorted(HARD_CATEGORIES))}",
            ("router", "AUC", "proxy APGR (only hard gain)"),
            chat_rows(scorers, rows),
            percent_last=False,
        )

    print_table(
        f"latency over {len(every_text)} prompts (ms, best of {LATENCY_REPEATS} runs each); "
        f"{ours} loaded in {load_ms:.0f} ms",
        ("scorer", "p50", "p99"),
        latency_rows({ours: scorers[ours], "LiteLLM-style rules": litellm_style_score}, every_text),
        percent_last=False,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
