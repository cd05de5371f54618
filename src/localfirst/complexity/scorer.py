"""The complexity scorer: how much a stronger model is expected to help with a prompt.

The score estimates one quantity, the accuracy expected to be gained by escalating, from the
evidence that fits the kind of prompt (`features.prompt_kind`):

- exam questions (lettered choices): P(strong right) - P(weak right) from two logistic
  regressions over hashed words and a few measures, trained on RouteLLM's MMLU labels;
- math word problems: the same two-regression form over five measures of how many steps the
  arithmetic takes, trained on RouteLLM's GSM8K labels;
- open prompts (chat, code, writing): a base plus hand-weighted named signals, LiteLLM-style,
  since no per-prompt labels exist for them.

Each trained estimate is recalibrated per kind (a line fitted on cross-validated predictions)
so that a word problem and an exam question with the same score are expected to gain the same:
one kind's estimates are not squeezed into a corner of the other's range. The gain is squashed
into [0, 1]. Pure Python at run time (no numpy, no network): the weights ship as float16 in
`scorer_weights.json`, loaded in a few milliseconds.
"""

from __future__ import annotations

import base64
import json
import math
import struct
from dataclasses import dataclass
from pathlib import Path

from localfirst.complexity import features
from localfirst.types.score import ComplexityScore

ARTEFACT_PATH = Path(__file__).with_name("scorer_weights.json")
FORMAT_VERSION = 2

# A signal is named in the explanation only when it moves the gain by at least this much.
_NAMED_CONTRIBUTION = 0.03
_MAX_NAMED = 3
_TOPIC_LABELS = ("topic small models often get wrong", "topic small models handle well")
_WORD_PROBLEM_LABELS = ("multi-step math", "simple arithmetic")
# What each word-problem measure means to a user when it pushed the score up or down; None
# where its absence is no reason a user would recognise ("no fractions").
_WORD_PROBLEM_MEASURE_LABELS = {
    "log_chars": ("many steps", "short problem"),
    "has_comparison": ("quantities defined by comparison", None),
    "log_fractions": ("fractions", None),
    "log_sequence_words": ("several stages", None),
}


class ArtefactError(RuntimeError):
    """The shipped weights are missing or unreadable (a broken install)."""


@dataclass(frozen=True)
class Assessment:
    """Everything the score is made of, for explanations and for the training script."""

    kind: str  # features.EXAM, WORD_PROBLEM or OPEN
    raw_gain: float  # the trained estimate before per-kind calibration (open: the hand sum)
    gain: float  # expected accuracy gained by escalating, calibrated
    contributions: dict[str, float]  # user-facing label -> its push on the gain


def _sigmoid(x: float) -> float:
    if x < -60:
        return 0.0
    return 1.0 / (1.0 + math.exp(-x))


@dataclass(frozen=True)
class _Regression:
    bias: float
    dense: tuple[float, ...]
    lexical: tuple[float, ...]  # empty when the model uses no hashed words

    def logit(self, standardised: list[float], buckets: list[int]) -> float:
        lexical = self.lexical
        return (
            self.bias
            + sum(w * x for w, x in zip(self.dense, standardised, strict=True))
            + sum(lexical[b] for b in buckets)
        )


class _GainModel:
    """P(strong right) - P(weak right) from two logistic regressions, then a calibration line."""

    def __init__(self, stored: dict) -> None:
        self.dense_names = tuple(stored["dense_names"])
        self._mean = tuple(float(v) for v in stored["dense_mean"])
        self._scale = tuple(float(v) for v in stored["dense_scale"])
        self._low = tuple(float(v) for v in stored["dense_min"])
        self._high = tuple(float(v) for v in stored["dense_max"])
        self.n_buckets = int(stored.get("n_buckets", 0))
        self._strong = self._regression(stored["strong"])
        self._weak = self._regression(stored["weak"])
        calibration = stored.get("calibration") or {}
        self.intercept = float(calibration.get("intercept", 0.0))
        self.slope = float(calibration.get("slope", 1.0))
        self.typical_gain = float(stored.get("typical_gain", 0.0))
        sizes = {len(self._mean), len(self._scale), len(self._low), len(self._high)}
        if sizes != {len(self.dense_names)}:
            raise ArtefactError("scorer weights do not match their feature list")

    def _regression(self, stored: dict) -> _Regression:
        dense = tuple(float(w) for w in stored["dense"])
        if len(dense) != len(self.dense_names):
            raise ArtefactError("scorer weights do not match their feature list")
        lexical: tuple[float, ...] = ()
        if self.n_buckets:
            raw = base64.b64decode(stored["lexical_float16_base64"])
            lexical = struct.unpack(f"<{self.n_buckets}e", raw)
        return _Regression(float(stored["bias"]), dense, lexical)

    def standardise(self, values: dict[str, float]) -> list[float]:
        # Inputs are clipped to the range seen in training: a pasted 5,000-word document must
        # not be extrapolated from exam questions of a few hundred words.
        return [
            (min(max(values[name], low), high) - mean) / scale
            for name, mean, scale, low, high in zip(
                self.dense_names, self._mean, self._scale, self._low, self._high, strict=True
            )
        ]

    def raw_gain(self, standardised: list[float], buckets: list[int]) -> float:
        p_strong = _sigmoid(self._strong.logit(standardised, buckets))
        p_weak = _sigmoid(self._weak.logit(standardised, buckets))
        return p_strong - p_weak

    def calibrate(self, raw_gain: float) -> float:
        return self.intercept + self.slope * raw_gain


