"""The complexity scorer: how much a stronger model is expected to help with a prompt.

The score combines a trained estimate and hand weights, both in one unit, "accuracy expected
to be gained by escalating":

- trained: P(strong model right) - P(weak model right), two logistic regressions over hashed
  words and a few measures, fitted by `scripts/train_complexity.py` on RouteLLM's data;
- hand-weighted: each named signal's prior times its value (LiteLLM-style), which is what
  ranks prompts unlike the training data (code, role-play, small talk). Not added to
  multiple-choice questions, where thousands of training examples speak and the priors
  measurably hurt (docs/routing.md).

The sum is squashed into [0, 1]. Pure Python at run time (no numpy import, no network): the
weights ship as float16 in `scorer_weights.json`, loaded in a few milliseconds.
"""

from __future__ import annotations

import base64
import json
import math
import struct
from dataclasses import dataclass
from pathlib import Path

from localfirst.complexity import features
from localfirst.complexity.score import ComplexityScore

ARTEFACT_PATH = Path(__file__).with_name("scorer_weights.json")
FORMAT_VERSION = 1

# Gains live roughly in [-0.5, 1]; this spreads the usual ones over most of [0, 1].
_SQUASH = 4.0
# A signal is named in the explanation only when it moves the gain by at least this much.
_NAMED_CONTRIBUTION = 0.03
_TOPIC_LABEL = "topic small models often get wrong"
_EASY_TOPIC_LABEL = "topic small models handle well"


class ArtefactError(RuntimeError):
    """The shipped weights are missing or unreadable (a broken install)."""


@dataclass(frozen=True)
class _Regression:
    bias: float
    dense: tuple[float, ...]
    lexical: tuple[float, ...]

    def logit(self, standardised: list[float], buckets: list[int]) -> float:
        lexical = self.lexical
        return (
            self.bias
            + sum(w * x for w, x in zip(self.dense, standardised, strict=True))
            + sum(lexical[b] for b in buckets)
        )


def _sigmoid(x: float) -> float:
    if x < -60:
        return 0.0
    return 1.0 / (1.0 + math.exp(-x))


class ComplexityScorer:
    """Scores prompts in [0, 1]; higher means a stronger model is more likely to be needed."""

    def __init__(self, artefact: dict) -> None:
        if artefact.get("format") != FORMAT_VERSION:
            raise ArtefactError(
                f"scorer weights have format {artefact.get('format')!r}, expected {FORMAT_VERSION}"
            )
        self.info = {k: artefact.get(k) for k in ("version", "trained", "command", "data", "note")}
        self._n_buckets = int(artefact["n_buckets"])
        self._dense_names = tuple(artefact["dense_names"])
        self._mean = tuple(artefact["dense_mean"])
        self._scale = tuple(artefact["dense_scale"])
        self._low = tuple(artefact["dense_min"])
        self._high = tuple(artefact["dense_max"])
        self._priors = {
            s.name: float(artefact["signal_priors"].get(s.name, s.prior)) for s in features.SIGNALS
        }
        self._labels = {s.name: s.label for s in features.SIGNALS}
        self._strong = self._regression(artefact["models"]["strong"])
        self._weak = self._regression(artefact["models"]["weak"])
        calibration = artefact.get("calibration") or {}
        self._percentiles = tuple(calibration.get("percentiles", ()))
        # The typical trained gain, so the explanation can say when the topic itself pushed.
        self._typical_trained_gain = float(calibration.get("median_trained_gain", 0.0))

    def _regression(self, stored: dict) -> _Regression:
        raw = base64.b64decode(stored["lexical_float16_base64"])
        lexical = struct.unpack(f"<{self._n_buckets}e", raw)
        dense = tuple(float(w) for w in stored["dense"])
        if len(dense) != len(self._dense_names):
            raise ArtefactError("scorer weights do not match their feature list")
        return _Regression(float(stored["bias"]), dense, lexical)

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

    def trained_gain(self, text: str) -> float:
        """P(strong right) - P(weak right) from the trained regressions alone."""
        return self._trained_gain(text, features.dense_inputs(text, features.signal_values(text)))

    def _trained_gain(self, text: str, values: dict[str, float]) -> float:
        standardised = [
            (min(max(values[name], low), high) - mean) / scale
            for name, mean, scale, low, high in zip(
                self._dense_names, self._mean, self._scale, self._low, self._high, strict=True
            )
        ]
        buckets = features.lexical_buckets(text, self._n_buckets)
        p_strong = _sigmoid(self._strong.logit(standardised, buckets))
        p_weak = _sigmoid(self._weak.logit(standardised, buckets))
        return p_strong - p_weak

    def score(self, text: str) -> ComplexityScore:
        signals = features.signal_values(text)
        values = features.dense_inputs(text, signals)
        trained = self._trained_gain(text, values)
        # Multiple-choice questions are what the trained part knows best (thousands of MMLU
        # questions); the hand weights only speak where the training data has little to say.
        prior_scale = 0.0 if values["has_choices"] else 1.0
        contributions = {
            name: prior_scale * self._priors[name] * v for name, v in signals.items() if v
        }
        gain = trained + sum(contributions.values())
        score = _sigmoid(_SQUASH * gain)

        topic = trained - self._typical_trained_gain
        named = {self._labels[k]: c for k, c in contributions.items()}
        named[_TOPIC_LABEL if topic > 0 else _EASY_TOPIC_LABEL] = topic
        # Name what pushed the score the way it went: up for a high score, down for a low one.
        direction = 1.0 if score >= self.median_score else -1.0
        strongest = sorted(
            (label for label, c in named.items() if c * direction >= _NAMED_CONTRIBUTION),
            key=lambda label: -named[label] * direction,
        )
        return ComplexityScore(score, tuple(strongest[:3]))

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
