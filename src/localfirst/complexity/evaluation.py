"""How routing quality is measured, shared by the training script, the eval script and the tests.

APGR follows RouteLLM's `evaluate.py`: the score's deciles give eleven thresholds, each
threshold sends the prompts scoring at or above it to the strong model, and the area under
the resulting (share of strong calls, accuracy) curve is expressed as the share of the
weak-to-strong gap recovered. Random routing scores about 0.5.

Which prompts a measurement may use is the scripts' business: they cross-validate over the
whole of each routing file (`scripts/train_complexity.py`, `fold_of`).
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

ROUTING_SOURCES = ("mmlu", "gsm8k")


@dataclass(frozen=True)
class LabelledPrompt:
    id: str
    text: str
    weak: float  # 1.0 when the weak model answered correctly
    strong: float
    source: str


def read_jsonl(path: Path) -> Iterator[dict]:
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            if line.strip():
                yield json.loads(line)


def load_routing(data_dir: Path, source: str) -> list[LabelledPrompt]:
    """RouteLLM's per-prompt correctness of a weak and a strong model, for one benchmark."""
    path = data_dir / "routing" / f"{source}_dev.jsonl"
    return [
        LabelledPrompt(row["id"], row["text"], float(row["weak"]), float(row["strong"]), source)
        for row in read_jsonl(path)
    ]


def _quantile(sorted_values: Sequence[float], q: float) -> float:
    """Linear-interpolation quantile, as numpy's and pandas' default."""
    position = q * (len(sorted_values) - 1)
    low = int(position)
    high = min(low + 1, len(sorted_values) - 1)
    return sorted_values[low] + (sorted_values[high] - sorted_values[low]) * (position - low)


def routing_curve(
    scores: Sequence[float], weak: Sequence[float], strong: Sequence[float], points: int = 10
) -> list[tuple[float, float]]:
    """(share of strong calls, accuracy) at the score's quantile thresholds, RouteLLM's way."""
    ordered = sorted(scores)
    thresholds = [_quantile(ordered, i / points) for i in range(points + 1)]
    curve = []
    for i, threshold in enumerate(thresholds):
        last = i == len(thresholds) - 1
        chosen = [(s > threshold) if last else (s >= threshold) for s in scores]
        correct = sum(st if c else wk for c, wk, st in zip(chosen, weak, strong, strict=True))
        curve.append((sum(chosen) / len(scores), correct / len(scores)))
    return sorted(curve)


def apgr(scores: Sequence[float], weak: Sequence[float], strong: Sequence[float]) -> float:
    """Average performance gap recovered (RouteLLM): 0.5 is random, 1.0 a perfect oracle-ish."""
    curve = routing_curve(scores, weak, strong)
    weak_accuracy = sum(weak) / len(weak)
    strong_accuracy = sum(strong) / len(strong)
    span = curve[-1][0] - curve[0][0]
    if span <= 0 or strong_accuracy == weak_accuracy:
        return float("nan")
    area = sum((x1 - x0) * (y0 + y1) / 2 for (x0, y0), (x1, y1) in itertools.pairwise(curve))
    return (area - weak_accuracy * span) / ((strong_accuracy - weak_accuracy) * span)


def strong_share_for_quality(
    scores: Sequence[float],
    weak: Sequence[float],
    strong: Sequence[float],
    quality: float = 0.95,
) -> float:
    """The smallest share of strong calls whose accuracy reaches `quality` × the strong model's.

    Prompts are escalated in order of decreasing score, one at a time (ties broken by order),
    which reads the whole curve rather than RouteLLM's eleven points.
    """
    n = len(scores)
    target = quality * sum(strong) / n
    order = sorted(range(n), key=lambda i: -scores[i])
    correct = sum(weak)
    if correct / n >= target:
        return 0.0
    for k, i in enumerate(order, start=1):
        correct += strong[i] - weak[i]
        if correct / n >= target - 1e-12:
            return k / n
    return 1.0