class ComplexityScorer:
    """Scores prompts in [0, 1]; higher means a stronger model is more likely to be needed."""

    def __init__(self, artefact: dict) -> None:
        if artefact.get("format") != FORMAT_VERSION:
            raise ArtefactError(
                f"scorer weights have format {artefact.get('format')!r}, expected {FORMAT_VERSION}"
            )
        self.info = {k: artefact.get(k) for k in ("version", "trained", "command", "data", "note")}
        self._squash = float(artefact["squash"])
        models = artefact["models"]
        self._exam = _GainModel(models[features.EXAM])
        self._word_problem = _GainModel(models[features.WORD_PROBLEM])
        stored_open = artefact["open"]
        self._open_base = float(stored_open["base"])
        self._priors = {
            s.name: float(stored_open["signal_priors"].get(s.name, s.prior))
            for s in features.SIGNALS
        }
        self._labels = {s.name: s.label for s in features.SIGNALS}
        self._percentiles = tuple((artefact.get("calibration") or {}).get("percentiles", ()))

    @classmethod
    def from_file(cls, path: Path) -> ComplexityScorer:
        try:
            artefact = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ArtefactError(
                f"cannot read the complexity scorer's weights at {path}: {exc}; "
                "reinstall localfirst or run scripts/train_complexity.py"
            ) from exc
        try:
            return cls(artefact)
        except (KeyError, TypeError, ValueError, struct.error) as exc:
            raise ArtefactError(
                f"the complexity scorer's weights at {path} are damaged: {exc}"
            ) from exc

    @classmethod
    def load(cls) -> ComplexityScorer:
        """The scorer shipped in the package (no network, a few milliseconds)."""
        return cls.from_file(ARTEFACT_PATH)

    def assess(self, text: str) -> Assessment:
        """The kind of prompt, its expected gain from escalating, and what pushed it."""
        if features.has_choices(text):
            return self._assess_exam(text)
        signals = features.signal_values(text)
        if features.prompt_kind(text, signals) == features.WORD_PROBLEM:
            return self._assess_word_problem(text)
        contributions = {
            self._labels[name]: self._priors[name] * value
            for name, value in signals.items()
            if value
        }
        gain = self._open_base + sum(contributions.values())
        return Assessment(features.OPEN, gain, gain, contributions)

    def _assess_exam(self, text: str) -> Assessment:
        model = self._exam
        standardised = model.standardise(features.exam_features(text))
        raw = model.raw_gain(standardised, features.lexical_buckets(text, model.n_buckets))
        gain = model.calibrate(raw)
        # Most of what the exam model knows is which topics a small model gets wrong.
        topic = gain - model.typical_gain
        return Assessment(features.EXAM, raw, gain, {_TOPIC_LABELS[topic <= 0]: topic})

    def _assess_word_problem(self, text: str) -> Assessment:
        model = self._word_problem
        values = features.word_problem_features(text)
        standardised = model.standardise(values)
        raw = model.raw_gain(standardised, [])
        gain = model.calibrate(raw)
        contributions = {}
        # Each measure's push: the gain minus the gain had that measure been typical (0 after
        # standardising). Exact for one measure at a time, which is what a reason names.
        for i, name in enumerate(model.dense_names):
            typical = [*standardised[:i], 0.0, *standardised[i + 1 :]]
            push = gain - model.calibrate(model.raw_gain(typical, []))
            up, down = _WORD_PROBLEM_MEASURE_LABELS.get(name, (None, None))
            label = up if push > 0 else down
            if label:
                contributions[label] = push
        return Assessment(features.WORD_PROBLEM, raw, gain, contributions)

    def gain_to_score(self, gain: float) -> float:
        return _sigmoid(self._squash * gain)

    def score(self, text: str) -> ComplexityScore:
        assessment = self.assess(text)
        score = self.gain_to_score(assessment.gain)
        # Name what pushed the score the way it went: up for a high score, down for a low one.
        direction = 1.0 if score >= self.median_score else -1.0
        lead = []
        if assessment.kind == features.WORD_PROBLEM:
            lead = [_WORD_PROBLEM_LABELS[direction < 0]]
        named = sorted(
            (
                (label, push)
                for label, push in assessment.contributions.items()
                if push * direction >= _NAMED_CONTRIBUTION
            ),
            key=lambda item: -item[1] * direction,
        )
        labels = lead + [label for label, _ in named]
        return ComplexityScore(score, tuple(labels[:_MAX_NAMED]))

    @property
    def median_score(self) -> float:
        return self._percentiles[50] if self._percentiles else 0.5

    def threshold_for_local_share(self, share: float) -> float:
        """The score below which about `share` of typical prompts fall (and so stay local).

        Calibrated on the shipped data as RouteLLM calibrates: the artefact stores the score's
        percentiles over a mix of chat, exam and math prompts. 0 escalates everything (0.0),
        1 nothing (1.01, above any score).
        """
        if share <= 0.0:
            return 0.0
        if share >= 1.0:
            return 1.01
        if not self._percentiles:
            return share
        position = share * (len(self._percentiles) - 1)
        low = int(position)
        high = min(low + 1, len(self._percentiles) - 1)
        lo, hi = self._percentiles[low], self._percentiles[high]
        return lo + (hi - lo) * (position - low)
